"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D against tf-keras (valid and same
padding, strides, dilation, go_backwards, masks and initial states), the
channels_first layout, float64 gradients, the 3-D convolution by slices,
configs and saving.

The reference arrays in tests/reference/recurrent_api_reference.npz were
produced once with tf-keras 2.21 by
tests/reference/recurrent_api_make_reference.py.
"""
import json

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, check_gradients
from fastgraph.layers import RNN, Conv2D, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, Input
from fastgraph.models import Model, Sequential, load_model
from fastgraph.ops.conv import conv2d, conv3d
from fastgraph.ops.random import set_seed

from .recurrent_testlib import CONFIGS, REF, arrays, case, weight_gradcheck

TOL = dict(rtol=1e-4, atol=1e-5)


CASES = [
    ("conv1d_valid", ConvLSTM1D, dict()),
    ("conv1d_same_rs", ConvLSTM1D, dict(padding="same", return_sequences=True)),
    ("conv1d_dil", ConvLSTM1D, dict(dilation_rate=2, return_state=True)),
    ("conv2d_valid", ConvLSTM2D, dict()),
    ("conv2d_same_rs_gb", ConvLSTM2D, dict(padding="same", return_sequences=True,
                                           go_backwards=True)),
    ("conv2d_stride", ConvLSTM2D, dict(strides=2, return_state=True)),
    ("conv2d_acts", ConvLSTM2D, dict(activation="relu", recurrent_activation="sigmoid",
                                     padding="same", return_sequences=True)),
    ("conv2d_nobias_k1x3", ConvLSTM2D, dict(kernel_size=(1, 3), use_bias=False)),
    ("conv3d_valid", ConvLSTM3D, dict()),
    ("conv3d_same_stride", ConvLSTM3D, dict(padding="same", strides=(2, 1, 2),
                                            return_sequences=True, return_state=True)),
]


@pytest.mark.parametrize("name,cls,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_tf_keras(name, cls, kwargs):
    (x,), ws, ys = case(name)
    kwargs = dict(kwargs)
    layer = cls(3, kwargs.pop("kernel_size", 3), **kwargs)
    out = layer(Input(x.shape[1:]))
    shapes = [t.shape for t in out] if isinstance(out, list) else [out.shape]
    assert shapes == [(None,) + y.shape[1:] for y in ys]
    layer.set_weights(ws)
    got = arrays(layer(x))
    assert len(got) == len(ys)
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, **TOL)


def test_mask_and_initial_state_match_tf_keras():
    (x, h0, c0), ws, ys = case("conv2d_mask_init")
    layer = ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    layer(x)
    layer.set_weights(ws)
    got = arrays(layer(x, mask=REF["conv_mask"], initial_state=[h0, c0]))
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, **TOL)
    seq, hs = Input((4, 5, 5, 2)), [Input((5, 5, 3)), Input((5, 5, 3))]
    model = Model([seq] + hs, layer(seq, initial_state=hs))
    unmasked = arrays(layer(x, initial_state=[h0, c0]))
    for g, y in zip(model.predict([x, h0, c0], verbose=0), unmasked):
        np.testing.assert_allclose(g, y, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls,shape", [(ConvLSTM1D, (3, 6, 2)), (ConvLSTM2D, (3, 5, 6, 2)),
                                       (ConvLSTM3D, (3, 3, 4, 5, 2))])
def test_channels_first_is_channels_last_transposed(cls, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2,) + shape).astype("float32")
    rank = len(shape) - 2
    last = cls(3, 2, padding="same", return_sequences=True, return_state=True)
    first = cls(3, 2, padding="same", return_sequences=True, return_state=True,
                data_format="channels_first")
    seq_perm = (0, 1, rank + 2) + tuple(range(2, rank + 2))
    x_first = x.transpose(seq_perm)
    last(x)
    first(x_first)
    first.set_weights(last.get_weights())
    a, b = arrays(last(x)), arrays(first(x_first))
    state_perm = (0, rank + 1) + tuple(range(1, rank + 1))
    np.testing.assert_allclose(b[0], a[0].transpose(seq_perm), rtol=1e-5, atol=1e-6)
    for p, q in zip(a[1:], b[1:]):
        np.testing.assert_allclose(q, p.transpose(state_perm), rtol=1e-5, atol=1e-6)
    assert first(Input(x_first.shape[1:]))[0].shape == (None,) + b[0].shape[1:]


def test_layer_loop_equals_cell_call_per_step():
    """The layer's channels-last loop (kernels cut once per sequence) and
    `cell.call` at each step (Keras's form) give the same outputs."""
    (x,), ws, ys = case("conv2d_same_rs_gb")
    layer = ConvLSTM2D(3, 3, padding="same", return_sequences=True, go_backwards=True)
    layer(x)
    layer.set_weights(ws)
    layer._run_steps = lambda *args, **kwargs: RNN._run_steps(layer, *args, **kwargs)
    np.testing.assert_allclose(layer(x).data, ys[0], **TOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_dropout_masks_fixed_per_sequence(data_format):
    x = np.random.default_rng(6).standard_normal((3, 4, 5, 5, 2)).astype("float32")
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 2).copy()
    layer = ConvLSTM2D(3, 3, padding="same", dropout=0.3, recurrent_dropout=0.4,
                       return_sequences=True, data_format=data_format)
    infer = layer(x).data
    set_seed(4)
    a = layer(x, training=True).data
    set_seed(4)
    np.testing.assert_array_equal(layer(x, training=True).data, a)
    assert a.shape == infer.shape and not np.allclose(a, infer)
    np.testing.assert_array_equal(layer(x).data, infer)


@pytest.mark.parametrize("make", [
    lambda: ConvLSTM1D(2, 2, padding="same", return_sequences=True, dtype="float64"),
    lambda: ConvLSTM2D(2, (2, 1), strides=(1, 2), go_backwards=True, dtype="float64"),
    lambda: ConvLSTM2D(2, 2, activation="softsign", recurrent_activation="sigmoid",
                       dtype="float64", data_format="channels_first"),
    lambda: ConvLSTM3D(1, 2, padding="same", dtype="float64"),
])
def test_weight_gradients_float64(make):
    layer = make()
    shape = (2, 3) + (3,) * layer.rank + (2,)
    x = np.random.default_rng(1).standard_normal(shape)
    if layer.data_format == "channels_first":
        x = np.moveaxis(x, -1, 2).copy()
    layer(x)
    layer.set_weights([w * 1.5 + 0.05 for w in layer.get_weights()])
    weight_gradcheck(layer, Tensor(x), picks=12)


@pytest.mark.parametrize("strides,padding,dilation", [
    ((1, 1, 1), "valid", (1, 1, 1)), ((2, 1, 2), "same", (1, 1, 1)),
    ((1, 1, 1), "same", (2, 1, 1)), ((3, 2, 1), "valid", (1, 1, 1))])
def test_conv3d_is_the_sum_of_depth_slices(strides, padding, dilation):
    rng = np.random.default_rng(4)
    x, k, b = rng.standard_normal((2, 5, 4, 4, 2)), rng.standard_normal((2, 2, 2, 2, 3)), \
        rng.standard_normal(3)
    y = conv3d(Tensor(x), Tensor(k), Tensor(b), strides, padding, dilation).data
    # the same sum written out with 2-D convolutions of single depth slices
    kd, sd, dd = 2, strides[0], dilation[0]
    pad = max(0, (y.shape[1] - 1) * sd + (kd - 1) * dd + 1 - 5) if padding == "same" else 0
    xp = np.pad(x, [(0, 0), (pad // 2, pad - pad // 2), (0, 0), (0, 0), (0, 0)])
    for od in range(y.shape[1]):
        want = sum(conv2d(xp[:, od * sd + a * dd], k[a], None, strides[1:], padding,
                          dilation[1:]).data for a in range(kd)) + b
        np.testing.assert_allclose(y[:, od], want, rtol=1e-10, atol=1e-12)
    check_gradients(lambda x_, k_, b_: conv3d(x_, k_, b_, strides, padding, dilation),
                    x[:1, :, :3, :3], k[..., :2], b[:2])


# -------------------------------------------------------------- configs
@pytest.mark.parametrize("name,make", [
    ("ConvLSTM1D", lambda: ConvLSTM1D(4, 3)),
    ("ConvLSTM2D", lambda: ConvLSTM2D(4, (3, 2), strides=2)),
    ("ConvLSTM3D", lambda: ConvLSTM3D(4, 3, padding="same"))])
def test_configs_equal_tf_keras(name, make):
    layer = make()
    config = json.loads(json.dumps(layer.get_config()))
    want = CONFIGS[name]
    assert list(config) == list(want)
    for key, value in want.items():
        if key != "name" and not key.endswith("initializer"):
            assert config[key] == value, key
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_names_weights_and_arguments():
    layer = ConvLSTM2D(4, 3)
    layer(Input((3, 6, 6, 2)))
    assert layer.name.startswith("conv_lstm2d")
    assert [(w.name, w.shape) for w in layer.weights] == [
        (f"{layer.name}/kernel:0", (3, 3, 2, 16)),
        (f"{layer.name}/recurrent_kernel:0", (3, 3, 4, 16)),
        (f"{layer.name}/bias:0", (16,))]
    np.testing.assert_array_equal(layer.bias.data[4:8], 1)     # unit_forget_bias
    with pytest.raises(TypeError, match="unroll"):
        ConvLSTM2D(4, 3, unroll=True)
    with pytest.raises(ValueError, match="expected ndim=5"):
        ConvLSTM2D(4, 3)(Input((3, 6, 2)))
    with pytest.raises(ValueError, match="data_format"):
        ConvLSTM1D(2, 2, data_format="nhwc")


def test_sequential_trains_and_saves(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 3, 6, 6, 1)).astype("float32")
    y = rng.standard_normal((8, 6, 6, 1)).astype("float32")
    model = Sequential([ConvLSTM2D(4, 3, padding="same", input_shape=(3, 6, 6, 1)),
                        Conv2D(1, 1)])
    model.compile("adam", "mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    path = str(tmp_path / "m.h5")
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)
