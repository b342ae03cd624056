"""RowSparseGradient: a gradient known to be zero outside some rows.

An op whose gradient for an input touches only some of its rows (the
embedding lookup, for its table) may return it as a RowSparseGradient, as
tf-keras returns IndexedSlices.  The tape sums such gradients row-sparse;
`gradients(..., row_sparse=True)` hands them on, so that an optimizer can
update those rows alone; every other consumer sees the dense array.
"""


class RowSparseGradient:
    """The dense gradient `dense` with `rows`, a uint8 mask with one entry
    per row of `dense`, nonzero where the gradient may be nonzero.

    `dense` is made read-only: writing to it could make `rows` a lie.
    """

    __slots__ = ("dense", "rows")

    def __init__(self, dense, rows):
        dense.flags.writeable = False
        self.dense = dense
        self.rows = rows

    @property
    def shape(self):
        return self.dense.shape

    @property
    def dtype(self):
        return self.dense.dtype

    def __repr__(self):
        return (f"<RowSparseGradient shape={self.dense.shape} dtype={self.dense.dtype} "
                f"rows={int(self.rows.astype(bool).sum())}>")


def add_gradients(a, b):
    """a + b for two gradients of one tensor: two row-sparse ones give a
    row-sparse sum over the union of their rows; any dense one, a dense sum."""
    sparse_a, sparse_b = type(a) is RowSparseGradient, type(b) is RowSparseGradient
    if sparse_a and sparse_b:
        return RowSparseGradient(a.dense + b.dense, a.rows | b.rows)
    return (a.dense if sparse_a else a) + (b.dense if sparse_b else b)
