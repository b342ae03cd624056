/* Connectionist temporal classification (Graves et al., 2006): the loss of
 * each sequence by the forward-backward recursion in log space, and its
 * gradient with respect to the log-probabilities, as TensorFlow's CTCLoss
 * computes it (blank = the last class, repeated labels need a blank
 * between them, no preprocessing of the labels), and the prefix beam search
 * that decodes them. */
#ifndef FG_CTC_H
#define FG_CTC_H

#include <stdint.h>

#include "fg_kernels.h"

/* logp (n, t, c): log-probabilities of the c classes at each step (class
 * c - 1 is the blank).  labels (n, l): the label sequences, sample b using
 * its first label_len[b] entries (each in [0, c - 2]); input_len[b] <= t
 * steps of sample b are read.  loss (n): -log p(labels | logp), +inf when no
 * alignment exists.  grad (n, t, c), or NULL: d loss / d logp (zero at the
 * steps past input_len and for a sample whose loss is infinite).
 * The caller checks every length and label.  Returns -1 when the
 * workspace cannot be allocated, else 0. */
int fg_ctc_loss_f32(const float *logp, const int64_t *labels, const int64_t *label_len,
                    const int64_t *input_len, fg_idx n, fg_idx t, fg_idx c, fg_idx l,
                    float *loss, float *grad);
int fg_ctc_loss_f64(const double *logp, const int64_t *labels, const int64_t *label_len,
                    const int64_t *input_len, fg_idx n, fg_idx t, fg_idx c, fg_idx l,
                    double *loss, double *grad);

/* TensorFlow's CTC prefix beam search (CTCBeamSearchDecoder, default
 * scorer, no label pruning) of each sample: logp (n, t, c), the first
 * input_len[b] steps of sample b; `width` beams.  For the best
 * min(top, kept[b]) prefixes of sample b, paths[(i * n + b) * t ...] gets
 * the labels of prefix i (repeats merged, as merge_repeated does; the rest
 * of the row is left as it is) and scores[b * top + i] its log-probability;
 * kept[b] is how many prefixes the beam held at the end.  Returns -1 when
 * memory runs out, else 0. */
int fg_ctc_beam_f32(const float *logp, const int64_t *input_len, fg_idx n, fg_idx t,
                    fg_idx c, fg_idx width, fg_idx top, int64_t *paths, float *scores,
                    int64_t *kept);
int fg_ctc_beam_f64(const double *logp, const int64_t *input_len, fg_idx n, fg_idx t,
                    fg_idx c, fg_idx width, fg_idx top, int64_t *paths, double *scores,
                    int64_t *kept);

#endif
