"""group_norm: against a NumPy reference (with and without mask weights),
float64 gradient checks for x, gamma and beta, bad input."""
import numpy as np
import pytest

from fastgraph.autodiff import check_gradients
from fastgraph.ops.group_norm import group_norm


def _reference(x, gamma, beta, groups, axis, eps, mask=None):
    xm = np.moveaxis(x, axis, -1)
    g = xm.reshape(xm.shape[:-1] + (groups, -1))
    w = np.ones_like(g) if mask is None else np.moveaxis(
        np.broadcast_to(mask, x.shape), axis, -1).reshape(g.shape).astype(float)
    red = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = (w * g).sum(red, keepdims=True) / w.sum(red, keepdims=True)
    var = (w * (g - mean) ** 2).sum(red, keepdims=True) / w.sum(red, keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(xm.shape) * gamma + beta
    return np.moveaxis(y, -1, axis)


@pytest.mark.parametrize("shape, groups, axis", [((2, 3, 4, 6), 3, -1), ((2, 6, 3), 2, 1),
                                                 ((3, 4), 4, -1), ((2, 5, 4), 1, 2)])
@pytest.mark.parametrize("masked", [False, True])
def test_matches_reference_and_gradients(shape, groups, axis, masked):
    r = np.random.RandomState(0)
    x = r.randn(*shape)
    c = shape[axis]
    gamma, beta = r.randn(c), r.randn(c)
    mask = None
    if masked:
        mask = r.rand(*shape) > 0.3
        np.moveaxis(mask, axis, -1)[..., 0] = True
    y = group_norm(x, gamma, beta, groups, axis, 1e-3, mask)
    np.testing.assert_allclose(y.data, _reference(x, gamma, beta, groups, axis, 1e-3,
                                                  mask), rtol=1e-10, atol=1e-12)
    check_gradients(lambda a, g, b: group_norm(a, g, b, groups, axis, 1e-3, mask),
                    x, gamma, beta)
    check_gradients(lambda a: group_norm(a, None, None, groups, axis), x)


@pytest.mark.parametrize("kwargs, match", [
    ({"groups": 4}, "groups"), ({"groups": 0}, "groups"), ({"axis": 0}, "axis"),
    ({"axis": 3}, "axis"), ({"gamma": np.ones(5)}, "gamma must have shape"),
    ({"mask": np.ones((7,), bool)}, "mask of shape"),
])
def test_bad_input(kwargs, match):
    args = dict(x=np.ones((2, 3, 6)), gamma=None, beta=None, groups=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"group_norm: .*{match}"):
        group_norm(**args)
