"""The kernel families compiled for x86-64 CPUs with AVX-512 (F, CD, BW, DQ, VL)."""
