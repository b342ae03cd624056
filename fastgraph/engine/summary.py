"""Model.summary(): the layer table in tf-keras 2.x's exact layout, names
cut and escaped (display.shown): a name from a file may be huge or hold
terminal escape sequences."""
import math

from .. import registry
from .display import shown


def _sequential_like(model):
    """True when every node has one input and one layer per depth, and no
    layer is called twice: then the "Connected to" column is left out."""
    if type(model).__name__ == "Sequential":
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1
                                    and len(depth_nodes[0].input_tensors) > 1):
            return False
        nodes += depth_nodes
    for layer in model.layers:
        if sum(1 for node in layer._inbound_nodes if node in nodes) > 1:
            return False
    return True


def _readable_size(size):
    for unit in ("Byte", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _weights_info(weights):
    unique = {id(w): w for w in weights}.values()
    count = sum(math.prod(w.shape) for w in unique)
    size = sum(math.prod(w.shape) * w.dtype.itemsize for w in unique)
    return int(count), size


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False):
    """Print `model`'s layers, output shapes and parameter counts."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first "
                         "by calling `build()` or by calling the model on a batch of "
                         "data.")
    print_fn = print_fn or print
    sequential_like = _sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = list(positions or [0.3, 0.6, 0.70, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        header.append("Trainable")

    def print_row(fields, nested_level=0):
        left = [str(x) for x in fields]
        while any(left):
            line = ""
            for col in range(len(left)):
                start = positions[col - 1] if col > 0 else 0
                last = col == len(positions) - 1
                space = 0 if last else 2
                cutoff = positions[col] - start - space - (0 if last else 1)
                if col == 0:
                    cutoff -= nested_level
                fit = left[col][:cutoff]
                # Break lines after the end of a list item or tuple.
                breaks = [fit.find(x) + len(x) for x in ("),", "},", "],", "',")
                          if fit.find(x) >= 0]
                if breaks:
                    cutoff = min(breaks)
                    fit = fit[:cutoff]
                if col == 0:
                    line += "|" * nested_level + " "
                line += fit + " " * space
                left[col] = left[col][cutoff:]
                if nested_level and last:
                    line += " " * (positions[col] - len(line) - nested_level)
                else:
                    line += " " * (positions[col] - len(line))
            print_fn(line + "|" * nested_level)

    def print_layer(layer, relevant, nested_level=0, is_last=False):
        try:
            output_shape = layer.output_shape
        except AttributeError:
            output_shape = "multiple"
        params = layer.count_params() if layer.built else "0 (unused)"
        fields = [f"{shown(layer.name)} ({shown(_class_name(layer))})", output_shape,
                  params]
        if not sequential_like:
            fields.append([f"{shown(inbound.name)}[{ni}][{ti}]"
                           for node in layer._inbound_nodes if node in relevant
                           for inbound, ni, ti, _ in node.iterate_inbound()])
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        print_row(fields, nested_level)
        sublayers = getattr(layer, "layers", None)
        if expand_nested and sublayers:
            print_fn("|" * (nested_level + 1) + "¯" * (line_length - 2 * nested_level - 2)
                     + "|" * (nested_level + 1))
            inner = getattr(layer, "_network_nodes", set())
            for i, sub in enumerate(sublayers):
                print_layer(sub, inner, nested_level + 1, i == len(sublayers) - 1)
            print_fn("|" * nested_level + "¯" * (line_length - 2 * nested_level)
                     + "|" * nested_level)
        if not is_last:
            print_fn("|" * nested_level + " " * (line_length - 2 * nested_level)
                     + "|" * nested_level)

    print_fn(f'Model: "{shown(model.name)}"')
    print_fn("_" * line_length)
    print_row(header)
    print_fn("=" * line_length)
    for layer in model.layers:
        print_layer(layer, model._network_nodes)
    print_fn("=" * line_length)
    trainable, trainable_size = _weights_info(model.trainable_weights)
    frozen, frozen_size = _weights_info(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + frozen} "
             f"({_readable_size(trainable_size + frozen_size)})")
    print_fn(f"Trainable params: {trainable} ({_readable_size(trainable_size)})")
    print_fn(f"Non-trainable params: {frozen} ({_readable_size(frozen_size)})")
    print_fn("_" * line_length)


def _class_name(layer):
    """The class name a summary shows: the one configs carry, without the
    package prefix of a Keras registration ('Custom>MyLayer')."""
    return registry.get_registered_name(type(layer)).rpartition(">")[2]
