"""Every seed program in fastgraph.examples runs, fast, and does what it says.

Each example runs once (one epoch, silent, one thread: these small models
gain nothing from more), cached for the checks below.
"""
import functools
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from fastgraph.demo import using_threads
from fastgraph.examples import EXAMPLES

QUICK = ("--epochs", "1", "--verbose", "0")
ARGV = {"layer_nodes": (),
        "residual": ("--epochs", "2", "--verbose", "0"),
        "generator_training": QUICK + ("--workers", "2", "--pickle-safe",
                                       "--batch-size", "64"),
        "imdb_lstm": ("--synthetic", "--samples", "128", "--epochs", "3", "--verbose", "0"),
        "cifar10_cnn": ("--synthetic", "--samples", "128", "--epochs", "3",
                        "--verbose", "0", "--workers", "2")}


@functools.lru_cache(maxsize=None)
def run(name):
    module = importlib.import_module(f"fastgraph.examples.{name}")
    with using_threads(1):
        return module.main(list(ARGV.get(name, QUICK)))


def test_every_example_module_is_listed():
    folder = os.path.dirname(importlib.import_module("fastgraph.examples").__file__)
    modules = {f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f != "__init__.py"}
    assert modules == set(EXAMPLES)


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "layer_nodes"])
def test_training_examples_run_and_report_finite_losses(name):
    result = run(name)
    for history in result.get("histories") or [result["history"]]:
        losses = history.history["loss"]
        argv = ARGV.get(name, QUICK)
        assert len(losses) == int(argv[argv.index("--epochs") + 1])
        assert np.isfinite(losses).all()


def test_dense_network_learns_the_digits():
    result = run("dense_network")
    assert result["test_accuracy"] > 0.4
    assert result["model"].count_params() == 64 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10


def test_model_as_layer_shares_weights_under_time_distributed():
    result = run("model_as_layer")
    assert result["sequence_output_shape"] == (None, 20, 10)
    assert result["reused"].count_params() == result["model"].count_params()
    assert result["sequence_model"].count_params() == result["model"].count_params()


def test_two_inputs_two_outputs_trains_with_list_and_dict_weights():
    result = run("two_inputs_two_outputs")
    assert result["model"].output_names == ["main_output", "aux_output"]
    assert set(result["histories"][1].history) >= {"loss", "main_output_loss",
                                                   "aux_output_loss"}


def test_layer_nodes_asserts_pass_and_the_ambiguous_output_raises():
    result = run("layer_nodes")
    assert "multiple inbound nodes" in result["multiple_nodes_error"]
    assert result["conv_input_shapes"] == [(None, 32, 32, 3), (None, 64, 64, 3)]


def test_inception_block_concatenates_on_axis_1():
    assert run("inception")["block_shape"] == (None, 24, 8, 8)


def test_residual_block_keeps_the_shape_and_learns_to_denoise():
    result = run("residual")
    assert result["model"].output_shape == (None, 32, 32, 3)
    assert result["denoised_mse"] < result["noisy_mse"]


def test_shared_layers_count_their_weights_once():
    lstm = run("shared_lstm")
    assert len(lstm["shared_lstm"].inbound_nodes) == 2
    assert lstm["model"].count_params() == lstm["shared_lstm"].count_params() + 2 * 32 + 1
    vision = run("shared_vision")
    assert vision["model"].count_params() == vision["vision_model"].count_params() + 2 * 128 + 1


def test_question_answering_models_share_the_vision_model():
    assert run("visual_qa")["model"].output_shape == (None, 10)
    video = run("video_qa")["model"]
    assert video.output_shape == (None, 10)
    assert [tuple(t.shape) for t in video.inputs] == [(None, 4, 32, 32, 3), (None, 10)]


def test_generator_training_with_worker_processes():
    result = run("generator_training")
    assert result["predictions"].shape == (1024, 1)
    assert 0.0 <= result["accuracy"] <= 1.0


def test_an_example_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "fastgraph.examples.layer_nodes"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "multiple inbound nodes" in out.stdout


def test_example_options_are_checked(capsys):
    module = importlib.import_module("fastgraph.examples.dense_network")
    with pytest.raises(SystemExit) as info:
        module.main(["--epochs", "0"])
    assert info.value.code == 2
    assert "--epochs" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["imdb_lstm", "cifar10_cnn"])
def test_keras2_programs_train_on_synthetic_data_and_the_loss_falls(name):
    result = run(name)
    losses = result["history"].history["loss"]
    assert result["synthetic"]
    assert losses[0] > losses[1] > losses[2]
    assert set(result["history"].history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert 0.0 <= result["test_accuracy"] <= 1.0


def test_keras2_programs_build_keras_models():
    imdb = run("imdb_lstm")
    assert imdb["x_train_shape"] == (128, 80)
    # Keras 2's model.summary(): Embedding 2,560,000 + LSTM 131,584 + Dense 129
    assert imdb["model"].count_params() == 2691713
    cifar = run("cifar10_cnn")["model"]
    assert cifar.input_shape == (None, 32, 32, 3) and cifar.output_shape == (None, 10)
    assert cifar.count_params() == 1250858     # Keras 2's total for this CNN


def test_synthetic_reviews_and_images_have_the_data_sets_form():
    from fastgraph.examples import cifar10_cnn, imdb_lstm
    rng = np.random.default_rng(0)
    (x, y), (xt, yt) = imdb_lstm.synthetic_reviews(rng, 20)
    assert x.dtype == object and len(x) == len(xt) == 20 and y.dtype == np.int64
    assert all(r[0] == 1 and max(r) < imdb_lstm.max_features for r in x)
    assert set(np.unique(y)) <= {0, 1}
    (x, y), (xt, yt) = cifar10_cnn.synthetic_images(rng, 10)
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (10, 1) and y.dtype == np.uint8 and xt.shape == (2, 32, 32, 3)


def test_keras2_programs_fall_back_to_synthetic_data_without_a_cached_data_set(
        tmp_path, monkeypatch):
    from fastgraph.examples import cached_dataset, cifar10_cnn
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert not cached_dataset("imdb.npz")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "imdb.npz").write_bytes(b"")
    assert cached_dataset("imdb.npz")
    with using_threads(1):
        result = cifar10_cnn.main(["--samples", "16", "--epochs", "1", "--verbose", "0",
                                   "--no-augmentation", "--save-dir", str(tmp_path / "m")])
    assert result["synthetic"]
    from fastgraph.models import load_model
    saved = load_model(str(tmp_path / "m" / cifar10_cnn.model_name))
    x = np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32)
    np.testing.assert_allclose(saved.predict(x), result["model"].predict(x), rtol=1e-5)


@pytest.mark.parametrize("name", ["imdb_lstm", "cifar10_cnn"])
def test_keras2_programs_run_as_modules(name):
    out = subprocess.run([sys.executable, "-m", f"fastgraph.examples.{name}", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert all(flag in out.stdout for flag in ("--epochs", "--samples", "--synthetic"))
