"""Which build of the kernels this process runs.

setup.py compiles every kernel family once per CPU level into the package
fastgraph._kernels.<level> (x86-64: baseline, avx2, avx512; elsewhere
baseline), or into ``native`` alone for a -march=native build.  As NumPy's
dispatch does, the level is chosen once, at the first kernel import, from
the features of the CPU that runs (cpu.pyx), not of the one that built:
the highest level both built and runnable, ``native`` when built.
FASTGRAPH_CPU_LEVEL=<level> forces one (a lower level, to test it or to
rule out a suspect kernel); a level not built or not runnable is an error.
"""
import importlib
import importlib.machinery
import os

ENV = "FASTGRAPH_CPU_LEVEL"
LEVELS = ("baseline", "avx2", "avx512")     # lowest first
NATIVE = "native"
# Built once, at baseline, as fastgraph._kernels.<name> (setup.py's SHARED).
SHARED = ("checks", "cpu", "tasks")
_HERE = os.path.dirname(os.path.abspath(__file__))
_CHOSEN = []


class LevelError(ImportError):
    """FASTGRAPH_CPU_LEVEL names a level that is unknown, not built or not
    runnable here."""


def modules(level):
    """The kernel families built for `level` (names of its extension files)."""
    folder = os.path.join(_HERE, level)
    suffixes = sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)
    names = set()
    for entry in os.listdir(folder) if os.path.isdir(folder) else ():
        suffix = next((s for s in suffixes if entry.endswith(s)), None)
        if suffix is not None:
            names.add(entry[:-len(suffix)])
    return sorted(names)


def built():
    """The levels with compiled kernels in this installation, lowest first."""
    return [lv for lv in LEVELS + (NATIVE,) if modules(lv)]


def runnable():
    """The levels of LEVELS this CPU runs (all of them need cpu.pyx's check)."""
    return importlib.import_module("fastgraph._kernels.cpu").runnable()


def choose():
    """The level to run, from what is built, the CPU and FASTGRAPH_CPU_LEVEL."""
    have = built()
    forced = os.environ.get(ENV, "").strip()
    if forced:
        if forced not in LEVELS + (NATIVE,):
            raise LevelError(f"{ENV}={forced!r}: expected one of "
                             f"{', '.join(LEVELS + (NATIVE,))}")
        if forced not in have:
            raise LevelError(f"{ENV}={forced}: this installation has no {forced} "
                             f"kernels (built: {', '.join(have) or 'none'})")
        if forced != NATIVE and forced not in runnable():
            raise LevelError(f"{ENV}={forced}: this CPU does not run it (it runs "
                             f"{', '.join(runnable())})")
        return forced
    if NATIVE in have:
        return NATIVE
    fits = [lv for lv in have if lv in runnable()]
    if not fits:     # a plain ImportError: load() adds how to build them
        raise ImportError(f"no kernel level this CPU runs is built in {_HERE} "
                          f"(built: {', '.join(have) or 'none'})")
    return fits[-1]


def level():
    """The level this process runs, chosen at the first call."""
    if not _CHOSEN:
        _CHOSEN.append(choose())
    return _CHOSEN[0]
