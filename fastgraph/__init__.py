"""fastgraph: the Keras 2 functional API on a fast CPU autodiff engine.

Submodules load on first use (`fastgraph.layers`, `fastgraph.models`, ...),
which keeps `import fastgraph` cheap for services that only predict.
"""
import importlib

from ._threads import apply_env as _apply_env
from ._threads import get_num_threads, set_num_threads
from ._version import __version__

_apply_env()   # FASTGRAPH_NUM_THREADS, when set

_SUBMODULES = frozenset({
    "activations", "autodiff", "backend", "callbacks", "data", "datasets",
    "engine", "initializers", "layers", "losses", "metrics", "models", "ops",
    "optimizers", "regularizers", "saving", "utils",
})


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'fastgraph' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
