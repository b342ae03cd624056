"""Seed program 2: a model is callable like a layer; TimeDistributed over a model.

The guide calls a trained classifier on a new Input (reusing its structure
and weights) and wraps it in TimeDistributed to classify each of 20 frames
of a sequence.  The classifier here is the dense network of
`dense_network` on the 64 pixels of the bundled 8x8 digits (the guide's is
on 784 pixels), so a sequence is (20, 64) instead of (20, 784).  The
sequences are 20 consecutive test digits; the example checks that the
wrapped model gives, frame by frame, the classifier's own predictions.

    python -m fastgraph.examples.model_as_layer
"""
import numpy as np

from fastgraph.examples import digits, parse_args, report
from fastgraph.examples.dense_network import build_model
from fastgraph.layers import Input, TimeDistributed
from fastgraph.models import Model


def main(argv=None):
    """Train the classifier, reuse it on a new Input and under TimeDistributed."""
    args, _ = parse_args(argv, __file__, __doc__, epochs=5)
    (x_train, y_train), (x_test, y_test) = digits()
    model = build_model(x_train.shape[1])
    history = model.fit(x_train, y_train, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)

    x = Input(shape=(64,))
    y = model(x)          # reuses structure and weights
    reused = Model(x, y)

    input_sequences = Input(shape=(20, 64))
    processed_sequences = TimeDistributed(model)(input_sequences)
    print("TimeDistributed(model) output shape:", processed_sequences.shape)
    sequence_model = Model(input_sequences, processed_sequences)

    n = (len(x_test) // 20) * 20
    frames, frame_labels = x_test[:n], y_test[:n]
    per_frame = model.predict(frames)
    reused_out = reused.predict(frames)
    per_sequence = sequence_model.predict(frames.reshape(-1, 20, 64))
    if not np.allclose(reused_out, per_frame, rtol=1e-5, atol=1e-6):
        raise AssertionError("the model called on a new Input predicts differently")
    if not np.allclose(per_sequence.reshape(n, 10), per_frame, rtol=1e-5, atol=1e-6):
        raise AssertionError("TimeDistributed(model) differs from the model per frame")
    accuracy = float(np.mean(per_sequence.reshape(n, 10).argmax(1) == frame_labels.argmax(1)))
    report(f"{n // 20} sequences of 20 digits", frame_accuracy=accuracy,
           output_shape=per_sequence.shape)
    return {"model": model, "reused": reused, "sequence_model": sequence_model,
            "history": history, "frame_accuracy": accuracy,
            "sequence_output_shape": tuple(processed_sequences.shape)}


if __name__ == "__main__":
    main()
