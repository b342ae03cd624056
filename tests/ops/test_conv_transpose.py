"""Transposed convolutions: equal to the input gradient of the convolution
they are the adjoint of, Keras's output sizes, gradient checks, bad input."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.conv import conv1d, conv2d, conv3d
from fastgraph.ops.conv_transpose import (conv1d_transpose, conv2d_transpose,
                                          conv3d_transpose, transposed_output)

OPS = {1: (conv1d_transpose, conv1d), 2: (conv2d_transpose, conv2d),
       3: (conv3d_transpose, conv3d)}


def _rand(seed, shape, dtype=np.float64):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(dtype)


CASES = [  # x shape, kernel shape (k..., O, C), strides, padding, output_padding, dilation
    ((2, 4, 5, 3), (3, 3, 2, 3), (2, 2), "same", None, (1, 1)),
    ((2, 4, 5, 3), (3, 2, 4, 3), (2, 3), "valid", None, (1, 1)),
    ((2, 4, 5, 3), (3, 3, 2, 3), (2, 2), "same", (1, 0), (1, 1)),
    ((2, 4, 5, 3), (4, 4, 2, 3), (3, 2), "valid", (2, 1), (1, 1)),
    ((1, 5, 5, 2), (3, 3, 2, 2), (1, 1), "same", None, (2, 2)),
    ((1, 5, 5, 2), (1, 1, 3, 2), (1, 1), "valid", None, (1, 1)),
    ((1, 3, 3, 2), (2, 2, 3, 2), (1, 1), "same", None, (1, 1)),
    ((2, 6, 3), (3, 4, 3), (2,), "same", None, (1,)),
    ((2, 6, 3), (4, 2, 3), (3,), "valid", (1,), (1,)),
    ((2, 5, 3), (3, 2, 3), (1,), "valid", None, (2,)),
    ((1, 3, 4, 2, 3), (2, 3, 2, 2, 3), (2, 1, 2), "same", None, (1, 1, 1)),
    ((1, 2, 3, 3, 2), (3, 2, 2, 4, 2), (1, 2, 1), "valid", (0, 1, 0), (1, 1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ks,strides,padding,out_pad,dilation", CASES)
def test_is_the_input_gradient_of_the_convolution(xs, ks, strides, padding, out_pad,
                                                  dilation, dtype):
    transpose, conv = OPS[len(xs) - 2]
    x, k, b = _rand(0, xs, dtype), _rand(1, ks, dtype), _rand(2, ks[-2:-1], dtype)
    y = transpose(x, k, b, strides, padding, out_pad, dilation)
    assert y.dtype == dtype
    z = Variable(np.zeros(y.shape, dtype))
    out = conv(z, k, None, strides, padding, dilation)
    assert out.shape == x.shape
    (gz,) = gradients(out, [z], grad_loss=x)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data - b, gz, rtol=tol, atol=tol)


@pytest.mark.parametrize("xs,ks,strides,padding,out_pad,dilation", CASES)
def test_gradients(xs, ks, strides, padding, out_pad, dilation):
    transpose = OPS[len(xs) - 2][0]
    x, k, b = _rand(3, xs), _rand(4, ks), _rand(5, ks[-2:-1])
    check_gradients(lambda x, k, b: transpose(x, k, b, strides, padding, out_pad,
                                              dilation, "relu"), x, k, b)
    check_gradients(lambda x, k: transpose(x, k, None, strides, padding, out_pad,
                                           dilation), x, k)


def test_chunks_and_threads_agree(monkeypatch):
    import fastgraph.ops.conv as conv
    x, k = Variable(_rand(6, (4, 9, 8, 6))), Variable(_rand(7, (3, 3, 5, 6)))
    g = _rand(8, (4, 18, 16, 5))
    y = conv2d_transpose(x, k, None, 2, "same")
    want = [y.data] + gradients(y, [x, k], grad_loss=g)
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    y = conv2d_transpose(x, k, None, 2, "same")
    for a, w in zip([y.data] + gradients(y, [x, k], grad_loss=g), want):
        np.testing.assert_allclose(a, w, atol=1e-12)


def test_output_sizes_follow_keras():
    # (length, kernel, stride, padding, output_padding, dilation) -> (out, before)
    assert transposed_output(4, 3, 2, "same") == (8, 0)
    assert transposed_output(4, 3, 2, "valid") == (9, 0)
    assert transposed_output(4, 3, 2, "same", 1) == (8, 0)
    assert transposed_output(4, 3, 1, "same") == (4, 1)
    assert transposed_output(4, 2, 3, "valid") == (12, 0)
    assert transposed_output(5, 3, 1, "same", None, 2) == (5, 2)
    assert transposed_output(3, 4, 2, "same", 1) == (5, 1)


@pytest.mark.parametrize("call,match", [
    (lambda: conv2d_transpose(np.zeros((1, 4, 4), np.float32), np.zeros((3, 3, 2, 4), np.float32)),
     r"conv2d_transpose: x must have rank 4"),
    (lambda: conv2d_transpose(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 2, 4), np.float32)),
     r"conv2d_transpose: kernel input channels 4 .* do not match x channels 3"),
    (lambda: conv2d_transpose(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 2, 3), np.float32),
                              np.zeros(3, np.float32)), r"bias must have shape \(2,\)"),
    (lambda: conv2d_transpose(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 2, 3), np.float32),
                              strides=2, output_padding=2), "output_padding"),
    (lambda: conv1d_transpose(np.zeros((1, 4, 3), np.float32), np.zeros((3, 2, 3), np.float32),
                              padding="causal"), "conv1d_transpose: padding"),
    (lambda: conv1d_transpose(np.zeros((1, 1, 3), np.float32), np.zeros((4, 2, 3), np.float32),
                              padding="same", output_padding=0), "empty output"),
    (lambda: conv3d_transpose(np.zeros((1, 2, 2, 2, 3), np.float32),
                              np.zeros((2, 2, 2, 1, 3), np.float32), strides=(1, 0, 1)),
     "conv3d_transpose: strides"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
