"""The kernel families compiled for x86-64 CPUs with AVX2 and FMA."""
