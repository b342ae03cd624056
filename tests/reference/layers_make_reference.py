"""Produce tests/reference/layers_reference.npz with real tf-keras 2.x (run once):

    /work/refenv/bin/python tests/reference/layers_make_reference.py

Not part of the test suite (tensorflow is never imported by the library or
its tests).  For each case it stores, under `<case>/...`: `spec` (JSON: the
layer class name, constructor kwargs, call mode), `x` (input), `mask`
(optional), `w0`, `w1`, ... (the weights given to the layer, Keras order)
and tf-keras's outputs: `y` (training=False or plain call), and for
BatchNormalization `y_train`, `moving_mean`, `moving_variance` (after one
training call) and `y_after` (inference after that update).
"""
import json
import os

import numpy as np
import tf_keras as keras

rng = np.random.default_rng(20240611)


def rand(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


# name: (class, kwargs, input shape, mode); mode 'plain', 'bn' or 'mask'
CASES = {
    "conv2d_valid_relu": ("Conv2D", {"filters": 4, "kernel_size": [3, 2],
                                     "activation": "relu"}, (2, 7, 6, 3), "plain"),
    "conv2d_same_stride_tanh": ("Conv2D", {"filters": 5, "kernel_size": 3, "strides": 2,
                                           "padding": "same", "activation": "tanh"},
                                (2, 7, 8, 3), "plain"),
    "conv2d_dilated_nobias_sigmoid": ("Conv2D", {"filters": 3, "kernel_size": 3,
                                                 "dilation_rate": 2, "padding": "same",
                                                 "use_bias": False,
                                                 "activation": "sigmoid"},
                                      (1, 9, 9, 2), "plain"),
    "conv2d_pointwise_softmax": ("Conv2D", {"filters": 4, "kernel_size": 1,
                                            "activation": "softmax"}, (2, 3, 4, 5), "plain"),
    "conv2d_extra_batch_axis": ("Conv2D", {"filters": 2, "kernel_size": 3,
                                           "padding": "same"}, (2, 3, 5, 5, 2), "plain"),
    "conv1d_valid": ("Conv1D", {"filters": 3, "kernel_size": 4}, (2, 9, 3), "plain"),
    "conv1d_causal_dilated_relu": ("Conv1D", {"filters": 4, "kernel_size": 3,
                                              "padding": "causal", "dilation_rate": 2,
                                              "activation": "relu"}, (2, 9, 3), "plain"),
    "conv1d_same_stride": ("Conv1D", {"filters": 3, "kernel_size": 4, "strides": 2,
                                      "padding": "same", "activation": "elu"},
                           (2, 9, 3), "plain"),
    "zero_padding2d": ("ZeroPadding2D", {"padding": [[1, 2], [0, 3]]}, (2, 3, 4, 2), "plain"),
    "zero_padding1d": ("ZeroPadding1D", {"padding": [2, 1]}, (2, 3, 2), "plain"),
    "cropping2d": ("Cropping2D", {"cropping": [[1, 0], [2, 1]]}, (2, 5, 6, 2), "plain"),
    "cropping1d": ("Cropping1D", {"cropping": [1, 2]}, (2, 6, 2), "plain"),
    "max_pool2d_same_s1": ("MaxPooling2D", {"pool_size": [3, 3], "strides": [1, 1],
                                            "padding": "same"}, (2, 7, 6, 3), "plain"),
    "max_pool2d_valid_odd": ("MaxPooling2D", {}, (2, 7, 5, 3), "plain"),
    "avg_pool2d_same_s2": ("AveragePooling2D", {"pool_size": 3, "strides": 2,
                                                "padding": "same"}, (2, 7, 6, 3), "plain"),
    "avg_pool2d_rect": ("AveragePooling2D", {"pool_size": [2, 3], "strides": [1, 2]},
                        (2, 6, 7, 2), "plain"),
    "max_pool1d_same": ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"},
                        (2, 9, 3), "plain"),
    "avg_pool1d_same": ("AveragePooling1D", {"pool_size": 2, "padding": "same"},
                        (2, 9, 3), "plain"),
    "global_avg_pool2d": ("GlobalAveragePooling2D", {}, (2, 4, 5, 3), "plain"),
    "global_max_pool2d_keepdims": ("GlobalMaxPooling2D", {"keepdims": True},
                                   (2, 4, 5, 3), "plain"),
    "global_avg_pool1d_keepdims": ("GlobalAveragePooling1D", {"keepdims": True},
                                   (2, 6, 3), "plain"),
    "global_avg_pool1d_masked": ("GlobalAveragePooling1D", {}, (3, 6, 4), "mask"),
    "global_max_pool1d": ("GlobalMaxPooling1D", {}, (2, 6, 3), "plain"),
    "embedding": ("Embedding", {"input_dim": 10, "output_dim": 4, "mask_zero": True},
                  (3, 5), "plain"),
    "bn_2d": ("BatchNormalization", {}, (8, 5), "bn"),
    "bn_2d_momentum": ("BatchNormalization", {"momentum": 0.9, "epsilon": 0.01},
                       (6, 3), "bn"),
    "bn_3d": ("BatchNormalization", {}, (4, 6, 5), "bn"),
    "bn_3d_masked": ("BatchNormalization", {"momentum": 0.5}, (4, 6, 5), "mask"),
    "bn_4d": ("BatchNormalization", {"momentum": 0.8}, (4, 3, 3, 5), "bn"),
    "bn_4d_tiny": ("BatchNormalization", {"momentum": 0.5}, (1, 1, 2, 3), "bn"),
    "bn_4d_axis1": ("BatchNormalization", {"axis": 1, "momentum": 0.7}, (3, 4, 2, 3), "bn"),
    "bn_4d_axis2": ("BatchNormalization", {"axis": 2, "momentum": 0.7}, (3, 4, 2, 3), "bn"),
    "bn_4d_multi_axis": ("BatchNormalization", {"axis": [1, 3], "momentum": 0.7},
                         (3, 4, 2, 3), "bn"),
    "bn_5d": ("BatchNormalization", {"momentum": 0.6}, (2, 2, 3, 2, 4), "bn"),
    "bn_4d_not_fused": ("BatchNormalization", {"momentum": 0.6, "fused": False},
                        (3, 3, 2, 4), "bn"),
    "bn_no_center_scale": ("BatchNormalization", {"center": False, "scale": False,
                                                  "momentum": 0.5}, (4, 3, 2, 3), "bn"),
    "ln_last": ("LayerNormalization", {}, (4, 6), "plain"),
    "ln_two_axes": ("LayerNormalization", {"axis": [1, 2]}, (2, 3, 4), "plain"),
    "ln_unsorted_axes": ("LayerNormalization", {"axis": [2, 1], "epsilon": 1e-5},
                         (2, 3, 4), "plain"),
    "ln_middle_axis": ("LayerNormalization", {"axis": 1, "center": False}, (2, 3, 4),
                       "plain"),
}


def make_input(cls, shape):
    if cls == "Embedding":
        x = rng.integers(0, 10, size=shape).astype(np.int32)
        x[:, -1] = 0
        return x
    if cls == "BatchNormalization":
        return rand(*shape, low=-2.0, high=3.0)
    return rand(*shape)


def main():
    out = {}
    for name, (cls, kwargs, shape, mode) in CASES.items():
        layer = getattr(keras.layers, cls)(**kwargs)
        x = make_input(cls, shape)
        layer.build(x.shape)
        weights = []
        for w in layer.get_weights():
            if cls == "BatchNormalization" and len(weights) == 3:   # moving variance
                weights.append(rand(*w.shape, low=0.5, high=2.0))
            else:
                weights.append(rand(*w.shape, low=-0.8, high=0.8))
        layer.set_weights(weights)
        case = {"spec": np.array(json.dumps({"class": cls, "kwargs": kwargs,
                                             "mode": mode})), "x": x}
        for i, w in enumerate(weights):
            case[f"w{i}"] = w
        mask = None
        if mode == "mask":
            mask = np.ones(shape[:2], dtype=bool)
            mask[0, -2:] = False
            mask[1, :1] = False
            case["mask"] = mask
        if cls == "BatchNormalization":
            case["y"] = layer(x, training=False).numpy()
            case["y_train"] = layer(x, training=True, mask=mask).numpy()
            case["moving_mean"] = layer.moving_mean.numpy()
            case["moving_variance"] = layer.moving_variance.numpy()
            case["y_after"] = layer(x, training=False).numpy()
        elif mask is not None:
            case["y"] = layer(x, mask=mask).numpy()
        else:
            case["y"] = layer(x).numpy()
        if cls == "Embedding":
            case["out_mask"] = layer.compute_mask(x).numpy()
        for key, value in case.items():
            out[f"{name}/{key}"] = value
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "layers_reference.npz")
    np.savez_compressed(path, **out)
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
