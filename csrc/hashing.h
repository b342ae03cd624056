#ifndef FG_HASHING_H
#define FG_HASHING_H
#include "fg_kernels.h"

/* The string hashes TensorFlow uses, bit for bit, so that Hashing,
 * HashedCrossing and the OOV buckets of the lookup layers give tf-keras's
 * bins: FarmHash's Fingerprint64 (farmhashna::Hash64, tf's
 * to_hash_bucket_fast), SipHash-2-4 keyed by (k0, k1) (tf's
 * to_hash_bucket_strong) and tf's FingerprintCat64 (sparse cross_hashed). */

/* Fingerprint64 of the n bytes at s (little-endian reads on any host). */
uint64_t fg_fingerprint64(const uint8_t *s, size_t n);

/* SipHash-2-4 of the n bytes at s under the 128-bit key (k0, k1). */
uint64_t fg_siphash(uint64_t k0, uint64_t k1, const uint8_t *s, size_t n);

/* The hash of each of the n fixed-width UCS-4 strings at s (NumPy's str
 * arrays: `width` code points each, trailing NULs not part of the string),
 * as UTF-8: Fingerprint64, or SipHash under (k0, k1) when keyed. */
void fg_hash_ucs4(const uint32_t *s, fg_idx n, size_t width, int keyed, uint64_t k0,
                  uint64_t k1, uint64_t *out);

/* out[i] = FingerprintCat64(a[i], b[i]) for i < n (a may alias out). */
void fg_fingerprint_cat64(const uint64_t *a, const uint64_t *b, fg_idx n, uint64_t *out);
#endif
