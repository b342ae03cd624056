"""EinsumDense: a dense layer whose product is any einsum of the input and
the kernel (tf-keras 2.x), with a bias over any output axes."""
import re

from .. import activations, constraints, initializers, regularizers
from ..engine.layer import Layer
from ..ops.einsum import einsum
from .core import get_constraint


_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))


def split_equation(equation):
    """(input, weight, output subscripts, whether '...' leads) of an
    EinsumDense equation; ValueError for any other form."""
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in _FORMS:
        match = re.fullmatch(pattern, dotted)
        if match:
            return match.groups() + (left,)
    raise ValueError(f"EinsumDense: invalid einsum equation {equation!r}; equations "
                     f"must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or "
                     f"[X]...,[Y]->[Z]...")


def analyze_equation(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape) for `equation`
    ('ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'), as tf-keras
    derives them; ValueError naming what does not fit."""
    input_spec, weight_spec, output_spec, left = split_equation(equation)
    if len(input_shape) < len(input_spec):
        raise ValueError(f"EinsumDense: the equation {equation!r} needs inputs of at "
                         f"least {len(input_spec)} axes, got shape {tuple(input_shape)}")
    return _analyze(input_spec, weight_spec, output_spec, bias_axes, input_shape,
                    output_shape, left)


def _analyze(input_spec, weight_spec, output_spec, bias_axes, input_shape,
             output_shape, left_elided):
    elided = len(input_shape) - len(input_spec)
    output_shape = [input_shape[0]] + list(output_shape)
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dims = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dims = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dims = {d: i for i, d in enumerate(input_spec)}
        output_dims = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dims:
            want = output_shape[output_dims[d]]
            if want is not None and want != input_shape[input_dims[d]]:
                raise ValueError(f"EinsumDense: input shape and output shape do not "
                                 f"match at shared dimension '{d}': input shape is "
                                 f"{input_shape[input_dims[d]]}, output shape is {want}")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"EinsumDense: dimension '{d}' was specified in the "
                             f"output '{output_spec}' but has no corresponding dim in "
                             f"the input spec '{input_spec}' or weight spec "
                             f"'{weight_spec}'")
    kernel_shape = []
    for d in weight_spec:
        if d in input_dims:
            kernel_shape.append(input_shape[input_dims[d]])
        elif d in output_dims:
            kernel_shape.append(output_shape[output_dims[d]])
        else:
            raise ValueError(f"EinsumDense: weight dimension '{d}' did not have a "
                             f"match in either the input spec '{input_spec}' or the "
                             f"output spec '{output_spec}'; the weight must be fully "
                             f"specified")
    if any(d is None for d in kernel_shape):
        raise ValueError(f"EinsumDense: the kernel shape {kernel_shape} needs every "
                         f"dimension known; input shape {tuple(input_shape)}")
    bias_shape = None
    if bias_axes is not None:
        shift = elided if left_elided else 0
        sizes = {c: output_shape[i + shift] for i, c in enumerate(output_spec)}
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"EinsumDense: bias dimension '{c}' was requested, "
                                 f"but is not part of the output spec '{output_spec}'")
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, output_shape


class EinsumDense(Layer):
    """activation(einsum(equation, inputs, kernel) + bias): `output_shape`
    gives the output's non-batch sizes (None where the input's size
    applies), `bias_axes` the output letters the bias spans; the kernel's
    shape follows from the equation (tf-keras 2.x)."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"EinsumDense: equation must be a string, got {equation!r}")
        split_equation(equation)
        self.equation = equation
        shape = [output_shape] if isinstance(output_shape, int) else output_shape
        try:
            self.partial_output_shape = list(shape)
        except TypeError:
            raise ValueError(f"EinsumDense: output_shape must be an int or a list of "
                             f"sizes, got {output_shape!r}") from None
        if not all(d is None or (isinstance(d, int) and d > 0)
                   for d in self.partial_output_shape):
            raise ValueError(f"EinsumDense: output_shape entries must be positive ints "
                             f"or None, got {output_shape!r}")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError(f"EinsumDense: bias_axes must be a string of output "
                             f"letters, got {bias_axes!r}")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint, "EinsumDense",
                                                "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, "EinsumDense",
                                              "bias_constraint")
        self.kernel = self.bias = None

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = analyze_equation(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        self.kernel = self.add_weight("kernel", kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight("bias", bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        return self.activation(einsum(self.equation, inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        _, _, full = analyze_equation(self.equation, self.bias_axes, tuple(input_shape),
                                      self.partial_output_shape)
        return tuple(full)

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
