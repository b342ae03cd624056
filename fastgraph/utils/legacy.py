"""`keras.utils.legacy`: the Keras 2 names of the object (de)serializers.

tf-keras keeps here the serializers of its older config format; fastgraph
has one config format, read and written by the object registry, so these
are the registry's own functions.
"""
from ..registry import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
