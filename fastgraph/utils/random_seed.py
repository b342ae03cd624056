"""set_random_seed: one call that makes a run repeatable."""
import random

import numpy as np

from ..ops.random import set_seed


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global generator and fastgraph's
    own (dropout, weight initializers), as tf-keras's `set_random_seed`
    seeds Python, NumPy and TensorFlow."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed: expected `seed` argument to be an "
                         f"integer. Received: seed={seed!r} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)
