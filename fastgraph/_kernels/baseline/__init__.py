"""The kernel families compiled for any CPU of the architecture (x86-64: SSE2)."""
