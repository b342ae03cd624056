"""Run under `mpiexec -n 2` with 'raise' or 'kill': rank 1 fails in the
middle of fit (raises an exception, or is killed by SIGKILL) while rank 0
keeps training; the job must end within seconds, never hang."""
import os
import signal
import sys

import numpy as np

import fastgraph.distributed as dist
from fastgraph import callbacks, layers, models


def fail(batch, logs):
    if batch == 3 and dist.rank() == 1:
        if sys.argv[1] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("rank 1 breaks on purpose")


dist.init()
print(f"rank {dist.rank()} pid {os.getpid()}", flush=True)
inputs = layers.Input((4,))
model = models.Model(inputs, layers.Dense(1)(inputs))
model.compile(dist.DistributedOptimizer("sgd"), "mse")
x = np.ones((4000, 4), np.float32)
model.fit(x, x[:, :1], batch_size=4, epochs=1000, verbose=0,
          callbacks=[callbacks.LambdaCallback(on_train_batch_end=fail)])
