"""Row-sparse gradients on the tape: how they accumulate and how they leave it."""
import numpy as np
import pytest

from fastgraph import optimizers
from fastgraph.autodiff import RowSparseGradient, Variable, gradients
from fastgraph.autodiff.row_sparse import add_gradients
from fastgraph.ops.elementwise import multiply
from fastgraph.ops.embedding import embedding
from fastgraph.ops.reduce import sum as reduce_sum

ROWS, DIM = 8, 3


def _table():
    return Variable(np.arange(ROWS * DIM, dtype=np.float64).reshape(ROWS, DIM) / 7)


def _weights(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _mask(*indices):
    return np.isin(np.arange(ROWS), np.concatenate(indices)).astype(np.uint8)


def test_embedding_gradient_is_row_sparse_only_when_asked():
    table = _table()
    idx = np.array([1, 5, 5])
    loss = reduce_sum(multiply(embedding(idx, table), _weights((3, DIM), 0)))
    (g,) = gradients(loss, [table], row_sparse=True)
    assert isinstance(g, RowSparseGradient)
    np.testing.assert_array_equal(g.rows, _mask(idx))
    assert not g.dense.flags.writeable
    (plain,) = gradients(reduce_sum(multiply(embedding(idx, table), _weights((3, DIM), 0))),
                         [table])
    assert type(plain) is np.ndarray
    np.testing.assert_array_equal(plain, g.dense)


def test_shared_table_used_twice_sums_row_sparse_over_the_union():
    table = _table()
    a, b = np.array([0, 2, 2]), np.array([2, 6])
    wa, wb = _weights((3, DIM), 1), _weights((2, DIM), 2)
    loss = (reduce_sum(multiply(embedding(a, table), wa))
            + reduce_sum(multiply(embedding(b, table), wb)))
    (g,) = gradients(loss, [table], row_sparse=True)
    assert isinstance(g, RowSparseGradient)
    np.testing.assert_array_equal(g.rows, _mask(a, b))
    expect = np.zeros((ROWS, DIM))
    np.add.at(expect, a, wa)
    np.add.at(expect, b, wb)
    np.testing.assert_allclose(g.dense, expect)
    assert not g.dense.flags.writeable


def test_embedding_and_dense_use_of_one_table_give_a_dense_gradient():
    table = _table()
    idx = np.array([3, 4])
    w_idx, w_all = _weights((2, DIM), 3), _weights((ROWS, DIM), 4)
    for order in ("embedding first", "dense first"):
        gathered = reduce_sum(multiply(embedding(idx, table), w_idx))
        whole = reduce_sum(multiply(table, w_all))
        loss = gathered + whole if order == "embedding first" else whole + gathered
        (g,) = gradients(loss, [table], row_sparse=True)
        assert type(g) is np.ndarray, order
        expect = w_all.copy()
        np.add.at(expect, idx, w_idx)
        np.testing.assert_allclose(g, expect)


def test_row_sparse_gradient_flows_through_an_op_on_the_table():
    base = _table()
    table = multiply(base, 2.0)          # the table is an op's output, not a leaf
    idx = np.array([1, 1, 7])
    w = _weights((3, DIM), 5)
    (g,) = gradients(reduce_sum(multiply(embedding(idx, table), w)), [base],
                     row_sparse=True)
    expect = np.zeros((ROWS, DIM))
    np.add.at(expect, idx, 2.0 * w)
    np.testing.assert_allclose(g, expect)


def test_add_gradients():
    one = RowSparseGradient(np.ones((3, 2)), np.array([1, 0, 0], np.uint8))
    two = RowSparseGradient(np.full((3, 2), 2.0), np.array([0, 0, 1], np.uint8))
    both = add_gradients(one, two)
    assert isinstance(both, RowSparseGradient)
    np.testing.assert_array_equal(both.rows, [1, 0, 1])
    np.testing.assert_array_equal(both.dense, np.full((3, 2), 3.0))
    for mixed in (add_gradients(one, np.ones((3, 2))), add_gradients(np.ones((3, 2)), one)):
        assert type(mixed) is np.ndarray
        np.testing.assert_array_equal(mixed, np.full((3, 2), 2.0))


@pytest.mark.parametrize("make", [lambda: optimizers.Adam(0.01),
                                  lambda: optimizers.RMSprop(0.01, clipnorm=1e-3),
                                  lambda: optimizers.RMSprop(0.01, momentum=0.5),
                                  lambda: optimizers.SGD(0.1, clipvalue=0.2)])
def test_optimizers_without_a_row_rule_use_the_dense_array(make):
    rng = np.random.default_rng(6)
    dense = rng.standard_normal((ROWS, DIM)).astype(np.float32)
    rows = (rng.random(ROWS) < 0.5).astype(np.uint8)
    dense[rows == 0] = 0
    results = []
    for grad in (RowSparseGradient(dense.copy(), rows), dense.copy()):
        var = Variable(np.ones((ROWS, DIM), np.float32))
        opt = make()
        for _ in range(3):
            opt.apply_gradients([(grad, var)])
        results.append(var.data.tobytes())
    assert results[0] == results[1]
