"""The rest of fastgraph.utils: to_ordinal, split_dataset, set_random_seed,
pack/unpack, get_source_inputs, warmstart_embedding_matrix, the enqueuers,
interactive logging and legacy."""
import io
import logging
import random

import numpy as np
import pytest

from fastgraph import utils
from fastgraph.utils import Progbar, Sequence

from ..preprocessing.reference import ARRAYS


def test_to_ordinal_matches_keras():
    np.testing.assert_array_equal(utils.to_ordinal(np.array([[0], [2], [1], [3]])),
                                  ARRAYS["to_ordinal"])
    np.testing.assert_array_equal(utils.to_ordinal([1, 4, 0], num_classes=5),
                                  ARRAYS["to_ordinal/n5"])
    assert utils.to_ordinal([1, 2], dtype="int8").dtype == np.int8


def test_split_dataset_matches_keras():
    left, right = utils.split_dataset((np.arange(10).reshape(10, 1), np.arange(10) * 2),
                                      left_size=0.3, shuffle=True, seed=8)
    for part, got in (("left", left), ("right", right)):
        np.testing.assert_array_equal(got[0], ARRAYS[f"split/{part}/0"])
        np.testing.assert_array_equal(got[1], ARRAYS[f"split/{part}/1"])
    left, right = utils.split_dataset(np.arange(12.0), right_size=5)
    np.testing.assert_array_equal(left, ARRAYS["split/array/left"])
    np.testing.assert_array_equal(right, ARRAYS["split/array/right"])


class Batches(Sequence):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.full((2, 1), index), np.full(2, index)


def test_split_dataset_of_a_sequence_and_errors():
    left, right = utils.split_dataset(Batches(), left_size=2)
    assert isinstance(left, Sequence) and (len(left), len(right)) == (2, 3)
    assert [int(right[i][1][0]) for i in range(3)] == [2, 3, 4]
    with pytest.raises(ValueError, match="At least one|at least one"):
        utils.split_dataset(np.arange(4))
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(np.arange(4), left_size=4)
    with pytest.raises(TypeError, match="left_size"):
        utils.split_dataset(np.arange(4), left_size="2")
    with pytest.raises(ValueError, match="same length"):
        utils.split_dataset((np.arange(4), np.arange(3)), left_size=1)
    with pytest.raises(ValueError, match="greater than 1"):
        utils.split_dataset(np.arange(10), left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="dataset"):
        utils.split_dataset({"a": np.arange(3)}, left_size=1)


def test_set_random_seed_seeds_python_numpy_and_fastgraph():
    from fastgraph.ops.random import get_rng
    utils.set_random_seed(5)
    a = (random.random(), np.random.rand(), get_rng().random())
    utils.set_random_seed(5)
    assert (random.random(), np.random.rand(), get_rng().random()) == a
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(1.5)


def test_pack_and_unpack():
    x, y, w = np.zeros(2), np.ones(2), np.arange(2)
    assert utils.pack_x_y_sample_weight(x) is x
    assert utils.pack_x_y_sample_weight((x,)) == ((x,),)
    assert utils.pack_x_y_sample_weight(x, y) == (x, y)
    assert utils.pack_x_y_sample_weight(x, y, w) == (x, y, w)
    assert utils.unpack_x_y_sample_weight(x) == (x, None, None)
    assert utils.unpack_x_y_sample_weight([x, y]) == (x, y, None)
    assert utils.unpack_x_y_sample_weight((x, y, w)) == (x, y, w)
    assert utils.unpack_x_y_sample_weight((x,)) == (x, None, None)
    with pytest.raises(ValueError, match="sample_weight"):
        utils.unpack_x_y_sample_weight((x, y, w, w))


def test_get_source_inputs():
    from fastgraph import layers
    a, b = layers.Input((3,)), layers.Input((3,))
    out = layers.Dense(2)(layers.Add()([layers.Dense(3)(a), b]))
    assert utils.get_source_inputs(out) == [a, b]
    assert utils.get_source_inputs(a) == [a]
    assert utils.get_source_inputs(out, *out._keras_history[:2]) == [a, b]
    plain = np.zeros(2)
    assert utils.get_source_inputs(plain) is plain


def test_warmstart_embedding_matrix_matches_keras(tmp_path):
    from fastgraph.initializers import Constant
    base = np.arange(12, dtype=np.float32).reshape(4, 3)
    got = utils.warmstart_embedding_matrix(["unk", "a", "b", "c"],
                                           ["unk", "c", "d", "a"], base,
                                           Constant(-1.0))
    np.testing.assert_array_equal(got, ARRAYS["warmstart"])
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("unk\na\nb\nc\n")
    got = utils.warmstart_embedding_matrix(str(vocab), np.array(["b", "z"]), base)
    np.testing.assert_array_equal(got[0], base[2])
    assert got.shape == (2, 3) and np.all(np.abs(got[1]) <= 0.05)
    with pytest.raises(ValueError, match="does not exist"):
        utils.warmstart_embedding_matrix(str(tmp_path / "none"), ["a"], base)


class Counting(Sequence):
    def __init__(self):
        self.epochs = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return np.full(2, index + 10 * self.epochs)

    def on_epoch_end(self):
        self.epochs += 1


@pytest.mark.parametrize("processes", [False, True])
def test_ordered_enqueuer_reads_epoch_after_epoch(processes):
    enqueuer = utils.OrderedEnqueuer(Counting(), use_multiprocessing=processes)
    enqueuer.start(workers=2, max_queue_size=4)
    assert enqueuer.is_running()
    batches = enqueuer.get()
    got = [int(next(batches)[0]) for _ in range(7)]
    enqueuer.stop()
    assert not enqueuer.is_running()
    assert got == [0, 1, 2, 10, 11, 12, 20]


def test_ordered_enqueuer_shuffles_each_epoch():
    enqueuer = utils.OrderedEnqueuer(Counting(), shuffle=True)
    enqueuer.start(workers=1)
    batches = enqueuer.get()
    got = [int(next(batches)[0]) for _ in range(6)]
    enqueuer.stop()
    assert sorted(got[:3]) == [0, 1, 2] and sorted(got[3:]) == [10, 11, 12]


def test_generator_enqueuer_ends_with_the_generator_and_reraises():
    def numbers():
        yield from range(7)

    enqueuer = utils.GeneratorEnqueuer(numbers())
    enqueuer.start(workers=1, max_queue_size=3)
    assert list(enqueuer.get()) == list(range(7))
    assert not enqueuer.is_running()

    def broken():
        yield 1
        raise RuntimeError("bad batch")

    enqueuer = utils.GeneratorEnqueuer(broken())
    enqueuer.start()
    with pytest.raises(RuntimeError, match="bad batch"):
        list(enqueuer.get())
    enqueuer.stop()
    with pytest.raises(TypeError):
        utils.SequenceEnqueuer(Counting())


def test_interactive_logging_switches_progbar_to_the_logger(caplog):
    out = io.StringIO()
    assert utils.is_interactive_logging_enabled()
    utils.disable_interactive_logging()
    try:
        assert not utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="fastgraph"):
            bar = Progbar(2, stream=out)
            bar.update(2, [("loss", 0.5)])
        assert out.getvalue() == ""
        assert "2/2" in caplog.text and "loss: 0.5000" in caplog.text
    finally:
        utils.enable_interactive_logging()
    Progbar(1, stream=out).update(1)
    assert "1/1" in out.getvalue()


def test_legacy_serializers():
    from fastgraph.initializers import Constant
    config = utils.legacy.serialize_keras_object(Constant(2.0))
    assert config["class_name"] == "Constant"
    restored = utils.legacy.deserialize_keras_object(
        config, module_objects={"Constant": Constant})
    assert restored.get_config()["value"] == 2.0
