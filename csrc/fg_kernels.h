/* Common definitions for fastgraph's C kernels (plain C99, no Python.h).
 * Each kernel family declares its functions in csrc/<family>.h; kernels
 * trust their callers: the Cython shims in fastgraph/_kernels check dtype,
 * shape and contiguity before calling in. */
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

#endif
