"""Build fastgraph's compiled kernels, one set per CPU level.

Every ``fastgraph/_kernels/<family>.pyx`` is cythonized once and, with
``csrc/<family>.c`` when that exists, becomes the extension
``fastgraph._kernels.<level>.<family>`` for each CPU level: its Cython shim
is compiled once and linked into every level, its C kernels are compiled
with the level's flags.  On x86-64 the levels are ``baseline`` (SSE2),
``avx2`` (AVX2 + FMA) and ``avx512`` (AVX-512 F/CD/BW/DQ/VL); elsewhere
``baseline`` alone.  fastgraph._kernels.dispatch picks, at import time, the
best level the CPU runs.  The modules of SHARED hold no kernel and are
built once, as ``fastgraph._kernels.<name>``.  OpenMP is used when the
compiler accepts it.  A family that fails to compile stops the build with
an error naming it, and so does a checkout without kernel sources.

Environment switches:
  FASTGRAPH_LEVELS=native     one level compiled with -march=native: the
                              fastest for the building machine, for it only
  FASTGRAPH_LEVELS=a,b        only these levels (e.g. baseline: quicker builds)
  FASTGRAPH_DEBUG=1           Cython bounds checks on, -O0 -g (debug a kernel)
  FASTGRAPH_ONLY=a,b          build only these families (parallel development)
  FASTGRAPH_NO_OPENMP=1       no OpenMP
"""
import concurrent.futures
import glob
import os
import shutil
import subprocess
import sysconfig
import tempfile

import numpy as np
import setuptools
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from setuptools.errors import CompileError, LinkError
except ImportError:     # setuptools < 59
    from distutils.errors import CompileError, LinkError

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("FASTGRAPH_DEBUG") == "1"
ONLY = {s for s in os.environ.get("FASTGRAPH_ONLY", "").split(",") if s}
# Built once, at baseline (fastgraph/_kernels/dispatch.py lists them too).
SHARED = ("checks", "cpu", "tasks")
# Lowest first; the flags are what fastgraph/_kernels/cpu.pyx checks for.
X86_LEVELS = {
    "baseline": [],
    "avx2": ["-mavx2", "-mfma"],
    "avx512": ["-mavx2", "-mfma", "-mavx512f", "-mavx512cd", "-mavx512bw",
               "-mavx512dq", "-mavx512vl"],
}
NATIVE = {"native": ["-march=native"]}


def is_x86_64():
    """The target (not the build machine: cross builds set it) is x86-64."""
    return sysconfig.get_platform().endswith(("x86_64", "amd64"))


def levels():
    """{level: flags} this build compiles, from FASTGRAPH_LEVELS or the
    default: every x86-64 level there, baseline alone elsewhere."""
    known = dict(X86_LEVELS, **NATIVE) if is_x86_64() else {"baseline": [], **NATIVE}
    wanted = [s for s in os.environ.get("FASTGRAPH_LEVELS", "").split(",") if s]
    if not wanted:
        return {k: v for k, v in known.items() if k not in NATIVE}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise SystemExit(f"FASTGRAPH_LEVELS: unknown level(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(known)}")
    return {k: known[k] for k in wanted}


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
        return ["-O0", "-g"]
    return ["-O3", "-std=c99", "-ffp-contract=fast", "-fno-math-errno",
            "-fno-trapping-math"]


def openmp_flags():
    if os.environ.get("FASTGRAPH_NO_OPENMP") == "1":
        return [], [], False
    if compiler_accepts(["-fopenmp"]):
        return ["-fopenmp"], ["-fopenmp"], True
    return [], [], False


def families():
    """The .pyx names of fastgraph/_kernels (FASTGRAPH_ONLY's subset)."""
    found = sorted(os.path.splitext(os.path.basename(p))[0] for p in
                   glob.glob(os.path.join("fastgraph", "_kernels", "*.pyx")))
    if not found:
        raise SystemExit("fastgraph: no kernel sources (fastgraph/_kernels/*.pyx) "
                         f"found under {HERE}; an sdist or checkout without them "
                         "cannot build the kernels")
    unknown = ONLY - set(found)
    if unknown:
        raise SystemExit(f"FASTGRAPH_ONLY: no kernel family {', '.join(sorted(unknown))} "
                         f"(families: {', '.join(found)})")
    return [f for f in found if not ONLY or f in ONLY or f in SHARED]


def extensions():
    """The cythonized shared modules and one extension per family and level;
    a level extension's `shim` is its Cython C, compiled by BuildKernels."""
    cflags = compile_flags()
    omp_c, omp_l, has_omp = openmp_flags()
    common = dict(include_dirs=["csrc", np.get_include()],
                  define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
                                 ("FG_HAVE_OPENMP", "1" if has_omp else "0")],
                  extra_compile_args=cflags + omp_c, extra_link_args=omp_l)
    names = families()
    pyx = [Extension("fastgraph._kernels." + f,
                     [os.path.join("fastgraph", "_kernels", f + ".pyx")]
                     + glob.glob(os.path.join("csrc", f + ".c")), **common)
           for f in names]
    directives = {"language_level": "3", "boundscheck": DEBUG,
                  "wraparound": DEBUG, "cdivision": not DEBUG,
                  "initializedcheck": DEBUG, "embedsignature": True}
    cythonized = cythonize(pyx, compiler_directives=directives, quiet=True)
    exts = [e for e in cythonized if e.name.rsplit(".", 1)[1] in SHARED]
    for level, flags in levels().items():
        for e in cythonized:
            family = e.name.rsplit(".", 1)[1]
            if family in SHARED:
                continue
            ext = Extension(f"fastgraph._kernels.{level}.{family}", e.sources[1:],
                            depends=[e.sources[0]],
                            **dict(common, extra_compile_args=cflags + omp_c + flags))
            ext.shim, ext.shim_args, ext.level = e.sources[0], cflags + omp_c, level
            exts.append(ext)
    return exts


class BuildKernels(build_ext):
    """Compiles each family's Cython shim once (it holds no kernel loop) and
    links it into every level; names the family and level of a failure;
    builds in parallel on every core unless told otherwise (-j)."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self):
        super().run()
        if self.inplace and not ONLY:
            self._remove_stale()

    def build_extensions(self):
        self.check_extensions_list(self.extensions)
        level_exts = [e for e in self.extensions if hasattr(e, "shim")]
        shims = {e.shim: e for e in level_exts}
        with concurrent.futures.ThreadPoolExecutor(max(1, int(self.parallel))) as pool:
            objects = dict(zip(shims, pool.map(self._compile_shim, shims.values())))
        for e in level_exts:
            e.extra_objects = [objects[e.shim]]
        # Level by level: the C kernels of two levels share one object path.
        base = self.build_temp
        try:
            for group in self._by_level():
                self.build_temp, self.extensions = group
                super().build_extensions()
        finally:
            self.build_temp = base
            self.extensions = self.distribution.ext_modules

    def _by_level(self):
        shared = [e for e in self.extensions if not hasattr(e, "shim")]
        groups = [(self.build_temp, shared)]
        for level in dict.fromkeys(e.level for e in self.extensions if hasattr(e, "shim")):
            groups.append((os.path.join(self.build_temp, level),
                           [e for e in self.extensions if getattr(e, "level", None) == level]))
        return groups

    def _compile_shim(self, ext):
        out = os.path.join(self.build_temp, "shims")
        obj = self.compiler.object_filenames([ext.shim], output_dir=out)[0]
        if (not self.force and os.path.exists(obj)
                and os.path.getmtime(obj) >= os.path.getmtime(ext.shim)):
            return obj
        try:
            return self.compiler.compile(
                [ext.shim], output_dir=out, macros=ext.define_macros,
                include_dirs=ext.include_dirs, extra_postargs=ext.shim_args)[0]
        except CompileError as err:
            family = ext.name.rsplit(".", 1)[1]
            raise CompileError(f"fastgraph: the Cython shim of kernel family "
                               f"'{family}' failed to compile: {err}") from err

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except (CompileError, LinkError) as err:
            where = f"level '{ext.level}'" if hasattr(ext, "level") else "shared module"
            raise type(err)(f"fastgraph: kernel family '{ext.name.rsplit('.', 1)[1]}' "
                            f"({where}) failed to build: {err}") from err

    def _remove_stale(self):
        """An in-place build leaves only this build's levels: a level (or the
        old flat layout) left over from another build would be imported."""
        built = {os.path.abspath(self.get_ext_fullpath(e.name)) for e in self.extensions}
        root = os.path.join(HERE, "fastgraph", "_kernels")
        found = {os.path.abspath(p) for suffix in ("so", "pyd")
                 for p in glob.glob(os.path.join(root, "*." + suffix))
                 + glob.glob(os.path.join(root, "*", "*." + suffix))}
        for path in found - built:
            os.remove(path)

if (int(setuptools.__version__.split(".")[0]) < 77
        and os.path.exists(os.path.join(HERE, "pyproject.toml"))):
    raise SystemExit(f"fastgraph: setuptools {setuptools.__version__} cannot read "
                     "pyproject.toml's license (an SPDX string, PEP 639): install "
                     "setuptools>=77 (`python -m pip install -U 'setuptools>=77'`), or "
                     "build through pip, which fetches it")
os.chdir(HERE)
setup(ext_modules=extensions(), cmdclass={"build_ext": BuildKernels})
