/* Upsampling, channels-last: every pixel's channels are one contiguous run.
 *
 * Forward passes split output rows across threads, backward passes input
 * rows: each thread writes only its own rows (the backward passes gather
 * the output rows that read an input row), so no pass needs atomics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "upsample.h"

/* Parallel regions only pay above this many elements. */
#define FG_PAR_MIN 32768

#if FG_HAVE_OPENMP
#define FG_OMP_FOR _Pragma("omp parallel for schedule(static) if (par)")
#else
#define FG_OMP_FOR
#endif

#define FG_TWINS_BODY "upsample_t.h"
#include "fg_twins.h"
