#ifndef FG_CPU_H
#define FG_CPU_H
/* The highest x86-64 kernel level this CPU and OS run: 0 baseline (SSE2,
   and every other architecture), 1 AVX2 + FMA, 2 AVX-512 F/CD/BW/DQ/VL. */
int fg_cpu_level(void);
#endif
