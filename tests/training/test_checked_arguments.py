"""No silent wrong results (issue 17, items 8, 9, 11): class_weight keys
must be classes of the output, integer inputs are never wrapped by a cast,
every integer-valued argument of every training method goes through one
check, and evaluate's progress bar shows the values it returns."""
import re

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.models import Model
from fastgraph.utils import Sequence
from fastgraph.utils.arguments import check_integer

rng = np.random.default_rng(17)
X = rng.random((20, 4)).astype(np.float32)
LABELS = rng.integers(0, 3, 20)


def _model(units=3, activation="softmax", loss="sparse_categorical_crossentropy"):
    a = L.Input(shape=(4,), name="x")
    model = Model(a, L.Dense(units, activation=activation, name="out")(a))
    model.compile("sgd", loss, metrics=["accuracy"])
    return model


class Batches(Sequence):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return X[index * 10:(index + 1) * 10], LABELS[index * 10:(index + 1) * 10]


# --------------------------------------------------- 8. class_weight keys
@pytest.mark.parametrize("call", [
    lambda m, cw: m.fit(X, LABELS, class_weight=cw, verbose=0),
    lambda m, cw: m.fit(Batches(), class_weight=cw, verbose=0),
    lambda m, cw: m.train_on_batch(X, LABELS, class_weight=cw),
])
def test_class_weight_key_that_is_no_class_raises(call):
    with pytest.raises(ValueError, match=r"class_weight for output 'out': key 7 is not "
                                         r"a class of the output, which has 3 classes"):
        call(_model(), {0: 1, 1: 1, 7: 5})
    call(_model(), {0: 1, 1: 1, 2: 5})                      # every class: fine
    call(_model(), {2: 5})                                  # some classes: fine


def test_class_weight_of_a_one_unit_output_has_classes_0_and_1():
    model = _model(1, "sigmoid", "binary_crossentropy")
    labels = (LABELS > 0).astype(np.float32)
    model.fit(X, labels, class_weight={0: 2.0, 1: 0.5}, verbose=0)
    with pytest.raises(ValueError, match="key 2 is not a class"):
        model.fit(X, labels, class_weight={0: 2.0, 2: 0.5}, verbose=0)


# ------------------------------------------------ 9. no wrapping casts
def test_integer_data_too_wide_for_the_input_dtype_is_not_wrapped():
    a = L.Input(shape=(2,), dtype="int32", name="ids")
    model = Model(a, L.Embedding(10, 4, name="emb")(a))
    for data in (np.array([[2 ** 40, 1]], np.int64), np.array([[2 ** 32, 1]], np.uint64),
                 np.array([[2.0 ** 33, 1]], np.float64)):
        with pytest.raises(IndexError, match=r'"emb".*index 858993459[2]|"emb".*index '
                                             r'(1099511627776|4294967296)'):
            model.predict(data)
    with pytest.raises(ValueError, match=r"input 'ids': value .* is too large for "
                                         r"integer data \(int32\)"):
        model.predict(np.array([[1e30, 1]]))


# ------------------------------------------ 11. one check for every method
BAD_INTEGERS = [0, -1, 1.5, True, "2"]


@pytest.mark.parametrize("name, call", [
    ("batch_size", lambda m, v: m.fit(X, LABELS, batch_size=v, verbose=0)),
    ("batch_size", lambda m, v: m.evaluate(X, LABELS, batch_size=v, verbose=0)),
    ("batch_size", lambda m, v: m.predict(X, batch_size=v)),
    ("steps", lambda m, v: m.predict(X, steps=v)),
    ("steps", lambda m, v: m.evaluate_generator(Batches(), steps=v)),
    ("steps", lambda m, v: m.predict_generator(Batches(), steps=v)),
    ("steps_per_epoch", lambda m, v: m.fit_generator(Batches(), steps_per_epoch=v,
                                                     verbose=0)),
    ("validation_steps", lambda m, v: m.fit(Batches(), validation_data=Batches(),
                                            validation_steps=v, verbose=0)),
    ("max_queue_size", lambda m, v: m.fit(Batches(), max_queue_size=v, verbose=0)),
    ("max_queue_size", lambda m, v: m.predict(Batches(), max_queue_size=v)),
    ("max_queue_size", lambda m, v: m.evaluate_generator(Batches(), max_q_size=v)),
    ("validation_freq", lambda m, v: m.fit(X, LABELS, validation_split=0.5,
                                           validation_freq=v, verbose=0)),
    ("validation_freq", lambda m, v: m.fit(X, LABELS, validation_split=0.5,
                                           validation_freq=[1, v], verbose=0)),
])
@pytest.mark.parametrize("value", BAD_INTEGERS)
def test_integer_arguments_are_checked_by_every_method(name, call, value):
    with pytest.raises(ValueError, match=rf"^\w+: {name} must be .*, got {re.escape(repr(value))}$"):
        call(_model(), value)


@pytest.mark.parametrize("call", [
    lambda m, v: m.fit(Batches(), workers=v, verbose=0),
    lambda m, v: m.evaluate(Batches(), workers=v, verbose=0),
    lambda m, v: m.predict(Batches(), workers=v),
    lambda m, v: m.fit_generator(Batches(), workers=v, verbose=0),
    lambda m, v: m.predict_generator(Batches(), workers=v),
])
def test_workers_are_checked_naming_the_method(call):
    with pytest.raises(ValueError, match=r"^(fit|evaluate|predict|fit_generator|"
                                         r"predict_generator): workers must be an "
                                         r"integer >= 0, got -1$"):
        call(_model(), -1)


@pytest.mark.parametrize("verbose", [3, -1, "loud", 1.0])
def test_verbose_is_checked(verbose):
    model = _model()
    for call in (lambda: model.fit(X, LABELS, verbose=verbose),
                 lambda: model.evaluate(X, LABELS, verbose=verbose),
                 lambda: model.predict(X, verbose=verbose),
                 lambda: model.predict_generator(Batches(), verbose=verbose)):
        with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2"):
            call()


def test_verbose_auto_is_a_progress_bar(capsys):
    model = _model()
    model.fit(X, LABELS, epochs=1, verbose="auto")
    assert "1/1 [" in capsys.readouterr().out


def test_one_integer_helper():
    assert check_integer("f", "n", np.int64(3), 1) == 3
    with pytest.raises(ValueError, match=r"^f: n must be an integer >= 1, got 0$"):
        check_integer("f", "n", 0, 1)


# -------------------------------------------- evaluate's progress bar
@pytest.mark.parametrize("verbose", [1, 2])
def test_evaluate_bar_shows_what_evaluate_returns(capsys, verbose):
    model = _model()
    loss, accuracy = model.evaluate(X, LABELS, batch_size=6, verbose=verbose)
    out = capsys.readouterr().out.strip().splitlines()[-1]
    shown = dict(re.findall(r"(\w+): ([0-9.e+-]+)", out))
    assert float(shown["loss"]) == pytest.approx(loss, abs=5e-5)
    assert float(shown["accuracy"]) == pytest.approx(accuracy, abs=5e-5)
