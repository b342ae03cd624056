"""The allowlist check: every class and function a saved file names must be
one the object registry knows.

A file names classes and functions only by strings.  `check_config` walks
a whole config (nested layers, wrappers, models, initializers,
activations, ...) before anything in it is built, and every string must be
fastgraph's own object of the kind its key implies (fastgraph.registry) or
a user object made known by registration, `custom_object_scope` or the
`custom_objects` argument: no string read from a file is ever imported,
evaluated or followed as an attribute path.
"""
import re

from .. import registry
from ..engine.display import quoted, shown
from . import archive

# Keys of a layer config whose dict or string value names an object of a kind.
_KEY_KINDS = (("activation", "activation"), ("recurrent_activation", "activation"),
              ("initializer", "initializer"), ("regularizer", "regularizer"),
              ("constraint", "constraint"), ("optimizer", "optimizer"),
              ("loss", "loss"))
_LAYER_KEYS = frozenset({"layer", "backward_layer", "forward_layer", "cell"})
_LAYER_LIST_KEYS = frozenset({"layers", "cells"})
_LAMBDA_FUNCTION_KEYS = ("function", "output_shape", "mask")
_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int16", "int32",
                     "int64", "uint8", "uint16", "uint32", "uint64", "bool",
                     "string"})
_DTYPE_POLICIES = frozenset({"Policy", "DTypePolicy"})
_METRIC_ALIASES = frozenset({"accuracy", "acc", "crossentropy", "ce"})
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


def builtin_objects():
    """fastgraph's own serializable objects: {kind: {name: object}}."""
    return {kind: registry.builtins(kind) for kind in registry.KINDS}


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
    what = registry.KINDS[kind].word if kind in registry.KINDS else "class"
    hint = (" A string from a file is never imported as a module path."
            if isinstance(name, str) and _MODULE_PATH.match(name) else "")
    return ValueError(
        f"unknown {what} {quoted(name)} at {where}.{hint} fastgraph resolves names "
        f"only through its own registry: pass a custom {what} as "
        f"custom_objects={{{quoted(name)}: ...}} or register it with "
        f"@fastgraph.saving.register_serializable()")


def check_name(value, what):
    """A name from a file (a class, layer, weight or key) is at most
    archive.MAX_NAME_CHARS long; ValueError quoting its start otherwise."""
    if isinstance(value, str) and len(value) > archive.MAX_NAME_CHARS:
        raise ValueError(f"{what} is a name of {len(value)} characters, more than "
                         f"the limit of {archive.MAX_NAME_CHARS} (fastgraph.saving."
                         f"archive.MAX_NAME_CHARS): {quoted(value, 80)}")


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
    check_name(value, where)
    if kind == "dtype":
        if value not in _DTYPES:
            raise ValueError(f"unsupported dtype {quoted(value)} at {where}; expected "
                             f"one of {sorted(_DTYPES)}")
    elif not is_known(kind, value, objects, tables):
        raise _unknown(kind, value, where)


def _check_lambda(config, where, objects):
    """A Lambda names its functions; the file never holds their code."""
    if not isinstance(config, dict):
        return
    layer_name = quoted(config.get("name"))
    for key in _LAMBDA_FUNCTION_KEYS:
        value = config.get(key)
        if value is None or (key == "output_shape"
                             and config.get("output_shape_type", "raw") == "raw"
                             and isinstance(value, list)):
            continue
        if not isinstance(value, str):
            raise ValueError(
                f"Lambda layer {layer_name} at {where}: its {key!r} is stored "
                f"as Python code, which fastgraph never loads; rebuild the "
                f"Lambda in code (a Lambda saved by fastgraph stores only the "
                f"function's name)")
        if value == "<lambda>":
            raise ValueError(
                f"Lambda layer {layer_name} at {where} was built from an "
                f"anonymous lambda, whose code is not saved and which has no name "
                f"to look up: use a named function (then pass it in "
                f"custom_objects), or rebuild the model in code and load_weights")
        if value not in objects:
            raise ValueError(
                f"Lambda layer {layer_name} at {where} needs the function "
                f"{quoted(value)} as its {key!r}: files hold no code, so pass "
                f"custom_objects={{{quoted(value)}: {shown(value)}}} or decorate "
                f"{shown(value)} with @fastgraph.saving.register_serializable() (safe_mode="
                f"False does not change this: fastgraph never loads code)")


def _check_op(config, where, objects, tables):
    """An op node (OpLambda) names a registered graph op; its arguments are
    plain data (numbered tensor slots, numbers, arrays), never code."""
    function = config.get("function") if isinstance(config, dict) else None
    if not isinstance(function, str):
        raise ValueError(f"OpLambda layer at {where} must name its op by a string, "
                         f"got {quoted(function)}")
    check_name(function, f"the op of {where}")
    if not is_known("op", function, objects, tables):
        raise ValueError(f"OpLambda layer {quoted(config.get('name'))} at {where} "
                         f"names the op {quoted(function)}, which is not one of "
                         f"fastgraph's registered ops (backend, activation, loss "
                         f"functions and operators); a file never adds ops")


def _check_class(node, path, kind, objects, tables):
    name = node["class_name"]
    if not isinstance(name, str):
        raise ValueError(f"class_name at {path} must be a string, got {quoted(name)}")
    check_name(name, f"class_name at {path}")
    if kind == "nodes" and name == "__keras_tensor__":
        return
    if kind == "dtype":
        if name not in _DTYPE_POLICIES:
            raise ValueError(f"unknown dtype policy {quoted(name)} at {path}")
        return
    if name == "function" and kind in ("loss", "metric"):
        value = node.get("config")
        if not isinstance(value, str):
            raise ValueError(f"a 'function' entry at {path} must name a "
                             f"function, got {quoted(value)}")
        _check_string(kind, value, f"{path}.config", objects, tables)
        return
    if not is_known(kind or "any", name, objects, tables):
        raise _unknown(kind or "any", name, f"{path}.class_name")
    if name == "Lambda" and "Lambda" not in objects:
        _check_lambda(node.get("config"), path, objects)
    if name == "OpLambda" and "OpLambda" not in objects:
        _check_op(node.get("config"), path, objects, tables)


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
    (`fastgraph.registry.custom_objects`).
    """
    objects = custom_objects if custom_objects is not None else registry.custom_objects()
    tables = builtin_objects()
    stack = [(config, where, kind)]
    layers = 0
    while stack:
        node, path, node_kind = stack.pop()
        if isinstance(node, str):
            if node_kind in _STRING_KINDS:
                _check_string(node_kind, node, path, objects, tables)
            elif node_kind == "nodes":
                check_name(node, path)
        elif isinstance(node, list):
            child = _LIST_CHILD.get(node_kind)
            stack.extend((item, f"{path}[{i}]", child)
                         for i, item in reversed(list(enumerate(node))))
        elif isinstance(node, dict):
            for key in node:
                check_name(key, f"a key at {path}")
            check_name(node.get("name"), f"the name at {path}")
            children = []
            if "class_name" in node and node_kind == "layer" and node is not config:
                layers += 1
                if layers > archive.MAX_LAYERS:
                    raise ValueError(f"{where} describes more than "
                                     f"{archive.MAX_LAYERS} layers (fastgraph."
                                     f"saving.archive.MAX_LAYERS)")
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
