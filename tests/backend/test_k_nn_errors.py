"""Bad input to the Keras backend conv, image and nn families: a TypeError
or ValueError naming the function and the argument."""
import numpy as np
import pytest

import fastgraph.backend as K

X4 = np.zeros((1, 4, 4, 2), np.float32)
K4 = np.zeros((3, 3, 2, 3), np.float32)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: K.conv2d("img", K4), TypeError, "backend.conv2d: (argument ')?x"),
    (lambda: K.conv2d(X4, None), TypeError, "conv2d: kernel"),
    (lambda: K.conv2d(X4, K4, data_format="NHWC"), ValueError, "conv2d: data_format"),
    (lambda: K.conv1d(X4, K4), ValueError, "conv1d: x must have rank 3"),
    (lambda: K.conv2d(X4, K4.astype(np.float64)), TypeError, "conv2d: kernel dtype"),
    (lambda: K.conv2d_transpose(X4, np.zeros((3, 3, 3, 2), np.float32), (1, 5, 5, 3)),
     ValueError, "conv2d_transpose: output_shape rows 5"),
    (lambda: K.conv2d_transpose(X4, np.zeros((3, 3, 3, 2), np.float32), (1, 6)),
     ValueError, "conv2d_transpose: output_shape"),
    (lambda: K.pool2d(X4, (2, 2), pool_mode="sum"), ValueError, "pool2d: pool_mode"),
    (lambda: K.pool2d(X4, (2, 2, 2)), ValueError, "pool2d: pool_size"),
    (lambda: K.pool3d(X4, (2, 2, 2), (1, 1, 1)), ValueError, "pool3d: x must have rank 5"),
    (lambda: K.separable_conv2d(X4, K4, K4, strides=(1,)), ValueError,
     "separable_conv2d: strides"),
    (lambda: K.local_conv2d(X4, np.zeros((4, 18, 2), np.float32), (3, 3), (1, 1), (2,)),
     ValueError, "local_conv2d: output_shape"),
    (lambda: K.resize_images(X4, 2, 2, "channels_last", "cubic"), ValueError,
     "resize_images: interpolation"),
    (lambda: K.resize_images(X4, 0, 2, "channels_last"), ValueError,
     "resize_images: height_factor"),
    (lambda: K.resize_volumes(X4, 2, 2, 2, "channels_last"), ValueError,
     "resize_volumes: x must have rank 5"),
    (lambda: K.spatial_3d_padding(np.zeros((1, 2, 2, 2, 1)), ((1, 1), (1, 1))),
     ValueError, "spatial_3d_padding: padding"),
    (lambda: K.batch_normalization(X4, None, 1.0, 0.0, 1.0), TypeError,
     "batch_normalization: mean and var"),
    (lambda: K.normalize_batch_in_training(X4, None, None, [0, 7]), ValueError,
     "normalize_batch_in_training: reduction_axes"),
    (lambda: K.in_top_k(np.zeros((2, 3)), np.array([0.5, 1.0]), 1), ValueError,
     "in_top_k: targets"),
    (lambda: K.in_top_k(np.zeros((2, 3)), np.array([0, 1]), 1.5), TypeError, "in_top_k: k"),
    (lambda: K.binary_focal_crossentropy("a", np.zeros(2)), TypeError,
     "backend.binary_focal_crossentropy: (argument ')?target"),
    (lambda: K.categorical_focal_crossentropy(np.zeros((2, 3)), np.zeros((2, 4))),
     ValueError, "categorical_focal_crossentropy: target shape"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_in_top_k_out_of_range_target_is_false():
    p = np.array([[0.1, 0.9]], np.float32)
    assert K.in_top_k(p, np.array([5]), 2).data.tolist() == [False]
