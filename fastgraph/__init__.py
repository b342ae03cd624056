"""fastgraph: the Keras 2 functional API on a fast CPU autodiff engine.

Submodules load on first use (`fastgraph.layers`, `fastgraph.models`, ...),
which keeps `import fastgraph` cheap for services that only predict.
"""
import importlib

from . import registry as _registry
from ._threads import apply_env as _apply_env
from ._threads import get_num_threads, set_num_threads
from ._version import __version__

_apply_env()   # FASTGRAPH_NUM_THREADS, when set

# Where fastgraph's own serializable objects are defined: the registry
# imports these before its first lookup of a kind, whatever was imported.
for _kind, _modules in (
        ("layer", ("fastgraph.layers", "fastgraph.models", "fastgraph.applications")),
        ("activation", ("fastgraph.activations",)),
        ("initializer", ("fastgraph.initializers",)),
        ("regularizer", ("fastgraph.regularizers",)),
        ("constraint", ("fastgraph.constraints",)),
        ("loss", ("fastgraph.losses",)),
        ("metric", ("fastgraph.metrics",)),
        ("optimizer", ("fastgraph.optimizers",)),
        ("schedule", ("fastgraph.optimizers.schedules",)),
        ("op", ("fastgraph.backend", "fastgraph.activations", "fastgraph.losses",
                "fastgraph.engine"))):
    _registry.set_providers(_kind, *_modules)
del _kind, _modules

_SUBMODULES = frozenset({
    "activations", "applications", "autodiff", "backend", "callbacks", "constraints", "data",
    "datasets", "distributed", "engine", "initializers", "layers", "losses",
    "metrics", "models", "ops", "optimizers", "preprocessing", "regularizers", "saving",
    "training", "utils", "wrappers",
})


# Top-level names of tf.keras / tf that Keras programs use: {name: module}.
_NAMES = {"Model": "models", "Sequential": "models", "GradientTape": "autodiff"}


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module("." + _NAMES[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'fastgraph' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))
