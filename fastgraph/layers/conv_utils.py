"""Argument helpers the convolution, pooling and reshaping layers share
(tf-keras's conv_utils): tuples of ints, data_format, padding, output
lengths, rank checks, and the channels-first views.

channels_first inputs reach the channels-last ops as transposed views and
their outputs leave as transposed views (no copy here): a channels_first
layer after another one gets an array already laid out channels-last in
memory, so only the first layer of a channels_first stack copies (as
tf-keras's CPU backend transposes too).
"""
import numbers

from .. import backend, constraints, initializers, regularizers
from ..ops.conv import padded_output
from ..ops.shape import transpose

DATA_FORMATS = ("channels_last", "channels_first")


def normalize_tuple(value, n, arg, owner, allow_zero=False):
    """`value` (an int or a sequence of `n` ints) as a tuple of `n` ints,
    each positive (or non-negative with `allow_zero`); ValueError naming
    `owner` (the layer class) and `arg` otherwise."""
    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)
    if is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n or not all(is_int(v) for v in values):
            raise ValueError(f"{owner}: `{arg}` must be an int or a tuple of {n} "
                             f"ints, got {value!r}")
        values = tuple(int(v) for v in values)
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(f"{owner}: `{arg}` must be {'>= 0' if allow_zero else '> 0'}, "
                         f"got {value!r}")
    return values


def normalize_data_format(data_format, owner):
    """'channels_last' or 'channels_first' (None: backend.image_data_format());
    anything else is a ValueError naming `owner`."""
    if data_format is None:
        return backend.image_data_format()
    value = data_format.lower() if isinstance(data_format, str) else data_format
    if value not in DATA_FORMATS:
        raise ValueError(f"{owner}: `data_format` must be 'channels_last' or "
                         f"'channels_first', got {data_format!r}")
    return value


def set_weight_args(layer, prefix, initializer, regularizer, constraint):
    """layer.<prefix>_initializer / _regularizer / _constraint from their
    identifiers (an unknown constraint is a ValueError naming the layer)."""
    owner = type(layer).__name__
    setattr(layer, f"{prefix}_initializer", initializers.get(initializer))
    setattr(layer, f"{prefix}_regularizer", regularizers.get(regularizer))
    try:
        setattr(layer, f"{prefix}_constraint", constraints.get(constraint))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{owner}: {prefix}_constraint: {err}") from None


def weight_config(layer, *prefixes):
    """The serialized <prefix>_initializer / _regularizer / _constraint
    entries of layer's config, for each weight prefix."""
    config = {}
    for prefix in prefixes:
        config[f"{prefix}_initializer"] = initializers.serialize(
            getattr(layer, f"{prefix}_initializer"))
        config[f"{prefix}_regularizer"] = regularizers.serialize(
            getattr(layer, f"{prefix}_regularizer"))
        config[f"{prefix}_constraint"] = constraints.serialize(
            getattr(layer, f"{prefix}_constraint"))
    return config


def normalize_padding(padding, owner, allowed=("valid", "same")):
    """`padding` lower-cased and checked against `allowed`."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of "
                         f"{', '.join(repr(a) for a in allowed)}, got {padding!r}")
    return value


def output_length(length, window, padding, stride, dilation=1):
    """Output length of a window sliding over `length` (None stays None)."""
    if length is None:
        return None
    return padded_output(length, window, stride, dilation, padding)[0]


def check_rank(layer, shape, ndim, layout, exact=True):
    """ValueError naming the layer when `shape` has the wrong rank."""
    ok = len(shape) == ndim if exact else len(shape) >= ndim
    if not ok:
        want = f"ndim={ndim}" if exact else f"min_ndim={ndim}"
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the '
                         f'layer: expected {want} {layout}, found ndim={len(shape)}. '
                         f'Full shape received: {tuple(shape)}')


def layout(rank, data_format):
    """The axes of a `rank`-D input in words, for messages."""
    spatial = {1: "steps", 2: "height, width", 3: "depth, height, width"}[rank]
    if data_format == "channels_first":
        return f"(batch, channels, {spatial})"
    return f"(batch, {spatial}, channels)"


def split_shape(shape, rank, data_format):
    """(leading axes, spatial axes, channels) of a channels-last or
    channels-first shape whose last `rank` + 1 axes are the image."""
    shape = tuple(shape)
    lead = shape[:len(shape) - rank - 1]
    if data_format == "channels_first":
        return lead, shape[len(lead) + 1:], shape[len(lead)]
    return lead, shape[len(lead):-1], shape[-1]


def join_shape(lead, spatial, channels, data_format):
    """The inverse of split_shape."""
    if data_format == "channels_first":
        return tuple(lead) + (channels,) + tuple(spatial)
    return tuple(lead) + tuple(spatial) + (channels,)


def channels_last(x, data_format):
    """x as channels-last (a transposed view of a channels-first x)."""
    if data_format != "channels_first":
        return x
    return transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def channels_first(y, data_format):
    """A channels-last result back in `data_format` (a transposed view)."""
    if data_format != "channels_first":
        return y
    return transpose(y, (0, y.ndim - 1) + tuple(range(1, y.ndim - 1)))
