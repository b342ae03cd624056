"""ImageDataGenerator: flow batches, fit statistics, subsets and
flow_from_directory equal to tf-keras's; iterators run on the worker queue."""
import os
import pickle

import numpy as np
import pytest

from fastgraph.preprocessing import image
from fastgraph.utils import Sequence

from .reference import ARRAYS, LISTS, inputs

BATCH = inputs.image((6, 8, 10, 3), 3)
LABELS = np.arange(6) % 3
GENERATORS = {
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


@pytest.mark.parametrize("name", list(GENERATORS))
def test_flow_matches_keras(name):
    if name == "brightness":
        pytest.importorskip("PIL")
    with pytest.warns(UserWarning) if name == "zca" else _nothing():
        gen = image.ImageDataGenerator(**GENERATORS[name])
    if name in ("norm", "zca"):
        gen.fit(BATCH, augment=(name == "norm"), rounds=2, seed=5)
        np.testing.assert_allclose(gen.mean, ARRAYS[f"idg/{name}/mean"], rtol=1e-6)
        if name == "norm":
            np.testing.assert_allclose(gen.std, ARRAYS[f"idg/{name}/std"], rtol=1e-6)
    it = gen.flow(BATCH, LABELS, batch_size=4, shuffle=True, seed=21)
    assert isinstance(it, Sequence) and len(it) == 2
    for i in range(len(it)):
        x, y = it[i]
        assert x.dtype == np.float32
        tol = 1e-4 if name == "zca" else 1e-6
        np.testing.assert_allclose(x, ARRAYS[f"idg/{name}/{i}/x"], rtol=tol, atol=tol)
        np.testing.assert_array_equal(y, ARRAYS[f"idg/{name}/{i}/y"])
    params = gen.get_random_transform((8, 10, 3), seed=99)
    assert {k: (None if v is None else float(v)) for k, v in params.items()} == \
        LISTS[f"idg/{name}/params"]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_subsets_and_sample_weights_match_keras():
    gen = image.ImageDataGenerator(validation_split=0.5, rotation_range=5)
    for subset in ("training", "validation"):
        x, y, w = gen.flow(BATCH, LABELS, batch_size=2, shuffle=False, seed=1,
                           subset=subset, sample_weight=np.arange(6.0))[0]
        np.testing.assert_array_equal(x, ARRAYS[f"idg/subset/{subset}/x"])
        np.testing.assert_array_equal(y, ARRAYS[f"idg/subset/{subset}/y"])
        np.testing.assert_array_equal(w, ARRAYS[f"idg/subset/{subset}/w"])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(BATCH, np.sort(LABELS), subset="training")


def test_channels_first_matches_keras():
    gen = image.ImageDataGenerator(data_format="channels_first", rotation_range=30,
                                   zoom_range=[0.8, 1.1], fill_mode="wrap")
    got = gen.flow(np.transpose(BATCH, (0, 3, 1, 2)), None, batch_size=6,
                   shuffle=False, seed=4)[0]
    np.testing.assert_array_equal(got, ARRAYS["idg/channels_first"])


def test_flow_extras_errors_and_iteration():
    gen = image.ImageDataGenerator()
    it = gen.flow((BATCH, np.arange(6)), LABELS, batch_size=4, shuffle=False)
    (x, extra), y = it[1]
    assert x.shape == (2, 8, 10, 3) and extra.tolist() == [4, 5]
    assert next(iter(it))[1].tolist() == LABELS[:4].tolist()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(BATCH[0])
    with pytest.raises(ValueError, match="same length"):
        gen.flow(BATCH, LABELS[:2])
    with pytest.raises(ValueError, match="length 2"):
        it[2]
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="data_format"):
        image.ImageDataGenerator(data_format="channels_middle")
    with pytest.warns(UserWarning, match="hasn't been fit"):
        image.ImageDataGenerator(featurewise_center=True).standardize(BATCH[0].copy())


def test_iterator_pickles_for_spawned_workers():
    it = image.ImageDataGenerator(rotation_range=10).flow(BATCH, LABELS, batch_size=3,
                                                          seed=2)
    copy = pickle.loads(pickle.dumps(it))
    np.testing.assert_array_equal(copy[0][0], it[0][0])
    assert next(copy)[0].shape == (3, 8, 10, 3)


def test_fit_reads_the_generator_through_worker_processes():
    from fastgraph import layers, models
    gen = image.ImageDataGenerator(rotation_range=15, horizontal_flip=True,
                                   rescale=1 / 255.0)
    it = gen.flow(BATCH, LABELS.astype(np.float32), batch_size=2, seed=0)
    inp = layers.Input((8, 10, 3))
    model = models.Model(inp, layers.Dense(1)(layers.Flatten()(inp)))
    model.compile("sgd", "mse")
    history = model.fit(it, epochs=2, workers=2, use_multiprocessing=True, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("name", ["categorical", "sparse_gray", "bilinear_aspect"])
def test_flow_from_directory_matches_keras(tmp_path, name):
    pytest.importorskip("PIL")
    root = inputs.write_image_tree(str(tmp_path))
    kwargs = {"categorical": dict(class_mode="categorical", target_size=(6, 6),
                                  shuffle=False),
              "sparse_gray": dict(class_mode="sparse", color_mode="grayscale",
                                  target_size=(5, 7), shuffle=False),
              "bilinear_aspect": dict(class_mode="binary", target_size=(6, 6),
                                      interpolation="bilinear",
                                      keep_aspect_ratio=True, shuffle=False)}[name]
    it = image.ImageDataGenerator(rescale=1 / 255.0).flow_from_directory(
        root, batch_size=4, **kwargs)
    assert it.filenames == LISTS[f"flow_dir/{name}/files"]
    assert it.class_indices == LISTS[f"flow_dir/{name}/class_indices"]
    for i in range(len(it)):
        x, y = it[i]
        np.testing.assert_allclose(x, ARRAYS[f"flow_dir/{name}/{i}/x"], rtol=1e-6)
        np.testing.assert_array_equal(y, ARRAYS[f"flow_dir/{name}/{i}/y"])


def test_flow_from_directory_subset_and_saving(tmp_path):
    pytest.importorskip("PIL")
    root = inputs.write_image_tree(str(tmp_path / "data"))
    it = image.ImageDataGenerator(validation_split=0.4).flow_from_directory(
        root, target_size=(4, 4), subset="validation", shuffle=False)
    assert it.filenames == LISTS["flow_dir/validation/files"]
    out = tmp_path / "saved"
    out.mkdir()
    it = image.ImageDataGenerator().flow_from_directory(
        root, target_size=(4, 4), batch_size=2, save_to_dir=str(out),
        save_prefix="aug", class_mode=None)
    assert it[0].shape == (2, 4, 4, 3)
    assert len(os.listdir(out)) == 2


def test_flow_from_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("PIL")
    root = inputs.write_image_tree(str(tmp_path))
    files = ["class_a/img_0.png", "class_b/img_3.png", "class_a/img_1.png",
             "missing.png"]
    df = pd.DataFrame({"filename": files, "class": ["a", "b", "a", "b"],
                       "w": [1.0, 2.0, 3.0, 4.0]})
    with pytest.warns(UserWarning, match="invalid image filename"):
        it = image.ImageDataGenerator().flow_from_dataframe(
            df, directory=root, target_size=(5, 5), batch_size=3, shuffle=False,
            weight_col="w")
    x, y, w = it[0]
    assert x.shape == (3, 5, 5, 3)
    np.testing.assert_array_equal(y, [[1, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(w, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        x[0], image.img_to_array(image.load_img(os.path.join(root, files[0]),
                                                target_size=(5, 5))))
