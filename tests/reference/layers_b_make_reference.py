"""Produce tests/reference/layers_b_reference.npz with real tf-keras 2.x (run once):

    /work/venv-tf/bin/python tests/reference/layers_b_make_reference.py

Not part of the test suite (tensorflow is never imported by the library or
its tests).  The cases are those of layers_b_cases.py (the activation,
masking, normalization, attention and EinsumDense layers, and small models
for masks, constraints and training).  For each layer case, under
`<case>/...`: `x0`, `x1`, ... (inputs), `mask0`, ... and `attention_mask`
when the case has them, `w0`, `w1`, ... (the weights set on the layer, in
`layer.weights` order), `r0`, ... (the weights of the loss sum(y_i * r_i)),
`y0`, ... (outputs), `dx0`, ... (gradients of the loss for the float
inputs), `after0`, ... (every weight after one SGD(0.1) step on that loss,
`layer.weights` order), `out_mask` (Masking), `config` (JSON of
tf-keras's get_config) and `params` (count_params).  For each model case:
`x0`, ..., `y` (targets), `w0`, ... (initial weights), `pred0`, ...,
`loss` (evaluate), `train_loss` (train_on_batch with SGD(0.1)), `after0`,
... (weights after that step), `config` and `params`.
"""
import importlib.util
import json
import os

import numpy as np

# tf-keras's SpectralNormalization builds a `tf.keras.layers.InputSpec`: make
# tf.keras mean tf-keras (not Keras 3) before tensorflow is imported.
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "layers_b_cases", os.path.join(HERE, "layers_b_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

rng = np.random.default_rng(20261204)


def rand(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def make_input(shape, kind):
    if kind == "int":
        x = rng.integers(1, 10, size=shape).astype(np.int32)
        x[0, -2:] = 0
        x[1, -1:] = 0
        return x
    x = rand(*shape)
    if kind.startswith("steps"):
        fill = float(kind.split(":")[1]) if ":" in kind else 0.0
        x[0, -2:] = fill
        x[1, :1] = fill
    return x


def make_mask(shape):
    m = rng.uniform(size=shape) < 0.7
    m[..., 0] = True
    return m


def _default(o):
    if hasattr(o, "as_list"):
        return o.as_list()
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"cannot serialize {o!r}")


def call_layer(layer, xs, call, opts, masks, attention_mask):
    kwargs = dict(call)
    if opts.get("train"):
        kwargs["training"] = True
    how = opts.get("call", "one")
    if how == "one":
        if masks is not None:
            kwargs["mask"] = masks
        return layer(xs[0], **kwargs)
    if how == "list":
        if masks is not None:
            kwargs["mask"] = masks
        return layer(xs, **kwargs)
    if attention_mask is not None:
        kwargs["attention_mask"] = attention_mask
    if len(xs) > 2:
        kwargs["key"] = xs[2]
    return layer(xs[0], xs[1], **kwargs)


def layer_case(name, make, specs, call, opts):
    layer = make(keras)
    out = {}
    xs = [make_input(s, k) for s, k in specs]
    masks = None
    if "masks" in opts:
        ms = opts["masks"]
        masks = [None if s is None else make_mask(s) for s in ms] \
            if isinstance(ms, list) else make_mask(ms)
        for i, m in enumerate(masks if isinstance(masks, list) else [masks]):
            if m is not None:
                out[f"mask{i}"] = m
    attention_mask = None
    if "attention_mask" in opts:
        attention_mask = out["attention_mask"] = make_mask(opts["attention_mask"])
    call_layer(layer, [tf.constant(x) for x in xs], call, dict(opts, train=False),
               masks, attention_mask)                                  # builds it
    weights = [rand(*w.shape, low=-0.8, high=0.8) for w in layer.get_weights()]
    if isinstance(layer, keras.layers.PReLU):
        weights = [rand(*w.shape, low=0.0, high=0.5) for w in layer.get_weights()]
    layer.set_weights(weights)
    tx = [tf.constant(x) for x in xs]
    floats = [t for t in tx if t.dtype.is_floating]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(floats)
        ys = call_layer(layer, tx, call, opts, masks, attention_mask)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        rs = [rand(*y.shape) for y in ys]
        loss = tf.add_n([tf.reduce_sum(y * r) for y, r in zip(ys, rs)])
    dxs = tape.gradient(loss, floats)
    grads = tape.gradient(loss, layer.trainable_weights)
    keras.optimizers.SGD(0.1).apply_gradients(zip(grads, layer.trainable_weights))
    for i, x in enumerate(xs):
        out[f"x{i}"] = x
    for i, w in enumerate(weights):
        out[f"w{i}"] = w
    for i, (y, r) in enumerate(zip(ys, rs)):
        out[f"y{i}"], out[f"r{i}"] = y.numpy(), r
    for i, d in enumerate(dxs):
        out[f"dx{i}"] = d.numpy()
    for i, w in enumerate(layer.get_weights()):
        out[f"after{i}"] = w
    if isinstance(layer, keras.layers.Masking):
        out["out_mask"] = layer.compute_mask(tx[0]).numpy()
    out["config"] = np.array(json.dumps(layer.get_config(), default=_default))
    out["params"] = np.array(layer.count_params())
    return out


def model_case(name, build, specs, target, loss):
    model = build(keras)
    # eagerly: tf-keras's RadialConstraint cannot run inside a tf.function
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, run_eagerly=True)
    xs = [make_input(s, k) for s, k in specs]
    y = rand(*target)
    weights = [rand(*w.shape, low=-0.6, high=0.6) for w in model.get_weights()]
    model.set_weights(weights)
    out = {f"x{i}": x for i, x in enumerate(xs)}
    out["y"] = y
    for i, w in enumerate(weights):
        out[f"w{i}"] = w
    preds = model.predict(xs, verbose=0)
    for i, p in enumerate(preds if isinstance(preds, list) else [preds]):
        out[f"pred{i}"] = p
    out["loss"] = np.array(model.evaluate(xs, y, batch_size=len(y), verbose=0))
    out["train_loss"] = np.array(model.train_on_batch(xs, y))
    for i, w in enumerate(model.get_weights()):
        out[f"after{i}"] = w
    out["config"] = np.array(json.dumps(model.get_config(), default=_default))
    out["params"] = np.array(model.count_params())
    return out


def main():
    arrays = {}
    for name, (make, specs, call, opts) in cases.LAYERS.items():
        for key, value in layer_case(name, make, specs, call, opts).items():
            arrays[f"{name}/{key}"] = value
    for name, (build, specs, target, loss) in cases.MODELS.items():
        for key, value in model_case(name, build, specs, target, loss).items():
            arrays[f"model_{name}/{key}"] = value
    path = os.path.join(HERE, "layers_b_reference.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(cases.LAYERS)} layer and {len(cases.MODELS)} model cases to {path}")


if __name__ == "__main__":
    main()
