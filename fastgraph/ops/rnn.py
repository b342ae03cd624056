"""Recurrent ops over whole sequences: LSTM, GRU, SimpleRNN (tf-keras semantics).

Weights use the tf-keras layouts: kernel (features, G), recurrent_kernel
(units, G), with gates i, f, c, o (LSTM, G = 4u), z, r, h (GRU, G = 3u).
The input projection of all timesteps is one GEMM; the time loop runs in C
(csrc/rnn.c) and keeps the gate activations and states that backward needs;
backward through time is C too, and dx, dkernel and drecurrent_kernel are
single GEMMs over all steps.

Activations run in C, so only these names are accepted (None is 'linear'):
linear, tanh, sigmoid, hard_sigmoid (tf-keras: clip(0.2x + 0.5, 0, 1)),
relu, softsign, softplus, elu, selu, exponential; a callable is accepted when
its __name__ is one of them.

Masking (a bool (batch, timesteps) array) follows tf-keras: at a masked step
the states carry over and the output repeats the previous output, which is
zero before a row's first unmasked step.  With go_backwards the sequence is
processed last step first and a returned sequence is in processing order.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_array, as_tensor, output
from ._common import workspace
from .pool_matmul import matmul

_k = load("rnn")


def _activation(op, name, value):
    """C activation code of `value` (a name, None or a named callable)."""
    key = "linear" if value is None else value
    if callable(key):
        key = getattr(key, "__name__", None)
    if not isinstance(key, str) or key not in _k.ACTIVATIONS:
        raise ValueError(f"{op}: {name} must be None or one of "
                         f"{sorted(_k.ACTIVATIONS)}, got {value!r}")
    return _k.ACTIVATIONS[key]


def _float_array(op, name, t, dtype):
    """C-contiguous data of Tensor `t`, which must have dtype `dtype`."""
    if t.dtype != dtype:
        raise TypeError(f"{op}: {name} must have dtype {np.dtype(dtype).name} "
                        f"(the kernel's), got {t.dtype}")
    return np.ascontiguousarray(t.data)


def _prepare(op, x, kernel, recurrent_kernel, n_gates):
    """Validate x and the two weight matrices; returns Tensors, arrays, sizes."""
    x, kernel, rk = as_tensor(x), as_tensor(kernel), as_tensor(recurrent_kernel)
    if x.ndim != 3:
        raise ValueError(f"{op}: x must be 3-D (batch, timesteps, features), "
                         f"got shape {x.shape}")
    N, T, D = x.shape
    if T < 1:
        raise ValueError(f"{op}: x must have at least one timestep, got shape {x.shape}")
    if rk.ndim != 2 or rk.shape[0] < 1 or rk.shape[1] != n_gates * rk.shape[0]:
        raise ValueError(f"{op}: recurrent_kernel must have shape (units, "
                         f"{n_gates}*units), got {rk.shape}")
    u = rk.shape[0]
    if kernel.shape != (D, n_gates * u):
        raise ValueError(f"{op}: kernel must have shape (features, {n_gates}*units) "
                         f"= {(D, n_gates * u)}, got {kernel.shape}")
    dtype = kernel.dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: kernel must be float32 or float64, got {dtype}")
    if x.dtype.kind in "biu":
        xd = np.ascontiguousarray(x.data, dtype=dtype)
    else:
        xd = _float_array(op, "x", x, dtype)
    Kd = _float_array(op, "kernel", kernel, dtype)
    Ud = _float_array(op, "recurrent_kernel", rk, dtype)
    return (x, kernel, rk), (xd, Kd, Ud), (N, T, D, u), dtype


def _bias(op, bias, shape, dtype):
    """(Tensor or None, contiguous array or None) for the bias."""
    if bias is None:
        return None, None
    bias = as_tensor(bias)
    if bias.shape != shape:
        raise ValueError(f"{op}: bias must have shape {shape}, got {bias.shape}")
    return bias, _float_array(op, "bias", bias, dtype)


def _states(op, initial_state, n_states, N, u, dtype):
    """(Tensors, arrays) of the initial states, or ((), [None] * n_states)."""
    if initial_state is None:
        return (), [None] * n_states
    if isinstance(initial_state, (list, tuple)):
        states = list(initial_state)
    else:
        states = [initial_state]
    if len(states) != n_states:
        raise ValueError(f"{op}: initial_state must be a list of {n_states} "
                         f"state(s) of shape {(N, u)}, got {len(states)}")
    tensors = tuple(as_tensor(s) for s in states)
    arrays = []
    for i, s in enumerate(tensors):
        if s.shape != (N, u):
            raise ValueError(f"{op}: initial_state[{i}] must have shape "
                             f"(batch, units) = {(N, u)}, got {s.shape}")
        arrays.append(_float_array(op, f"initial_state[{i}]", s, dtype))
    return tensors, arrays


def _mask(op, mask, N, T, go_backwards):
    """(uint8 mask by time, int64 first processed step per row) or (None, None)."""
    if mask is None:
        return None, None
    m = as_array(mask)
    if m.shape != (N, T):
        raise ValueError(f"{op}: mask must have shape (batch, timesteps) = "
                         f"{(N, T)}, got {m.shape}")
    m = np.ascontiguousarray(m if m.dtype == np.bool_ else m != 0)
    if m.all():
        return None, None
    steps = m[:, ::-1] if go_backwards else m
    first = np.where(steps.any(axis=1), steps.argmax(axis=1), T).astype(np.int64)
    return m.view(np.uint8), first


def _project(xd, Kd, N, T, G):
    """x @ kernel for every timestep at once: (N, T, G)."""
    gates = np.empty((N, T, G), dtype=Kd.dtype)
    matmul(xd.reshape(N * T, xd.shape[2]), Kd, out=gates.reshape(N * T, G))
    return gates


def _scratch_like(a):
    """A reused per-thread array shaped like `a` (gate gradients live only
    inside a backward pass)."""
    return workspace("rnn_dgates", a.size, a.dtype).reshape(a.shape)


def _views(buf, shapes):
    """Consecutive C-contiguous views of the flat `buf` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(buf[start:start + size].reshape(shape))
        start += size
    return views


def _packed(dtype, shapes):
    """One flat buffer for all outputs, and its views."""
    buf = np.empty(sum(int(np.prod(s)) for s in shapes), dtype=dtype)
    return buf, _views(buf, shapes)


def _unpack(g, shapes, dtype):
    """Split the gradient of a packed buffer like `_packed` split the buffer."""
    return _views(np.ascontiguousarray(g, dtype=dtype), shapes)


def _piece(core, start, shape):
    """The part of the packed result `core` at `start` as its own Tensor."""
    size = int(np.prod(shape))
    total = core.data.size

    def backward(g):
        full = np.zeros(total, dtype=core.dtype)
        full[start:start + size] = g.reshape(-1)
        return (full,)

    return output(core.data[start:start + size].reshape(shape), (core,), backward)


def _outputs(packed, shapes, inputs, backward):
    """Record the whole op once on the packed result, then split it."""
    core = output(packed, inputs, backward)
    starts = np.cumsum([0] + [int(np.prod(s)) for s in shapes[:-1]])
    return tuple(_piece(core, int(a), s) for a, s in zip(starts, shapes))


def _projection_grads(x, kernel, xd, Kd, dg2):
    """dx = dgates @ kernel^T and dkernel = x^T @ dgates, when needed."""
    N, T, D = xd.shape
    dx = matmul(dg2, Kd.T).reshape(N, T, D) if x.requires_grad else None
    dK = matmul(xd.reshape(N * T, D).T, dg2) if kernel.requires_grad else None
    return dx, dK


def _flat(a):
    return a.reshape(a.shape[0] * a.shape[1], a.shape[2])


def lstm(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
         go_backwards=False, return_sequences=False, activation="tanh",
         recurrent_activation="sigmoid"):
    """LSTM over a whole sequence -> (output, h_T, c_T), as tf-keras's LSTM.

    x (N, T, D); kernel (D, 4u); recurrent_kernel (u, 4u); bias (4u,) or None;
    initial_state None (zeros) or [h0, c0] each (N, u); mask None or (N, T).
    output is (N, T, u) with return_sequences, else the last output (N, u).
    """
    op = "lstm"
    (x, kernel, rk), (xd, Kd, Ud), (N, T, D, u), dtype = _prepare(
        op, x, kernel, recurrent_kernel, 4)
    G = 4 * u
    bias, bd = _bias(op, bias, (G,), dtype)
    states, (h0, c0) = _states(op, initial_state, 2, N, u, dtype)
    act = _activation(op, "activation", activation)
    ract = _activation(op, "recurrent_activation", recurrent_activation)
    m, first = _mask(op, mask, N, T, go_backwards)

    gates = _project(xd, Kd, N, T, G)
    hprev, cprev, actc = (np.empty((N, T, u), dtype=dtype) for _ in range(3))
    shapes = [(N, T, u) if return_sequences else (N, u), (N, u), (N, u)]
    packed, (y, hT, cT) = _packed(dtype, shapes)
    flags = (go_backwards, return_sequences, act, ract)
    _k.lstm_forward(gates, bd, Ud, h0, c0, hprev, cprev, actc, y, hT, cT,
                    m, first, *flags)
    inputs = (x, kernel, rk) + ((bias,) if bias is not None else ()) + states

    def backward(g):
        gy, ghT, gcT = _unpack(g, shapes, dtype)
        dgates = _scratch_like(gates)
        dh0 = np.empty((N, u), dtype=dtype)
        dc0 = np.empty((N, u), dtype=dtype)
        _k.lstm_backward(gates, cprev, actc, Ud, gy, ghT,
                         gcT, dgates, dh0, dc0, m, first, *flags)
        dg2 = _flat(dgates)
        dx, dK = _projection_grads(x, kernel, xd, Kd, dg2)
        dU = matmul(_flat(hprev).T, dg2) if rk.requires_grad else None
        grads = (dx, dK, dU)
        if bias is not None:
            grads += (dg2.sum(axis=0) if bias.requires_grad else None,)
        return grads + ((dh0, dc0) if states else ())

    return _outputs(packed, shapes, inputs, backward)


def gru(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
        go_backwards=False, return_sequences=False, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True):
    """GRU over a whole sequence -> (output, h_T), as tf-keras's GRU.

    kernel (D, 3u), recurrent_kernel (u, 3u), gates z, r, h; h = z*h_prev +
    (1-z)*hh.  reset_after=True: bias (2, 3u) (input, recurrent), hh =
    act(x_h + r*(h_prev @ U_h + br_h)); reset_after=False: bias (3u,),
    hh = act(x_h + (r*h_prev) @ U_h).  initial_state None, h0 or [h0].
    """
    op = "gru"
    (x, kernel, rk), (xd, Kd, Ud), (N, T, D, u), dtype = _prepare(
        op, x, kernel, recurrent_kernel, 3)
    G = 3 * u
    bias, bd = _bias(op, bias, (2, G) if reset_after else (G,), dtype)
    bx, br = (bd[0], bd[1]) if reset_after and bd is not None else (bd, None)
    states, (h0,) = _states(op, initial_state, 1, N, u, dtype)
    act = _activation(op, "activation", activation)
    ract = _activation(op, "recurrent_activation", recurrent_activation)
    m, first = _mask(op, mask, N, T, go_backwards)

    gates = _project(xd, Kd, N, T, G)
    hprev = np.empty((N, T, u), dtype=dtype)
    hrec = np.empty((N, T, u), dtype=dtype)
    work = np.empty((N, G), dtype=dtype)
    shapes = [(N, T, u) if return_sequences else (N, u), (N, u)]
    packed, (y, hT) = _packed(dtype, shapes)
    flags = (bool(reset_after), go_backwards, return_sequences, act, ract)
    _k.gru_forward(gates, bx, br, Ud, h0, hprev, hrec, work, y, hT, m, first, *flags)
    inputs = (x, kernel, rk) + ((bias,) if bias is not None else ()) + states

    def backward(g):
        gy, ghT = _unpack(g, shapes, dtype)
        dgates = _scratch_like(gates)
        drh = np.empty((N, T, u), dtype=dtype) if reset_after else None
        dh0 = np.empty((N, u), dtype=dtype)
        _k.gru_backward(gates, hprev, hrec, Ud, gy, ghT,
                        dgates, drh, np.empty((N, G), dtype=dtype), dh0, m, first,
                        *flags)
        dg2 = _flat(dgates)
        dx, dK = _projection_grads(x, kernel, xd, Kd, dg2)
        dU = None
        if rk.requires_grad:
            # z, r columns see h_prev; the h column sees h_prev (its gradient
            # drh) with reset_after, r*h_prev (saved in hrec) otherwise.
            dU = np.empty((u, G), dtype=dtype)
            np.matmul(_flat(hprev).T, dg2[:, :2 * u], out=dU[:, :2 * u])
            if reset_after:
                np.matmul(_flat(hprev).T, _flat(drh), out=dU[:, 2 * u:])
            else:
                np.matmul(_flat(hrec).T, dg2[:, 2 * u:], out=dU[:, 2 * u:])
        grads = (dx, dK, dU)
        if bias is not None:
            db = None
            if bias.requires_grad:
                db = dg2.sum(axis=0)
                if reset_after:
                    db = np.stack([db, np.concatenate(
                        [db[:2 * u], _flat(drh).sum(axis=0)])])
            grads += (db,)
        return grads + ((dh0,) if states else ())

    return _outputs(packed, shapes, inputs, backward)


def simple_rnn(x, kernel, recurrent_kernel, bias=None, initial_state=None,
               mask=None, go_backwards=False, return_sequences=False,
               activation="tanh"):
    """SimpleRNN over a whole sequence -> (output, h_T), as tf-keras's SimpleRNN.

    h = act(x @ kernel + bias + h_prev @ recurrent_kernel); kernel (D, u),
    recurrent_kernel (u, u), bias (u,); initial_state None, h0 or [h0].
    """
    op = "simple_rnn"
    (x, kernel, rk), (xd, Kd, Ud), (N, T, D, u), dtype = _prepare(
        op, x, kernel, recurrent_kernel, 1)
    bias, bd = _bias(op, bias, (u,), dtype)
    states, (h0,) = _states(op, initial_state, 1, N, u, dtype)
    act = _activation(op, "activation", activation)
    m, first = _mask(op, mask, N, T, go_backwards)

    gates = _project(xd, Kd, N, T, u)
    hprev = np.empty((N, T, u), dtype=dtype)
    shapes = [(N, T, u) if return_sequences else (N, u), (N, u)]
    packed, (y, hT) = _packed(dtype, shapes)
    flags = (go_backwards, return_sequences, act)
    _k.simple_rnn_forward(gates, bd, Ud, h0, hprev, y, hT, m, first, *flags)
    inputs = (x, kernel, rk) + ((bias,) if bias is not None else ()) + states

    def backward(g):
        gy, ghT = _unpack(g, shapes, dtype)
        dgates = _scratch_like(gates)
        dh0 = np.empty((N, u), dtype=dtype)
        _k.simple_rnn_backward(gates, Ud, gy, ghT, dgates,
                               dh0, m, first, *flags)
        dg2 = _flat(dgates)
        dx, dK = _projection_grads(x, kernel, xd, Kd, dg2)
        dU = matmul(_flat(hprev).T, dg2) if rk.requires_grad else None
        grads = (dx, dK, dU)
        if bias is not None:
            grads += (dg2.sum(axis=0) if bias.requires_grad else None,)
        return grads + ((dh0,) if states else ())

    return _outputs(packed, shapes, inputs, backward)


def lstm_gates(z, c_prev=None, activation="tanh", recurrent_activation="sigmoid"):
    """One LSTM step from its pre-activations -> (h, c), every position
    independent: ConvLSTM's gate step, whose products are convolutions.

    z (..., 4u) holds the summed input and recurrent products and bias of
    gates i, f, c, o; c_prev (..., u) the carry, None for zeros.
    c = sigma(z_f)*c_prev + sigma(z_i)*act(z_c), h = sigma(z_o)*act(c),
    sigma being `recurrent_activation` and act `activation`.
    """
    op = "lstm_gates"
    z = as_tensor(z)
    dtype = z.dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: z must be float32 or float64, got {dtype}")
    if z.ndim < 1 or z.shape[-1] < 4 or z.shape[-1] % 4:
        raise ValueError(f"{op}: z must have a last dimension of 4*units, got shape "
                         f"{z.shape}")
    u = z.shape[-1] // 4
    shape = z.shape[:-1] + (u,)
    inputs, cd = (z,), None
    if c_prev is not None:
        c_prev = as_tensor(c_prev)
        if c_prev.shape != shape:
            raise ValueError(f"{op}: c_prev must have shape {shape} (z's with units "
                             f"last), got {c_prev.shape}")
        cd = _float_array(op, "c_prev", c_prev, dtype).reshape(-1, u)
        inputs += (c_prev,)
    act = _activation(op, "activation", activation)
    ract = _activation(op, "recurrent_activation", recurrent_activation)
    zd = _float_array(op, "z", z, dtype).reshape(-1, 4 * u)
    M = zd.shape[0]
    a = np.empty((M, 4 * u), dtype=dtype)
    actc = np.empty((M, u), dtype=dtype)
    packed, (h, c) = _packed(dtype, [(M, u), (M, u)])
    _k.lstm_gates_forward(zd, cd, a, c, actc, h, act, ract)

    def backward(g):
        gh, gc = _unpack(g, [(M, u), (M, u)], dtype)
        dz = np.empty((M, 4 * u), dtype=dtype)
        dcp = np.empty((M, u), dtype=dtype)
        _k.lstm_gates_backward(a, cd, actc, gh, gc, dz, dcp, act, ract)
        grads = (dz.reshape(z.shape),)
        return grads + ((dcp.reshape(shape),) if cd is not None else ())

    return _outputs(packed, [shape, shape], inputs, backward)
