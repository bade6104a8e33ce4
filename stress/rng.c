/*
 * rng.c — the stress workloads' randomness: splitmix64 streams, so that a
 * seed and a stream number (a request, a thread) always give the same
 * sequence whichever thread draws it.
 */
#include "stress.h"

#include <math.h>

struct rng rng_seeded(uint64_t seed, uint64_t stream)
{
    struct rng g = {seed * UINT64_C(0x9E3779B97F4A7C15) ^
                    (stream + 1) * UINT64_C(0xD1B54A32D192ED03)};
    rng_next(&g);
    return g;
}

uint64_t rng_next(struct rng *g)
{
    uint64_t z = (g->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t rng_below(struct rng *g, uint64_t bound)
{
    return bound ? rng_next(g) % bound : 0;
}

size_t rng_log_size(struct rng *g, size_t lo, size_t hi)
{
    double unit = (double)(rng_next(g) >> 11) * 0x1p-53;
    double size = exp(log((double)lo) + unit * (log((double)hi + 1) - log((double)lo)));
    size_t s = (size_t)size;
    return s < lo ? lo : s > hi ? hi : s;
}

size_t scaled(const struct stress_run *r, size_t count, size_t minimum)
{
    double n = (double)count * r->params->scale;
    return n < (double)minimum ? minimum : (size_t)n;
}
