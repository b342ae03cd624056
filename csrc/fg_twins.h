/* Compile the body file FG_TWINS_BODY once for float (FG_T float, FG_SUFFIX
 * f32) and once for double (f64); see fg_kernels.h.  Usage, in
 * csrc/<family>.c after what the body needs:
 *     #define FG_TWINS_BODY "<family>_t.h"
 *     #include "fg_twins.h"
 * No include guard: every inclusion instantiates one body. */
#ifndef FG_TWINS_BODY
#error "define FG_TWINS_BODY (the body file) before including fg_twins.h"
#endif

#define FG_T float
#define FG_SUFFIX f32
#include FG_TWINS_BODY
#undef FG_T
#undef FG_SUFFIX

#define FG_T double
#define FG_SUFFIX f64
#include FG_TWINS_BODY
#undef FG_T
#undef FG_SUFFIX

#undef FG_TWINS_BODY
