"""Record tf-keras 2.x `keras.backend` outputs for tests/backend (run once with
the TensorFlow venv: /work/venv-tf/bin/python tests/reference/backend_k_make_reference.py).

Each case is an entry `<case>/in<i>` (inputs; a 0-d NaN stands for None)
and `<case>/out<i>` (outputs) in backend_k_reference.npz; the tests rebuild
the call from CASES below.
"""
import os
import pathlib

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = pathlib.Path(__file__).resolve().parent
R = np.random.RandomState(12)


def f(*shape):
    return R.randn(*shape).astype(np.float32)


def u(*shape):
    return R.uniform(0.05, 1.0, shape).astype(np.float32)


# case name -> (function name, positional array inputs, keyword arguments)
CASES = {
    "sin": ("sin", [f(3, 4)], {}),
    "cos": ("cos", [f(3, 4)], {}),
    "cumsum": ("cumsum", [f(3, 4)], {"axis": 1}),
    "cumprod": ("cumprod", [f(3, 4)], {"axis": 0}),
    "conv1d_same": ("conv1d", [f(2, 7, 3), f(3, 3, 4)], {"padding": "same"}),
    "conv1d_causal": ("conv1d", [f(2, 7, 3), f(2, 3, 4)],
                      {"padding": "causal", "dilation_rate": 2}),
    "conv1d_cf": ("conv1d", [f(2, 3, 7), f(3, 3, 4)],
                  {"strides": 2, "data_format": "channels_first"}),
    "conv2d": ("conv2d", [f(2, 6, 5, 3), f(3, 2, 3, 4)], {"strides": (2, 1)}),
    "conv2d_cf": ("conv2d", [f(2, 3, 6, 5), f(3, 3, 3, 2)],
                  {"padding": "same", "data_format": "channels_first"}),
    "conv3d": ("conv3d", [f(1, 4, 5, 4, 2), f(2, 3, 2, 2, 3)], {"padding": "same"}),
    "conv2d_transpose_valid": ("conv2d_transpose", [f(2, 3, 4, 3), f(3, 3, 2, 3)],
                               {"output_shape": (2, 7, 9, 2), "strides": (2, 2)}),
    "conv2d_transpose_same": ("conv2d_transpose", [f(2, 3, 4, 3), f(2, 2, 2, 3)],
                              {"output_shape": (2, 6, 8, 2), "strides": (2, 2),
                               "padding": "same"}),
    "conv2d_transpose_cf": ("conv2d_transpose", [f(1, 3, 3, 4), f(3, 3, 2, 3)],
                            {"output_shape": (1, 2, 5, 7), "strides": (2, 2),
                             "padding": "same", "data_format": "channels_first"}),
    "conv2d_transpose_dilated": ("conv2d_transpose", [f(1, 4, 3, 2), f(3, 2, 3, 2)],
                                 {"output_shape": (1, 8, 5, 3), "padding": "valid",
                                  "dilation_rate": (2, 2)}),
    "depthwise_conv2d_cf": ("depthwise_conv2d", [f(1, 2, 5, 4), f(2, 3, 2, 3)],
                            {"data_format": "channels_first", "dilation_rate": (2, 1)}),
    "separable_conv2d_cf": ("separable_conv2d", [f(1, 3, 6, 5), f(3, 2, 3, 1),
                                                 f(1, 1, 3, 2)],
                            {"data_format": "channels_first", "strides": (2, 2),
                             "padding": "same"}),
    "depthwise_conv2d": ("depthwise_conv2d", [f(2, 5, 5, 3), f(3, 3, 3, 2)],
                         {"padding": "same", "strides": (2, 2)}),
    "separable_conv2d": ("separable_conv2d", [f(2, 5, 6, 3), f(3, 3, 3, 2), f(1, 1, 6, 4)],
                         {"dilation_rate": (2, 2)}),
    "pool2d_max": ("pool2d", [f(2, 5, 6, 3)], {"pool_size": (2, 3), "strides": (2, 2),
                                              "padding": "same"}),
    "pool2d_avg": ("pool2d", [f(2, 5, 6, 3)], {"pool_size": (3, 2), "strides": (1, 2),
                                              "padding": "same", "pool_mode": "avg"}),
    "pool2d_cf": ("pool2d", [f(2, 3, 4, 4)], {"pool_size": (2, 2),
                                             "data_format": "channels_first"}),
    "pool3d_max": ("pool3d", [f(1, 4, 4, 5, 2)], {"pool_size": (2, 2, 2),
                                                 "strides": (2, 2, 2)}),
    "pool3d_avg": ("pool3d", [f(1, 3, 4, 5, 2)], {"pool_size": (2, 2, 3),
                                                 "padding": "same", "pool_mode": "avg"}),
    "local_conv1d": ("local_conv1d", [f(2, 7, 3), f(3, 9, 4)],
                     {"kernel_size": (3,), "strides": (2,)}),
    "local_conv1d_cf": ("local_conv1d", [f(2, 3, 7), f(3, 9, 4)],
                        {"kernel_size": (3,), "strides": (2,),
                         "data_format": "channels_first"}),
    "local_conv2d": ("local_conv2d", [f(2, 5, 4, 2), f(4, 12, 3)],
                     {"kernel_size": (3, 2), "strides": (2, 2), "output_shape": (2, 2)}),
    "local_conv2d_cf": ("local_conv2d", [f(2, 2, 5, 4), f(4, 12, 3)],
                        {"kernel_size": (3, 2), "strides": (2, 2), "output_shape": (2, 2),
                         "data_format": "channels_first"}),
    "resize_volumes": ("resize_volumes", [f(1, 2, 3, 2, 2)],
                       {"depth_factor": 2, "height_factor": 1, "width_factor": 3,
                        "data_format": "channels_last"}),
    "resize_volumes_cf": ("resize_volumes", [f(1, 2, 2, 3, 2)],
                          {"depth_factor": 1, "height_factor": 2, "width_factor": 2,
                           "data_format": "channels_first"}),
    "spatial_3d_padding": ("spatial_3d_padding", [f(1, 2, 3, 2, 2)],
                           {"padding": ((1, 0), (0, 2), (1, 1))}),
    "spatial_3d_padding_cf": ("spatial_3d_padding", [f(1, 2, 2, 3, 2)],
                              {"padding": ((0, 1), (2, 0), (1, 1)),
                               "data_format": "channels_first"}),
    "batch_normalization_4d": ("batch_normalization",
                               [f(2, 3, 4, 5), f(5), u(5), f(5), u(5)], {}),
    "batch_normalization_axis1": ("batch_normalization",
                                  [f(2, 3, 4, 5), f(3), u(3), f(3), u(3)],
                                  {"axis": 1, "epsilon": 1e-2}),
    "batch_normalization_3d": ("batch_normalization",
                               [f(2, 3, 4), f(4), u(4), f(4), u(4)], {}),
    "normalize_fused": ("normalize_batch_in_training",
                        [f(2, 3, 4, 5), u(5), f(5)], {"reduction_axes": [0, 1, 2]}),
    "normalize_fused_small_eps": ("normalize_batch_in_training",
                                  [f(2, 3, 4, 5), u(5), f(5)],
                                  {"reduction_axes": [0, 1, 2], "epsilon": 1e-7}),
    "normalize_fused_no_scale": ("normalize_batch_in_training",
                                 [f(2, 3, 2, 4), None, None], {"reduction_axes": [0, 1, 2]}),
    "normalize_regular": ("normalize_batch_in_training", [f(6, 4), u(4), f(4)],
                          {"reduction_axes": [0]}),
    "normalize_broadcast": ("normalize_batch_in_training", [f(4, 3, 5), u(3), f(3)],
                            {"reduction_axes": [0, 2]}),
    "binary_focal": ("binary_focal_crossentropy",
                     [R.randint(0, 2, (3, 4)).astype(np.float32), u(3, 4) * 0.9],
                     {"gamma": 1.5}),
    "binary_focal_logits": ("binary_focal_crossentropy",
                            [R.randint(0, 2, (3, 4)).astype(np.float32), f(3, 4)],
                            {"from_logits": True, "apply_class_balancing": True,
                             "alpha": 0.4}),
    "categorical_focal": ("categorical_focal_crossentropy",
                          [np.eye(4, dtype=np.float32)[[0, 2, 3]], u(3, 4)], {}),
    "categorical_focal_logits": ("categorical_focal_crossentropy",
                                 [np.eye(3, dtype=np.float32)[[1, 0]].T.copy(), f(3, 2)],
                                 {"from_logits": True, "axis": 0, "gamma": 3.0}),
}
for m in ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5",
          "mitchellcubic", "nearest"):
    CASES["resize_images_" + m] = ("resize_images", [f(2, 3, 4, 2)],
                                   {"height_factor": 2, "width_factor": 3,
                                    "data_format": "channels_last", "interpolation": m})
CASES["resize_images_cf"] = ("resize_images", [f(1, 2, 3, 3)],
                             {"height_factor": 3, "width_factor": 2,
                              "data_format": "channels_first",
                              "interpolation": "bilinear"})


def main():
    import tensorflow as tf
    import tf_keras.backend as K
    out = {}
    for case, (name, arrays, kwargs) in CASES.items():
        result = getattr(K, name)(*[None if a is None else tf.constant(a) for a in arrays],
                                  **kwargs)
        results = result if isinstance(result, (list, tuple)) else [result]
        for i, a in enumerate(arrays):
            out[f"{case}/in{i}"] = np.array(np.nan) if a is None else a
        for i, r in enumerate(results):
            out[f"{case}/out{i}"] = np.asarray(r)
    in_top_k = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, 0.1, 0.3, 0.3],
                         [0.2, 0.2, 0.2, 0.2], [np.nan, 1, 2, 3]], np.float32)
    for k in (1, 2, 3):
        out[f"in_top_k_{k}/out0"] = K.in_top_k(tf.constant(in_top_k),
                                               tf.constant([1, 2, 0, 3]), k).numpy()
    out["in_top_k/in0"] = in_top_k
    out["arange/a"] = K.arange(7).numpy()
    out["arange/b"] = K.arange(0, 10, 1.5).numpy()
    out["arange/c"] = K.arange(2, 11, 3, dtype="float64").numpy()
    out["arange/d"] = K.arange(-4).numpy()
    np.savez_compressed(HERE / "backend_k_reference.npz", **out)


if __name__ == "__main__":
    main()
