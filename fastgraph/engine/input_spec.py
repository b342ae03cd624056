"""InputSpec: what a layer accepts, checked on every call."""
from .dtypes import dtype_name
from .node import flatten


class InputSpec:
    """What a layer accepts for one input: `dtype`, full `shape` (None =
    any), `ndim`, `min_ndim`, `max_ndim` and `axes` ({axis: size})."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None,
                 min_ndim=None, axes=None, allow_last_axis_squeeze=False):
        self.dtype = None if dtype is None else dtype_name(dtype)
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items()
                  if v and k != "allow_last_axis_squeeze"}
        return "InputSpec(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def check_input_spec(input_spec, shapes, dtypes, layer_name):
    """Raise ValueError naming the layer, the expectation and the received
    shape when an input (given by flat lists of shapes and dtypes) breaks
    the layer's spec."""
    specs = flatten(input_spec)
    if len(shapes) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but '
                         f'it received {len(shapes)} input tensors with shapes {shapes}')
    for i, (spec, shape, dtype) in enumerate(zip(specs, shapes, dtypes)):
        if spec is None:
            continue
        where = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze \
                and ndim != spec.ndim:
            raise ValueError(f"{where}expected ndim={spec.ndim}, found ndim={ndim}. "
                             f"Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where}expected max_ndim={spec.max_ndim}, found "
                             f"ndim={ndim}. Full shape received: {shape}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where}expected min_ndim={spec.min_ndim}, found "
                             f"ndim={ndim}. Full shape received: {shape}")
        if spec.dtype is not None and str(dtype) != spec.dtype:
            raise ValueError(f"{where}expected dtype={spec.dtype}, found dtype={dtype}")
        for axis, value in spec.axes.items():
            if value is not None and -ndim <= axis < ndim \
                    and shape[axis] not in (value, None):
                raise ValueError(f"{where}expected axis {axis} of input shape to "
                                 f"have value {value}, but received input with "
                                 f"shape {shape}")
        if spec.shape is not None:
            got, want = list(shape), list(spec.shape)
            if spec.allow_last_axis_squeeze:
                got = got[:-1] if got and got[-1] == 1 else got
                want = want[:-1] if want and want[-1] == 1 else want
            if len(got) != len(want) or any(
                    w is not None and g is not None and w != g for w, g in zip(want, got)):
                raise ValueError(f"{where}expected shape={spec.shape}, found "
                                 f"shape={shape}")
