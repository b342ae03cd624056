/* The recurrent time loops over FG_T (see fg_twins.h), compiled by rnn.c. */
#include "rnn_blocks_t.h"

/* ---------------------------------------------------------------- LSTM */

static void FG_FN(lstm_fwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                                 FG_T *gates, const FG_T *bias, const FG_T *Up,
                                 const FG_T *h0, const FG_T *c0, FG_T *hprev,
                                 FG_T *cprev, FG_T *actc, FG_T *y, FG_T *hT, FG_T *cT)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 4 * u;
    fg_idx s, n, k;
    FG_FN(init_states)(cfg, n0, n1, hprev, h0, cprev, c0);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        FG_FN(gemm_acc)(n1 - n0, u, G, hprev + (n0 * T + t) * u, T * u, Up,
                      gates + (n0 * T + t) * G, T * G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const FG_T *hp = hprev + row * u, *cp = cprev + row * u;
            FG_T *hd = FG_FN(next_slot)(cfg, hprev, hT, n, s);
            FG_T *cd = FG_FN(next_slot)(cfg, cprev, cT, n, s);
            if (masked(cfg, row)) {
                FG_FN(set_row)(hd, hp, u);
                FG_FN(set_row)(cd, cp, u);
            } else {
                FG_T *z = gates + row * G, *ac = actc + row * u;
                if (bias)
                    FG_FN(add_row)(z, bias, G);
                FG_FN(act_fwd)(cfg->rec_act, z, 2 * u);
                FG_FN(act_fwd)(cfg->act, z + 2 * u, u);
                FG_FN(act_fwd)(cfg->rec_act, z + 3 * u, u);
                for (k = 0; k < u; k++) {
                    const FG_T c = z[u + k] * cp[k] + z[k] * z[2 * u + k];
                    cd[k] = c;
                    ac[k] = c;
                }
                FG_FN(act_fwd)(cfg->act, ac, u);
                for (k = 0; k < u; k++)
                    hd[k] = z[3 * u + k] * ac[k];
            }
            FG_FN(emit_step)(cfg, y, hd, n, s);
        }
    }
    FG_FN(emit_last)(cfg, n0, n1, y, hT);
}

static void FG_FN(lstm_bwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                                 const FG_T *gates, const FG_T *cprev,
                                 const FG_T *actc, const FG_T *UTp, const FG_T *dy,
                                 const FG_T *dhT, const FG_T *dcT, FG_T *dgates,
                                 FG_T *dh0, FG_T *dc0)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 4 * u;
    fg_idx s, n, k;
    FG_FN(init_grads)(cfg, n0, n1, dy, dhT, dh0, dcT, dc0);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            FG_T *dh = dh0 + n * u, *dc = dc0 + n * u, *dz = dgates + row * G;
            FG_FN(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                FG_FN(set_row)(dz, NULL, G);
                continue;
            }
            const FG_T *a = gates + row * G, *ac = actc + row * u, *cp = cprev + row * u;
            if (s > 0) {
                const fg_idx next = n * T + time_of(cfg, s - 1);
                FG_FN(prefetch)(gates + next * G, G);
                FG_FN(prefetch)(actc + next * u, u);
                FG_FN(prefetch)(cprev + next * u, u);
            }
            for (k = 0; k < u; k++) {
                dz[3 * u + k] = dh[k] * ac[k];
                dz[2 * u + k] = dh[k] * a[3 * u + k];
            }
            FG_FN(dact_mul)(cfg->act, ac, dz + 2 * u, u);
            for (k = 0; k < u; k++) {
                const FG_T dct = dc[k] + dz[2 * u + k];
                dz[k] = dct * a[2 * u + k];
                dz[u + k] = dct * cp[k];
                dz[2 * u + k] = dct * a[k];
                dc[k] = dct * a[u + k];
                dh[k] = 0;
            }
            FG_FN(dact_mul)(cfg->rec_act, a, dz, 2 * u);
            FG_FN(dact_mul)(cfg->act, a + 2 * u, dz + 2 * u, u);
            FG_FN(dact_mul)(cfg->rec_act, a + 3 * u, dz + 3 * u, u);
        }
        FG_FN(gemm_acc)(n1 - n0, G, u, dgates + (n0 * T + t) * G, T * G, UTp,
                      dh0 + n0 * u, u);
    }
}

int FG_FN(fg_lstm_forward)(const fg_rnn_cfg *cfg, FG_T *gates, const FG_T *bias,
                           const FG_T *U, const FG_T *h0, const FG_T *c0,
                           FG_T *hprev, FG_T *cprev, FG_T *actc,
                           FG_T *y, FG_T *hT, FG_T *cT)
{
    const fg_idx u = cfg->u, G = 4 * u;
    FG_T *Up = malloc((size_t)(u * G) * sizeof(FG_T));
    if (!Up)
        return -1;
    FG_FN(pack)(U, G, u, G, 0, Up);
    FG_RNN_ROWS(G, FG_FN(lstm_fwd_rows)(cfg, n0, n1, gates, bias, Up, h0, c0, hprev,
                                      cprev, actc, y, hT, cT))
    free(Up);
    return 0;
}

int FG_FN(fg_lstm_backward)(const fg_rnn_cfg *cfg, const FG_T *gates,
                            const FG_T *cprev, const FG_T *actc, const FG_T *U,
                            const FG_T *dy, const FG_T *dhT, const FG_T *dcT,
                            FG_T *dgates, FG_T *dh0, FG_T *dc0)
{
    const fg_idx u = cfg->u, G = 4 * u;
    FG_T *UTp = malloc((size_t)(u * G) * sizeof(FG_T));
    if (!UTp)
        return -1;
    FG_FN(pack)(U, G, G, u, 1, UTp);
    FG_RNN_ROWS(G, FG_FN(lstm_bwd_rows)(cfg, n0, n1, gates, cprev, actc, UTp, dy, dhT,
                                      dcT, dgates, dh0, dc0))
    free(UTp);
    return 0;
}

/* ----------------------------------------------------------------- GRU */

/* The new state from z (gates z, r, hh already activated) and h_prev. */
static void FG_FN(gru_mix)(const FG_T *FG_RESTRICT z, const FG_T *FG_RESTRICT hp,
                           FG_T *FG_RESTRICT hd, fg_idx u)
{
    fg_idx k;
    for (k = 0; k < u; k++)
        hd[k] = z[k] * hp[k] + (1 - z[k]) * z[2 * u + k];
}

/* Up: U packed whole (reset_after), or U[:, :2u] then U[:, 2u:] packed. */
static void FG_FN(gru_fwd_rows)(const fg_rnn_cfg *cfg, int reset_after,
                                fg_idx n0, fg_idx n1, FG_T *gates, const FG_T *bx,
                                const FG_T *br, const FG_T *Up, const FG_T *h0,
                                FG_T *hprev, FG_T *hrec, FG_T *work, FG_T *y, FG_T *hT)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 3 * u;
    FG_T *rec0 = work + n0 * G;
    fg_idx s, n, k;
    FG_FN(init_states)(cfg, n0, n1, hprev, h0, NULL, NULL);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        const FG_T *hp0 = hprev + (n0 * T + t) * u;
        for (n = n0; n < n1; n++)
            FG_FN(set_row)(work + n * G, reset_after ? br : NULL, reset_after ? G : 2 * u);
        FG_FN(gemm_acc)(n1 - n0, u, reset_after ? G : 2 * u, hp0, T * u, Up, rec0, G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const FG_T *hp = hprev + row * u, *rc = work + n * G;
            FG_T *z = gates + row * G, *hr = hrec + row * u;
            if (masked(cfg, row)) {
                FG_FN(set_row)(hr, NULL, u);
                continue;
            }
            if (bx)
                FG_FN(add_row)(z, bx, G);
            FG_FN(add_row)(z, rc, 2 * u);
            FG_FN(act_fwd)(cfg->rec_act, z, 2 * u);
            if (reset_after) {
                for (k = 0; k < u; k++) {
                    hr[k] = rc[2 * u + k];
                    z[2 * u + k] += z[u + k] * rc[2 * u + k];
                }
                FG_FN(act_fwd)(cfg->act, z + 2 * u, u);
                FG_FN(gru_mix)(z, hp, FG_FN(next_slot)(cfg, hprev, hT, n, s), u);
            } else {
                for (k = 0; k < u; k++)
                    hr[k] = z[u + k] * hp[k];
            }
        }
        if (!reset_after) {
            for (n = n0; n < n1; n++)
                FG_FN(set_row)(work + n * G + 2 * u, NULL, u);
            FG_FN(gemm_acc)(n1 - n0, u, u, hrec + (n0 * T + t) * u, T * u,
                          Up + 2 * u * u, rec0 + 2 * u, G);
            for (n = n0; n < n1; n++) {
                const fg_idx row = n * T + t;
                FG_T *z = gates + row * G;
                if (masked(cfg, row))
                    continue;
                FG_FN(add_row)(z + 2 * u, work + n * G + 2 * u, u);
                FG_FN(act_fwd)(cfg->act, z + 2 * u, u);
                FG_FN(gru_mix)(z, hprev + row * u, FG_FN(next_slot)(cfg, hprev, hT, n, s), u);
            }
        }
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            FG_T *hd = FG_FN(next_slot)(cfg, hprev, hT, n, s);
            if (masked(cfg, row))
                FG_FN(set_row)(hd, hprev + row * u, u);
            FG_FN(emit_step)(cfg, y, hd, n, s);
        }
    }
    FG_FN(emit_last)(cfg, n0, n1, y, hT);
}

/* UTp: U^T packed whole (reset_after), or U[:, 2u:]^T then U[:, :2u]^T. */
static void FG_FN(gru_bwd_rows)(const fg_rnn_cfg *cfg, int reset_after,
                                fg_idx n0, fg_idx n1, const FG_T *gates,
                                const FG_T *hprev, const FG_T *hrec, const FG_T *UTp,
                                const FG_T *dy, const FG_T *dhT, FG_T *dgates,
                                FG_T *drh, FG_T *work, FG_T *dh0)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 3 * u;
    fg_idx s, n, k;
    FG_FN(init_grads)(cfg, n0, n1, dy, dhT, dh0, NULL, NULL);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const FG_T *a = gates + row * G, *hp = hprev + row * u;
            FG_T *dh = dh0 + n * u, *dz = dgates + row * G, *w = work + n * G;
            FG_FN(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                FG_FN(set_row)(dz, NULL, G);
                FG_FN(set_row)(w, NULL, reset_after ? G : u);
                if (reset_after)
                    FG_FN(set_row)(drh + row * u, NULL, u);
                continue;
            }
            for (k = 0; k < u; k++) {
                const FG_T g = dh[k];
                dz[k] = g * (hp[k] - a[2 * u + k]);
                dz[2 * u + k] = g * (1 - a[k]);
                dh[k] = g * a[k];
            }
            FG_FN(dact_mul)(cfg->rec_act, a, dz, u);
            FG_FN(dact_mul)(cfg->act, a + 2 * u, dz + 2 * u, u);
            if (reset_after) {
                const FG_T *hr = hrec + row * u;
                FG_T *dr = drh + row * u;
                for (k = 0; k < u; k++) {
                    dz[u + k] = dz[2 * u + k] * hr[k];
                    dr[k] = dz[2 * u + k] * a[u + k];
                }
                FG_FN(dact_mul)(cfg->rec_act, a + u, dz + u, u);
                memcpy(w, dz, (size_t)(2 * u) * sizeof(FG_T));
                memcpy(w + 2 * u, dr, (size_t)u * sizeof(FG_T));
            } else {
                FG_FN(set_row)(w, NULL, u);
            }
        }
        if (reset_after) {
            FG_FN(gemm_acc)(n1 - n0, G, u, work + n0 * G, G, UTp, dh0 + n0 * u, u);
            continue;
        }
        /* d(r*h_prev) = dhh_pre @ U_h^T, then the z and r paths. */
        FG_FN(gemm_acc)(n1 - n0, u, u, dgates + (n0 * T + t) * G + 2 * u, T * G,
                      UTp, work + n0 * G, G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const FG_T *a = gates + row * G, *hp = hprev + row * u, *drs = work + n * G;
            FG_T *dh = dh0 + n * u, *dz = dgates + row * G;
            if (masked(cfg, row))
                continue;
            for (k = 0; k < u; k++) {
                dz[u + k] = drs[k] * hp[k];
                dh[k] += drs[k] * a[u + k];
            }
            FG_FN(dact_mul)(cfg->rec_act, a + u, dz + u, u);
        }
        FG_FN(gemm_acc)(n1 - n0, 2 * u, u, dgates + (n0 * T + t) * G, T * G,
                      UTp + u * u, dh0 + n0 * u, u);
    }
}

int FG_FN(fg_gru_forward)(const fg_rnn_cfg *cfg, int reset_after, FG_T *gates,
                          const FG_T *bx, const FG_T *br, const FG_T *U,
                          const FG_T *h0, FG_T *hprev, FG_T *hrec, FG_T *work,
                          FG_T *y, FG_T *hT)
{
    const fg_idx u = cfg->u, G = 3 * u;
    FG_T *Up = malloc((size_t)(u * G) * sizeof(FG_T));
    if (!Up)
        return -1;
    if (reset_after)
        FG_FN(pack)(U, G, u, G, 0, Up);
    else
        FG_FN(pack)(U + 2 * u, G, u, u, 0, FG_FN(pack)(U, G, u, 2 * u, 0, Up));
    FG_RNN_ROWS(G, FG_FN(gru_fwd_rows)(cfg, reset_after, n0, n1, gates, bx, br, Up,
                                     h0, hprev, hrec, work, y, hT))
    free(Up);
    return 0;
}

int FG_FN(fg_gru_backward)(const fg_rnn_cfg *cfg, int reset_after,
                           const FG_T *gates, const FG_T *hprev, const FG_T *hrec,
                           const FG_T *U, const FG_T *dy, const FG_T *dhT,
                           FG_T *dgates, FG_T *drh, FG_T *work, FG_T *dh0)
{
    const fg_idx u = cfg->u, G = 3 * u;
    FG_T *UTp = malloc((size_t)(u * G) * sizeof(FG_T));
    if (!UTp)
        return -1;
    if (reset_after)
        FG_FN(pack)(U, G, G, u, 1, UTp);
    else
        FG_FN(pack)(U, G, 2 * u, u, 1, FG_FN(pack)(U + 2 * u, G, u, u, 1, UTp));
    FG_RNN_ROWS(G, FG_FN(gru_bwd_rows)(cfg, reset_after, n0, n1, gates, hprev, hrec,
                                     UTp, dy, dhT, dgates, drh, work, dh0))
    free(UTp);
    return 0;
}

/* ----------------------------------------------------------- SimpleRNN */

static void FG_FN(srnn_fwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                                 FG_T *gates, const FG_T *bias, const FG_T *Up,
                                 const FG_T *h0, FG_T *hprev, FG_T *y, FG_T *hT)
{
    const fg_idx T = cfg->T, u = cfg->u;
    fg_idx s, n;
    FG_FN(init_states)(cfg, n0, n1, hprev, h0, NULL, NULL);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        FG_FN(gemm_acc)(n1 - n0, u, u, hprev + (n0 * T + t) * u, T * u, Up,
                      gates + (n0 * T + t) * u, T * u);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            FG_T *hd = FG_FN(next_slot)(cfg, hprev, hT, n, s), *z = gates + row * u;
            if (masked(cfg, row)) {
                FG_FN(set_row)(hd, hprev + row * u, u);
            } else {
                if (bias)
                    FG_FN(add_row)(z, bias, u);
                FG_FN(act_fwd)(cfg->act, z, u);
                FG_FN(set_row)(hd, z, u);
            }
            FG_FN(emit_step)(cfg, y, hd, n, s);
        }
    }
    FG_FN(emit_last)(cfg, n0, n1, y, hT);
}

static void FG_FN(srnn_bwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                                 const FG_T *gates, const FG_T *UTp, const FG_T *dy,
                                 const FG_T *dhT, FG_T *dgates, FG_T *dh0)
{
    const fg_idx T = cfg->T, u = cfg->u;
    fg_idx s, n;
    FG_FN(init_grads)(cfg, n0, n1, dy, dhT, dh0, NULL, NULL);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            FG_T *dh = dh0 + n * u, *dz = dgates + row * u;
            FG_FN(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                FG_FN(set_row)(dz, NULL, u);
                continue;
            }
            FG_FN(set_row)(dz, dh, u);
            FG_FN(dact_mul)(cfg->act, gates + row * u, dz, u);
            FG_FN(set_row)(dh, NULL, u);
        }
        FG_FN(gemm_acc)(n1 - n0, u, u, dgates + (n0 * T + t) * u, T * u, UTp,
                      dh0 + n0 * u, u);
    }
}

int FG_FN(fg_simple_rnn_forward)(const fg_rnn_cfg *cfg, FG_T *gates, const FG_T *bias,
                                 const FG_T *U, const FG_T *h0, FG_T *hprev,
                                 FG_T *y, FG_T *hT)
{
    const fg_idx u = cfg->u;
    FG_T *Up = malloc((size_t)(u * u) * sizeof(FG_T));
    if (!Up)
        return -1;
    FG_FN(pack)(U, u, u, u, 0, Up);
    FG_RNN_ROWS(u, FG_FN(srnn_fwd_rows)(cfg, n0, n1, gates, bias, Up, h0, hprev, y, hT))
    free(Up);
    return 0;
}

int FG_FN(fg_simple_rnn_backward)(const fg_rnn_cfg *cfg, const FG_T *gates,
                                  const FG_T *U, const FG_T *dy, const FG_T *dhT,
                                  FG_T *dgates, FG_T *dh0)
{
    const fg_idx u = cfg->u;
    FG_T *UTp = malloc((size_t)(u * u) * sizeof(FG_T));
    if (!UTp)
        return -1;
    FG_FN(pack)(U, u, u, u, 1, UTp);
    FG_RNN_ROWS(u, FG_FN(srnn_bwd_rows)(cfg, n0, n1, gates, UTp, dy, dhT, dgates, dh0))
    free(UTp);
    return 0;
}


/* ------------------------------------------------------- LSTM gate step */

static void FG_FN(gates_fwd_rows)(fg_idx m0, fg_idx m1, fg_idx u, int act, int rec_act,
                                  const FG_T *z, const FG_T *c_prev, FG_T *a, FG_T *c,
                                  FG_T *actc, FG_T *h)
{
    fg_idx m, k;
    for (m = m0; m < m1; m++) {
        FG_T *ar = a + m * 4 * u, *cr = c + m * u, *ac = actc + m * u, *hr = h + m * u;
        const FG_T *cp = c_prev ? c_prev + m * u : NULL;
        FG_FN(set_row)(ar, z + m * 4 * u, 4 * u);
        FG_FN(act_fwd)(rec_act, ar, 2 * u);
        FG_FN(act_fwd)(act, ar + 2 * u, u);
        FG_FN(act_fwd)(rec_act, ar + 3 * u, u);
        for (k = 0; k < u; k++) {
            const FG_T cc = (cp ? ar[u + k] * cp[k] : 0) + ar[k] * ar[2 * u + k];
            cr[k] = cc;
            ac[k] = cc;
        }
        FG_FN(act_fwd)(act, ac, u);
        for (k = 0; k < u; k++)
            hr[k] = ar[3 * u + k] * ac[k];
    }
}

static void FG_FN(gates_bwd_rows)(fg_idx m0, fg_idx m1, fg_idx u, int act, int rec_act,
                                  const FG_T *a, const FG_T *c_prev, const FG_T *actc,
                                  const FG_T *dh, const FG_T *dc, FG_T *dz, FG_T *dc_prev)
{
    fg_idx m, k;
    for (m = m0; m < m1; m++) {
        const FG_T *ar = a + m * 4 * u, *ac = actc + m * u, *gh = dh + m * u,
                   *gc = dc + m * u, *cp = c_prev ? c_prev + m * u : NULL;
        FG_T *d = dz + m * 4 * u, *dcp = dc_prev + m * u;
        for (k = 0; k < u; k++) {
            d[3 * u + k] = gh[k] * ac[k];
            d[2 * u + k] = gh[k] * ar[3 * u + k];
        }
        FG_FN(dact_mul)(act, ac, d + 2 * u, u);
        for (k = 0; k < u; k++) {
            const FG_T dct = gc[k] + d[2 * u + k];
            d[k] = dct * ar[2 * u + k];
            d[u + k] = cp ? dct * cp[k] : 0;
            d[2 * u + k] = dct * ar[k];
            dcp[k] = dct * ar[u + k];
        }
        FG_FN(dact_mul)(rec_act, ar, d, 2 * u);
        FG_FN(dact_mul)(act, ar + 2 * u, d + 2 * u, u);
        FG_FN(dact_mul)(rec_act, ar + 3 * u, d + 3 * u, u);
    }
}

void FG_FN(fg_lstm_gates_forward)(fg_idx M, fg_idx u, int act, int rec_act,
                                  const FG_T *z, const FG_T *c_prev, FG_T *a, FG_T *c,
                                  FG_T *actc, FG_T *h)
{
    FG_GATE_ROWS(M, u, FG_FN(gates_fwd_rows)(m0, m1, u, act, rec_act, z, c_prev, a, c,
                                             actc, h))
}

void FG_FN(fg_lstm_gates_backward)(fg_idx M, fg_idx u, int act, int rec_act,
                                   const FG_T *a, const FG_T *c_prev, const FG_T *actc,
                                   const FG_T *dh, const FG_T *dc, FG_T *dz,
                                   FG_T *dc_prev)
{
    FG_GATE_ROWS(M, u, FG_FN(gates_bwd_rows)(m0, m1, u, act, rec_act, a, c_prev, actc,
                                             dh, dc, dz, dc_prev))
}
