/* Branch-free exp and tanh over float and double (Cephes' polynomials,
 * within 2 ulp) so that loops calling them vectorize; libm's are scalar
 * calls.  Shared by the kernel families that need them (static inline:
 * each family compiles its own copy). */
#ifndef FG_VMATH_H
#define FG_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp(x): x = n ln2 + r with |r| <= ln2/2, n found by the round-to-nearest
 * magic-number addition (no float->int conversion, so NaN stays harmless),
 * 2^n built in the exponent bits.  Results below the smallest normal number
 * flush to 0; above x = 88.376 (float) / 709.43 (double), where 2^n would
 * leave the exponent range, the result is +inf. */
static inline float fg_vexp_f32(float x)
{
    const float hi = 88.37626f, lo = -87.33654f, magic = 12582912.0f; /* 1.5 * 2^23 */
    float xc = x > hi ? hi : (x < lo ? lo : x);
    float t = xc * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
    float p = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r
                + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    uint32_t tb, mb, sb;
    float scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&mb, &magic, sizeof mb);
    sb = (tb - mb + 127u) << 23;
    memcpy(&scale, &sb, sizeof scale);
    float y = p * scale;
    return x > hi ? (float)INFINITY : (x < lo ? 0.0f : y);
}

static inline double fg_vexp_f64(double x)
{
    const double hi = 709.43, lo = -708.39, magic = 6755399441055744.0; /* 1.5 * 2^52 */
    double xc = x > hi ? hi : (x < lo ? lo : x);
    double t = xc * 1.4426950408889634073599 + magic;
    double n = t - magic;
    double r = xc - n * 6.93145751953125e-1 - n * 1.42860682030941723212e-6;
    double rr = r * r;
    double px = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
                     + 9.99999999999999999910e-1);
    double qx = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
                 + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0;
    double e = 1.0 + 2.0 * px / (qx - px);
    uint64_t tb, mb, sb;
    double scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&mb, &magic, sizeof mb);
    sb = (tb - mb + 1023u) << 52;
    memcpy(&scale, &sb, sizeof scale);
    double y = e * scale;
    return x > hi ? (double)INFINITY : (x < lo ? 0.0 : y);
}

/* tanh: odd polynomial / rational form below 0.625, 1 - 2 / (exp(2|x|) + 1)
 * above; both computed, one selected. */
static inline float fg_vtanh_f32(float x)
{
    float a = fabsf(x), z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                    + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float big = 1.0f - 2.0f / (fg_vexp_f32(2.0f * a) + 1.0f);
    big = x < 0 ? -big : big;
    return a < 0.625f ? small : big;
}

static inline double fg_vtanh_f64(double x)
{
    double a = fabs(x), z = x * x;
    double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z
               - 1.61468768441708447952e3;
    double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z
               + 4.84406305325125486048e3;
    double small = x + x * z * p / q;
    double big = 1.0 - 2.0 / (fg_vexp_f64(2.0 * a) + 1.0);
    big = x < 0 ? -big : big;
    return a < 0.625 ? small : big;
}

#endif
