"""How much of the data producer's time the BatchQueue hides.

    python -m bench.bench_queue [--steps 30] [--epochs 4] [--producer sleep]
                                [--threads 1]

A Dense model is trained with fit_generator from a Sequence whose
`__getitem__` takes about as long as one training step (measured first):
it builds the batch and then sleeps (`--producer sleep`, an I/O-bound
loader) or keeps computing (`--producer compute`, a CPU-bound augmenter)
for the rest of that time.  Epoch time with workers=0 (producer and step in
turn) is compared with workers=2 processes (producer ahead of the step); the
ideal ratio is max(step, produce / 2) / (step + produce) = 0.5.  The
step time is calibrated by the same loop with a free producer.  Epoch 1,
which includes starting the workers, is reported apart.
"""
import argparse
import statistics
import time

import numpy as np

from fastgraph import _threads
from fastgraph.callbacks import Callback
from fastgraph.layers import Dense, Input
from fastgraph.models import Model
from fastgraph.utils.sequence import Sequence

BATCH, FEATURES, CLASSES = 128, 784, 10


def build_model():
    x = Input(shape=(FEATURES,))
    h = Dense(512, activation="relu")(x)
    h = Dense(512, activation="relu")(h)
    model = Model(x, Dense(CLASSES, activation="softmax")(h))
    model.compile("sgd", "categorical_crossentropy")
    return model


def make_batch(rng):
    x = rng.standard_normal((BATCH, FEATURES), dtype=np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, BATCH)]
    return x, y


class SlowBatches(Sequence):
    """`steps` batches, each taking `seconds` to produce."""

    def __init__(self, steps, seconds, mode):
        self.steps, self.seconds, self.mode = steps, seconds, mode

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        start = time.perf_counter()
        batch = make_batch(np.random.default_rng(index))
        rest = self.seconds - (time.perf_counter() - start)
        if self.mode == "sleep":
            time.sleep(max(rest, 0.0))
        else:
            a = np.ones((64, 64), np.float32)
            while time.perf_counter() - start < self.seconds:
                a = np.tanh(a @ a * 1e-3)
        return batch


class EpochTimer(Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def step_seconds(model, steps):
    """Seconds per step of fit_generator when batches cost nothing."""
    times = epoch_times(model, SlowBatches(steps, 0.0, "sleep"), 3, workers=0)
    return statistics.median(times) / steps


def epoch_times(model, data, epochs, **queue):
    timer = EpochTimer()
    model.fit_generator(data, epochs=epochs, verbose=0, shuffle=False,
                        callbacks=[timer], **queue)
    return timer.times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--producer", choices=["sleep", "compute"], default="sleep")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads of the training step")
    args = parser.parse_args(argv)
    _threads.set_num_threads(args.threads)

    model = build_model()
    step = step_seconds(model, args.steps)
    data = SlowBatches(args.steps, step, args.producer)
    print(f"one training step: {step * 1e3:.1f} ms; producing a batch: "
          f"{step * 1e3:.1f} ms ({args.producer}); {args.steps} steps/epoch")
    inline = epoch_times(model, data, args.epochs, workers=0)
    queued = epoch_times(model, data, args.epochs, workers=2,
                         use_multiprocessing=True)
    later = slice(1, None) if args.epochs > 1 else slice(None)
    t0 = statistics.median(inline[later])
    t2 = statistics.median(queued[later])
    print(f"workers=0            : epoch {t0:.3f} s (first {inline[0]:.3f} s)")
    print(f"workers=2, processes : epoch {t2:.3f} s (first {queued[0]:.3f} s)")
    print(f"ratio workers=2 / workers=0: {t2 / t0:.2f} (ideal 0.50; the "
          f"step alone takes {step * args.steps:.3f} s per epoch)")


if __name__ == "__main__":
    main()
