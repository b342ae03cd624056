"""The Keras backend (`K`): tensor ops for user losses, metrics and Lambda layers.

One namespace over several modules, one per family; `core` holds the
configuration, variables, elementwise, reduction and shape functions.
"""
from .core import *  # noqa: F401,F403
# The Keras K families (kbackend):
from .math import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .image import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .control import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
