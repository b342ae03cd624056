"""The Layer base class contract: build, add_weight, weights bookkeeping,
input specs, call arguments, default shape inference, losses, sublayers."""
import numpy as np
import pytest

from fastgraph import regularizers
from fastgraph.autodiff import Tensor, Variable, gradients
from fastgraph.engine import InputSpec, Layer, reset_uids
from fastgraph.layers import Dense, Input
from fastgraph.ops import elementwise as E
from fastgraph.ops import linalg
from fastgraph.ops import reduce as R


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


class Scale(Layer):
    """y = x * w + b with a trainable w and a frozen b (user-layer style)."""

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones",
                                 regularizer=regularizers.l1(0.5))
        self.b = self.add_weight("b", (input_shape[-1],), initializer="zeros",
                                 trainable=False)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        return E.add(E.multiply(inputs, self.w), self.b)

    def compute_output_shape(self, input_shape):
        return input_shape


def test_build_once_on_first_call_and_weights():
    layer = Scale()
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 3)))
    assert layer.built and isinstance(out, Tensor)
    assert [w.name for w in layer.weights] == ["scale/w:0", "scale/b:0"]
    assert isinstance(layer.w, Variable) and layer.w.dtype == np.float32
    assert layer.trainable_weights == [layer.w] and layer.non_trainable_weights == [layer.b]
    assert layer.count_params() == 6
    w_before = layer.w
    layer(Input((3,)))
    assert layer.w is w_before


def test_trainable_false_moves_weights():
    layer = Dense(2)
    layer.build((None, 3))
    layer.trainable = False
    assert layer.trainable_weights == []
    assert layer.non_trainable_weights == [layer.kernel, layer.bias]
    assert layer.weights == [layer.kernel, layer.bias]
    assert layer.get_config()["trainable"] is False


def test_get_set_weights_checks():
    layer = Dense(2)
    layer.build((None, 3))
    kernel, bias = layer.get_weights()
    kernel[:] = 7                                # a copy: the layer is unchanged
    assert not np.any(layer.kernel.data == 7)
    layer.set_weights([np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(layer.kernel.data, 1.0)
    with pytest.raises(ValueError, match=r'"dense".*\(3, 2\).*\(4, 2\)'):
        layer.set_weights([np.ones((4, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match=r'"dense" with a weight list of length 1.*2 weights'):
        layer.set_weights([np.ones((3, 2))])
    np.testing.assert_array_equal(layer.kernel.data, 1.0)   # nothing half-written
    with pytest.raises(ValueError, match="isn't built"):
        Dense(2).count_params()


def test_weights_kwarg_sets_initial_weights():
    layer = Dense(2, weights=[np.full((3, 2), 2.0), np.ones(2)])
    out = layer(np.ones((1, 3)))
    np.testing.assert_allclose(out.data, [[7.0, 7.0]])


def test_input_shape_kwargs_and_unknown_kwargs():
    assert Dense(2, input_dim=5)._batch_input_shape == (None, 5)
    assert Dense(2, input_shape=(4, 5), batch_size=8)._batch_input_shape == (8, 4, 5)
    assert Dense(2, input_shape=(5,)).get_config()["batch_input_shape"] == (None, 5)
    with pytest.raises(TypeError, match="not understood.*bogus"):
        Dense(2, bogus=1)
    with pytest.raises(TypeError, match="name"):
        Dense(2, name=3)


def test_input_spec_errors_name_layer_and_shapes():
    layer = Scale()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r'layer "scale".*axis -1.*value 3.*\(None, 4\)'):
        layer(Input((4,)))
    with pytest.raises(ValueError, match=r"min_ndim=2, found ndim=1"):
        layer(np.ones(3))

    class Strict(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = [InputSpec(ndim=2, dtype="int32"), InputSpec(shape=(None, 4))]

    with pytest.raises(ValueError, match=r'"strict" expects 2 input'):
        Strict()(Input((4,)))
    with pytest.raises(ValueError, match=r"expected dtype=int32, found dtype=float32"):
        Strict()([Input((4,)), Input((4,))])
    with pytest.raises(ValueError, match=r"Input 1 .*expected shape=\(None, 4\)"):
        Strict()([Input((4,), dtype="int32"), Input((5,))])
    with pytest.raises(ValueError, match=r"expected ndim=2, found ndim=3"):
        Strict()([Input((4, 1), dtype="int32"), Input((4,))])


def test_training_and_mask_passed_only_when_accepted():
    class Both(Layer):
        def call(self, inputs, training=None, mask=None):
            self.got = (training, mask)
            return inputs

    class Neither(Layer):
        def call(self, inputs):
            return inputs

    both = Both()
    both(np.ones((1, 2)), training=True, mask=np.array([True]))
    assert both.got[0] is True and both.got[1].tolist() == [True]
    Neither()(np.ones((1, 2)), training=True, mask=None)   # silently dropped
    assert Both()._call_accepts_training and not Neither()._call_accepts_mask


def test_default_compute_output_shape_by_dummy_call():
    class Outer(Layer):
        """(batch, t, 4) -> [(batch, t, 3), (batch, 2)]: a list of outputs."""

        def call(self, inputs):
            return [linalg.matmul(inputs, np.ones((4, 3), "float32")),
                    R.sum(inputs, axis=1)[:, :2]]

    x = Input((None, 4))
    outs = Outer()(x)
    assert [o.shape for o in outs] == [(None, None, 3), (None, 2)]
    assert Outer().compute_output_shape((None, 6, 4)) == [(None, 6, 3), (None, 2)]


def test_integer_inputs_reach_the_dummy_call_as_integers():
    class Lookup(Layer):
        def call(self, inputs):
            assert inputs.dtype.kind == "i"
            return Tensor(np.eye(5, dtype="float32")[inputs.data])

    y = Lookup()(Input((3,), dtype="int32"))
    assert y.shape == (None, 3, 5) and y.dtype == "float32"


def test_sublayers_are_tracked():
    class Block(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Dense(3, kernel_regularizer="l2")
            self.more = [Dense(2), Dense(1)]

        def call(self, inputs):
            return self.more[1](self.more[0](self.inner(inputs)))

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (1,)

    block = Block()
    block(np.ones((2, 4)))
    assert len(block.weights) == 6 and block.count_params() == 15 + 8 + 3
    assert len(block.losses) == 1
    block.trainable = False
    assert block.trainable_weights == [] and not block.inner.trainable


def test_losses_are_differentiable_and_per_call():
    layer = Scale()
    layer(np.ones((2, 3)))
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.data, 1.5)
    (g,) = gradients(loss, [layer.w])
    np.testing.assert_allclose(g, 0.5)

    class Penalized(Layer):
        def call(self, inputs):
            self.add_loss(R.sum(inputs))
            return inputs

    p = Penalized()
    p.add_loss(lambda: Tensor(np.float32(2.0)))
    p(np.ones((2, 2)))
    assert sorted(float(v.data) for v in p.losses) == [2.0, 4.0]
    p(np.ones((1, 2)))
    assert sorted(float(v.data) for v in p.losses) == [2.0, 2.0]
    with pytest.raises(ValueError, match="outside call"):
        p.add_loss(Tensor(np.float32(1.0)))
    with pytest.raises(TypeError, match="symbolic"):
        p.add_loss(Input((2,)))


def test_symbolic_call_rejects_tensors_in_kwargs():
    class Two(Layer):
        def call(self, inputs, other=None):
            return inputs

    with pytest.raises(TypeError, match="first argument"):
        Two()(Input((2,)), other=Input((2,)))


def test_float64_arrays_are_cast_integer_arrays_kept():
    class Echo(Layer):
        def call(self, inputs):
            return inputs

    assert Echo()(np.ones(3)).dtype == np.float32
    assert Echo()(np.arange(3)).dtype == np.arange(3).dtype
    t = Tensor(np.ones(3))
    assert Echo()(t) is t
    assert Echo(dtype="float64")(np.ones(3, np.float32)).dtype == np.float64
