"""The Keras backend (`K`): tensor ops for user losses, metrics and Lambda layers.

One namespace over several modules, one per family; `core` holds the
configuration, variables, elementwise, reduction and shape functions,
`graph` the functions over symbolic graphs (`placeholder`, `function`,
`gradients`, ...).  Every public function of every family is wrapped once,
here, in its own module (so `from .family import *` exports the wrapped
one whenever it runs): called with a symbolic tensor it adds an op node to
the graph (fastgraph.engine.op_layer), and it refuses arguments no op can
use with a TypeError naming the function and the argument.
"""
import functools
import importlib
import inspect
import pkgutil

from ..autodiff import symbolic as _symbolic
from .core import *  # noqa: F401,F403
from .graph import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .image import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .control import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403

# Functions that read what a symbolic tensor already knows, or set state.
_QUERIES = frozenset({
    "int_shape", "ndim", "dtype", "is_tensor", "is_keras_tensor", "is_placeholder",
    "is_sparse", "epsilon", "set_epsilon", "floatx", "set_floatx",
    "image_data_format", "set_image_data_format", "learning_phase",
    "set_learning_phase", "learning_phase_scope", "clear_session", "backend",
    "get_uid", "reset_uids", "name_scope", "manual_variable_initialization",
})
# Functions of values: a symbolic tensor has none until a model runs it.
_VALUES = frozenset({"eval", "get_value", "batch_get_value", "set_value",
                     "batch_set_value", "variable", "constant", "count_params"})


def _symbolic_value(name, fn):
    @functools.wraps(fn)
    def refuse(*args, **kwargs):
        for value in list(args) + list(kwargs.values()):
            for leaf in value if isinstance(value, (list, tuple)) else [value]:
                if _symbolic.is_symbolic(leaf):
                    raise TypeError(f"K.{name}: {leaf!r} is symbolic and has no value "
                                    f"until a model or K.function runs it")
        return fn(*args, **kwargs)
    refuse.symbolic_name = "backend." + name
    return refuse


def _wrap_families():
    """Wrap every public function of every public family module in place,
    then put the wrapped functions in this namespace where the raw ones
    were imported (the family imports above decide which one a name
    exports).  A function shadowed by another family's of the same name is
    saved as 'backend.<family>.<name>'."""
    wrappers = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):       # helpers of the families, not K names
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        names = getattr(module, "__all__", None)
        if names is None:       # a family without __all__: what it defines
            names = [n for n, v in vars(module).items() if not n.startswith("_")
                     and getattr(v, "__module__", None) == module.__name__]
        for name in names:
            fn = getattr(module, name)
            if not inspect.isfunction(fn) or getattr(fn, "symbolic_name", None) \
                    or name in _QUERIES:
                continue
            if fn not in wrappers:
                exported = globals().get(name, fn) is fn
                op_name = f"backend.{name}" if exported else \
                    f"backend.{info.name}.{name}"
                wrappers[fn] = (_symbolic_value(name, fn) if name in _VALUES
                                else _symbolic.symbolic_op(fn, op_name))
            setattr(module, name, wrappers[fn])
    for name, value in list(globals().items()):
        if inspect.isfunction(value) and value in wrappers:
            globals()[name] = wrappers[value]


_wrap_families()
