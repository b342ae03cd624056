/* Recurrent time loops (LSTM, GRU, SimpleRNN): forward and backward through
 * time, float and double; and one LSTM gate step over independent rows
 * (ConvLSTM, whose recurrent product is a convolution).
 *
 * Layout: every per-step buffer is batch-major (N, T, width) and indexed by
 * the TIME index t, so the input projection, dkernel, dx and drecurrent are
 * single GEMMs done by the caller.  The processing order is t = s, or
 * t = T-1-s with go_backwards; outputs with return_sequences are stored in
 * processing order (N, T, u), as Keras returns them.
 *
 * Masking follows tf-keras: at a masked step the states are carried over;
 * the output is the previous output, which is zero before the first
 * processed step of the row (cfg->first[n], in processing steps). */
#ifndef FG_RNN_H
#define FG_RNN_H

#include "fg_kernels.h"

/* Activations computed in C; each derivative is a function of the output. */
enum {
    FG_ACT_LINEAR = 0, FG_ACT_TANH, FG_ACT_SIGMOID, FG_ACT_HARD_SIGMOID,
    FG_ACT_RELU, FG_ACT_SOFTSIGN, FG_ACT_SOFTPLUS, FG_ACT_ELU, FG_ACT_SELU,
    FG_ACT_EXPONENTIAL
};

typedef struct {
    fg_idx N, T, u;              /* batch, timesteps, units */
    int go_backwards;
    int return_sequences;        /* y is (N, T, u), else (N, u) */
    int act, rec_act;            /* FG_ACT_* */
    const unsigned char *mask;   /* (N, T) by time, nonzero = processed; or NULL */
    const int64_t *first;        /* (N,) first processed step; NULL = all 0 */
} fg_rnn_cfg;

/* LSTM, gates i, f, c, o (G = 4u).
 * forward: gates (N,T,G) holds x @ kernel on entry and the gate activations
 * on return; hprev/cprev (N,T,u) receive the states entering each step,
 * actc (N,T,u) act(c_t); h0/c0 (N,u) may be NULL (zeros); bias (G) may be NULL.
 * backward: dy as y; dhT/dcT may be NULL; writes dgates (pre-activation,
 * zero at masked steps) and dh0/dc0.  U is the recurrent kernel (u, G).
 * All return 0, or -1 when out of memory. */
int fg_lstm_forward_f32(const fg_rnn_cfg *cfg, float *gates, const float *bias,
                        const float *U, const float *h0, const float *c0,
                        float *hprev, float *cprev, float *actc,
                        float *y, float *hT, float *cT);
int fg_lstm_forward_f64(const fg_rnn_cfg *cfg, double *gates, const double *bias,
                        const double *U, const double *h0, const double *c0,
                        double *hprev, double *cprev, double *actc,
                        double *y, double *hT, double *cT);
int fg_lstm_backward_f32(const fg_rnn_cfg *cfg, const float *gates,
                         const float *cprev, const float *actc, const float *U,
                         const float *dy, const float *dhT, const float *dcT,
                         float *dgates, float *dh0, float *dc0);
int fg_lstm_backward_f64(const fg_rnn_cfg *cfg, const double *gates,
                         const double *cprev, const double *actc, const double *U,
                         const double *dy, const double *dhT, const double *dcT,
                         double *dgates, double *dh0, double *dc0);

/* GRU, gates z, r, h (G = 3u), h = z*h_prev + (1-z)*hh.
 * reset_after: hh = act(xh + bx_h + r*(h_prev @ U_h + br_h)), hrec (N,T,u)
 * receives h_prev @ U_h + br_h; otherwise hh = act(xh + bx_h + (r*h_prev) @ U_h)
 * and hrec receives r*h_prev (br must be NULL).  work is (N, G) scratch.
 * backward writes dgates (gradient of the input pre-activations, zero at
 * masked steps), dh0 and, with reset_after, drh (N,T,u): the gradient of
 * h_prev @ U_h + br_h (drh is unused, may be NULL, otherwise). */
int fg_gru_forward_f32(const fg_rnn_cfg *cfg, int reset_after, float *gates,
                       const float *bx, const float *br, const float *U,
                       const float *h0, float *hprev, float *hrec, float *work,
                       float *y, float *hT);
int fg_gru_forward_f64(const fg_rnn_cfg *cfg, int reset_after, double *gates,
                       const double *bx, const double *br, const double *U,
                       const double *h0, double *hprev, double *hrec, double *work,
                       double *y, double *hT);
int fg_gru_backward_f32(const fg_rnn_cfg *cfg, int reset_after,
                        const float *gates, const float *hprev, const float *hrec,
                        const float *U, const float *dy, const float *dhT,
                        float *dgates, float *drh, float *work, float *dh0);
int fg_gru_backward_f64(const fg_rnn_cfg *cfg, int reset_after,
                        const double *gates, const double *hprev, const double *hrec,
                        const double *U, const double *dy, const double *dhT,
                        double *dgates, double *drh, double *work, double *dh0);

/* SimpleRNN (G = u): h = act(x @ kernel + bias + h_prev @ U). */
int fg_simple_rnn_forward_f32(const fg_rnn_cfg *cfg, float *gates, const float *bias,
                              const float *U, const float *h0, float *hprev,
                              float *y, float *hT);
int fg_simple_rnn_forward_f64(const fg_rnn_cfg *cfg, double *gates, const double *bias,
                              const double *U, const double *h0, double *hprev,
                              double *y, double *hT);
int fg_simple_rnn_backward_f32(const fg_rnn_cfg *cfg, const float *gates,
                               const float *U, const float *dy, const float *dhT,
                               float *dgates, float *dh0);
int fg_simple_rnn_backward_f64(const fg_rnn_cfg *cfg, const double *gates,
                               const double *U, const double *dy, const double *dhT,
                               double *dgates, double *dh0);

/* One LSTM step over M independent rows (ConvLSTM: every pixel of every
 * image), the recurrent product already summed in.  forward: z (M, 4u)
 * holds the pre-activations of gates i, f, c, o; writes their activations
 * a (M, 4u), the carry c = f*c_prev + i*act(z_c) and actc = act(c) (M, u),
 * and h = o*actc (M, u); c_prev may be NULL (zeros).  backward: given
 * dh and dc (M, u), writes dz (M, 4u) and dc_prev (M, u). */
void fg_lstm_gates_forward_f32(fg_idx M, fg_idx u, int act, int rec_act,
                               const float *z, const float *c_prev, float *a,
                               float *c, float *actc, float *h);
void fg_lstm_gates_forward_f64(fg_idx M, fg_idx u, int act, int rec_act,
                               const double *z, const double *c_prev, double *a,
                               double *c, double *actc, double *h);
void fg_lstm_gates_backward_f32(fg_idx M, fg_idx u, int act, int rec_act,
                                const float *a, const float *c_prev,
                                const float *actc, const float *dh, const float *dc,
                                float *dz, float *dc_prev);
void fg_lstm_gates_backward_f64(fg_idx M, fg_idx u, int act, int rec_act,
                                const double *a, const double *c_prev,
                                const double *actc, const double *dh, const double *dc,
                                double *dz, double *dc_prev);

#endif
