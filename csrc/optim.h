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

/* sum of squares of the clipped gradient, summed in double in a fixed
 * order (the same result whatever the thread count) */
double fg_optim_sqnorm_f32(const float *g, fg_idx n, double clip);
double fg_optim_sqnorm_f64(const double *g, fg_idx n, double clip);

/* p -= lr * g */
void fg_optim_sgd_f32(float *p, const float *g, fg_idx n, double lr,
                      double clip, double scale);
void fg_optim_sgd_f64(double *p, const double *g, fg_idx n, double lr,
                      double clip, double scale);

/* mom = momentum*mom - lr*g; p += mom, or with nesterov
 * p += momentum*mom - lr*g */
void fg_optim_momentum_f32(float *p, const float *g, float *mom, fg_idx n,
                           double lr, double momentum, int nesterov,
                           double clip, double scale);
void fg_optim_momentum_f64(double *p, const double *g, double *mom, fg_idx n,
                           double lr, double momentum, int nesterov,
                           double clip, double scale);

/* ms = rho*ms + (1-rho)*g^2; optional mg = rho*mg + (1-rho)*g;
 * p -= lr*g / (sqrt(ms - mg^2) + eps)   (epsilon outside the root) */
void fg_optim_rmsprop_f32(float *p, const float *g, float *ms, float *mg, fg_idx n,
                          double lr, double rho, double eps,
                          double clip, double scale);
void fg_optim_rmsprop_f64(double *p, const double *g, double *ms, double *mg, fg_idx n,
                          double lr, double rho, double eps,
                          double clip, double scale);

/* fg_optim_rmsprop without mg (and scale 1) for a (rows x cols)
 * parameter whose gradient is zero outside the rows with touched[row]
 * set: those rows are updated; the others read no gradient and have
 * ms decayed, p kept, bit for bit as the dense update leaves them. */
void fg_optim_rmsprop_rows_f32(float *p, const float *g, float *ms,
                               const uint8_t *touched, fg_idx rows,
                               fg_idx cols, double lr, double rho,
                               double eps, double clip);
void fg_optim_rmsprop_rows_f64(double *p, const double *g, double *ms,
                               const uint8_t *touched, fg_idx rows,
                               fg_idx cols, double lr, double rho,
                               double eps, double clip);

/* ms += (g^2 - ms)*(1-rho); optional mg += (g - mg)*(1-rho);
 * mom = momentum*mom + lr*g / sqrt(ms - mg^2 + eps); p -= mom */
void fg_optim_rmsprop_momentum_f32(float *p, const float *g, float *ms, float *mom,
                                   float *mg, fg_idx n, double lr,
                                   double rho, double momentum,
                                   double eps, double clip,
                                   double scale);
void fg_optim_rmsprop_momentum_f64(double *p, const double *g, double *ms, double *mom,
                                   double *mg, fg_idx n, double lr,
                                   double rho, double momentum,
                                   double eps, double clip,
                                   double scale);

/* acc += g^2; p -= lr*g / (sqrt(acc) + eps) */
void fg_optim_adagrad_f32(float *p, const float *g, float *acc, fg_idx n,
                          double lr, double eps, double clip,
                          double scale);
void fg_optim_adagrad_f64(double *p, const double *g, double *acc, fg_idx n,
                          double lr, double eps, double clip,
                          double scale);

/* acc = rho*acc + (1-rho)*g^2; u = sqrt(upd+eps)/sqrt(acc+eps)*g;
 * p -= lr*u; upd = rho*upd + (1-rho)*u^2 */
void fg_optim_adadelta_f32(float *p, const float *g, float *acc, float *upd, fg_idx n,
                           double lr, double rho, double eps,
                           double clip, double scale);
void fg_optim_adadelta_f64(double *p, const double *g, double *acc, double *upd, fg_idx n,
                           double lr, double rho, double eps,
                           double clip, double scale);

/* m += (g-m)*(1-b1); v += (g^2-v)*(1-b2); optional vhat = max(vhat, v)
 * (AMSGrad); p -= alpha*m / (sqrt(vhat or v) + eps) */
void fg_optim_adam_f32(float *p, const float *g, float *m, float *v, float *vhat, fg_idx n,
                       double alpha, double b1, double b2, double eps,
                       double clip, double scale);
void fg_optim_adam_f64(double *p, const double *g, double *m, double *v, double *vhat, fg_idx n,
                       double alpha, double b1, double b2, double eps,
                       double clip, double scale);

/* m += (g-m)*(1-b1); v = max(b2*v, |g|); p -= lr_t * m / (v + eps) */
void fg_optim_adamax_f32(float *p, const float *g, float *m, float *v, fg_idx n,
                         double lr_t, double b1, double b2, double eps,
                         double clip, double scale);
void fg_optim_adamax_f64(double *p, const double *g, double *m, double *v, fg_idx n,
                         double lr_t, double b1, double b2, double eps,
                         double clip, double scale);

/* m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr*(cg*g + cm*m) / (sqrt(v*cv) + eps) */
void fg_optim_nadam_f32(float *p, const float *g, float *m, float *v, fg_idx n,
                        double lr, double b1, double b2, double eps,
                        double cg, double cm, double cv, double clip,
                        double scale);
void fg_optim_nadam_f64(double *p, const double *g, double *m, double *v, fg_idx n,
                        double lr, double b1, double b2, double eps,
                        double cg, double cm, double cv, double clip,
                        double scale);

/* p -= p * wd * lr (decoupled weight decay, applied before the update) */
void fg_optim_decay_f32(float *p, fg_idx n, double wd, double lr);
void fg_optim_decay_f64(double *p, fg_idx n, double wd, double lr);

/* FTRL-proximal (tf's ApplyFtrlV2): gs = g + 2*shrinkage*p;
 * na = acc + g^2; lin += gs - (na^-lr_power - acc^-lr_power) / lr * p;
 * q = na^-lr_power / lr + 2*l2; p = (clip(lin, -l1, l1) - lin) / q;
 * acc = na */
void fg_optim_ftrl_f32(float *p, const float *g, float *acc, float *lin,
                       fg_idx n, double lr, double lr_power, double l1,
                       double l2, double shrinkage, double clip, double scale);
void fg_optim_ftrl_f64(double *p, const double *g, double *acc, double *lin,
                       fg_idx n, double lr, double lr_power, double l1,
                       double l2, double shrinkage, double clip, double scale);

/* Lion: p -= lr * sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g */
void fg_optim_lion_f32(float *p, const float *g, float *m, fg_idx n,
                       double lr, double b1, double b2, double clip,
                       double scale);
void fg_optim_lion_f64(double *p, const double *g, double *m, fg_idx n,
                       double lr, double b1, double b2, double clip,
                       double scale);

/* Adafactor (tf-keras 2.11+'s rule) on p of `batch` matrices of
 * rows x cols.  q = g^2 + eps1.  Factored (row and column slots r, of
 * batch x rows, and col, of batch x cols): r = b2*r + (1-b2)*mean(q over
 * cols); col = b2*col + (1-b2)*mean(q over rows);
 * v = r / mean(r over rows) * col.  Not factored (r and col NULL):
 * v = b2*v + (1-b2)*q.  Then u = g / sqrt(v) and
 * p -= max(eps2, rms(p)) * rho * u / max(1, rms(u) / clip_threshold),
 * rms(p) read before the update.  Returns 0, or -1 when out of memory
 * (nothing updated). */
int fg_optim_adafactor_f32(float *p, const float *g, float *r, float *col,
                           float *v, fg_idx batch, fg_idx rows, fg_idx cols,
                           double rho, double b2, double eps1, double eps2,
                           double clip_threshold, double clip, double scale);
int fg_optim_adafactor_f64(double *p, const double *g, double *r, double *col,
                           double *v, fg_idx batch, fg_idx rows, fg_idx cols,
                           double rho, double b2, double eps1, double eps2,
                           double clip_threshold, double clip, double scale);

#endif
