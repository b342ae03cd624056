"""Keras 2 and Keras 3 model configs to fastgraph's, and fastgraph's to
Keras 3's.

fastgraph's layer configs are tf-keras 2.x's, so a tf-keras config needs
little: its extra keys (`module`, `registered_name`, `build_config`,
`compile_config`) and dtype policies go.  A Keras 3 config also has its
inbound nodes as `{'args', 'kwargs'}` with `__keras_tensor__` entries, an
InputLayer `batch_shape`, arguments fastgraph does not have (accepted at
the value that changes nothing, refused with the layer's name otherwise)
and node indices that do not count a nested model's own graph node.

A Lambda layer's code (Keras 2's marshalled bytecode, Keras 3's
`__lambda__` payload) is never decoded: the function must be given in
`custom_objects` under the layer's name.  Everything else the translated
config names is then checked by the allowlist, as for fastgraph's files.
"""
import copy
import re
import warnings

from ..engine import get_layer_class, serialize_layer

_OUTER_KEYS = ("module", "registered_name", "build_config", "compile_config")
_MODELS = frozenset({"Functional", "Model", "Sequential"})
_WRAPPER_KEYS = ("layer", "backward_layer", "forward_layer", "cell")   # nested layers
# Keras 3 layer arguments fastgraph does not have, with the values at which
# they change nothing (None: any value, e.g. a random seed).
_NEUTRAL_ARGS = {"seed": None, "use_cudnn": None, "lora_rank": (None, 0),
                 "lora_alpha": None, "quantization_config": (None,),
                 "rms_scaling": (False,), "input_tensor": (None,),
                 "sliding_window": (None,), "use_gate": (False,)}
_NEUTRAL_INIT_ARGS = {"input_axes": (None,), "output_axes": (None,)}
_LAMBDA_DROPPED = ("function_type", "module", "output_shape_type",
                   "output_shape_module")


def snake_case(name):
    """Keras's snake_case of a class name ('MaxPooling2D' -> 'max_pooling2d')."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _where(config):
    inner = config.get("config") if isinstance(config, dict) else None
    name = inner.get("name") if isinstance(inner, dict) else None
    return f"layer {name!r} ({config.get('class_name')})"


def _dtype(value, who):
    """A dtype policy ({'class_name': 'Policy'|'DTypePolicy', ...}) as a name."""
    if isinstance(value, dict):
        name = (value.get("config") or {}).get("name")
        if value.get("class_name") not in ("Policy", "DTypePolicy", "DTypePolicyMap") \
                or not isinstance(name, str):
            raise ValueError(f"{who}: unsupported dtype policy {value!r}")
        if name.startswith("mixed_"):
            raise ValueError(f"{who}: dtype policy {name!r} (mixed precision) is "
                             f"not supported; fastgraph computes in float32")
        return name
    return value


def _plain_object(value):
    """A nested object config (initializer, regularizer, ...) without Keras's
    bookkeeping keys and with Keras 3 arguments that change nothing removed."""
    if isinstance(value, list):
        return [_plain_object(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _plain_object(v) for k, v in value.items()
           if k not in ("module", "registered_name", "shared_object_id")}
    if isinstance(out.get("config"), dict) and "class_name" in out:
        out["config"] = {k: v for k, v in out["config"].items()
                         if not (k in _NEUTRAL_INIT_ARGS and v in _NEUTRAL_INIT_ARGS[k])}
    return out


def _lambda_config(config, objects, who, source):
    """A Lambda's config with its function named, never decoded."""
    name = config.get("name")
    function = config.get("function")
    is_code = (isinstance(function, (list, tuple))
               or (isinstance(function, dict) and function.get("class_name") == "__lambda__")
               or (isinstance(function, str) and config.get("function_type") == "lambda"))
    if isinstance(function, dict) and function.get("class_name") == "function":
        function = function.get("config")
    if is_code:
        if name not in objects:
            raise ValueError(
                f"Lambda layer {name!r} in {source} stores its function as Python "
                f"code ({'a Keras 3 __lambda__ payload' if isinstance(function, dict) else 'marshalled bytecode'}), "
                f"which fastgraph never decodes or runs: pass the function as "
                f"custom_objects={{{name!r}: function}} (keyed by the layer's name)")
        function = name
    config["function"] = function
    for key in ("output_shape", "mask"):
        value = config.get(key)
        if isinstance(value, dict) and value.get("class_name") == "function":
            config[key] = value.get("config")
        elif isinstance(value, (tuple, dict)) or (
                isinstance(value, list) and config.get(f"{key}_type") == "lambda"):
            if key == "mask":
                raise ValueError(f"Lambda layer {name!r} in {source} stores its mask "
                                 f"function as Python code, which fastgraph never "
                                 f"decodes; rebuild this layer in code")
            config[key] = None          # fastgraph infers the output shape
    for key in _LAMBDA_DROPPED:
        config.pop(key, None)
    return config


def _node_entry(tensor, offsets, who):
    if not (isinstance(tensor, dict) and tensor.get("class_name") == "__keras_tensor__"):
        raise ValueError(f"{who}: a Keras 3 inbound node argument must be a "
                         f"tensor, got {tensor!r}")
    history = (tensor.get("config") or {}).get("keras_history")
    if not (isinstance(history, list) and len(history) == 3):
        raise ValueError(f"{who}: invalid keras_history {history!r}")
    name, node, index = history
    if not isinstance(node, int) or isinstance(node, bool):
        raise ValueError(f"{who}: invalid keras_history {history!r}")
    return [name, node + offsets.get(name, 0), index]


def _contains_tensor(value):
    if isinstance(value, dict):
        return value.get("class_name") == "__keras_tensor__" or any(
            _contains_tensor(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_tensor(v) for v in value)
    return False


def _keras3_node(node, offsets, who, keywords=()):
    """A Keras 3 inbound node {'args', 'kwargs'} as tf-keras's list of
    [layer, node index, tensor index, kwargs] entries.  `keywords` names
    the tensors a layer takes after its first (MultiHeadAttention's value,
    key, ...), which tf-keras writes into the kwargs as [layer, node
    index, tensor index]."""
    args, kwargs = node.get("args"), node.get("kwargs") or {}
    if not isinstance(args, list) or not args or not isinstance(kwargs, dict):
        raise ValueError(f"{who}: invalid Keras 3 inbound node {node!r}")
    extra = [a for a in args[1:] if a is not None]
    # Keras 3 records the mask it derived and the training flag of the
    # build; fastgraph propagates masks and passes the flag at run time.
    kwargs = {k: v for k, v in kwargs.items()
              if v is not None and k not in ("mask", "training")}
    if keywords and len(extra) <= len(keywords):
        kwargs = dict(zip(keywords, extra), **kwargs)
        extra = []
        for key in keywords:
            if isinstance(kwargs.get(key), dict):
                kwargs[key] = _node_entry(kwargs[key], offsets, who)
    if extra or _contains_tensor(kwargs):
        raise ValueError(f"{who}: called with tensors besides its main input "
                         f"({sorted(kwargs) or 'extra positional arguments'}), "
                         f"which fastgraph's configs cannot express")
    first = args[0]
    tensors = first if isinstance(first, list) else [first]
    return [_node_entry(t, offsets, who) + [kwargs] for t in tensors]


def _skips_first_node(config):
    """True when fastgraph numbers this layer's calls from 1 (a model built
    on its own Input), while Keras 3 numbers them from 0."""
    if config.get("class_name") not in _MODELS:
        return False
    layers = (config.get("config") or {}).get("layers")
    return bool(layers) and isinstance(layers[0], dict) \
        and layers[0].get("class_name") == "InputLayer"


def _endpoints(value, offsets):
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list):
        return value
    return [[e[0], e[1] + offsets.get(e[0], 0), e[2]]
            if isinstance(e, list) and len(e) == 3 and isinstance(e[1], int) else e
            for e in value]


def _warn_hard_sigmoid(inner, who, consequence):
    """Keras 3 redefined 'hard_sigmoid'; fastgraph's is tf-keras's
    clip(0.2 x + 0.5, 0, 1), so a file crossing between them changes the
    layer's values."""
    for key, value in inner.items():
        if value == "hard_sigmoid" and (key == "activation" or key.endswith("_activation")):
            warnings.warn(f"{who}: {key}='hard_sigmoid' is tf-keras's clip(0.2 x + 0.5, "
                          f"0, 1) in fastgraph; {consequence}", UserWarning, stacklevel=4)


def _layer(config, objects, source, keras3):
    """One layer config (any depth), translated."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        return config
    who = _where(config)
    out = {k: v for k, v in config.items() if k not in _OUTER_KEYS}
    registered = config.get("registered_name")
    if isinstance(registered, str) and registered in objects \
            and config["class_name"] not in objects:
        out["class_name"] = registered
    inner = out.get("config")
    if not isinstance(inner, dict):
        return out
    inner = dict(inner)
    cls = out["class_name"]
    if "dtype" in inner:
        inner["dtype"] = _dtype(inner["dtype"], who)
    if cls == "InputLayer" and "batch_shape" in inner:
        inner["batch_input_shape"] = inner.pop("batch_shape")
    if keras3:
        for key, neutral in _NEUTRAL_ARGS.items():
            if key in inner and cls != "Dropout":
                value = inner.pop(key)
                if neutral is not None and value not in neutral:
                    raise ValueError(f"{who} in {source}: argument {key}={value!r} "
                                     f"is not supported by fastgraph")
    if cls == "Lambda":
        inner = _lambda_config(inner, objects, who, source)
    for key in _WRAPPER_KEYS:
        if isinstance(inner.get(key), dict):
            inner[key] = _layer(inner[key], objects, source, keras3)
    if isinstance(inner.get("layers"), list):
        inner = _model_config(cls, inner, objects, source, keras3)
    if isinstance(inner.get("cells"), list):            # StackedRNNCells
        inner["cells"] = [_layer(c, objects, source, keras3) for c in inner["cells"]]
    out["config"] = {k: (v if k in _WRAPPER_KEYS or k in ("layers", "cells")
                         else _plain_object(v)) for k, v in inner.items()}
    return out


def _model_config(cls, inner, objects, source, keras3):
    layers = [_layer(layer, objects, source, keras3) for layer in inner["layers"]]
    if keras3 and cls != "Sequential":
        offsets = {layer["config"].get("name", layer.get("name")): 1
                   for layer in layers if _skips_first_node(layer)}
        for layer, original in zip(layers, inner["layers"]):
            nodes = original.get("inbound_nodes") if isinstance(original, dict) else None
            if _is_operation(original):
                layer["inbound_nodes"] = []
            elif isinstance(nodes, list) and any(isinstance(n, dict) for n in nodes):
                keywords = _tensor_keywords(layer.get("class_name"), objects)
                layer["inbound_nodes"] = [
                    _keras3_node(n, offsets, _where(original), keywords)
                    if isinstance(n, dict) else n for n in nodes]
        inner = dict(inner, input_layers=_endpoints(inner.get("input_layers"), offsets),
                     output_layers=_endpoints(inner.get("output_layers"), offsets))
        layers = _without_mask_ops(layers, inner, inner_layers=inner["layers"])
    return dict(inner, layers=layers)


def _tensor_keywords(class_name, objects):
    """The names of the tensors a layer class takes after its first."""
    try:
        cls = get_layer_class(class_name, objects)
    except (ValueError, TypeError):     # reported when the layer is built
        return ()
    return getattr(cls, "call_tensor_keywords", None) or ()


def _is_operation(config):
    module = config.get("module") if isinstance(config, dict) else None
    return isinstance(module, str) and module.startswith("keras.src.ops")


def _without_mask_ops(layers, inner, inner_layers):
    """The layers without Keras 3 operations (`keras.src.ops`) that only
    computed masks; any other operation is refused."""
    used = {e[0] for e in inner.get("output_layers") or [] if isinstance(e, list)}
    for layer in layers:
        for node in layer.get("inbound_nodes") or []:
            used.update(e[0] for e in node if isinstance(e, list))
    kept = []
    for layer, original in zip(layers, inner_layers):
        if _is_operation(original):
            if layer["config"].get("name", layer.get("name")) in used:
                raise ValueError(f"{_where(original)}: a Keras 3 operation "
                                 f"({original['module']}) in the model graph; "
                                 f"fastgraph rebuilds only layers")
            continue
        kept.append(layer)
    return kept


def from_keras(config, objects, source, keras3):
    """fastgraph's config of a Keras model config ({'class_name', 'config'});
    `objects` are the merged custom objects, `source` names the file."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{source}: the model config must be an object with "
                         f"'class_name' and 'config'")
    return _layer(copy.deepcopy(config), objects, source, keras3)


# ------------------------------------------------- fastgraph -> Keras 3
# tf-keras's separable convolutions inherit kernel_* arguments they never use
_SEPARABLE_ONLY = ("groups", "kernel_initializer", "kernel_regularizer",
                   "kernel_constraint")
_KERAS2_ONLY = {"LSTM": ("time_major",), "GRU": ("time_major",),
                "SimpleRNN": ("time_major",), "RNN": ("time_major",),
                "ConvLSTM1D": ("time_major",), "ConvLSTM2D": ("time_major",),
                "ConvLSTM3D": ("time_major",), "Embedding": ("sparse",),
                "Conv1DTranspose": ("groups",), "Conv2DTranspose": ("groups",),
                "Conv3DTranspose": ("groups",), "DepthwiseConv1D": ("groups",),
                "DepthwiseConv2D": ("groups",), "SeparableConv1D": _SEPARABLE_ONLY,
                "SeparableConv2D": _SEPARABLE_ONLY,
                "MultiHeadAttention": ("query_shape", "key_shape", "value_shape",
                                       "softmax_robust_masking")}
# the only values Keras 3 means too (the other keys only record shapes)
_NO_OP = {"time_major": False, "groups": 1, "softmax_robust_masking": False}
_OBJECT_MODULES = (("initializer", "keras.initializers"),
                   ("regularizer", "keras.regularizers"),
                   ("constraint", "keras.constraints"))


def _keras3_object(key, value):
    for suffix, module in _OBJECT_MODULES:
        if (key == suffix or key.endswith("_" + suffix)) and isinstance(value, dict) \
                and "class_name" in value:
            return {"module": module, "class_name": value["class_name"],
                    "config": value.get("config") or {}, "registered_name": None}
    return value


def _skips_first(layer):
    return layer._is_graph and bool(layer._layers) \
        and type(layer._layers[0]).__name__ == "InputLayer"


def _keras3_tensor(layer, node_index, tensor, tensor_index):
    offset = 1 if _skips_first(layer) else 0
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": str(tensor.dtype),
                       "keras_history": [layer.name, node_index - offset, tensor_index]}}


def _keras3_nodes(config_nodes, layer, model):
    live = [n for n in layer._inbound_nodes
            if n in model._network_nodes and not n.is_input]
    out = []
    keywords = getattr(layer, "call_tensor_keywords", None) or ()
    for entries, node in zip(config_nodes, live):
        kwargs = dict(entries[-1][3]) if entries and len(entries[-1]) == 4 else {}
        coords = [e[:3] for e in entries] + [kwargs.pop(k) for k in keywords if k in kwargs]
        tensors = [_keras3_tensor(model_layer(model, e[0]), e[1], t, e[2])
                   for e, t in zip(coords, node.input_tensors)]
        if keywords and len(tensors) > 1:       # layer(query, value=..., key=...)
            kwargs.update(zip(keywords, tensors[1:]))
            out.append({"args": [tensors[0]], "kwargs": kwargs})
            continue
        args = tensors if isinstance(node.inputs, (list, tuple)) else tensors[0]
        out.append({"args": [args], "kwargs": kwargs})
    return out


def model_layer(model, name):
    """The layer of `model` called `name`."""
    for layer in model._layers:
        if layer.name == name:
            return layer
    raise ValueError(f"model {model.name!r} has no layer {name!r}")


def _keras3_layer(config, layer, model=None):
    """Keras 3's config of one fastgraph layer (`config` is fastgraph's)."""
    cls = config["class_name"]
    inner = dict(config["config"])
    name = inner.get("name", getattr(layer, "name", None))
    if "dtype" in inner and isinstance(inner["dtype"], str) and cls != "InputLayer":
        inner["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                          "config": {"name": inner["dtype"]}, "registered_name": None}
    if cls == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    if cls != "InputLayer":
        inner.pop("batch_input_shape", None)
    if cls == "BatchNormalization" and isinstance(inner.get("axis"), list):
        if len(inner["axis"]) != 1:
            raise ValueError(f"layer {name!r} ({cls}): Keras 3 normalizes over one "
                             f"axis, not {inner['axis']}")
        inner["axis"] = inner["axis"][0]
    _warn_hard_sigmoid(inner, f"layer {name!r} ({cls})", "Keras 3 will compute it as "
                       "relu6(x + 3) / 6 (save as .h5 to keep tf-keras's)")
    for key in _KERAS2_ONLY.get(cls, ()):
        value = inner.pop(key, None)
        if key in _NO_OP and value not in (None, _NO_OP[key]):
            raise ValueError(f"layer {name!r} ({cls}): Keras 3 has no {key}={value!r}")
    inner = {k: _keras3_object(k, v) for k, v in inner.items()}
    out = {"module": "keras.layers", "class_name": cls, "config": inner,
           "registered_name": None}
    if layer._is_graph:
        sequential = cls == "Sequential"
        out.update(module="keras" if sequential else "keras.src.models.functional",
                   class_name="Sequential" if sequential else "Functional",
                   registered_name=None if sequential else "Functional")
        inner["layers"] = [_keras3_layer(c, sub, None if sequential else layer)
                           for c, sub in zip(inner["layers"], layer._layers)]
        if sequential and layer._layers and cls == "Sequential" \
                and type(layer._layers[0]).__name__ == "InputLayer":
            inner["build_input_shape"] = inner["layers"][0]["config"]["batch_shape"]
        if not sequential:
            for key in ("input_layers", "output_layers"):
                inner[key] = [[e[0], e[1] - (1 if _skips_first(model_layer(layer, e[0]))
                                             else 0), e[2]] for e in inner[key]]
                if len(inner[key]) == 1:        # one tensor, not a list of one
                    inner[key] = inner[key][0]
    for key in ("layer", "backward_layer", "cell"):
        if isinstance(inner.get(key), dict):
            inner[key] = _keras3_layer(inner[key], getattr(layer, key))
    if isinstance(inner.get("cells"), list):            # StackedRNNCells
        inner["cells"] = [_keras3_layer(c, cell) for c, cell in zip(inner["cells"],
                                                                    layer.cells)]
    if model is not None:
        out["name"] = config.get("name", name)
        out["inbound_nodes"] = _keras3_nodes(config.get("inbound_nodes") or [],
                                             layer, model)
    return out


def keras3_config(model):
    """Keras 3's config of a fastgraph model (as in a `.keras` archive)."""
    config = _keras3_layer(serialize_layer(model), model)
    config["build_config"] = {"input_shape": None}
    return config
