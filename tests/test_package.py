"""Packaging: import cost, lazy submodules, a clear error when the compiled
kernels are missing, and a build that stops naming what it cannot build."""
import os
import pathlib
import shutil
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


SETUP = pathlib.Path(__file__).resolve().parents[1] / "setup.py"


def build(tree, **env):
    """Run setup.py's in-place build on the source tree `tree` (a copy)."""
    shutil.copy(SETUP, tree)
    return subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"],
                          cwd=tree, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **env))


@pytest.mark.skipif(not SETUP.exists(), reason="setup.py is not installed with the package")
def test_a_build_without_kernel_sources_stops_and_says_so(tmp_path):
    pytest.importorskip("Cython")
    r = build(tmp_path)
    assert r.returncode != 0
    assert "no kernel sources (fastgraph/_kernels/*.pyx) found" in r.stderr


@pytest.mark.skipif(not SETUP.exists(), reason="setup.py is not installed with the package")
def test_a_kernel_family_that_fails_to_compile_stops_the_build_naming_it(tmp_path):
    pytest.importorskip("Cython")
    (tmp_path / "fastgraph" / "_kernels" / "baseline").mkdir(parents=True)
    (tmp_path / "fastgraph" / "_kernels" / "baseline" / "__init__.py").touch()
    (tmp_path / "csrc").mkdir()
    (tmp_path / "fastgraph" / "_kernels" / "broken.pyx").write_text(
        'cdef extern from "broken.h":\n    int fg_broken()\n\n'
        'def broken():\n    return fg_broken()\n')
    (tmp_path / "csrc" / "broken.h").write_text("int fg_broken(void);\n")
    (tmp_path / "csrc" / "broken.c").write_text("int fg_broken(void) { return 1 }\n")
    r = build(tmp_path, FASTGRAPH_LEVELS="baseline")
    assert r.returncode != 0
    assert "kernel family 'broken' (level 'baseline') failed to build" in r.stderr
    (tmp_path / "csrc" / "broken.c").write_text("int fg_broken(void) { return 1; }\n")
    kernels = tmp_path / "fastgraph" / "_kernels"
    stale = [kernels / "broken.so", kernels / "avx2" / "broken.so"]   # other builds'
    (kernels / "avx2").mkdir()
    for path in stale:
        path.touch()
    r = build(tmp_path, FASTGRAPH_LEVELS="baseline")
    assert r.returncode == 0, r.stderr
    assert list((kernels / "baseline").glob("broken.*"))
    assert not any(path.exists() for path in stale)
