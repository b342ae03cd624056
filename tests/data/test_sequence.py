"""fastgraph.utils.Sequence: the Keras Sequence interface."""
import numpy as np
import pytest

from fastgraph.utils.sequence import Sequence


class Squares(Sequence):
    def __init__(self, n):
        self.n = n
        self.epochs = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full((2,), index * index), index

    def on_epoch_end(self):
        self.epochs += 1


class Minimal(Sequence):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return index


def test_len_getitem_and_iteration_in_order():
    seq = Squares(4)
    assert len(seq) == 4
    assert seq[3][1] == 3
    assert [i for _, i in seq] == [0, 1, 2, 3]
    assert [int(x[0]) for x, _ in iter(seq)] == [0, 1, 4, 9]


def test_on_epoch_end_default_does_nothing_and_can_be_overridden():
    assert Minimal().on_epoch_end() is None
    seq = Squares(1)
    seq.on_epoch_end()
    assert seq.epochs == 1


def test_subclass_must_define_len_and_getitem():
    class NoLen(Sequence):
        def __getitem__(self, index):
            return index

    with pytest.raises(TypeError, match="__len__"):
        NoLen()
    with pytest.raises(TypeError):
        Sequence()


def test_empty_sequence_iterates_nothing():
    class Empty(Sequence):
        def __len__(self):
            return 0

        def __getitem__(self, index):
            raise IndexError(index)

    assert list(Empty()) == []
