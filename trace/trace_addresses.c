/*
 * trace_addresses.c — the blocks a trace's process holds, found by the
 * address the allocator gave them: which slot of the program stands for
 * each, or that it was left out. Linear probing with backward-shift
 * removal (no tombstones, so a long trace's churn does not slow it), in
 * harness memory.
 */
#include "trace.h"

#include <string.h>

static size_t home(const struct address_map *m, uint64_t ptr)
{
    uint64_t h = ptr * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: blocks are 16-aligned */
    return (size_t)(h >> 20) & (m->capacity - 1);
}

void address_map_init(struct address_map *m)
{
    m->capacity = 1 << 12;
    m->count = 0;
    m->entries = hmem_map(m->capacity * sizeof *m->entries);
}

void address_map_release(struct address_map *m)
{
    hmem_unmap(m->entries, m->capacity * sizeof *m->entries);
    m->entries = NULL;
}

struct address_entry *address_find(struct address_map *m, uint64_t ptr)
{
    for (size_t i = home(m, ptr);; i = (i + 1) & (m->capacity - 1)) {
        if (m->entries[i].ptr == ptr) return &m->entries[i];
        if (m->entries[i].ptr == 0) return NULL;
    }
}

static void grow(struct address_map *m)
{
    struct address_map bigger = {.capacity = m->capacity * 2};
    bigger.entries = hmem_map(bigger.capacity * sizeof *bigger.entries);
    for (size_t i = 0; i < m->capacity; i++)
        if (m->entries[i].ptr) *address_add(&bigger, m->entries[i].ptr) = m->entries[i];
    address_map_release(m);
    *m = bigger;
}

struct address_entry *address_add(struct address_map *m, uint64_t ptr)
{
    if ((m->count + 1) * 4 > m->capacity * 3) grow(m); /* at most three quarters full */
    size_t i = home(m, ptr);
    while (m->entries[i].ptr != 0 && m->entries[i].ptr != ptr)
        i = (i + 1) & (m->capacity - 1);
    if (m->entries[i].ptr == 0) {
        m->entries[i] = (struct address_entry){.ptr = ptr};
        m->count++;
    }
    return &m->entries[i];
}

void address_remove(struct address_map *m, uint64_t ptr)
{
    size_t mask = m->capacity - 1, i = home(m, ptr);
    while (m->entries[i].ptr != ptr) {
        if (m->entries[i].ptr == 0) return;
        i = (i + 1) & mask;
    }
    /* Shift back each later entry of the run that may sit in the hole. */
    for (size_t j = (i + 1) & mask; m->entries[j].ptr != 0; j = (j + 1) & mask) {
        size_t want = home(m, m->entries[j].ptr);
        bool movable = i <= j ? (want <= i || want > j) : (want <= i && want > j);
        if (movable) {
            m->entries[i] = m->entries[j];
            i = j;
        }
    }
    memset(&m->entries[i], 0, sizeof m->entries[i]);
    m->count--;
}
