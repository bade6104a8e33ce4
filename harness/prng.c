/*
 * prng.c — the library's seeded PRNG (xoshiro256**, seeded through
 * splitmix64), local and platform-independent, so that a seed names the
 * same program or mutation on every machine. The generator and the
 * mutator draw from it.
 */
#include "internal.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

void prng_seed(struct prng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t prng_next(struct prng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform enough in 0 .. n-1 (multiply-shift; the bias is below 2^-32). */
uint32_t prng_below(struct prng *r, uint32_t n)
{
    return (uint32_t)(((prng_next(r) >> 32) * n) >> 32);
}

bool prng_percent(struct prng *r, unsigned percent)
{
    return prng_below(r, 100) < percent;
}

unsigned prng_weighted(struct prng *r, const unsigned *weights, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += weights[i];
    uint32_t x = prng_below(r, total);
    for (unsigned i = 0;; i++) {
        if (x < weights[i]) return i;
        x -= weights[i];
    }
}
