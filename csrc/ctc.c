/* CTC loss and gradient: one sample per iteration, samples across threads.
 *
 * The recursions run in double whatever the input type (the sums of many
 * tiny probabilities are where float32 loses digits); alpha includes the
 * emission at its step, beta only the emissions after it, so that
 * exp(alpha + beta - log p) is the occupancy of a state.
 *
 * The beam search keeps TensorFlow's trie of prefixes (a prefix that drops
 * out of the beam keeps its node, and its children) in one growing array
 * per thread, and the beam as a min-heap, so the weakest prefix is evicted
 * in log(width). */
#include <math.h>
#include <stdlib.h>

#include "ctc.h"

static double fg_lse2(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

#include "ctc_beam.h"

#define FG_TWINS_BODY "ctc_t.h"
#include "fg_twins.h"
