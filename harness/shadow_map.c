/*
 * shadow_map.c — the live blocks' ranges, for the overlap check: does a new
 * range meet a live one? The ranges are packed at the front of two arrays
 * and a query compares them all, four at a time, with no branch but the
 * loop's: a program holds at most GAUNTLET_MAX_SLOTS blocks, and reading
 * them all costs less than the mispredicted branches of any index that
 * finds a few (chains per address granule, tree descents). Nothing moves
 * on insert; a removal moves the last range into the hole.
 */
#include "internal.h"

#include <string.h>

_Static_assert(GAUNTLET_MAX_SLOTS <= 256, "slots and indices fit in a byte");
_Static_assert(GAUNTLET_MAX_SLOTS % 4 == 0, "the scan reads whole quads");

/* Whether a live range meets [start, end). The quad read past the last
 * range reads entries of {0, 0}, which meet nothing. */
VECTOR_CLONES NO_COVERAGE static bool any_meets(const struct shadow_map *m, uintptr_t start,
                                                uintptr_t end)
{
    word_quad hit = {0, 0, 0, 0}, s = hit + start, e = hit + end;
    for (uint32_t i = 0; i < m->count; i += 4) {
        word_quad starts, ends;
        memcpy(&starts, &m->start[i], sizeof starts);
        memcpy(&ends, &m->end[i], sizeof ends);
        hit |= (word_quad)(starts < e) & (word_quad)(s < ends);
    }
    return (hit[0] | hit[1] | hit[2] | hit[3]) != 0;
}

/* Of the ranges meeting [start, end), the lowest slot: a report names the
 * same live block whatever the order of the arrays (a reproducer scans the
 * slots in order). */
NO_COVERAGE static int32_t lowest_meeting(const struct shadow_map *m, uintptr_t start,
                                          uintptr_t end)
{
    int32_t lowest = -1;
    for (uint32_t i = 0; i < m->count; i++)
        if (m->start[i] < end && start < m->end[i] && (lowest < 0 || m->slot_of[i] < lowest))
            lowest = m->slot_of[i];
    return lowest;
}

int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end)
{
#ifdef GAUNTLET_ABLATE_MAP /* ci/bench-oracle-parts.sh only: a build that checks nothing */
    return -1;
#endif
    if (any_meets(m, start, end)) return lowest_meeting(m, start, end);
    uint32_t i = m->count++;
    m->start[i] = start;
    m->end[i] = end;
    m->index_of[id] = (uint8_t)i;
    m->slot_of[i] = (uint8_t)id;
    return -1;
}

void shadow_map_remove(struct shadow_map *m, int32_t id)
{
#ifdef GAUNTLET_ABLATE_MAP
    return;
#endif
    uint32_t i = m->index_of[id], last = --m->count;
    m->start[i] = m->start[last];
    m->end[i] = m->end[last];
    m->slot_of[i] = m->slot_of[last];
    m->index_of[m->slot_of[i]] = (uint8_t)i;
    m->start[last] = m->end[last] = 0;
    m->slot_of[last] = 0;
    m->index_of[id] = 0;
}

uint32_t shadow_map_count(const struct shadow_map *m)
{
    return m->count;
}
