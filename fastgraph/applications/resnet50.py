"""Keras's `applications.resnet50` module: ResNet50 and its input convention."""
from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
