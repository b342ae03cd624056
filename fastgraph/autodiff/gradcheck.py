"""Gradient checks against central finite differences (use float64 inputs)."""
import numpy as np

from .tape import gradients
from .tensor import Tensor, Variable


def numeric_gradient(fn, arrays, index, eps=1e-6, weights=None):
    """d sum(fn(*arrays) * weights) / d arrays[index], by central differences."""
    x = arrays[index]
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)

    def value():
        out = fn(*[Tensor(a) for a in arrays])
        out = out.data if isinstance(out, Tensor) else np.asarray(out)
        return float(np.sum(out * weights)) if weights is not None else float(np.sum(out))

    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        plus = value()
        flat[i] = orig - eps
        minus = value()
        flat[i] = orig
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def check_gradients(fn, *arrays, wrt=None, eps=1e-6, rtol=1e-4, atol=1e-6,
                    seed=0):
    """Assert that the tape's gradients of `fn` match finite differences.

    `fn` takes Tensors and returns a Tensor; `arrays` are float64 NumPy
    arrays (integer arrays are passed through and not differentiated).  The
    output is contracted with fixed random weights, so every output element
    contributes with a different sign and size.  Returns the analytic
    gradients.
    """
    arrays = [np.array(a, copy=True) for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    variables = [Variable(a) if i in wrt else Tensor(a)
                 for i, a in enumerate(arrays)]
    out = fn(*variables)
    rng = np.random.RandomState(seed)
    weights = rng.uniform(-1.0, 1.0, size=out.shape).astype(out.dtype)
    analytic = gradients(out, [variables[i] for i in wrt], grad_loss=weights)
    for i, ga in zip(wrt, analytic):
        gn = numeric_gradient(fn, arrays, i, eps=eps, weights=weights)
        if not np.allclose(ga, gn, rtol=rtol, atol=atol):
            err = np.max(np.abs(ga - gn))
            raise AssertionError(
                f"gradient of input {i} (shape {arrays[i].shape}) differs from "
                f"finite differences: max abs error {err:.3g}\n"
                f"analytic:\n{ga}\nnumeric:\n{gn}")
    return analytic
