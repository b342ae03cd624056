"""Dense attention layers (tf-keras 2.x): Attention (Luong, dot or concat
scores) and AdditiveAttention (Bahdanau), called on [query, value] or
[query, value, key]; value masks and causality enter the C softmax
(ops.attention.masked_softmax), query masks zero the output rows."""
import numbers

import numpy as np

from ..autodiff import as_array
from ..engine.layer import Layer, is_shape
from ..ops import activation as A
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops import shape as S
from ..ops.attention import masked_softmax
from ..ops.linalg import matmul
from ..ops.random import dropout as dropout_op


def check_rate(layer, name, rate):
    """`rate` as a float in [0, 1); ValueError naming the layer otherwise."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"{layer}: {name} must be a number in [0, 1), got {rate!r}")
    return float(rate)


class _ScoresFlag(Layer):
    """A layer whose call may return its attention scores as a second
    output (`return_attention_scores=True`): the flag of the latest call is
    kept, so that compute_output_shape can answer for both outputs."""

    _returns_scores = False

    def _note_call(self, kwargs):
        self._returns_scores = bool(kwargs.get("return_attention_scores", False))

    def _with_scores(self, out_shape, scores_shape):
        return [out_shape, scores_shape] if self._returns_scores else out_shape


def _drop_defaults(kwargs, defaults):
    """The call's keyword arguments minus those left at their default (so a
    model's plan still passes `training` and saved configs stay small)."""
    return {k: v for k, v in kwargs.items() if k not in defaults or v is not defaults[k]}


class _DenseAttention(_ScoresFlag):
    """Base of Attention and AdditiveAttention: scores from
    `_calculate_scores(query, key)`, (batch, Tq, Tv) weights through the
    masked softmax and dropout, output weights @ value."""

    _mask_only_from_masks = True

    def __init__(self, dropout=0.0, **kwargs):
        causal = kwargs.pop("causal", False)     # tf-keras's deprecated argument
        super().__init__(**kwargs)
        self.dropout = check_rate(type(self).__name__, "dropout", dropout)
        self.causal = bool(causal)
        self.supports_masking = True

    def __call__(self, inputs, *args, **kwargs):
        self._note_call(kwargs)
        return super().__call__(inputs, *args, **_drop_defaults(kwargs, {
            "training": None, "mask": None, "return_attention_scores": False,
            "use_causal_mask": False}))

    def _check(self, inputs, mask=None, shapes=False):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or (shapes and is_shape(inputs)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: "
                             f"{inputs!r}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, "
                             f"namely [query, value] or [query, value, key]. Received "
                             f"length: {len(inputs)}.")
        if mask is not None and not all(m is None for m in mask):
            if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= len(inputs):
                raise ValueError(f"{name} layer mask must be a list of length 2, "
                                 f"namely [query_mask, value_mask]. Received: {mask!r}.")

    def build(self, input_shape):
        self._check(input_shape, shapes=True)
        for s in input_shape:
            if len(s) != 3:
                raise ValueError(f'{type(self).__name__} "{self.name}": query, value and '
                                 f'key must be (batch, steps, dim), got shapes '
                                 f'{list(input_shape)}')
        self.built = True

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._check(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = v_mask = None
        if mask is not None:
            q_mask, v_mask = mask[0], mask[1]
        scores = self._calculate_scores(q, k)
        scores_mask = None
        if v_mask is not None:
            scores_mask = np.expand_dims(as_array(v_mask).astype(bool), -2)
        if self.causal or use_causal_mask:
            tq, tk = scores.shape[-2:]
            tri = np.tril(np.ones((tq, tk), bool))
            scores_mask = tri if scores_mask is None else scores_mask & tri
        weights = masked_softmax(scores, scores_mask)
        if training and self.dropout > 0:
            weights = dropout_op(weights, self.dropout)
        result = matmul(weights, v)
        if q_mask is not None:
            keep = np.expand_dims(as_array(q_mask), -1).astype(result.dtype)
            result = E.multiply(result, keep)
        return [result, weights] if return_attention_scores else result

    def compute_mask(self, inputs, mask=None):
        self._check(inputs, mask)
        return None if mask is None else mask[0]

    def compute_output_shape(self, input_shape):
        q, v = tuple(input_shape[0]), tuple(input_shape[1])
        out = q[:-1] + (v[-1],)
        return self._with_scores(out, (q[0], q[1], v[1]))

    def get_config(self):
        config = super().get_config()
        config["dropout"] = self.dropout
        return config


class Attention(_DenseAttention):
    """Dot-product attention: scores q . k (times a learned scalar with
    `use_scale`), or with score_mode='concat' the sum of tanh(q + k)."""

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: received score_mode={score_mode!r}; acceptable "
                             f"values are 'dot' and 'concat'")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_scale:
            self.scale = self.add_weight("scale", (), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight("concat_score_weight", (),
                                                       initializer="ones")

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = matmul(query, S.transpose(key, (0, 2, 1)))
            return scores if self.scale is None else E.multiply(scores, self.scale)
        pairs = E.add(S.expand_dims(query, -2), S.expand_dims(key, -3))
        if self.scale is not None:
            pairs = E.multiply(pairs, self.scale)
        return E.multiply(self.concat_score_weight, R.sum(A.tanh(pairs), axis=-1))

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config


class AdditiveAttention(_DenseAttention):
    """Additive (Bahdanau) attention: scores sum(scale * tanh(q + k)) over
    the features, `scale` learned per feature with `use_scale`."""

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.scale = None

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_scale:
            dim = input_shape[1][-1] if is_shape(input_shape[1]) else None
            if dim is None:
                raise ValueError(f'AdditiveAttention "{self.name}": the last axis of '
                                 f'value must be known, got shapes {list(input_shape)}')
            self.scale = self.add_weight("scale", (dim,), initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        pairs = A.tanh(E.add(S.expand_dims(query, -2), S.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = E.multiply(pairs, self.scale)
        return R.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config
