"""The Keras backend core: configuration, variables, elementwise, reduction, shape.

Names, argument names and defaults follow tf-keras 2.x `keras.backend`.
Every op accepts Tensors and NumPy arrays (or Python numbers) mixed and
returns a Tensor; operations on variables are recorded, so `gradients`
differentiates a loss written with these ops.  Queries (`int_shape`,
`ndim`, `dtype`, `eval`, `get_value`, ...) return plain Python/NumPy values.
"""
import contextlib

import numpy as np

from ..autodiff import Tensor, Variable, as_tensor, floatx, set_floatx  # noqa: F401
from ..ops import elementwise as _ew
from ..ops import linalg as _la
from ..ops import random as _random
from ..ops import reduce as _red
from ..ops import shape as _sh
from ..ops.activation import (elu, hard_sigmoid, relu, selu, sigmoid,  # noqa: F401
                             softmax, softplus, softsign, tanh)
from ..ops.losses import (binary_crossentropy,  # noqa: F401
                         categorical_crossentropy,
                         sparse_categorical_crossentropy)

__all__ = [
    "Tensor", "Variable", "abs", "all", "any", "argmax", "argmin", "as_tensor",
    "batch_dot", "batch_flatten", "batch_get_value", "batch_set_value",
    "bias_add", "binary_crossentropy", "cast", "cast_to_floatx",
    "categorical_crossentropy", "clip", "concatenate", "constant",
    "count_params", "dot", "dropout", "dtype", "elu", "epsilon", "equal",
    "eval", "exp", "expand_dims", "eye", "flatten", "floatx", "gather",
    "get_value", "greater", "greater_equal", "hard_sigmoid",
    "identity", "image_data_format", "in_test_phase", "in_train_phase",
    "int_shape", "is_tensor", "l2_normalize", "learning_phase",
    "learning_phase_scope", "less", "less_equal", "log", "logsumexp", "max",
    "maximum", "mean", "min", "minimum", "ndim", "not_equal", "one_hot",
    "ones", "ones_like", "permute_dimensions", "pow", "prod",
    "random_binomial", "random_normal", "random_uniform", "relu", "repeat",
    "repeat_elements", "reshape", "reverse", "round", "selu", "set_epsilon",
    "set_floatx", "set_image_data_format", "set_learning_phase", "set_value",
    "shape", "sigmoid", "sign", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "spatial_2d_padding", "sqrt", "square",
    "squeeze", "stack", "std", "stop_gradient", "sum", "switch", "tanh",
    "temporal_padding", "tile", "transpose", "var", "variable", "zeros",
    "zeros_like",
]

_EPSILON = [1e-7]
_IMAGE_DATA_FORMAT = ["channels_last"]
_LEARNING_PHASE = [0]


# ---------------------------------------------------------------- configuration

def epsilon():
    """The fuzz factor used to avoid division by zero (1e-7)."""
    return _EPSILON[0]


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon()`."""
    _EPSILON[0] = float(value)


def image_data_format():
    """The default data_format of the image layers: 'channels_last' (NHWC)
    unless set_image_data_format said otherwise."""
    return _IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format):
    """Set the default data_format ('channels_last' or 'channels_first') of
    the layers created afterwards with data_format=None."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"set_image_data_format: data_format must be "
                         f"'channels_last' or 'channels_first', got {data_format!r}")
    _IMAGE_DATA_FORMAT[0] = str(data_format)


def learning_phase():
    """1 while training, 0 otherwise (set by `learning_phase_scope`)."""
    return _LEARNING_PHASE[0]


def set_learning_phase(value):
    """Set the learning phase to 0 (test) or 1 (train)."""
    if value not in (0, 1):
        raise ValueError(f"set_learning_phase: value must be 0 or 1, got {value!r}")
    _LEARNING_PHASE[0] = int(value)


@contextlib.contextmanager
def learning_phase_scope(value):
    """Context manager: the learning phase is `value` (0 or 1) inside."""
    previous = _LEARNING_PHASE[0]
    set_learning_phase(value)
    try:
        yield value
    finally:
        _LEARNING_PHASE[0] = previous


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (either may be a callable);
    `training` defaults to `learning_phase()`."""
    if training is None:
        training = learning_phase()
    if isinstance(training, Tensor):
        training = bool(training.data)
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` otherwise."""
    return in_train_phase(alt, x, training)


# ---------------------------------------------------------------- variables and values

def _dtype(dtype):
    return np.dtype(floatx() if dtype is None else dtype)


def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding a copy of `value` (floatx unless `dtype` is given)."""
    value = value.data if isinstance(value, Tensor) else value
    return Variable(np.asarray(value), dtype=_dtype(dtype), name=name,
                    constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A constant Tensor; a scalar `value` with `shape` fills that shape."""
    arr = np.array(value.data if isinstance(value, Tensor) else value, dtype=_dtype(dtype))
    if shape is not None:
        shape = _sh._ints("constant", "shape", shape)
        arr = np.full(shape, arr.item(), arr.dtype) if arr.size == 1 else arr.reshape(shape)
    return Tensor(arr)


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros."""
    return Variable(np.zeros(shape, _dtype(dtype)), name=name)


def ones(shape, dtype=None, name=None):
    """A Variable of ones."""
    return Variable(np.ones(shape, _dtype(dtype)), name=name)


def eye(size, dtype=None, name=None):
    """A Variable holding an identity matrix (`size` = n or (rows, cols))."""
    rows, cols = (size, size) if np.ndim(size) == 0 else size
    return Variable(np.eye(rows, cols, dtype=_dtype(dtype)), name=name)


def zeros_like(x, dtype=None, name=None):
    """A Tensor of zeros shaped like x (x's dtype unless given)."""
    x = as_tensor(x)
    return Tensor(np.zeros(x.shape, x.dtype if dtype is None else dtype))


def ones_like(x, dtype=None, name=None):
    """A Tensor of ones shaped like x (x's dtype unless given)."""
    x = as_tensor(x)
    return Tensor(np.ones(x.shape, x.dtype if dtype is None else dtype))


def identity(x, name=None):
    """x itself as a Tensor."""
    return as_tensor(x)


def cast_to_floatx(x):
    """x as a NumPy array of floatx."""
    return np.asarray(x.data if isinstance(x, Tensor) else x, dtype=floatx())


def eval(x):
    """The value of x as a NumPy array (a copy)."""
    return get_value(x)


def get_value(x):
    """The value of x as a NumPy array (a copy, so later updates of a variable
    do not change it)."""
    if isinstance(x, Tensor):
        return x.data.copy()
    return np.asarray(x)


def batch_get_value(tensors):
    """`get_value` of each tensor, as a list."""
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Overwrite the value of variable `x` (same shape)."""
    if not isinstance(x, Variable):
        raise TypeError(f"set_value: x must be a variable (made with "
                        f"K.variable), got {type(x).__name__}")
    x.assign(value.data if isinstance(value, Tensor) else value)


def batch_set_value(tuples):
    """`set_value` for each (variable, value) pair."""
    for x, value in tuples:
        set_value(x, value)


# ---------------------------------------------------------------- shape queries

def int_shape(x):
    """The shape of x as a tuple of ints (None for unknown dimensions)."""
    s = getattr(x, "shape", None)
    return tuple(s) if s is not None else np.shape(x)


def shape(x):
    """The shape of x as an int32 NumPy array (a concrete `tf.shape`)."""
    return np.array(int_shape(x), dtype=np.int32)


def ndim(x):
    """The number of axes of x."""
    return len(int_shape(x))


def dtype(x):
    """The dtype name of x, e.g. 'float32'."""
    dt = getattr(x, "dtype", None)
    return np.dtype(np.asarray(x).dtype if dt is None else dt).name


def count_params(x):
    """The number of elements of x."""
    return int(np.prod(int_shape(x)))


def is_tensor(x):
    """True for fastgraph Tensors (and Variables)."""
    return isinstance(x, Tensor)


# ---------------------------------------------------------------- elementwise

cast = _ew.cast
square = _ew.square
sqrt = _ew.sqrt
abs = _ew.abs
exp = _ew.exp
log = _ew.log
sign = _ew.sign
round = _ew.round
maximum = _ew.maximum
minimum = _ew.minimum
clip = _ew.clip
equal = _ew.equal
not_equal = _ew.not_equal
greater = _ew.greater
greater_equal = _ew.greater_equal
less = _ew.less
less_equal = _ew.less_equal


def pow(x, a):
    """x ** a, elementwise."""
    return _ew.power(x, a)


def bias_add(x, bias, data_format=None):
    """x + bias along the last (channels) axis."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"bias_add: fastgraph supports only data_format="
                         f"'channels_last', got {data_format!r}")
    bias = as_tensor(bias)
    xs = np.shape(x.data if isinstance(x, Tensor) else x)
    if bias.ndim != 1 or not xs or bias.shape[0] != xs[-1]:
        raise ValueError(f"bias_add: bias must have shape ({xs[-1] if xs else '?'},) "
                         f"to match the last axis of x (shape {xs}), got {bias.shape}")
    return _ew.add(x, bias)


def switch(condition, then_expression, else_expression):
    """Select between two expressions (tensors or callables) by `condition`:
    a scalar picks one; a tensor selects elementwise (a condition of rank > 1
    and lower than the expressions' gets trailing axes, as tf-keras does)."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.ndim == 0:
        chosen = then_expression if cond else else_expression
        return as_tensor(chosen() if callable(chosen) else chosen)
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    expr_ndim = ndim(then_expression)
    if cond.ndim > expr_ndim:
        raise ValueError(f"switch: the rank of condition ({cond.ndim}) must not "
                         f"exceed the rank of then_expression ({expr_ndim})")
    if 1 < cond.ndim < expr_ndim:
        cond = cond.reshape(cond.shape + (1,) * (expr_ndim - cond.ndim))
    return _ew.where(cond, then_expression, else_expression)


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x ** 2, axis), 1e-12)), as tf.linalg.l2_normalize."""
    x = as_tensor(x)
    norm2 = _red.sum(_ew.square(x), axis=axis, keepdims=True)
    return _ew.divide(x, _ew.sqrt(_ew.maximum(norm2, 1e-12)))


def one_hot(indices, num_classes):
    """One-hot floatx encoding along a new last axis (out-of-range indices give
    zero rows, as tf.one_hot)."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.dtype}")
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(floatx()))


# ---------------------------------------------------------------- reductions

sum = _red.sum
prod = _red.prod
max = _red.max
min = _red.min
var = _red.var
std = _red.std
logsumexp = _red.logsumexp


mean = _red.mean
any = _red.any
all = _red.all
argmax = _red.argmax
argmin = _red.argmin


# ---------------------------------------------------------------- products and shapes

dot = _la.dot
batch_dot = _la.batch_dot
concatenate = _sh.concatenate
stack = _sh.stack
reshape = _sh.reshape
expand_dims = _sh.expand_dims
gather = _sh.gather
tile = _sh.tile
batch_flatten = _sh.flatten


def transpose(x):
    """x with all axes reversed (a matrix transpose for 2-D x)."""
    return _sh.transpose(x)


def permute_dimensions(x, pattern):
    """x with axes reordered by `pattern`, e.g. (0, 2, 1)."""
    return _sh.transpose(x, pattern)


def squeeze(x, axis):
    """x without the length-1 axis `axis`."""
    return _sh.squeeze(x, axis)


def flatten(x):
    """x reshaped to 1-D."""
    return _sh.reshape(x, (-1,))


def repeat_elements(x, rep, axis):
    """Each slice of x along `axis` repeated `rep` times (np.repeat)."""
    return _sh.repeat(x, rep, axis)


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim) (what RepeatVector does)."""
    return _sh.repeat_vector(x, n)


def reverse(x, axes):
    """x reversed along `axes` (an int or a list of ints)."""
    x = as_tensor(x)
    axes = _sh.normalize_axes("reverse", axes, x.shape)
    return _sh.getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                                for i in range(x.ndim)))


def temporal_padding(x, padding=(1, 1)):
    """Zero-pad axis 1 of a (batch, steps, features) tensor."""
    return _sh.pad(x, ((0, 0), tuple(padding), (0, 0)))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the rows and columns of a channels_last (batch, h, w, c) tensor."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"spatial_2d_padding: fastgraph supports only "
                         f"data_format='channels_last', got {data_format!r}")
    return _sh.pad(x, ((0, 0), tuple(padding[0]), tuple(padding[1]), (0, 0)))


# ---------------------------------------------------------------- randomness

def _rng(seed):
    return _random.get_rng() if seed is None else np.random.default_rng(seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A Tensor of uniform samples in [minval, maxval)."""
    return Tensor(_rng(seed).uniform(minval, maxval, shape).astype(_dtype(dtype)))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A Tensor of normal samples."""
    return Tensor(_rng(seed).normal(mean, stddev, shape).astype(_dtype(dtype)))


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """A Tensor of 0/1 samples, 1 with probability p."""
    return Tensor((_rng(seed).random(shape) < p).astype(_dtype(dtype)))


def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout: zero each element with probability `level`, scale the
    rest by 1 / (1 - level)."""
    return _random.dropout(x, level, noise_shape, seed)


# ---------------------------------------------------------------- gradients (K.gradients: graph.py)

def stop_gradient(variables):
    """The same values with no gradient flowing back (a list for a list)."""
    if isinstance(variables, (list, tuple)):
        return [Tensor(as_tensor(v).data) for v in variables]
    return Tensor(as_tensor(variables).data)
