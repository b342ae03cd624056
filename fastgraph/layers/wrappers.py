"""Layer wrappers: TimeDistributed (a layer or a whole model applied to every
timestep) and Bidirectional (a recurrent layer run both ways), as tf-keras."""
import copy

import numpy as np

from ..autodiff import as_array
from ..engine.layer import InputSpec, Layer, check_input_spec, is_shape, map_shapes
from ..engine.serialization import deserialize_layer, serialize_layer
from ..engine.node import flatten
from ..ops import elementwise as E
from ..ops import shape as S
from .recurrent_rnn import call_with_states, split_inputs


class Wrapper(Layer):
    """Base of the layers that wrap another layer (`self.layer`), whose
    config nests the wrapped layer's as {'class_name', 'config'}."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "
                             f"`fastgraph.layers.Layer` instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies `layer` (any layer or model) to every timestep: inputs
    (batch, timesteps, ...) are viewed as (batch * timesteps, ...), given to
    the layer in one call, and its outputs viewed back as (batch,
    timesteps, ...); no copies."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _shapes(self, input_shape):
        shapes = [tuple(input_shape)] if is_shape(input_shape) else \
            [tuple(s) for s in input_shape]
        for s in shapes:
            if len(s) < 3:
                raise ValueError(f'Layer "{self.name}": `TimeDistributed` should be '
                                 f'given inputs with at least 3 dimensions (batch, '
                                 f'timesteps, ...), received input shape {input_shape}')
        return shapes

    def build(self, input_shape):
        shapes = self._shapes(input_shape)
        specs = [InputSpec(shape=(None, None) + s[2:]) for s in shapes]
        self.input_spec = specs[0] if is_shape(input_shape) else specs
        inner = [(s[0],) + s[2:] for s in shapes]
        self.layer._maybe_build(inner[0] if is_shape(input_shape) else inner)
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = self._shapes(input_shape)
        steps = shapes[0][1]
        inner = [(s[0],) + s[2:] for s in shapes]
        if self.layer.input_spec is not None:
            dtypes = self._dtypes_hint or self.dtype
            dtypes = [dtypes] * len(inner) if isinstance(dtypes, str) else list(dtypes)
            check_input_spec(self.layer.input_spec, inner, dtypes, self.layer.name)
        self.layer._dtypes_hint = self._dtypes_hint
        try:
            out = self.layer.compute_output_shape(
                inner[0] if is_shape(input_shape) else inner)
        finally:
            self.layer._dtypes_hint = None
        return map_shapes(lambda o: (o[0], steps) + tuple(o[1:]), out)

    def _compute_output_dtype(self, input_dtypes):
        return self.layer._compute_output_dtype(input_dtypes)

    def _fold(self, inputs):
        """(inner inputs viewed as (batch*timesteps, ...), batch, timesteps)."""
        xs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        batch, steps = xs[0].shape[:2]
        for x in xs:
            if x.ndim < 3 or x.shape[:2] != (batch, steps):
                raise ValueError(f'Layer "{self.name}": every input must have shape '
                                 f'(batch, timesteps, ...) with the same batch and '
                                 f'timesteps, got shapes {[tuple(t.shape) for t in xs]}')
        inner = [S.reshape(x, (batch * steps,) + tuple(x.shape[2:])) for x in xs]
        return (inner if isinstance(inputs, (list, tuple)) else inner[0]), batch, steps

    @staticmethod
    def _fold_mask(mask, rows):
        if mask is None:
            return None
        m = as_array(mask)
        return m.reshape((rows,) + m.shape[2:])

    def call(self, inputs, training=None, mask=None):
        inner, batch, steps = self._fold(inputs)
        kwargs = {}
        if self.layer._call_accepts_training:
            kwargs["training"] = training
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.layer._call_accepts_mask and mask is not None:
            kwargs["mask"] = self._fold_mask(mask, batch * steps)
        outputs = self.layer(inner, **kwargs)
        unfolded = [S.reshape(y, (batch, steps) + tuple(y.shape[1:]))
                    for y in flatten(outputs)]
        return unfolded if isinstance(outputs, (list, tuple)) else unfolded[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None and not self.layer._creates_masks():
            return None
        inner, batch, steps = self._fold(inputs)
        out = self.layer.compute_mask(inner, self._fold_mask(mask, batch * steps))
        if out is None or (isinstance(out, (list, tuple))
                           and all(m is None for m in out)):
            if mask is None:
                return None
            m = as_array(mask)
            return m.any(axis=tuple(range(2, m.ndim))) if m.ndim > 2 else m

        def unfold(m):
            if m is None:
                return None
            m = as_array(m)
            return m.reshape((batch, steps) + m.shape[1:])
        return [unfold(m) for m in out] if isinstance(out, (list, tuple)) else unfold(out)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and a copy of it backwards over the
    sequence and merges the outputs (`merge_mode` 'concat', 'sum', 'mul',
    'ave' or None for a list).  The backward copy is built from the layer's
    config with `go_backwards` flipped (or is `backward_layer`); its returned
    sequence is reversed back into time order.  Weights: forward then
    backward; states with return_state: forward states then backward."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "
                             f"`fastgraph.layers.Layer` instance. Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `fastgraph.layers.Layer` "
                             f"instance. Received: {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode "
                             f"should be one of {{'sum', 'mul', 'ave', 'concat', None}}")
        for attr in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional wraps a recurrent layer (LSTM, GRU, "
                                 f"SimpleRNN); {type(layer).__name__} has no {attr!r}")
        Layer.__init__(self, weights=weights, **kwargs)
        # The template is not a sublayer: the two copies below hold the weights.
        object.__setattr__(self, "layer", layer)
        self.forward_layer = self._recreate(layer)
        self._backward_config = None
        if backward_layer is None:
            self.backward_layer = self._recreate(layer, go_backwards=True)
        else:
            self._backward_config = serialize_layer(backward_layer)
            self.backward_layer = backward_layer
        self.forward_layer.name = "forward_" + self.forward_layer.name
        self.backward_layer.name = "backward_" + self.backward_layer.name
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = bool(getattr(layer, "stateful", False))
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    @staticmethod
    def _recreate(layer, go_backwards=False):
        config = copy.deepcopy(layer.get_config())
        if go_backwards:
            config["go_backwards"] = not config["go_backwards"]
        return type(layer).from_config(config)

    def _verify(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(f"Forward layer and backward layer should have different "
                             f"`go_backwards` value. forward_layer.go_backwards = "
                             f"{fwd.go_backwards}, backward_layer.go_backwards = "
                             f"{bwd.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr, None) != getattr(bwd, attr, None):
                raise ValueError(f"Forward layer and backward layer are expected to "
                                 f"have the same value for attribute {attr!r}, got "
                                 f"{getattr(fwd, attr, None)} for forward layer and "
                                 f"{getattr(bwd, attr, None)} for backward layer")

    @property
    def _n_states(self):
        return getattr(self.forward_layer, "_n_states", 1)

    def build(self, input_shape):
        shape = input_shape if is_shape(input_shape) else input_shape[0]
        self.forward_layer._maybe_build(shape)
        self.backward_layer._maybe_build(shape)
        self.input_spec = self.forward_layer.input_spec
        self.built = True

    def _state_dims(self, input_shape):
        """The shapes (without the batch) of the forward then the backward
        layer's states."""
        dims = []
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "_state_dims"):
                dims += sub._state_dims(input_shape)
            else:
                dims += [(getattr(sub, "units", None),)] * self._n_states
        return dims

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        inputs, states, _ = split_inputs(self, inputs, initial_state)
        if states is None:
            return super().__call__(inputs, *args, **kwargs)
        shape = inputs.shape if hasattr(inputs, "shape") else np.shape(inputs)
        return call_with_states(self, super().__call__, inputs, states, None,
                                self._state_dims(tuple(shape)), args, kwargs)

    def reset_states(self, states=None):
        """Reset both layers' states (`states`: the forward layer's then the
        backward layer's)."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        states = list(states)
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def compute_output_shape(self, input_shape):
        shape = input_shape if is_shape(input_shape) else input_shape[0]
        fwd = self.forward_layer.compute_output_shape(shape)
        bwd = self.backward_layer.compute_output_shape(shape)
        fwd_states = bwd_states = []
        if self.return_state:
            fwd, fwd_states = fwd[0], [tuple(s) for s in fwd[1:]]
            bwd, bwd_states = bwd[0], [tuple(s) for s in bwd[1:]]
        out, bwd = tuple(fwd), tuple(bwd)
        if self.merge_mode == "concat":
            last = None if None in (out[-1], bwd[-1]) else out[-1] + bwd[-1]
            out = out[:-1] + (last,)
        elif self.merge_mode is None:
            out = [out, bwd]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + fwd_states + bwd_states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        out = [out, out] if self.merge_mode is None else out
        if self.return_state:
            states = [None] * (2 * self._n_states)
            return (out if isinstance(out, list) else [out]) + states
        return out

    def call(self, inputs, training=None, mask=None, initial_state=None):
        inputs, states, _ = split_inputs(self, inputs, initial_state)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        half = None if states is None else len(states) // 2
        kwargs = {"training": training, "mask": mask}
        y = self.forward_layer(inputs, initial_state=None if states is None
                               else states[:half], **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=None if states is None
                                    else states[half:], **kwargs)
        out_states = []
        if self.return_state:
            out_states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            index = [slice(None)] * y_rev.ndim
            index[axis] = slice(None, None, -1)
            y_rev = S.getitem(y_rev, tuple(index))
        if self.merge_mode == "concat":
            output = S.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = E.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = E.multiply(E.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = E.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + out_states
        return output

    def get_config(self):
        config = Layer.get_config(self)
        config["layer"] = serialize_layer(self.layer)
        config["merge_mode"] = self.merge_mode
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"],
                                                         custom_objects)
        return cls(**config)

