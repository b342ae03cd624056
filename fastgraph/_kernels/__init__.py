"""Cython shims over the C kernels in csrc/.

Each module checks dtype, shape and contiguity of its arguments with the
shared checks of checks.pxd (errors: checks.KernelArgumentError), then
calls the C function without the GIL.  Every kernel family is built once
per CPU level (fastgraph._kernels.<level>.<family>); `load` imports the
level dispatch.py chose for this CPU, and turns a missing build into an
ImportError that says how to build it.
"""
import importlib
import os

from . import dispatch

# libgomp's idle threads otherwise spin after every parallel region and, on
# a few cores, starve the BLAS call that follows (conv: 5-20x slower).  Only
# effective when fastgraph is the first to load libgomp; users may override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_HOW_TO_BUILD = (
    "fastgraph's compiled kernels are not built ({err}). Install the package "
    "with `pip install .` (or `pip install -e .` for development), or build "
    "them in place with `python setup.py build_ext --inplace`; a C compiler "
    "is required.")


def load(family, level=None):
    """Import kernel family `family` built for `level` (default: the level
    this process runs, dispatch.level()), or explain how to build it."""
    try:
        if family in dispatch.SHARED:
            return importlib.import_module("fastgraph._kernels." + family)
        level = level or dispatch.level()
        return importlib.import_module(f"fastgraph._kernels.{level}.{family}")
    except dispatch.LevelError:
        raise
    except ImportError as err:
        raise ImportError(_HOW_TO_BUILD.format(err=err)) from err
