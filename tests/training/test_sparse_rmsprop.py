"""Row-sparse Embedding gradients: RMSprop's row kernel equals the dense one bit for bit."""
import numpy as np
import pytest

from fastgraph import optimizers
from fastgraph.optimizers import rmsprop as rmsprop_module
from fastgraph._kernels import load
from fastgraph.autodiff import RowSparseGradient, Tensor, Variable, gradients
from fastgraph.ops import embedding as E
from fastgraph.ops.elementwise import multiply
from fastgraph.ops.reduce import sum as reduce_sum

_k = load("optim")


def _sparse_grad(rng, rows, cols, touched, dtype):
    g = np.zeros((rows, cols), dtype)
    g[touched] = rng.standard_normal((int(touched.sum()), cols)).astype(dtype)
    return g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows,cols", [(1, 1), (7, 13), (40, 64), (300, 257)])
@pytest.mark.parametrize("clip", [np.inf, 0.5])
def test_rows_kernel_matches_dense_kernel_bitwise(dtype, rows, cols, clip):
    rng = np.random.default_rng(rows * cols)
    touched = (rng.random(rows) < 0.4).astype(np.uint8)
    g = _sparse_grad(rng, rows, cols, touched.astype(bool), dtype)
    p = rng.standard_normal((rows, cols)).astype(dtype)
    ms = rng.random((rows, cols)).astype(dtype)
    p[0, 0], ms[-1, -1] = -0.0, 0.0
    p2, ms2 = p.copy(), ms.copy()
    for step in range(3):
        _k.rmsprop(p, g, ms, None, 0.01, 0.9, 1e-7, clip)
        _k.rmsprop_rows(p2, g, ms2, touched, 0.01, 0.9, 1e-7, clip)
    assert p.tobytes() == p2.tobytes() and ms.tobytes() == ms2.tobytes()


def test_rows_kernel_matches_dense_kernel_on_bad_state():
    """NaN or negative rms in untouched rows: the dense rule changes p there."""
    rng = np.random.default_rng(0)
    touched = np.array([1, 0, 0, 0], np.uint8)
    g = _sparse_grad(rng, 4, 9, touched.astype(bool), np.float32)
    p = rng.standard_normal((4, 9)).astype(np.float32)
    ms = rng.random((4, 9)).astype(np.float32)
    ms[1, 3], ms[2, 0] = np.nan, -1.0
    p2, ms2 = p.copy(), ms.copy()
    _k.rmsprop(p, g, ms, None, 0.01, 0.9, 1e-7)
    _k.rmsprop_rows(p2, g, ms2, touched, 0.01, 0.9, 1e-7)
    assert p.tobytes() == p2.tobytes() and ms.tobytes() == ms2.tobytes()
    assert np.isnan(p2[1]).any()


def test_rows_kernel_rejects_bad_arguments():
    p, g, ms = (np.zeros((3, 2), np.float32) for _ in range(3))
    with pytest.raises(ValueError, match="touched"):
        _k.rmsprop_rows(p, g, ms, np.zeros(2, np.uint8), 0.1, 0.9, 1e-7)
    with pytest.raises(ValueError, match="touched"):
        _k.rmsprop_rows(p, g, ms, np.zeros(3, np.int32), 0.1, 0.9, 1e-7)
    with pytest.raises(ValueError, match="param"):
        _k.rmsprop_rows(p.reshape(-1), g.reshape(-1), ms.reshape(-1),
                        np.zeros(3, np.uint8), 0.1, 0.9, 1e-7)
    with pytest.raises(ValueError, match="share memory"):
        _k.rmsprop_rows(p, g, p, np.zeros(3, np.uint8), 0.1, 0.9, 1e-7)


def test_embedding_gradient_is_marked_and_read_only():
    table = Variable(np.random.default_rng(1).standard_normal((10, 3)).astype(np.float32))
    idx = np.array([[1, 4, 4], [9, 1, 0]], np.int32)
    (grad,) = gradients(reduce_sum(E.embedding(idx, table)), [table], row_sparse=True)
    assert isinstance(grad, RowSparseGradient)
    mask = grad.rows
    np.testing.assert_array_equal(mask, np.isin(np.arange(10), idx).astype(np.uint8))
    assert not grad.dense[mask == 0].any()
    np.testing.assert_array_equal(grad.dense[4], [2, 2, 2])
    with pytest.raises(ValueError):
        grad.dense[0, 0] = 1.0
    (plain,) = gradients(reduce_sum(E.embedding(idx, table)), [table])
    assert type(plain) is np.ndarray    # no mask unless asked for
    np.testing.assert_array_equal(plain, grad.dense)


def test_shared_table_gradient_is_summed_dense():
    table = Variable(np.ones((6, 2), np.float32))
    y = reduce_sum(E.embedding(np.array([1, 2]), table)) + reduce_sum(
        E.embedding(np.array([2, 5]), table))
    (grad,) = gradients(y, [table])
    np.testing.assert_array_equal(grad[:, 0], [0, 1, 2, 0, 0, 1])


def _train(opt, steps, sparse, monkeypatch):
    calls = []

    class RowsSpy:
        def __getattr__(self, name):
            return getattr(_k, name)

        def rmsprop_rows(self, *args):
            calls.append(1)
            return _k.rmsprop_rows(*args)
    monkeypatch.setattr(rmsprop_module, "_k", RowsSpy())
    rng = np.random.default_rng(5)
    table = Variable(rng.standard_normal((50, 7)).astype(np.float32))
    w = Variable(rng.standard_normal((7,)).astype(np.float32))
    for step in range(steps):
        idx = rng.integers(0, 50, (4, 6)).astype(np.int32)
        target = Tensor(rng.standard_normal((4, 6, 7)).astype(np.float32))
        loss = reduce_sum(multiply(multiply(E.embedding(idx, table), w), target))
        grads = gradients(loss, [table, w], row_sparse=sparse)
        opt.apply_gradients(zip(grads, [table, w]))
    monkeypatch.undo()
    assert len(calls) == (steps if sparse else 0)  # the table's rows, every step
    return table.data, w.data, opt.get_weights()


@pytest.mark.parametrize("kwargs", [{}, {"clipvalue": 0.3}, {"rho": 0.5, "epsilon": 1e-3}])
def test_training_with_sparse_path_equals_dense_bitwise(kwargs, monkeypatch):
    sparse = _train(optimizers.RMSprop(0.01, **kwargs), 6, True, monkeypatch)
    dense = _train(optimizers.RMSprop(0.01, **kwargs), 6, False, monkeypatch)
    for a, b in zip(sparse[:2] + tuple(sparse[2]), dense[:2] + tuple(dense[2])):
        assert a.tobytes() == b.tobytes()
