"""einsum as one matrix product: values against np.einsum, float64
gradient checks, the equations Keras's EinsumDense and MultiHeadAttention
use, bad equations."""
import numpy as np
import pytest

from fastgraph.autodiff import check_gradients
from fastgraph.ops.einsum import einsum, plan


@pytest.mark.parametrize("equation, a_shape, b_shape", [
    ("ab,bc->ac", (3, 4), (4, 5)),
    ("abc,cd->abd", (2, 3, 4), (4, 5)),
    ("abc,cde->abde", (2, 3, 4), (4, 2, 5)),          # MHA projections
    ("abcd,cde->abe", (2, 3, 2, 5), (2, 5, 4)),       # MHA output
    ("...b,bc->...c", (2, 3, 4), (4, 5)),
    ("ab...,bc->ac...", (2, 3, 4), (3, 5)),
    ("abc,cd->adb", (2, 3, 4), (4, 5)),               # output reordered
    ("aecd,abcd->acbe", (2, 3, 4, 5), (2, 6, 4, 5)),  # batch axes in the middle
    ("abc,d->abd", (2, 3, 4), (5,)),                  # outer product
    ("abc,bd->ad", (2, 3, 4), (3, 5)),                # an axis summed in one operand
    ("abc,cde->abde", (2, 3, 4), (4, 1, 5)),
])
def test_matches_numpy_and_gradients(equation, a_shape, b_shape):
    r = np.random.RandomState(0)
    a, b = r.randn(*a_shape), r.randn(*b_shape)
    y = einsum(equation, a, b)
    np.testing.assert_allclose(y.data, np.einsum(equation, a, b), rtol=1e-12, atol=1e-12)
    assert y.data.flags.c_contiguous
    check_gradients(lambda x, z: einsum(equation, x, z), a, b)
    y32 = einsum(equation, a.astype(np.float32), b.astype(np.float32))
    assert y32.dtype == np.float32


def test_plan_is_made_once_per_equation_and_shapes():
    plan.cache_clear()
    a, b = np.ones((2, 3)), np.ones((3, 4))
    einsum("ab,bc->ac", a, b)
    einsum("ab,bc->ac", a, b)
    assert plan.cache_info().hits == 1


@pytest.mark.parametrize("equation, a_shape, b_shape, match", [
    ("ab,bc", (2, 3), (3, 4), "must have the form"),
    ("ab->b", (2, 3), (3, 4), "must have the form"),
    ("aab,bc->ac", (2, 2, 3), (3, 4), "repeat an index"),
    ("ab,bc->ad", (2, 3), (3, 4), "output index 'd'"),
    ("ab,bc->ac", (2, 3), (4, 4), "index 'b' has size 3"),
    ("abc,cd->abd", (2, 3), (3, 4), "has 2 axes but subscripts"),
    ("a1,1c->ac", (2, 3), (3, 4), "must be letters"),
])
def test_bad_equations(equation, a_shape, b_shape, match):
    with pytest.raises(ValueError, match=f"einsum: .*{match}"):
        einsum(equation, np.ones(a_shape), np.ones(b_shape))


def test_operand_types():
    with pytest.raises(TypeError, match="einsum: equation must be a string"):
        einsum(3, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="einsum: b dtype"):
        einsum("a,a->a", np.ones(2), np.ones(2, np.float32))


@pytest.mark.parametrize("bias_shape", [(5,), (2, 5), (1, 5)])
def test_bias_is_added_in_place_and_differentiated(bias_shape):
    r = np.random.RandomState(1)
    a, b, bias = r.randn(3, 4), r.randn(4, 2, 5), r.randn(*bias_shape)
    y = einsum("ab,bcd->acd", a, b, bias)
    np.testing.assert_allclose(y.data, np.einsum("ab,bcd->acd", a, b) + bias, rtol=1e-12)
    check_gradients(lambda x, z, c: einsum("ab,bcd->acd", x, z, c), a, b, bias)
    with pytest.raises(ValueError, match="einsum: bias of shape"):
        einsum("ab,bcd->acd", a, b, np.ones(3))
