/*
 * workload_spike.c — a burst of load, then quiet (a batch job inside a
 * service, a traffic spike): allocate a large volume, free all of it, then
 * stay quiet for a settle window longer than the allocators' purge delays
 * (jemalloc's dirty decay is 10 s), then ask the allocator to release its
 * free memory explicitly. What RSS each step leaves is the figure.
 *
 * Quiet is not silent: every 10 ms a trickle of small requests comes in, as
 * health checks reach an idle service. The allocators purge only from inside
 * their own calls (jemalloc without its background thread, mimalloc, glibc
 * at free), so a process that made no call at all kept every byte for all of
 * them, and the settle window measured nothing.
 */
#include "stress.h"

#include <time.h>

#define SPIKE_BYTES ((size_t)256 << 20)

static size_t spike_size(struct rng *g)
{
    /* Mostly page-multiple buffers, with small objects interleaved. */
    return rng_below(g, 4) == 0 ? rng_log_size(g, 16, 512) : rng_log_size(g, 1024, 256 << 10);
}

enum { TRICKLE_OBJECTS = 64 };
#define TRICKLE_PERIOD_NS 10000000L

static void quiet(struct stress_run *r, struct rng *g, double seconds)
{
    struct sblock trickle[TRICKLE_OBJECTS];
    uint64_t tag = (uint64_t)1 << 62; /* apart from the spike's and the warm blocks' */
    for (double end = monotonic_seconds() + seconds; monotonic_seconds() < end;) {
        for (size_t k = 0; k < TRICKLE_OBJECTS; k++)
            sblock_alloc(r, &trickle[k], rng_log_size(g, 16, 512), tag++);
        for (size_t k = 0; k < TRICKLE_OBJECTS; k++)
            sblock_free(r, &trickle[k]);
        struct timespec ts = {0, TRICKLE_PERIOD_NS};
        while (nanosleep(&ts, &ts) != 0) {
        }
    }
}

void workload_spike(struct stress_run *r)
{
    struct rng g = rng_seeded(r->params->seed, 0);
    enum { WARM = 256 };
    struct sblock *warm = stress_table(r, WARM * sizeof *warm);
    for (size_t k = 0; k < WARM; k++)
        sblock_alloc(r, &warm[k], rng_log_size(&g, 16, 1024), UINT64_MAX - k);
    stress_phase(r, "baseline");

    /* Draw the sizes twice with the same stream: once to size the table. */
    size_t target = scaled(r, SPIKE_BYTES, 1 << 20), count = 0;
    struct rng sizes = rng_seeded(r->params->seed, 1);
    for (size_t total = 0; total < target; count++)
        total += spike_size(&sizes);
    struct sblock *blocks = stress_table(r, count * sizeof *blocks);
    sizes = rng_seeded(r->params->seed, 1);
    for (size_t k = 0; k < count; k++)
        sblock_alloc(r, &blocks[k], spike_size(&sizes), k);
    stress_phase(r, "spike");

    for (size_t k = count; k > 0; k--) { /* a shuffled free order */
        size_t j = rng_below(&g, k);
        sblock_free(r, &blocks[j]);
        blocks[j] = blocks[k - 1];
    }
    stress_phase(r, "freed");

    quiet(r, &g, r->params->settle_seconds);
    stress_phase(r, "settled");

    r->release_call = alloc_release(r->alloc);
    stress_phase_after(r, "released", r->release_call ? r->release_call : "none");
    for (size_t k = 0; k < WARM; k++)
        sblock_free(r, &warm[k]);
}
