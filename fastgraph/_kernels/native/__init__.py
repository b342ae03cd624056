"""The kernel families compiled with -march=native: for the machine that built them."""
