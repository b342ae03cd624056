"""CategoryEncoding, Hashing and HashedCrossing (tf-keras 2.x).  The hashes
are TensorFlow's, bit for bit, in C (csrc/hashing.c): FarmHash Fingerprint64
for Hashing without salt, SipHash-2-4 keyed by the salt with it, tf's
FingerprintCat64 chain for crossings; integers hash as their decimal text."""
import numbers

import numpy as np

from ... import _kernels
from ...autodiff import Tensor, floatx
from ...engine.dtypes import as_strings
from ...engine.layer import Layer
from .base import check_choice, check_positive_int, no_gradient, values
from .categorical import (COUNT, INT, MULTI_HOT, ONE_HOT, encode, encoded_shape,
                          output_mode_name)

_hashing = _kernels.load("hashing")
_CROSS_KEY = np.uint64(0xDECAFCAFFE)      # tf.sparse.cross_hashed's default key


def _as_hash_text(x, where):
    """Strings as they are, integers as their decimal text (tf.as_string)."""
    if x.dtype.kind in "iu":
        return np.ascontiguousarray(np.char.mod("%d", x))
    if x.dtype.kind in "USO":
        a = as_strings(x, where)       # str arrays hash in C as they are
        return np.ascontiguousarray(a, dtype=None if a.dtype.kind == "U" else object)
    raise TypeError(f"{where}: expected string or integer inputs, got dtype {x.dtype}")


def fingerprint64(x, where):
    """tf's Fingerprint64 of each string (or integer's text) of `x`."""
    return _hashing.fingerprint64(_as_hash_text(x, where))


def _default_dtype(kwargs, output_mode):
    if kwargs.get("dtype") is None:
        kwargs["dtype"] = "int64" if output_mode == INT else floatx()
    elif output_mode == INT and np.dtype(kwargs["dtype"]).kind not in "iu":
        kwargs["dtype"] = "int64"
    return kwargs


def _no_sparse(layer, sparse):
    if sparse:
        raise ValueError(f"{layer}: sparse outputs are not supported (fastgraph has "
                         f"no sparse tensors); use sparse=False")


class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) as one_hot, multi_hot or count vectors
    (count weighted by `count_weights` when given)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        if "max_tokens" in kwargs:
            num_tokens = kwargs.pop("max_tokens")
        kwargs.setdefault("dtype", floatx())
        super().__init__(**kwargs)
        output_mode = output_mode_name(output_mode)
        check_choice("CategoryEncoding", "output_mode", output_mode,
                     (COUNT, ONE_HOT, MULTI_HOT))
        if num_tokens is None:
            raise ValueError("CategoryEncoding: num_tokens must be set to use this "
                             "layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        self.num_tokens = check_positive_int("CategoryEncoding", "num_tokens", num_tokens)
        _no_sparse("CategoryEncoding", sparse)
        self.output_mode, self.sparse = output_mode, False

    def call(self, inputs, count_weights=None):
        no_gradient(self, inputs)
        ids = values(inputs)
        if ids.dtype.kind not in "iub" and not (
                ids.dtype.kind == "f" and np.array_equal(ids, np.round(ids))):
            raise TypeError(f'Layer "{self.name}" (CategoryEncoding) expects integer '
                            f'ids, got dtype {ids.dtype}')
        if count_weights is not None and self.output_mode != COUNT:
            raise ValueError(f"CategoryEncoding: `count_weights` is not used when "
                             f"`output_mode` is not 'count', got output_mode="
                             f"{self.output_mode!r}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            bad = ids.min() if ids.min() < 0 else ids.max()
            raise ValueError(f'Layer "{self.name}" (CategoryEncoding): input values '
                             f'must be in the range 0 <= values < num_tokens with '
                             f'num_tokens={self.num_tokens}, got {bad}')
        weights = None if count_weights is None else values(count_weights)
        return Tensor(encode(ids.astype(np.int64), self.output_mode, self.num_tokens,
                             self.dtype, f'Layer "{self.name}"', weights))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode,
                       "sparse": False})
        return config


class Hashing(Layer):
    """Strings or integers to bins: Fingerprint64(x) % num_bins (SipHash
    keyed by `salt` when given); `mask_value` maps to bin 0 and the rest to
    1 + hash % (num_bins - 1), as tf-keras."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int",
                 sparse=False, **kwargs):
        self.num_bins = check_positive_int("Hashing", "num_bins", num_bins)
        output_mode = output_mode_name(output_mode)
        check_choice("Hashing", "output_mode", output_mode,
                     (INT, ONE_HOT, MULTI_HOT, COUNT))
        super().__init__(**_default_dtype(kwargs, output_mode))
        _no_sparse("Hashing", sparse)
        self.mask_value, self.output_mode, self.sparse = mask_value, output_mode, False
        if salt is None:
            self.salt = None
        elif isinstance(salt, (list, tuple)) and len(salt) == 2 and all(
                isinstance(s, numbers.Integral) for s in salt):
            self.salt = [int(salt[0]), int(salt[1])]
        elif isinstance(salt, numbers.Integral) and not isinstance(salt, bool):
            self.salt = [int(salt), int(salt)]
        else:
            raise ValueError(f"Hashing: the `salt` argument can only be a tuple of "
                             f"size 2 integers, or a single integer, got {salt!r}")
        self.strong_hash = self.salt is not None

    def hash_bins(self, x):
        """The int64 bin of each element of the array `x`."""
        where = f'Layer "{self.name}" (Hashing)'
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = x == (self.mask_value if x.dtype.kind in "iu"
                         else str(self.mask_value))
        text = _as_hash_text(x, where)
        if self.strong_hash:
            k0, k1 = (s % 2 ** 64 for s in self.salt)
            hashed = _hashing.siphash(text, k0, k1)
        else:
            hashed = _hashing.fingerprint64(text)
        out = (hashed % np.uint64(bins)).astype(np.int64)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        no_gradient(self, inputs)
        ids = self.hash_bins(values(inputs))
        return Tensor(encode(ids, self.output_mode, self.num_bins, self.dtype,
                             f'Layer "{self.name}"'))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": False})
        return config


class HashedCrossing(Layer):
    """The crossing of two or more categorical inputs (strings or integers
    of shape (), (batch,) or (batch, 1)) hashed into `num_bins` bins, as
    tf.sparse.cross_hashed; output_mode int or one_hot."""

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        self.num_bins = check_positive_int("HashedCrossing", "num_bins", num_bins)
        check_choice("HashedCrossing", "output_mode", output_mode, (INT, ONE_HOT))
        super().__init__(**_default_dtype(kwargs, output_mode))
        _no_sparse("HashedCrossing", sparse)
        self.output_mode, self.sparse = output_mode, False

    def _check(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 2:
            raise ValueError(f"HashedCrossing should be called on a list or tuple of "
                             f"at least two inputs, got {shapes!r}")
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"All HashedCrossing inputs should have shape [], "
                             f"[batch_size] or [batch_size, 1], got {first}")
        if any(tuple(s) != first for s in shapes[1:]):
            raise ValueError(f"All HashedCrossing inputs should have equal shape, "
                             f"got {[tuple(s) for s in shapes]}")

    def call(self, inputs):
        no_gradient(self, inputs)
        arrays = [values(x) for x in inputs] if isinstance(inputs, (list, tuple)) \
            else inputs
        self._check([a.shape for a in arrays] if isinstance(arrays, list) else arrays)
        shape = arrays[0].shape
        where = f'Layer "{self.name}" (HashedCrossing)'
        h = np.full(arrays[0].size, _CROSS_KEY, np.uint64)
        for a in arrays:
            if a.dtype.kind in "iu":
                col = a.reshape(-1).astype(np.int64).view(np.uint64)
            elif a.dtype.kind in "USO":
                col = fingerprint64(a.reshape(-1), where)
            else:
                raise TypeError(f"{where}: all inputs should have an integer or "
                                f"string dtype, got {a.dtype}")
            h = _hashing.fingerprint_cat64(h, np.ascontiguousarray(col))
        ids = (h % np.uint64(self.num_bins)).astype(np.int64).reshape(shape)
        return Tensor(encode(ids, self.output_mode, self.num_bins, self.dtype, where))

    def compute_output_shape(self, input_shapes):
        self._check(input_shapes)
        return encoded_shape(input_shapes[0], self.output_mode, self.num_bins)

    def _compute_output_dtype(self, input_dtypes):
        return self.dtype

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode,
                       "sparse": False})
        return config
