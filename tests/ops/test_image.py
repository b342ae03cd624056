"""Image resampling ops: every resize method and every affine fill mode and
interpolation have float64 gradient checks (their values against tf-keras
are in tests/layers/preprocessing/test_reference.py); bad arguments."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops import image as I


def _rand(seed, shape):
    return np.random.RandomState(seed).uniform(-1, 1, shape)


@pytest.mark.parametrize("method", I.RESIZE_METHODS)
@pytest.mark.parametrize("size", [(3, 5), (6, 2)])
def test_resize_gradient(method, size):
    x = _rand(0, (2, 4, 3, 2))
    check_gradients(lambda t: I.resize(t, size, method), x)


def test_resize_keeps_float32_and_identity_sizes():
    x = _rand(1, (1, 5, 4, 3)).astype(np.float32)
    y = I.resize(x, (5, 4), "bilinear")
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, x, atol=1e-6)
    np.testing.assert_array_equal(I.resize(x, (10, 8), "nearest").data,
                                  x.repeat(2, axis=1).repeat(2, axis=2))


@pytest.mark.parametrize("fill_mode", I.FILL_MODES)
@pytest.mark.parametrize("interpolation", I.INTERPOLATIONS)
def test_affine_gradient(fill_mode, interpolation):
    x = _rand(2, (2, 5, 4, 2))
    transforms = np.concatenate([I.rotation_transforms([0.4], 5, 4),
                                 I.zoom_transforms([[1.7, 0.6]], 5, 4)])
    check_gradients(lambda t: I.affine_transform(t, transforms, fill_mode, 0.5,
                                                 interpolation), x)


def test_affine_identity_and_adjoint():
    x = _rand(3, (2, 6, 7, 3)).astype(np.float32)
    ident = I.translation_transforms(np.zeros((2, 2)))
    np.testing.assert_array_equal(I.affine_transform(x, ident).data, x)
    v = Variable(x.astype(np.float64))
    t = I.rotation_transforms([0.3, -1.2], 6, 7)
    g = _rand(4, x.shape)
    y = I.affine_transform(v, t, "reflect")
    (dx,) = gradients(y, [v], grad_loss=g)
    x2 = _rand(5, x.shape)
    np.testing.assert_allclose(np.sum(I.affine_transform(x2, t, "reflect").data * g),
                               np.sum(x2 * dx), rtol=1e-10)


@pytest.mark.parametrize("call,match", [
    (lambda: I.resize(np.zeros((3, 4, 2), np.float32), (2, 2)),
     r"resize: x must have rank 4"),
    (lambda: I.resize(np.zeros((1, 3, 4, 2), np.float32), (2, 2), "cubic"),
     r"resize: interpolation must be one of"),
    (lambda: I.resize(np.zeros((1, 3, 4, 2), np.float32), (0, 2)),
     r"resize: size must be two positive ints"),
    (lambda: I.resize(np.zeros((1, 3, 4, 2), np.int32), (2, 2)),
     r"resize: x must be float32 or float64"),
    (lambda: I.affine_transform(np.zeros((2, 3, 4, 1), np.float32), np.zeros((1, 8))),
     r"transforms must have shape \(2, 8\)"),
    (lambda: I.affine_transform(np.zeros((1, 3, 4, 1), np.float32), np.zeros((1, 8)),
                                fill_mode="mirror"),
     r"fill_mode must be one of"),
    (lambda: I.affine_transform(np.zeros((1, 3, 4, 1), np.float32), np.zeros((1, 8)),
                                interpolation="bicubic"),
     r"interpolation must be one of"),
])
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_affine_kernel_checks_its_arrays():
    from fastgraph._kernels import load
    from fastgraph._kernels.checks import KernelArgumentError
    k = load("image")
    x = np.zeros((2, 3, 4, 1), np.float32)
    with pytest.raises(KernelArgumentError, match=r"image.affine: transforms must be "
                                                  r"float32 of shape \(2, 8\)"):
        k.affine(x, np.zeros((2, 8)), np.zeros_like(x), "reflect", False, 0.0)
    with pytest.raises(KernelArgumentError, match="image.affine: y must be float32"):
        k.affine(x, np.zeros((2, 8), np.float32), np.zeros(x.shape), "reflect", False,
                 0.0)
    with pytest.raises(ValueError, match="image.affine_backward: dy must have the batch"):
        k.affine_backward(np.zeros((1, 3, 4, 1), np.float32), np.zeros((2, 8), np.float32),
                          x, "wrap", True)
