"""Tensor: a NumPy array plus what the tape needs to differentiate through it.

Arithmetic operators are attached by fastgraph.ops when it is imported, so
this module stays free of any op.
"""
import numpy as np

_FLOATX = ["float32"]


def floatx():
    """The default float type name ('float32')."""
    return _FLOATX[0]


def set_floatx(name):
    """Set the default float type ('float32' or 'float64')."""
    if name not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx: expected 'float16', 'float32' or "
                         f"'float64', got {name!r}")
    _FLOATX[0] = name


class Tensor:
    """An array flowing through ops.

    `requires_grad` is True for variables and for outputs of recorded ops;
    `_rec` is the record (see tape.py) that produced it, or None.  An op may
    return a subclass that carries more about how the value was made.
    """

    __slots__ = ("data", "requires_grad", "_rec", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray op Tensor` to us

    def __init__(self, data, requires_grad=False):
        self.data = data
        self.requires_grad = requires_grad
        self._rec = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    def numpy(self):
        """The underlying array (not a copy)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is None or dtype == self.data.dtype:
            return self.data
        return self.data.astype(dtype)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        kind = "Variable" if isinstance(self, Variable) else "Tensor"
        return f"<{kind} shape={self.data.shape} dtype={self.data.dtype}>"


class Variable(Tensor):
    """A tensor that holds state (a weight): gradients flow to it.

    Its array is updated in place by optimizers, so views of it stay valid.
    """

    __slots__ = ("name", "trainable", "constraint")

    def __init__(self, value, dtype=None, name=None, trainable=True,
                 constraint=None, copy=True):
        dtype = dtype or getattr(value, "dtype", None) or floatx()
        # copy=False adopts a fresh array (an initializer's output) as is
        super().__init__(np.array(value, dtype=dtype, order="C",
                                  copy=True if copy else None),
                         requires_grad=True)
        self.name = name
        self.trainable = trainable
        self.constraint = constraint

    def assign(self, value):
        """Copy `value` into the variable, checking its shape."""
        value = np.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Variable {self.name!r}: cannot assign a value of shape "
                f"{value.shape}, expected {self.data.shape}")
        np.copyto(self.data, value, casting="same_kind")


def as_tensor(x, dtype=None):
    """Wrap an array-like as a Tensor; Tensors pass through unchanged.

    Python floats and float64 arrays without an explicit dtype become floatx,
    so NumPy inputs never promote a float32 graph to float64.
    """
    if isinstance(x, Tensor):
        return x
    if dtype is not None:
        return Tensor(np.asarray(x, dtype=dtype))
    arr = np.asarray(x)
    if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
        arr = arr.astype(floatx())
    return Tensor(arr)


def as_array(x):
    """The NumPy array behind a Tensor, or `x` as an array."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)
