"""Seed program 5: layer nodes, and the questions a shared layer answers.

Every call of a layer on a symbolic tensor adds a node to it.  With one
node, `layer.output` and `layer.input_shape` are unambiguous; a layer
called on two inputs has two nodes, `layer.output` raises an error that
says so, and `get_output_at(i)` / `get_input_shape_at(i)` name the call.
Nothing is computed, so the guide's sizes are kept.

    python -m fastgraph.examples.layer_nodes
"""
import argparse

from fastgraph.examples import example_prog
from fastgraph.layers import LSTM, Conv2D, Input


def main(argv=None):
    """Run the guide's assertions on layer nodes, printing each answer."""
    argparse.ArgumentParser(prog=example_prog(__file__),
                            description=__doc__.strip().splitlines()[0]).parse_args(argv)

    a = Input(shape=(140, 256))
    lstm = LSTM(32)
    encoded_a = lstm(a)
    assert lstm.output == encoded_a
    print("one node: lstm.output is the tensor of its call:", lstm.output.shape)

    a = Input(shape=(140, 256))
    b = Input(shape=(140, 256))
    lstm = LSTM(32)
    encoded_a = lstm(a)
    encoded_b = lstm(b)
    try:
        lstm.output  # noqa: B018  (the access itself raises)
    except AttributeError as err:
        message = str(err)
    else:
        raise AssertionError("lstm.output should raise for a layer with two nodes")
    print("two nodes: lstm.output raises:", message)
    assert lstm.get_output_at(0) == encoded_a
    assert lstm.get_output_at(1) == encoded_b
    print("get_output_at(0) and get_output_at(1) are the two calls' tensors")

    a = Input(shape=(32, 32, 3))
    b = Input(shape=(64, 64, 3))
    conv = Conv2D(16, (3, 3), padding='same')
    conved_a = conv(a)
    # Only one input so far, the following will work:
    assert conv.input_shape == (None, 32, 32, 3)
    conved_b = conv(b)
    # Now the `.input_shape` property wouldn't work, but this does:
    assert conv.get_input_shape_at(0) == (None, 32, 32, 3)
    assert conv.get_input_shape_at(1) == (None, 64, 64, 3)
    print("conv input shapes per node:", conv.get_input_shape_at(0),
          conv.get_input_shape_at(1), "outputs:", conved_a.shape, conved_b.shape)
    return {"multiple_nodes_error": message,
            "conv_input_shapes": [conv.get_input_shape_at(i) for i in range(2)]}


if __name__ == "__main__":
    main()
