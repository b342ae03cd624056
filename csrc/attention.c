/* Kernels declared in attention.h, written once over the element type in
 * attention_t.h and compiled below for float and double. */
#include <math.h>
#include "attention.h"
#include "fg_vmath.h"

/* Rows are independent; below this many scores one thread does them all. */
#define FG_ATTN_PAR 32768

#define FG_TWINS_BODY "attention_t.h"
#include "fg_twins.h"
