"""Differentiable ops, one module per family (elementwise, reduce, linalg,
shape, activation, losses, conv, pool, rnn, embedding, normalization).

Each op takes Tensors or arrays and returns a Tensor; its backward sits
beside its forward and is recorded through `fastgraph.autodiff.output`.
"""
from . import _operators  # noqa: F401  (attaches + - * / ** @ [] to Tensor)
