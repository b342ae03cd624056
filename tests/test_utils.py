"""to_categorical, normalize and Progbar."""
import io

import numpy as np
import pytest

from fastgraph.utils.np_utils import normalize, to_categorical
from fastgraph.utils.progbar import Progbar


def test_to_categorical_basic():
    out = to_categorical([0, 2, 1])
    assert out.dtype == np.float32 and out.shape == (3, 3)
    np.testing.assert_array_equal(out, np.eye(3)[[0, 2, 1]])


def test_to_categorical_num_classes_dtype_and_shapes():
    assert to_categorical([1, 0], num_classes=4, dtype="int32").tolist() == \
        [[0, 1, 0, 0], [1, 0, 0, 0]]
    assert to_categorical(np.array([[1], [0], [2]])).shape == (3, 3)  # trailing 1 dropped
    assert to_categorical(np.zeros((2, 5), int), 3).shape == (2, 5, 3)
    assert to_categorical(np.array([1.0, 2.0])).shape == (2, 3)
    assert to_categorical(np.array(2), 4).tolist() == [0, 0, 1, 0]
    assert to_categorical(np.array([], int), 3).shape == (0, 3)


@pytest.mark.parametrize("y, num_classes, match", [
    ([0, -1, 2], None, ">= 0"),
    ([0, 3], 3, "out of range"),
    ([0.5, 1.0], None, "integer"),
    (["a"], None, "integer"),
    ([0, 1], 0, "num_classes"),
    ([], None, "num_classes"),
])
def test_to_categorical_errors(y, num_classes, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(np.asarray(y), num_classes)


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[1.0, 1.0], [0.0, 0.0]])


class FakeStream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progbar_tty_redraws_one_line():
    out = FakeStream(tty=True)
    bar = Progbar(4, width=8, interval=0, stream=out)
    for step in range(1, 5):
        bar.update(step, [("loss", float(step))])
    text = out.getvalue()
    assert text.count("\r") == 4 and "\b" in text and text.endswith("\n")
    assert text.count("\n") == 1
    last = text.split("\r")[-1]
    assert last.startswith("4/4 [========]")
    # loss averaged over the steps: (1 + 2 + 3 + 4) / 4
    assert "loss: 2.5000" in last
    assert "ETA" in text.split("\r")[1]


def test_progbar_not_a_tty_writes_plain_final_line():
    out = FakeStream(tty=False)
    bar = Progbar(3, width=6, interval=0, stream=out)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 2.0)])
    assert out.getvalue() == ""
    bar.update(3, [("loss", 3.0)])
    text = out.getvalue()
    assert "\r" not in text and "\b" not in text
    assert text.startswith("3/3 [======]") and text.endswith("\n")
    assert text.count("\n") == 1 and "loss: 2.0000" in text


def test_progbar_weights_by_step_count_and_stateful_metrics():
    out = FakeStream(tty=False)
    bar = Progbar(10, stream=out, stateful_metrics=["acc"])
    bar.update(2, [("loss", 1.0), ("acc", 0.1)])
    bar.update(10, [("loss", 2.0), ("acc", 0.75)])
    text = out.getvalue()
    # (1*2 + 2*8) / 10 = 1.8; acc shown as given
    assert "loss: 1.8000" in text and "acc: 0.7500" in text


def test_progbar_small_values_use_exponent_and_add():
    out = FakeStream(tty=False)
    bar = Progbar(2, stream=out)
    bar.add(1, [("loss", 1e-5)])
    bar.add(1, [("loss", 1e-5)])
    assert "loss: 1.0000e-05" in out.getvalue()


def test_progbar_verbose_2_one_line_per_epoch():
    out = FakeStream(tty=True)
    bar = Progbar(5, verbose=2, stream=out)
    for step in range(1, 6):
        bar.update(step, [("loss", 0.5)])
    text = out.getvalue()
    assert text.count("\n") == 1 and "\r" not in text
    assert text.startswith("5/5 - ") and "loss: 0.5000" in text
    assert "/epoch" in text and "/step" in text


def test_progbar_silent_and_unknown_target():
    out = FakeStream(tty=True)
    Progbar(3, verbose=0, stream=out).update(3, [("loss", 1.0)])
    assert out.getvalue() == ""
    bar = Progbar(None, interval=0, stream=out)
    bar.update(7, [("loss", 1.0)])
    assert "7/Unknown" in out.getvalue()
    bar.update(9, finalize=True)
    assert out.getvalue().endswith("\n")


def test_progbar_interval_throttles_tty_updates():
    out = FakeStream(tty=True)
    bar = Progbar(100, interval=3600, stream=out)
    bar.update(1)  # the first update is always drawn
    bar.update(2)
    bar.update(3)
    assert out.getvalue().count("\r") == 1  # then throttled
    bar.update(100)  # finalizing is never throttled
    assert out.getvalue().count("\r") == 2


def test_progbar_defaults_to_current_stdout(capsys):
    bar = Progbar(1)
    bar.update(1, [("loss", 0.25)])
    assert "loss: 0.2500" in capsys.readouterr().out
