"""Keras 2's examples/cifar10_cnn.py: a CNN on CIFAR-10, images augmented live.

The program is Keras 2's, line for line, with `keras` replaced by
`fastgraph`: `cifar10.load_data()`, `to_categorical`, four Conv2D layers
with max pooling and dropout, Dense(512), softmax over 10 classes,
RMSprop(learning_rate=0.0001, decay=1e-6), and an
`ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1,
horizontal_flip=True, ...)` fitted on the images whose `flow` feeds
`fit_generator` on background workers.  What the command line changes:
`--epochs` (Keras: 100), `--batch-size` (32), `--workers` (4),
`--no-augmentation` (Keras's `data_augmentation = False` branch: plain
`fit` with shuffling), `--save-dir` (Keras saves the trained model to
saved_models/keras_cifar10_trained_model.h5 under the current folder; here
only when asked), `--samples N` (the first N images of each part; Keras:
all 50,000 and 10,000), and `--synthetic`, which is also what runs when
CIFAR-10 is not in the Keras cache (there is no download here): uint8
images of CIFAR's shape whose class a colour and a noisy texture carry,
uint8 labels of shape (n, 1).

    python -m fastgraph.examples.cifar10_cnn --epochs 100
    python -m fastgraph.examples.cifar10_cnn --synthetic --samples 2000 --epochs 5
"""
import os

import numpy as np

import fastgraph
from fastgraph import backend
from fastgraph.datasets import cifar10
from fastgraph.examples import cached_dataset, data_options, parse_args
from fastgraph.layers import Conv2D, MaxPooling2D
from fastgraph.layers import Dense, Dropout, Activation, Flatten
from fastgraph.models import Sequential
from fastgraph.preprocessing.image import ImageDataGenerator

batch_size = 32
num_classes = 10
model_name = 'keras_cifar10_trained_model.h5'

SYNTHETIC_SAMPLES = 512     # training images when --synthetic has no --samples


def synthetic_images(rng, samples):
    """(x_train, y_train), (x_test, y_test) as `cifar10.load_data` returns
    them (a test part a fifth of the training part): each class a colour
    the pixels scatter around, which flips and shifts keep."""
    colours = rng.uniform(40, 215, (num_classes, 3))

    def part(n):
        labels = rng.integers(0, num_classes, n)
        pixels = colours[labels][:, None, None, :] + rng.normal(0, 30, (n, 32, 32, 3))
        images = np.clip(pixels, 0, 255).astype("uint8")
        if backend.image_data_format() == "channels_first":
            images = images.transpose(0, 3, 1, 2)
        return images, labels.astype("uint8").reshape(n, 1)

    return part(samples), part(max(1, samples // 5))


def load(args, rng):
    """The data: CIFAR-10 from the Keras cache, or synthetic images."""
    if args.synthetic or not cached_dataset("cifar-10-batches-py",
                                            "cifar-10-batches-py.tar.gz"):
        print('(synthetic images in the form of cifar10.load_data)')
        return synthetic_images(rng, args.samples or SYNTHETIC_SAMPLES), True
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    n = args.samples
    return ((x_train[:n], y_train[:n]), (x_test[:n], y_test[:n])), False


def build_model(input_shape):
    """Keras 2's CNN, compiled with its RMSprop."""
    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding='same',
                     input_shape=input_shape))
    model.add(Activation('relu'))
    model.add(Conv2D(32, (3, 3)))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Conv2D(64, (3, 3), padding='same'))
    model.add(Activation('relu'))
    model.add(Conv2D(64, (3, 3)))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Flatten())
    model.add(Dense(512))
    model.add(Activation('relu'))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation('softmax'))

    # initiate RMSprop optimizer
    opt = fastgraph.optimizers.RMSprop(learning_rate=0.0001, decay=1e-6)

    # Let's train the model using RMSprop
    model.compile(loss='categorical_crossentropy',
                  optimizer=opt,
                  metrics=['accuracy'])
    return model


def main(argv=None):
    """Keras 2's cifar10_cnn.py: load, build, augment, train, save, score."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=2, batch_size=batch_size,
                           options=data_options(
                               "images of each part (default all 50,000 and "
                               f"10,000; {SYNTHETIC_SAMPLES} and a fifth as many "
                               "synthetic)") + [
        ("--workers", dict(type=int, default=4,
                           help="threads running the augmentation (default 4)")),
        ("--no-augmentation", dict(action="store_true",
                                   help="train on the images as they are")),
        ("--save-dir", dict(default=None,
                            help=f"save the trained model there as {model_name}"))])
    data_augmentation = not args.no_augmentation

    # The data, split between train and test sets:
    ((x_train, y_train), (x_test, y_test)), synthetic = load(args, rng)
    print('x_train shape:', x_train.shape)
    print(x_train.shape[0], 'train samples')
    print(x_test.shape[0], 'test samples')

    # Convert class vectors to binary class matrices.
    y_train = fastgraph.utils.to_categorical(y_train, num_classes)
    y_test = fastgraph.utils.to_categorical(y_test, num_classes)

    model = build_model(x_train.shape[1:])

    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255

    if not data_augmentation:
        print('Not using data augmentation.')
        history = model.fit(x_train, y_train,
                            batch_size=args.batch_size,
                            epochs=args.epochs,
                            validation_data=(x_test, y_test),
                            shuffle=True, verbose=args.verbose)
    else:
        print('Using real-time data augmentation.')
        # This will do preprocessing and realtime data augmentation:
        datagen = ImageDataGenerator(
            featurewise_center=False,  # set input mean to 0 over the dataset
            samplewise_center=False,  # set each sample mean to 0
            featurewise_std_normalization=False,  # divide inputs by std of the dataset
            samplewise_std_normalization=False,  # divide each input by its std
            zca_whitening=False,  # apply ZCA whitening
            zca_epsilon=1e-06,  # epsilon for ZCA whitening
            rotation_range=0,  # randomly rotate images in the range (degrees, 0 to 180)
            # randomly shift images horizontally (fraction of total width)
            width_shift_range=0.1,
            # randomly shift images vertically (fraction of total height)
            height_shift_range=0.1,
            shear_range=0.,  # set range for random shear
            zoom_range=0.,  # set range for random zoom
            channel_shift_range=0.,  # set range for random channel shifts
            # set mode for filling points outside the input boundaries
            fill_mode='nearest',
            cval=0.,  # value used for fill_mode = "constant"
            horizontal_flip=True,  # randomly flip images
            vertical_flip=False,  # randomly flip images
            # set rescaling factor (applied before any other transformation)
            rescale=None,
            # set function that will be applied on each input
            preprocessing_function=None,
            # image data format, either "channels_first" or "channels_last"
            data_format=None,
            # fraction of images reserved for validation (strictly between 0 and 1)
            validation_split=0.0)

        # Compute quantities required for feature-wise normalization
        # (std, mean, and principal components if ZCA whitening is applied).
        datagen.fit(x_train)

        # Fit the model on the batches generated by datagen.flow().
        history = model.fit_generator(datagen.flow(x_train, y_train,
                                                   batch_size=args.batch_size,
                                                   seed=args.seed),
                                      epochs=args.epochs,
                                      validation_data=(x_test, y_test),
                                      workers=args.workers, verbose=args.verbose)

    # Save model and weights
    if args.save_dir is not None:
        if not os.path.isdir(args.save_dir):
            os.makedirs(args.save_dir)
        model_path = os.path.join(args.save_dir, model_name)
        model.save(model_path)
        print('Saved trained model at %s ' % model_path)

    # Score trained model.
    scores = model.evaluate(x_test, y_test, verbose=args.verbose)
    print('Test loss:', scores[0])
    print('Test accuracy:', scores[1])
    return {"model": model, "history": history, "test_loss": float(scores[0]),
            "test_accuracy": float(scores[1]), "synthetic": synthetic}


if __name__ == "__main__":
    main()
