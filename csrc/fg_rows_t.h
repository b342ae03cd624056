/* Reductions over one contiguous row of FG_T, shared by the kernel
 * bodies that include this file inside their own body (so it is compiled
 * once per element type, see fg_twins.h).  No include guard: each type's
 * body needs its own copy.
 *
 * They keep eight independent partial results so the operations pipeline
 * and vectorize under strict FP order. */
static inline FG_T FG_FN(max_row)(const FG_T *a, fg_idx n)
{
    FG_T m[8];
    fg_idx k = 0;
    for (int j = 0; j < 8; j++)
        m[j] = a[0];
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++)
            m[j] = a[k + j] > m[j] ? a[k + j] : m[j];
    for (; k < n; k++)
        m[0] = a[k] > m[0] ? a[k] : m[0];
    for (int j = 1; j < 8; j++)
        m[0] = m[j] > m[0] ? m[j] : m[0];
    return m[0];
}

/* sum(a) (b == NULL) or sum(a * b), accumulated in double. */
static inline double FG_FN(dot_row)(const FG_T *a, const FG_T *b, fg_idx n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    fg_idx k = 0;
    if (b) {
        for (; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += (double)a[k + j] * b[k + j];
        for (; k < n; k++)
            acc[0] += (double)a[k] * b[k];
    } else {
        for (; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += a[k + j];
        for (; k < n; k++)
            acc[0] += a[k];
    }
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
