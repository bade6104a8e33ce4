/*
 * shadow_map.c — the live blocks ordered by address, so the overlap check is
 * a search and a look at two neighbours instead of a scan. A sorted array:
 * with at most GAUNTLET_MAX_SLOTS live blocks, moving a few hundred bytes on
 * insert and remove is cheaper than any pointer-chasing tree, and the whole
 * map stays in a few cache lines. The slots live in an array of their own,
 * one byte each, so a move copies 17 bytes per entry, not 24.
 */
#include "run.h"

#include <string.h>

_Static_assert(GAUNTLET_MAX_SLOTS <= 256, "slot numbers are kept in one byte");

/* Starts of the (nonexistent) entries past the last: never below a key, so
 * the final count always looks at SHADOW_MAP_PADDING entries (a fixed, unrolled
 * loop) however few remain. */
#define PAST_END UINTPTR_MAX

void shadow_map_init(struct shadow_map *m, void *storage, uint32_t capacity)
{
    m->ranges = storage;
    m->ids = (uint8_t *)(m->ranges + capacity + SHADOW_MAP_PADDING);
    m->count = 0;
    m->capacity = capacity;
    for (uint32_t i = 0; i < capacity + SHADOW_MAP_PADDING; i++)
        m->ranges[i] = (struct shadow_range){PAST_END, PAST_END};
}

void shadow_map_reuse(struct shadow_map *m, void *storage, uint32_t capacity)
{
    m->ranges = storage;
    m->ids = (uint8_t *)(m->ranges + capacity + SHADOW_MAP_PADDING);
    m->count = 0;
    m->capacity = capacity;
}

/* Index of the first range whose start is > key. Halving down to
 * SHADOW_MAP_PADDING candidates (branch-free: the step is a mask, since the
 * addresses are random and a branch would mispredict at every step), then
 * counting the starts ≤ key among them: independent comparisons, where
 * each further halving step would wait for the load before it. */
NO_COVERAGE static uint32_t upper_bound(const struct shadow_map *m, uintptr_t key)
{
    const struct shadow_range *base = m->ranges;
    uint32_t n = m->count;
    while (n > SHADOW_MAP_PADDING) {
        uint32_t half = n / 2;
        base += half & -(uint32_t)(base[half - 1].start <= key);
        n -= half;
    }
    uint32_t b0 = 0, b1 = 0, b2 = 0, b3 = 0; /* four sums: no chain through one adder */
    for (uint32_t i = 0; i < SHADOW_MAP_PADDING; i += 4) {
        b0 += base[i].start <= key;
        b1 += base[i + 1].start <= key;
        b2 += base[i + 2].start <= key;
        b3 += base[i + 3].start <= key;
    }
    uint32_t at = (uint32_t)(base - m->ranges) + b0 + b1 + b2 + b3;
    return at < m->count ? at : m->count; /* a key of PAST_END counts the padding too */
}

int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end)
{
#ifdef GAUNTLET_ABLATE_MAP /* ci/bench-oracle-parts.sh only: a build that checks nothing */
    return -1;
#endif
    uint32_t at = upper_bound(m, start);
    if (at > 0 && m->ranges[at - 1].end > start) return m->ids[at - 1];
    if (at < m->count && m->ranges[at].start < end) return m->ids[at];
    if (m->count == m->capacity) return id; /* cannot happen: one range per slot */
    size_t after = m->count - at;
    memmove(&m->ranges[at + 1], &m->ranges[at], after * sizeof *m->ranges);
    memmove(&m->ids[at + 1], &m->ids[at], after);
    m->ranges[at] = (struct shadow_range){start, end};
    m->ids[at] = (uint8_t)id;
    m->count++;
    return -1;
}

void shadow_map_remove(struct shadow_map *m, uintptr_t start)
{
#ifdef GAUNTLET_ABLATE_MAP
    return;
#endif
    uint32_t at = upper_bound(m, start);
    if (at == 0 || m->ranges[at - 1].start != start) return;
    size_t after = m->count - at;
    memmove(&m->ranges[at - 1], &m->ranges[at], after * sizeof *m->ranges);
    memmove(&m->ids[at - 1], &m->ids[at], after);
    m->count--;
    m->ranges[m->count] = (struct shadow_range){PAST_END, PAST_END};
}
