"""What the recurrent tests share: tf-keras reference cases and a float64
finite-difference check of a layer's weight gradients."""
import json
import os

import numpy as np

from fastgraph.autodiff import gradients

HERE = os.path.join(os.path.dirname(__file__), "..", "reference")
REF = np.load(os.path.join(HERE, "recurrent_api_reference.npz"))
with open(os.path.join(HERE, "recurrent_api_configs.json")) as f:
    CONFIGS = json.load(f)


def case(name, ref=REF):
    """(inputs, weights, outputs) of reference case `name`: the arrays
    `name/x0..`, `name/w0..`, `name/y0..`."""
    def items(prefix):
        return [ref[f"{name}/{prefix}{i}"] for i in range(30) if f"{name}/{prefix}{i}" in ref]
    return items("x"), items("w"), items("y")


def arrays(out):
    """A layer's output(s) as a list of arrays."""
    return [t.data for t in out] if isinstance(out, list) else [out.data]


def weight_gradcheck(layer, x, eps=1e-6, picks=None, rtol=1e-4, atol=1e-7):
    """Assert that the tape's gradients of sum(layer(x) * w) for random w
    match central differences, for every weight element (or `picks`
    random ones per weight)."""
    out = layer(x)
    w = np.random.default_rng(7).uniform(-1, 1, out.shape)
    analytic = gradients(out, layer.weights, grad_loss=w)
    rng = np.random.default_rng(3)
    for var, ga in zip(layer.weights, analytic):
        flat = var.data.reshape(-1)
        index = range(flat.size) if picks is None else rng.choice(
            flat.size, min(flat.size, picks), replace=False)
        for i in index:
            orig = flat[i]
            flat[i] = orig + eps
            plus = np.sum(layer(x).data * w)
            flat[i] = orig - eps
            minus = np.sum(layer(x).data * w)
            flat[i] = orig
            np.testing.assert_allclose(ga.reshape(-1)[i], (plus - minus) / (2 * eps),
                                       rtol=rtol, atol=atol, err_msg=var.name)
