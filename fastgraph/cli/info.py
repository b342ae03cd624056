"""`python -m fastgraph info`: what this installation runs on.

`collect()` gathers the facts as a dict, `format_report` prints them.  Every
probe is guarded: a missing kernel or an unknown BLAS is reported, never
raised, since `info` is what one runs when something is wrong.
"""
import os
import platform
import sys

_ENV_VARS = ("FASTGRAPH_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def kernel_families():
    """Names of the kernel families: the shared modules, each one compiled
    for the level this process runs, and each .pyx source (a checkout)."""
    from .. import _kernels
    from .._kernels import dispatch
    names = set(dispatch.SHARED)
    for folder in _kernels.__path__:
        names.update(e[:-4] for e in os.listdir(folder) if e.endswith(".pyx"))
    try:
        names.update(dispatch.modules(dispatch.level()))
    except ImportError:     # reported by _level_status
        pass
    return sorted(names)


def _level_status():
    """The CPU level of the kernels: chosen, built, runnable, forced."""
    from .._kernels import dispatch
    status = {"built": dispatch.built(), "forced": os.environ.get(dispatch.ENV)}
    try:
        status["runnable"] = list(dispatch.runnable())
        status["level"] = dispatch.level()
    except ImportError as err:
        status["error"] = str(err)
    return status


def _kernels_status():
    from .._kernels import load
    ok, missing = [], {}
    for family in kernel_families():
        try:
            load(family)
            ok.append(family)
        except ImportError as err:
            missing[family] = str(err)
    return {"ok": ok, "missing": missing, "level": _level_status()}


def _numpy_blas():
    """NumPy's build-time BLAS/LAPACK from numpy.show_config (NumPy >= 1.26)."""
    import numpy as np
    try:
        config = np.show_config(mode="dicts")
    except TypeError:
        return None
    deps = (config or {}).get("Build Dependencies", {})
    return {k: {f: deps[k].get(f) for f in ("name", "version")}
            for k in ("blas", "lapack") if k in deps}


def _runtime_blas():
    try:
        from .. import _threads
        return _threads.blas_info()
    except (ImportError, OSError) as err:
        return {"error": str(err)}


def _threads_status():
    status = {"cpu_count": os.cpu_count(),
              "env": {k: os.environ[k] for k in _ENV_VARS if k in os.environ}}
    try:
        from .. import _threads
        status.update(_threads.get_num_threads())
    except (ImportError, OSError) as err:
        status["error"] = str(err)
    try:
        from .._kernels import load
        status["openmp_available"] = load("threads").openmp_available()
    except ImportError:
        status["openmp_available"] = None
    return status


def collect():
    """Versions, BLAS, kernels, OpenMP and threads, as a dict."""
    import numpy as np

    from .. import __file__ as package_file
    from .._version import __version__
    return {
        "fastgraph": __version__,
        "location": os.path.dirname(os.path.abspath(package_file)),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "numpy": np.__version__,
        "blas": _runtime_blas(),
        "numpy_build": _numpy_blas(),
        "kernels": _kernels_status(),
        "threads": _threads_status(),
    }


def _blas_lines(blas, build):
    lines = []
    if blas.get("vendor"):
        core = f", core {blas['corename']}" if blas.get("corename") else ""
        lines.append(f"BLAS (loaded): {blas['vendor']}{core}, {blas['threads']} threads, "
                     f"{blas['library']}")
        if blas.get("config"):
            lines.append(f"BLAS config: {blas['config']}")
    elif "error" in blas:
        lines.append(f"BLAS (loaded): unknown ({blas['error']})")
    else:
        lines.append("BLAS (loaded): no OpenBLAS, MKL or BLIS with thread control found")
    for kind, dep in (build or {}).items():
        lines.append(f"NumPy built with {kind.upper()}: {dep.get('name')} "
                     f"{dep.get('version') or ''}".rstrip())
    return lines


def _thread_lines(threads):
    omp = threads.get("openmp_available")
    lines = ["OpenMP: " + {True: "yes", False: "no (kernels compiled without it)",
                           None: "unknown (thread kernel not built)"}[omp]]
    if "error" in threads:
        lines.append(f"threads: unknown ({threads['error']})")
    else:
        blas = threads["blas"] if threads["blas"] is not None else "n/a"
        lines.append(f"threads: OpenMP {threads['openmp']}, BLAS {blas}, "
                     f"CPUs {threads['cpu_count']}")
    env = ", ".join(f"{k}={v}" for k, v in threads["env"].items()) or "none set"
    lines.append(f"thread environment: {env}")
    return lines


def _level_line(level):
    built = ", ".join(level["built"]) or "none"
    if "error" in level:
        return f"kernel level: none ({level['error']})"
    how = (f"forced by FASTGRAPH_CPU_LEVEL={level['forced']}" if level["forced"]
           else "-march=native: for the machine that built it" if level["level"] == "native"
           else "the best built that this CPU runs")
    return (f"kernel level: {level['level']} ({how}; built: {built}; "
            f"this CPU runs: {', '.join(level['runnable'])})")


def format_report(report):
    """The dict of `collect()` as the lines `info` prints."""
    kernels = report["kernels"]
    lines = [f"fastgraph {report['fastgraph']} ({report['location']})",
             f"Python {report['python']}",
             f"platform: {report['platform']}",
             f"NumPy {report['numpy']}"]
    lines += _blas_lines(report["blas"], report["numpy_build"])
    if not kernels["ok"] and not kernels["missing"]:
        lines.append("compiled kernels: none found; build them with "
                     "`pip install .` or `python setup.py build_ext --inplace`")
    else:
        lines.append(f"compiled kernels: {len(kernels['ok'])} of "
                     f"{len(kernels['ok']) + len(kernels['missing'])} import: "
                     f"{', '.join(kernels['ok']) or '-'}")
        for family, err in kernels["missing"].items():
            lines.append(f"  MISSING {family}: {err}")
    lines.append(_level_line(kernels["level"]))
    lines += _thread_lines(report["threads"])
    return "\n".join(lines)
