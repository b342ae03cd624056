"""The smoke test of an installed fastgraph, run by .ci/smoke outside the
checkout: every kernel family imports at the level dispatch chose (the one
FASTGRAPH_CPU_LEVEL forces, when set), every level built holds every
family, a model trains one step, and `python -m fastgraph info` succeeds
and names the level.

    python smoke.py KERNEL_SOURCES    the checkout's fastgraph/_kernels (the
                                      .pyx there list the families expected)
"""
import glob
import os
import subprocess
import sys

import numpy as np

import fastgraph
from fastgraph._kernels import dispatch, load
from fastgraph.layers import Conv2D, Dense, Flatten, Input
from fastgraph.models import Model


def main(sources):
    where = os.path.dirname(os.path.abspath(fastgraph.__file__))
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(sources)))
    assert not where.startswith(checkout + os.sep), f"fastgraph imported from {where}"
    families = {os.path.basename(p)[:-4] for p in glob.glob(os.path.join(sources, "*.pyx"))}
    level = dispatch.level()
    forced = os.environ.get(dispatch.ENV)
    assert not forced or level == forced, (level, forced)
    for lv in dispatch.built():
        missing = families - set(dispatch.SHARED) - set(dispatch.modules(lv))
        assert not missing, f"level {lv} lacks {sorted(missing)}"
    for family in sorted(families):
        load(family)
    fastgraph.utils.set_random_seed(0)   # the same loss at every level
    x = np.random.RandomState(0).rand(8, 6, 6, 1).astype("float32")
    inputs = Input((6, 6, 1))
    model = Model(inputs, Dense(2, activation="softmax")(
        Flatten()(Conv2D(3, 3, activation="relu")(inputs))))
    model.compile("adam", "sparse_categorical_crossentropy")
    loss = model.train_on_batch(x, np.arange(8) % 2)
    assert np.isfinite(loss), loss
    info = subprocess.run([sys.executable, "-m", "fastgraph", "info"],
                          capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stdout + info.stderr
    assert f"kernel level: {level} (" in info.stdout, info.stdout
    print(f"smoke: fastgraph {fastgraph.__version__} from {where}: {len(families)} "
          f"kernel families import at level {level} (built: "
          f"{', '.join(dispatch.built())}), one training step (loss {float(loss):.4f}), "
          f"`python -m fastgraph info` ok")


if __name__ == "__main__":
    main(sys.argv[1])
