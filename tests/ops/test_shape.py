"""Shape ops: values against NumPy, gradients, dtypes, validation messages."""
import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops import shape as sh

rng = np.random.RandomState(2)


def rand(*shape):
    return rng.randn(*shape)


def test_reshape():
    x = rand(2, 3, 4)
    for s in [(6, 4), (-1,), (4, -1, 2), [2, 12], np.array([3, 8]), (1, 24)]:
        np.testing.assert_array_equal(sh.reshape(x, s).data, x.reshape(tuple(np.ravel(s))))
        check_gradients(lambda t: sh.reshape(t, s), x)
    assert sh.reshape(x, (np.int32(6), 4)).shape == (6, 4)
    assert sh.reshape(x, Tensor(np.array([24]))).shape == (24,)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape .*\(2, 3, 4\).*\(5, -1\)"):
        sh.reshape(x, (5, -1))
    with pytest.raises(TypeError, match="reshape: shape must be integers"):
        sh.reshape(x, (2.5, 4))


def test_flatten_keeps_batch_axis():
    x = rand(3, 2, 5)
    y = sh.flatten(x)
    assert y.shape == (3, 10)
    check_gradients(sh.flatten, rand(1, 3, 3))
    assert sh.flatten(np.ones((0, 4, 2))).shape == (0, 8)
    with pytest.raises(ValueError, match="flatten: x must have a batch axis"):
        sh.flatten(np.float32(1.0))


def test_expand_dims_and_squeeze():
    x = rand(2, 3)
    assert sh.expand_dims(x, 0).shape == (1, 2, 3)
    assert sh.expand_dims(x).shape == (2, 3, 1)
    assert sh.expand_dims(x, -2).shape == (2, 1, 3)
    check_gradients(lambda t: sh.expand_dims(t, 1), x)
    y = rand(1, 3, 1)
    assert sh.squeeze(y).shape == (3,)
    assert sh.squeeze(y, -1).shape == (1, 3)
    check_gradients(lambda t: sh.squeeze(t, 0), y)
    with pytest.raises(ValueError, match=r"squeeze: axis 1 .* length 3, expected 1"):
        sh.squeeze(y, 1)
    with pytest.raises(ValueError, match="expand_dims: axis=3 is out of range"):
        sh.expand_dims(x, 3)


def test_transpose():
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(sh.transpose(x).data, x.T)
    np.testing.assert_array_equal(sh.transpose(x, (1, 0, 2)).data, x.transpose(1, 0, 2))
    np.testing.assert_array_equal(sh.permute_dimensions(x, [2, 0, 1]).data,
                                  x.transpose(2, 0, 1))
    check_gradients(lambda t: sh.transpose(t, (2, 0, 1)), x)
    check_gradients(sh.transpose, rand(1, 5))
    with pytest.raises(ValueError, match=r"transpose: perm \(0, 0, 1\) is not a permutation"):
        sh.transpose(x, (0, 0, 1))
    with pytest.raises(ValueError, match="transpose: perm"):
        sh.transpose(x, (0, 1))


def test_concatenate():
    a, b, c = rand(2, 3), rand(2, 1), rand(2, 4)
    np.testing.assert_array_equal(sh.concatenate([a, b, c]).data,
                                  np.concatenate([a, b, c], axis=-1))
    check_gradients(lambda *t: sh.concatenate(list(t), axis=1), a, b, c)
    check_gradients(lambda *t: sh.concatenate(t, axis=0), rand(1, 3), rand(2, 3))
    with pytest.raises(ValueError, match=r"concatenate: tensors\[1\] has shape \(3, 1\).*"
                                         r"tensors\[0\] of shape \(2, 3\)"):
        sh.concatenate([a, rand(3, 1)], axis=1)
    with pytest.raises(ValueError, match="concatenate: axis=2 is out of range"):
        sh.concatenate([a, a], axis=2)
    with pytest.raises(ValueError, match="concatenate: tensors is an empty list"):
        sh.concatenate([])
    with pytest.raises(TypeError, match="concatenate: tensors must be a list"):
        sh.concatenate(np.ones((2, 2)))


def test_stack():
    a, b = rand(2, 3), rand(2, 3)
    for axis in (0, 1, 2, -1):
        np.testing.assert_array_equal(sh.stack([a, b], axis).data, np.stack([a, b], axis))
        check_gradients(lambda *t: sh.stack(t, axis=axis), a, b)
    with pytest.raises(ValueError, match=r"stack: tensors\[1\] has shape \(3,\)"):
        sh.stack([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="stack: axis=3 is out of range"):
        sh.stack([a, b], axis=3)


def test_join_keeps_float32():
    f = Tensor(np.ones((2, 2), np.float32))
    assert sh.concatenate([f, np.zeros((2, 1))]).dtype == np.float32
    assert sh.stack([np.zeros((2, 2)), f]).dtype == np.float32


def test_split():
    x = rand(4, 6)
    parts = sh.split(x, 3, axis=1)
    assert [p.shape for p in parts] == [(4, 2)] * 3
    np.testing.assert_array_equal(parts[1].data, x[:, 2:4])
    check_gradients(lambda t: sh.concatenate(sh.split(t, [1, 3], axis=0)[::-1], 0), x)
    with pytest.raises(ValueError, match="split: axis 1 of length 6 .* 4 equal parts"):
        sh.split(x, 4, axis=1)
    with pytest.raises(ValueError, match=r"split: sizes \[1, 2\] must .* sum to 4"):
        sh.split(x, [1, 2])


INDICES = [
    1, -1, slice(1, None), (slice(None), 2), (Ellipsis, 0), (None, 1),
    (slice(None, None, -1), slice(0, 3, 2)),
    np.array([0, 2, 2]), [1, 0], (slice(None), np.array([1, 1, 3])),
    np.array([True, False, True]), (np.array([0, 2]), np.array([3, 0])),
    (np.array([[0], [2]]), slice(1, 3)),
]


@pytest.mark.parametrize("index", INDICES, ids=range(len(INDICES)))
def test_getitem(index):
    x = rand(3, 4)
    np.testing.assert_array_equal(sh.getitem(x, index).data, x[index])
    check_gradients(lambda t: sh.getitem(t, index), x)


def test_getitem_repeated_indices_accumulate_and_tensor_index():
    x = Variable(np.arange(4.0))
    (g,) = gradients(sh.getitem(x, np.array([1, 1, 3, 1])), [x])
    np.testing.assert_array_equal(g, [0, 3, 0, 1])
    assert sh.getitem(x, Tensor(np.array([0, 2]))).shape == (2,)
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*shape \(4,\)"):
        sh.getitem(x, 7)


def test_gather():
    x = rand(5, 3)
    idx = np.array([[4, 0], [0, 2]])
    np.testing.assert_array_equal(sh.gather(x, idx).data, x[idx])
    np.testing.assert_array_equal(sh.gather(x, [2, 1], axis=1).data, x[:, [2, 1]])
    check_gradients(lambda t: sh.gather(t, idx), x)
    check_gradients(lambda t: sh.gather(t, np.array([1, 1, 0]), axis=1), rand(1, 2, 3))
    with pytest.raises(IndexError, match=r"gather: index 5 is out of range for axis 0 "
                                         r"of length 5.*\[0, 5\)"):
        sh.gather(x, [1, 5])
    with pytest.raises(IndexError, match="gather: index -1"):
        sh.gather(x, [-1])
    with pytest.raises(TypeError, match="gather: indices must be integers"):
        sh.gather(x, [0.5])


def test_tile():
    x = rand(2, 3)
    for n in ([2, 1], (1, 3), [2, 2, 2], 3, [0, 1]):
        np.testing.assert_array_equal(sh.tile(x, n).data, np.tile(x, n))
        check_gradients(lambda t: sh.tile(t, n), x)
    with pytest.raises(ValueError, match="tile: n must be non-negative"):
        sh.tile(x, [-1, 1])


def test_repeat_and_repeat_vector():
    x = rand(2, 3)
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(sh.repeat(x, 3, axis).data, np.repeat(x, 3, axis))
        check_gradients(lambda t: sh.repeat(t, 2, axis), x)
    y = sh.repeat_vector(x, 4)
    assert y.shape == (2, 4, 3)
    np.testing.assert_array_equal(y.data[:, 2], x)
    check_gradients(lambda t: sh.repeat_vector(t, 3), rand(1, 5))
    with pytest.raises(ValueError, match="repeat: repeats must be a non-negative"):
        sh.repeat(x, -1, 0)
    with pytest.raises(ValueError, match=r"repeat_vector: x must have shape \(batch, dim\)"):
        sh.repeat_vector(rand(2, 3, 4), 2)


def test_pad():
    x = rand(1, 2, 3, 2)
    widths = ((0, 0), (1, 2), (2, 1), (0, 0))
    np.testing.assert_array_equal(sh.pad(x, widths).data, np.pad(x, widths))
    np.testing.assert_array_equal(sh.pad(x, 1, value=-1.0).data,
                                  np.pad(x, 1, constant_values=-1.0))
    check_gradients(lambda t: sh.pad(t, widths), x)
    assert sh.pad(np.ones((2, 2), np.float32), 1).dtype == np.float32
    with pytest.raises(ValueError, match="pad: pad_width must be non-negative"):
        sh.pad(x, -1)
    with pytest.raises(ValueError, match="pad: pad_width .* each of the 4 axes"):
        sh.pad(x, ((1, 1), (1, 1), (1, 1)))


@pytest.mark.parametrize("fn", [
    lambda t: sh.reshape(t, (-1,)), sh.flatten, lambda t: sh.transpose(t),
    lambda t: sh.getitem(t, (slice(None), [0, 1])), lambda t: sh.gather(t, [0]),
    lambda t: sh.tile(t, 2), lambda t: sh.repeat(t, 2, 0), lambda t: sh.pad(t, 1),
    lambda t: sh.expand_dims(t, 0), lambda t: sh.concatenate([t, t]),
    lambda t: sh.stack([t, t])])
def test_float32_gradients_stay_float32(fn):
    x = Variable(np.ones((2, 3), np.float32))
    y = fn(x)
    assert y.dtype == np.float32
    (g,) = gradients(y, [x])
    assert g.dtype == np.float32
