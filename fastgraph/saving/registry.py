"""The allowlist: every class and function a saved file may name.

A file names classes and functions only by strings.  Each string is looked
up in fastgraph's own tables (layers, initializers, regularizers,
activations, losses, metrics, optimizers), then among the objects the user
made known (`register_serializable`, `custom_object_scope`, the
`custom_objects` argument of the loaders), and nowhere else: no string read
from a file is ever imported, evaluated or followed as an attribute path.
`check_config` walks a whole config (nested layers, wrappers, models,
initializers, activations, ...) against this allowlist before anything in it
is built.
"""
import re
import threading

_REGISTERED = {}
_scopes = threading.local()

# Keys of a layer config whose dict or string value names an object of a kind.
_KEY_KINDS = (("activation", "activation"), ("recurrent_activation", "activation"),
              ("initializer", "initializer"), ("regularizer", "regularizer"),
              ("constraint", "constraint"), ("optimizer", "optimizer"),
              ("loss", "loss"))
_LAYER_KEYS = frozenset({"layer", "backward_layer", "forward_layer", "cell"})
_LAYER_LIST_KEYS = frozenset({"layers", "cells"})
_LAMBDA_FUNCTION_KEYS = ("function", "output_shape", "mask")
_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int16", "int32",
                     "int64", "uint8", "uint16", "uint32", "uint64", "bool"})
_DTYPE_POLICIES = frozenset({"Policy", "DTypePolicy"})
_METRIC_ALIASES = frozenset({"accuracy", "acc", "crossentropy", "ce"})
_KIND_WORDS = {"layer": "layer class", "initializer": "initializer",
               "regularizer": "regularizer", "constraint": "constraint",
               "activation": "activation function", "loss": "loss",
               "metric": "metric", "optimizer": "optimizer", "any": "class"}
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


# --------------------------------------------------------- user registry
def register_serializable(name=None):
    """Decorator making a class or function known to every loader under
    `name` (default: its `__name__`), so files naming it load without
    `custom_objects`.

    A layer class registered under another name than its own is also saved
    under that name.  Functions and other classes are saved under their
    `__name__`, so register them under it (the default).  Names of
    fastgraph's own objects cannot be taken; pass an explicit
    `custom_objects` entry to override one for a single load.
    """
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"register_serializable: name must be a non-empty "
                        f"string, got {name!r}")

    def decorator(obj):
        if not callable(obj):
            raise TypeError(f"register_serializable: expected a class or a "
                            f"function, got {obj!r}")
        key = name or getattr(obj, "__name__", None)
        if not key or key == "<lambda>":
            raise ValueError(f"register_serializable: {obj!r} has no usable "
                             f"name; pass name='...'")
        kind = builtin_kind(key)
        if kind is not None:
            raise ValueError(f"register_serializable: {key!r} is the name of "
                             f"fastgraph's built-in {_KIND_WORDS[kind]}; "
                             f"register under another name (name='...')")
        if isinstance(obj, type) and key != obj.__name__:
            obj._config_class_name = key
        _REGISTERED[key] = obj
        return obj
    return decorator


def get_custom_objects():
    """The live dict of registered objects (name -> class or function);
    updating it registers objects, as in Keras."""
    return _REGISTERED


def get_registered_object(name, custom_objects=None):
    """The user object called `name`: from `custom_objects`, the active
    scopes or the registry (None if unknown)."""
    return merged_custom_objects(custom_objects).get(name)


def get_registered_name(obj):
    """The name `obj` is registered under, else its `__name__`."""
    for key, value in _REGISTERED.items():
        if value is obj:
            return key
    return getattr(obj, "__name__", None)


class custom_object_scope:
    """`with custom_object_scope({'name': obj}, ...):` makes the objects
    known to every loader called inside the block (this thread only)."""

    def __init__(self, *custom_objects):
        self._objects = {}
        for objects in custom_objects:
            self._objects.update(_checked_objects(objects))

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self._objects)
        return self._objects

    def __exit__(self, *exc):
        _scopes.stack.pop()


def _checked_objects(objects):
    if objects is None:
        return {}
    if not isinstance(objects, dict):
        raise TypeError(f"custom_objects must be a dict mapping names to "
                        f"classes or functions, got {type(objects).__name__}")
    for key, value in objects.items():
        if not isinstance(key, str):
            raise TypeError(f"custom_objects keys must be strings, got {key!r}")
        if not callable(value):
            raise TypeError(f"custom_objects[{key!r}] must be a class or a "
                            f"function, got {value!r}")
    return objects


def merged_custom_objects(custom_objects=None):
    """Registered objects, then active scopes, then `custom_objects` (later
    ones win), as one new dict."""
    merged = dict(_checked_objects(_REGISTERED))
    for objects in getattr(_scopes, "stack", ()):
        merged.update(objects)
    merged.update(_checked_objects(custom_objects))
    return merged


# ------------------------------------------------------ built-in tables
def builtin_objects():
    """fastgraph's own serializable objects: {kind: {name: object}}."""
    from .. import activations, initializers, losses, metrics, optimizers, regularizers
    from .. import layers, models  # noqa: F401  (define every layer class)
    from ..engine.serialization import _LAYER_CLASSES
    return {
        "layer": {name: cls for name, cls in _LAYER_CLASSES.items()
                  if not name.startswith("_")},
        "initializer": dict(initializers._BY_NAME),
        "regularizer": dict(regularizers._BY_NAME),
        "constraint": {},
        "activation": dict(activations.ACTIVATIONS),
        "loss": {**losses._FUNCTIONS, **losses._CLASSES},
        "metric": dict(metrics._ALL),
        "optimizer": {**optimizers._BY_NAME,
                      **{cls.__name__: cls for cls in optimizers._BY_NAME.values()}},
    }


def builtin_kind(name):
    """The kind of fastgraph's built-in object called `name`, or None."""
    for kind, table in builtin_objects().items():
        if name in table:
            return kind
    return None


def is_known(kind, name, custom_objects, tables=None):
    """True when `name` resolves for `kind` ('any' for every kind) through
    the built-in tables or `custom_objects` (already merged)."""
    if not isinstance(name, str):
        return False
    if name in custom_objects:
        return True
    tables = tables or builtin_objects()
    if kind == "optimizer":
        return name.lower() in tables["optimizer"] or name in tables["optimizer"]
    if kind == "metric":
        return name in _METRIC_ALIASES or name in tables["metric"]
    if kind == "any":
        return any(is_known(k, name, custom_objects, tables) for k in tables)
    return name in tables[kind]


# -------------------------------------------------------- config checks
def _unknown(kind, name, where):
    what = _KIND_WORDS[kind]
    hint = (" A string from a file is never imported as a module path."
            if isinstance(name, str) and _MODULE_PATH.match(name) else "")
    return ValueError(
        f"unknown {what} {name!r} at {where}.{hint} fastgraph resolves names "
        f"only through its own registry: pass a custom {what} as "
        f"custom_objects={{{name!r}: ...}} or register it with "
        f"@fastgraph.saving.register_serializable()")


def _kind_of_key(key):
    """The kind of object a config key's value names (None: no name)."""
    if key in _LAYER_KEYS:
        return "layer"
    if key in _LAYER_LIST_KEYS:
        return "layer_list"
    if key == "inbound_nodes":
        return "nodes"
    if key == "dtype":
        return "dtype"
    for suffix, kind in _KEY_KINDS:
        if key == suffix or key.endswith("_" + suffix):
            return kind
    return None


def _check_string(kind, value, where, objects, tables):
    if kind == "dtype":
        if value not in _DTYPES:
            raise ValueError(f"unsupported dtype {value!r} at {where}; expected "
                             f"one of {sorted(_DTYPES)}")
    elif not is_known(kind, value, objects, tables):
        raise _unknown(kind, value, where)


def _check_lambda(config, where, objects):
    """A Lambda names its functions; the file never holds their code."""
    if not isinstance(config, dict):
        return
    layer_name = config.get("name")
    for key in _LAMBDA_FUNCTION_KEYS:
        value = config.get(key)
        if value is None or (key == "output_shape"
                             and config.get("output_shape_type", "raw") == "raw"
                             and isinstance(value, list)):
            continue
        if not isinstance(value, str):
            raise ValueError(
                f"Lambda layer {layer_name!r} at {where}: its {key!r} is stored "
                f"as Python code, which fastgraph never loads; rebuild the "
                f"Lambda in code (a Lambda saved by fastgraph stores only the "
                f"function's name)")
        if value == "<lambda>":
            raise ValueError(
                f"Lambda layer {layer_name!r} at {where} was built from an "
                f"anonymous lambda, whose code is not saved and which has no name "
                f"to look up: use a named function (then pass it in "
                f"custom_objects), or rebuild the model in code and load_weights")
        if value not in objects:
            raise ValueError(
                f"Lambda layer {layer_name!r} at {where} needs the function "
                f"{value!r} as its {key!r}: files hold no code, so pass "
                f"custom_objects={{{value!r}: {value}}} or decorate {value} "
                f"with @fastgraph.saving.register_serializable() (safe_mode="
                f"False does not change this: fastgraph never loads code)")


def _check_class(node, path, kind, objects, tables):
    name = node["class_name"]
    if not isinstance(name, str):
        raise ValueError(f"class_name at {path} must be a string, got {name!r}")
    if kind == "nodes" and name == "__keras_tensor__":
        return
    if kind == "dtype":
        if name not in _DTYPE_POLICIES:
            raise ValueError(f"unknown dtype policy {name!r} at {path}")
        return
    if name == "function" and kind in ("loss", "metric"):
        value = node.get("config")
        if not isinstance(value, str):
            raise ValueError(f"a 'function' entry at {path} must name a "
                             f"function, got {value!r}")
        _check_string(kind, value, f"{path}.config", objects, tables)
        return
    if not is_known(kind or "any", name, objects, tables):
        raise _unknown(kind or "any", name, f"{path}.class_name")
    if name == "Lambda" and "Lambda" not in objects:
        _check_lambda(node.get("config"), path, objects)


_STRING_KINDS = frozenset({"activation", "initializer", "regularizer",
                           "constraint", "dtype", "loss", "metric", "optimizer"})
_LIST_CHILD = {"layer_list": "layer", "nodes": "nodes", "loss": "loss",
               "metric": "metric"}


def check_config(config, custom_objects=None, where="config", kind="layer"):
    """Raise ValueError, naming the position, if `config` (parsed JSON)
    names a class, function or dtype outside the allowlist anywhere in it.

    Every dict with a 'class_name', at any depth, must name a known object
    (of the kind its key implies: `kernel_initializer` an initializer,
    `layer` a layer, ...); strings under keys such as `activation`,
    `*_initializer` or `dtype` must be known names too.  `kind` is what the
    top-level value describes: 'layer' for a model config, 'loss' or
    'metric' for compile settings (lists and dicts by output name), or
    'optimizer'.  `custom_objects` must already be merged
    (`merged_custom_objects`).
    """
    objects = custom_objects if custom_objects is not None else merged_custom_objects()
    tables = builtin_objects()
    stack = [(config, where, kind)]
    while stack:
        node, path, node_kind = stack.pop()
        if isinstance(node, str):
            if node_kind in _STRING_KINDS:
                _check_string(node_kind, node, path, objects, tables)
        elif isinstance(node, list):
            child = _LIST_CHILD.get(node_kind)
            stack.extend((item, f"{path}[{i}]", child)
                         for i, item in reversed(list(enumerate(node))))
        elif isinstance(node, dict):
            children = []
            if "class_name" in node:
                _check_class(node, path, node_kind, objects, tables)
                if node.get("class_name") != "function":
                    children.append((node.get("config"), f"{path}.config", None))
                children += [(value, f"{path}.{key}", _kind_of_key(key))
                             for key, value in node.items()
                             if key not in ("class_name", "config")]
            elif node_kind in ("loss", "metric"):
                children = [(value, f"{path}.{key}", node_kind)
                            for key, value in node.items()]
            else:
                children = [(value, f"{path}.{key}", _kind_of_key(key))
                            for key, value in node.items()]
            stack.extend(reversed(children))  # visit in document order
