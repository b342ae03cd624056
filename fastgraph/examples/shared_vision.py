"""Seed program 8: a shared vision model, two digits compared.

The guide builds a small vision model (two 3x3 convolutions, 2x2 max
pooling, Flatten), calls it on two digit images (one set of weights) and
classifies the concatenated codes with one sigmoid unit.  Shrunk: the
bundled 8x8x1 digits (the guide: 27x27x1 MNIST crops) and 32 filters per
convolution (64).  The question asked of a pair is whether the first digit
is the larger, which the guide's head can answer by comparing the two
codes (its own question, "the same digit?", needs a comparison that one
Dense unit on the concatenated codes cannot make).

    python -m fastgraph.examples.shared_vision --epochs 5
"""
import numpy as np

import fastgraph
from fastgraph.examples import digits, parse_args, report
from fastgraph.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from fastgraph.models import Model


def build_models(shape=(8, 8, 1), filters=32):
    """(vision_model, classification_model) as the guide builds them, the
    second compiled."""
    digit_input = Input(shape=shape)
    x = Conv2D(filters, (3, 3))(digit_input)
    x = Conv2D(filters, (3, 3))(x)
    x = MaxPooling2D((2, 2))(x)
    out = Flatten()(x)
    vision_model = Model(digit_input, out)

    # Then define the tell-digits-apart model
    digit_a = Input(shape=shape)
    digit_b = Input(shape=shape)
    # The vision model will be shared, weights and all
    out_a = vision_model(digit_a)
    out_b = vision_model(digit_b)
    concatenated = fastgraph.layers.concatenate([out_a, out_b])
    out = Dense(1, activation='sigmoid')(concatenated)
    classification_model = Model([digit_a, digit_b], out)
    classification_model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                                 metrics=['accuracy'])
    return vision_model, classification_model


def make_pairs(rng, images, labels, n):
    """(images_a, images_b, larger (n, 1)): pairs of different digits,
    labelled 1 when the first is the larger."""
    classes = labels.argmax(axis=1)
    first = rng.integers(0, len(images), 2 * n)
    second = rng.integers(0, len(images), 2 * n)
    keep = np.flatnonzero(classes[first] != classes[second])[:n]
    first, second = first[keep], second[keep]
    larger = (classes[first] > classes[second]).astype(np.float32)[:, None]
    return images[first], images[second], larger


def main(argv=None):
    """Train the pair classifier on digit pairs; report test-pair accuracy."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3)
    (x_train, y_train), (x_test, y_test) = digits(images=True)
    vision_model, model = build_models()
    a, b, larger = make_pairs(rng, x_train, y_train, 512)
    history = model.fit([a, b], larger, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    ta, tb, tlarger = make_pairs(rng, x_test, y_test, 256)
    loss, accuracy = model.evaluate([ta, tb], tlarger, verbose=0)
    report("larger-digit classifier on test pairs", loss=float(loss),
           accuracy=float(accuracy), vision_params=vision_model.count_params())
    return {"vision_model": vision_model, "model": model, "history": history,
            "test_accuracy": float(accuracy)}


if __name__ == "__main__":
    main()
