/*
 * shadow_map.c — the live blocks by address, for the overlap check: does a
 * new range meet a live one? Nothing moves on insert or remove. Each live
 * range is filed once, by the granule its start falls in, at the level
 * whose granule is at least its length: 4 KiB, 1 MiB, or (longer) one list.
 * A range of level k that meets [s, e) starts in one of the granules from
 * the one before s's to e-1's, so a query walks those buckets' chains at
 * each level that holds anything (two or three chains of a few entries for
 * a small block). Chains are linked through per-slot arrays, so insert and
 * remove are O(1) once the query is done, and zeroed memory is an empty map
 * (links hold slot + 1; 0 ends a chain).
 */
#include "internal.h"

#include <string.h>

_Static_assert(GAUNTLET_MAX_SLOTS < UINT16_MAX, "links hold slot + 1 in 16 bits");

/* Level k's granule is 1 << level_shift[k]; the last level has none. */
static const unsigned level_shift[SHADOW_LEVELS - 1] = {12, 20};

/* Queries spanning more granules than this scan the level's entries instead. */
#define MAX_GRANULES 8

static unsigned level_of(uintptr_t length)
{
    unsigned k = 0;
    while (k < SHADOW_LEVELS - 1 && length > ((uintptr_t)1 << level_shift[k]))
        k++;
    return k;
}

static inline unsigned bucket_of(unsigned level, uintptr_t start)
{
    if (level == SHADOW_LEVELS - 1) return 0;
    uint64_t granule = (uint64_t)(start >> level_shift[level]);
    return (unsigned)((granule * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - SHADOW_BUCKET_BITS));
}

NO_COVERAGE static inline bool meets(const struct shadow_range *r, uintptr_t start, uintptr_t end)
{
    return r->start < end && start < r->end;
}

/* The first entry of a chain that meets [start, end), or -1. */
NO_COVERAGE static inline int32_t walk(const struct shadow_map *m, uint16_t link, uintptr_t start,
                                       uintptr_t end)
{
    for (; link; link = m->next[link - 1])
        if (meets(&m->range[link - 1], start, end)) return link - 1;
    return -1;
}

/* Every entry of a level, for a query too long to walk granule by granule. */
NO_COVERAGE static int32_t scan_level(const struct shadow_map *m, unsigned level, uintptr_t start,
                                      uintptr_t end)
{
    for (unsigned b = 0; b < SHADOW_BUCKETS; b++) {
        int32_t hit = walk(m, m->heads[level][b], start, end);
        if (hit >= 0) return hit;
    }
    return -1;
}

/* Level k's ranges meeting [start, end). */
NO_COVERAGE static int32_t find_at_level(const struct shadow_map *m, unsigned k, uintptr_t start,
                                         uintptr_t end)
{
    unsigned shift = level_shift[k];
    uintptr_t first = start >> shift, last = (end - 1) >> shift;
    if (first > 0) first--; /* a range of this level may begin one granule before */
    if (last - first >= MAX_GRANULES) return scan_level(m, k, start, end);
    for (uintptr_t g = first; g <= last; g++) {
        int32_t hit = walk(m, m->heads[k][bucket_of(k, g << shift)], start, end);
        if (hit >= 0) return hit;
    }
    return -1;
}

NO_COVERAGE static int32_t find(const struct shadow_map *m, uintptr_t start, uintptr_t end)
{
    int32_t hit = -1;
    for (unsigned k = 0; k < SHADOW_LEVELS - 1 && hit < 0; k++)
        if (m->count[k]) hit = find_at_level(m, k, start, end);
    if (hit < 0 && m->count[SHADOW_LEVELS - 1])
        hit = walk(m, m->heads[SHADOW_LEVELS - 1][0], start, end);
    return hit;
}

/* Of the ranges meeting [start, end), the lowest slot: a report names the
 * same live block whichever the chains met first (a reproducer scans the
 * slots in order). Removed ranges are {0, 0} and meet nothing. */
NO_COVERAGE static int32_t lowest_meeting(const struct shadow_map *m, uintptr_t start,
                                          uintptr_t end)
{
    for (int32_t id = 0; id < GAUNTLET_MAX_SLOTS; id++)
        if (meets(&m->range[id], start, end)) return id;
    return -1;
}

int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end)
{
#ifdef GAUNTLET_ABLATE_MAP /* ci/bench-oracle-parts.sh only: a build that checks nothing */
    return -1;
#endif
    if (find(m, start, end) >= 0) return lowest_meeting(m, start, end);
    unsigned level = level_of(end - start), b = bucket_of(level, start);
    uint16_t link = (uint16_t)(id + 1), head = m->heads[level][b];
    m->range[id] = (struct shadow_range){start, end};
    m->level[id] = (uint8_t)level;
    m->next[id] = head;
    m->prev[id] = 0;
    if (head) m->prev[head - 1] = link;
    m->heads[level][b] = link;
    m->count[level]++;
    return -1;
}

void shadow_map_remove(struct shadow_map *m, int32_t id)
{
#ifdef GAUNTLET_ABLATE_MAP
    return;
#endif
    unsigned level = m->level[id];
    uint16_t next = m->next[id], prev = m->prev[id];
    if (prev)
        m->next[prev - 1] = next;
    else
        m->heads[level][bucket_of(level, m->range[id].start)] = next;
    if (next) m->prev[next - 1] = prev;
    m->next[id] = m->prev[id] = 0;
    m->range[id] = (struct shadow_range){0, 0};
    m->count[level]--;
}

uint32_t shadow_map_count(const struct shadow_map *m)
{
    uint32_t n = 0;
    for (unsigned k = 0; k < SHADOW_LEVELS; k++)
        n += m->count[k];
    return n;
}
