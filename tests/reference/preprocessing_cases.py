"""The cases of preprocessing_reference.npz/.json, shared by the script that
recorded them with tf-keras (preprocessing_make_reference.py) and the tests
that replay them on fastgraph (tests/layers/preprocessing/test_reference.py).

CASES: name -> (make(L) -> layer, input name, options), where L is the
`layers` module of tf_keras or fastgraph.  Options: 'adapt' (the name of the
input to adapt on), 'train' (call with training=True), 'vocab' (record
get_vocabulary()), 'count_weights' (an input name passed as count_weights),
'list' (input names passed as a list).  INPUTS: name -> array, made with
NumPy only.
"""
import numpy as np

_rng = np.random.RandomState(1234)
_WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran", "a", "red", "ball",
          "Über", "naïve", "café", "日本", "x"]


def _sentences(n, seed):
    r = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        words = r.choice(_WORDS, size=r.randint(0, 9))
        text = " ".join(w.upper() if r.rand() < 0.2 else w for w in words)
        if r.rand() < 0.5:
            text += r.choice([".", "!", ",", " ?", "  ;-)", "\t'quoted'"])
        out.append(text)
    return np.array(out, dtype=object)


INPUTS = {
    "image": _rng.uniform(0, 255, (2, 7, 9, 3)).astype(np.float32),
    "image_uint8": _rng.randint(0, 256, (2, 7, 9, 3)).astype(np.uint8),
    "image_one": _rng.uniform(0, 1, (6, 5, 2)).astype(np.float32),
    "features": (_rng.randn(100, 4) * [1, 2, 3, 4] + [0, 1, -2, 5]).astype(np.float32),
    "features_3d": _rng.randn(70, 3, 2).astype(np.float32),
    "values": _rng.randn(200).astype(np.float32),
    "values_2d": _rng.randn(6, 3).astype(np.float32),
    "ids": _rng.randint(0, 6, (5, 4)).astype(np.int64),
    "ids_col": _rng.randint(0, 6, (7, 1)).astype(np.int64),
    "weights": _rng.uniform(0, 2, (5, 4)).astype(np.float32),
    "tokens": np.array([["a", "b", "c", "z"], ["b", "", "a", "a"],
                        ["ünï", "q", "b", "c"]], dtype=object),
    "tokens_adapt": np.array(["a", "b", "b", "c", "c", "c", "d", "e", "e", "ünï",
                              "ünï", "", "[UNK]", "f"] * 3, dtype=object),
    "int_tokens": np.array([[3, 7, 11, 0], [7, 7, -1, 42], [5, 3, 11, 13]], np.int64),
    "int_adapt": np.array([3, 7, 7, 11, 11, 11, 5, 5, 0, 42, 13, 13, 13, 13] * 2,
                          np.int64),
    "strings_col": np.array([["apple"], ["banana"], [""], ["cherry"], ["apple"],
                             ["0"], ["日本語のテキスト"], ["a" * 100]], dtype=object),
    "ints_col": np.array([[1], [2], [0], [-7], [123456789], [42], [0], [2 ** 40]],
                         np.int64),
    "sentences": _sentences(40, 7),
    "sentences_test": _sentences(6, 8),
}


def _L(name, **kw):
    return lambda L: getattr(L, name)(**kw)


CASES = {
    "rescaling": (_L("Rescaling", scale=1 / 255, offset=-0.5), "image_uint8", {}),
    "rescaling_channels": (_L("Rescaling", scale=[0.5, 2.0, -1.0], offset=[1, 0, 2]),
                           "image", {}),
    "center_crop": (_L("CenterCrop", height=4, width=5), "image", {}),
    "center_crop_upsize": (_L("CenterCrop", height=9, width=11), "image", {}),
    "center_crop_one": (_L("CenterCrop", height=3, width=2), "image_one", {}),
    "resizing_crop_aspect": (_L("Resizing", height=4, width=8,
                                crop_to_aspect_ratio=True), "image", {}),
    "resizing_nearest_uint8": (_L("Resizing", height=5, width=13,
                                  interpolation="nearest"), "image_uint8", {}),
    "resizing_one": (_L("Resizing", height=8, width=3), "image_one", {}),
    "random_crop_inference": (_L("RandomCrop", height=4, width=5), "image",
                              {"train": False}),
    "random_brightness_fixed": (_L("RandomBrightness", factor=(0.3, 0.3)), "image",
                                {"train": True}),
    "random_brightness_range": (_L("RandomBrightness", factor=(-0.2, -0.2),
                                   value_range=(0, 1)), "image_one", {"train": True}),
    "random_rotation_quarter": (_L("RandomRotation", factor=(0.25, 0.25)), "image",
                                {"train": True}),
    "random_rotation_constant": (_L("RandomRotation", factor=(0.1, 0.1),
                                    fill_mode="constant", fill_value=3.0,
                                    interpolation="nearest"), "image", {"train": True}),
    "random_zoom_fixed": (_L("RandomZoom", height_factor=(0.5, 0.5),
                             width_factor=(-0.3, -0.3), fill_mode="wrap"), "image",
                          {"train": True}),
    "random_translation_fixed": (_L("RandomTranslation", height_factor=(0.2, 0.2),
                                    width_factor=(-0.3, -0.3), fill_mode="nearest"),
                                 "image", {"train": True}),
    "random_height_fixed": (_L("RandomHeight", factor=(0.5, 0.5)), "image",
                            {"train": True}),
    "random_width_fixed": (_L("RandomWidth", factor=(-0.4, -0.4),
                              interpolation="bicubic"), "image", {"train": True}),
    "normalization_adapt": (_L("Normalization"), "features", {"adapt": "features"}),
    "normalization_none_axis": (_L("Normalization", axis=None), "features",
                                {"adapt": "features"}),
    "normalization_3d": (_L("Normalization", axis=(1, 2)), "features_3d",
                         {"adapt": "features_3d"}),
    "normalization_given": (_L("Normalization", mean=[1.0, 2.0, 3.0, 4.0],
                               variance=[1.0, 4.0, 0.0, 2.0]), "features", {}),
    "normalization_invert": (_L("Normalization", mean=2.0, variance=9.0, invert=True),
                             "features", {}),
    "discretization_bins": (_L("Discretization", bin_boundaries=[-1.0, 0.0, 0.5]),
                            "values_2d", {}),
    "discretization_adapt": (_L("Discretization", num_bins=5, epsilon=0.01),
                             "values_2d", {"adapt": "values"}),
    "discretization_one_hot": (_L("Discretization", bin_boundaries=[0.0, 1.0],
                                  output_mode="one_hot"), "values", {}),
    "discretization_count": (_L("Discretization", bin_boundaries=[-0.5, 0.5],
                                output_mode="count"), "values_2d", {}),
    "category_multi_hot": (_L("CategoryEncoding", num_tokens=6), "ids", {}),
    "category_count": (_L("CategoryEncoding", num_tokens=8, output_mode="count"),
                       "ids", {}),
    "category_count_weights": (_L("CategoryEncoding", num_tokens=6,
                                  output_mode="count"), "ids",
                               {"count_weights": "weights"}),
    "category_one_hot": (_L("CategoryEncoding", num_tokens=6, output_mode="one_hot"),
                         "ids_col", {}),
    "hashing_strings": (_L("Hashing", num_bins=7), "strings_col", {}),
    "hashing_ints": (_L("Hashing", num_bins=1000), "ints_col", {}),
    "hashing_salt": (_L("Hashing", num_bins=97, salt=1337), "strings_col", {}),
    "hashing_salt_pair": (_L("Hashing", num_bins=97, salt=[5, 2 ** 40]), "ints_col", {}),
    "hashing_mask": (_L("Hashing", num_bins=5, mask_value=""), "strings_col", {}),
    "hashing_int_mask": (_L("Hashing", num_bins=5, mask_value=0), "ints_col", {}),
    "hashing_multi_hot": (_L("Hashing", num_bins=4, output_mode="multi_hot"),
                          "tokens", {}),
    "hashing_one_hot": (_L("Hashing", num_bins=6, output_mode="one_hot"),
                        "strings_col", {}),
    "hashed_crossing": (_L("HashedCrossing", num_bins=11), ["strings_col", "ints_col"],
                        {"list": True}),
    "hashed_crossing_one_hot": (_L("HashedCrossing", num_bins=4, output_mode="one_hot"),
                                ["ints_col", "ints_col", "strings_col"], {"list": True}),
    "string_lookup_vocab": (_L("StringLookup", vocabulary=["a", "b", "c", "ünï"]),
                            "tokens", {"vocab": True}),
    "string_lookup_adapt": (_L("StringLookup"), "tokens", {"adapt": "tokens_adapt",
                                                           "vocab": True}),
    "string_lookup_mask": (_L("StringLookup", mask_token="", num_oov_indices=3),
                           "tokens", {"adapt": "tokens_adapt", "vocab": True}),
    "string_lookup_max_tokens": (_L("StringLookup", max_tokens=4), "tokens",
                                 {"adapt": "tokens_adapt", "vocab": True}),
    "string_lookup_no_oov": (_L("StringLookup", num_oov_indices=0,
                                vocabulary=["a", "b", "c", "z", "", "ünï", "q"]),
                             "tokens", {"vocab": True}),
    "string_lookup_multi_hot": (_L("StringLookup", output_mode="multi_hot",
                                   mask_token=""), "tokens", {"adapt": "tokens_adapt",
                                                              "vocab": True}),
    "string_lookup_count_pad": (_L("StringLookup", output_mode="count", max_tokens=9,
                                   pad_to_max_tokens=True), "tokens",
                                {"adapt": "tokens_adapt"}),
    "string_lookup_one_hot": (_L("StringLookup", output_mode="one_hot",
                                 vocabulary=["apple", "cherry", ""]), "strings_col", {}),
    "string_lookup_tf_idf": (_L("StringLookup", output_mode="tf_idf"), "tokens",
                             {"adapt": "tokens_adapt", "vocab": True}),
    "string_lookup_tf_idf_given": (_L("StringLookup", output_mode="tf_idf",
                                      vocabulary=["a", "b", "c"],
                                      idf_weights=[0.5, 1.0, 2.0]), "tokens", {}),
    "string_lookup_invert": (_L("StringLookup", vocabulary=["a", "b", "c"],
                                invert=True, mask_token="<m>"), "ids", {}),
    "integer_lookup_vocab": (_L("IntegerLookup", vocabulary=[3, 7, 11, 42]),
                             "int_tokens", {"vocab": True}),
    "integer_lookup_adapt": (_L("IntegerLookup"), "int_tokens",
                             {"adapt": "int_adapt", "vocab": True}),
    "integer_lookup_mask_oov": (_L("IntegerLookup", mask_token=0, num_oov_indices=2),
                                "int_tokens", {"adapt": "int_adapt", "vocab": True}),
    "integer_lookup_multi_hot": (_L("IntegerLookup", output_mode="multi_hot",
                                    max_tokens=5), "int_tokens",
                                 {"adapt": "int_adapt", "vocab": True}),
    "integer_lookup_invert": (_L("IntegerLookup", vocabulary=[3, 7, 11],
                                 invert=True), "ids", {}),
    "text_int": (_L("TextVectorization"), "sentences_test",
                 {"adapt": "sentences", "vocab": True}),
    "text_int_length": (_L("TextVectorization", max_tokens=8, output_sequence_length=6),
                        "sentences_test", {"adapt": "sentences", "vocab": True}),
    "text_multi_hot": (_L("TextVectorization", output_mode="multi_hot", max_tokens=10),
                       "sentences_test", {"adapt": "sentences", "vocab": True}),
    "text_count_bigrams": (_L("TextVectorization", output_mode="count", ngrams=2),
                           "sentences_test", {"adapt": "sentences", "vocab": True}),
    "text_tf_idf": (_L("TextVectorization", output_mode="tf_idf", max_tokens=12,
                       pad_to_max_tokens=True), "sentences_test",
                    {"adapt": "sentences", "vocab": True}),
    "text_character": (_L("TextVectorization", split="character", standardize="lower",
                          output_sequence_length=12), "sentences_test",
                       {"adapt": "sentences", "vocab": True}),
    "text_no_split": (_L("TextVectorization", split=None, standardize=None),
                      "sentences_test", {"adapt": "sentences", "vocab": True}),
    "text_vocab": (_L("TextVectorization", vocabulary=["the", "cat", "über"],
                      ngrams=(1, 3), output_sequence_length=4), "sentences_test",
                   {"vocab": True}),
}

RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                  "gaussian", "mitchellcubic")
for _m in RESIZE_METHODS:
    CASES[f"resizing_{_m}"] = (_L("Resizing", height=5, width=13, interpolation=_m),
                               "image", {})
