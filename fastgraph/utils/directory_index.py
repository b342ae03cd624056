"""Listing a folder of class subfolders, as the `*_dataset_from_directory`
loaders of tf-keras do (same order, same shuffle, same splits), and the
Sequence they return."""
import os

import numpy as np

from .io_utils import print_msg
from .sequence import Sequence


def _class_files(directory, subdir, class_index, follow_links, formats):
    folder = os.path.join(directory, subdir)
    walk = sorted(os.walk(folder, followlinks=follow_links), key=lambda x: x[0])
    files = []
    for root, _, names in walk:
        for fname in sorted(names):
            if fname.lower().endswith(formats):
                files.append(os.path.join(subdir, os.path.relpath(
                    os.path.join(root, fname), folder)))
    return files, [class_index] * len(files)


def index_directory(directory, labels, formats, class_names=None, shuffle=True,
                    seed=None, follow_links=False):
    """`(file_paths, labels, class_names)` of the files under `directory`
    ending in `formats`.

    `labels='inferred'` names classes after the subfolders (sorted, or in
    the order of `class_names`); a list gives the labels of the files in
    sorted path order; None gives no labels.  With `shuffle`, paths and
    labels are shuffled together by `np.random.RandomState(seed)`.
    """
    if labels != "inferred":
        subdirs = [""]
        class_names = subdirs
    else:
        subdirs = [d.rstrip("/") for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d))
                   and not d.startswith(".")]
        if not class_names:
            class_names = subdirs
        elif set(class_names) != set(subdirs):
            raise ValueError(f"The `class_names` passed did not match the names "
                             f"of the subdirectories of the target directory. "
                             f"Expected: {subdirs}, but received: {class_names}")
    class_indices = dict(zip(class_names, range(len(class_names))))
    filenames, found = [], []
    for subdir in subdirs:
        files, part = _class_files(directory, subdir,
                                   class_indices.get(subdir, 0), follow_links,
                                   formats)
        filenames += files
        found += part
    if labels not in ("inferred", None):
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the "
                             f"number of files in the target directory. "
                             f"len(labels) is {len(labels)} while we found "
                             f"{len(filenames)} files in directory {directory}.")
        class_names = sorted(set(labels))
        labels = list(labels)
    else:
        labels = np.asarray(found, dtype="int32").reshape(len(filenames))
    if labels is None:
        print_msg(f"Found {len(filenames)} files.")
    else:
        print_msg(f"Found {len(filenames)} files belonging to {len(class_names)} "
                  f"classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """The argument checks tf-keras makes on `validation_split` / `subset`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and "
                         "inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or '
                         f'"both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you "
                         "must provide a `seed` argument, to make sure that there "
                         "is no overlap between the training and validation "
                         "subset.")


def training_or_validation_split(samples, labels, validation_split, subset):
    """The 'training' part (all but the last `validation_split` fraction) or
    the 'validation' part (that last fraction)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print_msg(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val], labels[:-num_val] if labels is not None else None
    if subset == "validation":
        print_msg(f"Using {num_val} files for validation.")
        return samples[-num_val:], labels[-num_val:] if labels is not None else None
    raise ValueError(f'`subset` must be either "training" or "validation", '
                     f'received: {subset}')


def check_labels_arg(labels, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer "
                             f"labels, of the same size as the number of {what} "
                             f"files in the target directory. If you wish to infer "
                             f"the labels from the subdirectory names in the "
                             f'target directory, pass `labels="inferred"`. If you '
                             f"wish to get a dataset that only contains {what} "
                             f"samples (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`'
                             f". Received: labels={labels}, and class_names="
                             f"{class_names}")


def check_label_mode(label_mode):
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(f'`label_mode` argument must be one of "int", '
                         f'"categorical", "binary", or None. Received: '
                         f'label_mode={label_mode}')


def file_datasets(paths, labels, class_names, label_mode, load, batch_size,
                  shuffle, seed, validation_split, subset, what, directory):
    """The FileDataset of the indexed files (or [training, validation] for
    subset='both'), split as tf-keras splits them."""
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be '
                         f'exactly 2 class_names. Received: class_names='
                         f'{class_names}')

    def make(part_paths, part_labels):
        dataset = FileDataset(part_paths, part_labels, label_mode,
                              len(class_names), load, batch_size, shuffle, seed)
        dataset.class_names = class_names
        return dataset

    if subset == "both":
        parts = [training_or_validation_split(paths, labels, validation_split, s)
                 for s in ("training", "validation")]
        for (part_paths, _), name in zip(parts, ("training", "validation")):
            if not part_paths:
                raise ValueError(f"No {name} {what} found in directory {directory}.")
        return [make(p, lab) for p, lab in parts]
    paths, labels = training_or_validation_split(paths, labels, validation_split,
                                                 subset)
    if not paths:
        raise ValueError(f"No {what} found in directory {directory}.")
    return make(paths, labels)


class FileDataset(Sequence):
    """Batches of samples loaded from files, with their labels: what
    `image_dataset_from_directory` and `text_dataset_from_directory` return
    where tf-keras returns a tf.data Dataset.

    `len()` is the number of batches (of samples, without `batch_size`);
    `class_names` and `file_paths` are set as on Keras's datasets.  Labels
    are int32 ('int'), float32 one-hot ('categorical') or float32 (n, 1)
    ('binary').  With `shuffle`, the order of the files is Keras's (shuffled
    by the seed) and each later epoch draws a new order from the seed.
    """

    def __init__(self, paths, labels, label_mode, num_classes, load, batch_size,
                 shuffle, seed):
        self.file_paths = list(paths)
        self._labels = labels
        self._label_mode = label_mode
        self._num_classes = num_classes
        self._load = load
        self._batch_size = batch_size
        self._shuffle = shuffle
        self._seed = seed
        self._epoch = 0
        self._order = np.arange(len(self.file_paths))

    def __len__(self):
        if self._batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self._batch_size)

    def _encode(self, labels):
        labels = np.asarray(labels)
        if self._label_mode == "binary":
            return labels.astype("float32").reshape(-1, 1)
        if self._label_mode == "categorical":
            return np.eye(self._num_classes, dtype="float32")[labels]
        return labels.astype("int32") if labels.dtype.kind in "iu" else labels

    def __getitem__(self, index):
        if index < 0 or index >= len(self):
            raise IndexError(f"batch index {index} out of range for a dataset of "
                             f"{len(self)} batches")
        if self._batch_size is None:
            picks = self._order[index:index + 1]
        else:
            picks = self._order[index * self._batch_size:
                                (index + 1) * self._batch_size]
        x = [self._load(self.file_paths[k]) for k in picks]
        if self._batch_size is None:
            x = x[0]
        else:
            x = np.array(x, dtype=object) if isinstance(x[0], str) else np.stack(x)
        if self._label_mode is None:
            return x
        y = self._encode([self._labels[k] for k in picks])
        return x, (y if self._batch_size is not None else y[0])

    def on_epoch_end(self):
        self._epoch += 1
        if self._shuffle:
            self._order = np.random.RandomState(
                (self._seed + self._epoch) % 2 ** 32).permutation(len(self.file_paths))
