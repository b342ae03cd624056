"""StringLookup and IntegerLookup (tf-keras 2.x's IndexLookup): tokens to
indices (or back, `invert=True`) over a vocabulary given as a list, an
array or a file (one token a line) or learned by `adapt` (most frequent
first, ties by token descending, as tf-keras sorts).  Index layout:
[mask_token (int mode only)] [num_oov_indices OOV buckets] [vocabulary];
several OOV buckets take Fingerprint64(token) % n (strings) or token % n
(integers).  Lookups are sorted searches (np.searchsorted), no Python loop
over the elements.  The vocabulary (and idf weights) are part of the config,
so they save and load with the model."""
import numbers
import os
from collections import Counter
from itertools import repeat

import numpy as np

from ...autodiff import Tensor, floatx
from ...engine.dtypes import STRING, as_strings
from .base import PreprocessingLayer, check_choice, no_gradient, values
from .categorical import (COUNT, INT, MULTI_HOT, ONE_HOT, TF_IDF, encode, encoded_shape,
                          output_mode_name)
from .encoding import fingerprint64

_MISSING, _MASKED = -1, -2      # lookup table answers besides indices


class _IndexLookup(PreprocessingLayer):
    """The shared lookup machinery; subclasses fix the token type."""

    _strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, **kwargs):
        name = type(self).__name__
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("has_static_table", None)
        frozen = kwargs.pop("vocabulary_size", None)
        output_mode = output_mode_name(output_mode)
        check_choice(name, "output_mode", output_mode,
                     (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF))
        if max_tokens is not None and (not isinstance(max_tokens, numbers.Integral)
                                       or max_tokens <= 1):
            raise ValueError(f"{name}: if set, `max_tokens` must be greater than 1, "
                             f"got max_tokens={max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{name}: if pad_to_max_tokens is True, `max_tokens` "
                             f"must be set")
        if not isinstance(num_oov_indices, numbers.Integral) or num_oov_indices < 0:
            raise ValueError(f"{name}: `num_oov_indices` must be an integer >= 0, "
                             f"got {num_oov_indices!r}")
        if invert and output_mode != INT:
            raise ValueError(f"{name}: `output_mode` must be 'int' when `invert` is "
                             f"true, got output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{name}: sparse outputs are not supported (fastgraph "
                             f"has no sparse tensors); use sparse=False")
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError(f"{name}: `idf_weights` should only be set if "
                             f"`output_mode` is 'tf_idf', got output_mode="
                             f"{output_mode!r}")
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else floatx()
        super().__init__(**kwargs)
        if output_mode == INT and np.dtype(self.dtype).kind not in "iu":
            raise ValueError(f"{name}: when output_mode='int', `dtype` should be an "
                             f"integer type, got dtype={self.dtype}")
        self.invert, self.max_tokens = bool(invert), max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.output_mode, self.sparse = output_mode, False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.input_vocabulary, self.input_idf_weights = vocabulary, idf_weights
        self._frozen_size = frozen
        self._tokens = self._empty()
        self._table, self._keys, self._values = {}, np.zeros(0), np.zeros(0, np.int64)
        self._idf = None
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    @property
    def _input_dtype(self):
        """The dtype of the Input Sequential puts in front of the layer."""
        return STRING if self._strings and not self.invert else "int64"

    # ------------------------------------------------------------ tokens
    def _empty(self):
        return np.zeros(0, dtype=object if self._strings else np.int64)

    def _as_tokens(self, data, where):
        a = np.asarray(data)
        if self._strings:
            return as_strings(a, where)
        if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and np.array_equal(
                a, np.round(a))):
            raise TypeError(f"{where}: expected integer tokens, got dtype {a.dtype}")
        return a.astype(np.int64)

    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == INT else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special ones plus the vocabulary."""
        return len(self._tokens) + self._token_start()

    def get_vocabulary(self, include_special_tokens=True):
        """The token of each index (specials first unless excluded)."""
        tokens = [self._python(t) for t in self._tokens]
        if not include_special_tokens:
            return tokens
        special = [self.oov_token] * self._token_start()
        if self.mask_token is not None and self.output_mode == INT:
            special[0] = self.mask_token
        return special + tokens

    def _python(self, token):
        return str(token) if self._strings else int(token)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list, an array or a file path) and, for
        tf_idf, its idf weights."""
        name = type(self).__name__
        keep_idf = idf_weights is False     # a Keras asset: the weights come apart
        if keep_idf:
            idf_weights = None
        elif self.output_mode == TF_IDF and idf_weights is None:
            raise ValueError(f"{name}: `idf_weights` must be set if output_mode is "
                             f"'tf_idf'")
        if self.output_mode != TF_IDF and idf_weights is not None:
            raise ValueError(f"{name}: `idf_weights` should only be set if "
                             f"output_mode is 'tf_idf', got output_mode="
                             f"{self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == TF_IDF:
                raise ValueError(f"{name}: output_mode 'tf_idf' does not support "
                                 f"loading a vocabulary from file")
            vocabulary = self._read_file(vocabulary)
        vocab = self._as_tokens(np.asarray(vocabulary).reshape(-1),
                                f"{name} vocabulary")
        if vocab.size == 0:
            raise ValueError(f"{name}: cannot set an empty vocabulary, you passed "
                             f"{vocabulary!r}")
        start = self._token_start()
        special = [self.mask_token] * self._oov_start() + \
            [self.oov_token] * self.num_oov_indices
        found_special = len(vocab) >= start and list(vocab[:start]) == special
        tokens = vocab[start:] if found_special else vocab
        uniq, counts = np.unique(tokens, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"{name}: the passed vocabulary has at least one repeated "
                             f"term. Please uniquify your dataset. The repeated terms "
                             f"are {[self._python(t) for t in uniq[counts > 1]]}")
        for token, what in ((self.mask_token, "mask"), (self.oov_token, "OOV")):
            if token is not None and (what == "mask" or self.invert) \
                    and (tokens == token).any():
                raise ValueError(f"{name}: found reserved {what} token {token!r} at an "
                                 f"unexpected location in `vocabulary`. The vocabulary "
                                 f"need not include the OOV and mask tokens; either "
                                 f"remove them all or include them only at the start, "
                                 f"in precisely this order: {special}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{name}: attempted to set a vocabulary larger than the "
                             f"maximum vocab size. Passed vocab size is "
                             f"{start + len(tokens)}, max vocab size is "
                             f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == TF_IDF and not keep_idf:
            self._set_idf(np.asarray(idf_weights, dtype=np.float64), len(vocab),
                          found_special)

    def _read_file(self, path):
        if not os.path.isfile(path):
            raise ValueError(f"{type(self).__name__}: vocabulary file {path} does not "
                             f"exist.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines if self._strings else [int(line) for line in lines]

    def _set_idf(self, weights, n_vocab, found_special):
        if weights.ndim != 1 or len(weights) != n_vocab:
            raise ValueError(f"{type(self).__name__}: `idf_weights` must be a 1-D "
                             f"array of the vocabulary's length ({n_vocab}), got "
                             f"shape {weights.shape}")
        front = 0 if found_special else self._token_start()
        back = (self.max_tokens - front - len(weights)
                if self.pad_to_max_tokens else 0)
        self._idf = np.pad(weights, (front, back), constant_values=(
            0 if found_special else weights.mean(), 0))

    def _set_tokens(self, tokens):
        self._tokens = tokens
        start = self._token_start()
        table = dict(zip(tokens.tolist(), range(start, start + len(tokens))))
        if self.mask_token is not None:
            table[self._python(self.mask_token)] = _MASKED
        self._table = table
        keys = np.array(list(table), dtype=str if self._strings else np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._values = np.fromiter(table.values(), np.int64, len(table))[order]
        if self.output_mode != INT and not self.pad_to_max_tokens:
            size = self.vocabulary_size()
            if self._frozen_size is not None and self.built and size != self._frozen_size:
                raise RuntimeError(f"{type(self).__name__}: when using output_mode="
                                   f"{self.output_mode!r} and pad_to_max_tokens=False, "
                                   f"the vocabulary size cannot be changed after the "
                                   f"layer is called. Old vocab size is "
                                   f"{self._frozen_size}, new vocab size is {size}")
            self._frozen_size = size

    # ------------------------------------------------------- keras files
    keras_asset_names = ("vocabulary.txt",)

    def load_keras_assets(self, files):
        """Take the vocabulary a tf-keras `.keras` archive stores as an asset
        (every index's token, one a line) when the config has none."""
        if self.input_vocabulary is not None or "vocabulary.txt" not in files:
            return
        lines = files["vocabulary.txt"].decode("utf-8").split("\n")
        vocab = lines if self._strings else [int(line) for line in lines]
        self.set_vocabulary(vocab, False if self.output_mode == TF_IDF else None)

    # ------------------------------------------------------------- adapt
    def update_state(self, data):
        if self.input_vocabulary is not None:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer after setting "
                             f"a static vocabulary via init argument or "
                             f"`set_vocabulary`.")
        data = self._as_tokens(data, f"{type(self).__name__}.adapt")
        if data.ndim < 2:       # one document, as tf-keras reads a 1-D batch
            data = data.reshape(1, -1)
        self.update_state_rows(data.reshape(len(data), -1).tolist())

    def update_state_rows(self, rows):
        """Accumulate token lists (rows may differ in length: the split
        documents of TextVectorization): counts, and document counts for
        tf_idf.  Counting runs in collections.Counter (C)."""
        for row in rows:
            self._counts.update(row)
        if self.output_mode == TF_IDF:
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_docs += len(rows)

    def finalize_state(self):
        if self.input_vocabulary is not None or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(self._python(special), None)
        # most frequent first, ties by token descending (tf-keras's lexsort)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], kv[0]),
                        reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start()]
        tokens = [token for token, _ in ranked]
        self._set_tokens(np.array(tokens, dtype=object if self._strings else np.int64))
        if self.output_mode == TF_IDF:
            docs = np.array([self._doc_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_docs / (1 + docs))
            idf = np.pad(idf, (self._token_start(), 0),
                         constant_values=idf.mean() if len(idf) else 0)
            if self.pad_to_max_tokens:
                idf = np.pad(idf, (0, self.max_tokens - len(idf)))
            self._idf = idf
        self.reset_state()

    def reset_state(self):
        self._counts, self._doc_counts, self._num_docs = Counter(), Counter(), 0

    # ------------------------------------------------------------ lookup
    def lookup(self, x, where):
        """int64 index of every token of the array `x`."""
        if self.num_oov_indices == 1:
            default = self._oov_start()
        else:
            default = -1
        ids = self._answers(x)
        masked = ids == _MASKED          # only when there is a mask token
        oov = (ids < 0) & ~masked
        ids = np.where(oov, default, ids)
        ids = np.where(masked, 0 if self.output_mode == INT else np.iinfo(np.int64).max,
                       ids)
        if self.num_oov_indices == 0 and oov.any():
            raise ValueError(f"{where}: when num_oov_indices=0 all inputs should be in "
                             f"the vocabulary, found OOV values "
                             f"{[self._python(t) for t in np.unique(x[oov])[:10]]}; "
                             f"consider setting num_oov_indices=1.")
        if self.num_oov_indices > 1:
            if self._strings:
                buckets = (fingerprint64(x, where)
                           % np.uint64(self.num_oov_indices)).astype(np.int64)
            else:
                buckets = np.mod(x, self.num_oov_indices)
            ids = np.where(oov, buckets + self._oov_start(), ids)
        return ids.astype(np.int64)

    def _answers(self, x):
        """The table's answer (an index, _MISSING or _MASKED) for every token
        of x: a sorted search in C for str and integer arrays, dict lookups
        through C-level map for object arrays."""
        if x.dtype.kind in "Uiu":
            if not len(self._keys):
                return np.full(x.shape, _MISSING, np.int64)
            pos = np.searchsorted(self._keys, x).clip(max=len(self._keys) - 1)
            return np.where(self._keys[pos] == x, self._values[pos], _MISSING)
        flat = x.reshape(-1).tolist()
        return np.fromiter(map(self._table.get, flat, repeat(_MISSING)), np.int64,
                           len(flat)).reshape(x.shape)

    def invert_lookup(self, ids):
        """The token of every index of the int array `ids`."""
        vocab = np.asarray(self.get_vocabulary(), dtype=object if self._strings
                           else np.int64)
        inside = (ids >= 0) & (ids < len(vocab))
        out = np.where(inside, vocab[np.where(inside, ids, 0)], self.oov_token)
        if self.mask_token is not None:
            out = np.where(ids == 0, self.mask_token, out)
        return out.astype(object) if self._strings else out.astype(np.int64)

    def idf_weights(self):
        """The tf_idf weight of each index (None in other modes)."""
        return self._idf

    def depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_size is None:
            raise RuntimeError(f"When using output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False, you must set the layer's "
                               f"vocabulary before calling it. Either pass a "
                               f"`vocabulary` argument to the layer, or call `adapt` "
                               f"with some sample data.")
        return self._frozen_size

    def call(self, inputs):
        no_gradient(self, inputs)
        where = f'Layer "{self.name}" ({type(self).__name__})'
        if self.invert:
            ids = values(inputs)
            if ids.dtype.kind not in "iu":
                raise TypeError(f"{where}: with invert=True the inputs are integer "
                                f"indices, got dtype {ids.dtype}")
            return Tensor(self.invert_lookup(ids))
        x = self._as_tokens(values(inputs), where)
        ids = self.lookup(x, where)
        if self.output_mode == INT:
            return Tensor(ids.astype(self.dtype))
        return Tensor(encode(ids, self.output_mode, self.depth(), self.dtype, where,
                             idf_weights=self._idf))

    def compute_output_shape(self, input_shape):
        if self.output_mode == INT:
            return tuple(input_shape)
        return encoded_shape(input_shape, self.output_mode, self.depth())

    def _compute_output_dtype(self, input_dtypes):
        if self.invert:
            return STRING if self._strings else "int64"
        return self.dtype

    def get_config(self):
        config = super().get_config()
        adapted = self.input_vocabulary is None and len(self._tokens)
        vocabulary = self.input_vocabulary
        if isinstance(vocabulary, np.ndarray):
            vocabulary = vocabulary.tolist()
        elif isinstance(vocabulary, os.PathLike):
            vocabulary = os.fspath(vocabulary)
        idf = self.input_idf_weights
        if adapted:     # the learned vocabulary travels in the config
            vocabulary = self.get_vocabulary(include_special_tokens=False)
            if self.output_mode == TF_IDF:
                idf = self._idf[self._token_start():len(self._tokens)
                                + self._token_start()].tolist()
        elif isinstance(idf, np.ndarray):
            idf = idf.tolist()
        config.update({"invert": self.invert, "max_tokens": self.max_tokens,
                       "num_oov_indices": self.num_oov_indices,
                       "oov_token": self._python(self.oov_token)
                       if self.oov_token is not None else None,
                       "mask_token": self._python(self.mask_token)
                       if self.mask_token is not None else None,
                       "output_mode": self.output_mode, "sparse": False,
                       "pad_to_max_tokens": self.pad_to_max_tokens,
                       "vocabulary": vocabulary, "idf_weights": idf,
                       "vocabulary_size": self._frozen_size})
        return config


class StringLookup(_IndexLookup):
    """Strings to integer indices (or back with invert=True)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token="[UNK]", vocabulary=None, idf_weights=None,
                 encoding="utf-8", invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        if kwargs.get("dtype") in ("string", STRING):
            del kwargs["dtype"]
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token,
                         vocabulary, idf_weights, invert, output_mode, sparse,
                         pad_to_max_tokens, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(_IndexLookup):
    """Integer tokens to contiguous indices (or back with invert=True)."""

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token=-1, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        if np.dtype(vocabulary_dtype).kind not in "iu":
            raise ValueError(f"IntegerLookup: `vocabulary_dtype` must be an integer "
                             f"dtype, got {vocabulary_dtype!r}")
        if output_mode != INT and kwargs.get("dtype") == "int64":
            del kwargs["dtype"]
        for old, new in (("max_values", "max_tokens"), ("mask_value", "mask_token"),
                         ("oov_value", "oov_token")):
            if old in kwargs:
                value = kwargs.pop(old)
                if new == "max_tokens":
                    max_tokens = value
                elif new == "mask_token":
                    mask_token = value
                else:
                    oov_token = value
        self.vocabulary_dtype = str(np.dtype(vocabulary_dtype))
        super().__init__(max_tokens, num_oov_indices,
                         None if mask_token is None else int(mask_token),
                         None if oov_token is None else int(oov_token),
                         vocabulary, idf_weights, invert, output_mode, sparse,
                         pad_to_max_tokens, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        return config
