"""The Dense op: activation(x @ kernel + bias) as one recorded op.

The matmul writes into a fresh buffer and the bias add and activation run in
place on it in one C pass; the backward turns the output gradient into the
pre-activation gradient in C, then needs only two GEMMs and a column sum.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import contiguous, float_input
from .activation import LINEAR_SPEC, resolve, sigmoid, softmax

_k = load("activation")


def _check(x, kernel, bias):
    if kernel.ndim != 2:
        raise ValueError(f"dense: kernel must be 2-D (input_dim, units), got "
                         f"shape {kernel.shape}")
    if x.ndim == 0:
        raise ValueError("dense: x must have at least 1 dimension (..., "
                         "input_dim), got a scalar")
    if x.shape[-1] != kernel.shape[0]:
        raise ValueError(f"dense: the last dimension of x (shape {x.shape}) must "
                         f"equal the first of kernel (shape {kernel.shape})")
    if kernel.dtype != x.dtype:
        raise TypeError(f"dense: kernel must have the dtype of x ({x.dtype}), "
                        f"got {kernel.dtype}")
    if bias is not None:
        if bias.shape != (kernel.shape[1],):
            raise ValueError(f"dense: bias must have shape ({kernel.shape[1]},) "
                             f"for kernel of shape {kernel.shape}, got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"dense: bias must have the dtype of x ({x.dtype}), "
                            f"got {bias.dtype}")


def dense(x, kernel, bias=None, activation="linear"):
    """activation(x @ kernel + bias) over the last axis of x.

    x is (..., input_dim), kernel (input_dim, units), bias (units,) or None;
    the activation is a name of ACTIVATIONS or a callable.  Names with a C
    kernel are fused into the op; softmax and sigmoid (and callables) are
    applied to the recorded pre-activation, which softmax / sigmoid keep as
    their logits so a following crossentropy backpropagates through it directly.
    """
    x = float_input(x, "dense")
    kernel = as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check(x, kernel, bias)
    return dense_checked(x, kernel, bias, *resolve(activation, "dense"))


def dense_checked(x, kernel, bias, spec, fn):
    """The dense op for checked Tensors and a resolved activation
    (`resolve`'s (spec, fn)), so a layer can resolve it once."""
    if spec is None:
        return fn(_dense(x, kernel, bias, LINEAR_SPEC))
    return _dense(x, kernel, bias, spec)


def inference_spec(activation):
    """(kernel code, alpha, softmax after) computing `activation` on arrays
    in place after the bias add, or None when only the op path applies.
    Without a tape sigmoid needs no logits, so it fuses like relu."""
    spec, fn = resolve(activation, "dense")
    if spec is not None:
        return spec + (False,)
    if fn is sigmoid:
        return _k.SIGMOID, 0.0, False
    if fn is softmax:
        return _k.LINEAR, 0.0, True
    return None


def forward_array(x2d, w, b, code, alpha, then_softmax=False):
    """act(x2d @ w + b) on arrays of one float dtype, without the tape:
    x2d (rows, input_dim), w (input_dim, units), b (units,) or None;
    returns a fresh C-contiguous (rows, units) array."""
    y = np.matmul(x2d, w)
    if b is not None or code != _k.LINEAR:
        _k.act_forward(code, y, b, y, alpha)
    if then_softmax:
        _k.softmax_forward(y, y, -1)
    return y


def _dense(x, kernel, bias, spec):
    code, alpha = spec
    w = kernel.data
    xd = contiguous(x.data)
    units = w.shape[1]
    x_shape = xd.shape
    x2d = xd.reshape(-1, x_shape[-1])
    y = forward_array(x2d, w, None if bias is None else contiguous(bias.data), code,
                      alpha)
    # Keep only what the needed gradients read.
    dtype, shape2d = y.dtype, y.shape
    w_keep = w if x.requires_grad else None
    x_keep = x2d if kernel.requires_grad else None

    if code == _k.LINEAR:
        def grad_pre(g):
            return g
    else:
        def grad_pre(g):
            return _k.act_backward(code, y, g, np.empty_like(y), alpha)

    def backward(g):
        dz = grad_pre(contiguous(g, dtype).reshape(shape2d))
        dx = None if w_keep is None else np.matmul(dz, w_keep.T).reshape(x_shape)
        dw = None if x_keep is None else np.matmul(x_keep.T, dz)
        if bias is None:
            return dx, dw
        return dx, dw, dz.sum(axis=0)
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y.reshape(x_shape[:-1] + (units,)), inputs, backward)
