#ifndef FG_THREADS_H
#define FG_THREADS_H
int fg_openmp_available(void);
void fg_set_omp_threads(int n);
int fg_get_omp_threads(void);
#endif
