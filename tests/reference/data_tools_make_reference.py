"""Produce data_tools_reference.npz / .json with real tf-keras 2.21 (run once):

    /work/venv-tf/bin/python tests/reference/data_tools_make_reference.py

Not part of the test suite (the library and its tests never import
tensorflow).  Records tf-keras's outputs for the data tools on the inputs of
data_tools_inputs.py: sequence and text preprocessing, image transforms and
ImageDataGenerator batches, smart_resize, the *_dataset_from_* builders
(unshuffled batches, shuffled file orders), utils, and the data set loaders
on tiny files in the real formats.
"""
import json
import os
import random
import sys
import tempfile

import numpy as np
import tf_keras as keras
from tf_keras.src.datasets import boston_housing, imdb, mnist, reuters

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data_tools_inputs as inputs  # noqa: E402

arrays, lists = {}, {}


def rel(paths, root):
    return [os.path.relpath(p, root) for p in paths]


# ------------------------------------------------------------- sequence
seq = keras.preprocessing.sequence
for padding in ("pre", "post"):
    for truncating in ("pre", "post"):
        for maxlen in (None, 3):
            arrays[f"pad/{padding}/{truncating}/{maxlen}"] = seq.pad_sequences(
                inputs.SEQUENCES, maxlen=maxlen, padding=padding,
                truncating=truncating, value=-1)
arrays["pad/float"] = seq.pad_sequences([[0.5, 1.5], [2.5]], dtype="float32",
                                        value=0.25)
arrays["pad/sample_shape"] = seq.pad_sequences([[[1, 2], [3, 4]], [[5, 6]]], maxlen=3)
lists["pad/strings"] = seq.pad_sequences([["a", "b"], ["c"]], dtype=object,
                                         value="<pad>").tolist()
arrays["sampling_table"] = seq.make_sampling_table(20, sampling_factor=1e-2)
for name, kwargs in {"plain": {}, "categorical": {"categorical": True},
                     "table": {"sampling_table": seq.make_sampling_table(30, 0.05)},
                     "noshuffle": {"shuffle": False, "negative_samples": 0.5}}.items():
    random.seed(1234)
    couples, labels = seq.skipgrams([1, 2, 0, 3, 4, 5, 2, 7], 30, window_size=2,
                                    seed=42, **kwargs)
    lists[f"skipgrams/{name}"] = [couples, labels]
data = np.arange(50, dtype=np.float32).reshape(25, 2)
targets = np.arange(25) * 10
for name, kwargs in {"basic": {"length": 4, "batch_size": 3},
                     "rate_stride": {"length": 6, "sampling_rate": 2, "stride": 3,
                                     "batch_size": 2, "start_index": 1,
                                     "end_index": 20},
                     "reverse": {"length": 3, "reverse": True, "batch_size": 5}}.items():
    gen = seq.TimeseriesGenerator(data, targets, **kwargs)
    arrays[f"tsgen/{name}/len"] = np.array(len(gen))
    for i in range(len(gen)):
        arrays[f"tsgen/{name}/{i}/x"], arrays[f"tsgen/{name}/{i}/y"] = gen[i]
np.random.seed(3)
gen = seq.TimeseriesGenerator(data, targets, length=4, shuffle=True, batch_size=4)
arrays["tsgen/shuffle/x"], arrays["tsgen/shuffle/y"] = gen[0]
lists["tsgen/config"] = json.loads(seq.TimeseriesGenerator(
    data[:6], targets[:6], length=2).to_json())

# ----------------------------------------------------------------- text
text = keras.preprocessing.text
lists["words"] = [text.text_to_word_sequence(t) for t in inputs.TEXTS]
lists["words_nolower_split"] = [text.text_to_word_sequence(t, lower=False, split="a",
                                                           filters="!")
                                for t in inputs.TEXTS]
lists["md5"] = [text.hashing_trick(t, 17, hash_function="md5") for t in inputs.TEXTS]
for name, kwargs in {"plain": {}, "num_words": {"num_words": 6},
                     "oov": {"num_words": 6, "oov_token": "<unk>"},
                     "char": {"char_level": True, "lower": False}}.items():
    tok = text.Tokenizer(**kwargs)
    tok.fit_on_texts(inputs.TEXTS[:4])
    sequences = tok.texts_to_sequences(inputs.TEXTS)
    lists[f"tok/{name}"] = {
        "word_index": tok.word_index, "word_counts": dict(tok.word_counts),
        "word_docs": dict(tok.word_docs),
        "index_docs": {str(k): v for k, v in tok.index_docs.items()},
        "sequences": sequences, "texts": tok.sequences_to_texts(sequences),
        "document_count": tok.document_count, "json": tok.to_json()}
    for mode in ("binary", "count", "freq", "tfidf"):
        arrays[f"tok/{name}/{mode}"] = tok.texts_to_matrix(inputs.TEXTS, mode=mode)
tok = text.Tokenizer(num_words=6)
tok.fit_on_sequences([[1, 2, 2], [3], [1, 3]])
arrays["tok/sequences/tfidf"] = tok.sequences_to_matrix([[1, 2], [3, 3, 5]],
                                                        mode="tfidf")

# ---------------------------------------------------------------- image
image = keras.preprocessing.image
x_last = inputs.image((9, 7, 3), 1)
x_first = np.transpose(x_last, (2, 0, 1)).copy()
cases = {"rot": {"theta": 23}, "shift": {"tx": 1.5, "ty": -2.25},
         "shear": {"shear": 17}, "zoom": {"zx": 0.7, "zy": 1.3},
         "all": {"theta": -40, "tx": 2, "ty": 1, "shear": 8, "zx": 1.2, "zy": 0.8}}
for name, params in cases.items():
    for mode in ("constant", "nearest", "reflect", "wrap"):
        arrays[f"affine/{name}/{mode}/last"] = image.apply_affine_transform(
            x_last, row_axis=0, col_axis=1, channel_axis=2, fill_mode=mode,
            cval=-7.0, **params)
        arrays[f"affine/{name}/{mode}/first"] = image.apply_affine_transform(
            x_first, fill_mode=mode, cval=3.0, **params)
    arrays[f"affine/{name}/order0"] = image.apply_affine_transform(
        x_last, row_axis=0, col_axis=1, channel_axis=2, order=0, **params)
for name, fn in {"rotation": lambda x: image.random_rotation(x, 30, 0, 1, 2),
                 "shift": lambda x: image.random_shift(x, 0.2, 0.3, 0, 1, 2),
                 "shear": lambda x: image.random_shear(x, 20, 0, 1, 2, "reflect"),
                 "zoom": lambda x: image.random_zoom(x, (0.6, 1.4), 0, 1, 2, "wrap"),
                 "channel": lambda x: image.random_channel_shift(x, 40, 2),
                 "brightness": lambda x: image.random_brightness(x, (0.5, 1.5))}.items():
    np.random.seed(11)
    arrays[f"random/{name}"] = fn(x_last)
arrays["channel_shift"] = image.apply_channel_shift(x_first, 30.0, 0)
arrays["brightness/noscale"] = image.apply_brightness_shift(
    inputs.image((5, 4, 3), 2, low=-20, high=400), 1.3, scale=False)

batch = inputs.image((6, 8, 10, 3), 3)
labels = np.arange(6) % 3
gens = {
    "augment": dict(rotation_range=25, width_shift_range=0.2, height_shift_range=3,
                    shear_range=10, zoom_range=0.25, channel_shift_range=20,
                    horizontal_flip=True, vertical_flip=True, fill_mode="reflect"),
    "shift_lists": dict(width_shift_range=[-2, 0, 3], height_shift_range=[1, 2],
                        fill_mode="constant", cval=5.0),
    "norm": dict(featurewise_center=True, featurewise_std_normalization=True,
                 samplewise_center=True, samplewise_std_normalization=True,
                 rescale=1 / 255.0),
    "zca": dict(zca_whitening=True, zca_epsilon=0.1),
    "brightness": dict(brightness_range=(0.6, 1.2), rotation_range=10),
}
for name, kwargs in gens.items():
    gen = image.ImageDataGenerator(**kwargs)
    if name in ("norm", "zca"):
        gen.fit(batch, augment=(name == "norm"), rounds=2, seed=5)
        arrays[f"idg/{name}/mean"] = gen.mean
        if gen.std is not None:
            arrays[f"idg/{name}/std"] = gen.std
    it = gen.flow(batch, labels, batch_size=4, shuffle=True, seed=21)
    for i in range(len(it)):
        arrays[f"idg/{name}/{i}/x"], arrays[f"idg/{name}/{i}/y"] = it[i]
    params = gen.get_random_transform((8, 10, 3), seed=99)
    lists[f"idg/{name}/params"] = {k: (None if v is None else float(v))
                                   for k, v in params.items()}
gen = image.ImageDataGenerator(validation_split=0.5, rotation_range=5)
for subset in ("training", "validation"):
    it = gen.flow(batch, labels, batch_size=2, shuffle=False, seed=1, subset=subset,
                  sample_weight=np.arange(6.0))
    arrays[f"idg/subset/{subset}/x"], arrays[f"idg/subset/{subset}/y"], \
        arrays[f"idg/subset/{subset}/w"] = it[0]
gen = image.ImageDataGenerator(data_format="channels_first", rotation_range=30,
                               zoom_range=[0.8, 1.1], fill_mode="wrap")
it = gen.flow(np.transpose(batch, (0, 3, 1, 2)), None, batch_size=6, shuffle=False,
              seed=4)
arrays["idg/channels_first"] = it[0]

small = inputs.image((7, 12, 3), 4)
for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
               "gaussian", "mitchellcubic"):
    arrays[f"smart_resize/{method}"] = image.smart_resize(small, (5, 5), method)
    arrays[f"smart_resize/{method}/batch"] = image.smart_resize(
        np.stack([small, small[::-1]]), (9, 4), method)
arrays["array_to_img"] = image.img_to_array(image.array_to_img(
    inputs.image((4, 5, 3), 5, low=-3, high=3)))
arrays["array_to_img/gray"] = image.img_to_array(image.array_to_img(
    inputs.image((4, 5, 1), 6), scale=False))

with tempfile.TemporaryDirectory() as root:
    inputs.write_image_tree(root)
    for name, kwargs in {
            "categorical": dict(class_mode="categorical", target_size=(6, 6),
                                shuffle=False),
            "sparse_gray": dict(class_mode="sparse", color_mode="grayscale",
                                target_size=(5, 7), shuffle=False),
            "bilinear_aspect": dict(class_mode="binary", target_size=(6, 6),
                                    interpolation="bilinear",
                                    keep_aspect_ratio=True, shuffle=False)}.items():
        it = image.ImageDataGenerator(rescale=1 / 255.0).flow_from_directory(
            root, batch_size=4, **kwargs)
        lists[f"flow_dir/{name}/files"] = it.filenames
        lists[f"flow_dir/{name}/class_indices"] = it.class_indices
        for i in range(len(it)):
            arrays[f"flow_dir/{name}/{i}/x"], arrays[f"flow_dir/{name}/{i}/y"] = it[i]
    it = image.ImageDataGenerator(validation_split=0.4).flow_from_directory(
        root, target_size=(4, 4), subset="validation", shuffle=False)
    lists["flow_dir/validation/files"] = it.filenames

    for name, kwargs in {
            "int": dict(image_size=(6, 5), shuffle=False, batch_size=4),
            "categorical_nearest": dict(image_size=(4, 4), label_mode="categorical",
                                        interpolation="nearest", shuffle=False),
            "binary_crop_gray": dict(image_size=(5, 5), label_mode="binary",
                                     color_mode="grayscale", shuffle=False,
                                     crop_to_aspect_ratio=True),
            "bicubic_rgba": dict(image_size=(3, 8), color_mode="rgba",
                                 interpolation="bicubic", shuffle=False,
                                 label_mode=None)}.items():
        ds = keras.utils.image_dataset_from_directory(root, **kwargs)
        lists[f"img_ds/{name}/class_names"] = ds.class_names
        lists[f"img_ds/{name}/file_paths"] = rel(ds.file_paths, root)
        for i, item in enumerate(ds):
            if isinstance(item, tuple):
                arrays[f"img_ds/{name}/{i}/x"] = item[0].numpy()
                arrays[f"img_ds/{name}/{i}/y"] = item[1].numpy()
            else:
                arrays[f"img_ds/{name}/{i}/x"] = item.numpy()
    train, val = keras.utils.image_dataset_from_directory(
        root, image_size=(4, 4), validation_split=0.34, subset="both", seed=17)
    lists["img_ds/both"] = [rel(train.file_paths, root), rel(val.file_paths, root)]
    ds = keras.utils.image_dataset_from_directory(root, image_size=(4, 4), seed=123)
    lists["img_ds/shuffled"] = rel(ds.file_paths, root)

with tempfile.TemporaryDirectory() as root:
    inputs.write_text_tree(root)
    ds = keras.utils.text_dataset_from_directory(root, shuffle=False, batch_size=3,
                                                 max_length=6)
    lists["txt_ds/class_names"] = ds.class_names
    lists["txt_ds/batches"] = [[[t.decode("utf-8", "replace") for t in x.numpy()],
                                y.numpy().tolist()] for x, y in ds]
    ds = keras.utils.text_dataset_from_directory(root, label_mode="categorical",
                                                 validation_split=0.3,
                                                 subset="training", seed=5,
                                                 batch_size=None)
    lists["txt_ds/train_single"] = sorted([x.numpy().decode("utf-8", "replace"),
                                           y.numpy().tolist()] for x, y in ds)

series = np.arange(100, dtype=np.float32).reshape(50, 2)
for name, kwargs in {"basic": dict(sequence_length=5, batch_size=4),
                     "strided": dict(sequence_length=4, sequence_stride=3,
                                     sampling_rate=2, batch_size=3, start_index=2,
                                     end_index=40)}.items():
    ds = keras.utils.timeseries_dataset_from_array(series, np.arange(50) * 3, **kwargs)
    for i, (x, y) in enumerate(ds):
        arrays[f"ts_ds/{name}/{i}/x"], arrays[f"ts_ds/{name}/{i}/y"] = x.numpy(), y.numpy()
ds = keras.utils.timeseries_dataset_from_array(series, None, sequence_length=3,
                                               batch_size=None)
arrays["ts_ds/no_targets"] = np.stack([x.numpy() for x in ds])

# ---------------------------------------------------------------- utils
y = np.array([[0], [2], [1], [3]])
arrays["to_ordinal"] = keras.utils.to_ordinal(y)
arrays["to_ordinal/n5"] = keras.utils.to_ordinal([1, 4, 0], num_classes=5)
left, right = keras.utils.split_dataset(
    (np.arange(10).reshape(10, 1), np.arange(10) * 2), left_size=0.3, shuffle=True,
    seed=8)
arrays["split/left/0"], arrays["split/left/1"] = [np.stack(v) for v in zip(
    *[(a.numpy(), b.numpy()) for a, b in left])]
arrays["split/right/0"], arrays["split/right/1"] = [np.stack(v) for v in zip(
    *[(a.numpy(), b.numpy()) for a, b in right])]
left, right = keras.utils.split_dataset(np.arange(12.0), right_size=5)
arrays["split/array/left"] = np.stack([v.numpy() for v in left])
arrays["split/array/right"] = np.stack([v.numpy() for v in right])
arrays["warmstart"] = keras.utils.warmstart_embedding_matrix(
    ["unk", "a", "b", "c"], ["unk", "c", "d", "a"],
    np.arange(12, dtype=np.float32).reshape(4, 3),
    keras.initializers.Constant(-1.0)).numpy()

# ------------------------------------------------------------- datasets
with tempfile.TemporaryDirectory() as root:
    def tiny(name, payload):
        path = os.path.join(root, name)
        with open(path, "wb") as f:
            f.write(payload)
        return path

    paths = {"mnist": tiny("mnist.npz", inputs.mnist_npz()),
             "imdb": tiny("imdb.npz", inputs.imdb_npz()),
             "reuters": tiny("reuters.npz", inputs.reuters_npz()),
             "boston": tiny("boston.npz", inputs.boston_npz())}
    for module, key in ((mnist, "mnist"), (imdb, "imdb"), (reuters, "reuters"),
                        (boston_housing, "boston")):
        module.get_file = lambda *a, _p=paths[key], **k: _p
    (a, b), (c, d) = mnist.load_data()
    arrays.update({"mnist/x_train": a, "mnist/y_train": b, "mnist/x_test": c,
                   "mnist/y_test": d})
    for name, kwargs in {"default": {}, "num_words": {"num_words": 20, "skip_top": 5},
                         "maxlen": {"maxlen": 8, "seed": 7},
                         "no_oov": {"oov_char": None, "num_words": 25, "index_from": 2},
                         "no_start": {"start_char": None, "index_from": 1}}.items():
        (a, b), (c, d) = imdb.load_data(**kwargs)
        lists[f"imdb/{name}"] = [[list(map(int, s)) for s in a], b.tolist(),
                                 [list(map(int, s)) for s in c], d.tolist(),
                                 str(a.dtype), str(b.dtype)]
    for name, kwargs in {"default": {}, "split": {"test_split": 0.4, "seed": 3,
                                                  "num_words": 15, "maxlen": 10}}.items():
        (a, b), (c, d) = reuters.load_data(**kwargs)
        lists[f"reuters/{name}"] = [[list(map(int, s)) for s in a], b.tolist(),
                                    [list(map(int, s)) for s in c], d.tolist()]
    for name, kwargs in {"default": {}, "split": {"test_split": 0.3, "seed": 4}}.items():
        (a, b), (c, d) = boston_housing.load_data(**kwargs)
        arrays.update({f"boston/{name}/x_train": a, f"boston/{name}/y_train": b,
                       f"boston/{name}/x_test": c, f"boston/{name}/y_test": d})

np.savez_compressed(os.path.join(HERE, "data_tools_reference.npz"), **arrays)
with open(os.path.join(HERE, "data_tools_reference.json"), "w") as f:
    json.dump(lists, f, sort_keys=True, separators=(",", ":"))
print(len(arrays), "arrays,", len(lists), "lists; tf-keras", keras.__version__)
