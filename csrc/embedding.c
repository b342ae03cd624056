/* Embedding lookup (row gather) and its gradient (row scatter-add), for
 * int32 and int64 indices: embedding_t.h is written once over the index
 * type FG_I and compiled here for both; its row kernels, over FG_I and the
 * element type FG_T, come in float32 / float64 twins (embedding_rows_t.h
 * through fg_twins.h). */
#include <string.h>
#include "fg_kernels.h"
#include "embedding.h"

/* Below this many copied elements a parallel region costs more than it saves. */
#define FG_EMB_PAR_MIN 65536
/* Scatter-add splits the D columns into blocks, one thread per block, so no
 * two threads touch one element and each element sums its rows in order.
 * A block is 64 elements: whole cache lines, no false sharing. */
#define FG_EMB_COL_BLOCK 64

/* name_f32_i32 and so on: the name for FG_T and FG_I. */
#define FG_EMB_FN(name) FG_CAT(FG_FN(name), FG_CAT(_, FG_I_SUFFIX))

#define FG_I int32_t
#define FG_I_SUFFIX i32
#include "embedding_t.h"
#undef FG_I
#undef FG_I_SUFFIX

#define FG_I int64_t
#define FG_I_SUFFIX i64
#include "embedding_t.h"
#undef FG_I
#undef FG_I_SUFFIX
