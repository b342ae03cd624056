"""Seed program 1: a dense network, trained on the bundled digits.

The guide's network takes 784 inputs (28x28 MNIST images); here it takes
the 64 pixels of the bundled 8x8 digits, scaled to [0, 1], so it trains in
a second without downloads.  Layers, optimizer, loss and metric are the
guide's: Dense(64, relu), Dense(64, relu), Dense(10, softmax), RMSprop,
categorical crossentropy, accuracy.

    python -m fastgraph.examples.dense_network --epochs 10
"""
from fastgraph.layers import Dense, Input
from fastgraph.models import Model

from fastgraph.examples import digits, parse_args, report


def build_model(input_dim=64):
    """The guide's dense network on `input_dim` features, compiled."""
    inputs = Input(shape=(input_dim,))
    x = Dense(64, activation='relu')(inputs)
    x = Dense(64, activation='relu')(x)
    predictions = Dense(10, activation='softmax')(x)

    model = Model(inputs=inputs, outputs=predictions)
    model.compile(optimizer='rmsprop',
                  loss='categorical_crossentropy',
                  metrics=['accuracy'])
    return model


def main(argv=None):
    """Train the dense network on the digits and report test accuracy."""
    args, _ = parse_args(argv, __file__, __doc__, epochs=10)
    (data, labels), (x_test, y_test) = digits()
    model = build_model(data.shape[1])
    history = model.fit(data, labels, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    report("dense network on the digits test set", loss=float(loss),
           accuracy=float(accuracy))
    return {"model": model, "history": history, "test_loss": float(loss),
            "test_accuracy": float(accuracy)}


if __name__ == "__main__":
    main()
