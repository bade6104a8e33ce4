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

void shadow_map_init(struct shadow_map *m, void *storage, uint32_t capacity)
{
    m->ranges = storage;
    m->ids = (uint8_t *)(m->ranges + capacity);
    m->count = 0;
    m->capacity = capacity;
}

/* Below this many candidates, counting the starts ≤ key is cheaper than
 * halving further: the comparisons are independent, while each halving
 * step waits for the load before it. */
#define LINEAR_SPAN 16

/* Index of the first range whose start is > key. The halving is branch-free
 * (the step is a mask): the addresses are random, so a branchy search
 * mispredicts at every step. */
static uint32_t upper_bound(const struct shadow_map *m, uintptr_t key)
{
    const struct shadow_range *base = m->ranges;
    uint32_t n = m->count;
    while (n > LINEAR_SPAN) {
        uint32_t half = n / 2;
        base += half & -(uint32_t)(base[half - 1].start <= key);
        n -= half;
    }
    uint32_t below = 0;
    for (uint32_t i = 0; i < n; i++)
        below += base[i].start <= key;
    return (uint32_t)(base - m->ranges) + below;
}

int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end)
{
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
    uint32_t at = upper_bound(m, start);
    if (at == 0 || m->ranges[at - 1].start != start) return;
    size_t after = m->count - at;
    memmove(&m->ranges[at - 1], &m->ranges[at], after * sizeof *m->ranges);
    memmove(&m->ids[at - 1], &m->ids[at], after);
    m->count--;
}
