/* Kernels declared in attention.h, written once over the element type in
 * attention_t.h and compiled below for float and double. */
#include <math.h>
#include "attention.h"
#include "fg_vmath.h"
#include "fg_pool.h"
#include "fg_blas.h"

/* Rows are independent; below this many scores one thread does them all. */
#define FG_ATTN_PAR 32768

void fg_attn_set_pool(const void *api)
{
    fg_pool_connect(api);
}

void fg_attn_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                      void *get_threads)
{
    fg_blas_connect(sgemm, dgemm, ilp64, set_threads, get_threads);
}

#define FG_TWINS_BODY "fg_blas_t.h"
#include "fg_twins.h"

#define FG_TWINS_BODY "attention_t.h"
#include "fg_twins.h"
