"""Matrix products: matmul (batched, broadcasting), Keras dot and batch_dot.

Every product is one np.matmul call (BLAS), with transposes passed as views.
"""
import numpy as np

from ..autodiff import Tensor, output
from .elementwise import _CONST, _arr, operands
from .shape import expand_dims, reshape, squeeze, transpose


def matmul(a, b, out=None):
    """a @ b with NumPy semantics: 1-D operands are vectors, leading (batch)
    axes broadcast.  `out` is an optional preallocated result buffer."""
    A, B, ad, bd = operands(a, b)
    ad, bd = np.asarray(ad), np.asarray(bd)
    if ad.ndim == 0 or bd.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 axis, got shapes "
                         f"{ad.shape} and {bd.shape}")
    k_b = bd.shape[-2] if bd.ndim > 1 else bd.shape[0]
    if ad.shape[-1] != k_b:
        raise ValueError(
            f"matmul: the last axis of a (shape {ad.shape}) must match the "
            f"{'second-to-last' if bd.ndim > 1 else 'only'} axis of b (shape "
            f"{bd.shape}): {ad.shape[-1]} != {k_b}")
    try:
        y = np.matmul(ad, bd, out=out)
    except ValueError as err:
        raise ValueError(f"matmul: batch axes of a (shape {ad.shape}) and b (shape "
                         f"{bd.shape}) do not broadcast, or `out` has the wrong "
                         f"shape ({err})") from err

    def backward(g):
        # Treat vectors as 1-row / 1-column matrices.
        a2 = ad[None, :] if ad.ndim == 1 else ad
        b2 = bd[:, None] if bd.ndim == 1 else bd
        if bd.ndim == 1:
            g = g[..., None]
        if ad.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if A.requires_grad:
            ga = np.matmul(g, b2.swapaxes(-1, -2))
            if ad.ndim == 1:
                ga = ga[..., 0, :]
        if B.requires_grad:
            if b2.ndim == 2 and a2.ndim > 2:
                # Fold the batch into one GEMM rather than summing per-batch products.
                k, n = a2.shape[-1], g.shape[-1]
                gb = np.matmul(a2.reshape(-1, k).T, g.reshape(-1, n))
            else:
                gb = np.matmul(a2.swapaxes(-1, -2), g)
            if bd.ndim == 1:
                gb = gb[..., 0]
        return ga, gb
    return output(_arr(y), (A, B), backward)


def _tensors(x, y):
    """Both operands as Tensors (constants cast as `operands` does)."""
    X, Y, xd, yd = operands(x, y)
    return (Tensor(np.asarray(xd)) if X is _CONST else X,
            Tensor(np.asarray(yd)) if Y is _CONST else Y)


def dot(x, y):
    """Keras K.dot: contract the last axis of x with the second-to-last of y
    (the only axis of a 1-D y); nD x nD gives x.shape[:-1] + y.shape[:-2] +
    y.shape[-1:], as np.dot."""
    x, y = _tensors(x, y)
    xs, ys = x.data.shape, y.data.shape
    if len(xs) == 0 or len(ys) == 0:
        raise ValueError(f"dot: operands must have at least 1 axis, got shapes "
                         f"{xs} and {ys}")
    if len(ys) <= 2:
        return matmul(x, y)
    k = ys[-2]
    if xs[-1] != k:
        raise ValueError(f"dot: the last axis of x (shape {xs}) must match the "
                         f"second-to-last axis of y (shape {ys}): {xs[-1]} != {k}")
    perm = [len(ys) - 2] + list(range(len(ys) - 2)) + [len(ys) - 1]
    yt = reshape(transpose(y, perm), (k, -1))
    return reshape(matmul(reshape(x, (-1, k)), yt), xs[:-1] + ys[:-2] + ys[-1:])


def batch_dot(x, y, axes=None):
    """Keras K.batch_dot: per-sample dot products over axes[0] of x and
    axes[1] of y (axis 0 is the batch); a rank-1 result becomes (batch, 1)."""
    x, y = _tensors(x, y)
    xs, ys = x.data.shape, y.data.shape
    xn, yn = len(xs), len(ys)
    if xn < 2 or yn < 2:
        raise ValueError(f"batch_dot: inputs must have rank >= 2, got shapes "
                         f"{xs} and {ys}")
    if xs[0] != ys[0]:
        raise ValueError(f"batch_dot: inputs have different batch sizes, shapes "
                         f"{xs} and {ys}")
    if isinstance(axes, (int, np.integer)):
        axes = (axes, axes)
    if axes is None:
        axes = (xn - 1, yn - 1) if yn == 2 else (xn - 1, yn - 2)
    if len(axes) != 2 or any(not isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError(f"batch_dot: axes must be None, an int or a pair of ints, "
                         f"got {axes!r}")
    a0 = axes[0] + xn if axes[0] < 0 else axes[0]
    a1 = axes[1] + yn if axes[1] < 0 else axes[1]
    if not (0 < a0 < xn and 0 < a1 < yn):
        raise ValueError(f"batch_dot: axes {tuple(axes)} must name non-batch axes "
                         f"of x (shape {xs}) and y (shape {ys})")
    if xs[a0] != ys[a1]:
        raise ValueError(f"batch_dot: x.shape[{a0}] != y.shape[{a1}] ({xs[a0]} != "
                         f"{ys[a1]}) for shapes {xs} and {ys}")
    if xn == 2:
        x, a0 = expand_dims(x, 1), a0 + 1
    if yn == 2:
        y = expand_dims(y, 2)
    # Move the contracted axis of x last and that of y to position 1.
    xnd, ynd = max(xn, 3), max(yn, 3)
    if a0 != xnd - 1:
        x = transpose(x, [i for i in range(xnd) if i != a0] + [a0])
    if a1 != 1:
        y = transpose(y, [0, a1] + [i for i in range(1, ynd) if i != a1])
    xsh, ysh = x.shape, y.shape
    if xnd > 3:
        x = reshape(x, (xsh[0], -1, xsh[-1]))
    if ynd > 3:
        y = reshape(y, (ysh[0], ysh[1], -1))
    result = matmul(x, y)
    if xnd > 3 or ynd > 3:
        result = reshape(result, xsh[:-1] + ysh[2:])
    if xn == 2:
        result = squeeze(result, 1)
    elif yn == 2:
        result = squeeze(result, -1)
    return result
