"""Seed program 11: training from a generator that reads a file.

The guide trains with `fit_generator` on batches that a Python generator
reads, line by line, from a text file, and mentions the options that run
the generator on background threads (`workers`) or processes
(`pickle_safe=True`), with `max_q_size` batches read ahead.  Here a small
file of 1,024 lines (8 + 4 features and a 0/1 label per line) is written to
a temporary folder, the generator groups its lines into batches of
`--batch-size` (the guide's yields one line at a time, a batch of one), and
the model has the inputs `input_1`, `input_2` and the output `output` that
its dicts name.  Evaluation and prediction read the file through a
`fastgraph.utils.Sequence`, which gives every batch exactly once and in
order even with several worker processes, where a plain generator would be
copied into each process and its batches repeated.

    python -m fastgraph.examples.generator_training --workers 2 --pickle-safe
"""
import os
import tempfile

import numpy as np

import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.layers import Dense, Input
from fastgraph.models import Model
from fastgraph.utils import Sequence

LINES, FEATURES_1, FEATURES_2 = 1024, 8, 4


def write_data_file(path, rng, lines=LINES):
    """Write `lines` lines 'x1 values;x2 values;label' to `path`."""
    x1 = rng.standard_normal((lines, FEATURES_1)).astype(np.float32)
    x2 = rng.standard_normal((lines, FEATURES_2)).astype(np.float32)
    y = (x1[:, :4].sum(axis=1) - x2.sum(axis=1) > 0).astype(np.float32)
    with open(path, "w") as f:
        for a, b, label in zip(x1, x2, y):
            f.write(" ".join(map(repr, a.tolist())) + ";"
                    + " ".join(map(repr, b.tolist())) + f";{label:g}\n")


def process_line(line):
    """(x1 (8,), x2 (4,), y (1,)) float32 arrays from one line of the file."""
    x1, x2, y = line.split(";")
    return (np.array(x1.split(), np.float32), np.array(x2.split(), np.float32),
            np.array([float(y)], np.float32))


def stack(samples):
    """A batch in the dicts of the guide from a list of process_line results."""
    x1, x2, y = (np.stack(parts) for parts in zip(*samples))
    return {'input_1': x1, 'input_2': x2}, {'output': y}


def generate_arrays_from_file(path, batch_size):
    """The guide's generator, batched: loops over the file forever."""
    while True:
        with open(path) as f:
            samples = []
            for line in f:
                samples.append(process_line(line))
                if len(samples) == batch_size:
                    yield stack(samples)
                    samples = []


class LinesSequence(Sequence):
    """Batch i holds lines [i * batch_size, (i + 1) * batch_size) of the file,
    found through the byte offsets of its lines."""

    def __init__(self, path, batch_size):
        self.path, self.batch_size = path, batch_size
        self.offsets = [0]
        with open(path, "rb") as f:
            for line in f:
                self.offsets.append(self.offsets[-1] + len(line))
        self.offsets.pop()

    def __len__(self):
        return -(-len(self.offsets) // self.batch_size)

    def __getitem__(self, index):
        first = index * self.batch_size
        with open(self.path, "rb") as f:
            f.seek(self.offsets[first])
            count = min(self.batch_size, len(self.offsets) - first)
            return stack([process_line(f.readline().decode()) for _ in range(count)])


def build_model():
    """Two inputs named as the generator's dict keys, one sigmoid output."""
    input_1 = Input(shape=(FEATURES_1,), name='input_1')
    input_2 = Input(shape=(FEATURES_2,), name='input_2')
    x = fastgraph.layers.concatenate([input_1, input_2])
    x = Dense(32, activation='relu')(x)
    output = Dense(1, activation='sigmoid', name='output')(x)
    model = Model(inputs=[input_1, input_2], outputs=output)
    model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['accuracy'])
    return model


def main(argv=None):
    """Write the data file, train from the generator, evaluate and predict."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3, options=[
        ("--workers", dict(type=int, default=1,
                           help="background workers reading batches (default 1)")),
        ("--pickle-safe", dict(action="store_true",
                               help="workers are processes instead of threads")),
        ("--max-q-size", dict(type=int, default=10,
                              help="batches read ahead (default 10)")),
    ])
    options = dict(workers=args.workers, pickle_safe=args.pickle_safe,
                   max_q_size=args.max_q_size)
    model = build_model()
    with tempfile.TemporaryDirectory(prefix="fastgraph-generator-") as folder:
        path = os.path.join(folder, "my_file.txt")
        write_data_file(path, rng)
        print("data file:", path)
        steps = LINES // args.batch_size
        # With processes, one worker keeps the plain generator's batches unrepeated.
        train_options = dict(options, workers=1) if args.pickle_safe else options
        history = model.fit_generator(generate_arrays_from_file(path, args.batch_size),
                                      steps_per_epoch=steps, epochs=args.epochs,
                                      verbose=args.verbose, **train_options)
        sequence = LinesSequence(path, args.batch_size)
        loss, accuracy = model.evaluate_generator(sequence, steps=len(sequence), **options)
        predictions = model.predict_generator(sequence, steps=len(sequence), **options)
        with open(path) as f:
            inputs = stack([process_line(line) for line in f])[0]
    if not np.allclose(predictions, model.predict(inputs), rtol=1e-5, atol=1e-6):
        raise AssertionError("predict_generator gave batches out of order")
    report("trained from a file", loss=float(loss), accuracy=float(accuracy),
           predictions=predictions.shape, workers=args.workers,
           processes=args.pickle_safe)
    return {"model": model, "history": history, "loss": float(loss),
            "accuracy": float(accuracy), "predictions": predictions}


if __name__ == "__main__":
    main()
