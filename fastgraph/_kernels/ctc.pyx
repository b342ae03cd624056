"""CTC loss and its gradient (csrc/ctc.c): the forward-backward recursion
in log space over (batch, steps, classes) log-probabilities; and
TensorFlow's prefix beam search that decodes them."""
cimport numpy as cnp
import numpy as np
from libc.stdint cimport int64_t

from .checks cimport ANY_FLOAT, array, data, data_or_null, fail, has_shape, like, writeable

cnp.import_array()

cdef extern from "ctc.h":
    int fg_ctc_loss_f32(const float *logp, const int64_t *labels,
                        const int64_t *label_len, const int64_t *input_len,
                        Py_ssize_t n, Py_ssize_t t, Py_ssize_t c, Py_ssize_t l,
                        float *loss, float *grad) nogil
    int fg_ctc_loss_f64(const double *logp, const int64_t *labels,
                        const int64_t *label_len, const int64_t *input_len,
                        Py_ssize_t n, Py_ssize_t t, Py_ssize_t c, Py_ssize_t l,
                        double *loss, double *grad) nogil
    int fg_ctc_beam_f32(const float *logp, const int64_t *input_len, Py_ssize_t n,
                        Py_ssize_t t, Py_ssize_t c, Py_ssize_t width, Py_ssize_t top,
                        int64_t *paths, float *scores, int64_t *kept) nogil
    int fg_ctc_beam_f64(const double *logp, const int64_t *input_len, Py_ssize_t n,
                        Py_ssize_t t, Py_ssize_t c, Py_ssize_t width, Py_ssize_t top,
                        int64_t *paths, double *scores, int64_t *kept) nogil


def loss(logp, labels, label_len, input_len, out, grad=None):
    """out[b] = the CTC loss of sample b; grad (like logp, or None) = its
    gradient with respect to logp.  Every label must lie in [0, c - 2],
    1 <= label_len[b] <= labels.shape[1] and label_len[b] <= input_len[b]
    <= steps (checked here, before C reads them)."""
    fn = "ctc.loss"
    cdef int ty = array(fn, "logp", logp, ANY_FLOAT, 3)
    cdef Py_ssize_t n = logp.shape[0], t = logp.shape[1], c = logp.shape[2]
    array(fn, "labels", labels, cnp.NPY_INT64, 2)
    cdef Py_ssize_t l = labels.shape[1]
    has_shape(fn, "labels", labels, (n, l))
    array(fn, "label_len", label_len, cnp.NPY_INT64, (n,))
    array(fn, "input_len", input_len, cnp.NPY_INT64, (n,))
    like(fn, "out", out, logp, "logp", (n,))
    writeable(fn, "out", out)
    if grad is not None:
        like(fn, "grad", grad, logp, "logp")
        writeable(fn, "grad", grad)
    if c < 2:
        fail(f"{fn}: logp needs at least 2 classes (labels and the blank), got {c}")
    bad = np.flatnonzero((label_len < 1) | (label_len > l) | (label_len > input_len)
                         | (input_len > t))
    if bad.size:
        b = int(bad[0])
        fail(f"{fn}: sample {b}: need 1 <= label_len ({label_len[b]}) <= {l} and "
             f"label_len <= input_len ({input_len[b]}) <= {t}")
    used = np.arange(l) < label_len[:, None]
    bad = np.flatnonzero((used & ((labels < 0) | (labels > c - 2))).any(axis=1))
    if bad.size:
        b = int(bad[0])
        fail(f"{fn}: sample {b}: labels must lie in [0, {c - 2}], got "
             f"{labels[b, :label_len[b]].tolist()}")
    cdef const int64_t *lab = <const int64_t *>data(labels)
    cdef const int64_t *ll = <const int64_t *>data(label_len)
    cdef const int64_t *il = <const int64_t *>data(input_len)
    cdef void *lp = data(logp)
    cdef void *op = data(out)
    cdef void *gp = data_or_null(grad)
    cdef int status
    if ty == cnp.NPY_FLOAT:
        with nogil:
            status = fg_ctc_loss_f32(<const float *>lp, lab, ll, il, n, t, c, l,
                                     <float *>op, <float *>gp)
    else:
        with nogil:
            status = fg_ctc_loss_f64(<const double *>lp, lab, ll, il, n, t, c, l,
                                     <double *>op, <double *>gp)
    if status:
        raise MemoryError(f"{fn}: out of memory for the recursion tables")


def beam(logp, input_len, Py_ssize_t width, Py_ssize_t top, paths, scores, kept):
    """Beam search of each sample: paths (top, n, steps) int64 receives the
    labels of the best prefixes (entries past each prefix left as they
    are), scores (n, top) their log-probabilities, kept (n,) how many
    prefixes the beam held (fewer than `top`: the rest is not written)."""
    fn = "ctc.beam"
    cdef int ty = array(fn, "logp", logp, ANY_FLOAT, 3)
    cdef Py_ssize_t n = logp.shape[0], t = logp.shape[1], c = logp.shape[2]
    array(fn, "input_len", input_len, cnp.NPY_INT64, (n,))
    array(fn, "paths", paths, cnp.NPY_INT64, (top, n, t))
    like(fn, "scores", scores, logp, "logp", (n, top))
    array(fn, "kept", kept, cnp.NPY_INT64, (n,))
    for name, a in (("paths", paths), ("scores", scores), ("kept", kept)):
        writeable(fn, name, a)
    if c < 2 or width < 1 or not 1 <= top <= width:
        fail(f"{fn}: need at least 2 classes and 1 <= top ({top}) <= width ({width}), "
             f"got {c} classes")
    if n and (input_len.min() < 0 or input_len.max() > t):
        fail(f"{fn}: input_len must lie in [0, {t}], got {input_len.tolist()}")
    cdef const int64_t *il = <const int64_t *>data(input_len)
    cdef int64_t *pp = <int64_t *>data(paths)
    cdef int64_t *kp = <int64_t *>data(kept)
    cdef void *lp = data(logp)
    cdef void *sp = data(scores)
    cdef int status
    if ty == cnp.NPY_FLOAT:
        with nogil:
            status = fg_ctc_beam_f32(<const float *>lp, il, n, t, c, width, top, pp,
                                     <float *>sp, kp)
    else:
        with nogil:
            status = fg_ctc_beam_f64(<const double *>lp, il, n, t, c, width, top, pp,
                                     <double *>sp, kp)
    if status:
        raise MemoryError(f"{fn}: out of memory for the beam's prefixes")
