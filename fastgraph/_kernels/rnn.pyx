"""Recurrent time loops (csrc/rnn.c): LSTM, GRU and SimpleRNN, forward and
backward through time, and the LSTM gate step of ConvLSTM, for float32 and
float64.

Buffers are batch-major (N, T, width) and indexed by time; see csrc/rnn.h.
Every array is checked (dtype, shape, C-contiguity) before the C call.
"""
cimport numpy as cnp
from libc.stdint cimport int64_t

from .checks cimport ANY_FLOAT, array, data, like, writeable

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
    void fg_lstm_gates_forward_f32(fg_idx M, fg_idx u, int act, int rec_act,
                                   const float *z, const float *c_prev, float *a,
                                   float *c, float *actc, float *h) nogil
    void fg_lstm_gates_forward_f64(fg_idx M, fg_idx u, int act, int rec_act,
                                   const double *z, const double *c_prev, double *a,
                                   double *c, double *actc, double *h) nogil
    void fg_lstm_gates_backward_f32(fg_idx M, fg_idx u, int act, int rec_act,
                                    const float *a, const float *c_prev,
                                    const float *actc, const float *dh, const float *dc,
                                    float *dz, float *dc_prev) nogil
    void fg_lstm_gates_backward_f64(fg_idx M, fg_idx u, int act, int rec_act,
                                    const double *a, const double *c_prev,
                                    const double *actc, const double *dh, const double *dc,
                                    double *dz, double *dc_prev) nogil

# Activation name -> C enum (csrc/rnn.h); every derivative is taken from the output.
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "hard_sigmoid": 3,
               "relu": 4, "softsign": 5, "softplus": 6, "elu": 7, "selu": 8,
               "exponential": 9}


cdef void *_buf(str fn, str name, object a, object gates, tuple shape,
                bint optional=False, bint written=False,
                str ref="gates") except? NULL:
    """Data pointer of `a`, checked to be an array of the dtype of `gates`
    (named `ref`) and of `shape` (and writeable when the kernel writes it);
    NULL for an optional None."""
    if a is None and optional:
        return NULL
    like(fn, name, a, gates, ref, shape)
    if written:
        writeable(fn, name, a)
    return data(a)


cdef int _gates(str fn, object gates, bint written) except -1:
    """Check the (N, T, G) gates array; returns its NumPy type number."""
    cdef int t = array(fn, "gates", gates, ANY_FLOAT, 3)
    if written:
        writeable(fn, "gates", gates)
    return t


cdef int _activation_codes(str fn, int act, int rec_act) except -1:
    for name, kind in (("act", act), ("rec_act", rec_act)):
        if not 0 <= kind < len(ACTIVATIONS):
            raise ValueError(f"{fn}: {name} must be an activation code in "
                             f"[0, {len(ACTIVATIONS)}), got {kind}")
    return 0


cdef int _config(fg_rnn_cfg *cfg, str fn, tuple shape, fg_idx u, object mask,
                 object first, bint go_backwards, bint return_sequences,
                 int act, int rec_act) except -1:
    cdef fg_idx N = shape[0], T = shape[1]
    if T < 1 or u < 1:
        raise ValueError(f"{fn}: need at least one timestep and one unit, got "
                         f"T={T}, u={u}")
    _activation_codes(fn, act, rec_act)
    cfg.N = N
    cfg.T = T
    cfg.u = u
    cfg.go_backwards = go_backwards
    cfg.return_sequences = return_sequences
    cfg.act = act
    cfg.rec_act = rec_act
    cfg.mask = NULL
    cfg.first = NULL
    if mask is not None:
        array(fn, "mask", mask, cnp.NPY_UINT8, (N, T))
        cfg.mask = <const unsigned char *>data(mask)
    if first is not None:
        array(fn, "first", first, cnp.NPY_INT64, (N,))
        cfg.first = <const int64_t *>data(first)
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
    cdef int t = _gates(fn, gates, True)
    N, T, G = gates.shape
    if G % 4:
        raise ValueError(f"{fn}: gates last dimension must be 4*units, got {G}")
    cdef fg_idx u = G // 4
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    ys = _y_shape(N, T, u, return_sequences)
    cdef void *pg = data(gates)
    cdef void *pb = _buf(fn, "bias", bias, gates, (G,), True)
    cdef void *pU = _buf(fn, "U", U, gates, (u, G))
    cdef void *ph0 = _buf(fn, "h0", h0, gates, nu, True)
    cdef void *pc0 = _buf(fn, "c0", c0, gates, nu, True)
    cdef void *php = _buf(fn, "hprev", hprev, gates, ntu, False, True)
    cdef void *pcp = _buf(fn, "cprev", cprev, gates, ntu, False, True)
    cdef void *pac = _buf(fn, "actc", actc, gates, ntu, False, True)
    cdef void *py = _buf(fn, "y", y, gates, ys, False, True)
    cdef void *phT = _buf(fn, "hT", hT, gates, nu, False, True)
    cdef void *pcT = _buf(fn, "cT", cT, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
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
    cdef int t = _gates(fn, gates, False)
    N, T, G = gates.shape
    if G % 4:
        raise ValueError(f"{fn}: gates last dimension must be 4*units, got {G}")
    cdef fg_idx u = G // 4
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    ys = _y_shape(N, T, u, return_sequences)
    cdef void *pg = data(gates)
    cdef void *pcp = _buf(fn, "cprev", cprev, gates, ntu, False, True)
    cdef void *pac = _buf(fn, "actc", actc, gates, ntu, False, True)
    cdef void *pU = _buf(fn, "U", U, gates, (u, G))
    cdef void *pdy = _buf(fn, "dy", dy, gates, ys)
    cdef void *pdhT = _buf(fn, "dhT", dhT, gates, nu, True)
    cdef void *pdcT = _buf(fn, "dcT", dcT, gates, nu, True)
    cdef void *pdg = _buf(fn, "dgates", dgates, gates, (N, T, G), False, True)
    cdef void *pdh0 = _buf(fn, "dh0", dh0, gates, nu, False, True)
    cdef void *pdc0 = _buf(fn, "dc0", dc0, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
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
    cdef int t = _gates(fn, gates, True)
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
    ys = _y_shape(N, T, u, return_sequences)
    cdef int ra = reset_after
    cdef void *pg = data(gates)
    cdef void *pbx = _buf(fn, "bx", bx, gates, (G,), True)
    cdef void *pbr = _buf(fn, "br", br, gates, (G,), True)
    cdef void *pU = _buf(fn, "U", U, gates, (u, G))
    cdef void *ph0 = _buf(fn, "h0", h0, gates, nu, True)
    cdef void *php = _buf(fn, "hprev", hprev, gates, ntu, False, True)
    cdef void *phr = _buf(fn, "hrec", hrec, gates, ntu, False, True)
    cdef void *pw = _buf(fn, "work", work, gates, (N, G), False, True)
    cdef void *py = _buf(fn, "y", y, gates, ys, False, True)
    cdef void *phT = _buf(fn, "hT", hT, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
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
    cdef int t = _gates(fn, gates, False)
    N, T, G = gates.shape
    if G % 3:
        raise ValueError(f"{fn}: gates last dimension must be 3*units, got {G}")
    cdef fg_idx u = G // 3
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, rec_act)
    nu, ntu = (N, u), (N, T, u)
    ys = _y_shape(N, T, u, return_sequences)
    cdef int ra = reset_after
    cdef void *pg = data(gates)
    cdef void *php = _buf(fn, "hprev", hprev, gates, ntu, False, True)
    cdef void *phr = _buf(fn, "hrec", hrec, gates, ntu, False, True)
    cdef void *pU = _buf(fn, "U", U, gates, (u, G))
    cdef void *pdy = _buf(fn, "dy", dy, gates, ys)
    cdef void *pdhT = _buf(fn, "dhT", dhT, gates, nu, True)
    cdef void *pdg = _buf(fn, "dgates", dgates, gates, (N, T, G), False, True)
    cdef void *pdrh = _buf(fn, "drh", drh, gates, ntu, not reset_after, True)
    cdef void *pw = _buf(fn, "work", work, gates, (N, G), False, True)
    cdef void *pdh0 = _buf(fn, "dh0", dh0, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
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
    cdef int t = _gates(fn, gates, True)
    N, T, u_ = gates.shape
    cdef fg_idx u = u_
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, 0)
    nu, ntu = (N, u), (N, T, u)
    ys = _y_shape(N, T, u, return_sequences)
    cdef void *pg = data(gates)
    cdef void *pb = _buf(fn, "bias", bias, gates, (u,), True)
    cdef void *pU = _buf(fn, "U", U, gates, (u, u))
    cdef void *ph0 = _buf(fn, "h0", h0, gates, nu, True)
    cdef void *php = _buf(fn, "hprev", hprev, gates, ntu, False, True)
    cdef void *py = _buf(fn, "y", y, gates, ys, False, True)
    cdef void *phT = _buf(fn, "hT", hT, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
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
    cdef int t = _gates(fn, gates, False)
    N, T, u_ = gates.shape
    cdef fg_idx u = u_
    cdef fg_rnn_cfg cfg
    cdef int rc = 0
    _config(&cfg, fn, (N, T), u, mask, first, go_backwards, return_sequences, act, 0)
    nu, ntu = (N, u), (N, T, u)
    ys = _y_shape(N, T, u, return_sequences)
    cdef void *pg = data(gates)
    cdef void *pU = _buf(fn, "U", U, gates, (u, u))
    cdef void *pdy = _buf(fn, "dy", dy, gates, ys)
    cdef void *pdhT = _buf(fn, "dhT", dhT, gates, nu, True)
    cdef void *pdg = _buf(fn, "dgates", dgates, gates, ntu, False, True)
    cdef void *pdh0 = _buf(fn, "dh0", dh0, gates, nu, False, True)
    if t == cnp.NPY_FLOAT:
        with nogil:
            rc = fg_simple_rnn_backward_f32(&cfg, <float *>pg, <float *>pU, <float *>pdy,
                                            <float *>pdhT, <float *>pdg, <float *>pdh0)
    else:
        with nogil:
            rc = fg_simple_rnn_backward_f64(&cfg, <double *>pg, <double *>pU, <double *>pdy,
                                            <double *>pdhT, <double *>pdg, <double *>pdh0)
    if rc:
        raise MemoryError(f"{fn}: out of memory")


cdef fg_idx _gate_units(str fn, object z, str name) except -1:
    """Units u of the (M, 4u) array `z`."""
    G = z.shape[1]
    if G % 4 or G == 0:
        raise ValueError(f"{fn}: {name} last dimension must be 4*units, got {G}")
    return G // 4


def lstm_gates_forward(z, c_prev, a, c, actc, h, int act, int rec_act):
    """One LSTM step over the rows of z (M, 4u), the pre-activations of
    gates i, f, c, o, and c_prev (M, u) or None (zeros): fills a (M, 4u),
    c, actc and h (M, u)."""
    cdef str fn = "lstm_gates_forward"
    cdef int t = array(fn, "z", z, ANY_FLOAT, 2)
    cdef fg_idx u = _gate_units(fn, z, "z")
    cdef fg_idx M = z.shape[0]
    _activation_codes(fn, act, rec_act)
    mu = (M, u)
    cdef void *pz = data(z)
    cdef void *pcp = _buf(fn, "c_prev", c_prev, z, mu, True, False, "z")
    cdef void *pa = _buf(fn, "a", a, z, (M, 4 * u), False, True, "z")
    cdef void *pc = _buf(fn, "c", c, z, mu, False, True, "z")
    cdef void *pac = _buf(fn, "actc", actc, z, mu, False, True, "z")
    cdef void *ph = _buf(fn, "h", h, z, mu, False, True, "z")
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_lstm_gates_forward_f32(M, u, act, rec_act, <float *>pz, <float *>pcp,
                                      <float *>pa, <float *>pc, <float *>pac, <float *>ph)
    else:
        with nogil:
            fg_lstm_gates_forward_f64(M, u, act, rec_act, <double *>pz, <double *>pcp,
                                      <double *>pa, <double *>pc, <double *>pac,
                                      <double *>ph)


def lstm_gates_backward(a, c_prev, actc, dh, dc, dz, dc_prev, int act, int rec_act):
    """Backward of lstm_gates_forward: from a (M, 4u), c_prev (M, u) or
    None, actc, dh and dc (M, u), fills dz (M, 4u) and dc_prev (M, u)."""
    cdef str fn = "lstm_gates_backward"
    cdef int t = array(fn, "a", a, ANY_FLOAT, 2)
    cdef fg_idx u = _gate_units(fn, a, "a")
    cdef fg_idx M = a.shape[0]
    _activation_codes(fn, act, rec_act)
    mu = (M, u)
    cdef void *pa = data(a)
    cdef void *pcp = _buf(fn, "c_prev", c_prev, a, mu, True, False, "a")
    cdef void *pac = _buf(fn, "actc", actc, a, mu, False, False, "a")
    cdef void *pdh = _buf(fn, "dh", dh, a, mu, False, False, "a")
    cdef void *pdc = _buf(fn, "dc", dc, a, mu, False, False, "a")
    cdef void *pdz = _buf(fn, "dz", dz, a, (M, 4 * u), False, True, "a")
    cdef void *pdcp = _buf(fn, "dc_prev", dc_prev, a, mu, False, True, "a")
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_lstm_gates_backward_f32(M, u, act, rec_act, <float *>pa, <float *>pcp,
                                       <float *>pac, <float *>pdh, <float *>pdc,
                                       <float *>pdz, <float *>pdcp)
    else:
        with nogil:
            fg_lstm_gates_backward_f64(M, u, act, rec_act, <double *>pa, <double *>pcp,
                                       <double *>pac, <double *>pdh, <double *>pdc,
                                       <double *>pdz, <double *>pdcp)
