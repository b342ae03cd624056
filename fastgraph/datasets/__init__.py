"""Small data sets bundled with fastgraph (no downloads), in keras.datasets style."""
from . import digits

__all__ = ["digits"]
