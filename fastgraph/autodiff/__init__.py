"""Reverse-mode automatic differentiation: tensors, the tape, gradient checks.

Knows nothing of layers or training; ops (fastgraph.ops) build on it.
"""
from .tensor import Tensor, Variable, as_tensor, as_array, floatx, set_floatx
from .row_sparse import RowSparseGradient
from .tape import (output, gradients, no_grad, enable_grad, is_recording,
                   unbroadcast)

__all__ = ["Tensor", "Variable", "RowSparseGradient", "as_tensor", "as_array",
           "floatx", "set_floatx", "output", "gradients", "no_grad",
           "enable_grad", "is_recording", "unbroadcast"]
from .gradcheck import check_gradients, numeric_gradient  # noqa: E402
from .gradient_tape import GradientTape  # noqa: E402

__all__ += ["check_gradients", "numeric_gradient", "GradientTape"]
