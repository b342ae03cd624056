"""matmul, Keras dot and batch_dot: values, shapes (tf-keras's), gradients, errors."""
import string

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops import linalg as la

rng = np.random.RandomState(3)


def rand(*shape):
    return rng.randn(*shape)


MATMUL_SHAPES = [((2, 3), (3, 4)), ((1, 3), (3, 1)), ((4, 2, 3), (3, 5)),
                 ((2, 3), (4, 3, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((3,), (3, 2)),
                 ((2, 3), (3,)), ((4, 2, 3), (3,)), ((3,), (2, 3, 4)), ((3,), (3,))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_values_and_gradients(sa, sb):
    a, b = rand(*sa), rand(*sb)
    np.testing.assert_allclose(la.matmul(a, b).data, np.matmul(a, b))
    check_gradients(la.matmul, a, b)


def test_matmul_out_buffer_and_dtype():
    a = np.ones((2, 3), np.float32)
    buf = np.empty((2, 4), np.float32)
    y = la.matmul(a, np.ones((3, 4)), out=buf)
    assert y.data is buf and y.dtype == np.float32
    np.testing.assert_allclose(buf, 3.0)
    w = Variable(np.ones((3, 4), np.float32))
    (g,) = gradients(la.matmul(a, w), [w])
    assert g.dtype == np.float32


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"matmul: the last axis of a \(shape \(2, 3\)\) "
                                         r"must match .* \(shape \(4, 5\)\): 3 != 4"):
        la.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="matmul: batch axes"):
        la.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match="matmul: operands must have at least 1 axis"):
        la.matmul(np.ones(3), 2.0)


DOT_SHAPES = [((2, 3), (3, 4)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (3, 4, 5)),
              ((4,), (4, 3)), ((2, 4), (5, 4, 3)), ((1, 2, 3), (2, 3, 3, 2)), ((3, 4), (4,))]


@pytest.mark.parametrize("sx,sy", DOT_SHAPES)
def test_dot_is_np_dot(sx, sy):
    x, y = rand(*sx), rand(*sy)
    np.testing.assert_allclose(la.dot(x, y).data, np.dot(x, y), atol=1e-12)
    check_gradients(la.dot, x, y)


def test_dot_errors():
    with pytest.raises(ValueError, match=r"dot: the last axis of x \(shape \(2, 3\)\) "
                                         r"must match the second-to-last axis of y"):
        la.dot(np.ones((2, 3)), np.ones((2, 4, 5)))


def batch_dot_reference(x, y, a0, a1):
    """The tf-keras result, spelled with einsum."""
    letters = iter(string.ascii_letters)
    xs = [next(letters) for _ in range(x.ndim)]
    ys = [next(letters) for _ in range(y.ndim)]
    ys[0], ys[a1] = xs[0], xs[a0]
    out = [xs[0]] + [c for i, c in enumerate(xs) if i not in (0, a0)] + \
          [c for i, c in enumerate(ys) if i not in (0, a1)]
    r = np.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    return r.reshape(-1, 1) if r.ndim == 1 else r


# (x shape, y shape, axes, output shape given by tf_keras.backend.batch_dot)
BATCH_DOT = [
    ((32, 20, 1), (32, 30, 20), (1, 2), (32, 1, 30)),
    ((4, 5), (4, 5), None, (4, 1)),
    ((4, 5), (4, 5, 3), None, (4, 3)),
    ((4, 5, 3), (4, 3), None, (4, 5)),
    ((4, 5, 3), (4, 3, 2), None, (4, 5, 2)),
    ((3, 2, 3, 4), (3, 4, 5), None, (3, 2, 3, 5)),
    ((3, 2, 3, 4), (3, 5, 2), (1, 2), (3, 3, 4, 5)),
    ((3, 4, 5), (3, 4, 2, 6), 1, (3, 5, 2, 6)),
    ((2, 3, 4, 5), (2, 6, 5, 7), (3, 2), (2, 3, 4, 6, 7)),
    ((2, 3), (2, 4, 3), (1, 2), (2, 4)),
    ((2, 3), (2, 3), 1, (2, 1)),
    ((2, 3, 4), (2, 3), (1, 1), (2, 4)),
    ((1, 3, 4), (1, 4, 2, 2), (2, 1), (1, 3, 2, 2)),
    ((2, 3, 4), (2, 5, 4), (-1, -1), (2, 3, 5)),
]


@pytest.mark.parametrize("sx,sy,axes,want", BATCH_DOT)
def test_batch_dot_matches_tf_keras(sx, sy, axes, want):
    x, y = rand(*sx), rand(*sy)
    out = la.batch_dot(x, y, axes=axes)
    assert out.shape == want
    if axes is None:
        a = (len(sx) - 1, len(sy) - 1 if len(sy) == 2 else len(sy) - 2)
    else:
        a = (axes, axes) if isinstance(axes, int) else axes
    a = (a[0] % len(sx), a[1] % len(sy))
    np.testing.assert_allclose(out.data, batch_dot_reference(x, y, *a), atol=1e-12)


@pytest.mark.parametrize("sx,sy,axes,want", BATCH_DOT[1:])
def test_batch_dot_gradients(sx, sy, axes, want):
    check_gradients(lambda x, y: la.batch_dot(x, y, axes), rand(*sx), rand(*sy))


def test_batch_dot_errors():
    with pytest.raises(ValueError, match="batch_dot: inputs must have rank >= 2"):
        la.batch_dot(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="batch_dot: inputs have different batch sizes"):
        la.batch_dot(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"batch_dot: x.shape\[1\] != y.shape\[1\] \(3 != 4\)"):
        la.batch_dot(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="batch_dot: axes .* must name non-batch axes"):
        la.batch_dot(np.ones((2, 3)), np.ones((2, 3)), axes=0)
    with pytest.raises(ValueError, match="batch_dot: axes must be None, an int or a pair"):
        la.batch_dot(np.ones((2, 3)), np.ones((2, 3)), axes=[(1,), (1,)])


@pytest.mark.parametrize("op", [la.matmul, la.dot, la.batch_dot])
def test_float32_with_float64_array_stays_float32(op):
    x = Tensor(np.ones((2, 3, 3), np.float32))
    assert op(x, np.ones((2, 3, 3))).dtype == np.float32
    assert op(np.ones((2, 3, 3)), x).dtype == np.float32
