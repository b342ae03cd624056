/* Common definitions for fastgraph's C kernels (plain C99, no Python.h).
 * Each kernel family declares its functions in csrc/<family>.h; kernels
 * trust their callers: the Cython shims in fastgraph/_kernels check dtype,
 * shape and contiguity before calling in.
 *
 * Float32 and float64 twins are written once, in the family's body file
 * csrc/<family>_t.h, over the element type FG_T, naming each function
 * FG_FN(name) (name_f32 / name_f64); csrc/<family>.c compiles the body for
 * both types through fg_twins.h.  FG_TYPED(prefix) names a per-type helper
 * or constant (prefix##f32 / prefix##f64) the family defines for both. */
#ifndef FG_KERNELS_H
#define FG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define FG_RESTRICT __restrict__
#else
#define FG_RESTRICT
#endif

#ifndef FG_HAVE_OPENMP
#define FG_HAVE_OPENMP 0
#endif

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

typedef ptrdiff_t fg_idx;

#define FG_CAT_(a, b) a##b
#define FG_CAT(a, b) FG_CAT_(a, b)
#define FG_FN(name) FG_CAT(name, FG_CAT(_, FG_SUFFIX))
#define FG_TYPED(prefix) FG_CAT(prefix, FG_SUFFIX)

#endif
