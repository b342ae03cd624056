/* Inverted dropout with a counter-based generator: element i's 32-bit draw
 * is a hash of (key, i) (two rounds of Wellons' lowbias32 with the key mixed
 * in), so masks are reproducible from the key alone and threads work
 * independently.  Work goes in blocks: draw a block of the mask (a loop that
 * vectorises), then apply it, while the block is in L1. */
#include "fg_kernels.h"
#include "dropout.h"

#define FG_DROP_PAR_MIN 65536
/* A power of two dividing 2^32, so no block straddles a change of i >> 32. */
#define FG_DROP_BLOCK 1024

static inline uint32_t fg_lowbias32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* mask[i] = draw(i) >= threshold for b0 <= i < b1 (one block). */
static inline void fg_draw_block(fg_idx b0, fg_idx b1, uint64_t key,
                                 uint32_t threshold, uint8_t *FG_RESTRICT mask)
{
    const uint32_t k0 = (uint32_t)key;
    const uint32_t k1 = (uint32_t)(key >> 32) ^ fg_lowbias32((uint32_t)((uint64_t)b0 >> 32));
    uint32_t c = (uint32_t)b0;
    for (fg_idx i = b0; i < b1; i++, c++)
        mask[i] = fg_lowbias32(fg_lowbias32(c * 0x9E3779B9U + k0) ^ k1) >= threshold;
}

void fg_dropout_mask(fg_idx n, uint64_t key, uint64_t threshold, uint8_t *mask)
{
    const fg_idx nblocks = (n + FG_DROP_BLOCK - 1) / FG_DROP_BLOCK;
    #pragma omp parallel for schedule(static) if(n >= FG_DROP_PAR_MIN)
    for (fg_idx b = 0; b < nblocks; b++) {
        const fg_idx b0 = b * FG_DROP_BLOCK;
        const fg_idx b1 = b0 + FG_DROP_BLOCK < n ? b0 + FG_DROP_BLOCK : n;
        fg_draw_block(b0, b1, key, (uint32_t)threshold, mask);
    }
}

#define FG_TWINS_BODY "dropout_t.h"
#include "fg_twins.h"
