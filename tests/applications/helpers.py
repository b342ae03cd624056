"""What the application tests share: tf-keras's recorded numbers and the
reference script's tables and functions, and a model built without running
initializers."""
import json

from fastgraph import applications
from fastgraph.engine import reset_uids
from fastgraph.engine.weight_scope import WeightCreationScope

from ..reference.make_applications import (HERE, LARGE, VARIANTS, layer_rows,  # noqa: F401
                                           record, seeded_weights)

REFERENCE = HERE
RECORDS = json.loads(open(f"{HERE}/applications.json").read())


def build(key, **extra):
    """The application of record `key` (a model name or a variant), built
    with fresh layer names as tf-keras's after clear_session, its weights
    lazily mapped zeros (nothing is initialised or touched)."""
    name, kwargs = VARIANTS.get(key, (key, {}))
    reset_uids()
    with WeightCreationScope(1 << 40, dummy_limit=1 << 30):
        return getattr(applications, name)(weights=None, **kwargs, **extra)
