"""Matrix products on the thread pool (fastgraph/ops/pool_matmul.py): NumPy's
results for every layout at two threads, the BLAS thread count restored,
dense's gradients, and the shim's argument checks."""
import numpy as np
import pytest

from fastgraph import _threads
from fastgraph._kernels import load
from fastgraph._kernels.checks import KernelArgumentError
from fastgraph.autodiff import check_gradients
from fastgraph.ops import pool_matmul
from fastgraph.ops.dense import dense

_k = load("im2col")


@pytest.fixture
def two_threads(monkeypatch):
    before = _threads.get_num_threads()
    monkeypatch.setattr(pool_matmul, "_MIN_MNK", 1)
    monkeypatch.setattr(pool_matmul, "_MIN_ROWS", 1)
    _threads.set_num_threads(2)
    yield
    _threads.set_num_threads(before["openmp"])
    if before["blas"] is not None:
        _threads._find_blas()["set"](before["blas"])


def _layouts(a):
    return [a, np.ascontiguousarray(a.T).T]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n", [(128, 78, 51), (9, 40, 300), (300, 5, 7), (1, 3, 1),
                                   (33, 1, 17), (1, 40, 300), (1, 300, 33)])
def test_matches_numpy_in_every_layout(two_threads, dtype, m, k, n):
    rng = np.random.RandomState(0)
    a = rng.uniform(-1, 1, (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, (k, n)).astype(dtype)
    want = a.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for x in _layouts(a):
        for y in _layouts(b):
            got = pool_matmul.matmul(x, y)
            assert got.dtype == dtype and got.flags.c_contiguous
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
            out = np.full((m, n), np.nan, dtype)
            assert pool_matmul.matmul(x, y, out=out) is out
            np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_single_row_by_a_large_matrix_on_the_pool(monkeypatch, dtype):
    """One sample's predict: the row-count gate lets a single row through
    (gemv per column block) when the matrix is large, and only then."""
    before = _threads.get_num_threads()
    calls = []
    real = _k.pool_gemm
    monkeypatch.setattr(pool_matmul._k, "pool_gemm",
                        lambda *a: calls.append(a[0].shape) or real(*a))
    monkeypatch.setattr(pool_matmul, "_MIN_GEMV", 40 * 300)
    _threads.set_num_threads(2)
    try:
        rng = np.random.RandomState(3)
        w = rng.uniform(-1, 1, (40, 300)).astype(dtype)
        for x in _layouts(rng.uniform(-1, 1, (1, 40)).astype(dtype)):
            # a sum's rounding scales with its terms, not with its result
            scale = (np.abs(x) @ np.abs(w)).max()
            np.testing.assert_allclose(pool_matmul.matmul(x, w), x @ w, rtol=1e-5,
                                       atol=1e-6 * scale)
        pool_matmul.matmul(np.ones((1, 40), dtype), w[:, :299])
        pool_matmul.matmul(np.ones((2, 40), dtype), w)
    finally:
        _threads.set_num_threads(before["openmp"])
        if before["blas"] is not None:
            _threads._find_blas()["set"](before["blas"])
    assert calls == [(1, 40), (1, 40)]


def test_blas_threads_restored(two_threads):
    a = np.ones((64, 64), np.float32)
    pool_matmul.matmul(a, a)
    if _threads.get_num_threads()["blas"] is not None:
        assert _threads.get_num_threads()["blas"] == 2


def test_dense_gradients_on_the_pool(two_threads):
    rng = np.random.RandomState(1)
    x, w, b = rng.uniform(-1, 1, (6, 5)), rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, 4)
    check_gradients(lambda x, w, b: dense(x, w, b, activation="tanh"), x, w, b)


def test_pool_gemm_checks_its_arguments():
    a = np.ones((4, 3), np.float32)
    b = np.ones((3, 2), np.float32)
    with pytest.raises(KernelArgumentError, match="B must be float32 or float64 like"):
        _k.pool_gemm(a, b.astype(np.float64), np.empty((4, 2), np.float32), 2, 2)
    with pytest.raises(KernelArgumentError, match="do not chain"):
        _k.pool_gemm(a, np.ones((2, 2), np.float32), np.empty((4, 2), np.float32), 2, 2)
    with pytest.raises(KernelArgumentError, match="C must"):
        _k.pool_gemm(a, b, np.empty((4, 3), np.float32), 2, 2)
    with pytest.raises(KernelArgumentError, match="unit stride"):
        _k.pool_gemm(np.ones((4, 6), np.float32)[::2, ::2], np.ones((3, 2), np.float32),
                     np.empty((2, 2), np.float32), 2, 2)
    with pytest.raises(KernelArgumentError, match="tasks and slots"):
        _k.pool_gemm(a, b, np.empty((4, 2), np.float32), 0, 2)


def test_other_layouts_and_dtypes_fall_back_to_numpy(two_threads):
    rng = np.random.RandomState(2)
    a = rng.uniform(-1, 1, (8, 12)).astype(np.float32)
    b = rng.uniform(-1, 1, (6, 5)).astype(np.float32)
    np.testing.assert_allclose(pool_matmul.matmul(a[::2, ::2], b), a[::2, ::2] @ b,
                               rtol=1e-6)
    out = np.empty((4, 5), np.float64)
    pool_matmul.matmul(a[::2, ::2], b, out=out)
    np.testing.assert_allclose(out, a[::2, ::2] @ b, rtol=1e-6)
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(pool_matmul.matmul(ints, ints.T), ints @ ints.T)
