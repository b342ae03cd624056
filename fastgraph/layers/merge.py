"""Merge layers: combine a list of tensors (tf-keras 2.x shape rules, error
messages and mask handling), as classes and as functions."""
import numbers

import numpy as np

from ..autodiff import as_array
from ..engine.layer import Layer, is_shape
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops import shape as S
from ..ops.linalg import batch_dot


def _shapes_list(layer, input_shape, exactly=None):
    """The list of input shapes, checked to be a list (of `exactly` items)."""
    if is_shape(input_shape) or not isinstance(input_shape, (list, tuple)):
        raise ValueError(f'A merge layer ("{layer.name}") should be called on a list '
                         f'of inputs. Received: input_shape={input_shape} (not a list '
                         f'of shapes)')
    shapes = [tuple(s) for s in input_shape]
    if exactly is not None and len(shapes) != exactly:
        raise ValueError(f'A `{type(layer).__name__}` layer ("{layer.name}") should be '
                         f'called on exactly {exactly} inputs. Received: '
                         f'input_shape={shapes}')
    if not shapes:
        raise ValueError(f'A merge layer ("{layer.name}") should be called on a list '
                         f'of at least 1 input. Got 0 inputs.')
    return shapes


def _same_dtype(inputs, dtype):
    """The inputs as a list, cast to `dtype` when their dtypes differ (the
    symbolic output dtype says the same)."""
    inputs = list(inputs)
    if any(x.dtype != inputs[0].dtype for x in inputs[1:]):
        inputs = [x if x.dtype == dtype else E.cast(x, dtype) for x in inputs]
    return inputs


class _Merge(Layer):
    """Elementwise merge: shapes broadcast (aligned right, batch first);
    inputs of lower rank get axes inserted after the batch axis."""

    _exactly = None
    _mask_only_from_masks = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _elementwise_shape(self, shape1, shape2):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return shape1
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(f'Layer "{self.name}": inputs have incompatible '
                                 f'shapes. Received shapes {shape1} and {shape2}')
        return tuple(out)

    def compute_output_shape(self, input_shape):
        shapes = _shapes_list(self, input_shape, self._exactly)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f'Layer "{self.name}": cannot merge tensors with different '
                             f'batch sizes. Got tensors with shapes {shapes}')
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._elementwise_shape(out, s[1:])
        return (batch_sizes.pop() if batch_sizes else None,) + tuple(out)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        inputs = _same_dtype(inputs, self.dtype)
        shapes = [tuple(x.shape) for x in inputs]
        if any(s != shapes[0] for s in shapes[1:]):
            self.compute_output_shape(shapes)
            rank = max(len(s) for s in shapes)
            inputs = [x if x.ndim == rank
                      else S.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim) + x.shape[1:])
                      for x in inputs]
        return self._merge(inputs)

    def _compute_output_dtype(self, input_dtypes):
        return input_dtypes[0] if len(set(input_dtypes)) == 1 else self.dtype

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = [as_array(m) for m in mask if m is not None]
        if not masks:
            return None
        return np.logical_and.reduce(np.broadcast_arrays(*masks))


class Add(_Merge):
    """Elementwise sum of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = E.add(out, x)
        return out


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    _exactly = 2

    def _merge(self, inputs):
        return E.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Elementwise product of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = E.multiply(out, x)
        return out


class Average(_Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = E.add(out, x)
        return E.multiply(out, 1.0 / len(inputs))


class Maximum(_Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = E.maximum(out, x)
        return out


class Minimum(_Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = E.minimum(out, x)
        return out


class Concatenate(_Merge):
    """Join the inputs along `axis`; every other axis must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"Concatenate: axis must be an int, got {axis!r}")
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        shapes = _shapes_list(self, input_shape)
        error = (f'Layer "{self.name}": a `Concatenate` layer requires inputs with '
                 f'matching shapes except for the concatenation axis. Received: '
                 f'input_shape={shapes}')
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ValueError(error)
        if not -rank <= self.axis < rank:
            raise ValueError(f'Layer "{self.name}": axis {self.axis} is out of range '
                             f'for inputs of rank {rank}')
        axis = self.axis % rank
        for i in range(rank):
            if i != axis and len({s[i] for s in shapes} - {None}) > 1:
                raise ValueError(error)
        out = list(shapes[0])
        for i in range(rank):
            if i != axis:
                out[i] = next((s[i] for s in shapes if s[i] is not None), None)
        sizes = [s[axis] for s in shapes]
        out[axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs):
        inputs = _same_dtype(inputs, self.dtype)
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        return S.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(np.ones(x.shape, dtype=bool))
            else:
                m = as_array(m)
                masks.append(m[..., None] if m.ndim < x.ndim else m)
        return np.concatenate(masks, axis=self.axis).all(axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _l2_normalize(x, axis):
    norm2 = R.sum(E.square(x), axis=axis, keepdims=True)
    return E.divide(x, E.sqrt(E.maximum(norm2, 1e-12)))


class Dot(_Merge):
    """Per-sample dot product of two inputs over `axes` (an int or a pair);
    `normalize=True` makes it the cosine similarity."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, numbers.Integral) for a in axes):
                raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes}")
            axes = tuple(int(a) for a in axes)
        elif isinstance(axes, bool) or not isinstance(axes, numbers.Integral):
            raise TypeError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _axes_for(self, rank1, rank2):
        axes = self.axes if isinstance(self.axes, tuple) else (self.axes, self.axes)
        return axes[0] % rank1, axes[1] % rank2

    def compute_output_shape(self, input_shape):
        shape1, shape2 = _shapes_list(self, input_shape, exactly=2)
        a1, a2 = self._axes_for(len(shape1), len(shape2))
        if min(a1, a2) == 0:
            raise ValueError(f'Layer "{self.name}": axes {self.axes} cannot name the '
                             f'batch axis (input shapes {shape1}, {shape2})')
        if shape1[a1] is not None and shape2[a2] is not None and shape1[a1] != shape2[a2]:
            raise ValueError(f'Layer "{self.name}": incompatible input shapes: axis '
                             f'values {shape1[a1]} (at axis {a1}) != {shape2[a2]} (at '
                             f'axis {a2}). Full input shapes: {shape1}, {shape2}')
        out = [d for i, d in enumerate(shape1) if i != a1]
        out += [d for i, d in enumerate(shape2) if i not in (0, a2)]
        return tuple(out) if len(out) > 1 else tuple(out) + (1,)

    def call(self, inputs):
        x1, x2 = inputs
        self.compute_output_shape([tuple(x1.shape), tuple(x2.shape)])
        a1, a2 = self._axes_for(x1.ndim, x2.ndim)
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a1), _l2_normalize(x2, a2)
        return batch_dot(x1, x2, (a1, a2))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    """Add()(inputs)."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Subtract()(inputs)."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Multiply()(inputs)."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Average()(inputs)."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Maximum()(inputs)."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Minimum()(inputs)."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Concatenate(axis)(inputs)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Dot(axes, normalize)(inputs)."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
