"""Embedding gather / scatter-add: C kernel vs NumPy, gradients, bad input."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients, no_grad
from fastgraph.ops.embedding import embedding, embedding_mask, float_ids
from fastgraph._kernels import load

_k = load("embedding")


@pytest.mark.parametrize("fdtype", [np.float32, np.float64])
@pytest.mark.parametrize("idtype", [np.int32, np.int64, np.uint8, np.int16, np.uint64])
def test_forward_matches_numpy(fdtype, idtype):
    rng = np.random.default_rng(0)
    table = rng.normal(size=(11, 7)).astype(fdtype)
    idx = rng.integers(0, 11, size=(3, 5)).astype(idtype)
    y = embedding(idx, table)
    assert y.shape == (3, 5, 7) and y.dtype == fdtype
    np.testing.assert_array_equal(y.data, table[idx])


def test_large_input_parallel_gather_and_scatter():
    rng = np.random.default_rng(1)
    table = Variable(rng.normal(size=(50, 300)).astype(np.float32))
    idx = rng.integers(0, 50, size=(40, 30))
    y = embedding(idx, table)
    np.testing.assert_array_equal(y.data, table.data[idx])
    g = rng.normal(size=y.shape).astype(np.float32)
    (gt,) = gradients(y, [table], grad_loss=g)
    expect = np.zeros((50, 300))
    np.add.at(expect, idx.reshape(-1), g.reshape(-1, 300).astype(np.float64))
    np.testing.assert_allclose(gt, expect, rtol=1e-5, atol=1e-5)
    (gt2,) = gradients(embedding(idx, table), [table], grad_loss=g)
    np.testing.assert_array_equal(gt, gt2)  # deterministic


@pytest.mark.parametrize("shape", [(1,), (1, 1), (2, 3), (4,), ()])
def test_gradient_wrt_table_with_repeats(shape):
    rng = np.random.default_rng(2)
    table = rng.normal(size=(5, 3))
    idx = rng.integers(0, 3, size=shape)  # few rows: indices repeat
    check_gradients(lambda t: embedding(idx, t), table)


def test_gradient_odd_sizes_all_rows_repeated():
    table = np.random.default_rng(3).normal(size=(3, 5))
    idx = np.array([[2, 2, 0], [2, 1, 2], [0, 0, 2]], dtype=np.int32)
    check_gradients(lambda t: embedding(idx, t), table)


def test_untouched_rows_get_zero_gradient():
    table = Variable(np.ones((6, 2), np.float32))
    (g,) = gradients(embedding(np.array([1, 1, 4]), table), [table])
    np.testing.assert_array_equal(g[:, 0], [0, 2, 0, 0, 1, 0])


def test_empty_indices_and_zero_width_table():
    y = embedding(np.zeros((0, 4), np.int64), np.ones((3, 2), np.float32))
    assert y.shape == (0, 4, 2)
    table = Variable(np.ones((3, 0), np.float32))
    y = embedding(np.array([[0, 2]]), table)
    assert y.shape == (1, 2, 0) and gradients(y, [table])[0].shape == (3, 0)


def test_no_grad_and_non_contiguous_inputs():
    table = np.arange(40, dtype=np.float32).reshape(8, 5)
    idx = np.array([[1, 7, 3, 0], [2, 2, 6, 5]])[:, ::2]
    with no_grad():
        y = embedding(idx, table[:, ::2])
    np.testing.assert_array_equal(y.data, table[:, ::2][idx])


def test_mask():
    m = embedding_mask(np.array([[0, 3, 0], [1, 0, 2]], np.int32))
    assert m.dtype == np.bool_ and not m.requires_grad
    np.testing.assert_array_equal(m.data, [[False, True, False], [True, False, True]])


def test_float_indices_rejected():
    with pytest.raises(TypeError, match="indices must have an integer dtype.*float32"):
        embedding(np.array([[1.0, 2.0]], np.float32), np.ones((3, 2), np.float32))
    with pytest.raises(TypeError, match="embedding_mask: indices"):
        embedding_mask(np.array([1.0]))


@pytest.mark.parametrize("bad, pos", [(5, (1, 0)), (-1, (1, 0)), (2 ** 40, (1, 0))])
def test_out_of_range_index(bad, pos):
    idx = np.array([[0, 1], [bad, 2]], dtype=np.int64)
    with pytest.raises(IndexError) as err:
        embedding(idx, np.ones((5, 2), np.float32))
    msg = str(err.value)
    assert f"index {bad}" in msg and str(pos) in msg and "5 rows" in msg


def test_out_of_range_unsigned_reports_original_value():
    idx = np.array([3, 2 ** 64 - 1], dtype=np.uint64)
    with pytest.raises(IndexError, match=f"index {2 ** 64 - 1} at position \\(1,\\)"):
        embedding(idx, np.ones((5, 2), np.float32))


def test_bad_table():
    with pytest.raises(ValueError, match="table must have rank 2.*\\(5,\\)"):
        embedding(np.array([0]), np.ones(5, np.float32))
    with pytest.raises(TypeError, match="table must be float32 or float64, got int64"):
        embedding(np.array([0]), np.ones((5, 2), np.int64))


def test_kernel_shim_rejects_bad_arrays():
    table = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match="idx must be C-contiguous"):
        _k.gather(table, np.arange(4, dtype=np.int64)[::2])
    with pytest.raises(TypeError, match="idx must be int32 or int64"):
        _k.gather(table, np.arange(2, dtype=np.int16))
    with pytest.raises(ValueError, match="table must have 2 dimension"):
        _k.gather(table.reshape(-1), np.arange(2, dtype=np.int64))
    with pytest.raises(ValueError, match="g must be float32 of shape \\(2, 3\\)"):
        _k.scatter_add(np.ones((2, 4), np.float32), np.arange(2, dtype=np.int64), table)
    assert _k.check(np.array([0, 3, 4, -1], np.int32), 4) == 2


def test_float_ids_are_whole_numbers_in_range():
    """Issue 17, item 10: float ids become integers in one vectorised pass;
    fractional, non-finite and out-of-range values are refused by position."""
    ids = float_ids(np.array([[0.0, 3.0], [9.0, 1.0]], np.float32), 10, "op")
    assert ids.dtype == np.int32 and ids.tolist() == [[0, 3], [9, 1]]
    for bad, error, message in [(2.5, ValueError, r"index 2\.5 at position \(1, 0\).*whole"),
                                (np.nan, ValueError, "nan .*whole"),
                                (3e9, IndexError, "index 3000000000 "),
                                (-3e9, IndexError, "index -3000000000 ")]:
        with pytest.raises(error, match=message):
            float_ids(np.array([[0.0, 3.0], [bad, 1.0]]), 10, "op")
    table = np.ones((10, 2), np.float32)
    for bad in (10.0, -1.0):
        ids = float_ids(np.array([[0.0, bad]]), 10, "op")
        with pytest.raises(IndexError, match=rf"index {bad:.0f} at position \(0, 1\)"):
            embedding(ids, table)
