"""image/text/timeseries_dataset_from_* as Sequences: batches, file orders
and splits equal to tf-keras's; smart_resize and the image file helpers."""
import io
import os

import numpy as np
import pytest

from fastgraph import utils
from fastgraph.preprocessing import image
from fastgraph.utils import Sequence

from ..preprocessing.reference import ARRAYS, LISTS, inputs

IMG_CASES = {
    "int": dict(image_size=(6, 5), shuffle=False, batch_size=4),
    "categorical_nearest": dict(image_size=(4, 4), label_mode="categorical",
                                interpolation="nearest", shuffle=False),
    "binary_crop_gray": dict(image_size=(5, 5), label_mode="binary",
                             color_mode="grayscale", shuffle=False,
                             crop_to_aspect_ratio=True),
    "bicubic_rgba": dict(image_size=(3, 8), color_mode="rgba",
                         interpolation="bicubic", shuffle=False, label_mode=None)}


def rel(paths, root):
    return [os.path.relpath(p, root) for p in paths]


@pytest.fixture
def image_tree(tmp_path):
    pytest.importorskip("PIL")
    return inputs.write_image_tree(str(tmp_path))


@pytest.mark.parametrize("name", list(IMG_CASES))
def test_image_dataset_matches_keras(image_tree, name):
    ds = utils.image_dataset_from_directory(image_tree, **IMG_CASES[name])
    assert isinstance(ds, Sequence)
    assert ds.class_names == LISTS[f"img_ds/{name}/class_names"]
    assert rel(ds.file_paths, image_tree) == LISTS[f"img_ds/{name}/file_paths"]
    for i in range(len(ds)):
        item = ds[i]
        x, y = item if isinstance(item, tuple) else (item, None)
        ref = ARRAYS[f"img_ds/{name}/{i}/x"]
        assert x.dtype == ref.dtype
        np.testing.assert_array_equal(x, ref)
        if y is not None:
            assert y.dtype == ARRAYS[f"img_ds/{name}/{i}/y"].dtype
            np.testing.assert_array_equal(y, ARRAYS[f"img_ds/{name}/{i}/y"])
    assert f"img_ds/{name}/{len(ds)}/x" not in ARRAYS


def test_image_dataset_shuffled_order_and_split_match_keras(image_tree):
    ds = utils.image_dataset_from_directory(image_tree, image_size=(4, 4), seed=123)
    assert rel(ds.file_paths, image_tree) == LISTS["img_ds/shuffled"]
    train, val = utils.image_dataset_from_directory(
        image_tree, image_size=(4, 4), validation_split=0.34, subset="both", seed=17)
    assert [rel(train.file_paths, image_tree), rel(val.file_paths, image_tree)] == \
        LISTS["img_ds/both"]
    first = [ds[i][1].tolist() for i in range(len(ds))]
    ds.on_epoch_end()
    assert sorted(sum(first, [])) == sorted(sum([ds[i][1].tolist()
                                                 for i in range(len(ds))], []))


def test_image_dataset_argument_errors(image_tree):
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(image_tree, validation_split=0.2,
                                           subset="training")
    with pytest.raises(ValueError, match="label_mode"):
        utils.image_dataset_from_directory(image_tree, label_mode="onehot")
    with pytest.raises(ValueError, match="color_mode"):
        utils.image_dataset_from_directory(image_tree, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        utils.image_dataset_from_directory(image_tree, interpolation="lanczos7")
    with pytest.raises(TypeError, match="unknown keywords"):
        utils.image_dataset_from_directory(image_tree, colour="rgb")
    with pytest.raises(ValueError, match="class_names"):
        utils.image_dataset_from_directory(image_tree, class_names=["x", "y"])


def test_text_dataset_matches_keras(tmp_path):
    root = inputs.write_text_tree(str(tmp_path))
    ds = utils.text_dataset_from_directory(root, shuffle=False, batch_size=3,
                                           max_length=6)
    assert ds.class_names == LISTS["txt_ds/class_names"]
    got = [[list(x), y.tolist()] for x, y in (ds[i] for i in range(len(ds)))]
    assert got == LISTS["txt_ds/batches"]
    ds = utils.text_dataset_from_directory(root, label_mode="categorical",
                                           validation_split=0.3, subset="training",
                                           seed=5, batch_size=None)
    assert sorted([x, y.tolist()] for x, y in (ds[i] for i in range(len(ds)))) == \
        LISTS["txt_ds/train_single"]


@pytest.mark.parametrize("name", ["basic", "strided"])
def test_timeseries_dataset_matches_keras(name):
    kwargs = {"basic": dict(sequence_length=5, batch_size=4),
              "strided": dict(sequence_length=4, sequence_stride=3, sampling_rate=2,
                              batch_size=3, start_index=2, end_index=40)}[name]
    series = np.arange(100, dtype=np.float32).reshape(50, 2)
    ds = utils.timeseries_dataset_from_array(series, np.arange(50) * 3, **kwargs)
    for i in range(len(ds)):
        x, y = ds[i]
        np.testing.assert_array_equal(x, ARRAYS[f"ts_ds/{name}/{i}/x"])
        np.testing.assert_array_equal(y, ARRAYS[f"ts_ds/{name}/{i}/y"])
    assert f"ts_ds/{name}/{len(ds)}/x" not in ARRAYS


def test_timeseries_dataset_without_targets_and_shuffled():
    series = np.arange(100, dtype=np.float32).reshape(50, 2)
    ds = utils.timeseries_dataset_from_array(series, None, sequence_length=3,
                                             batch_size=None)
    np.testing.assert_array_equal(np.stack([ds[i] for i in range(len(ds))]),
                                  ARRAYS["ts_ds/no_targets"])
    ds = utils.timeseries_dataset_from_array(series, np.arange(50), sequence_length=3,
                                             shuffle=True, seed=3, batch_size=7)
    starts = np.concatenate([ds[i][1] for i in range(len(ds))])
    expected = np.arange(48, dtype="int32")
    np.random.RandomState(3).shuffle(expected)
    np.testing.assert_array_equal(starts, expected)
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(series, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="start_index"):
        utils.timeseries_dataset_from_array(series, None, 3, start_index=60)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area",
                                    "lanczos3", "lanczos5", "gaussian",
                                    "mitchellcubic"])
def test_smart_resize_matches_keras(method):
    # Bit for bit, except Lanczos, whose sines round differently from the C
    # library's sinf in the last place.
    tol = 1e-6 if method.startswith("lanczos") else 0
    small = inputs.image((7, 12, 3), 4)
    np.testing.assert_allclose(image.smart_resize(small, (5, 5), method),
                               ARRAYS[f"smart_resize/{method}"], rtol=tol, atol=0)
    np.testing.assert_allclose(
        image.smart_resize(np.stack([small, small[::-1]]), (9, 4), method),
        ARRAYS[f"smart_resize/{method}/batch"], rtol=tol, atol=0)


def test_array_to_img_round_trips_match_keras(tmp_path):
    pytest.importorskip("PIL")
    np.testing.assert_array_equal(
        utils.img_to_array(utils.array_to_img(inputs.image((4, 5, 3), 5, low=-3,
                                                           high=3))),
        ARRAYS["array_to_img"])
    np.testing.assert_array_equal(
        utils.img_to_array(utils.array_to_img(inputs.image((4, 5, 1), 6), scale=False)),
        ARRAYS["array_to_img/gray"])
    x = np.random.default_rng(0).integers(0, 256, (6, 7, 3)).astype(np.float32)
    utils.save_img(str(tmp_path / "a.png"), x, scale=False)
    np.testing.assert_array_equal(utils.img_to_array(utils.load_img(tmp_path / "a.png")), x)
    with open(tmp_path / "a.png", "rb") as f:
        img = utils.load_img(io.BytesIO(f.read()), color_mode="rgba",
                             target_size=(3, 4), interpolation="bilinear")
    assert utils.img_to_array(img, data_format="channels_first").shape == (4, 3, 4)
    with pytest.raises(ValueError, match="interpolation"):
        utils.load_img(tmp_path / "a.png", target_size=(2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(x[0])
    with pytest.raises(ValueError, match="data_format"):
        utils.img_to_array(x, data_format="channels_middle")


def test_without_pillow_the_error_names_the_extra(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"fastgraph\[image\]"):
        utils.load_img("anything.png")
    with pytest.raises(ImportError, match=r"fastgraph\[image\]"):
        utils.array_to_img(np.zeros((2, 2, 3)))
