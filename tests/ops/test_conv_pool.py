"""The convolutions on the thread pool (fastgraph/ops/conv_pool.py, csrc/fg_pool.h):
the same results as one thread, float64 gradients against finite
differences, deterministic, and safe from several Python threads at once."""
import threading

import numpy as np
import pytest

import fastgraph.ops.conv_pool as conv_pool
from fastgraph import _threads
from fastgraph._kernels import load
from fastgraph._kernels.checks import KernelArgumentError
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops.conv import conv1d, conv2d, conv3d

_k = load("im2col")

# (x shape, kernel shape, keyword arguments): the im2col path (few
# channels, strides, dilation), pointwise 1x1, and Winograd 3x3 (F(4x4) on
# these output sizes) and 5x5.
CASES = [
    ((3, 9, 8, 5), (3, 3, 5, 7), {"padding": "same"}),
    ((5, 11, 9, 4), (3, 2, 4, 6), {"strides": (2, 1), "activation": "relu"}),
    ((2, 9, 9, 2), (3, 3, 2, 3), {"dilation_rate": (2, 2)}),
    ((3, 6, 7, 3), (1, 1, 3, 16), {"padding": "same", "activation": "relu"}),
    ((3, 8, 7, 16), (3, 3, 16, 17), {"padding": "same", "activation": "relu"}),
    ((2, 9, 8, 16), (5, 5, 16, 16), {"padding": "same"}),
    ((2, 9, 8, 16), (3, 3, 16, 18), {"padding": "valid"}),
]


@pytest.fixture
def threads():
    """Run at the given thread count, restoring the previous one after."""
    before = _threads.get_num_threads()
    yield _threads.set_num_threads
    _threads.set_num_threads(before["openmp"])
    if before["blas"] is not None:
        _threads._find_blas()["set"](before["blas"])


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few rows / tiles, so that every task loops over several."""
    monkeypatch.setattr(conv_pool, "CHUNK_BYTES", 256)


def _run(x, k, b, kwargs):
    xv, kv, bv = Variable(x), Variable(k), Variable(b)
    y = conv2d(xv, kv, bv, **kwargs)
    g = np.random.RandomState(3).uniform(-1, 1, y.shape).astype(x.dtype)
    return [np.asarray(y.data)] + [np.asarray(d) for d in gradients(y, [xv, kv, bv],
                                                                  grad_loss=g)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ks,kwargs", CASES)
def test_two_threads_match_one(threads, small_chunks, dtype, xs, ks, kwargs):
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, xs).astype(dtype)
    k = rng.uniform(-1, 1, ks).astype(dtype)
    b = rng.uniform(-1, 1, ks[-1:]).astype(dtype)
    threads(1)
    one = _run(x, k, b, kwargs)
    threads(2)
    two = _run(x, k, b, kwargs)
    again = _run(x, k, b, kwargs)
    tol = 2e-4 if dtype == np.float32 else 1e-12   # 5x5 Winograd: 6th digit
    for a, c, d in zip(one, two, again):
        np.testing.assert_allclose(c, a, rtol=tol, atol=tol)
        np.testing.assert_array_equal(c, d)   # deterministic at a thread count


@pytest.mark.parametrize("xs,ks,kwargs", CASES)
def test_pool_gradients(threads, small_chunks, xs, ks, kwargs):
    threads(2)
    rng = np.random.RandomState(2)
    x, k = rng.uniform(-1, 1, xs), rng.uniform(-1, 1, ks)
    b = rng.uniform(-1, 1, ks[-1:])
    check_gradients(lambda x, k, b: conv2d(x, k, b, **kwargs), x, k, b)


def test_pool_serves_conv1d_and_conv3d(threads, small_chunks):
    threads(2)
    rng = np.random.RandomState(4)
    check_gradients(lambda x, k: conv1d(x, k, padding="causal"),
                    rng.uniform(-1, 1, (3, 7, 2)), rng.uniform(-1, 1, (3, 2, 4)))
    check_gradients(lambda x, k: conv3d(x, k, strides=(1, 2, 1)),
                    rng.uniform(-1, 1, (2, 4, 5, 4, 2)), rng.uniform(-1, 1, (2, 2, 2, 2, 3)))


@pytest.mark.parametrize("xs,ks,kwargs", [CASES[1], CASES[3], CASES[4]])
def test_pool_computes_only_the_gradients_asked_for(threads, xs, ks, kwargs):
    threads(2)
    rng = np.random.RandomState(5)
    arrays = [rng.uniform(-1, 1, xs), rng.uniform(-1, 1, ks)]
    both = _run(arrays[0], arrays[1], np.zeros(ks[-1]), kwargs)[1:3]
    for i in (0, 1):     # only x, then only the kernel, is a Variable
        args = [Variable(a) if j == i else Tensor(a) for j, a in enumerate(arrays)]
        y = conv2d(*args, np.zeros(ks[-1]), **kwargs)
        g = np.random.RandomState(3).uniform(-1, 1, y.shape)
        (alone,) = gradients(y, [args[i]], grad_loss=g)
        np.testing.assert_allclose(alone, both[i], atol=1e-12)


def test_python_threads_share_the_pool(threads):
    """A second caller while a job runs does its tasks itself: right answers."""
    threads(2)
    rng = np.random.RandomState(6)
    xs = [rng.uniform(-1, 1, (4, 12, 12, 16)).astype(np.float32) for _ in range(4)]
    k = rng.uniform(-1, 1, (3, 3, 16, 16)).astype(np.float32)
    expected = [np.asarray(conv2d(x, k, padding="same").data) for x in xs]
    wrong = []

    def work(i):
        _threads.sync_thread()
        for _ in range(20):
            got = np.asarray(conv2d(xs[i], k, padding="same").data)
            if not np.allclose(got, expected[i], rtol=1e-5, atol=1e-5):
                wrong.append(i)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not wrong


def test_pool_kernels_check_their_arguments():
    x = np.zeros((1, 4, 4, 2), np.float32)
    k2 = np.zeros((18, 3), np.float32)
    y = np.zeros((16, 3), np.float32)
    geom = ((3, 3), (1, 1), (1, 1), (1, 1), (4, 4))
    with pytest.raises(KernelArgumentError, match="scratch"):
        _k.conv_forward_par(x, k2, None, False, y, *geom, False, 4,
                            np.zeros(5, np.float32), 2)
    with pytest.raises(KernelArgumentError, match="y must"):
        _k.conv_forward_par(x, k2, None, False, y[:3], *geom, False, 4,
                            np.zeros(10 ** 4, np.float32), 2)
    with pytest.raises(KernelArgumentError, match="slots, step and per_task"):
        _k.conv_forward_par(x, k2, None, False, y, *geom, False, 0,
                            np.zeros(10 ** 4, np.float32), 2)
    with pytest.raises(KernelArgumentError, match="u must"):
        _k.wino_forward_par(x, np.zeros((16, 2, 4), np.float32), None, False,
                            np.zeros((1, 4, 4, 3), np.float32), 2, 3, (1, 1), 1,
                            (np.zeros(10 ** 4, np.float32), 64, np.zeros(10 ** 4, np.float32),
                             64), 2)


def test_chunk_size_does_not_change_results(threads, monkeypatch):
    threads(2)
    rng = np.random.RandomState(7)
    x = rng.uniform(-1, 1, (3, 10, 9, 16))
    k = rng.uniform(-1, 1, (3, 3, 16, 8))
    big = _run(x, k, np.zeros(8), {"padding": "same"})
    monkeypatch.setattr(conv_pool, "CHUNK_BYTES", 64)
    small = _run(x, k, np.zeros(8), {"padding": "same"})
    for a, b in zip(big, small):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
