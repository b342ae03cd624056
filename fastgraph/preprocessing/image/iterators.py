"""Iterator and NumpyArrayIterator: batches of augmented images as a
`fastgraph.utils.Sequence`, so `fit(..., workers=n, use_multiprocessing=True)`
builds them on fastgraph's worker queue."""
import abc
import os
import threading
import warnings

import numpy as np

from ...autodiff import floatx
from ...utils.image_utils import array_to_img
from ...utils.sequence import Sequence


class Iterator(Sequence):
    """Batches of `n` samples by index, as Keras 2's image `Iterator`.

    A Sequence (batch `idx` of the current epoch's order; `on_epoch_end`
    draws a new order when `shuffle`) and also a Python iterator
    (`next(it)` cycles forever).  With `seed`, NumPy's global generator is
    seeded with `seed + batches seen` before each batch, as in Keras.
    Subclasses define `_get_batches_of_transformed_samples(index_array)`.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def __getstate__(self):
        # Locks and generators do not pickle: worker processes started with
        # 'spawn' get the iterator without them and make their own.
        state = dict(self.__dict__)
        del state["lock"], state["index_generator"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence "
                             f"has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:
                                       self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        """Start the next `next()` at the first batch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch (cycling through the epochs forever)."""
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    @abc.abstractmethod
    def _get_batches_of_transformed_samples(self, index_array):
        """The batch of the samples `index_array`."""


def save_batch(batch_x, index_array, data_format, save_to_dir, save_prefix,
               save_format, hash_range):
    """Write a batch's images to `save_to_dir`, named as Keras names them."""
    for i, j in enumerate(index_array):
        img = array_to_img(batch_x[i], data_format, scale=True)
        fname = (f"{save_prefix}_{j}_{np.random.randint(hash_range)}."
                 f"{save_format}")
        img.save(os.path.join(save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Augmented batches of in-memory images `x` (rank 4) with labels `y`,
    as `ImageDataGenerator.flow` returns them.

    `x` may be `(images, extra)` or `(images, [extra, ...])`: the extra
    arrays come out beside each batch of images, untransformed.  `subset`
    'validation' takes the first `validation_split` fraction, 'training'
    the rest.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        data_format = data_format or "channels_last"
        self.dtype = dtype or floatx()
        if isinstance(x, (tuple, list)):
            extras = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(xx) for xx in extras]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(f"NumpyArrayIterator: all of the arrays in "
                                     f"`x` should have the same length. Found a "
                                     f"pair with: len(x[0]) = {len(x)}, "
                                     f"len(x[?]) = {len(xx)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"NumpyArrayIterator: `x` (images tensor) and `y` "
                             f"(labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = "
                             f"{np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"NumpyArrayIterator: `x` (images tensor) and "
                             f"`sample_weight` should have the same length. "
                             f"Found: x.shape = {np.asarray(x).shape}, "
                             f"sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"NumpyArrayIterator: invalid subset name: "
                                 f"{subset}; expected 'training' or 'validation'.")
            split_idx = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(y[:split_idx]), np.unique(y[split_idx:])):
                raise ValueError("NumpyArrayIterator: training and validation "
                                 "subsets have different number of classes after "
                                 "the split. If your numpy arrays are sorted by "
                                 "the label, you might want to shuffle them.")
            part = slice(None, split_idx) if subset == "validation" \
                else slice(split_idx, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"NumpyArrayIterator: input data should have rank 4. "
                             f"You passed an array with shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(f'NumpyArrayIterator is set to use the data format '
                          f'convention "{data_format}" (channels on axis '
                          f'{channels_axis}), i.e. expected either 1, 3, or 4 '
                          f'channels on axis {channels_axis}. However, it was '
                          f'passed an array with shape {self.x.shape} '
                          f'({self.x.shape[channels_axis]} channels).')
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) \
            if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        gen = self.image_data_generator
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = gen.get_random_transform(x.shape)
            x = gen.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = gen.standardize(x)
        if self.save_to_dir:
            save_batch(batch_x, index_array, self.data_format, self.save_to_dir,
                       self.save_prefix, self.save_format, 1e4)
        misc = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not misc else [batch_x] + misc,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output
