"""Build fastgraph's compiled kernels.

Every ``fastgraph/_kernels/<family>.pyx`` becomes the extension
``fastgraph._kernels.<family>``, compiled together with ``csrc/<family>.c``
when that file exists.  OpenMP is used when the compiler accepts it.

Environment switches:
  FASTGRAPH_DEBUG=1     Cython bounds checks on, -O0 -g (debug a kernel)
  FASTGRAPH_PORTABLE=1  no -march=native (a wheel for other machines)
  FASTGRAPH_ONLY=a,b    build only these families (parallel development)
"""
import glob
import os
import shutil
import subprocess
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("FASTGRAPH_DEBUG") == "1"
PORTABLE = os.environ.get("FASTGRAPH_PORTABLE") == "1"
ONLY = {s for s in os.environ.get("FASTGRAPH_ONLY", "").split(",") if s}


def compiler_accepts(flags):
    """True when the C compiler builds and links a trivial program with `flags`."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\nint main(void){return 0;}\n")
        cmd = cc.split() + flags + [src, "-o", os.path.join(tmp, "t")]
        return subprocess.call(cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compile_flags():
    if DEBUG:
        return ["-O0", "-g"], []
    cflags = ["-O3", "-std=c99", "-ffp-contract=fast", "-fno-math-errno",
              "-fno-trapping-math"]
    if not PORTABLE and compiler_accepts(["-march=native"]):
        cflags.append("-march=native")
    return cflags, []


def openmp_flags():
    if os.environ.get("FASTGRAPH_NO_OPENMP") == "1":
        return [], [], False
    if compiler_accepts(["-fopenmp"]):
        return ["-fopenmp"], ["-fopenmp"], True
    return [], [], False


def extensions():
    cflags, lflags = compile_flags()
    omp_c, omp_l, has_omp = openmp_flags()
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
              ("FG_HAVE_OPENMP", "1" if has_omp else "0")]
    exts = []
    for pyx in sorted(glob.glob(os.path.join("fastgraph", "_kernels", "*.pyx"))):
        family = os.path.splitext(os.path.basename(pyx))[0]
        if ONLY and family not in ONLY:
            continue
        sources = [pyx]
        csrc = os.path.join("csrc", family + ".c")
        if os.path.exists(csrc):
            sources.append(csrc)
        exts.append(Extension(
            "fastgraph._kernels." + family, sources,
            include_dirs=["csrc", np.get_include()],
            define_macros=macros,
            extra_compile_args=cflags + omp_c,
            extra_link_args=lflags + omp_l,
        ))
    directives = {"language_level": "3", "boundscheck": DEBUG,
                  "wraparound": DEBUG, "cdivision": not DEBUG,
                  "initializedcheck": DEBUG, "embedsignature": True}
    return cythonize(exts, compiler_directives=directives, quiet=True)


os.chdir(HERE)
setup(ext_modules=extensions())
