"""The shared argument checks of the kernel shims (fastgraph/_kernels/checks.pxd):
every shim rejects a bad array before C touches it, with a KernelArgumentError
naming the function, the argument and what was expected."""
import re

import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph._kernels.checks import KernelArgumentError

f32 = np.float32
ACT, NORM, EMB, POOL = load("activation"), load("norm"), load("embedding"), load("pool")
OPTIM, RNN, DROP, CONV = load("optim"), load("rnn"), load("dropout"), load("im2col")


def _strided(shape, dtype=f32):
    """A non-contiguous array of `shape` (every other element of the last axis)."""
    return np.zeros(shape[:-1] + (2 * shape[-1],), dtype)[..., ::2]


def _readonly(a):
    a.flags.writeable = False
    return a


TABLE, IDX = np.zeros((5, 3), f32), np.arange(4, dtype=np.int64)
X4, OUT4 = np.zeros((1, 4, 4, 2), f32), np.zeros((1, 2, 2, 2), f32)
POOLING = ((2, 2), (2, 2), (0, 0))
P = np.zeros((4, 3), f32)


def _simple_rnn(gates):
    n, t, u = (2, 3, 4) if gates.ndim != 3 else gates.shape
    return RNN.simple_rnn_forward(gates, None, np.zeros((u, u), f32), None,
                                  np.zeros((n, t, u), f32), np.zeros((n, u), f32),
                                  np.zeros((n, u), f32), None, None, False, False, 1)


CASES = [
    # (shim call, the expected message), for a wrong dtype, ndim, layout...
    (lambda: ACT.act_forward(ACT.RELU, np.ones((2, 3), np.int32), None, np.empty((2, 3))),
     "act_forward: x must be float32 or float64, got int32"),
    (lambda: ACT.act_forward(ACT.RELU, _strided((2, 3)), None, np.empty((2, 3), f32)),
     "act_forward: x must be C-contiguous"),
    (lambda: ACT.act_forward(ACT.RELU, np.ones((2, 3), f32), None, np.empty((2, 3))),
     "act_forward: out must have the dtype of x (float32), got float64"),
    (lambda: ACT.act_forward(ACT.RELU, np.ones((2, 3), f32), None,
                             _readonly(np.empty((2, 3), f32))),
     "act_forward: out must be writeable"),
    (lambda: NORM.bn_stats(np.ones(3, f32)),
     "norm.bn_stats: x must have 2 dimensions, got shape (3,)"),
    (lambda: NORM.bn_stats(_strided((4, 3))), "norm.bn_stats: x must be C-contiguous"),
    (lambda: NORM.bn_apply(np.ones((4, 3), f32), np.ones(3, f32), np.ones(3), np.ones(3, f32)),
     "norm.bn_apply: scale must be float32 of shape (3,), got float64 of shape (3,)"),
    (lambda: EMB.gather(TABLE.reshape(-1), IDX),
     "embedding.gather: table must have 2 dimensions, got shape (15,)"),
    (lambda: EMB.gather(TABLE, IDX.astype(np.int16)),
     "embedding.gather: idx must be int32 or int64, got int16"),
    (lambda: EMB.gather(TABLE, _strided((4,), np.int64)),
     "embedding.gather: idx must be C-contiguous"),
    (lambda: POOL.avg_pool_forward(X4[0], OUT4, *POOLING),
     "avg_pool_forward: x must have 4 dimensions, got shape (4, 4, 2)"),
    (lambda: POOL.max_pool_forward(X4, OUT4, np.zeros(OUT4.shape, np.int64), *POOLING),
     "max_pool_forward: argmax must be int32 of shape (1, 2, 2, 2), got int64"),
    (lambda: POOL.avg_pool_forward(X4, _strided(OUT4.shape), *POOLING),
     "avg_pool_forward: out must be C-contiguous"),
    (lambda: OPTIM.sgd(P.astype(np.float16), P, 0.1),
     "optim.sgd: 'param' must be float32 or float64, got float16"),
    (lambda: OPTIM.sgd(P, P.T.copy(), 0.1),
     "optim.sgd: 'grad' must have shape (4, 3), got (3, 4)"),
    (lambda: OPTIM.sgd(P.copy(), _strided((4, 3)), 0.1),
     "optim.sgd: 'grad' must be C-contiguous"),
    (lambda: _simple_rnn(np.zeros((2, 3), f32)),
     "simple_rnn_forward: gates must have 3 dimensions, got shape (2, 3)"),
    (lambda: _simple_rnn(np.zeros((2, 3, 4))),
     "simple_rnn_forward: U must have the dtype of gates (float64), got float32"),
    (lambda: DROP.backward(np.ones(3, f32), np.ones(3, np.int8), 2.0),
     "dropout.backward: mask must be uint8 of shape (3,), got int8 of shape (3,)"),
    (lambda: CONV.bias_act([[1.0]], None, False),
     "bias_act: y must be a numpy array, got list"),
]


@pytest.mark.parametrize("call,message", CASES, ids=[m.split(",")[0] for _, m in CASES])
def test_shim_rejects_bad_array_naming_function_argument_and_expectation(call, message):
    with pytest.raises(KernelArgumentError, match=re.escape(message)):
        call()


def test_kernel_argument_error_is_both_type_and_value_error():
    assert issubclass(KernelArgumentError, TypeError)
    assert issubclass(KernelArgumentError, ValueError)


def test_no_memory_is_touched_before_the_checks_pass():
    out = np.full((2, 3), 7.0, f32)
    with pytest.raises(KernelArgumentError):
        ACT.act_forward(ACT.RELU, np.ones((2, 3), f32), np.ones(4, f32), out)
    assert (out == 7.0).all()
