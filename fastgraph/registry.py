"""The object registry: every class and function a Keras config may name.

Configs name objects by strings ('relu', 'GlorotUniform', 'Dense').  Each
kind of object (layer, activation, initializer, ...) has one table of
fastgraph's own, filled by the module that defines them, and one lookup
shared by every kind: `get(kind, identifier, custom_objects)`.  A name
resolves through the `custom_objects` argument, the active
`custom_object_scope`s, the objects users registered, then fastgraph's own
table, and nowhere else: no string is ever imported, evaluated or followed
as an attribute path, which is what makes loading a file safe.

The tables fill as their modules are imported.  The package root names the
module(s) defining each kind (`set_providers`), and a lookup imports them
first, so a lookup never depends on what the caller happened to import.
The Keras names of this module (`register_keras_serializable`,
`get_registered_object`, `serialize_keras_object`, ...) are exported by
`fastgraph.saving` and `fastgraph.utils`.
"""
import importlib
import threading
import types

_REGISTERED = {}            # user objects by registered name
_scopes = threading.local()


class Kind:
    """One kind of object: its table and how identifiers of it resolve.

    `base` instances pass through `get` unchanged; with `instantiate`, a
    name or class resolving to a class gives an instance made with no
    arguments ('glorot_uniform' -> GlorotUniform()), as does a name
    registered as a factory ('l1_l2' -> l1_l2()); with `fold_case`,
    names match whatever their case ('Adam', 'adam'); `type_error` is what
    an identifier of the wrong type raises (Keras raises TypeError for
    activations, ValueError for the others).
    """

    __slots__ = ("name", "word", "table", "canonical", "factories", "base",
                 "instantiate", "fold_case", "type_error", "providers")

    def __init__(self, name, word, instantiate=True, fold_case=False,
                 type_error=ValueError):
        self.name, self.word = name, word
        self.table, self.canonical, self.factories = {}, {}, set()
        self.base = None
        self.instantiate, self.fold_case = instantiate, fold_case
        self.type_error = type_error
        self.providers = ()


KINDS = {kind.name: kind for kind in (
    Kind("layer", "layer class", instantiate=False),
    Kind("activation", "activation function", instantiate=False,
         type_error=TypeError),
    Kind("initializer", "initializer"),
    Kind("regularizer", "regularizer"),
    Kind("constraint", "constraint"),
    Kind("loss", "loss"),
    Kind("metric", "metric"),
    Kind("optimizer", "optimizer", fold_case=True),
    Kind("schedule", "learning rate schedule", instantiate=False),
    Kind("op", "graph op", instantiate=False),
)}


def _kind(kind):
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of object {kind!r}; expected one of "
                         f"{sorted(KINDS)}") from None


# ------------------------------------------------------ built-in tables
def set_providers(kind, *modules):
    """Name the modules that define the built-in objects of `kind` (called
    once, by the package root)."""
    _kind(kind).providers = tuple(modules)


def _load(kind):
    modules, kind.providers = kind.providers, ()
    try:
        for module in modules:
            importlib.import_module(module)
    except BaseException:
        kind.providers = modules
        raise


def set_base(kind, base):
    """Instances of `base` are objects of `kind` already (passed through)."""
    _kind(kind).base = base


def register_builtin(kind, obj, name=None, factory=False):
    """Add fastgraph's own `obj` to the table of `kind` under `name`
    (default its `__name__`); the first name an object gets is the one it
    is saved under.  With `factory`, looking the name up calls `obj`.  A subclass saved under its base class's name (Model
    under 'Functional') takes that name over; any other clash is an error."""
    k = _kind(kind)
    name = name or obj.__name__
    taken = k.table.get(name)
    if taken is not None and taken is not obj and not (
            isinstance(obj, type) and isinstance(taken, type) and issubclass(obj, taken)):
        raise ValueError(f"the built-in {k.word} name {name!r} is already taken "
                         f"by {taken!r}")
    k.table[name] = obj
    if kind != "op":    # graph ops name their nodes, not the functions
        k.canonical.setdefault(obj, name)
    if factory:
        k.factories.add(name)
    return obj


def builtins(kind):
    """fastgraph's own objects of `kind`, by name (read-only)."""
    k = _kind(kind)
    if k.providers:
        _load(k)
    return types.MappingProxyType(k.table)


def builtin_kind(name):
    """The kind of fastgraph's own object called `name`, or None."""
    for kind in KINDS:
        if name in builtins(kind):
            return kind
    return None


# --------------------------------------------------------- user objects
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


def custom_objects(extra=None):
    """Every user object in force, as one new dict: registered ones, then
    the active scopes', then `extra` (later ones win)."""
    merged = dict(_checked_objects(_REGISTERED))
    for objects in getattr(_scopes, "stack", ()):
        merged.update(objects)
    merged.update(_checked_objects(extra))
    return merged


def _user_object(name, extra):
    if extra and name in extra:
        return _checked_objects(extra)[name]
    for objects in reversed(getattr(_scopes, "stack", ())):
        if name in objects:
            return objects[name]
    return _REGISTERED.get(name)


def _register(key, obj, who):
    if not callable(obj):
        raise TypeError(f"{who}: expected a class or a function, got {obj!r}")
    if not key or key.endswith("<lambda>"):
        raise ValueError(f"{who}: {obj!r} has no usable name; pass name='...'")
    kind = builtin_kind(key)
    if kind is not None:
        raise ValueError(f"{who}: {key!r} is the name of "
                         f"fastgraph's built-in {KINDS[kind].word}; register "
                         f"under another name (name='...')")
    if isinstance(obj, type) and key != obj.__name__:
        obj._config_class_name = key
    _REGISTERED[key] = obj
    return obj


def register_keras_serializable(package="Custom", name=None):
    """Decorator making a class or function known to every loader as
    'package>name' (name defaults to its `__name__`), as Keras does: it is
    saved under that name and files naming it load without custom_objects."""
    for arg, value in (("package", package), ("name", name)):
        if value is not None and (not isinstance(value, str) or not value):
            raise TypeError(f"register_keras_serializable: {arg} must be a "
                            f"non-empty string, got {value!r}")

    def decorator(obj):
        base = name or getattr(obj, "__name__", None)
        key = f"{package}>{base}" if base else None
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: cannot register "
                             f"{obj.__name__}, a class without a get_config() "
                             f"method")
        taken = _REGISTERED.get(key)
        if taken is not None and taken is not obj:
            raise ValueError(f"register_keras_serializable: {key!r} is already "
                             f"registered to {taken!r}")
        return _register(key, obj, "register_keras_serializable")
    return decorator


def register_serializable(name=None):
    """Decorator making a class or function known to every loader under
    `name` alone (default its `__name__`), without Keras's package prefix.

    A class registered under another name than its own is also saved under
    it.  Names of fastgraph's own objects cannot be taken; pass an explicit
    `custom_objects` entry to override one for a single load.
    """
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"register_serializable: name must be a non-empty "
                        f"string, got {name!r}")

    def decorator(obj):
        return _register(name or getattr(obj, "__name__", None), obj,
                         "register_serializable")
    return decorator


def get_custom_objects():
    """The live dict of registered objects (name -> class or function);
    updating it registers objects, as in Keras."""
    return _REGISTERED


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The user object called `name`: from `custom_objects`, the active
    scopes or the registry, else from `module_objects` (None if unknown)."""
    obj = _user_object(name, custom_objects)
    if obj is None and module_objects:
        obj = module_objects.get(name)
    return obj


def get_registered_name(obj):
    """The name `obj` is saved under: its registered name, its built-in
    name, else its `__name__`."""
    for key, value in _REGISTERED.items():
        if value is obj:
            return key
    if isinstance(obj, type):
        config_name = obj.__dict__.get("_config_class_name")
        if config_name:
            return config_name
    for kind in KINDS.values():
        name = kind.canonical.get(obj) if _hashable(obj) else None
        if name is not None:
            return name
    return getattr(obj, "__name__", None)


def _hashable(obj):
    try:
        hash(obj)
    except TypeError:
        return False
    return True


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


CustomObjectScope = custom_object_scope


# --------------------------------------------------------------- lookup
def resolve(kind, name, custom_objects=None):
    """The class or function of `kind` called `name` (user objects first,
    then fastgraph's own); ValueError naming the kind when unknown."""
    k = _kind(kind)
    obj = _user_object(name, custom_objects)
    if obj is None:
        table = builtins(kind)
        obj = table.get(name)
        if obj is None and k.fold_case:
            obj = table.get(name.lower())
    if obj is None:
        known = ", ".join(sorted(n for n in builtins(kind) if not n.startswith("_")))
        raise ValueError(f"Unknown {k.word}: {name!r}; known names: {known}; "
                         f"or pass it in custom_objects, or register it with "
                         f"register_keras_serializable")
    return obj


def get(kind, identifier, custom_objects=None):
    """The object of `kind` an identifier stands for: None stays None; an
    instance of the kind's base class passes through; a name or a
    {'class_name', 'config'} dict resolves (see `deserialize`); a class is
    instantiated where the kind makes instances; any other callable is
    taken as it is."""
    k = _kind(kind)
    if identifier is None or (k.base is not None and isinstance(identifier, k.base)):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(kind, identifier, custom_objects)
    if isinstance(identifier, type) and k.instantiate:
        return identifier()
    if callable(identifier):
        return identifier
    raise k.type_error(f"Could not interpret {k.word} identifier: {identifier!r}")


def deserialize(kind, config, custom_objects=None):
    """An object of `kind` from a name or a Keras config dict
    ({'class_name', 'config'}; Keras 3's {'class_name': 'function',
    'config': name} for functions).  A class is built with `from_config`
    (or called with the config's arguments); a function is returned."""
    k = _kind(kind)
    if isinstance(config, str):
        obj = resolve(kind, config, custom_objects)
        if k.instantiate and (isinstance(obj, type) or (
                config in k.factories and obj is k.table.get(config))):
            return obj()
        return obj
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{k.word} config must be a name or a dict with a "
                         f"'class_name', got {config!r}")
    name, args = config["class_name"], config.get("config")
    if name == "function" and isinstance(args, str):
        return resolve(kind, args, custom_objects)
    obj = resolve(kind, name, custom_objects)
    if not isinstance(obj, type):
        return obj
    args = {} if args is None else args
    if not isinstance(args, dict):
        raise ValueError(f"the config of {k.word} {name!r} must be a dict, got "
                         f"{type(args).__name__}")
    if hasattr(obj, "from_config"):
        return obj.from_config(args)
    return obj(**args)


def serialize(obj):
    """The config of an object: None for None, {'class_name', 'config'} for
    an object with `get_config`, else the name it is saved under."""
    if obj is None:
        return None
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        return {"class_name": get_registered_name(type(obj)),
                "config": obj.get_config()}
    name = get_registered_name(obj)
    if name is None:
        raise ValueError(f"serialize: cannot name {obj!r}")
    return name


def serialize_keras_object(instance):
    """Keras's name for `serialize`."""
    return serialize(instance)


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Keras's generic deserializer: `identifier` (a name or a config dict)
    resolved through `custom_objects`, the registry and `module_objects`
    only; classes are built from their config."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        args = identifier.get("config")
        if name == "function" and isinstance(args, str):
            name, args = args, None
    elif isinstance(identifier, str):
        name, args = identifier, None
    else:
        raise ValueError(f"Could not interpret serialized {printable_module_name}: "
                         f"{identifier!r}")
    obj = get_registered_object(name, custom_objects, module_objects)
    if obj is None:
        raise ValueError(f"Unknown {printable_module_name}: {name!r}. Please ensure "
                         f"you are using a `custom_object_scope` and that this "
                         f"object is included in the scope.")
    if isinstance(obj, type) and isinstance(identifier, dict):
        args = args or {}
        return obj.from_config(args) if hasattr(obj, "from_config") else obj(**args)
    return obj
