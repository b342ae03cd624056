"""Where the Keras data sets come from and where they are cached: Keras's
own URLs and file names, fetched by `fastgraph.utils.get_file` into
`$KERAS_HOME/datasets` (default `~/.keras/datasets`)."""
import os

from ..utils.data_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(fname, origin, file_hash=None, cache_dir=None, **kwargs):
    """The local path of a data set file (downloaded once), as the Keras
    loaders call `get_file`."""
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    return get_file(fname, origin=origin, file_hash=file_hash,
                    cache_dir=cache_dir, **kwargs)
