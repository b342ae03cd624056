"""fastgraph.distributed in one process, with no MPI at all, and the
extension points it plugs into (gradients' on_ready, Shard, Strategy,
CallbackList's chief option), checked without launching ranks."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastgraph as fg
from fastgraph import callbacks, layers, models, training
from fastgraph.autodiff import gradients
from fastgraph.distributed import exchange
from fastgraph.training.sharding import Shard, split
from fastgraph.utils import Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _mlp(seed=0):
    rng = np.random.default_rng(seed)
    inputs = layers.Input((6,))
    hidden = layers.Dense(8, activation="tanh")(inputs)
    model = models.Model(inputs, layers.Dense(2)(hidden))
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5
                       for w in model.get_weights()])
    return model


def _run(code, **env):
    full = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, timeout=60)


def test_single_process_needs_no_mpi():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import fastgraph.distributed as d\n"
            "d.init(); print(d.size(), d.rank(), d.local_size(), d.local_rank(), "
            "d.is_initialized(), d.DistributedOptimizer('sgd').name)")
    env = {k: "" for k in ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE")}
    done = _run(code, SLURM_STEP_NUM_TASKS="1", **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "0", "1", "0", "True", "SGD"]


def test_mpi_launch_without_mpi4py_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import fastgraph.distributed as d\nd.init()")
    done = _run(code, PMI_RANK="0", PMI_SIZE="2")
    assert done.returncode != 0
    assert "ImportError" in done.stderr and "fastgraph[mpi]" in done.stderr


def test_functions_need_init():
    fg.distributed.shutdown()
    with pytest.raises(RuntimeError, match="init"):
        fg.distributed.rank()


def test_distributed_optimizer_alone_is_the_optimizer():
    fg.distributed.init()
    try:
        x = np.random.default_rng(1).standard_normal((32, 6)).astype(np.float32)
        y = x[:, :2] * 0.5
        plain, wrapped = _mlp(), _mlp()
        plain.compile(fg.optimizers.Adam(0.01), "mse")
        opt = fg.distributed.DistributedOptimizer(fg.optimizers.Adam(0.01))
        assert isinstance(opt, fg.optimizers.Adam)
        assert fg.optimizers.serialize(opt) == fg.optimizers.serialize(fg.optimizers.Adam(0.01))
        wrapped.compile(opt, "mse")
        for m in (plain, wrapped):
            m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        for a, b in zip(plain.get_weights(), wrapped.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert opt.exchange_stats is None
        with pytest.raises(ValueError, match="already distributed"):
            fg.distributed.DistributedOptimizer(opt)
    finally:
        fg.distributed.shutdown()


def test_on_ready_reports_each_final_gradient_once_newest_first():
    model = _mlp()
    x = np.ones((4, 6), np.float32)
    variables = model.trainable_weights

    def loss():
        return fg.ops.reduce.mean(model.call(fg.autodiff.Tensor(x), training=True))

    expected = gradients(loss(), variables)
    heard = []
    got = gradients(loss(), variables, on_ready=lambda i, g: heard.append((i, g.copy())))
    assert [i for i, _ in heard] == [2, 3, 0, 1]       # the last Dense first
    for (i, g), ref, out in zip(sorted(heard, key=lambda p: p[0]), expected, got):
        np.testing.assert_array_equal(g, ref)
        np.testing.assert_array_equal(out, ref)


def test_on_ready_hears_unused_variables_at_the_end():
    a = fg.autodiff.Variable(np.ones(3, np.float32))
    b = fg.autodiff.Variable(np.ones(2, np.float32))
    heard = []
    gradients(fg.ops.reduce.sum(a), [b, a], on_ready=lambda i, g: heard.append((i, g.sum())))
    assert heard == [(1, 3.0), (0, 0.0)]


@pytest.mark.parametrize("n,count", [(64, 2), (70, 4), (5, 3), (2, 4)])
def test_training_pieces_cover_each_global_batch(n, count):
    size = 4
    global_batches = [slice(s, min(s + size * count, n)) for s in range(0, n, size * count)]
    for batch in global_batches:
        pieces = [Shard(r, count, training=True).piece(batch) for r in range(count)]
        got = np.concatenate([np.arange(n)[p] for p in pieces])
        want = np.arange(n)[batch]
        assert all(p.stop > p.start for p in pieces)
        if batch.stop - batch.start >= count:
            np.testing.assert_array_equal(got, want)
        else:       # fewer samples than ranks: some repeat one
            assert set(got) == set(want)
        order = np.random.default_rng(0).permutation(n)[batch]
        got = np.concatenate([Shard(r, count, training=True).piece(order) for r in range(count)])
        assert set(got) == set(order)


def test_blocks_put_together_in_order():
    x = np.arange(11)
    blocks = [Shard(r, 3).block(([x],))[0][0] for r in range(3)]
    np.testing.assert_array_equal(np.concatenate(blocks), x)
    assert [split(11, r, 3) for r in range(3)] == [(0, 4), (4, 8), (8, 11)]


class _Items(Sequence):
    def __init__(self, n):
        self.n, self.ends = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return index

    def on_epoch_end(self):
        self.ends += 1


def test_sharded_sequence_training_and_test():
    seq = _Items(7)
    views = [Shard(r, 2, seed=3, training=True).sequence(seq, shuffle=True) for r in range(2)]
    for _ in range(2):
        seen = [list(v) for v in views]
        assert len(seen[0]) == len(seen[1]) == 4
        assert set(seen[0] + seen[1]) == set(range(7))
        first = seen
        for v in views:
            v.on_epoch_end()
    assert seq.ends == 4 and [list(v) for v in views] != first
    blocks = [list(Shard(r, 3).sequence(seq, shuffle=False)) for r in range(3)]
    assert blocks == [[0, 1, 2], [3, 4], [5, 6]]


def test_strategy_is_the_default_unless_set():
    assert type(training.get_strategy()) is training.Strategy
    with pytest.raises(TypeError, match="Strategy"):
        training.set_strategy(object())


def test_callback_list_leaves_chief_only_callbacks_to_the_chief(tmp_path):
    csv = callbacks.CSVLogger(str(tmp_path / "log.csv"))
    everywhere = callbacks.CSVLogger(str(tmp_path / "all.csv"))
    everywhere.chief_only = False
    other = callbacks.EarlyStopping()
    cbks = callbacks.CallbackList([csv, everywhere, other, callbacks.ProgbarLogger()],
                                  chief=False)
    assert cbks.callbacks == [everywhere, other]
    assert len(callbacks.CallbackList([csv, other], chief=True)) == 2


class _FakeRequest:
    @staticmethod
    def Testall(requests):
        return False

    @staticmethod
    def Waitall(requests):
        return None


class _FakeMPI:
    """Enough of mpi4py.MPI for GradientExchange: a second rank that sent
    the same gradients with the same weight."""
    IN_PLACE, SUM, Request = object(), object(), _FakeRequest


class _FakeComm:
    def __init__(self, log):
        self.log = log

    def Iallreduce(self, in_place, buffer, op):
        self.log.append(("send", buffer.size))
        buffer *= 2
        return _FakeRequest()


@pytest.mark.parametrize("compression", [None, "float16"])
def test_exchange_sends_full_buckets_during_backward(compression):
    model = _mlp()
    variables = model.trainable_weights         # 6x8, 8, 8x2, 2
    log = []
    ex = exchange.GradientExchange(_FakeComm(log), _FakeMPI, compression,
                                   bucket_bytes=18 * (2 if compression else 4))
    assert [b.members for b in ex._layout(variables).buckets] == [[3, 2], [1], [0]]
    on_ready = ex.begin(variables, batch_size=4)
    grads = [np.full(v.shape, i + 1.0, np.float32) for i, v in enumerate(variables)]
    for i in (3, 2, 1):
        on_ready(i, grads[i])
        log.append(("ready", i))
    assert log == [("ready", 3), ("send", 19), ("ready", 2), ("send", 9), ("ready", 1)]
    on_ready(0, grads[0])
    out = ex.average(grads, variables)
    for g, o in zip(grads, out):
        np.testing.assert_array_equal(o, g)      # (g + g) / (1 + 1)
        assert o.dtype == np.float32
    assert ex.stats.steps == 1
    assert ex.stats.bytes == (19 + 9 + 49) * (2 if compression else 4)


def test_exchange_weighs_ranks_by_batch_size():
    variables = _mlp().trainable_weights
    ex = exchange.GradientExchange(_FakeComm([]), _FakeMPI)
    ex.begin(variables, 8)
    on_ready = ex.begin(variables, 4)     # a half batch: weight 0.5 on both ranks
    grads = [np.full(v.shape, 3.0, np.float32) for v in variables]
    for i in reversed(range(4)):
        on_ready(i, grads[i])
    for o in ex.average(grads, variables):
        np.testing.assert_allclose(o, 3.0)
