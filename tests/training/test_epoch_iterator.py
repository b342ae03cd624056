"""EpochIterator: the batches fit/evaluate/predict get from arrays, a
Sequence or a generator, epoch by epoch (steps, wrapping, shuffling, the
data queue's workers), and the count arguments every entry point checks
alike."""
import warnings

import numpy as np
import pytest

from fastgraph.layers import Dense, Input
from fastgraph.models import Model
from fastgraph.ops.random import set_seed
from fastgraph.training import EpochIterator
from fastgraph.utils.sequence import Sequence
from ..data.queue_testlib import MODE_IDS, MODES, deadline, leaves_nothing_behind

N = 10


def arrays(n=N):
    """(inputs, targets, sample weights) whose values are the sample ids."""
    ids = np.arange(n, dtype=np.float32)
    return [ids[:, None]], [ids[:, None] * 2], [None]


def ids(batch):
    return batch[0][0][:, 0].astype(int).tolist()


def epoch_ids(iterator, epoch=0):
    return [ids(b) for b in iterator.epoch(epoch)]


def as_lists(x, y, sample_weight):
    """A stand-in for the model's checks: each part as a list of arrays."""
    return [np.asarray(x)], [np.asarray(y)], [None if sample_weight is None
                                               else np.asarray(sample_weight)]


class Numbered(Sequence):
    """Batch i holds the samples 3i, 3i+1, 3i+2; records on_epoch_end."""

    def __init__(self, n=4):
        self.n, self.ends = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = np.arange(3 * i, 3 * i + 3, dtype=np.float32)[:, None]
        return x, 2 * x

    def on_epoch_end(self):
        self.ends += 1


def numbered():
    start = 0
    while True:
        x = np.arange(start, start + 2, dtype=np.float32)[:, None]
        start += 2
        yield x, 2 * x


# --- arrays ----------------------------------------------------------------

def test_arrays_one_pass_in_batches_of_batch_size():
    it = EpochIterator(arrays(), batch_size=4)
    assert (it.batch_size, it.steps_per_epoch, it.num_samples) == (4, 3, N)
    for epoch in range(2):
        batches = list(it.epoch(epoch))
        assert [ids(b) for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    _, ys, sws = batches[1]
    np.testing.assert_array_equal(ys[0][:, 0], [8, 10, 12, 14])
    assert sws == [None]
    it = EpochIterator(arrays())
    assert (it.batch_size, it.steps_per_epoch) == (32, 1)


def test_arrays_batches_are_views_when_not_shuffled():
    data = arrays()
    first = next(EpochIterator(data, batch_size=4).epoch())
    assert np.shares_memory(first[0][0], data[0][0])


def test_steps_per_epoch_sets_the_default_batch_size():
    it = EpochIterator(arrays(), steps_per_epoch=5)
    assert (it.batch_size, it.steps_per_epoch, it.num_samples) == (2, 5, None)
    assert epoch_ids(it) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]


def test_steps_per_epoch_wraps_and_resume_runs_on():
    restart = EpochIterator(arrays(), batch_size=4, steps_per_epoch=4)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]]
    assert epoch_ids(restart, 0) == expected and epoch_ids(restart, 1) == expected
    resume = EpochIterator(arrays(), batch_size=4, steps_per_epoch=2, resume=True)
    assert [epoch_ids(resume, e) for e in range(3)] == [
        [[0, 1, 2, 3], [4, 5, 6, 7]], [[8, 9], [0, 1, 2, 3]], [[4, 5, 6, 7], [8, 9]]]


def test_shuffle_permutes_every_pass_reproducibly():
    set_seed(7)
    it = EpochIterator(arrays(), batch_size=3, shuffle=True)
    first, second = epoch_ids(it, 0), epoch_ids(it, 1)
    for epoch in (first, second):
        assert [len(b) for b in epoch] == [3, 3, 3, 1]
        assert sorted(i for b in epoch for i in b) == list(range(N))
    assert first != second
    set_seed(7)
    again = EpochIterator(arrays(), batch_size=3, shuffle=True)
    assert [epoch_ids(again, 0), epoch_ids(again, 1)] == [first, second]


def test_shuffle_batch_reorders_whole_batches():
    set_seed(1)
    it = EpochIterator(arrays(), batch_size=3, shuffle="batch")
    orders = []
    for epoch in range(4):
        batches = epoch_ids(it, epoch)
        assert sorted(sorted(b) for b in batches) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        orders.append([min(b) for b in batches])
    assert len(set(map(tuple, orders))) > 1


def test_inputs_only_arrays_and_no_samples():
    it = EpochIterator(([np.zeros((0, 2), np.float32)],))
    assert (it.steps_per_epoch, it.num_samples) == (0, 0)
    assert list(it.epoch()) == []


# --- Sequences and generators ---------------------------------------------

@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_sequence_epochs_through_the_queue(workers, procs):
    seq = Numbered()
    with leaves_nothing_behind(), deadline(60):
        with EpochIterator(seq, as_lists, workers=workers,
                           use_multiprocessing=procs) as it:
            assert (it.steps_per_epoch, it.batch_size, it.num_samples) == (4, None, None)
            for epoch in range(2):
                batches = list(it.epoch(epoch))
                assert [ids(b) for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8],
                                                     [9, 10, 11]]
                np.testing.assert_array_equal(batches[2][1][0][:, 0], [12, 14, 16])
    assert seq.ends == 2


def test_sequence_steps_per_epoch_and_shuffle():
    seq = Numbered()
    it = EpochIterator(seq, as_lists, steps_per_epoch=2, workers=0)
    assert epoch_ids(it) == [[0, 1, 2], [3, 4, 5]] and seq.ends == 1
    set_seed(2)
    it = EpochIterator(Numbered(6), as_lists, shuffle=True, workers=0)
    orders = [[b[0] // 3 for b in epoch_ids(it, e)] for e in range(3)]
    assert all(sorted(o) == list(range(6)) for o in orders)
    assert orders != [list(range(6))] * 3


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_generator_continues_from_epoch_to_epoch(workers, procs):
    with leaves_nothing_behind(), deadline(60), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)    # duplicated batches
        with EpochIterator(numbered(), as_lists, steps_per_epoch=2, workers=workers,
                           use_multiprocessing=procs) as it:
            epochs = [epoch_ids(it, e) for e in range(2)]
    if procs:       # each process runs its own copy of the generator
        assert all(len(b) == 2 for e in epochs for b in e)
    else:
        assert epochs == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_generator_batches_are_checked_and_unpacked():
    seen = []

    def check(x, y, sample_weight):
        seen.append(sample_weight)
        return as_lists(x, y, sample_weight)

    def triples():
        while True:
            yield np.ones((2, 1)), np.ones((2, 1)), np.full(2, 0.5)
    it = EpochIterator(triples(), check, steps_per_epoch=2, workers=0)
    batches = list(it.epoch())
    assert len(batches) == 2 and [list(w) for w in seen] == [[0.5, 0.5]] * 2
    np.testing.assert_array_equal(batches[0][2][0], [0.5, 0.5])
    bad = EpochIterator(iter([[1, 2]] * 2), check, steps_per_epoch=1, workers=0,
                        where="evaluate")
    with pytest.raises(ValueError, match="evaluate: a generator must yield tuples.*list"):
        list(bad.epoch())


def test_inputs_only_takes_the_first_item_of_a_tuple():
    def check(x):
        return ([np.asarray(x)],)
    source = iter([np.zeros((2, 1)), (np.ones((2, 1)), np.ones((2, 1)))])
    it = EpochIterator(source, check, steps_per_epoch=2, inputs_only=True, workers=0)
    assert [b[0][0][:, 0].tolist() for b in it.epoch()] == [[0, 0], [1, 1]]


def test_a_plain_generator_needs_steps():
    with pytest.raises(ValueError, match="fit: steps_per_epoch is required for a "
                                         "plain generator"):
        EpochIterator(numbered(), as_lists, where="fit", steps_arg="steps_per_epoch")


def test_leaving_the_block_stops_the_workers_mid_epoch():
    with leaves_nothing_behind(), deadline(60):
        with EpochIterator(Numbered(20), as_lists, workers=2) as it:
            next(it.epoch())


# --- the count arguments ---------------------------------------------------

def small_model():
    x = Input((3,))
    model = Model(x, Dense(1)(x))
    model.compile("sgd", "mse")
    return model


X = np.zeros((4, 3), np.float32)
Y = np.zeros((4, 1), np.float32)


def test_predict_rejects_batch_size_zero_like_fit():
    model = small_model()
    for run in (lambda: model.fit(X, Y, batch_size=0, verbose=0),
                lambda: model.evaluate(X, Y, batch_size=0, verbose=0),
                lambda: model.predict(X, batch_size=0)):
        with pytest.raises(ValueError, match=r"batch_size must be a positive "
                                             r"integer, got 0"):
            run()
    with pytest.raises(ValueError, match="predict: batch_size must be a positive"):
        model.predict(X[:1], batch_size=True)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(X, Y, epochs=-1, verbose=0), "fit: epochs must be an integer >= 0"),
    (lambda m: m.fit(X, Y, initial_epoch=0.5, verbose=0), "fit: initial_epoch must be"),
    (lambda m: m.fit(X, Y, validation_split=0.5, validation_steps=0, verbose=0),
     "fit: validation_steps must be an integer >= 1"),
    (lambda m: m.fit(X, Y, validation_batch_size=0, validation_split=0.5, verbose=0),
     "fit: validation_batch_size must be a positive integer"),
    (lambda m: m.predict(X, steps=0), "predict: steps must be an integer >= 1"),
    (lambda m: m.fit_generator(Numbered(), steps_per_epoch=0, verbose=0),
     "fit_generator: steps_per_epoch must be an integer >= 1"),
    (lambda m: m.fit_generator(Numbered(), epochs=1.5, verbose=0),
     "fit_generator: epochs must be an integer >= 0"),
    (lambda m: m.evaluate_generator(Numbered(), steps=0),
     "evaluate_generator: steps must be an integer >= 1"),
    (lambda m: m.predict_generator(Numbered(), steps=0),
     "predict_generator: steps must be an integer >= 1"),
], ids=["epochs", "initial_epoch", "validation_steps", "validation_batch_size",
        "predict steps", "fit_generator steps", "fit_generator epochs",
        "evaluate_generator", "predict_generator"])
def test_every_entry_point_checks_its_counts(call, message):
    with pytest.raises(ValueError, match=message):
        call(small_model())


def test_generator_aliases_take_generators_only():
    model = small_model()
    with pytest.raises(TypeError, match="fit_generator: expected a generator"):
        model.fit_generator(X, steps_per_epoch=1)
    with pytest.raises(TypeError, match="evaluate_generator: expected a generator"):
        model.evaluate_generator(X, steps=1)
    with pytest.raises(TypeError, match="predict_generator: expected a generator"):
        model.predict_generator(X, steps=1)
