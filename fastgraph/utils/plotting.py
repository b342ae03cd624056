"""Pictures of models and of training: `plot_model` and `plot_history`.

`plot_model` draws the layer graph with pydot and the Graphviz programs,
`plot_history` the loss and metrics per epoch with matplotlib.  Both are
optional extras (`pip install 'fastgraph[plot]'` plus Graphviz itself);
without them each function raises an ImportError saying what to install.
"""
import os
import sys

_PYDOT_MISSING = (
    "{what} needs pydot and Graphviz, which are optional. Install pydot with "
    "`pip install pydot` (or `pip install 'fastgraph[plot]'`) and the Graphviz "
    "programs with `apt-get install graphviz` (Debian/Ubuntu), `dnf install "
    "graphviz` (Fedora), `brew install graphviz` (macOS) or `conda install "
    "graphviz`.")
_GRAPHVIZ_MISSING = (
    "{what} found pydot but not the Graphviz programs (`dot`): install them "
    "with `apt-get install graphviz` (Debian/Ubuntu), `dnf install graphviz` "
    "(Fedora), `brew install graphviz` (macOS) or `conda install graphviz`, "
    "and make sure `dot` is on the PATH ({err}).")
_MATPLOTLIB_MISSING = (
    "plot_history needs matplotlib, which is optional: install it with "
    "`pip install matplotlib` (or `pip install 'fastgraph[plot]'`).")


def _pydot(what):
    """The pydot module, checked to reach a working Graphviz `dot`."""
    try:
        import pydot
    except ImportError:
        raise ImportError(_PYDOT_MISSING.format(what=what)) from None
    try:
        pydot.Dot.create(pydot.Dot())
    # pydot signals a missing or failing `dot` with OSError, or with its own
    # exception classes, which differ between pydot versions.
    except Exception as err:  # noqa: BLE001
        raise ImportError(_GRAPHVIZ_MISSING.format(what=what, err=err)) from None
    return pydot


def _escape(text):
    """Text safe inside a Graphviz record label."""
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _shape_text(shapes):
    shapes = [s for s in shapes if s is not None]
    if not shapes:
        return "?"
    if all(s == shapes[0] for s in shapes):
        return str(shapes[0])
    return "multiple"


def _label(layer, nodes, opts):
    # As the summary names classes: a functional Model is "Functional".
    cls = type(layer)
    class_name = cls.__dict__.get("_config_class_name", cls.__name__)
    parts = [f"{layer.name}: {class_name}" if opts["show_layer_names"] else class_name]
    activation = getattr(layer, "activation", None)
    if opts["show_layer_activations"] and callable(activation):
        parts[0] += f" ({getattr(activation, '__name__', activation)})"
    if opts["show_dtype"]:
        dtypes = sorted({t.dtype for n in nodes for t in n.output_tensors})
        parts[0] += f" | {', '.join(dtypes) or '?'}"
    if opts["show_trainable"]:
        parts[0] += " | trainable" if layer.trainable else " | frozen"
    label = _escape(parts[0])
    if opts["show_shapes"]:
        inputs = _shape_text([n.input_shapes for n in nodes])
        outputs = _shape_text([n.output_shapes for n in nodes])
        label = (f"{label}|{{input:|output:}}|{{{{{_escape(inputs)}}}|"
                 f"{{{_escape(outputs)}}}}}")
    return label


def _is_model(layer):
    return hasattr(layer, "_network_nodes") and hasattr(layer, "_layers")


def _draw(pydot, graph, model, opts):
    """Add `model`'s layers and connections to `graph`; return
    {id(layer): (ids of the graph nodes edges enter, ids they leave from)}."""
    ends = {}
    for layer in model._layers:
        nodes = [n for n in layer._inbound_nodes if n in model._network_nodes]
        if opts["expand_nested"] and _is_model(layer):
            cluster = pydot.Cluster(f"cluster_{id(layer)}", label=_escape(layer.name),
                                    style="dashed")
            inner = _draw(pydot, cluster, layer, opts)
            graph.add_subgraph(cluster)
            ends[id(layer)] = (
                [n for lyr in layer._input_layers for n in inner[id(lyr)][0]],
                [n for lyr, _, _ in layer._output_coordinates for n in inner[id(lyr)][1]])
        else:
            node_id = f"{id(model)}_{id(layer)}"
            graph.add_node(pydot.Node(node_id, label=_label(layer, nodes, opts)))
            ends[id(layer)] = ([node_id], [node_id])
    drawn = set()
    for layer in model._layers:
        for node in layer._inbound_nodes:
            if node not in model._network_nodes:
                continue
            for inbound in node.inbound_layers:
                for src in ends[id(inbound)][1]:
                    for dst in ends[id(layer)][0]:
                        if (src, dst) not in drawn:
                            drawn.add((src, dst))
                            graph.add_edge(pydot.Edge(src, dst))
    return ends


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=96,
                 show_layer_activations=False, show_trainable=False):
    """The layer graph of `model` as a `pydot.Dot` (arguments as `plot_model`)."""
    pydot = _pydot("model_to_dot")
    if not getattr(model, "built", False) or not _is_model(model):
        raise ValueError(f"model_to_dot: the model {getattr(model, 'name', model)!r} "
                         f"has no graph yet; build it first (give the first layer "
                         f"an input_shape, or call the model on data)")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    opts = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                show_layer_names=show_layer_names, expand_nested=expand_nested,
                show_layer_activations=show_layer_activations,
                show_trainable=show_trainable)
    dot = pydot.Dot(graph_type="digraph")
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set("dpi", dpi)
    dot.set_node_defaults(shape="record")
    _draw(pydot, dot, model, opts)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               show_layer_activations=False, show_trainable=False):
    """Draw `model`'s layer graph to `to_file` (format from its extension:
    png, svg, pdf, dot, ...; png when it has none), as tf-keras's plot_model.

    Needs pydot and Graphviz (an ImportError says how to install them).
    Inside IPython it returns an `IPython.display.Image` of the file (not for
    pdf); elsewhere None.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf" and "IPython" in sys.modules:
        from IPython import display
        return display.Image(filename=to_file)
    return None


def _history_dict(history):
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(f"plot_history: history must be a History (returned by "
                        f"fit) or a dict of lists, got {type(history).__name__}")
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError("plot_history: the history is empty (nothing was trained)")
    return logs


def plot_history(history, to_file="history.png", dpi=96):
    """Draw loss and metrics per epoch to `to_file`, one panel per quantity
    with its `val_` twin beside it; returns the matplotlib Figure.

    `history` is the History that `fit` returns, or its `.history` dict.
    Needs matplotlib (an ImportError says how to install it).
    """
    logs = _history_dict(history)
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError(_MATPLOTLIB_MISSING) from None
    names = [k for k in logs if not k.startswith("val_")]
    names += [k for k in logs if k.startswith("val_") and k[4:] not in logs]
    epochs = getattr(history, "epoch", None)
    columns = min(3, len(names))
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(4.5 * columns, 3.2 * rows), layout="constrained")
    for i, name in enumerate(names):
        axes = figure.add_subplot(rows, columns, i + 1)
        for key in (name, "val_" + name):
            values = logs.get(key)
            if not values:
                continue
            x = ([e + 1 for e in epochs] if epochs and len(epochs) == len(values)
                 else list(range(1, len(values) + 1)))
            axes.plot(x, values, marker="o", markersize=3,
                      label="validation" if key.startswith("val_") else "training")
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.savefig(os.fspath(to_file), dpi=dpi)
    return figure
