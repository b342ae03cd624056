"""local_conv (unshared-weight convolution): a direct NumPy reference,
gradient checks in float64, chunking, bad input."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv_local import local_conv


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


def ref_local(x, k, ksize, strides, pads, out):
    """Output position p = the zero-padded patch at p times k[p]."""
    n = x.shape[0]
    xp = np.pad(x, ((0, 0),) + tuple((p, s) for p, s in zip(pads, ksize)) + ((0, 0),))
    ys = []
    for p, pos in enumerate(np.ndindex(*out)):
        window = tuple(slice(i * s, i * s + w) for i, s, w in zip(pos, strides, ksize))
        ys.append(xp[(slice(None),) + window].reshape(n, -1) @ k[p])
    return np.stack(ys, 1).reshape((n,) + tuple(out) + (-1,))


CASES = [  # x shape, kernel_size, strides, pads, output size, filters
    ((3, 7, 6, 2), (3, 2), (2, 1), None, (3, 5), 4),
    ((2, 9, 3), (3,), (2,), None, (4,), 2),
    ((2, 7, 6, 2), (3, 2), (2, 1), (1, 1), (4, 6), 3),
    ((2, 5, 4), (2,), (1,), (1,), (5,), 3),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ksize,strides,pads,out,f", CASES)
def test_matches_reference_and_gradients(xs, ksize, strides, pads, out, f, dtype):
    x = _rand(0, xs, dtype)
    k = _rand(1, (int(np.prod(out)), int(np.prod(ksize)) * xs[-1], f), dtype)
    y = local_conv(x, k, ksize, strides, pads, None if pads is None else out)
    assert y.dtype == dtype and y.shape == (xs[0],) + out + (f,)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, ref_local(x, k, ksize, strides, pads or (0,) * len(out),
                                                 out), rtol=tol, atol=tol)
    if dtype == np.float64:
        check_gradients(lambda x, k: local_conv(x, k, ksize, strides, pads,
                                                None if pads is None else out), x, k)


def test_one_image_per_chunk(monkeypatch):
    import fastgraph.ops.conv as conv
    x, k = Variable(_rand(2, (3, 6, 5, 2))), Variable(_rand(3, (12, 8, 3)))
    g = _rand(4, (3, 3, 4, 3))
    y = local_conv(x, k, (2, 2), (2, 1))
    want = [y.data] + gradients(y, [x, k], grad_loss=g)
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    y = local_conv(x, k, (2, 2), (2, 1))
    for a, w in zip([y.data] + gradients(y, [x, k], grad_loss=g), want):
        np.testing.assert_allclose(a, w, atol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: local_conv(np.zeros((2, 4), np.float32), np.zeros((2, 2, 1), np.float32), 2),
     "local_conv: x must have rank 3"),
    (lambda: local_conv(np.zeros((2, 4, 3), np.float32), np.zeros((3, 5, 2), np.float32), 2),
     r"local_conv: kernel must have shape \(3, 6, filters\)"),
    (lambda: local_conv(np.zeros((2, 2, 3), np.float32), np.zeros((1, 9, 2), np.float32), 3),
     "leave no output"),
    (lambda: local_conv(np.zeros((2, 4, 3), np.float32), np.zeros((3, 6, 2), np.float64), 2),
     "kernel dtype float64 differs"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
