"""The Embedding layer: integer token ids to rows of a trainable table."""
import numpy as np

from .. import constraints, initializers, regularizers
from ..autodiff import as_array
from ..engine.layer import Layer
from ..ops.embedding import embedding, float_ids
from ..utils.arguments import check_integer
from .core import get_constraint


class Embedding(Layer):
    """Rows of the (input_dim, output_dim) `embeddings` table picked by
    integer indices: (batch, ...) -> (batch, ..., output_dim).

    Indices are integers in [0, input_dim), of any integer dtype, or floats
    holding whole numbers (as from a default float32 `Input`, which Keras
    casts): a fractional float raises ValueError, boolean data TypeError
    and an index out of range IndexError, each naming the layer and the
    value.  With
    `mask_zero=True` index 0 is padding: the output mask is `inputs != 0`,
    so a following recurrent layer skips those steps.
    """

    # An Input created in front of this layer (Sequential) holds token ids.
    _input_dtype = "int32"

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None,
                 sparse=False, **kwargs):
        if "input_shape" not in kwargs:
            if isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length or None,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            check_integer("Embedding", arg, value, 1, "a positive integer")
        if sparse:
            raise ValueError("Embedding: sparse=True (SparseTensor output) is not "
                             "supported")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = get_constraint(
            embeddings_constraint, "Embedding", "embeddings_constraint")
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        indices = as_array(inputs)
        if indices.dtype.kind not in "iuf":
            raise TypeError(f'Layer "{self.name}" (Embedding) expects integer indices '
                            f'(or floats holding whole numbers), but received data of '
                            f'dtype {indices.dtype}; pass token ids as an integer array')
        try:
            if indices.dtype.kind == "f":
                indices = float_ids(indices, self.input_dim, "embedding")
            return embedding(indices, self.embeddings)
        except (IndexError, ValueError) as err:
            raise type(err)(f'Layer "{self.name}" (Embedding, input_dim='
                            f'{self.input_dim}): {err}') from None

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.not_equal(as_array(inputs), 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length if isinstance(self.input_length, (list, tuple))
                       else [self.input_length])
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f'Layer "{self.name}": "input_length" is '
                             f'{self.input_length}, but received input has shape '
                             f'{input_shape}')
        for i, (want, got) in enumerate(zip(lengths, input_shape[1:])):
            if want is not None and got is not None and want != got:
                raise ValueError(f'Layer "{self.name}": "input_length" is '
                                 f'{self.input_length}, but received input has '
                                 f'shape {input_shape}')
            if want is None:
                lengths[i] = got
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero, "input_length": self.input_length,
        })
        return config
