"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector, Lambda, Masking, Identity (tf-keras 2.x arguments and
behaviour)."""
import inspect
import math
import numbers

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..autodiff import Tensor, as_array, enable_grad, no_grad, symbolic
from ..engine.layer import InputSpec, Layer, infer_by_dummy_call, is_shape
from ..ops import elementwise as E
from ..ops import shape as S
from ..ops.dense import dense, dense_array
from ..ops.random import dropout


def get_constraint(constraint, layer, arg):
    """The constraint a layer's argument `arg` names, the error naming both."""
    try:
        return constraints.get(constraint)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{layer}: {arg}: {err}") from None


def _first_dtype(dtypes):
    return dtypes if isinstance(dtypes, str) else dtypes[0]


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` over the last axis: kernel
    (input_dim, units), bias (units,); one fused op."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(f"Dense: received an invalid value for `units`, expected "
                             f"a positive integer. Received: units={units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint, "Dense", "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, "Dense", "bias_constraint")
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = self.bias = None

    def build(self, input_shape):
        last = input_shape[-1] if is_shape(input_shape) and input_shape else None
        if last is None:
            raise ValueError(f'Layer "{self.name}": the last dimension of the inputs to '
                             f'a Dense layer should be defined. Found None. Full input '
                             f'shape received: {input_shape}')
        self.kernel = self.add_weight("kernel", (last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        return dense(inputs, self.kernel, self.bias, self.activation)

    def _inference_fn(self, input_dtype):
        if type(self).call is not Dense.call or self.activity_regularizer is not None:
            return None
        return lambda x, training: dense_array(x, self.kernel, self.bias,
                                               symbolic.unwrapped(self.activation))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


class Activation(Layer):
    """Applies an activation function (a name or a callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Zeroes a `rate` fraction of the inputs (scaling the rest by
    1/(1-rate)) when training; identity otherwise.  `noise_shape` shares the
    draw along its size-1 axes; `seed` makes the sequence of masks
    reproducible."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) \
                or not 0 <= rate < 1:
            raise ValueError(f"Dropout: invalid value {rate!r} received for `rate`, "
                             f"expected a value in [0, 1).")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._seeds = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        seed = None if self._seeds is None else int(self._seeds.integers(2 ** 63))
        return dropout(inputs, self.rate, self.noise_shape, seed)

    def _inference_fn(self, input_dtype):
        if type(self).call is not Dropout.call or self.activity_regularizer is not None:
            return None

        def run(x, training):
            if not training or self.rate == 0:
                return x
            with no_grad():
                return self._run(Tensor(x), (), {"training": training}).data
        return run

    def compute_output_shape(self, input_shape):
        return input_shape

    def _compute_output_dtype(self, input_dtypes):
        return _first_dtype(input_dtypes)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape,
                       "seed": self.seed})
        return config


class Masking(Layer):
    """Masks the timesteps whose features all equal `mask_value`: their
    outputs become 0 and the output mask (batch, steps) marks them False,
    so that recurrent layers skip them, merges and pooling leave them out
    and the losses do not count them."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise ValueError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs):
        return np.any(np.not_equal(as_array(inputs), self.mask_value), axis=-1,
                      keepdims=True)

    def call(self, inputs):
        return E.multiply(inputs, self._keep(inputs).astype(inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)[..., 0]

    def compute_output_shape(self, input_shape):
        return input_shape

    def _compute_output_dtype(self, input_dtypes):
        return _first_dtype(input_dtypes)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model), mask included."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def _inference_fn(self, input_dtype):
        return lambda x, training: x

    def compute_output_shape(self, input_shape):
        return input_shape

    def _compute_output_dtype(self, input_dtypes):
        return input_dtypes


class _Reshaping(Layer):
    """A layer that only moves values around: the output keeps the dtype."""

    def _compute_output_dtype(self, input_dtypes):
        return _first_dtype(input_dtypes)


class Flatten(_Reshaping):
    """(batch, ...) -> (batch, prod(...)); `data_format='channels_first'`
    moves the channel axis last first, as Keras does."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = S.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return S.flatten(inputs)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if not rest:
            return (input_shape[0], 1)
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(rest))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(_Reshaping):
    """Reshape each sample to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d < 0 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape: there must be at most one unknown dimension "
                             f"(-1) in target_shape, got {self.target_shape}")
        if any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: target_shape entries must be positive or -1, "
                             f"got {self.target_shape}")

    def _resolve(self, sample_shape):
        """target_shape with -1 filled in for samples of `sample_shape`."""
        size, known = math.prod(sample_shape), math.prod(d for d in self.target_shape
                                                         if d > 0)
        out = list(self.target_shape)
        if -1 in out:
            if size % known:
                raise ValueError(f'Layer "{self.name}": total size of new array must be '
                                 f'unchanged, input_shape = {tuple(sample_shape)}, '
                                 f'output_shape = {self.target_shape}')
            out[out.index(-1)] = size // known
        elif size != known:
            raise ValueError(f'Layer "{self.name}": total size of new array must be '
                             f'unchanged, input_shape = {tuple(sample_shape)}, '
                             f'output_shape = {self.target_shape}')
        return tuple(out)

    def call(self, inputs):
        return S.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d < 0 else d for d in self.target_shape)
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(_Reshaping):
    """Permute the non-batch axes: `dims` is 1-based, e.g. (2, 1)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. "
                             f"The set of indices in `dims` must be consecutive and "
                             f"start from 1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return S.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(_Reshaping):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"RepeatVector: n must be a non-negative integer, got {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return S.repeat_vector(inputs, self.n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


def _accepts(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer.

    The output shape comes from `output_shape` (a shape without the batch
    axis, or a function of the input shape) or else from calling `function`
    on zero arrays.  `mask` is None, a mask, or `mask(inputs, mask)`.  The
    config keeps only the function's name: from_config finds it in
    custom_objects, never by loading code.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        self._fn_mask = _accepts(function, "mask")
        self._fn_training = _accepts(function, "training")
        self._inferred_dtype = None
        self._watch = False    # run the function on watched inputs (K.gradients)

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        if not self._watch:
            try:
                return self.function(inputs, **kwargs)
            except symbolic.UnwatchedError:
                self._watch = True     # the function differentiates its inputs
        with enable_grad():
            watched = ([symbolic.watch(x) for x in inputs]
                       if isinstance(inputs, (list, tuple)) else symbolic.watch(inputs))
            return self.function(watched, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            dtypes = self._dtypes_hint
            if dtypes is None or is_shape(input_shape) != isinstance(dtypes, str):
                dtypes = self.dtype if is_shape(input_shape) else [self.dtype] * len(
                    input_shape)
            out = infer_by_dummy_call(lambda x: self.call(x), input_shape, dtypes,
                                      self.name)
            if isinstance(out, list):
                self._inferred_dtype = [o[1] for o in out]
                return [o[0] for o in out]
            self._inferred_dtype = out[1]
            return out[0]
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = input_shape[0] if is_shape(input_shape) else input_shape[0][0]
        if is_shape(self._output_shape):
            return (batch,) + tuple(self._output_shape)
        return [(batch,) + tuple(s) for s in self._output_shape]

    def _compute_output_dtype(self, input_dtypes):
        if self._inferred_dtype is not None:
            dtype, self._inferred_dtype = self._inferred_dtype, None
            return dtype
        first = _first_dtype(input_dtypes)
        return first if np.dtype(first).kind == "f" else self.dtype

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        config = super().get_config()
        shape = self._output_shape
        config.update({
            "function": getattr(self.function, "__name__", type(self.function).__name__),
            "function_type": "function",
            "output_shape": (getattr(shape, "__name__", None) if callable(shape)
                             else shape),
            "output_shape_type": "function" if callable(shape) else "raw",
            "arguments": {k: v.tolist() if isinstance(v, np.ndarray) else v
                          for k, v in self.arguments.items()},
            "mask": (getattr(self.mask, "__name__", None) if callable(self.mask)
                     else None),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        custom_objects = custom_objects or {}

        def resolve(key, what):
            value = config.get(key)
            if value is None or callable(value):
                return value
            if isinstance(value, str) and value in custom_objects:
                return custom_objects[value]
            if not isinstance(value, str):
                raise ValueError(f"Lambda {config.get('name')!r}: the config holds "
                                 f"serialized code for its {what}; fastgraph never "
                                 f"loads code, pass the function in custom_objects")
            raise ValueError(f"Lambda {config.get('name')!r}: {what} {value!r} is saved "
                             f"by name only; pass it as custom_objects={{{value!r}: fn}}")
        config["function"] = resolve("function", "function")
        if config.pop("output_shape_type", "raw") == "function":
            config["output_shape"] = resolve("output_shape", "output_shape function")
        elif config.get("output_shape") is not None:
            shape = config["output_shape"]
            config["output_shape"] = (tuple(shape) if is_shape(shape)
                                      else [tuple(s) for s in shape])
        config["mask"] = resolve("mask", "mask function")
        for key in ("function_type", "module", "output_shape_module"):
            config.pop(key, None)
        return cls(**config)
