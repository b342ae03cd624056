"""Trigonometric ops: sin and cos, each the other's derivative."""
import numpy as np

from ..autodiff import output
from .elementwise import floating


def sin(x):
    """Elementwise sine (radians)."""
    x = floating(x)
    xd = x.data
    return output(np.asarray(np.sin(xd)), (x,), lambda g: (g * np.cos(xd),))


def cos(x):
    """Elementwise cosine (radians)."""
    x = floating(x)
    xd = x.data
    return output(np.asarray(np.cos(xd)), (x,), lambda g: (-g * np.sin(xd),))
