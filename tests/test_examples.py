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
                                       "--batch-size", "64")}


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
        assert len(losses) == (2 if name == "residual" else 1)
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
