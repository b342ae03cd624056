/* String hashes matching TensorFlow's (see hashing.h).  Fingerprint64 is
 * Geoff Pike's FarmHash (farmhashna::Hash64, MIT licence, Google 2014),
 * written here from its published algorithm; SipHash-2-4 is Aumasson and
 * Bernstein's reference construction. */
#include "hashing.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t K0 = 0xc3a5c85c97cb3127ULL;
static const uint64_t K1 = 0xb492b66fbe98f273ULL;
static const uint64_t K2 = 0x9ae16a3b2f90404fULL;

static inline uint64_t fetch64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

static inline uint64_t fetch32(const uint8_t *p) {
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16)
           | ((uint64_t)p[3] << 24);
}

static inline uint64_t rot(uint64_t v, int s) {
    return s == 0 ? v : (v >> s) | (v << (64 - s));
}

static inline uint64_t shift_mix(uint64_t v) { return v ^ (v >> 47); }

static inline uint64_t len16(uint64_t u, uint64_t v, uint64_t mul) {
    uint64_t a = (u ^ v) * mul;
    a ^= a >> 47;
    uint64_t b = (v ^ a) * mul;
    b ^= b >> 47;
    return b * mul;
}

static uint64_t len0to16(const uint8_t *s, size_t n) {
    if (n >= 8) {
        uint64_t mul = K2 + n * 2, a = fetch64(s) + K2, b = fetch64(s + n - 8);
        uint64_t c = rot(b, 37) * mul + a, d = (rot(a, 25) + b) * mul;
        return len16(c, d, mul);
    }
    if (n >= 4) {
        uint64_t mul = K2 + n * 2, a = fetch32(s);
        return len16(n + (a << 3), fetch32(s + n - 4), mul);
    }
    if (n > 0) {
        uint32_t a = s[0], b = s[n >> 1], c = s[n - 1];
        uint32_t y = a + (b << 8), z = (uint32_t)n + (c << 2);
        return shift_mix((uint64_t)y * K2 ^ (uint64_t)z * K0) * K2;
    }
    return K2;
}

static uint64_t len17to32(const uint8_t *s, size_t n) {
    uint64_t mul = K2 + n * 2, a = fetch64(s) * K1, b = fetch64(s + 8);
    uint64_t c = fetch64(s + n - 8) * mul, d = fetch64(s + n - 16) * K2;
    return len16(rot(a + b, 43) + rot(c, 30) + d, a + rot(b + K2, 18) + c, mul);
}

static uint64_t len33to64(const uint8_t *s, size_t n) {
    uint64_t mul = K2 + n * 2, a = fetch64(s) * K2, b = fetch64(s + 8);
    uint64_t c = fetch64(s + n - 8) * mul, d = fetch64(s + n - 16) * K2;
    uint64_t y = rot(a + b, 43) + rot(c, 30) + d;
    uint64_t z = len16(y, a + rot(b + K2, 18) + c, mul);
    uint64_t e = fetch64(s + 16) * mul, f = fetch64(s + 24);
    uint64_t g = (y + fetch64(s + n - 32)) * mul, h = (z + fetch64(s + n - 24)) * mul;
    return len16(rot(e + f, 43) + rot(g, 30) + h, e + rot(f + a, 18) + g, mul);
}

/* (first, second) of farmhash's WeakHashLen32WithSeeds over 32 bytes at s. */
static inline void weak32(const uint8_t *s, uint64_t a, uint64_t b, uint64_t out[2]) {
    uint64_t w = fetch64(s), x = fetch64(s + 8), y = fetch64(s + 16), z = fetch64(s + 24);
    a += w;
    b = rot(b + a + z, 21);
    uint64_t c = a;
    a += x;
    a += y;
    b += rot(a, 44);
    out[0] = a + z;
    out[1] = b + c;
}

uint64_t fg_fingerprint64(const uint8_t *s, size_t n) {
    const uint64_t seed = 81;
    if (n <= 16) return len0to16(s, n);
    if (n <= 32) return len17to32(s, n);
    if (n <= 64) return len33to64(s, n);
    uint64_t x = seed, y = seed * K1 + 113, z = shift_mix(y * K2 + 113) * K2;
    uint64_t v[2] = {0, 0}, w[2] = {0, 0}, t;
    x = x * K2 + fetch64(s);
    const uint8_t *end = s + ((n - 1) / 64) * 64;
    const uint8_t *last64 = end + ((n - 1) & 63) - 63;
    do {
        x = rot(x + y + v[0] + fetch64(s + 8), 37) * K1;
        y = rot(y + v[1] + fetch64(s + 48), 42) * K1;
        x ^= w[1];
        y += v[0] + fetch64(s + 40);
        z = rot(z + w[0], 33) * K1;
        weak32(s, v[1] * K1, x + w[0], v);
        weak32(s + 32, z + w[1], y + fetch64(s + 16), w);
        t = z; z = x; x = t;
        s += 64;
    } while (s != end);
    uint64_t mul = K1 + ((z & 0xff) << 1);
    s = last64;
    w[0] += ((n - 1) & 63);
    v[0] += w[0];
    w[0] += v[0];
    x = rot(x + y + v[0] + fetch64(s + 8), 37) * mul;
    y = rot(y + v[1] + fetch64(s + 48), 42) * mul;
    x ^= w[1] * 9;
    y += v[0] * 9 + fetch64(s + 40);
    z = rot(z + w[0], 33) * mul;
    weak32(s, v[1] * mul, x + w[0], v);
    weak32(s + 32, z + w[1], y + fetch64(s + 16), w);
    t = z; z = x; x = t;
    return len16(len16(v[0], w[0], mul) + shift_mix(y) * K0 + z,
                 len16(v[1], w[1], mul) + x, mul);
}

#define SIPROUND                                                    \
    do {                                                            \
        v0 += v1; v1 = rot(v1, 51); v1 ^= v0; v0 = rot(v0, 32);     \
        v2 += v3; v3 = rot(v3, 48); v3 ^= v2;                       \
        v0 += v3; v3 = rot(v3, 43); v3 ^= v0;                       \
        v2 += v1; v1 = rot(v1, 47); v1 ^= v2; v2 = rot(v2, 32);     \
    } while (0)

uint64_t fg_siphash(uint64_t k0, uint64_t k1, const uint8_t *s, size_t n) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = n & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = fetch64(s + i);
        v3 ^= m;
        SIPROUND; SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = full; i < n; ++i) b |= (uint64_t)s[i] << (8 * (i - full));
    v3 ^= b;
    SIPROUND; SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* UTF-8 of the `len` code points at s into out (4 * len bytes at most). */
static size_t utf8(const uint32_t *s, size_t len, uint8_t *out) {
    size_t o = 0;
    for (size_t i = 0; i < len; ++i) {
        uint32_t cp = s[i];
        if (cp < 0x80) {
            out[o++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            out[o++] = (uint8_t)(0xc0 | (cp >> 6));
            out[o++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (uint8_t)(0xe0 | (cp >> 12));
            out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else {
            out[o++] = (uint8_t)(0xf0 | (cp >> 18));
            out[o++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (uint8_t)(0x80 | (cp & 0x3f));
        }
    }
    return o;
}

void fg_hash_ucs4(const uint32_t *s, fg_idx n, size_t width, int keyed, uint64_t k0,
                  uint64_t k1, uint64_t *out) {
    uint8_t stack_buf[1024];
    uint8_t *buf = 4 * width <= sizeof stack_buf ? stack_buf : malloc(4 * width);
    for (fg_idx i = 0; i < n; ++i) {
        const uint32_t *item = s + (size_t)i * width;
        size_t len = width;
        while (len && item[len - 1] == 0) --len;
        size_t bytes = buf ? utf8(item, len, buf) : 0;
        out[i] = keyed ? fg_siphash(k0, k1, buf, bytes) : fg_fingerprint64(buf, bytes);
    }
    if (buf != stack_buf) free(buf);
}

void fg_fingerprint_cat64(const uint64_t *a, const uint64_t *b, fg_idx n, uint64_t *out) {
    const uint64_t mul = 0xc6a4a7935bd1e995ULL;
    for (fg_idx i = 0; i < n; ++i) {
        uint64_t r = a[i] ^ mul;
        r ^= shift_mix(b[i] * mul) * mul;
        r *= mul;
        r = shift_mix(r) * mul;
        out[i] = shift_mix(r);
    }
}
