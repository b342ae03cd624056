/* Fused in-place optimizer updates: one pass over a parameter updates it and
 * its slots (the update rules of tf_keras.optimizers.legacy).
 *
 * Every update first clips each gradient element to [-clip, clip] (clip may
 * be HUGE_VAL) then multiplies it by `scale` (norm clipping), so the caller
 * never copies or modifies the gradient.  Scalars arrive as doubles and are
 * rounded once to the element type; 1 - rho and 1 - beta are formed in that
 * type, as tf-keras does.  Arrays are C-contiguous, of n elements, and do
 * not overlap.  Pointers documented as optional may be NULL. */
#ifndef FG_OPTIM_H
#define FG_OPTIM_H

#include "fg_kernels.h"

#define FG_OPTIM_DECLARE(T, SFX)                                              \
    /* sum of squares of the clipped gradient, summed in double in a fixed   \
     * order (the same result whatever the thread count) */                   \
    double fg_optim_sqnorm_##SFX(const T *g, fg_idx n, double clip);          \
    /* p -= lr * g */                                                         \
    void fg_optim_sgd_##SFX(T *p, const T *g, fg_idx n, double lr,            \
                            double clip, double scale);                       \
    /* mom = momentum*mom - lr*g; p += mom, or with nesterov                  \
     * p += momentum*mom - lr*g */                                            \
    void fg_optim_momentum_##SFX(T *p, const T *g, T *mom, fg_idx n,          \
                                 double lr, double momentum, int nesterov,    \
                                 double clip, double scale);                  \
    /* ms = rho*ms + (1-rho)*g^2; optional mg = rho*mg + (1-rho)*g;           \
     * p -= lr*g / (sqrt(ms - mg^2) + eps)   (epsilon outside the root) */    \
    void fg_optim_rmsprop_##SFX(T *p, const T *g, T *ms, T *mg, fg_idx n,     \
                                double lr, double rho, double eps,            \
                                double clip, double scale);                   \
    /* fg_optim_rmsprop without mg (and scale 1) for a (rows x cols)        \
     * parameter whose gradient is zero outside the rows with touched[row]   \
     * set: those rows are updated; the others read no gradient and have     \
     * ms decayed, p kept, bit for bit as the dense update leaves them. */   \
    void fg_optim_rmsprop_rows_##SFX(T *p, const T *g, T *ms,                 \
                                     const uint8_t *touched, fg_idx rows,     \
                                     fg_idx cols, double lr, double rho,      \
                                     double eps, double clip);                \
    /* ms += (g^2 - ms)*(1-rho); optional mg += (g - mg)*(1-rho);             \
     * mom = momentum*mom + lr*g / sqrt(ms - mg^2 + eps); p -= mom */         \
    void fg_optim_rmsprop_momentum_##SFX(T *p, const T *g, T *ms, T *mom,     \
                                         T *mg, fg_idx n, double lr,          \
                                         double rho, double momentum,         \
                                         double eps, double clip,             \
                                         double scale);                       \
    /* acc += g^2; p -= lr*g / (sqrt(acc) + eps) */                           \
    void fg_optim_adagrad_##SFX(T *p, const T *g, T *acc, fg_idx n,           \
                                double lr, double eps, double clip,           \
                                double scale);                                \
    /* acc = rho*acc + (1-rho)*g^2; u = sqrt(upd+eps)/sqrt(acc+eps)*g;        \
     * p -= lr*u; upd = rho*upd + (1-rho)*u^2 */                              \
    void fg_optim_adadelta_##SFX(T *p, const T *g, T *acc, T *upd, fg_idx n,  \
                                 double lr, double rho, double eps,           \
                                 double clip, double scale);                  \
    /* m += (g-m)*(1-b1); v += (g^2-v)*(1-b2); optional vhat = max(vhat, v)   \
     * (AMSGrad); p -= alpha*m / (sqrt(vhat or v) + eps) */                   \
    void fg_optim_adam_##SFX(T *p, const T *g, T *m, T *v, T *vhat, fg_idx n, \
                             double alpha, double b1, double b2, double eps,  \
                             double clip, double scale);                      \
    /* m += (g-m)*(1-b1); v = max(b2*v, |g|); p -= lr_t * m / (v + eps) */    \
    void fg_optim_adamax_##SFX(T *p, const T *g, T *m, T *v, fg_idx n,        \
                               double lr_t, double b1, double b2, double eps, \
                               double clip, double scale);                    \
    /* m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;                            \
     * p -= lr*(cg*g + cm*m) / (sqrt(v*cv) + eps) */                          \
    void fg_optim_nadam_##SFX(T *p, const T *g, T *m, T *v, fg_idx n,         \
                              double lr, double b1, double b2, double eps,    \
                              double cg, double cm, double cv, double clip,   \
                              double scale);

FG_OPTIM_DECLARE(float, f32)
FG_OPTIM_DECLARE(double, f64)

#endif
