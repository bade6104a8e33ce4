/*
 * workload_fragment.c — a long-running process whose population changes
 * shape (a cache of small records replaced by larger documents): fill with
 * many small objects, free most of them in scattered order, then allocate
 * objects of other sizes up to the same live bytes. It shows whether the
 * allocator reuses the holes for other sizes, returns them, or grows.
 */
#include "stress.h"

#define SMALL_OBJECTS 400000
#define KEEP_ONE_IN   10

void workload_fragment(struct stress_run *r)
{
    size_t count = scaled(r, SMALL_OBJECTS, 1000);
    struct sblock *small = stress_table(r, count * sizeof *small);
    uint32_t *order = stress_table(r, count * sizeof *order);
    struct rng g = rng_seeded(r->params->seed, 0);

    for (size_t k = 0; k < count; k++)
        sblock_alloc(r, &small[k], rng_log_size(&g, 16, 512), k);
    size_t filled = atomic_load(&r->live_bytes);
    stress_phase(r, "filled");

    /* Free all but one in KEEP_ONE_IN, in a shuffled order. */
    for (size_t k = 0; k < count; k++)
        order[k] = (uint32_t)k;
    for (size_t k = count - 1; k > 0; k--) {
        size_t j = rng_below(&g, k + 1);
        uint32_t t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    for (size_t k = 0; k < count; k++)
        if (order[k] % KEEP_ONE_IN != 0) sblock_free(r, &small[order[k]]);
    stress_phase(r, "scattered-free");

    /* Refill to the same live bytes with objects of 1-8 KiB. */
    size_t capacity = filled / 1024 + 1;
    struct sblock *large = stress_table(r, capacity * sizeof *large);
    size_t used = 0;
    while (atomic_load(&r->live_bytes) < filled && used < capacity) {
        sblock_alloc(r, &large[used], rng_log_size(&g, 1024, 8192), count + used);
        used++;
    }
    stress_phase(r, "refilled");

    for (size_t k = 0; k < count; k++)
        sblock_free(r, &small[k]);
    for (size_t k = 0; k < used; k++)
        sblock_free(r, &large[k]);
    stress_phase(r, "freed");
}
