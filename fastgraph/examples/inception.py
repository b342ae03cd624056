"""Seed program 6: an inception block, as a digit classifier.

The guide's block runs three towers side by side on one image (1x1 then
3x3 convolutions, 1x1 then 5x5, 3x3 max pooling then 1x1) and concatenates
them on axis 1, as it is written.  With channels-last images axis 1 is the
height, so the towers are stacked one above the other (axis=-1 would stack
their channels, the usual inception layout); the example keeps the guide's
axis.  Shrunk: the input is the bundled 8x8x1 digits (the guide: 256x256x3)
and each convolution has 8 filters (the guide: 64); a Flatten and a
Dense(10, softmax) on top make it a classifier trained on 512 digits.

    python -m fastgraph.examples.inception --epochs 5
"""
import fastgraph
from fastgraph.examples import digits, parse_args, report
from fastgraph.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from fastgraph.models import Model

FILTERS = 8


def inception_block(input_img, filters=FILTERS):
    """The guide's three towers on `input_img`, concatenated on axis 1."""
    tower_1 = Conv2D(filters, (1, 1), padding='same', activation='relu')(input_img)
    tower_1 = Conv2D(filters, (3, 3), padding='same', activation='relu')(tower_1)
    tower_2 = Conv2D(filters, (1, 1), padding='same', activation='relu')(input_img)
    tower_2 = Conv2D(filters, (5, 5), padding='same', activation='relu')(tower_2)
    tower_3 = MaxPooling2D((3, 3), strides=(1, 1), padding='same')(input_img)
    tower_3 = Conv2D(filters, (1, 1), padding='same', activation='relu')(tower_3)
    return fastgraph.layers.concatenate([tower_1, tower_2, tower_3], axis=1)


def main(argv=None):
    """Train the inception block with a softmax on top on 512 digits."""
    args, _ = parse_args(argv, __file__, __doc__, epochs=3)
    (x_train, y_train), (x_test, y_test) = digits(images=True)
    input_img = Input(shape=(8, 8, 1))
    output = inception_block(input_img)
    print("inception block output shape:", output.shape)
    predictions = Dense(10, activation='softmax')(Flatten()(output))
    model = Model(inputs=input_img, outputs=predictions)
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x_train[:512], y_train[:512], epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    report("inception classifier on the digits test set", loss=float(loss),
           accuracy=float(accuracy))
    return {"model": model, "history": history, "block_shape": tuple(output.shape),
            "test_accuracy": float(accuracy)}


if __name__ == "__main__":
    main()
