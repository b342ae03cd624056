"""Activations by their Keras names, forward and backward in C kernels.

Backward passes work from the saved output wherever the derivative can be
written in terms of it, so the input need not stay alive.  sigmoid and
softmax return an ActivationOutput, which holds their input as `logits` for
the crossentropies' stable fused form (tf-keras keeps `_keras_logits`).
"""
import math

import numpy as np

from ..autodiff import Tensor, as_tensor, output, unbroadcast
from .._kernels import load
from ._common import contiguous, float_input

_k = load("activation")
_INF = math.inf


class ActivationOutput(Tensor):
    """The output of softmax or sigmoid (named by `activation`), holding the
    `logits` Tensor it was computed from, so that a following crossentropy
    can use the stable fused form; see `logits_of`."""

    __slots__ = ("logits", "activation")

    def __init__(self, data, requires_grad=False):
        super().__init__(data, requires_grad)
        self.logits = None
        self.activation = None


def logits_of(t):
    """The logits `t` was computed from, when softmax or sigmoid made it;
    None otherwise."""
    return t.logits if isinstance(t, ActivationOutput) else None


def _with_logits(y, x, backward, activation):
    out = output(y, (x,), backward, ActivationOutput)
    out.logits, out.activation = x, activation
    return out


def _scalar(v, op, name):
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a number, got {v!r}") from None


def _elementwise(x, code, op, alpha=0.0, max_value=_INF, threshold=0.0,
                 grad_from_x=None, keep_logits=False):
    """y = act(x) in C (an ActivationOutput named `op` with `keep_logits`).
    Backward from y, or `grad_from_x(x)` * g where the derivative cannot be
    recovered from y."""
    x = float_input(x, op)
    xd = contiguous(x.data)
    y = _k.act_forward(code, xd, None, np.empty_like(xd), alpha, max_value,
                       threshold)
    if grad_from_x is None:
        def backward(g):
            return (_k.act_backward(code, y, contiguous(g, y.dtype),
                                    np.empty_like(y), alpha, max_value),)
    else:
        def backward(g):
            return (grad_from_x(xd) * g,)
    if keep_logits:
        return _with_logits(y, x, backward, op)
    return output(y, (x,), backward)


def linear(x):
    """Identity: returns `x` itself."""
    return as_tensor(x)


def _relu_grad_x(x, alpha, max_value, threshold):
    d = x > threshold
    if max_value is not None:
        d &= (x > 0) & (x < max_value)
    d = d.astype(x.dtype)
    if alpha != 0.0:
        d[x < threshold] += alpha
    return d


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf-keras K.relu: x above `threshold` (clipped at `max_value`),
    alpha * (x - threshold) below it."""
    alpha = _scalar(alpha, "relu", "alpha")
    threshold = _scalar(threshold, "relu", "threshold")
    mx = _INF if max_value is None else _scalar(max_value, "relu", "max_value")
    grad_x = None
    if threshold != 0.0 or alpha < 0.0:
        def grad_x(xd):
            return _relu_grad_x(xd, alpha, max_value, threshold)
    return _elementwise(x, _k.RELU, "relu", alpha, mx, threshold, grad_x)


def leaky_relu(x, alpha=0.3):
    """x for x > 0, alpha * x otherwise."""
    return relu(x, alpha=alpha)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    alpha = _scalar(alpha, "elu", "alpha")
    grad_x = None
    if alpha < 0.0:
        def grad_x(xd):
            return np.where(xd > 0, 1.0, alpha * np.exp(xd))
    return _elementwise(x, _k.ELU, "elu", alpha, grad_from_x=grad_x)


def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    return _elementwise(x, _k.SELU, "selu")


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return _elementwise(x, _k.SOFTPLUS, "softplus")


def softsign(x):
    """x / (1 + |x|)."""
    return _elementwise(x, _k.SOFTSIGN, "softsign")


def sigmoid(x):
    """1 / (1 + exp(-x)), as an ActivationOutput whose logits are `x`."""
    return _elementwise(x, _k.SIGMOID, "sigmoid", keep_logits=True)


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1) (tf-keras 2.x)."""
    return _elementwise(x, _k.HARD_SIGMOID, "hard_sigmoid")


def tanh(x):
    """Hyperbolic tangent."""
    return _elementwise(x, _k.TANH, "tanh")


def exponential(x):
    """exp(x)."""
    return _elementwise(x, _k.EXPONENTIAL, "exponential")


def swish(x):
    """x * sigmoid(x)."""
    x = float_input(x, "swish")
    xd = contiguous(x.data)
    s = _k.act_forward(_k.SIGMOID, xd, None, np.empty_like(xd))
    y = xd * s

    def backward(g):
        return (g * (s + y * (1 - s)),)
    return output(y, (x,), backward)


def prelu(x, alpha):
    """x where x > 0, alpha * x elsewhere, with a learned `alpha` that
    broadcasts to x (Keras's PReLU: relu(x) - alpha * relu(-x), whose
    gradient is 0 at x = 0)."""
    op = "prelu"
    x = float_input(x, op)
    alpha = as_tensor(alpha)
    if alpha.dtype != x.dtype:
        raise TypeError(f"{op}: alpha must have the dtype of x ({x.dtype}), got "
                        f"{alpha.dtype}")
    xd, ad = x.data, alpha.data
    try:
        shape = np.broadcast_shapes(xd.shape, ad.shape)
    except ValueError:
        shape = None
    if shape != xd.shape:
        raise ValueError(f"{op}: alpha of shape {ad.shape} does not broadcast to x "
                         f"of shape {xd.shape}")
    neg = np.minimum(xd, 0)
    y = np.maximum(xd, 0)
    y += ad * neg

    def backward(g):
        gx = ga = None
        if x.requires_grad:
            gx = g * ((xd > 0) + ad * (xd < 0))
        if alpha.requires_grad:
            ga = unbroadcast(g * neg, ad.shape)
        return gx, ga
    return output(y, (x, alpha), backward)


def _from_input(x, code, op):
    """y = act(x) in C, backward from x in C (no derivative from y)."""
    x = float_input(x, op)
    xd = contiguous(x.data)
    y = _k.act_forward(code, xd, None, np.empty_like(xd))

    def backward(g):
        return (_k.act_backward_x(code, xd, contiguous(g, xd.dtype), np.empty_like(xd)),)
    return output(y, (x,), backward)


def gelu(x, approximate=False):
    """Gaussian error linear unit, x * Phi(x): 0.5 x (1 + erf(x / sqrt 2)),
    or with `approximate` tf's tanh form."""
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"gelu: approximate must be True or False, got {approximate!r}")
    return _from_input(x, _k.GELU_TANH if approximate else _k.GELU, "gelu")


def mish(x):
    """x * tanh(softplus(x))."""
    return _from_input(x, _k.MISH, "mish")


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the max so it cannot
    overflow, as an ActivationOutput whose logits are `x`."""
    x = float_input(x, "softmax")
    if x.ndim <= 1:
        raise ValueError(f"softmax: x must have at least 2 dimensions "
                         f"(batch first, as in tf-keras), got shape {x.shape}")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"softmax: axis must be an int, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"softmax: axis {axis} is out of range for x of "
                         f"shape {x.shape}")
    axis = int(axis)
    xd = contiguous(x.data)
    y = _k.softmax_forward(xd, np.empty_like(xd), axis)

    def backward(g):
        return (_k.softmax_backward(y, contiguous(g, y.dtype), np.empty_like(y),
                                    axis),)
    return _with_logits(y, x, backward, "softmax")


ACTIVATIONS = {
    "linear": linear, "relu": relu, "elu": elu, "selu": selu,
    "softplus": softplus, "softsign": softsign, "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid, "tanh": tanh, "softmax": softmax,
    "exponential": exponential, "swish": swish, "leaky_relu": leaky_relu,
    "gelu": gelu, "mish": mish,
}

# Activations whose derivative the C kernel computes from the output, so they
# fuse with a bias add into one pass: name -> (kernel code, alpha).
_FUSED = {
    "linear": (_k.LINEAR, 0.0), "relu": (_k.RELU, 0.0), "elu": (_k.ELU, 1.0),
    "selu": (_k.SELU, 0.0), "softplus": (_k.SOFTPLUS, 0.0),
    "softsign": (_k.SOFTSIGN, 0.0), "hard_sigmoid": (_k.HARD_SIGMOID, 0.0),
    "tanh": (_k.TANH, 0.0), "exponential": (_k.EXPONENTIAL, 0.0),
    "leaky_relu": (_k.RELU, 0.3),
}
_NAME_OF = {fn: name for name, fn in ACTIVATIONS.items()}
LINEAR_SPEC = _FUSED["linear"]


def resolve(activation, op):
    """(fused kernel spec or None, function) for an activation given as a
    name of ACTIVATIONS, one of their functions, another callable, or None."""
    if activation is None:
        activation = "linear"
    if isinstance(activation, str):
        fn = ACTIVATIONS.get(activation)
        if fn is None:
            raise ValueError(f"{op}: unknown activation {activation!r}; expected "
                             f"one of {sorted(ACTIVATIONS)} or a callable")
    elif callable(activation):
        fn = activation
    else:
        raise TypeError(f"{op}: activation must be a name or a callable, "
                        f"got {type(activation).__name__}")
    return _FUSED.get(_NAME_OF.get(fn)), fn


def bias_activation(x, bias, activation="linear", inplace=False):
    """act(x + bias), bias along the last axis, in one C pass.

    With `inplace=True` the result is written into x's buffer (the caller
    must own it).  Activations without a fused kernel (softmax, sigmoid,
    swish, callables) run after a fused bias add, so softmax and sigmoid
    still hold the pre-activation as their logits.
    """
    op = "bias_activation"
    x = float_input(x, op)
    bias = as_tensor(bias)
    if x.ndim == 0:
        raise ValueError(f"{op}: x must have at least 1 dimension, got a scalar")
    if bias.shape != (x.shape[-1],):
        raise ValueError(f"{op}: bias must have shape ({x.shape[-1]},) to match "
                         f"the last axis of x (shape {x.shape}), got {bias.shape}")
    if bias.dtype != x.dtype:
        raise TypeError(f"{op}: bias must have the dtype of x ({x.dtype}), "
                        f"got {bias.dtype}")
    spec, fn = resolve(activation, op)
    if spec is None:
        return fn(_fused_bias_activation(x, bias, LINEAR_SPEC, inplace))
    return _fused_bias_activation(x, bias, spec, inplace)


def _fused_bias_activation(x, bias, spec, inplace=False):
    """The op behind bias_activation for a checked x, bias and fused spec."""
    code, alpha = spec
    xd = contiguous(x.data)
    if inplace and xd.flags.writeable:
        y = xd
    else:
        y = np.empty_like(xd)
    _k.act_forward(code, xd, contiguous(bias.data), y, alpha)
    lead = tuple(range(y.ndim - 1))
    if code == _k.LINEAR:
        def backward(g):
            return g, g.sum(axis=lead)
    else:
        def backward(g):
            dz = _k.act_backward(code, y, contiguous(g, y.dtype), np.empty_like(y),
                                 alpha)
            return dz, dz.sum(axis=lead)
    return output(y, (x, bias), backward)
