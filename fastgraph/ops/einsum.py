"""einsum of two operands as one matrix product, as TensorFlow computes it.

An equation's indices fall into classes: batch (in both operands and the
output), contracted (in both, not in the output), kept from one operand
(in it and the output) and summed within one operand (in it alone).  The
plan, made once per equation and shapes, sums the last kind away, views
each operand as (batch, rows, contracted) and (batch, contracted, cols)
(a transpose only when the order asks for one) and runs one np.matmul
(BLAS); the output is a view of the product, permuted when the equation
orders it differently.  The backward is two matmuls through the same plan.
"""
import functools
import math
import string

import numpy as np

from ..autodiff import as_tensor, output, unbroadcast
from ._common import check_float, float_input


def _parse(equation):
    eq = equation.replace(" ", "")
    if eq.count("->") != 1 or eq.split("->")[0].count(",") != 1:
        raise ValueError(f"einsum: equation {equation!r} must have the form "
                         f"'x,y->z' (two operands and an explicit output)")
    lhs, out = eq.split("->")
    a, b = lhs.split(",")
    for part in (a, b, out):
        rest = part.replace("...", "")
        if "." in rest or not all(c in string.ascii_letters for c in rest):
            raise ValueError(f"einsum: equation {equation!r}: subscripts must be "
                             f"letters, with at most one '...' per operand")
        if len(set(rest)) != len(rest):
            raise ValueError(f"einsum: equation {equation!r}: subscripts {part!r} "
                             f"repeat an index (diagonals are not supported)")
    return a, b, out


def _expand(sub, ndim, free, equation, name):
    """`sub` with its '...' replaced by letters from `free` (right-aligned,
    as broadcasting aligns them)."""
    if "..." not in sub:
        if len(sub) != ndim:
            raise ValueError(f"einsum: equation {equation!r}: {name} has {ndim} "
                             f"axes but subscripts {sub!r}")
        return sub
    n = ndim - (len(sub) - 3)
    if n < 0:
        raise ValueError(f"einsum: equation {equation!r}: {name} has {ndim} axes, "
                         f"fewer than subscripts {sub!r}")
    return sub.replace("...", free[len(free) - n:] if n else "")


@functools.lru_cache(maxsize=256)
def plan(equation, a_shape, b_shape):
    """The matmul plan of `equation` for operands of these shapes: a dict
    of the permutations and shapes `einsum` and its backward use."""
    a, b, out = _parse(equation)
    used = set((a + b + out).replace(".", ""))
    free = "".join(c for c in string.ascii_letters if c not in used)
    a = _expand(a, len(a_shape), free, equation, "the first operand")
    b = _expand(b, len(b_shape), free, equation, "the second operand")
    if "..." in out:
        width = max(sum(c in free for c in a), sum(c in free for c in b))
        out = out.replace("...", free[len(free) - width:] if width else "")
    size = {}
    for sub, shape in ((a, a_shape), (b, b_shape)):
        for c, d in zip(sub, shape):
            if size.setdefault(c, d) != d:
                raise ValueError(f"einsum: equation {equation!r}: index {c!r} has "
                                 f"size {size[c]} in one operand and {d} in the other "
                                 f"(shapes {a_shape} and {b_shape})")
    for c in out:
        if c not in size:
            raise ValueError(f"einsum: equation {equation!r}: output index {c!r} is "
                             f"in neither operand")
    batch = [c for c in out if c in a and c in b]
    rows = [c for c in out if c in a and c not in b]
    cols = [c for c in out if c in b and c not in a]
    contracted = [c for c in a if c in b and c not in out]
    a_kept = [c for c in a if c in out or c in b]
    b_kept = [c for c in b if c in out or c in a]
    dims = lambda cs: tuple(size[c] for c in cs)             # noqa: E731
    prod = lambda cs: math.prod(dims(cs))                     # noqa: E731
    return {
        "a_sum": tuple(i for i, c in enumerate(a) if c not in a_kept),
        "b_sum": tuple(i for i, c in enumerate(b) if c not in b_kept),
        "a_perm": tuple(a_kept.index(c) for c in batch + rows + contracted),
        "b_perm": tuple(b_kept.index(c) for c in batch + contracted + cols),
        "a3": (prod(batch), prod(rows), prod(contracted)),
        "b3": (prod(batch), prod(contracted), prod(cols)),
        "product": dims(batch + rows + cols),
        "out_perm": tuple((batch + rows + cols).index(c) for c in out),
        "a_kept": dims(a_kept), "b_kept": dims(b_kept),
    }


def _inverse(perm):
    return tuple(np.argsort(perm))


def _to3(x, summed, perm, shape3):
    if summed:
        x = x.sum(axis=summed)
    return np.transpose(x, perm).reshape(shape3)


def _from3(x3, perm, kept_shape, summed, full_shape):
    """The gradient of an operand from that of its (batch, m, k) view."""
    permuted = tuple(kept_shape[i] for i in perm)
    g = np.transpose(x3.reshape(permuted), _inverse(perm))
    if summed:
        g = np.broadcast_to(np.expand_dims(g, summed), full_shape)
    return g


def einsum(equation, a, b, bias=None):
    """np.einsum(equation, a, b) for two operands with an explicit output
    ('...' allowed, no repeated index within an operand), differentiable
    in both, computed as one batched matrix product; `bias` (broadcasting
    to the output) is added in place, as EinsumDense adds its bias."""
    op = "einsum"
    if not isinstance(equation, str):
        raise TypeError(f"{op}: equation must be a string, got {equation!r}")
    a, b = float_input(a, op, "a"), float_input(b, op, "b")
    check_float(op, "b", b, a.dtype)
    p = plan(equation, a.shape, b.shape)
    ad, bd = a.data, b.data
    a3 = _to3(ad, p["a_sum"], p["a_perm"], p["a3"])
    b3 = _to3(bd, p["b_sum"], p["b_perm"], p["b3"])
    y = np.matmul(a3, b3).reshape(p["product"])
    if p["out_perm"] != tuple(range(len(p["out_perm"]))):
        y = np.ascontiguousarray(np.transpose(y, p["out_perm"]))
    inputs = (a, b)
    if bias is not None:
        bias = as_tensor(bias)
        check_float(op, "bias", bias, a.dtype)
        try:
            np.add(y, bias.data, out=y)
        except ValueError:
            raise ValueError(f"{op}: bias of shape {bias.shape} does not broadcast to "
                             f"the output of shape {y.shape}") from None
        inputs = (a, b, bias)

    def backward(g):
        g3 = np.transpose(g, _inverse(p["out_perm"])).reshape(
            (p["a3"][0], p["a3"][1], p["b3"][2]))
        ga = gb = None
        if a.requires_grad:
            ga = _from3(np.matmul(g3, b3.transpose(0, 2, 1)), p["a_perm"],
                        p["a_kept"], p["a_sum"], ad.shape)
        if b.requires_grad:
            gb = _from3(np.matmul(a3.transpose(0, 2, 1), g3), p["b_perm"],
                        p["b_kept"], p["b_sum"], bd.shape)
        if bias is None:
            return ga, gb
        return ga, gb, unbroadcast(g, bias.shape) if bias.requires_grad else None
    return output(y, inputs, backward)
