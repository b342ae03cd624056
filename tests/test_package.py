"""Packaging: import cost, lazy submodules, and a clear error when the
compiled kernels are missing."""
import subprocess
import sys

import pytest

import fastgraph
from fastgraph._kernels import load


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=120)


def test_missing_kernel_module_explains_how_to_build():
    with pytest.raises(ImportError, match=r"pip install .*build_ext --inplace"):
        load("no_such_family")


def test_runtime_never_needs_cython():
    r = run("import sys, fastgraph, fastgraph.layers, fastgraph.models, "
            "fastgraph.backend; assert 'Cython' not in sys.modules, 'Cython'")
    assert r.returncode == 0, r.stderr


def test_submodules_load_on_attribute_access():
    r = run("import sys, fastgraph; assert 'fastgraph.layers' not in sys.modules; "
            "fastgraph.layers.concatenate; assert 'fastgraph.layers' in sys.modules")
    assert r.returncode == 0, r.stderr
    with pytest.raises(AttributeError, match="no_such_module"):
        fastgraph.no_such_module


def test_version_is_public():
    assert isinstance(fastgraph.__version__, str) and fastgraph.__version__
