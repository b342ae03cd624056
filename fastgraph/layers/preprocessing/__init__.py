"""Keras 2's preprocessing layers: image (Rescaling, Resizing, CenterCrop),
random augmentation (active in training), Normalization and Discretization
with `adapt`, lookups (StringLookup, IntegerLookup, TextVectorization) and
encodings (CategoryEncoding, Hashing, HashedCrossing)."""
from .base import PreprocessingLayer
from .encoding import CategoryEncoding, HashedCrossing, Hashing
from .image import CenterCrop, Rescaling, Resizing
from .image_random import (RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                           RandomHeight, RandomRotation, RandomTranslation, RandomWidth,
                           RandomZoom)
from .lookup import IntegerLookup, StringLookup
from .normalization import Discretization, Normalization
from .text_vectorization import TextVectorization

__all__ = ["PreprocessingLayer", "CategoryEncoding", "HashedCrossing", "Hashing",
           "CenterCrop", "Rescaling", "Resizing", "RandomBrightness", "RandomContrast",
           "RandomCrop", "RandomFlip", "RandomHeight", "RandomRotation",
           "RandomTranslation", "RandomWidth", "RandomZoom", "IntegerLookup",
           "StringLookup", "Discretization", "Normalization", "TextVectorization"]
