/*
 * classes.c — an allocator's size classes for the commands that aim at
 * them (gen --alloc, fuzz): the allocator opened as `gauntlet run` opens
 * it, and probed (size_classes.c).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

size_t probe_allocator_classes(const char *command, const char *alloc, size_t *edges)
{
    struct allocator a;
    char err[1024];
    if (!allocator_open(alloc, &a, err, sizeof err)) {
        fprintf(stderr, "gauntlet %s: %s\n", command, err);
        exit(EXIT_USAGE);
    }
    size_t count = size_classes_probe(&a, SIZE_CLASSES_LIMIT, edges, SIZE_CLASSES_MAX);
    fprintf(stderr, "gauntlet %s: %zu size-class edges of %s up to %zu MiB%s\n", command, count,
            alloc, SIZE_CLASSES_LIMIT >> 20,
            count ? "" : " (it has no usable-size call: sizes are not aimed at its classes)");
    return count;
}
