"""SpectralNormalization (tf-keras 2.x): a wrapper that, on each training
call, divides the wrapped layer's kernel by its largest singular value,
estimated by power iteration, before running the layer."""
import numbers

import numpy as np

from .. import initializers
from ..engine.layer import InputSpec
from .wrappers import Wrapper


def _l2_normalize(a):
    """tf.math.l2_normalize over all of `a`: a / sqrt(max(sum(a ** 2), 1e-12))."""
    return a / np.sqrt(np.maximum(np.sum(np.square(a)), 1e-12))


class SpectralNormalization(Wrapper):
    """Keeps the spectral norm of `layer`'s kernel (or embeddings) at 1:
    each training call runs `power_iterations` steps of power iteration
    from the persistent vector `vector_u` (a non-trainable weight) and
    rescales the kernel in place, as tf-keras does (no gradient flows
    through the rescaling); inference runs the layer as it is."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) \
                or not isinstance(power_iterations, numbers.Integral) \
                or power_iterations <= 0:
            raise ValueError(f"SpectralNormalization: power_iterations should be "
                             f"greater than zero, got {power_iterations!r}")
        self.power_iterations = int(power_iterations)
        self.kernel = self.vector_u = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self.layer._maybe_build(input_shape)
        self.input_spec = InputSpec(shape=(None,) + input_shape[1:])
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"SpectralNormalization: {type(self.layer).__name__} object "
                             f"has no attribute 'kernel' nor 'embeddings'")
        self.kernel = kernel
        self.vector_u = self.add_weight(
            "vector_u", (1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            dtype=kernel.dtype)
        self.built = True

    def normalized_weights(self):
        """(the kernel divided by its estimated spectral norm, new vector_u)."""
        w = self.kernel.data.reshape(-1, self.kernel.shape[-1])
        u = v = self.vector_u.data
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ w.T)
            u = _l2_normalize(v @ w)
        sigma = (v @ w) @ u.T
        return (w / sigma).reshape(self.kernel.shape), u

    def call(self, inputs, training=None):
        if training and np.any(self.kernel.data != 0):
            kernel, u = self.normalized_weights()
            self.kernel.assign(kernel)
            self.vector_u.assign(u)
        return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def _compute_output_dtype(self, input_dtypes):
        return self.layer._compute_output_dtype(input_dtypes)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
