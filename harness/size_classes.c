/*
 * size_classes.c — an allocator's size classes, learnt by asking it: a
 * block of n bytes whose usable size is u belongs to a class that ends at
 * u, so the next class starts at u + 1. Generated programs and fuzzing
 * dictionaries then ask for sizes at these edges, where allocators switch
 * bins, pages and mapping strategies (and where their bugs have been),
 * for any library, not only the ones edge_values.c knows.
 */
#include "internal.h"

size_t size_classes_probe(const struct allocator *a, size_t limit, size_t *edges, size_t max_edges)
{
    if (a->malloc == NULL || a->free == NULL || a->usable_size == NULL) return 0;
    size_t count = 0;
    for (size_t n = 1; n <= limit && count < max_edges;) {
        void *p = a->malloc(n);
        if (p == NULL) break;
        size_t usable = a->usable_size(p);
        a->free(p);
        if (usable < n) break; /* not a size this allocator reports truthfully */
        edges[count++] = usable;
        /* Where classes are dense (glibc's every 16 bytes) one in every
         * sixteenth of a doubling is enough. */
        size_t next = usable + 1, sparse = n + n / 16;
        n = next > sparse ? next : sparse;
    }
    return count;
}
