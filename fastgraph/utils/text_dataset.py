"""text_dataset_from_directory: batches of texts from class subfolders, as
a `fastgraph.utils.Sequence`."""
import functools

import numpy as np

from .directory_index import (check_label_mode, check_labels_arg,
                              check_validation_split_arg, file_datasets,
                              index_directory)


def _read_text(path, max_length):
    with open(path, "rb") as f:
        data = f.read() if max_length is None else f.read(max_length)
    return data.decode("utf-8", errors="replace")


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None,
                                shuffle=True, seed=None, validation_split=None,
                                subset=None, follow_links=False):
    """Batches `(texts, labels)` of the `.txt` files in `directory`'s class
    subfolders, with tf-keras's arguments and file order.

    Texts are Python strings (UTF-8 decoded) in object arrays; `max_length`
    keeps the first bytes of each file, as tf-keras does.  The result is a
    `fastgraph.utils.Sequence` with `class_names` and `file_paths`
    (`[training, validation]` for `subset='both'`).
    """
    check_labels_arg(labels, class_names, "text")
    check_label_mode(label_mode)
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, formats=(".txt",), class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links)
    load = functools.partial(_read_text, max_length=max_length)
    return file_datasets(paths, labels, class_names, label_mode, load, batch_size,
                         shuffle, seed, validation_split, subset, "text files", directory)
