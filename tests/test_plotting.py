"""plot_model and plot_history: files produced where the optional extras
(pydot + Graphviz, matplotlib) are installed, clear ImportErrors where not."""
import sys

import numpy as np
import pytest

from fastgraph.layers import Conv2D, Dense, Flatten, Input, concatenate
from fastgraph.models import Model, Sequential
from fastgraph.utils import plotting


def _has_graphviz():
    try:
        plotting._pydot("test")
    except ImportError:
        return False
    return True


needs_graphviz = pytest.mark.skipif(not _has_graphviz(),
                                    reason="pydot and Graphviz are not installed")
try:
    import matplotlib  # noqa: F401
    HAS_MATPLOTLIB = True
except ImportError:
    HAS_MATPLOTLIB = False
needs_matplotlib = pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def two_branch_model():
    a = Input(shape=(8,), name="left")
    b = Input(shape=(4,), name="right")
    shared = Dense(3, activation="relu", name="shared_dense")
    x = concatenate([shared(a), Dense(3, name="right_dense")(b)], name="joined")
    return Model([a, b], Dense(1, activation="sigmoid", name="score")(x))


def nested_model():
    image = Input(shape=(6, 6, 1), name="image")
    vision = Model(image, Flatten()(Conv2D(2, (3, 3))(image)), name="vision")
    a = Input(shape=(6, 6, 1), name="a")
    b = Input(shape=(6, 6, 1), name="b")
    out = Dense(1, name="same")(concatenate([vision(a), vision(b)]))
    return Model([a, b], out, name="pair")


# ------------------------------------------------------------ without extras
def test_plot_model_without_pydot_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError) as info:
        plotting.plot_model(two_branch_model(), "unused.png")
    message = str(info.value)
    assert "pip install pydot" in message and "apt-get install graphviz" in message


def test_plot_model_without_graphviz_says_what_to_install(monkeypatch):
    class FakeDot:
        def create(self):
            raise FileNotFoundError('"dot" not found in path.')

    fake = type(sys)("pydot")
    fake.Dot = FakeDot
    monkeypatch.setitem(sys.modules, "pydot", fake)
    with pytest.raises(ImportError) as info:
        plotting.model_to_dot(two_branch_model())
    message = str(info.value)
    assert "Graphviz" in message and "apt-get install graphviz" in message
    assert "pip install" not in message


def test_plot_history_without_matplotlib_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.ticker", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.plot_history({"loss": [1.0, 0.5]}, tmp_path / "h.png")


def test_plot_history_rejects_bad_histories(tmp_path):
    with pytest.raises(TypeError, match="History"):
        plotting.plot_history([1.0, 0.5], tmp_path / "h.png")
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_history({"loss": []}, tmp_path / "h.png")


# ------------------------------------------------------------ with extras
@needs_graphviz
def test_plot_model_writes_a_png(tmp_path):
    path = tmp_path / "model.png"
    assert plotting.plot_model(two_branch_model(), to_file=str(path),
                               show_shapes=True) is None
    assert path.read_bytes()[:8] == PNG_MAGIC


@needs_graphviz
def test_model_to_dot_has_every_layer_and_edge():
    dot = plotting.model_to_dot(two_branch_model(), show_shapes=True, show_dtype=True,
                                show_layer_activations=True, show_trainable=True)
    text = dot.to_string()
    for name in ("left", "right", "shared_dense", "right_dense", "joined", "score"):
        assert f"{name}: " in text
    assert "(None, 8)" in text and "(None, 6)" in text and "float32" in text
    assert "(relu)" in text and "trainable" in text
    assert len(dot.get_edges()) == 5


@needs_graphviz
def test_plot_model_formats_and_options(tmp_path):
    model = nested_model()
    svg = tmp_path / "pair.svg"
    plotting.plot_model(model, to_file=svg, show_layer_names=False, rankdir="LR")
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "vision" not in text and "Functional" in text
    nested = plotting.model_to_dot(model, expand_nested=True)
    assert len(nested.get_subgraphs()) == 1
    text = nested.to_string()
    assert "conv2d" in text and "vision" in text
    sequential = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    plotting.plot_model(sequential, to_file=tmp_path / "seq.png", dpi=50)
    assert (tmp_path / "seq.png").read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ValueError, match="rankdir"):
        plotting.model_to_dot(model, rankdir="XY")
    with pytest.raises(ValueError, match="build it first"):
        plotting.model_to_dot(Sequential([Dense(2)]))


@needs_matplotlib
def test_plot_history_writes_a_png(tmp_path):
    model = two_branch_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = [rng.standard_normal((40, 8), dtype=np.float32),
         rng.standard_normal((40, 4), dtype=np.float32)]
    y = (rng.random((40, 1)) < 0.5).astype(np.float32)
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "history.png"
    figure = plotting.plot_history(history, path, dpi=50)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    assert len(figure.axes[0].get_lines()) == 2
    plotting.plot_history({"loss": list(np.linspace(1, 0, 5))}, tmp_path / "h.svg")
    assert "<svg" in (tmp_path / "h.svg").read_text()

