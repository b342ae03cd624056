"""BatchNormalization, LayerNormalization, GroupNormalization and
UnitNormalization, as tf-keras 2.x computes them."""
import numbers

import numpy as np

from .. import constraints, initializers, regularizers
from ..autodiff import as_array
from ..backend import l2_normalize
from ..engine.layer import InputSpec, Layer
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.group_norm import group_norm
from ..ops.normalization import batch_norm_infer, batch_norm_train, layer_norm
from ..ops.shape import reshape, transpose
from .core import get_constraint


def _check_axis_arg(axis, owner):
    if isinstance(axis, (list, tuple)):
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
            return type(axis)(int(a) for a in axis)
    elif isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return int(axis)
    raise TypeError(f"{owner}: expected an int or a list/tuple of ints for the "
                    f"argument 'axis', but received: {axis!r}")


def validate_axis(layer, axis, input_shape):
    """`axis` (an int or ints, negative allowed) as a list of non-negative
    axes of `input_shape`, each of known size; ValueError naming the layer."""
    rank = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = [a + rank if a < 0 else a for a in axes]
    if not axes or any(not 0 <= a < rank for a in axes):
        raise ValueError(f'Layer "{layer.name}": invalid value for `axis` argument. '
                         f'Expected 0 <= axis < inputs.rank (with inputs.rank='
                         f'{rank}). Received: axis={axis!r}, input shape '
                         f'{tuple(input_shape)}')
    if len(set(axes)) != len(axes):
        raise ValueError(f'Layer "{layer.name}": duplicate axis: {tuple(axes)}')
    for a in axes:
        if input_shape[a] is None:
            raise ValueError(f'Layer "{layer.name}": input has undefined `axis` '
                             f'dimension. Received input with shape '
                             f'{tuple(input_shape)} and axis={tuple(axes)}')
    return axes


class BatchNormalization(Layer):
    """Normalise each feature along `axis` with batch statistics in
    training, moving statistics otherwise (tf-keras 2.x).

    Weights: gamma, beta (trainable), moving_mean, moving_variance.  A
    training call updates the moving statistics in place,
    `moving = moving * momentum + batch * (1 - momentum)`; as in tf-keras's
    fused kernel, for 4-D and 5-D inputs normalised along axis 1 or the last
    axis the variance entering that average is the unbiased one (n / (n-1)).
    A layer with `trainable=False` always runs in inference mode.  In
    training, a mask (e.g. from Embedding(mask_zero=True)) restricts the
    batch statistics to the unmasked entries (not for the fused case, which
    ignores masks as tf-keras does).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, virtual_batch_size=None,
                 adjustment=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        owner = "BatchNormalization"
        self.axis = _check_axis_arg(axis, owner)
        for arg, value, default in (("renorm", renorm, False),
                                    ("renorm_clipping", renorm_clipping, None),
                                    ("virtual_batch_size", virtual_batch_size, None),
                                    ("adjustment", adjustment, None)):
            if value != default and value is not None:
                raise ValueError(f"{owner}: `{arg}` is not supported, got {value!r}")
        if fused and synchronized:
            raise ValueError(f"{owner}: `fused=True` is not supported when "
                             f"`synchronized=True`.")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.renorm_momentum = renorm_momentum
        self.synchronized = bool(synchronized)
        self.fused = False if synchronized else fused
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = get_constraint(beta_constraint, owner, "beta_constraint")
        self.gamma_constraint = get_constraint(gamma_constraint, owner,
                                               "gamma_constraint")
        self.supports_masking = True

    def _resolve_fused(self, axes, rank, input_shape):
        """tf-keras's choice of its fused kernel (which decides the variance
        correction): 4-D/5-D inputs normalised along axis 1 or the last axis."""
        fusable = rank in (4, 5) and len(axes) == 1 and axes[0] in (1, rank - 1)
        if self.fused and not fusable:
            raise ValueError(f'Layer "{self.name}": `fused=True` only supports 4D or '
                             f'5D inputs normalised along axis 1 or the last axis. '
                             f'Received input shape {tuple(input_shape)} and '
                             f'axis={self.axis!r}')
        return fusable if self.fused is None else bool(self.fused)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = validate_axis(self, self.axis, input_shape)
        rank = len(input_shape)
        self._fused = self._resolve_fused(axes, rank, input_shape)
        self.axis = axes
        if len(axes) == 1:
            param_shape = (input_shape[axes[0]],)
        else:
            param_shape = tuple(input_shape[i] if i in axes else 1 for i in range(rank))

        def weight(name, initializer, trainable, regularizer=None, constraint=None):
            return self.add_weight(name=name, shape=param_shape, initializer=initializer,
                                   regularizer=regularizer, constraint=constraint,
                                   trainable=trainable)
        self.gamma = (weight("gamma", self.gamma_initializer, True, self.gamma_regularizer,
                             self.gamma_constraint) if self.scale else None)
        self.beta = (weight("beta", self.beta_initializer, True, self.beta_regularizer,
                            self.beta_constraint) if self.center else None)
        self.moving_mean = weight("moving_mean", self.moving_mean_initializer, False)
        self.moving_variance = weight("moving_variance",
                                      self.moving_variance_initializer, False)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in axes})
        self.built = True

    def _to_channels_last(self, x):
        """(x with the normalised axes folded into one last axis, function
        undoing it) for a multi-axis layer."""
        axes = sorted(self.axis)
        rank, shape = x.ndim, tuple(x.shape)
        perm = tuple(a for a in range(rank) if a not in axes) + tuple(axes)
        moved = tuple(shape[p] for p in perm)
        inverse = tuple(int(i) for i in np.argsort(perm))
        folded = reshape(transpose(x, perm), moved[:rank - len(axes)] + (-1,))
        return folded, lambda y: transpose(reshape(y, moved), inverse)

    def call(self, inputs, training=None, mask=None):
        training = bool(training) and self.trainable
        x, unfold = inputs, None
        gamma, beta = self.gamma, self.beta
        axis = self.axis[0]
        if len(self.axis) > 1:
            x, unfold = self._to_channels_last(x)
            gamma = None if gamma is None else reshape(gamma, (-1,))
            beta = None if beta is None else reshape(beta, (-1,))
            axis = x.ndim - 1
        if not training:
            y = batch_norm_infer(x, gamma, beta, self.moving_mean.data.reshape(-1),
                                 self.moving_variance.data.reshape(-1), self.epsilon,
                                 axis)
        elif mask is not None and not self._fused:
            y = self._masked_train(inputs, mask, gamma, beta)
            unfold = None
        else:
            y, mean, var = batch_norm_train(x, gamma, beta, axis, self.epsilon)
            if self._fused:
                n = x.data.size // max(x.shape[axis], 1)
                var = var * (n / max(n - 1, 1))
            self._update_moving(mean, var)
        return y if unfold is None else unfold(y)

    def _update_moving(self, mean, var):
        decay = 1.0 - self.momentum
        for stat, value in ((self.moving_mean, mean), (self.moving_variance, var)):
            data = stat.data
            data -= (data - np.asarray(value).reshape(data.shape)) * decay

    def _masked_train(self, x, mask, gamma, beta):
        """Training step whose statistics weight each entry by the mask
        (tf.nn.weighted_moments, differentiable through the statistics)."""
        weights = np.expand_dims(np.asarray(as_array(mask), dtype=x.dtype), -1)
        weights = np.broadcast_to(weights, x.shape)
        axes = tuple(i for i in range(x.ndim) if i not in self.axis)
        count = weights.sum(axis=axes, keepdims=True)
        inv_count = np.divide(1.0, count, out=np.zeros_like(count), where=count > 0)
        mean = E.multiply(R.sum(E.multiply(x, weights), axis=axes, keepdims=True),
                          inv_count)
        centred = E.subtract(x, mean)
        var = E.multiply(R.sum(E.multiply(E.square(centred), weights), axis=axes,
                               keepdims=True), inv_count)
        y = E.multiply(centred, E.power(E.add(var, self.epsilon), -0.5))
        bshape = tuple(x.shape[i] if i in self.axis else 1 for i in range(x.ndim))
        if gamma is not None:
            y = E.multiply(y, reshape(gamma, bshape))
        if beta is not None:
            y = E.add(y, reshape(beta, bshape))
        self._update_moving(np.array(mean.data).reshape(-1),
                            np.array(var.data).reshape(-1))
        return y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(
                self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


class _Affine(Layer):
    """A normalization with an optional learned scale (gamma) and shift
    (beta) per normalized feature: the arguments, weights and config that
    LayerNormalization and GroupNormalization share."""

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) \
                or not epsilon >= 0:
            raise ValueError(f"{owner}: epsilon must be a number >= 0, got {epsilon!r}")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = get_constraint(beta_constraint, owner, "beta_constraint")
        self.gamma_constraint = get_constraint(gamma_constraint, owner,
                                               "gamma_constraint")
        self.supports_masking = True

    def _add_affine(self, shape):
        self.gamma = (self.add_weight(
            name="gamma", shape=shape, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
            if self.scale else None)
        self.beta = (self.add_weight(
            name="beta", shape=shape, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint)
            if self.center else None)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


class LayerNormalization(_Affine):
    """Normalise each sample over `axis` (an int or ints), then scale by
    gamma and shift by beta, shaped by the input along `axis` in the order
    given (tf-keras 2.x).  Masks pass through unchanged."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.axis = _check_axis_arg(axis, "LayerNormalization")
        if isinstance(self.axis, tuple):
            self.axis = list(self.axis)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axes = validate_axis(self, self.axis, input_shape)
        self.axis = axes
        self._add_affine(tuple(input_shape[a] for a in axes))
        self._sorted_axes = tuple(sorted(axes))
        # tf-keras reshapes (not transposes) parameters of unsorted axes into
        # the increasing-axis order the op expects.
        self._sorted_shape = tuple(input_shape[a] for a in self._sorted_axes)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in axes})
        self.built = True

    def call(self, inputs):
        gamma, beta = self.gamma, self.beta
        if list(self._sorted_axes) != self.axis:
            gamma = None if gamma is None else reshape(gamma, self._sorted_shape)
            beta = None if beta is None else reshape(beta, self._sorted_shape)
        return layer_norm(inputs, gamma, beta, self._sorted_axes, self.epsilon)


class GroupNormalization(_Affine):
    """Splits the channels on `axis` into `groups` (-1: one per channel) and
    normalizes each sample's group by its mean and variance, then scales
    and shifts per channel (tf-keras 2.x).  A mask given to the call, or
    from the layer before, weights the statistics (it must broadcast to the
    inputs, as in tf-keras)."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) \
                or not (groups >= 1 or groups == -1):
            raise ValueError(f"GroupNormalization: groups must be a positive int or "
                             f"-1 (one group per channel), got {groups!r}")
        self.groups = int(groups)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"GroupNormalization: expected an int for the argument "
                            f"'axis', but received: {axis!r}")
        self.axis = int(axis)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        (axis,) = validate_axis(self, self.axis, input_shape)
        if axis == 0:
            raise ValueError(f'Layer "{self.name}": axis {self.axis} is the batch axis; '
                             f'GroupNormalization needs the channel axis')
        dim = input_shape[axis]
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f'Layer "{self.name}": number of groups ({self.groups}) '
                             f'cannot be more than the number of channels ({dim})')
        if dim % self.groups:
            raise ValueError(f'Layer "{self.name}": number of groups ({self.groups}) '
                             f'must divide the number of channels ({dim})')
        self._add_affine((dim,))
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.built = True

    def call(self, inputs, mask=None):
        return group_norm(inputs, self.gamma, self.beta, self.groups, self.axis,
                          self.epsilon, mask)

    def get_config(self):
        config = super().get_config()
        config["groups"] = self.groups
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis` (an int or ints), as
    tf.linalg.l2_normalize: x / sqrt(max(sum(x ** 2), 1e-12))."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis_arg(axis, "UnitNormalization")
        if isinstance(self.axis, tuple):
            self.axis = list(self.axis)
        self.supports_masking = True

    def build(self, input_shape):
        validate_axis(self, self.axis, tuple(input_shape))
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return l2_normalize(inputs, axis=axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
