"""TextVectorization (tf-keras 2.x): standardize (ASCII lowercasing and
tf-keras's punctuation regex), split (whitespace or characters), n-grams,
then a StringLookup with mask token '' (ids, multi_hot, count or tf_idf);
int outputs are padded or cut to `output_sequence_length`, else to the
longest text of the batch."""
import re

import numpy as np

from ...autodiff import Tensor, floatx
from ...engine.dtypes import STRING, as_strings
from ... import registry
from .base import PreprocessingLayer, check_choice, values
from .categorical import COUNT, INT, MULTI_HOT, TF_IDF, encode, output_mode_name
from .lookup import StringLookup

STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STRIP = re.compile(STRIP_REGEX)
_WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")


def _callable_or_name(layer, arg, value, names):
    if value is None or callable(value):
        return value
    if isinstance(value, str) and value in names:
        return value
    if isinstance(value, str):
        fn = registry.get_registered_object(value)
        if callable(fn):
            return fn
    raise ValueError(f"{layer}: `{arg}` must be None, a callable or one of "
                     f"{list(names)}, got {value!r}")


class TextVectorization(PreprocessingLayer):
    """Texts (strings, shape (batch,) or (batch, 1)) to token ids or token
    vectors with a vocabulary learned by `adapt` or given."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 **kwargs):
        if kwargs.get("dtype") not in (None, "string", STRING):
            raise ValueError(f"TextVectorization may only have a dtype of string, got "
                             f"dtype {kwargs['dtype']!r}")
        kwargs["dtype"] = STRING
        kwargs.pop("has_input_vocabulary", None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        self._standardize = _callable_or_name("TextVectorization", "standardize",
                                              standardize, STANDARDIZE)
        self._split = _callable_or_name("TextVectorization", "split", split, SPLIT)
        output_mode = output_mode_name(output_mode)
        check_choice("TextVectorization", "output_mode", output_mode,
                     (INT, COUNT, MULTI_HOT, TF_IDF, None))
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, (tuple, list)) and all(isinstance(i, int)
                                                          for i in ngrams))):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or "
                             f"a tuple of integers, got ngrams={ngrams!r}")
        if output_mode == INT and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError(f"TextVectorization: `output_sequence_length` must be "
                             f"either None or an integer when `output_mode` is 'int', "
                             f"got {output_sequence_length!r}")
        if output_mode != INT and output_sequence_length is not None:
            raise ValueError(f"TextVectorization: `output_sequence_length` must not be "
                             f"set if `output_mode` is not 'int', got "
                             f"{output_sequence_length!r}")
        if ragged:
            raise ValueError("TextVectorization: ragged outputs are not supported "
                             "(fastgraph has no ragged tensors); use ragged=False and "
                             "output_sequence_length")
        self._ngrams_arg = list(ngrams) if isinstance(ngrams, tuple) else ngrams
        self._ngrams = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, int)
                        else None if ngrams is None else tuple(ngrams))
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="",
            output_mode=output_mode if output_mode is not None else INT,
            encoding=encoding, vocabulary_size=vocabulary_size,
            name=f"{self.name}_lookup")

    # ------------------------------------------------------------- text
    def _standardized(self, texts):
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            texts = [t.translate(_ASCII_LOWER) for t in texts]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = [_STRIP.sub("", t) for t in texts]
        if callable(self._standardize):
            texts = list(values(self._standardize(np.array(texts, dtype=object))))
        return texts

    def _tokens(self, inputs):
        """Token lists, one per text (or the standardized texts themselves,
        each a one-token list, when split is None)."""
        x = as_strings(values(inputs), f'Layer "{self.name}" (TextVectorization)')
        if self._split is not None:
            if x.ndim > 1:
                if x.shape[-1] != 1:
                    raise ValueError(f"When using TextVectorization to tokenize "
                                     f"strings, the input rank must be 1 or the last "
                                     f"shape dimension must be 1, got inputs.shape="
                                     f"{x.shape}")
                x = x[..., 0]
        texts = self._standardized(x.reshape(-1).tolist())
        if self._split is None:
            rows = [[t] for t in texts]
            return rows, x.shape
        if self._split == "whitespace":
            rows = [[w for w in _WHITESPACE.split(t) if w] for t in texts]
        elif self._split == "character":
            rows = [list(t) for t in texts]
        else:
            rows = [[str(w) for w in values(r).reshape(-1)]
                    for r in self._split(np.array(texts, dtype=object))]
        if self._ngrams is not None:
            rows = [[" ".join(r[i:i + n]) for n in self._ngrams
                     for i in range(len(r) - n + 1)] for r in rows]
        return rows, None

    # ------------------------------------------------------------ adapt
    def update_state(self, data):
        rows, shape = self._tokens(data)
        if shape is None:
            self._lookup_layer.update_state_rows(rows)
        else:
            self._lookup_layer.update_state(np.array([r[0] for r in rows], dtype=object)
                                            .reshape(shape))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, '' (mask) and '[UNK]' first unless excluded."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    keras_asset_names = ("vocabulary.txt",)

    def load_keras_assets(self, files):
        """The vocabulary of a tf-keras `.keras` archive (see StringLookup)."""
        self._lookup_layer.load_keras_assets(files)

    # ------------------------------------------------------------- call
    def call(self, inputs):
        rows, shape = self._tokens(inputs)
        if self._output_mode is None:
            if shape is not None:
                return Tensor(np.array([r[0] for r in rows], dtype=object).reshape(shape))
            raise ValueError(f'Layer "{self.name}": output_mode=None with a split gives '
                             f'ragged token lists, which fastgraph cannot return')
        lookup = self._lookup_layer
        where = f'Layer "{self.name}" (TextVectorization)'
        if shape is not None:
            ids = lookup.lookup(np.array([r[0] for r in rows], dtype=object)
                                .reshape(shape), where)
            if self._output_mode != INT:
                return lookup(Tensor(np.array([r[0] for r in rows], dtype=object)
                                     .reshape(shape)))
            return Tensor(self._fit_length(ids))
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.array([t for r in rows for t in r], dtype=object)
        flat_ids = lookup.lookup(flat, where) if flat.size else np.zeros(0, np.int64)
        width = int(lengths.max()) if len(lengths) else 0
        dense = np.zeros((len(rows), width), np.int64)
        dense[np.arange(width)[None, :] < lengths[:, None]] = flat_ids
        if self._output_mode == INT:
            return Tensor(self._fit_length(dense))
        if flat.size == 0:
            dense = np.full((len(rows), 1), np.iinfo(np.int64).max)
        else:
            dense[np.arange(width)[None, :] >= lengths[:, None]] = np.iinfo(np.int64).max
        return Tensor(encode(dense, self._output_mode, lookup.depth(), floatx(),
                             where, idf_weights=lookup.idf_weights()))

    def _fit_length(self, ids):
        n = self._output_sequence_length
        if n is None:
            return ids
        ids = ids[..., :n]
        pad = [(0, 0)] * (ids.ndim - 1) + [(0, n - ids.shape[-1])]
        return np.pad(ids, pad)

    def compute_output_shape(self, input_shape):
        if self._output_mode == INT:
            if self._split is None:
                shape = tuple(input_shape)
                return shape[:-1] + (self._output_sequence_length,) \
                    if self._output_sequence_length is not None else shape
            return (input_shape[0], self._output_sequence_length)
        return (input_shape[0], self._lookup_layer.depth())

    def _compute_output_dtype(self, input_dtypes):
        if self._output_mode is None:
            return STRING
        return "int64" if self._output_mode == INT else floatx()

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer.get_config()
        config.update({"max_tokens": lookup["max_tokens"],
                       "standardize": _fn_name(self._standardize),
                       "split": _fn_name(self._split), "ngrams": self._ngrams_arg,
                       "output_mode": self._output_mode,
                       "output_sequence_length": self._output_sequence_length,
                       "pad_to_max_tokens": lookup["pad_to_max_tokens"],
                       "sparse": False, "ragged": False,
                       "vocabulary": lookup["vocabulary"],
                       "idf_weights": lookup["idf_weights"],
                       "encoding": self._encoding,
                       "vocabulary_size": self.vocabulary_size()})
        return config


def _fn_name(value):
    if callable(value):
        return registry.get_registered_name(value)
    return value
