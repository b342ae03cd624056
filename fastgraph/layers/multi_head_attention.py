"""MultiHeadAttention (tf-keras 2.x), with tf-keras's weight layout.

The query, key, value and output projections are EinsumDense sublayers
named and shaped as tf-keras makes them ('query' kernel (dim, heads,
key_dim), bias (heads, key_dim), ...), in tf-keras's weight order, so
weights move between the two with get_weights/set_weights.  Attention
itself is one fused op (ops.attention.dot_product_attention; for
self-attention, self_attention after one projection with the three
kernels stacked) unless the weights are wanted (return_attention_scores,
or dropout on them in training): then two, the weights from a C softmax
that scales, masks and applies causality in one pass, then weights @
value.

Called as `layer(query, value)` or `layer(query, value, key)` (symbolic
tensors included: they become the inputs of one node, [query, value] or
[query, value, key], with a symbolic `attention_mask` as a fourth).  The
masks of query, value and key (Masking, Embedding(mask_zero=True)) and
`use_causal_mask` combine with `attention_mask` as in tf-keras; the
output carries the query's mask.
"""
import math
import numbers
import string

import numpy as np

from .. import constraints, initializers, regularizers
from ..autodiff import as_array
from ..engine.node import KerasTensor
from ..ops import shape as S
from ..ops.attention import attend, attention_weights, dot_product_attention, \
    self_attention
from ..ops.einsum import einsum
from ..ops.random import dropout as dropout_op
from .attention import _ScoresFlag, check_rate
from .core import get_constraint
from .einsum_dense import EinsumDense

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims, bound_dims, output_dims):
    """(equation, bias axes) of a projection keeping `free_dims` axes,
    contracting `bound_dims` and adding `output_dims` (tf-keras's)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims:free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out


def _positive(name, value, allow_none=False):
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"MultiHeadAttention: {name} must be a positive int, got "
                         f"{value!r}")
    return int(value)


class MultiHeadAttention(_ScoresFlag):
    """Multi-head attention as in "Attention is all you need" (tf-keras
    2.x arguments, config and weights)."""

    _mask_only_from_masks = True

    # the tensors after the query, in the order __call__ packs them; configs
    # name them as tf-keras does (functional_config)
    call_tensor_keywords = ("value", "key", "attention_mask")

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, softmax_robust_masking=False, **kwargs):
        # the output's activity is regularized, not the projections' (tf-keras)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = _positive("num_heads", num_heads)
        self._key_dim = _positive("key_dim", key_dim)
        self._value_dim = _positive("value_dim", value_dim, True) or self._key_dim
        self._dropout = check_rate("MultiHeadAttention", "dropout", dropout)
        self._use_bias = bool(use_bias)
        if output_shape is not None:
            dims = output_shape if isinstance(output_shape, (list, tuple)) \
                else [output_shape]
            for d in dims:
                _positive("output_shape", d)
        self._output_shape = output_shape
        if attention_axes is not None:
            axes = attention_axes if isinstance(attention_axes, (list, tuple)) \
                else (attention_axes,)
            if not axes or not all(isinstance(a, numbers.Integral)
                                   and not isinstance(a, bool) for a in axes):
                raise ValueError(f"MultiHeadAttention: attention_axes must be an int "
                                 f"or a list of ints, got {attention_axes!r}")
            attention_axes = tuple(int(a) for a in axes)
        self._attention_axes = attention_axes
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = get_constraint(kernel_constraint, "MultiHeadAttention",
                                                 "kernel_constraint")
        self._bias_constraint = get_constraint(bias_constraint, "MultiHeadAttention",
                                               "bias_constraint")
        self._softmax_robust_masking = bool(softmax_robust_masking)
        self._query_shape = self._key_shape = self._value_shape = None

    # ------------------------------------------------------------- calling
    def __call__(self, query, value=None, key=None, attention_mask=None,
                 return_attention_scores=False, training=None, use_causal_mask=False,
                 **kwargs):
        if value is None:
            if not isinstance(query, (list, tuple)) or not 2 <= len(query) <= 4:
                raise ValueError(f'MultiHeadAttention "{self.name}": call it as '
                                 f'layer(query, value) or layer(query, value, key), '
                                 f'got {query!r}')
            inputs = list(query)
        else:
            inputs = [query, value] + ([] if key is None else [key])
            if isinstance(attention_mask, KerasTensor):
                inputs += ([value] if key is None else []) + [attention_mask]
                attention_mask = None
        for name, arg, default in (("attention_mask", attention_mask, None),
                                   ("return_attention_scores", return_attention_scores,
                                    False),
                                   ("training", training, None),
                                   ("use_causal_mask", use_causal_mask, False)):
            if arg is not default:
                kwargs[name] = arg
        self._note_call(kwargs)
        return super().__call__(inputs, **kwargs)

    def build(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        self._build_from_shapes(shapes[0], shapes[1], shapes[2] if len(shapes) > 2
                                else None)

    def _build_from_shapes(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        for name, s in (("query", query_shape), ("value", value_shape),
                        ("key", key_shape)):
            if len(s) < 3 or s[-1] is None:
                raise ValueError(f'MultiHeadAttention "{self.name}": {name} must be '
                                 f'(batch, ..., dim) with a known last axis, got '
                                 f'shape {s}')
        self._query_shape, self._value_shape = list(query_shape), list(value_shape)
        self._key_shape = list(key_shape)
        rank = len(query_shape) + 1           # of the projections: heads, dim last
        axes = self._attention_axes or tuple(range(1, rank - 2))
        axes = tuple(a + rank if a < 0 else a for a in axes)
        if not all(1 <= a < rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f'MultiHeadAttention "{self.name}": attention_axes '
                             f'{self._attention_axes} must name distinct axes between '
                             f'the batch and the features of the query (shape '
                             f'{query_shape})')
        self._attention_axes = axes
        self._query_dense = self._projection("query", len(query_shape) - 1,
                                             self._key_dim, query_shape)
        self._key_dense = self._projection("key", len(key_shape) - 1,
                                           self._key_dim, key_shape)
        self._value_dense = self._projection("value", len(value_shape) - 1,
                                             self._value_dim, value_shape)
        out = self._output_shape or query_shape[-1]
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        equation, bias_axes = projection_equation(len(query_shape) - 1, 2, len(out))
        self._output_dense = self._einsum_dense(
            "attention_output", equation, [None] * (len(query_shape) - 2) + out,
            bias_axes)
        self._output_dense._maybe_build(tuple(query_shape[:-1]) + (
            self._num_heads, self._value_dim))
        self.built = True

    def _einsum_dense(self, name, equation, output_shape, bias_axes):
        init = self._kernel_initializer
        bias_init = self._bias_initializer
        return EinsumDense(
            equation, output_shape, bias_axes=bias_axes if self._use_bias else None,
            name=name, dtype=self.dtype,
            kernel_initializer=type(init).from_config(init.get_config())
            if isinstance(init, initializers.Initializer) else init,
            bias_initializer=type(bias_init).from_config(bias_init.get_config())
            if isinstance(bias_init, initializers.Initializer) else bias_init,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint)

    def _projection(self, name, free_dims, dim, shape):
        equation, bias_axes = projection_equation(free_dims, 1, 2)
        layer = self._einsum_dense(name, equation,
                                   [None] * (free_dims - 1) + [self._num_heads, dim],
                                   bias_axes)
        layer._maybe_build(tuple(shape))
        return layer

    def _mask(self, shapes, masks, attention_mask, use_causal_mask):
        """tf-keras's attention mask: the given one and the query, value and
        key masks and causality, combined (None when there is none); and
        whether causality is left to the kernel."""
        q_mask, v_mask, k_mask = masks
        auto = None
        if q_mask is not None:
            auto = np.expand_dims(as_array(q_mask).astype(bool), -1)
        for m in (v_mask, k_mask):
            if m is not None:
                m = np.expand_dims(as_array(m).astype(bool), 1)
                auto = m if auto is None else auto & m
        if attention_mask is not None:
            given = np.asarray(as_array(attention_mask)).astype(bool)
            auto = given if auto is None else given & auto
        if use_causal_mask and self._attention_axes != (1,):
            raise ValueError(f'MultiHeadAttention "{self.name}": use_causal_mask needs '
                             f'attention over axis 1 only, got attention_axes '
                             f'{self._attention_axes}')
        if use_causal_mask and auto is not None:
            auto = auto & np.tril(np.ones((shapes[0][1], shapes[1][1]), bool))
            use_causal_mask = False
        return auto, bool(use_causal_mask)

    def call(self, inputs, mask=None, training=None, attention_mask=None,
             return_attention_scores=False, use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if len(inputs) == 4:
            attention_mask = inputs[3]
        masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        masks = (masks + [None] * 3)[:3]
        if len(inputs) == 2:
            masks[2] = masks[1]
        attention_mask, causal = self._mask([query.shape, value.shape], masks,
                                            attention_mask, use_causal_mask)
        scale = 1.0 / math.sqrt(float(self._key_dim))
        dropping = bool(training) and self._dropout > 0
        fused = self._attention_axes == (1,) and query.ndim == 3 and not (
            return_attention_scores or dropping)
        if fused and query is value and key is value \
                and self._key_dim == self._value_dim:
            out = self_attention(self._packed_projection(query), attention_mask,
                                 causal, scale)
            return self._output_dense.call(out)
        # the projections' call() itself: they are built, checked and add no
        # losses, and Layer.__call__ would cost more than their small products
        q = self._query_dense.call(query)
        k = self._key_dense.call(key)
        v = self._value_dense.call(value)
        if fused:
            # the weights are not wanted: the fused op never stores them
            weights = None
            out = dot_product_attention(q, k, v, attention_mask, causal, scale)
        elif self._attention_axes == (1,) and q.ndim == 4:
            weights = attention_weights(q, k, attention_mask, causal, scale)
            out = attend(dropout_op(weights, self._dropout) if dropping else weights, v)
        else:
            out, weights = self._folded_attention(q, k, v, attention_mask, scale,
                                                  training)
        out = self._output_dense.call(out)
        return [out, weights] if return_attention_scores else out

    def _packed_projection(self, x):
        """Self-attention's three projections of x (batch, T, dim) as one
        product with the kernels stacked: (batch, T, 3, heads, dim)."""
        layers = (self._query_dense, self._key_dense, self._value_dense)
        kernel = S.stack([layer.kernel for layer in layers], axis=1)
        bias = S.stack([layer.bias for layer in layers], axis=0) \
            if self._use_bias else None
        return einsum("abc,cfde->abfde", x, kernel, bias)

    def _fold(self, t):
        """(batch, ..., heads, dim) -> (batch * other axes, attention axes
        flattened, heads, dim), and the permutation and sizes to undo it."""
        rank = t.ndim
        others = [a for a in range(1, rank - 2) if a not in self._attention_axes]
        perm = (0, *others, *self._attention_axes, rank - 2, rank - 1)
        shape = t.shape
        folded = S.reshape(S.transpose(t, perm), (
            -1, math.prod(shape[a] for a in self._attention_axes)) + shape[-2:])
        return folded, perm, tuple(shape[a] for a in perm)

    def _folded_attention(self, q, k, v, mask, scale, training):
        """Attention over several axes (or others kept apart as batch axes):
        the axes are folded into one, as tf-keras's einsum equations do."""
        qf, perm, q_sizes = self._fold(q)
        kf, _, k_sizes = self._fold(k)
        vf, _, _ = self._fold(v)
        lead, n_attn = q_sizes[:1 + q.ndim - 3 - len(self._attention_axes)], \
            len(self._attention_axes)
        if mask is not None:
            scores_shape = lead + (1,) + q_sizes[len(lead):len(lead) + n_attn] \
                + k_sizes[len(lead):len(lead) + n_attn]
            mask = np.asarray(mask)
            while mask.ndim < len(scores_shape):
                mask = np.expand_dims(mask, -2 * n_attn - 1)
            mask = np.broadcast_to(mask, scores_shape).reshape(
                qf.shape[0], qf.shape[1], kf.shape[1])
        weights = attention_weights(qf, kf, mask, False, scale)
        dropped = weights
        if training and self._dropout > 0:
            dropped = dropout_op(weights, self._dropout)
        out = attend(dropped, vf)
        out = S.reshape(out, q_sizes[:-1] + (self._value_dim,))
        out = S.transpose(out, tuple(np.argsort(perm)))
        weights = S.reshape(weights, lead + (self._num_heads,)
                            + q_sizes[len(lead):len(lead) + n_attn]
                            + k_sizes[len(lead):len(lead) + n_attn])
        return out, weights

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def compute_output_shape(self, input_shape):
        query, value = tuple(input_shape[0]), tuple(input_shape[1])
        key = tuple(input_shape[2]) if len(input_shape) > 2 else value
        if value[1:-1] != key[1:-1]:
            raise ValueError(f'MultiHeadAttention "{self.name}": all dimensions of value '
                             f'and key, except the last one, must be equal; received '
                             f'{value} and {key}')
        out = self._output_shape or query[-1]
        out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        axes = self._attention_axes or tuple(range(1, len(query) - 1))
        lead = (query[0],) + tuple(query[a] for a in range(1, len(query) - 1)
                                   if a not in axes)
        scores = lead + (self._num_heads,) + tuple(query[a] for a in axes) \
            + tuple(key[a] for a in axes)
        return self._with_scores(query[:-1] + out, scores)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout,
            "use_bias": self._use_bias, "output_shape": self._output_shape,
            "attention_axes": (list(self._attention_axes)
                               if self._attention_axes is not None else None),
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "query_shape": self._query_shape, "key_shape": self._key_shape,
            "value_shape": self._value_shape,
            "softmax_robust_masking": self._softmax_robust_masking,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        shapes = [config.pop(k, None) for k in ("query_shape", "value_shape", "key_shape")]
        layer = cls(**config)
        if None not in shapes:
            layer._build_from_shapes(*[tuple(s) for s in shapes])
        return layer
