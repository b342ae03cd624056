"""Keras 2's preprocessing utilities: `sequence`, `text`, `image`, and the
dataset builders (`image_dataset_from_directory`,
`text_dataset_from_directory`, `timeseries_dataset_from_array`), which
return `fastgraph.utils.Sequence` objects."""
from ..utils.image_dataset import image_dataset_from_directory
from ..utils.text_dataset import text_dataset_from_directory
from ..utils.timeseries_dataset import timeseries_dataset_from_array
from . import image, sequence, text

__all__ = ["image", "image_dataset_from_directory", "sequence", "text",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]
