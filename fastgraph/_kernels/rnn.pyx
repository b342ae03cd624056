"""Recurrent time loops (csrc/rnn.c): LSTM, GRU and SimpleRNN, forward and
backward through time, for float32 and float64.

Buffers are batch-major (N, T, width) and indexed by time; see csrc/rnn.h.
Every array is checked (dtype, shape, C-contiguity) before the C call.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t

cnp.import_array()

cdef extern from "rnn.h":
    ctypedef Py_ssize_t fg_idx
    ctypedef struct fg_rnn_cfg:
        fg_idx N, T, u
        int go_backwards, return_sequences, act, rec_act
        const unsigned char *mask
        const int64_t *first

    int fg_lstm_forward_f32(const fg_rnn_cfg *cfg, float *gates, const float *bias,
                            const float *U, const float *h0, const float *c0,
                            float *hprev, float *cprev, float *actc,
                            float *y, float *hT, float *cT) nogil
    int fg_lstm_forward_f64(const fg_rnn_cfg *cfg, double *gates, const double *bias,
                            const double *U, const double *h0, const double *c0,
                            double *hprev, double *cprev, double *actc,
                            double *y, double *hT, double *cT) nogil
    int fg_lstm_backward_f32(const fg_rnn_cfg *cfg, const float *gates,
                             const float *cprev, const float *actc, const float *U,
                             const float *dy, const float *dhT, const float *dcT,
                             float *dgates, float *dh0, float *dc0) nogil
    int fg_lstm_backward_f64(const fg_rnn_cfg *cfg, const double *gates,
                             const double *cprev, const double *actc, const double *U,
                             const double *dy, const double *dhT, const double *dcT,
                             double *dgates, double *dh0, double *dc0) nogil
    int fg_gru_forward_f32(const fg_rnn_cfg *cfg, int reset_after, float *gates,
                           const float *bx, const float *br, const float *U,
                           const float *h0, float *hprev, float *hrec, float *work,
                           float *y, float *hT) nogil
    int fg_gru_forward_f64(const fg_rnn_cfg *cfg, int reset_after, double *gates,
                           const double *bx, const double *br, const double *U,
                           const double *h0, double *hprev, double *hrec, double *work,
                           double *y, double *hT) nogil
    int fg_gru_backward_f32(const fg_rnn_cfg *cfg, int reset_after,
                            const float *gates, const float *hprev, const float *hrec,
                            const float *U, const float *dy, const float *dhT,
                            float *dgates, float *drh, float *work, float *dh0) nogil
    int fg_gru_backward_f64(const fg_rnn_cfg *cfg, int reset_after,
                            const double *gates, const double *hprev, const double *hrec,
                            const double *U, const double *dy, const double *dhT,
                            double *dgates, double *drh, double *work, double *dh0) nogil
    int fg_simple_rnn_forward_f32(const fg_rnn_cfg *cfg, float *gates, const float *bias,
                                  const float *U, const float *h0, float *hprev,
                                  float *y, float *hT) nogil
    int fg_simple_rnn_forward_f64(const fg_rnn_cfg *cfg, double *gates, const double *bias,
                                  const double *U, const double *h0, double *hprev,
                                  double *y, double *hT) nogil
    int fg_simple_rnn_backward_f32(const fg_rnn_cfg *cfg, const float *gates,
                                   const float *U, const float *dy, const float *dhT,
                                   float *dgates, float *dh0) nogil
    int fg_simple_rnn_backward_f64(const fg_rnn_cfg *cfg, const double *gates,
                                   const double *U, const double *dy, const double *dhT,
                                   double *dgates, double *dh0) nogil

# Activation name -> C enum (csrc/rnn.h); every derivative is taken from the output.
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "hard_sigmoid": 3,
               "relu": 4, "softsign": 5, "softplus": 6, "elu": 7, "selu": 8,
               "exponential": 9}


cdef void *_ptr(str fn, str name, object a, object dtype, tuple shape,
                bint optional=False) except? NULL:
    """Data pointer of `a` after checking it, or NULL for an optional None."""
    if a is None:
        if optional:
            return NULL
        raise TypeError(f"{fn}: {name} must be an array, got None")
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != dtype:
        raise TypeError(f"{fn}: {name} must have dtype {np.dtype(dtype).name}, "
                        f"got {a.dtype}")
    if a.shape != shape:
        raise ValueError(f"{fn}: {name} must have shape {shape}, got {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")
    return cnp.PyArray_DATA(<cnp.ndarray>a)


cdef object _float_dtype(str fn, object gates):
    if not isinstance(gates, np.ndarray):
        raise TypeError(f"{fn}: gates must be a numpy array, got {type(gates).__name__}")
    if gates.dtype != np.float32 and gates.dtype != np.float64:
        raise TypeError(f"{fn}: gates must be float32 or float64, got {gates.dtype}")
    if gates.ndim != 3:
        raise ValueError(f"{fn}: gates must be 3-D (N, T, G), got shape {gates.shape}")
    return gates.dtype


cdef int _config(fg_rnn_cfg *cfg, str fn, tuple shape, fg_idx u, object mask,
                 object first, bint go_backwards, bint return_sequences,
                 int act, int rec_act) except -1:
    cdef fg_idx N = shape[0], T = shape[1]
    if T < 1 or u < 1:
        raise ValueError(f"{fn}: need at least one timestep and one unit, got "
                         f"T={T}, u={u}")
    for name, kind in (("act", act), ("rec_act", rec_act)):
        if not 0 <= kind < len(ACTIVATIONS):
            raise ValueError(f"{fn}: {name} must be an activation code in "
                             f"[0, {len(ACTIVATIONS)}), got {kind}")
    cfg.N = N
    cfg.T = T
    cfg.u = u
    cfg.go_backwards = go_backwards
    cfg.return_sequences = return_sequences
    cfg.act = act
    cfg.rec_act = rec_act
    cfg.mask = <const unsigned char *>_ptr(fn, "mask", mask, np.uint8, (N, T), True)
    cfg.first = <const int64_t *>_ptr(fn, "first", first, np.int64, (N,), True)
    if (cfg.mask == NULL) != (cfg.first == NULL):
        raise ValueError(f"{fn}: mask and first must be given together")
    return 0


def _y_shape(N, T, u, return_sequences):
    return (N, T, u) if return_sequences else (N, u)


def lstm_forward(gates, bias, U, h0, c0, hprev, cprev, actc, y, hT, cT,
                 mask, first, bint go_backwards, bint return_sequences,
                 int act, int rec_act):
    """LSTM forward time loop; gates (N,T,4u) holds x @ kernel and becomes the
    gate activations; fills hprev, cprev, actc (N,T,u), y, hT, cT."""
    cdef str fn = "lstm_forward"
    dt = _float_dtype(fn, gates)
    N, T, G = gates.shape
    if G % 4:
        raise ValueError(f"{fn}: gates last dimension must be 4*units, got {G}")
    cdef fg_idx u = G // 4
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    cdef void *pg = _ptr(fn, "gates", gates, dt, (N, T, G))
    cdef void *pb = _ptr(fn, "bias", bias, dt, (G,), True)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, G))
    cdef void *ph0 = _ptr(fn, "h0", h0, dt, nu, True)
    cdef void *pc0 = _ptr(fn, "c0", c0, dt, nu, True)
    cdef void *php = _ptr(fn, "hprev", hprev, dt, ntu)
    cdef void *pcp = _ptr(fn, "cprev", cprev, dt, ntu)
    cdef void *pac = _ptr(fn, "actc", actc, dt, ntu)
    cdef void *py = _ptr(fn, "y", y, dt, _y_shape(N, T, u, return_sequences))
    cdef void *phT = _ptr(fn, "hT", hT, dt, nu)
    cdef void *pcT = _ptr(fn, "cT", cT, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_lstm_forward_f32(&cfg, <float *>pg, <float *>pb, <float *>pU,
                                     <float *>ph0, <float *>pc0, <float *>php, <float *>pcp,
                                     <float *>pac, <float *>py, <float *>phT, <float *>pcT)
    else:
        with nogil:
            rc = fg_lstm_forward_f64(&cfg, <double *>pg, <double *>pb, <double *>pU,
                                     <double *>ph0, <double *>pc0, <double *>php, <double *>pcp,
                                     <double *>pac, <double *>py, <double *>phT, <double *>pcT)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


def lstm_backward(gates, cprev, actc, U, dy, dhT, dcT, dgates, dh0, dc0,
                  mask, first, bint go_backwards, bint return_sequences,
                  int act, int rec_act):
    """LSTM backward through time: fills dgates (N,T,4u, pre-activation), dh0, dc0."""
    cdef str fn = "lstm_backward"
    dt = _float_dtype(fn, gates)
    N, T, G = gates.shape
    if G % 4:
        raise ValueError(f"{fn}: gates last dimension must be 4*units, got {G}")
    cdef fg_idx u = G // 4
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    cdef void *pg = _ptr(fn, "gates", gates, dt, (N, T, G))
    cdef void *pcp = _ptr(fn, "cprev", cprev, dt, ntu)
    cdef void *pac = _ptr(fn, "actc", actc, dt, ntu)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, G))
    cdef void *pdy = _ptr(fn, "dy", dy, dt, _y_shape(N, T, u, return_sequences))
    cdef void *pdhT = _ptr(fn, "dhT", dhT, dt, nu, True)
    cdef void *pdcT = _ptr(fn, "dcT", dcT, dt, nu, True)
    cdef void *pdg = _ptr(fn, "dgates", dgates, dt, (N, T, G))
    cdef void *pdh0 = _ptr(fn, "dh0", dh0, dt, nu)
    cdef void *pdc0 = _ptr(fn, "dc0", dc0, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_lstm_backward_f32(&cfg, <float *>pg, <float *>pcp, <float *>pac,
                                      <float *>pU, <float *>pdy, <float *>pdhT, <float *>pdcT,
                                      <float *>pdg, <float *>pdh0, <float *>pdc0)
    else:
        with nogil:
            rc = fg_lstm_backward_f64(&cfg, <double *>pg, <double *>pcp, <double *>pac,
                                      <double *>pU, <double *>pdy, <double *>pdhT, <double *>pdcT,
                                      <double *>pdg, <double *>pdh0, <double *>pdc0)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


def gru_forward(gates, bx, br, U, h0, hprev, hrec, work, y, hT, mask, first,
                bint reset_after, bint go_backwards, bint return_sequences,
                int act, int rec_act):
    """GRU forward time loop; gates (N,T,3u) holds x @ kernel and becomes the
    activations z, r, hh; fills hprev, hrec (N,T,u), y, hT; work is (N,3u)."""
    cdef str fn = "gru_forward"
    dt = _float_dtype(fn, gates)
    N, T, G = gates.shape
    if G % 3:
        raise ValueError(f"{fn}: gates last dimension must be 3*units, got {G}")
    cdef fg_idx u = G // 3
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    if br is not None and not reset_after:
        raise ValueError(f"{fn}: br (recurrent bias) needs reset_after=True")
    nu, ntu = (N, u), (N, T, u)
    cdef int ra = reset_after
    cdef void *pg = _ptr(fn, "gates", gates, dt, (N, T, G))
    cdef void *pbx = _ptr(fn, "bx", bx, dt, (G,), True)
    cdef void *pbr = _ptr(fn, "br", br, dt, (G,), True)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, G))
    cdef void *ph0 = _ptr(fn, "h0", h0, dt, nu, True)
    cdef void *php = _ptr(fn, "hprev", hprev, dt, ntu)
    cdef void *phr = _ptr(fn, "hrec", hrec, dt, ntu)
    cdef void *pw = _ptr(fn, "work", work, dt, (N, G))
    cdef void *py = _ptr(fn, "y", y, dt, _y_shape(N, T, u, return_sequences))
    cdef void *phT = _ptr(fn, "hT", hT, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_gru_forward_f32(&cfg, ra, <float *>pg, <float *>pbx, <float *>pbr,
                                    <float *>pU, <float *>ph0, <float *>php, <float *>phr,
                                    <float *>pw, <float *>py, <float *>phT)
    else:
        with nogil:
            rc = fg_gru_forward_f64(&cfg, ra, <double *>pg, <double *>pbx, <double *>pbr,
                                    <double *>pU, <double *>ph0, <double *>php, <double *>phr,
                                    <double *>pw, <double *>py, <double *>phT)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


def gru_backward(gates, hprev, hrec, U, dy, dhT, dgates, drh, work, dh0,
                 mask, first, bint reset_after, bint go_backwards,
                 bint return_sequences, int act, int rec_act):
    """GRU backward through time: fills dgates (N,T,3u), dh0 and, with
    reset_after, drh (N,T,u) (pass None otherwise); work is (N,3u)."""
    cdef str fn = "gru_backward"
    dt = _float_dtype(fn, gates)
    N, T, G = gates.shape
    if G % 3:
        raise ValueError(f"{fn}: gates last dimension must be 3*units, got {G}")
    cdef fg_idx u = G // 3
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    cdef int ra = reset_after
    cdef void *pg = _ptr(fn, "gates", gates, dt, (N, T, G))
    cdef void *php = _ptr(fn, "hprev", hprev, dt, ntu)
    cdef void *phr = _ptr(fn, "hrec", hrec, dt, ntu)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, G))
    cdef void *pdy = _ptr(fn, "dy", dy, dt, _y_shape(N, T, u, return_sequences))
    cdef void *pdhT = _ptr(fn, "dhT", dhT, dt, nu, True)
    cdef void *pdg = _ptr(fn, "dgates", dgates, dt, (N, T, G))
    cdef void *pdrh = _ptr(fn, "drh", drh, dt, ntu, not reset_after)
    cdef void *pw = _ptr(fn, "work", work, dt, (N, G))
    cdef void *pdh0 = _ptr(fn, "dh0", dh0, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_gru_backward_f32(&cfg, ra, <float *>pg, <float *>php, <float *>phr,
                                     <float *>pU, <float *>pdy, <float *>pdhT, <float *>pdg,
                                     <float *>pdrh, <float *>pw, <float *>pdh0)
    else:
        with nogil:
            rc = fg_gru_backward_f64(&cfg, ra, <double *>pg, <double *>php, <double *>phr,
                                     <double *>pU, <double *>pdy, <double *>pdhT, <double *>pdg,
                                     <double *>pdrh, <double *>pw, <double *>pdh0)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


def simple_rnn_forward(gates, bias, U, h0, hprev, y, hT, mask, first,
                       bint go_backwards, bint return_sequences, int act):
    """SimpleRNN forward time loop; gates (N,T,u) holds x @ kernel and becomes
    the states; fills hprev (N,T,u), y, hT."""
    cdef str fn = "simple_rnn_forward"
    dt = _float_dtype(fn, gates)
    N, T, u_ = gates.shape
    cdef fg_idx u = u_
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, 0)
    nu, ntu = (N, u), (N, T, u)
    cdef void *pg = _ptr(fn, "gates", gates, dt, ntu)
    cdef void *pb = _ptr(fn, "bias", bias, dt, (u,), True)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, u))
    cdef void *ph0 = _ptr(fn, "h0", h0, dt, nu, True)
    cdef void *php = _ptr(fn, "hprev", hprev, dt, ntu)
    cdef void *py = _ptr(fn, "y", y, dt, _y_shape(N, T, u, return_sequences))
    cdef void *phT = _ptr(fn, "hT", hT, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_simple_rnn_forward_f32(&cfg, <float *>pg, <float *>pb, <float *>pU,
                                           <float *>ph0, <float *>php, <float *>py, <float *>phT)
    else:
        with nogil:
            rc = fg_simple_rnn_forward_f64(&cfg, <double *>pg, <double *>pb, <double *>pU,
                                           <double *>ph0, <double *>php, <double *>py,
                                           <double *>phT)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


def simple_rnn_backward(gates, U, dy, dhT, dgates, dh0, mask, first,
                        bint go_backwards, bint return_sequences, int act):
    """SimpleRNN backward through time: fills dgates (N,T,u) and dh0."""
    cdef str fn = "simple_rnn_backward"
    dt = _float_dtype(fn, gates)
    N, T, u_ = gates.shape
    cdef fg_idx u = u_
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, 0)
    nu, ntu = (N, u), (N, T, u)
    cdef void *pg = _ptr(fn, "gates", gates, dt, ntu)
    cdef void *pU = _ptr(fn, "U", U, dt, (u, u))
    cdef void *pdy = _ptr(fn, "dy", dy, dt, _y_shape(N, T, u, return_sequences))
    cdef void *pdhT = _ptr(fn, "dhT", dhT, dt, nu, True)
    cdef void *pdg = _ptr(fn, "dgates", dgates, dt, ntu)
    cdef void *pdh0 = _ptr(fn, "dh0", dh0, dt, nu)
    if dt == np.float32:
        with nogil:
            rc = fg_simple_rnn_backward_f32(&cfg, <float *>pg, <float *>pU, <float *>pdy,
                                            <float *>pdhT, <float *>pdg, <float *>pdh0)
    else:
        with nogil:
            rc = fg_simple_rnn_backward_f64(&cfg, <double *>pg, <double *>pU, <double *>pdy,
                                            <double *>pdhT, <double *>pdg, <double *>pdh0)
    if rc:
        raise MemoryError(f"{fn}: out of memory")
