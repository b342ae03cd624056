/* Projective image resampling (see image.h).  The forward pass splits
 * output rows across threads; the backward pass splits images, so each
 * thread scatters only into its own image's gradient (no atomics). */
#include <math.h>
#include <string.h>

#include "image.h"

#define FG_PAR_MIN 32768

#if FG_HAVE_OPENMP
#define FG_OMP_FOR _Pragma("omp parallel for schedule(static) if (par)")
#else
#define FG_OMP_FOR
#endif

static inline float fg_clampf(float v, float lo, float hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* tf's MapCoordinate for each fill mode (float32 arithmetic as in tf). */
static inline float fg_map_coord(float in, fg_idx len, int mode) {
    const float n = (float)len;
    if (mode == FG_FILL_CONSTANT) return in;
    if (mode == FG_FILL_REFLECT) {
        if (in < 0) {
            if (len <= 1) return 0;
            const float sz2 = 2 * n;
            if (in < sz2) in = sz2 * (float)(int64_t)(-in / sz2) + in;
            in = (in < -n) ? in + sz2 : -in - 1;
        } else if (in > n - 1) {
            if (len <= 1) return 0;
            const float sz2 = 2 * n;
            in -= sz2 * (float)(int64_t)(in / sz2);
            if (in >= n) in = sz2 - in - 1;
        }
    } else if (mode == FG_FILL_WRAP) {
        if (in < 0) {
            if (len <= 1) return 0;
            const float sz = n - 1;
            in += n * ((float)(int64_t)(-in / sz) + 1);
        } else if (in > n - 1) {
            if (len <= 1) return 0;
            const float sz = n - 1;
            in -= n * (float)(int64_t)(in / sz);
        }
    }
    return fg_clampf(in, 0, n - 1);
}

/* Up to 4 taps of one output pixel: flat pixel offsets (-1: outside) and
 * weights; returns how many. */
static inline int fg_affine_taps(const float *t, fg_idx ox, fg_idx oy,
                                 const fg_affine_geom *g, fg_idx off[4], float wt[4]) {
    const float xf = (float)ox, yf = (float)oy;
    const float k = t[6] * xf + t[7] * yf + 1.0f;
    float in_x = (t[0] * xf + t[1] * yf + t[2]) / k;
    float in_y = (t[3] * xf + t[4] * yf + t[5]) / k;
    in_x = fg_map_coord(in_x, g->w, g->fill_mode);
    in_y = fg_map_coord(in_y, g->h, g->fill_mode);
    if (g->nearest) {
        const float ry = roundf(in_y), rx = roundf(in_x);
        off[0] = (ry >= 0 && ry < (float)g->h && rx >= 0 && rx < (float)g->w)
                 ? (fg_idx)ry * g->w + (fg_idx)rx : -1;
        wt[0] = 1.0f;
        return 1;
    }
    const float y0 = floorf(in_y), x0 = floorf(in_x), y1 = y0 + 1, x1 = x0 + 1;
    const float ys[4] = {y0, y0, y1, y1}, xs[4] = {x0, x1, x0, x1};
    wt[0] = (y1 - in_y) * (x1 - in_x);
    wt[1] = (y1 - in_y) * (in_x - x0);
    wt[2] = (in_y - y0) * (x1 - in_x);
    wt[3] = (in_y - y0) * (in_x - x0);
    for (int i = 0; i < 4; i++)
        off[i] = (ys[i] >= 0 && ys[i] < (float)g->h && xs[i] >= 0 && xs[i] < (float)g->w)
                 ? (fg_idx)ys[i] * g->w + (fg_idx)xs[i] : -1;
    return 4;
}

#define FG_TWINS_BODY "image_t.h"
#include "fg_twins.h"
