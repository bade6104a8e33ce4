/*
 * shadow_map.c — the live blocks ordered by address, so the overlap check is
 * a binary search and a look at two neighbours instead of a scan. A sorted
 * array: with at most GAUNTLET_MAX_SLOTS live blocks, moving a few hundred
 * bytes on insert and remove is cheaper than any pointer-chasing tree, and
 * the whole map stays in a few cache lines.
 */
#include "run.h"

#include <string.h>

void shadow_map_init(struct shadow_map *m, struct shadow_range *ranges, uint32_t capacity)
{
    m->ranges = ranges;
    m->count = 0;
    m->capacity = capacity;
}

/* Index of the first range whose start is > key. Branch-free halving: the
 * addresses are random, so a branchy search mispredicts at every step. */
static uint32_t upper_bound(const struct shadow_map *m, uintptr_t key)
{
    const struct shadow_range *base = m->ranges;
    uint32_t n = m->count;
    if (n == 0) return 0;
    while (n > 1) {
        uint32_t half = n / 2;
        base = base[half - 1].start <= key ? base + half : base;
        n -= half;
    }
    return (uint32_t)(base - m->ranges) + (base->start <= key);
}

int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end)
{
    uint32_t at = upper_bound(m, start);
    if (at > 0 && m->ranges[at - 1].end > start) return m->ranges[at - 1].id;
    if (at < m->count && m->ranges[at].start < end) return m->ranges[at].id;
    if (m->count == m->capacity) return id; /* cannot happen: one range per slot */
    memmove(&m->ranges[at + 1], &m->ranges[at], (m->count - at) * sizeof *m->ranges);
    m->ranges[at] = (struct shadow_range){start, end, id};
    m->count++;
    return -1;
}

void shadow_map_remove(struct shadow_map *m, uintptr_t start)
{
    uint32_t at = upper_bound(m, start);
    if (at == 0 || m->ranges[at - 1].start != start) return;
    at--;
    memmove(&m->ranges[at], &m->ranges[at + 1], (m->count - at - 1) * sizeof *m->ranges);
    m->count--;
}
