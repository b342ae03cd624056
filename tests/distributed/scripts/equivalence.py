"""Run under `mpiexec -n N`: N ranks with batch B/N reach the weights one
process reaches with batch B (it trains that process on every rank too,
with the default strategy), for an MLP, a CNN and an LSTM, with every
optimizer; prints one line per case and exits 1 on a mismatch."""
import sys

import numpy as np

import fastgraph.distributed as dist
from fastgraph import layers, models, optimizers, training

OPTIMIZERS = {
    "sgd_momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "adagrad": lambda: optimizers.Adagrad(0.1),
    "adadelta": lambda: optimizers.Adadelta(1.0),
    "adam": lambda: optimizers.Adam(0.01),
    "adamax": lambda: optimizers.Adamax(0.01),
    "nadam": lambda: optimizers.Nadam(0.01),
}


def mlp():
    inputs = layers.Input((8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    return models.Model(inputs, layers.Dense(3, activation="softmax")(hidden)), (8,)


def cnn():
    inputs = layers.Input((6, 6, 1))
    x = layers.Conv2D(4, (3, 3), activation="relu")(inputs)
    x = layers.Flatten()(layers.MaxPooling2D((2, 2))(x))
    return models.Model(inputs, layers.Dense(3, activation="softmax")(x)), (6, 6, 1)


def lstm():
    inputs = layers.Input((5, 4))
    x = layers.LSTM(6)(inputs)
    return models.Model(inputs, layers.Dense(3, activation="softmax")(x)), (5, 4)


def trained(make, optimizer, x, y, batch_size):
    model, _ = make()
    rng = np.random.default_rng(7)
    model.set_weights([(rng.standard_normal(w.shape) * 0.3).astype(np.float32)
                       for w in model.get_weights()])
    model.compile(optimizer, "categorical_crossentropy")
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


def main(batch=16, steps=3):
    dist.init()
    n_ranks = dist.size()
    failed = 0
    cases = [(m, o, None) for m in (mlp, cnn, lstm) for o in OPTIMIZERS]
    cases += [(mlp, "adam", "float16"), (lstm, "sgd_momentum", "float16")]
    for make, name, compression in cases:
        shape = make()[1]
        rng = np.random.default_rng(1)
        x = rng.standard_normal((batch * steps,) + shape).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch * steps)]
        got = trained(make, dist.DistributedOptimizer(OPTIMIZERS[name](),
                                                      compression=compression),
                      x, y, batch // n_ranks)
        strategy = training.get_strategy()
        training.set_strategy(None)          # the one-process reference
        want = trained(make, OPTIMIZERS[name](), x, y, batch)
        training.set_strategy(strategy)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(got, want))
        tol = 2e-3 if compression else 2e-5
        ok = diff <= tol
        failed += not ok
        print(f"rank {dist.rank()} {make.__name__} {name} {compression} "
              f"max|diff|={diff:.2e} {'ok' if ok else 'MISMATCH'}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
