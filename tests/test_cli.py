"""`python -m fastgraph`: info, summary, bench, argument errors, --help."""
import subprocess
import sys

import numpy as np
import pytest

import fastgraph
from fastgraph.cli import bench, info, main
from fastgraph.layers import Dense, Input
from fastgraph.models import Model


def python_m_fastgraph(*args):
    return subprocess.run([sys.executable, "-m", "fastgraph", *args],
                          capture_output=True, text=True, timeout=120)


def test_info_prints_versions_blas_kernels_and_threads(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"fastgraph {fastgraph.__version__} (")
    assert f"NumPy {np.__version__}" in out
    for words in ("BLAS", "compiled kernels:", "OpenMP:", "threads: OpenMP"):
        assert words in out
    assert "MISSING" not in out


def test_info_reports_a_kernel_that_does_not_import(monkeypatch, capsys):
    monkeypatch.setattr(info, "kernel_families",
                        lambda: ["threads", "no_such_family"])
    assert main(["info"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 import" in out and "MISSING no_such_family" in out


def test_python_m_fastgraph_runs_and_rejects_bad_arguments():
    done = python_m_fastgraph("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"fastgraph {fastgraph.__version__}"
    done = python_m_fastgraph("bogus")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python -m fastgraph")


@pytest.mark.parametrize("bad", [[], ["demo", "--epochs", "0"], ["demo", "--nope"],
                                 ["bench", "--workloads", "W9"], ["bench", "--steps", "x"],
                                 ["summary"], ["info", "extra"]])
def test_bad_arguments_print_the_usage_and_exit_2(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(bad)
    assert exit_info.value.code == 2
    assert "usage: python -m fastgraph" in capsys.readouterr().err


@pytest.mark.parametrize("command", [None, "demo", "info", "bench", "summary"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"] if command else ["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m fastgraph")
    if command is None:
        assert all(c in out for c in ("demo", "info", "bench", "summary"))


def test_summary_of_a_saved_model(tmp_path, capsys):
    inputs = Input(shape=(6,), name="features")
    outputs = Dense(3, activation="softmax", name="classes")(Dense(4, name="hidden")(inputs))
    model = Model(inputs, outputs, name="tiny")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    path = tmp_path / "tiny.h5"
    model.save(str(path))
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert 'Model: "tiny"' in out and "hidden (Dense)" in out
    assert f"Total params: {model.count_params()}" in out


def test_summary_of_a_missing_or_broken_file_fails_cleanly(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "missing.h5")]) == 1
    assert "No such file" in capsys.readouterr().err
    broken = tmp_path / "broken.h5"
    broken.write_bytes(b"not a model")
    assert main(["summary", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m fastgraph summary: error:") and "broken.h5" in err


def test_bench_times_fastgraph_alone(capsys):
    assert main(["bench", "--workloads", "w1", "--steps", "1", "--threads", "1",
                 "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "PyTorch not timed" in out
    row = [line for line in out.splitlines() if line.startswith("W1 ")]
    assert len(row) == 1 and float(row[0].split()[-1]) > 0


def test_bench_compares_with_torch_when_installed(capsys):
    pytest.importorskip("torch")
    results = bench.run(["W1"], steps=1, warmup=0, threads=1)
    fastgraph_ms, torch_ms = results["W1"]
    assert fastgraph_ms > 0 and torch_ms > 0
    assert "fastgraph/torch" in capsys.readouterr().out


def test_bench_full_needs_the_source_checkout(monkeypatch, capsys):
    monkeypatch.setattr(bench, "find_repository_bench", lambda: None)
    assert main(["bench", "--full"]) == 1
    assert "python -m bench.compare" in capsys.readouterr().err
