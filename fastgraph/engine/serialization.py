"""Layers to and from Keras configs ({'class_name', 'config'}).

Only layer classes the object registry knows (fastgraph's own, registered
as they are defined, and the user's) are ever instantiated: a config never
names code to import.
"""
import contextlib
import inspect
import threading

from .. import registry
from .layer import Layer

_shared = threading.local()


@contextlib.contextmanager
def shared_object_scope(kind):
    """One memo for every (de)serialization nested in a top-level call, so
    a layer reached twice (through a wrapper or a nested model and through
    its parent) is written with one 'shared_object_id' and read back as one
    instance.  `kind` is 'saving' or 'loading'; inner scopes join the
    outer one."""
    memo = getattr(_shared, kind, None)
    if memo is not None:
        yield memo
        return
    memo = {}
    setattr(_shared, kind, memo)
    try:
        yield memo
    finally:
        setattr(_shared, kind, None)


def serialize_layer(layer):
    """{'class_name': ..., 'config': layer.get_config()}, with the same
    'shared_object_id' on each copy of a layer serialized more than once."""
    with shared_object_scope("saving") as memo:
        seen = memo.get(id(layer))
        if seen is None:
            config = {"class_name": registry.get_registered_name(type(layer)),
                      "config": layer.get_config()}
            memo[id(layer)] = (layer, config)    # holding the layer keeps its id
            return config
        first = seen[1]
        if "shared_object_id" not in first:
            first["shared_object_id"] = sum("shared_object_id" in c
                                            for _, c in memo.values())
        return {"class_name": first["class_name"], "config": first["config"],
                "shared_object_id": first["shared_object_id"]}


def get_layer_class(name, custom_objects=None):
    """The layer class called `name`, through the object registry (user
    objects, then fastgraph's own; nothing else is ever looked up)."""
    try:
        cls = registry.resolve("layer", name, custom_objects)
    except ValueError:
        raise ValueError(f"Unknown layer: {name!r}. A custom layer class must be "
                         f"passed in custom_objects={{{name!r}: {name}}} or "
                         f"registered with register_keras_serializable.") from None
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(f"custom_objects[{name!r}] must be a Layer subclass, got {cls!r}")
    return cls


def _resolve_custom(config, custom_objects):
    """Top-level config values naming an entry of custom_objects (a custom
    activation, initializer, ...) replaced by that object."""
    config = dict(config)
    for key, value in config.items():
        if key == "name":
            continue
        if isinstance(value, str) and value in custom_objects:
            config[key] = custom_objects[value]
        elif isinstance(value, dict) and value.get("class_name") in custom_objects:
            obj = custom_objects[value["class_name"]]
            if isinstance(obj, type) and not issubclass(obj, Layer):
                args = value.get("config") or {}
                config[key] = (obj.from_config(args) if hasattr(obj, "from_config")
                               else obj(**args))
    return config


def deserialize_layer(config, custom_objects=None):
    """A layer from {'class_name', 'config'} (tf-keras's extra keys such as
    'module' and 'registered_name' are ignored)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with 'class_name' and "
                         f"'config', got {config!r}")
    cls = get_layer_class(config["class_name"], custom_objects)
    shared_id = config.get("shared_object_id")
    if shared_id is not None and (isinstance(shared_id, bool)
                                  or not isinstance(shared_id, int)):
        raise ValueError(f"shared_object_id must be an integer, got {shared_id!r}")
    with shared_object_scope("loading") as memo:
        layer = memo.get(shared_id)
        if layer is not None:
            if type(layer) is not cls:
                raise ValueError(f"shared_object_id {shared_id} names both a "
                                 f"{type(layer).__name__} and a {cls.__name__}")
            return layer
        layer = _create(cls, config, custom_objects)
        if shared_id is not None:
            memo[shared_id] = layer
        return layer


def _create(cls, config, custom_objects):
    layer_config = config.get("config") or {}
    if custom_objects:
        layer_config = _resolve_custom(layer_config, custom_objects)
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(layer_config, custom_objects=custom_objects)
        return cls.from_config(layer_config)
    except (TypeError, ValueError) as e:
        name = layer_config.get("name") if isinstance(layer_config, dict) else None
        raise type(e)(f"cannot create layer {name!r} ({config['class_name']}) from "
                      f"its config: {e}") from e
