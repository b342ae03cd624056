/* The CPU's features for the kernels' dispatch (fastgraph/_kernels/dispatch.py).
 *
 * GCC's and Clang's __builtin_cpu_supports read cpuid and also check, through
 * xgetbv, that the OS saves the AVX and AVX-512 registers, so a level reported
 * here runs.  The features checked are exactly the -m flags setup.py compiles
 * each level with.  Compiled once, without any of them. */
#include "cpu.h"

int fg_cpu_level(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
        return 0;
    if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
          && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
          && __builtin_cpu_supports("avx512vl")))
        return 1;
    return 2;
#else
    return 0;
#endif
}
