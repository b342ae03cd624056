"""Thread control: fastgraph's OpenMP kernels and NumPy's BLAS, set together.

fastgraph runs its own C kernels under OpenMP and its matrix products through
the BLAS NumPy loaded; both pools default to every core, and when both are
busy they oversubscribe the machine.  `set_num_threads(n)` sizes both.  The
BLAS is found among the shared libraries of this process (OpenBLAS, MKL or
BLIS, through ctypes), so there is no dependency beyond NumPy.

OpenMP keeps its thread count per calling thread: `set_num_threads` applies to
the thread that calls it, and a Python thread started later calls
`sync_thread()` to adopt the same count.
"""
import os

ENV_VAR = "FASTGRAPH_NUM_THREADS"

# (vendor, file-name marker, set/get/config/corename symbol candidates).
# scipy-openblas wheels prefix every symbol with "scipy_" and ILP64 builds add
# a "64_" suffix; plain OpenBLAS builds have neither.
_OPENBLAS_AFFIXES = [(p, s) for p in ("scipy_openblas", "openblas")
                     for s in ("64_", "_64", "")]
_VENDORS = (
    ("openblas", "openblas", {
        "set": [f"{p}_set_num_threads{s}" for p, s in _OPENBLAS_AFFIXES],
        "get": [f"{p}_get_num_threads{s}" for p, s in _OPENBLAS_AFFIXES],
        "config": [f"{p}_get_config{s}" for p, s in _OPENBLAS_AFFIXES],
        "corename": [f"{p}_get_corename{s}" for p, s in _OPENBLAS_AFFIXES],
    }),
    ("mkl", "mkl", {
        "set": ["MKL_Set_Num_Threads"], "get": ["MKL_Get_Max_Threads"],
        "config": [], "corename": [],
    }),
    ("blis", "blis", {
        "set": ["bli_thread_set_num_threads"], "get": ["bli_thread_get_num_threads"],
        "config": ["bli_info_get_version_str"], "corename": [],
    }),
)

_blas = None            # cached result of _find_blas(): a dict, or False
_requested = None       # the count last given to set_num_threads
_env_applied = False


def _symbol(lib, names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            return fn
    return None


def _loaded_libraries():
    """Paths of the shared libraries mapped into this process (Linux)."""
    try:
        with open("/proc/self/maps") as f:
            fields = [line.split(None, 5) for line in f]
    except OSError:
        return []
    paths = {f[5].strip() for f in fields if len(f) == 6 and f[5].startswith("/")}
    # NumPy's own copy first, should another package have brought a second BLAS.
    return sorted((p for p in paths if ".so" in os.path.basename(p)),
                  key=lambda p: ("numpy" not in p, p))


def _bundled_libraries():
    """BLAS libraries shipped inside the NumPy wheel (where /proc is absent)."""
    import numpy
    root = os.path.dirname(os.path.dirname(numpy.__file__))
    found = []
    for folder in (os.path.join(root, "numpy.libs"),
                   os.path.join(os.path.dirname(numpy.__file__), ".dylibs")):
        if os.path.isdir(folder):
            found += [os.path.join(folder, n) for n in sorted(os.listdir(folder))]
    return found


def _find_blas():
    """Locate NumPy's BLAS and its thread-control symbols, once per process."""
    global _blas
    if _blas is not None:
        return _blas or None
    import ctypes
    import numpy  # noqa: F401  (loads the BLAS into the process)
    _blas = False
    for path in _loaded_libraries() or _bundled_libraries():
        base = os.path.basename(path).lower()
        for vendor, marker, names in _VENDORS:
            if marker not in base:
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            fns = {key: _symbol(lib, cands) for key, cands in names.items()}
            if fns["set"] is None or fns["get"] is None:
                continue
            fns["set"].argtypes, fns["set"].restype = [ctypes.c_int], None
            fns["get"].argtypes, fns["get"].restype = [], ctypes.c_int
            for key in ("config", "corename"):
                if fns[key] is not None:
                    fns[key].argtypes, fns[key].restype = [], ctypes.c_char_p
            _blas = dict(fns, vendor=vendor, path=path)
            return _blas
    return None


_OMP = []


def _omp():
    """The thread-control kernel module, imported once (sync_thread runs
    on every predict and training step)."""
    if not _OMP:
        from ._kernels import load
        _OMP.append(load("threads"))
    return _OMP[0]


def _check_n(n, what="set_num_threads: n"):
    import operator
    if isinstance(n, bool):
        raise TypeError(f"{what} must be an integer >= 1, got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{what} must be an integer >= 1, got "
                        f"{type(n).__name__} {n!r}") from None
    if n < 1:
        raise ValueError(f"{what} must be an integer >= 1, got {n}")
    return n


def set_num_threads(n: int) -> None:
    """Use `n` threads in fastgraph's OpenMP kernels and in NumPy's BLAS.

    The OpenMP count applies to the calling thread (see `sync_thread`); the
    BLAS count is process-wide.  Without a recognised BLAS only OpenMP is set,
    and `get_num_threads()['blas']` is None.
    """
    global _requested
    n = _check_n(n)
    _omp().set_omp_threads(n)
    blas = _find_blas()
    if blas is not None:
        blas["set"](n)
    _requested = n


def sync_thread():
    """Give the calling thread the OpenMP count last set by `set_num_threads`.

    OpenMP thread counts are per thread, so a Python thread that runs kernels
    (a predict server's worker, a data loader) calls this first.  Does nothing
    when `set_num_threads` was never called.
    """
    if _requested is None:
        return
    omp = _omp()
    if omp.get_omp_threads() != _requested:
        omp.set_omp_threads(_requested)


def get_num_threads() -> dict:
    """{'openmp': n, 'blas': n or None, 'blas_library': path or None}.

    'openmp' is the calling thread's OpenMP count; 'blas' and 'blas_library'
    are None when no BLAS with thread control was found in the process.
    """
    blas = _find_blas()
    return {"openmp": _omp().get_omp_threads(),
            "blas": None if blas is None else int(blas["get"]()),
            "blas_library": None if blas is None else blas["path"]}


def blas_gemm():
    """Addresses of NumPy's BLAS's cblas_sgemm / cblas_dgemm (0 where absent),
    whether they take 64-bit integers, and the addresses of its set / get
    thread-count functions (0 without), for the C kernels that call it
    directly; None when no BLAS with thread control was found."""
    import ctypes
    blas = _find_blas()
    if blas is None:
        return None
    lib = ctypes.CDLL(blas["path"])
    found = {}
    for kind in ("s", "d"):
        for pre in ("scipy_", ""):
            for suf in ("64_", "_64", ""):
                fn = getattr(lib, f"{pre}cblas_{kind}gemm{suf}", None)
                if fn is not None and kind not in found:
                    found[kind] = (ctypes.cast(fn, ctypes.c_void_p).value, suf != "")
    if set(found) != {"s", "d"} or found["s"][1] != found["d"][1]:
        return None
    return {"sgemm": found["s"][0], "dgemm": found["d"][0], "ilp64": found["s"][1],
            "set": ctypes.cast(blas["set"], ctypes.c_void_p).value,
            "get": ctypes.cast(blas["get"], ctypes.c_void_p).value}


_primed = 0   # BLAS work buffers prime_blas has readied


def prime_blas(slots):
    """Ready `slots` of the BLAS's work buffers for products run at once.

    OpenBLAS 0.3.31 on a Zen EPYC ran a product with fewer than ~350 result
    columns 3x slower (12 against 35 GFLOP/s) until a larger product had
    used the same work buffer, and concurrent calls take different
    buffers: without this, W6's predict split across two pool threads took
    15 ms against 5 once primed (and 10.7 on one thread).  The first time a
    count is asked for, `slots` threads each run one single-threaded 512^3
    product at once (milliseconds, once per process); later calls cost a
    comparison.  Without a BLAS with thread control, nothing to do.
    """
    global _primed
    if slots <= _primed:
        return
    _primed = slots
    blas = _find_blas()
    if blas is None:
        return
    import threading

    import numpy as np
    a = np.ones((512, 512), dtype=np.float32)
    start = threading.Barrier(slots)

    def product():
        try:
            start.wait(timeout=1.0)   # at once, so that each takes a buffer of its own
        except threading.BrokenBarrierError:
            pass
        np.matmul(a, a)

    before = int(blas["get"]())
    blas["set"](1)
    try:
        helpers = [threading.Thread(target=product, name="fastgraph-prime", daemon=True)
                   for _ in range(slots - 1)]
        for t in helpers:
            t.start()
        product()
        for t in helpers:
            t.join()
    finally:
        blas["set"](before)


def connect_blas(family):
    """Hand NumPy's BLAS (blas_gemm) to a kernel family that calls it from
    C, through the family's set_blas; False when there is none to hand."""
    gemm = blas_gemm()
    if gemm is None:
        return False
    family.set_blas(gemm["sgemm"], gemm["dgemm"], gemm["ilp64"], gemm["set"],
                    gemm["get"])
    return True


def blas_info():
    """Which BLAS NumPy uses: vendor, library path, build config, core kernel.

    For OpenBLAS 'corename' is the kernel family it chose at load time (for
    instance 'Haswell' or 'SkylakeX'), which OPENBLAS_CORETYPE overrides;
    the values of OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are included.
    """
    blas = _find_blas()
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if blas is None:
        return {"vendor": None, "library": None, "config": None,
                "corename": None, "threads": None, "env": env}

    def text(fn):
        raw = fn() if fn is not None else None
        return raw.decode(errors="replace").strip() if raw else None

    return {"vendor": blas["vendor"], "library": blas["path"],
            "config": text(blas["config"]), "corename": text(blas["corename"]),
            "threads": int(blas["get"]()), "env": env}


def apply_env():
    """Apply FASTGRAPH_NUM_THREADS once, if set; return the count applied or None.

    Costs one environment lookup when the variable is unset, so it can run at
    `import fastgraph`.  A value that is not an integer >= 1 raises ValueError.
    """
    global _env_applied
    if _env_applied:
        return None
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        _env_applied = True
        return None
    try:
        n = _check_n(int(raw), ENV_VAR)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be an integer >= 1, got {raw!r}") from None
    # Set before applying: loading the thread kernel may itself call apply_env.
    _env_applied = True
    set_num_threads(n)
    return n
