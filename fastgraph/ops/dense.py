"""The Dense op: activation(x @ kernel + bias), on Tensors as one recorded
op (`dense`) or on arrays without the tape (`dense_array`, for inference).

The matmul writes into a fresh buffer and the bias add and activation run in
place on it in one C pass; the backward turns the output gradient into the
pre-activation gradient in C, then needs only two GEMMs and a column sum.
"""
import numpy as np

from .._kernels import load
from ..autodiff import Tensor, as_tensor, no_grad, output
from ._common import contiguous, float_input
from .activation import ACTIVATIONS, LINEAR_SPEC, resolve, sigmoid, softmax
from .pool_matmul import matmul

_k = load("activation")
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


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
    if not _fits(x, kernel, bias):
        x = float_input(x, "dense")
        kernel = as_tensor(kernel)
        bias = None if bias is None else as_tensor(bias)
        _check(x, kernel, bias)
    spec, fn = resolve(activation, "dense")
    if spec is None:
        return fn(_dense(x, kernel, bias, LINEAR_SPEC))
    return _dense(x, kernel, bias, spec)


def _fits(x, kernel, bias):
    """The quick test of a layer's call: Tensors of one float dtype whose
    shapes match, so `_check` has nothing to find."""
    if not (isinstance(x, Tensor) and isinstance(kernel, Tensor)):
        return False
    xd, w = x.data, kernel.data
    dt = w.dtype
    if (xd.dtype is not dt or (dt is not _F32 and dt is not _F64) or w.ndim != 2
            or xd.ndim == 0 or xd.shape[-1] != w.shape[0]):
        return False
    return bias is None or (isinstance(bias, Tensor) and bias.data.dtype is dt
                            and bias.data.shape == (w.shape[1],))


def _array_spec(activation):
    """(kernel code, alpha, softmax after) computing `activation` on arrays
    in place after the bias add, or None when only the op can apply it.
    Without a tape sigmoid needs no logits, so it fuses like relu."""
    spec, fn = resolve(activation, "dense")
    if spec is not None:
        return spec + (False,)
    if fn is sigmoid:
        return _k.SIGMOID, 0.0, False
    if fn is softmax:
        return _k.LINEAR, 0.0, True
    return None


# The array specs of the named activations, by name and by function.
_ARRAY_SPECS = {key: _array_spec(name) for name, fn in ACTIVATIONS.items()
                for key in (name, fn)}
_ARRAY_SPECS[None] = _ARRAY_SPECS["linear"]


def dense_array(x, kernel, bias=None, activation="linear"):
    """`dense` on the array `x` without the tape, for inference plans: kernel
    and bias are a layer's weights (float Tensors of one dtype); returns a
    fresh array.  An `x` of another dtype than the kernel's, or an activation
    without a C kernel, goes through `dense` under no_grad; a shape mismatch
    is np.matmul's ValueError."""
    w = kernel.data
    try:
        spec = _ARRAY_SPECS.get(activation)
    except TypeError:       # an unhashable callable
        spec = None
    if spec is None or type(x) is not np.ndarray or x.dtype is not w.dtype:
        with no_grad():
            return dense(x, kernel, bias, activation).data
    b = None if bias is None else bias.data
    code, alpha, then_softmax = spec
    if x.ndim == 2:
        return _forward(x, w, b, code, alpha, then_softmax)
    y = _forward(x.reshape(-1, x.shape[-1]), w, b, code, alpha, then_softmax)
    return y.reshape(x.shape[:-1] + (w.shape[1],))


def _forward(x2d, w, b, code, alpha, then_softmax=False):
    """act(x2d @ w + b) on arrays of one float dtype: x2d (rows, input_dim),
    w (input_dim, units), b (units,) or None; a fresh (rows, units) array."""
    y = matmul(x2d, w)
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
    y = _forward(x2d, w, None if bias is None else contiguous(bias.data), code,
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
        dx = None if w_keep is None else matmul(dz, w_keep.T).reshape(x_shape)
        dw = None if x_keep is None else matmul(x_keep.T, dz)
        if bias is None:
            return dx, dw
        return dx, dw, dz.sum(axis=0)
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y.reshape(x_shape[:-1] + (units,)), inputs, backward)
