"""Write tf-keras 2.x model files with preprocessing layers and what tf-keras
predicted with them (run once by hand; tests never import TensorFlow):

    /work/venv-tf/bin/python tests/reference/preprocessing_keras_files_make.py

For each model: keras_files/k2_pre_<model>.h5 (not for `text`: tf-keras
cannot write an adapted vocabulary to HDF5) and .keras, and in
keras_files/k2_pre_reference.npz its input `<model>/x` and tf-keras's
prediction `<model>/y` (string inputs are stored as UTF-8 bytes)."""
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tf_keras as keras  # noqa: E402

L = keras.layers
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_files")
rng = np.random.RandomState(3)


def image_model():
    inp = keras.Input((9, 10, 3))
    h = L.Rescaling(1 / 127.5, offset=-1)(inp)
    h = L.Resizing(6, 6, interpolation="bicubic")(h)
    h = L.CenterCrop(4, 4)(h)
    h = L.RandomFlip()(h)
    h = L.RandomRotation(0.2)(h)
    h = L.Flatten()(h)
    return keras.Model(inp, L.Dense(2)(h)), rng.uniform(0, 255, (3, 9, 10, 3))


def normalization_model():
    x = rng.randn(50, 4).astype(np.float32) * 3 + 1
    norm = L.Normalization()
    norm.adapt(x)
    inp = keras.Input((4,))
    out = L.Dense(3)(norm(inp))
    return keras.Model(inp, out), x[:5]


def lookup_model():
    inp = keras.Input((2,), dtype="string")
    h = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot")(inp)
    return keras.Model(inp, L.Dense(2)(h)), np.array([["a", "z"], ["c", "b"]])


def text_model():
    texts = np.array(["the cat sat", "a dog ran far", "the red ball", "cat and dog"])
    tv = L.TextVectorization(output_sequence_length=4)
    tv.adapt(texts)
    inp = keras.Input((1,), dtype="string")
    h = L.Embedding(20, 3)(tv(inp))
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(inp, L.Dense(1)(h)), texts[:, None]


def categorical_model():
    inp = keras.Input((1,), dtype="int64")
    a = L.IntegerLookup(vocabulary=[5, 9, 12], output_mode="one_hot")(inp)
    b = L.Hashing(num_bins=4, output_mode="one_hot")(inp)
    c = L.Discretization(bin_boundaries=[6.0, 10.0], output_mode="one_hot")(inp)
    d = L.CategoryEncoding(num_tokens=13, output_mode="one_hot")(inp)
    h = L.Concatenate()([a, b, c, d])
    return keras.Model(inp, L.Dense(2)(h)), np.array([[5], [9], [12], [0], [7]])


MODELS = {"image": image_model, "normalization": normalization_model,
          "lookup": lookup_model, "text": text_model, "categorical": categorical_model}


def main():
    ref = {}
    for name, build in MODELS.items():
        model, x = build()
        y = model.predict(x, verbose=0)
        # tf-keras cannot write an adapted vocabulary to .h5: .keras only
        for ext in ("keras",) if name == "text" else ("h5", "keras"):
            model.save(os.path.join(HERE, f"k2_pre_{name}.{ext}"))
        ref[f"{name}/x"] = x.astype(np.bytes_) if x.dtype.kind == "U" else x
        ref[f"{name}/y"] = y
        print(name, y.shape)
    np.savez(os.path.join(HERE, "k2_pre_reference.npz"), **ref)


if __name__ == "__main__":
    main()
