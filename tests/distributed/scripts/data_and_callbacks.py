"""Run under `mpiexec -n N` with a scratch directory argument: sharding of
arrays and Sequences in fit, evaluate and predict, and the callbacks.
Each check raises AssertionError (which aborts the job) when it fails."""
import os
import sys

import numpy as np

import fastgraph.distributed as dist
from fastgraph import callbacks, layers, models, optimizers, training
from fastgraph.utils import Sequence


def model(seed=0):
    rng = np.random.default_rng(seed)
    inputs = layers.Input((3,))
    m = models.Model(inputs, layers.Dense(2)(layers.Dense(4, activation="tanh")(inputs)))
    m.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                   for w in m.get_weights()])
    m.compile(dist.DistributedOptimizer(optimizers.SGD(0.05)), "mse", metrics=["mae"])
    return m


def local(fn):
    """fn() run with the default strategy: this process and its data alone."""
    strategy = training.get_strategy()
    training.set_strategy(None)
    try:
        return fn()
    finally:
        training.set_strategy(strategy)


class Rows(Sequence):
    def __init__(self, x, y, size):
        self.x, self.y, self.size, self.read = x, y, size, []

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        self.read.append(i)
        part = slice(i * self.size, (i + 1) * self.size)
        return (self.x[part],) if self.y is None else (self.x[part], self.y[part])


def check_fit_shards_shuffled_arrays(x, y):
    """Every epoch, the ranks' batches hold each sample exactly once."""
    m = model()
    ids = np.arange(len(x), dtype=np.float32)
    xi = x.copy()
    xi[:, 0] = ids
    seen = []
    original = m._step

    def spy(bx, by, bsw, train):
        if train:
            seen.append(bx[0][:, 0].copy())
        return original(bx, by, bsw, train)

    m._step = spy
    m.fit(xi, y, batch_size=5, epochs=2, verbose=0)
    per_epoch = len(seen) // 2
    for e in range(2):
        mine = np.concatenate(seen[e * per_epoch:(e + 1) * per_epoch])
        everyone = np.sort(dist.allgather(mine))
        np.testing.assert_array_equal(everyone, ids)
    first = dist.allgather(np.concatenate(seen[:per_epoch]))
    second = dist.allgather(np.concatenate(seen[per_epoch:]))
    assert not np.array_equal(first, second), "the shuffle did not change"


def check_sequences(x, y):
    seq = Rows(x, y, 4)
    model().fit(seq, epochs=1, verbose=0, shuffle=False)
    read = np.sort(dist.allgather(np.array(seq.read)))
    np.testing.assert_array_equal(read, np.arange(len(seq)))
    m = model()
    got = m.predict(Rows(x, None, 4))
    np.testing.assert_allclose(got, local(lambda: m.predict(Rows(x, None, 4))), rtol=1e-6)
    one = Rows(x[:3], None, 4)             # fewer batches than ranks
    np.testing.assert_allclose(m.predict(one), local(lambda: m.predict(one)), rtol=1e-6)


def check_evaluate_and_predict(x, y):
    m = model()
    got = m.evaluate(x, y, batch_size=4, verbose=0)
    want = local(lambda: m.evaluate(x, y, batch_size=4, verbose=0))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    got = m.predict(x, batch_size=4)
    assert got.shape == (len(x), 2)
    np.testing.assert_array_equal(got, local(lambda: m.predict(x, batch_size=4)))
    h = m.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_split=0.25)
    assert "val_loss" in h.history


def check_callbacks(x, y, scratch):
    me = dist.rank()
    m = model(seed=me)             # every rank starts elsewhere
    warm = dist.callbacks.LearningRateWarmupCallback(0.05, warmup_epochs=2)
    lrs = []
    record = callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: lrs.append(m.optimizer.learning_rate))
    m.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[
        dist.callbacks.BroadcastGlobalVariablesCallback(0),
        dist.callbacks.MetricAverageCallback(), warm, record,
        callbacks.CSVLogger(os.path.join(scratch, f"log{me}.csv"))])
    for w in m.get_weights():
        np.testing.assert_array_equal(dist.allgather(w[None])[0], w)
        np.testing.assert_array_equal(dist.allgather(w[None])[-1], w)
    steps = len(lrs) // 3
    n = dist.size()
    assert abs(lrs[0] - 0.05 / n * (1 / steps * (n - 1) / 2 + 1)) < 1e-9, lrs[0]
    assert lrs[-1] == 0.05 and lrs[steps - 1] < 0.05
    loss = m.history.history["loss"]
    np.testing.assert_array_equal(dist.allgather(np.array(loss)[None])[0], loss)
    dist.barrier()
    assert os.path.exists(os.path.join(scratch, "log0.csv"))
    assert not any(os.path.exists(os.path.join(scratch, f"log{r}.csv"))
                   for r in range(1, n))


def main(scratch):
    dist.init()
    assert dist.local_size() == dist.size() and dist.local_rank() == dist.rank()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    y = rng.standard_normal((40, 2)).astype(np.float32)
    check_fit_shards_shuffled_arrays(x, y)
    check_sequences(x, y)
    check_evaluate_and_predict(x, y)
    check_callbacks(x, y, scratch)
    print(f"rank {dist.rank()} all checks passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
