/* Optimizer updates over FG_T (see fg_twins.h), compiled by optim.c. */
static double FG_FN(block_sqnorm)(const FG_T *g, fg_idx n, FG_T c)
{
    double acc = 0.0;
    const FG_T s = (FG_T)1;
    FG_OPTIM_SIMD_SUM
    for (fg_idx i = 0; i < n; i++) {
        const double x = (double)FG_G(i);
        acc += x * x;
    }
    return acc;
}

double FG_FN(fg_optim_sqnorm)(const FG_T *g, fg_idx n, double clip)
{
    const FG_T c = (FG_T)clip;
    const fg_idx nb = (n + FG_OPTIM_NORM_BLOCK - 1) / FG_OPTIM_NORM_BLOCK;
    double total = 0.0;
    double *part = n >= FG_OPTIM_PAR_MIN && FG_HAVE_OPENMP
        ? malloc((size_t)nb * sizeof(double)) : NULL;
    if (part != NULL) {
        FG_OPTIM_FOR_BLOCKS
        for (fg_idx b = 0; b < nb; b++) {
            const fg_idx lo = b * FG_OPTIM_NORM_BLOCK;
            const fg_idx len = n - lo < FG_OPTIM_NORM_BLOCK
                ? n - lo : FG_OPTIM_NORM_BLOCK;
            part[b] = FG_FN(block_sqnorm)(g + lo, len, c);
        }
        for (fg_idx b = 0; b < nb; b++)
            total += part[b];
        free(part);
        return total;
    }
    for (fg_idx b = 0; b < nb; b++) {
        const fg_idx lo = b * FG_OPTIM_NORM_BLOCK;
        const fg_idx len = n - lo < FG_OPTIM_NORM_BLOCK
            ? n - lo : FG_OPTIM_NORM_BLOCK;
        total += FG_FN(block_sqnorm)(g + lo, len, c);
    }
    return total;
}

void FG_FN(fg_optim_sgd)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                         fg_idx n, double lr, double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++)
        p[i] -= a * FG_G(i);
}

void FG_FN(fg_optim_momentum)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                              FG_T *FG_RESTRICT mom, fg_idx n, double lr,
                              double momentum, int nesterov, double clip,
                              double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, mu = (FG_T)momentum;
    if (nesterov) {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T ag = FG_G(i) * a;
            const FG_T m = mom[i] * mu - ag;
            mom[i] = m;
            p[i] += m * mu - ag;
        }
    } else {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T m = mom[i] * mu - FG_G(i) * a;
            mom[i] = m;
            p[i] += m;
        }
    }
}

/* Plain RMSprop when the gradient is zero outside the flagged rows: flagged
 * rows get FG_RMSPROP_STEP; elsewhere ms gets what FG_RMSPROP_STEP gives it
 * for a zero gradient, and p, which the step leaves unchanged when a >= 0
 * and the denominator is positive (so when e > 0 and the new ms >= 0), is
 * only written when that fails. */
void FG_FN(fg_optim_rmsprop_rows)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                                  FG_T *FG_RESTRICT ms,
                                  const uint8_t *touched, fg_idx rows,
                                  fg_idx cols, double lr, double rho,
                                  double eps, double clip)
{
    const FG_T c = (FG_T)clip, s = (FG_T)1, a = (FG_T)lr, r = (FG_T)rho;
    const FG_T r1 = (FG_T)1 - (FG_T)rho, e = (FG_T)eps, zero = (FG_T)0;
    const fg_idx n = rows * cols;
    (void)n;
    FG_OPTIM_FOR_ROWS
    for (fg_idx row = 0; row < rows; row++) {
        FG_T *FG_RESTRICT pr = p + row * cols;
        FG_T *FG_RESTRICT mr = ms + row * cols;
        if (touched[row]) {
            const FG_T *FG_RESTRICT gr = g + row * cols;
            for (fg_idx j = 0; j < cols; j++) {
                const FG_T gj = gr[j];
                const FG_T gi = (gj > c ? c : (gj < -c ? -c : gj)) * s;
                FG_RMSPROP_STEP(pr[j], mr[j], gi);
            }
            continue;
        }
        int bad = !(a >= 0 && e > 0);
        for (fg_idx j = 0; j < cols; j++) {
            const FG_T v = r * mr[j] + r1 * (zero * zero);
            mr[j] = v;
            bad |= !(v >= 0);
        }
        if (bad)
            for (fg_idx j = 0; j < cols; j++)
                pr[j] -= a * zero / (sqrt(mr[j]) + e);
    }
}

void FG_FN(fg_optim_rmsprop)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                             FG_T *FG_RESTRICT ms, FG_T *FG_RESTRICT mg,
                             fg_idx n, double lr, double rho, double eps,
                             double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, r = (FG_T)rho;
    const FG_T r1 = (FG_T)1 - (FG_T)rho, e = (FG_T)eps;
    if (mg == NULL) {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            FG_RMSPROP_STEP(p[i], ms[i], gi);
        }
    } else {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            const FG_T v = r * ms[i] + r1 * (gi * gi);
            const FG_T mgi = r * mg[i] + r1 * gi;
            ms[i] = v;
            mg[i] = mgi;
            p[i] -= a * gi / (sqrt(v - mgi * mgi) + e);
        }
    }
}

void FG_FN(fg_optim_rmsprop_momentum)(
    FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g, FG_T *FG_RESTRICT ms,
    FG_T *FG_RESTRICT mom, FG_T *FG_RESTRICT mg, fg_idx n, double lr,
    double rho, double momentum, double eps, double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, mu = (FG_T)momentum;
    const FG_T r1 = (FG_T)1 - (FG_T)rho, e = (FG_T)eps;
    if (mg == NULL) {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            const FG_T v = ms[i] + (gi * gi - ms[i]) * r1;
            const FG_T m = mom[i] * mu + a * gi / sqrt(v + e);
            ms[i] = v;
            mom[i] = m;
            p[i] -= m;
        }
    } else {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            const FG_T v = ms[i] + (gi * gi - ms[i]) * r1;
            const FG_T mgi = mg[i] + (gi - mg[i]) * r1;
            const FG_T m = mom[i] * mu + a * gi / sqrt(v - mgi * mgi + e);
            ms[i] = v;
            mg[i] = mgi;
            mom[i] = m;
            p[i] -= m;
        }
    }
}

void FG_FN(fg_optim_adagrad)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                             FG_T *FG_RESTRICT acc, fg_idx n, double lr,
                             double eps, double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, e = (FG_T)eps;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i);
        const FG_T v = acc[i] + gi * gi;
        acc[i] = v;
        p[i] -= gi * a / (sqrt(v) + e);
    }
}

void FG_FN(fg_optim_adadelta)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                              FG_T *FG_RESTRICT acc, FG_T *FG_RESTRICT upd,
                              fg_idx n, double lr, double rho, double eps,
                              double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, r = (FG_T)rho;
    const FG_T r1 = (FG_T)1 - (FG_T)rho, e = (FG_T)eps;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i);
        const FG_T v = acc[i] * r + gi * gi * r1;
        const FG_T u = sqrt(upd[i] + e) / sqrt(v + e) * gi;
        acc[i] = v;
        p[i] -= u * a;
        upd[i] = upd[i] * r + u * u * r1;
    }
}

void FG_FN(fg_optim_adam)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                          FG_T *FG_RESTRICT m, FG_T *FG_RESTRICT v,
                          FG_T *FG_RESTRICT vhat, fg_idx n, double alpha,
                          double b1, double b2, double eps, double clip,
                          double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)alpha, e = (FG_T)eps;
    const FG_T c1 = (FG_T)1 - (FG_T)b1, c2 = (FG_T)1 - (FG_T)b2;
    if (vhat == NULL) {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            const FG_T mi = m[i] + (gi - m[i]) * c1;
            const FG_T vi = v[i] + (gi * gi - v[i]) * c2;
            m[i] = mi;
            v[i] = vi;
            p[i] -= mi * a / (sqrt(vi) + e);
        }
    } else {
        FG_OPTIM_FOR
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            const FG_T mi = m[i] + (gi - m[i]) * c1;
            const FG_T vi = v[i] + (gi * gi - v[i]) * c2;
            const FG_T hi = vhat[i] > vi ? vhat[i] : vi;
            m[i] = mi;
            v[i] = vi;
            vhat[i] = hi;
            p[i] -= mi * a / (sqrt(hi) + e);
        }
    }
}

void FG_FN(fg_optim_adamax)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                            FG_T *FG_RESTRICT m, FG_T *FG_RESTRICT v, fg_idx n,
                            double lr_t, double b1, double b2, double eps,
                            double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr_t, e = (FG_T)eps;
    const FG_T c1 = (FG_T)1 - (FG_T)b1, bb = (FG_T)b2;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i);
        const FG_T ag = gi < 0 ? -gi : gi;
        const FG_T mi = m[i] + (gi - m[i]) * c1;
        const FG_T dv = bb * v[i];
        const FG_T vi = dv > ag ? dv : ag;
        m[i] = mi;
        v[i] = vi;
        p[i] -= a * (mi / (vi + e));
    }
}

void FG_FN(fg_optim_nadam)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                           FG_T *FG_RESTRICT m, FG_T *FG_RESTRICT v, fg_idx n,
                           double lr, double b1, double b2, double eps,
                           double cg, double cm, double cv, double clip,
                           double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr, e = (FG_T)eps;
    const FG_T k1 = (FG_T)b1, k2 = (FG_T)b2, c1 = (FG_T)1 - (FG_T)b1;
    const FG_T c2 = (FG_T)1 - (FG_T)b2, kg = (FG_T)cg, km = (FG_T)cm, kv = (FG_T)cv;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i);
        const FG_T mi = k1 * m[i] + c1 * gi;
        const FG_T vi = k2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= a * (kg * gi + km * mi) / (sqrt(vi * kv) + e);
    }
}

void FG_FN(fg_optim_decay)(FG_T *FG_RESTRICT p, fg_idx n, double wd, double lr)
{
    const FG_T w = (FG_T)wd, l = (FG_T)lr;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++)
        p[i] -= p[i] * w * l;
}

void FG_FN(fg_optim_ftrl)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                          FG_T *FG_RESTRICT acc, FG_T *FG_RESTRICT lin,
                          fg_idx n, double lr, double lr_power, double l1,
                          double l2, double shrinkage, double clip,
                          double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr;
    const FG_T e = (FG_T)(-lr_power), k1 = (FG_T)l1, k2 = (FG_T)2 * (FG_T)l2;
    const FG_T sh = (FG_T)2 * (FG_T)shrinkage;
    const int root = lr_power == -0.5, shrink = shrinkage > 0.0;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i), pi = p[i], ai = acc[i];
        const FG_T gs = shrink ? gi + sh * pi : gi;
        const FG_T na = ai + gi * gi;
        const FG_T pn = root ? sqrt(na) : pow(na, e);
        const FG_T po = root ? sqrt(ai) : pow(ai, e);
        const FG_T li = lin[i] + (gs - (pn - po) / a * pi);
        const FG_T q = pn / a + k2;
        const FG_T lc = li > k1 ? k1 : (li < -k1 ? -k1 : li);
        p[i] = (lc - li) / q;
        lin[i] = li;
        acc[i] = na;
    }
}

void FG_FN(fg_optim_lion)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                          FG_T *FG_RESTRICT m, fg_idx n, double lr, double b1,
                          double b2, double clip, double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale, a = (FG_T)lr;
    const FG_T k1 = (FG_T)b1, c1 = (FG_T)1 - (FG_T)b1;
    const FG_T k2 = (FG_T)b2, c2 = (FG_T)1 - (FG_T)b2;
    FG_OPTIM_FOR
    for (fg_idx i = 0; i < n; i++) {
        const FG_T gi = FG_G(i);
        const FG_T d = m[i] * k1 + gi * c1;
        /* sign, keeping 0 for 0 and NaN for NaN as tf.math.sign does */
        const FG_T sg = d > 0 ? (FG_T)1 : (d < 0 ? (FG_T)-1 : d);
        p[i] -= a * sg;
        m[i] = m[i] * k2 + gi * c2;
    }
}

int FG_FN(fg_optim_adafactor)(FG_T *FG_RESTRICT p, const FG_T *FG_RESTRICT g,
                              FG_T *FG_RESTRICT r, FG_T *FG_RESTRICT col,
                              FG_T *FG_RESTRICT v, fg_idx batch, fg_idx rows,
                              fg_idx cols, double rho, double b2, double eps1,
                              double eps2, double clip_threshold, double clip,
                              double scale)
{
    const FG_T c = (FG_T)clip, s = (FG_T)scale;
    const FG_T kb = (FG_T)b2, cb = (FG_T)1 - (FG_T)b2, e1 = (FG_T)eps1;
    const fg_idx n = batch * rows * cols;
    double *colsum = NULL;
    if (r != NULL) {
        colsum = malloc((size_t)(cols > 0 ? cols : 1) * sizeof(double));
        if (colsum == NULL)
            return -1;
    }
    double sp = 0.0;
    for (fg_idx i = 0; i < n; i++)
        sp += (double)p[i] * (double)p[i];
    const double rms_p = n > 0 ? sqrt(sp / (double)n) : 0.0;
    const double alpha = (rms_p > eps2 ? rms_p : eps2) * rho;
    if (r != NULL) {
        for (fg_idx b = 0; b < batch; b++) {
            FG_T *rb = r + b * rows, *cb_ = col + b * cols;
            double rsum = 0.0;
            for (fg_idx j = 0; j < cols; j++)
                colsum[j] = 0.0;
            for (fg_idx i = 0; i < rows; i++) {
                const FG_T *gr = g + (b * rows + i) * cols;
                double rowsum = 0.0;
                for (fg_idx j = 0; j < cols; j++) {
                    const FG_T gj = gr[j];
                    const FG_T gc = (gj > c ? c : (gj < -c ? -c : gj)) * s;
                    const double q = (double)(gc * gc + e1);
                    rowsum += q;
                    colsum[j] += q;
                }
                rb[i] = kb * rb[i] + cb * (FG_T)(rowsum / (double)cols);
                rsum += (double)rb[i];
            }
            for (fg_idx j = 0; j < cols; j++)
                cb_[j] = kb * cb_[j] + cb * (FG_T)(colsum[j] / (double)rows);
            const FG_T rmean = (FG_T)(rsum / (double)rows);
            for (fg_idx i = 0; i < rows; i++) {
                FG_T *vr = v + (b * rows + i) * cols;
                const FG_T ri = rb[i] / rmean;
                for (fg_idx j = 0; j < cols; j++)
                    vr[j] = ri * cb_[j];
            }
        }
        free(colsum);
    } else {
        for (fg_idx i = 0; i < n; i++) {
            const FG_T gi = FG_G(i);
            v[i] = kb * v[i] + cb * (gi * gi + e1);
        }
    }
    double su = 0.0;
    for (fg_idx i = 0; i < n; i++) {
        const double u = (double)(FG_G(i) / sqrt(v[i]));
        su += u * u;
    }
    const double rms_u = n > 0 ? sqrt(su / (double)n) : 0.0;
    const double ratio = rms_u / clip_threshold;
    const FG_T k = (FG_T)(alpha / (ratio > 1.0 ? ratio : 1.0));
    for (fg_idx i = 0; i < n; i++)
        p[i] -= k * (FG_G(i) / sqrt(v[i]));
    return 0;
}
