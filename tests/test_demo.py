"""The demo: trains both models, saves them, reloads them, predictions equal."""
import os
import tempfile

import numpy as np
import pytest

from fastgraph import _threads, demo
from fastgraph.cli import main
from fastgraph.models import load_model


def test_demo_command_saves_models_that_reload(tmp_path, capsys):
    output = tmp_path / "out"
    threads_before = _threads.get_num_threads()
    assert main(["demo", "--epochs", "1", "--batch-size", "64", "--verbose", "0",
                 "--output", str(output)]) == 0
    assert _threads.get_num_threads() == threads_before
    out = capsys.readouterr().out
    assert "threads: OpenMP 1, BLAS " in out
    assert f"output folder: {output}" in out
    assert out.count("are identical") == 2 and "test accuracy" in out
    assert "ms per epoch" in out
    (_, _), (x_test, _) = demo.load_digits()
    for name, x in (("dense", x_test.reshape(-1, 64)), ("cnn", x_test)):
        path = output / f"digits_{name}.fastgraph"
        assert path.is_file()
        predictions = load_model(str(path)).predict(x)
        assert predictions.shape == (len(x), 10)
        assert np.allclose(predictions.sum(axis=1), 1.0, atol=1e-5)


def test_demo_defaults_to_a_new_temporary_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    results = demo.run(epochs=1, batch_size=128, verbose=0)
    assert results["match"]
    assert os.path.dirname(results["output"]) == str(tmp_path)
    assert os.path.basename(results["output"]).startswith("fastgraph-demo-")
    assert sorted(os.listdir(results["output"])) == ["digits_cnn.fastgraph",
                                                     "digits_dense.fastgraph"]
    for key in ("dense", "cnn"):
        assert 0.0 <= results[key]["test_accuracy"] <= 1.0
        assert len(results[key]["epoch_times"]) == 1
    assert results["output"] in capsys.readouterr().out


def test_using_threads_restores_the_counts_even_after_an_error():
    before = _threads.get_num_threads()
    with pytest.raises(RuntimeError):
        with demo.using_threads(1):
            assert _threads.get_num_threads()["openmp"] == 1
            raise RuntimeError("inside")
    assert _threads.get_num_threads() == before
    with demo.using_threads(None):
        assert _threads.get_num_threads() == before


def test_demo_reports_a_mismatch_as_failure(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(demo, "run", lambda **kwargs: {"match": False})
    assert main(["demo", "--output", str(tmp_path)]) == 1
    assert "predicts differently" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--epochs", "-1"], ["--batch-size", "x"],
                                 ["--verbose", "3"]])
def test_demo_rejects_bad_options(bad, capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", *bad])
    assert info.value.code == 2
    assert "usage: python -m fastgraph demo" in capsys.readouterr().err
