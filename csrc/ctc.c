/* CTC loss and gradient: one sample per iteration, samples across threads.
 *
 * The recursions run in double whatever the input type (the sums of many
 * tiny probabilities are where float32 loses digits); alpha includes the
 * emission at its step, beta only the emissions after it, so that
 * exp(alpha + beta - log p) is the occupancy of a state. */
#include <math.h>
#include <stdlib.h>

#include "ctc.h"

static double fg_lse2(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

#define FG_TWINS_BODY "ctc_t.h"
#include "fg_twins.h"
