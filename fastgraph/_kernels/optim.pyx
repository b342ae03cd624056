"""Fused in-place optimizer updates over csrc/optim.c.

Each function updates `param` and its slot arrays in place in one pass
(float32 or float64; every array of the dtype and shape of `param`,
C-contiguous, writeable except `grad`, no two sharing memory).  `grad` is
read only: it is clipped element-wise to [-clipvalue, clipvalue] and then
multiplied by `scale` on the fly.  A slot documented as optional may be None.
"""
cimport numpy as cnp
from libc.math cimport INFINITY
from libc.stdint cimport uint8_t

from .checks cimport (ANY_FLOAT, array, data, data_or_null, fail, like,
                     writeable)

cnp.import_array()

cdef extern from "fg_kernels.h":
    ctypedef Py_ssize_t fg_idx

cdef extern from "optim.h" nogil:
    double fg_optim_sqnorm_f32(const float *g, fg_idx n, double clip)
    double fg_optim_sqnorm_f64(const double *g, fg_idx n, double clip)
    void fg_optim_sgd_f32(float *p, const float *g, fg_idx n, double lr,
                          double clip, double scale)
    void fg_optim_sgd_f64(double *p, const double *g, fg_idx n, double lr,
                          double clip, double scale)
    void fg_optim_momentum_f32(float *p, const float *g, float *mom, fg_idx n,
                               double lr, double momentum, int nesterov,
                               double clip, double scale)
    void fg_optim_momentum_f64(double *p, const double *g, double *mom,
                               fg_idx n, double lr, double momentum,
                               int nesterov, double clip, double scale)
    void fg_optim_rmsprop_f32(float *p, const float *g, float *ms, float *mg,
                              fg_idx n, double lr, double rho, double eps,
                              double clip, double scale)
    void fg_optim_rmsprop_f64(double *p, const double *g, double *ms,
                              double *mg, fg_idx n, double lr, double rho,
                              double eps, double clip, double scale)
    void fg_optim_rmsprop_rows_f32(float *p, const float *g, float *ms,
                                   const uint8_t *touched, fg_idx rows,
                                   fg_idx cols, double lr, double rho,
                                   double eps, double clip)
    void fg_optim_rmsprop_rows_f64(double *p, const double *g, double *ms,
                                   const uint8_t *touched, fg_idx rows,
                                   fg_idx cols, double lr, double rho,
                                   double eps, double clip)
    void fg_optim_rmsprop_momentum_f32(float *p, const float *g, float *ms,
                                       float *mom, float *mg, fg_idx n,
                                       double lr, double rho, double momentum,
                                       double eps, double clip, double scale)
    void fg_optim_rmsprop_momentum_f64(double *p, const double *g, double *ms,
                                       double *mom, double *mg, fg_idx n,
                                       double lr, double rho, double momentum,
                                       double eps, double clip, double scale)
    void fg_optim_adagrad_f32(float *p, const float *g, float *acc, fg_idx n,
                              double lr, double eps, double clip, double scale)
    void fg_optim_adagrad_f64(double *p, const double *g, double *acc,
                              fg_idx n, double lr, double eps, double clip,
                              double scale)
    void fg_optim_adadelta_f32(float *p, const float *g, float *acc,
                               float *upd, fg_idx n, double lr, double rho,
                               double eps, double clip, double scale)
    void fg_optim_adadelta_f64(double *p, const double *g, double *acc,
                               double *upd, fg_idx n, double lr, double rho,
                               double eps, double clip, double scale)
    void fg_optim_adam_f32(float *p, const float *g, float *m, float *v,
                           float *vhat, fg_idx n, double alpha, double b1,
                           double b2, double eps, double clip, double scale)
    void fg_optim_adam_f64(double *p, const double *g, double *m, double *v,
                           double *vhat, fg_idx n, double alpha, double b1,
                           double b2, double eps, double clip, double scale)
    void fg_optim_adamax_f32(float *p, const float *g, float *m, float *v,
                             fg_idx n, double lr_t, double b1, double b2,
                             double eps, double clip, double scale)
    void fg_optim_adamax_f64(double *p, const double *g, double *m, double *v,
                             fg_idx n, double lr_t, double b1, double b2,
                             double eps, double clip, double scale)
    void fg_optim_nadam_f32(float *p, const float *g, float *m, float *v,
                            fg_idx n, double lr, double b1, double b2,
                            double eps, double cg, double cm, double cv,
                            double clip, double scale)
    void fg_optim_nadam_f64(double *p, const double *g, double *m, double *v,
                            fg_idx n, double lr, double b1, double b2,
                            double eps, double cg, double cm, double cv,
                            double clip, double scale)

    void fg_optim_decay_f32(float *p, fg_idx n, double wd, double lr)
    void fg_optim_decay_f64(double *p, fg_idx n, double wd, double lr)
    void fg_optim_ftrl_f32(float *p, const float *g, float *acc, float *lin,
                           fg_idx n, double lr, double lr_power, double l1,
                           double l2, double shrinkage, double clip,
                           double scale)
    void fg_optim_ftrl_f64(double *p, const double *g, double *acc,
                           double *lin, fg_idx n, double lr, double lr_power,
                           double l1, double l2, double shrinkage,
                           double clip, double scale)
    void fg_optim_lion_f32(float *p, const float *g, float *m, fg_idx n,
                           double lr, double b1, double b2, double clip,
                           double scale)
    void fg_optim_lion_f64(double *p, const double *g, double *m, fg_idx n,
                           double lr, double b1, double b2, double clip,
                           double scale)
    int fg_optim_adafactor_f32(float *p, const float *g, float *r, float *col,
                               float *v, fg_idx batch, fg_idx rows,
                               fg_idx cols, double rho, double b2,
                               double eps1, double eps2,
                               double clip_threshold, double clip,
                               double scale)
    int fg_optim_adafactor_f64(double *p, const double *g, double *r,
                               double *col, double *v, fg_idx batch,
                               fg_idx rows, fg_idx cols, double rho,
                               double b2, double eps1, double eps2,
                               double clip_threshold, double clip,
                               double scale)


cdef int _check_all(str op, tuple names, tuple arrays) except -1:
    """Check `arrays` (param, grad, then slots; None for an absent optional
    slot) against `param` and that no two share memory; return the type."""
    cdef str fn = "optim." + op
    cdef int t = array(fn, names[0], arrays[0], ANY_FLOAT)
    writeable(fn, names[0], arrays[0])
    cdef cnp.ndarray param = <cnp.ndarray>arrays[0]
    cdef Py_ssize_t i, j, k = len(arrays)
    for i in range(1, k):
        if arrays[i] is not None:
            like(fn, names[i], arrays[i], param, names[0])
            if i != 1:
                writeable(fn, names[i], arrays[i])
    cdef char *lo_i
    cdef char *lo_j
    cdef Py_ssize_t nbytes = cnp.PyArray_NBYTES(param)
    for i in range(k):
        if arrays[i] is None:
            continue
        lo_i = cnp.PyArray_BYTES(<cnp.ndarray>arrays[i])
        for j in range(i):
            if arrays[j] is None:
                continue
            lo_j = cnp.PyArray_BYTES(<cnp.ndarray>arrays[j])
            if lo_i < lo_j + nbytes and lo_j < lo_i + nbytes:
                raise ValueError(f"{fn}: arguments {names[j]} and {names[i]} share "
                                 f"memory; each must be its own array")
    return t


def sqnorm(grad, double clipvalue=INFINITY):
    """Sum of squares (a float) of `grad` clipped to [-clipvalue, clipvalue].

    Summed in double in a fixed order, so it is reproducible bit for bit."""
    cdef int t = array("optim.sqnorm", "'grad'", grad, ANY_FLOAT)
    cdef void *g = data(grad)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>grad)
    cdef double out
    with nogil:
        if t == cnp.NPY_FLOAT32:
            out = fg_optim_sqnorm_f32(<float *>g, n, clipvalue)
        else:
            out = fg_optim_sqnorm_f64(<double *>g, n, clipvalue)
    return out


def sgd(param, grad, double lr, double clipvalue=INFINITY, double scale=1.0):
    """Plain gradient descent: param -= lr * g."""
    cdef int t = _check_all("sgd", ("'param'", "'grad'"), (param, grad))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_sgd_f32(<float *>p, <float *>g, n, lr, clipvalue, scale)
        else:
            fg_optim_sgd_f64(<double *>p, <double *>g, n, lr, clipvalue,
                             scale)


def momentum(param, grad, mom, double lr, double momentum, bint nesterov,
             double clipvalue=INFINITY, double scale=1.0):
    """SGD with (Nesterov) momentum, tf-keras's ApplyKerasMomentum."""
    cdef int t = _check_all("momentum", ("'param'", "'grad'", "'mom'"),
                            (param, grad, mom))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(mom)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_momentum_f32(<float *>p, <float *>g, <float *>a, n, lr,
                                  momentum, nesterov, clipvalue, scale)
        else:
            fg_optim_momentum_f64(<double *>p, <double *>g, <double *>a, n,
                                  lr, momentum, nesterov, clipvalue, scale)


def rmsprop(param, grad, ms, mg, double lr, double rho, double epsilon,
            double clipvalue=INFINITY, double scale=1.0):
    """RMSprop without momentum (epsilon outside the root); `mg` (optional)
    makes it centered."""
    cdef int t = _check_all("rmsprop", ("'param'", "'grad'", "'ms'", "'mg'"),
                            (param, grad, ms, mg))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(ms)
    cdef void *b = data_or_null(mg)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_rmsprop_f32(<float *>p, <float *>g, <float *>a,
                                 <float *>b, n, lr, rho, epsilon, clipvalue,
                                 scale)
        else:
            fg_optim_rmsprop_f64(<double *>p, <double *>g, <double *>a,
                                 <double *>b, n, lr, rho, epsilon, clipvalue,
                                 scale)


def rmsprop_rows(param, grad, ms, touched, double lr, double rho,
                 double epsilon, double clipvalue=INFINITY):
    """`rmsprop` (no mg, scale 1) for a 2-D `param` whose gradient is zero
    outside the rows where the uint8 array `touched` is nonzero: the other
    rows read no gradient, and end bit for bit as `rmsprop` leaves them."""
    cdef int t = _check_all("rmsprop_rows", ("'param'", "'grad'", "'ms'"),
                            (param, grad, ms))
    array("optim.rmsprop_rows", "'param'", param, t, 2)
    array("optim.rmsprop_rows", "'touched'", touched, cnp.NPY_UINT8,
          (param.shape[0],))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(ms)
    cdef const uint8_t *m = <const uint8_t *>data(touched)
    cdef fg_idx rows = param.shape[0], cols = param.shape[1]
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_rmsprop_rows_f32(<float *>p, <float *>g, <float *>a, m,
                                      rows, cols, lr, rho, epsilon, clipvalue)
        else:
            fg_optim_rmsprop_rows_f64(<double *>p, <double *>g, <double *>a, m,
                                      rows, cols, lr, rho, epsilon, clipvalue)


def rmsprop_momentum(param, grad, ms, mom, mg, double lr, double rho,
                     double momentum, double epsilon,
                     double clipvalue=INFINITY, double scale=1.0):
    """RMSprop with momentum (epsilon inside the root, as tf's
    ApplyRMSProp); `mg` (optional) makes it centered."""
    cdef int t = _check_all("rmsprop_momentum",
                            ("'param'", "'grad'", "'ms'", "'mom'", "'mg'"),
                            (param, grad, ms, mom, mg))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(ms)
    cdef void *b = data(mom)
    cdef void *c = data_or_null(mg)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_rmsprop_momentum_f32(<float *>p, <float *>g, <float *>a,
                                          <float *>b, <float *>c, n, lr, rho,
                                          momentum, epsilon, clipvalue, scale)
        else:
            fg_optim_rmsprop_momentum_f64(<double *>p, <double *>g,
                                          <double *>a, <double *>b,
                                          <double *>c, n, lr, rho, momentum,
                                          epsilon, clipvalue, scale)


def adagrad(param, grad, accum, double lr, double epsilon,
            double clipvalue=INFINITY, double scale=1.0):
    """Adagrad: accum += g^2; param -= lr*g / (sqrt(accum) + epsilon)."""
    cdef int t = _check_all("adagrad", ("'param'", "'grad'", "'accum'"),
                            (param, grad, accum))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(accum)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_adagrad_f32(<float *>p, <float *>g, <float *>a, n, lr,
                                 epsilon, clipvalue, scale)
        else:
            fg_optim_adagrad_f64(<double *>p, <double *>g, <double *>a, n, lr,
                                 epsilon, clipvalue, scale)


def adadelta(param, grad, accum, accum_update, double lr, double rho,
             double epsilon, double clipvalue=INFINITY, double scale=1.0):
    """Adadelta (tf's ApplyAdadelta)."""
    cdef int t = _check_all("adadelta",
                            ("'param'", "'grad'", "'accum'", "'accum_update'"),
                            (param, grad, accum, accum_update))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(accum)
    cdef void *b = data(accum_update)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_adadelta_f32(<float *>p, <float *>g, <float *>a,
                                  <float *>b, n, lr, rho, epsilon, clipvalue,
                                  scale)
        else:
            fg_optim_adadelta_f64(<double *>p, <double *>g, <double *>a,
                                  <double *>b, n, lr, rho, epsilon, clipvalue,
                                  scale)


def adam(param, grad, m, v, vhat, double alpha, double beta_1, double beta_2,
         double epsilon, double clipvalue=INFINITY, double scale=1.0):
    """Adam with the bias corrections folded into `alpha`; `vhat`
    (optional) gives AMSGrad."""
    cdef int t = _check_all("adam", ("'param'", "'grad'", "'m'", "'v'", "'vhat'"),
                            (param, grad, m, v, vhat))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(m)
    cdef void *b = data(v)
    cdef void *c = data_or_null(vhat)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_adam_f32(<float *>p, <float *>g, <float *>a, <float *>b,
                              <float *>c, n, alpha, beta_1, beta_2, epsilon,
                              clipvalue, scale)
        else:
            fg_optim_adam_f64(<double *>p, <double *>g, <double *>a,
                              <double *>b, <double *>c, n, alpha, beta_1,
                              beta_2, epsilon, clipvalue, scale)


def adamax(param, grad, m, v, double lr_t, double beta_1, double beta_2,
           double epsilon, double clipvalue=INFINITY, double scale=1.0):
    """Adamax; `lr_t` is lr / (1 - beta_1^t)."""
    cdef int t = _check_all("adamax", ("'param'", "'grad'", "'m'", "'v'"),
                            (param, grad, m, v))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(m)
    cdef void *b = data(v)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_adamax_f32(<float *>p, <float *>g, <float *>a,
                                <float *>b, n, lr_t, beta_1, beta_2, epsilon,
                                clipvalue, scale)
        else:
            fg_optim_adamax_f64(<double *>p, <double *>g, <double *>a,
                                <double *>b, n, lr_t, beta_1, beta_2, epsilon,
                                clipvalue, scale)


def nadam(param, grad, m, v, double lr, double beta_1, double beta_2,
          double epsilon, double cg, double cm, double cv,
          double clipvalue=INFINITY, double scale=1.0):
    """Nadam: param -= lr*(cg*g + cm*m) / (sqrt(v*cv) + epsilon) after the
    moment updates; cg, cm, cv carry the momentum schedule."""
    cdef int t = _check_all("nadam", ("'param'", "'grad'", "'m'", "'v'"),
                            (param, grad, m, v))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(m)
    cdef void *b = data(v)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_nadam_f32(<float *>p, <float *>g, <float *>a, <float *>b,
                               n, lr, beta_1, beta_2, epsilon, cg, cm, cv,
                               clipvalue, scale)
        else:
            fg_optim_nadam_f64(<double *>p, <double *>g, <double *>a,
                               <double *>b, n, lr, beta_1, beta_2, epsilon,
                               cg, cm, cv, clipvalue, scale)


def decay(param, double weight_decay, double lr):
    """Decoupled weight decay: param -= param * weight_decay * lr."""
    cdef int t = array("optim.decay", "'param'", param, ANY_FLOAT)
    writeable("optim.decay", "'param'", param)
    cdef void *p = data(param)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_decay_f32(<float *>p, n, weight_decay, lr)
        else:
            fg_optim_decay_f64(<double *>p, n, weight_decay, lr)


def ftrl(param, grad, accum, linear, double lr, double lr_power, double l1,
         double l2, double l2_shrinkage, double clipvalue=INFINITY,
         double scale=1.0):
    """FTRL-proximal (tf's ApplyFtrlV2); `l2` already holds beta / (2 lr)."""
    cdef int t = _check_all("ftrl",
                            ("'param'", "'grad'", "'accum'", "'linear'"),
                            (param, grad, accum, linear))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(accum)
    cdef void *b = data(linear)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_ftrl_f32(<float *>p, <float *>g, <float *>a, <float *>b,
                              n, lr, lr_power, l1, l2, l2_shrinkage,
                              clipvalue, scale)
        else:
            fg_optim_ftrl_f64(<double *>p, <double *>g, <double *>a,
                              <double *>b, n, lr, lr_power, l1, l2,
                              l2_shrinkage, clipvalue, scale)


def lion(param, grad, m, double lr, double beta_1, double beta_2,
         double clipvalue=INFINITY, double scale=1.0):
    """Lion: param -= lr * sign(beta_1*m + (1-beta_1)*g), then
    m = beta_2*m + (1-beta_2)*g."""
    cdef int t = _check_all("lion", ("'param'", "'grad'", "'m'"),
                            (param, grad, m))
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data(m)
    cdef fg_idx n = cnp.PyArray_SIZE(<cnp.ndarray>param)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            fg_optim_lion_f32(<float *>p, <float *>g, <float *>a, n, lr,
                              beta_1, beta_2, clipvalue, scale)
        else:
            fg_optim_lion_f64(<double *>p, <double *>g, <double *>a, n, lr,
                              beta_1, beta_2, clipvalue, scale)


def adafactor(param, grad, r, c, v, double rho, double beta_2,
              double epsilon_1, double epsilon_2, double clip_threshold,
              double clipvalue=INFINITY, double scale=1.0):
    """Adafactor.  For `param` of 2 or more dimensions `r` (shape
    param.shape[:-1]) and `c` (param.shape[:-2] + param.shape[-1:]) hold the
    factored second moments; otherwise they are None and `v` holds it."""
    cdef int t = _check_all("adafactor", ("'param'", "'grad'", "'v'"),
                            (param, grad, v))
    cdef cnp.ndarray arr = <cnp.ndarray>param
    cdef int nd = cnp.PyArray_NDIM(arr)
    cdef fg_idx batch = 1, rows = 1, cols = 1
    cdef Py_ssize_t i
    if nd >= 2:
        rows = cnp.PyArray_DIMS(arr)[nd - 2]
        cols = cnp.PyArray_DIMS(arr)[nd - 1]
        for i in range(nd - 2):
            batch *= cnp.PyArray_DIMS(arr)[i]
        shape = tuple(param.shape)
        like("optim.adafactor", "'r'", r, param, "'param'", shape[:nd - 1])
        like("optim.adafactor", "'c'", c, param, "'param'",
             shape[:nd - 2] + (cols,))
        writeable("optim.adafactor", "'r'", r)
        writeable("optim.adafactor", "'c'", c)
    elif r is not None or c is not None:
        fail("optim.adafactor: 'r' and 'c' must be None for a param of fewer "
             "than 2 dimensions")
    else:
        cols = cnp.PyArray_SIZE(arr)
    cdef void *p = data(param)
    cdef void *g = data(grad)
    cdef void *a = data_or_null(r)
    cdef void *b = data_or_null(c)
    cdef void *w = data(v)
    cdef int status
    with nogil:
        if t == cnp.NPY_FLOAT32:
            status = fg_optim_adafactor_f32(
                <float *>p, <float *>g, <float *>a, <float *>b, <float *>w,
                batch, rows, cols, rho, beta_2, epsilon_1, epsilon_2,
                clip_threshold, clipvalue, scale)
        else:
            status = fg_optim_adafactor_f64(
                <double *>p, <double *>g, <double *>a, <double *>b,
                <double *>w, batch, rows, cols, rho, beta_2, epsilon_1,
                epsilon_2, clip_threshold, clipvalue, scale)
    if status != 0:
        raise MemoryError("optim.adafactor: out of memory for the column sums")
