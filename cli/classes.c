/*
 * classes.c — an allocator's size classes for the commands that aim at
 * them (gen --alloc, fuzz): the allocator opened as `gauntlet run` opens it
 * and probed (size_classes.c) in a supervised child, since the allocator
 * under test may crash or hang on the very sizes asked; the edges come back
 * through a shared page.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PROBE_SECONDS 20

struct probe {
    const char *alloc;
    struct allocator_identity who;
    size_t count;
    size_t edges[SIZE_CLASSES_MAX];
};

static int probe_in_child(void *arg)
{
    struct probe *p = arg;
    struct allocator a;
    char err[1024];
    if (!allocator_open(p->alloc, &a, err, sizeof err)) return EXIT_USAGE;
    snprintf(p->who.version, sizeof p->who.version, "%s", a.version);
    snprintf(p->who.family, sizeof p->who.family, "%s", a.family ? a.family : "");
    p->count = size_classes_probe(&a, SIZE_CLASSES_LIMIT, p->edges, SIZE_CLASSES_MAX);
    return 0;
}

size_t probe_allocator_classes(const char *command, const char *alloc, size_t *edges,
                               struct allocator_identity *who)
{
    if (who) *who = (struct allocator_identity){.version = ""};
    char err[1024];
    if (!allocator_installed(alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet %s: %s\n", command, err);
        exit(EXIT_USAGE);
    }
    struct probe *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        fprintf(stderr, "gauntlet %s: cannot map a page for the probe: %s\n", command,
                strerror(errno));
        exit(EXIT_USAGE);
    }
    shared->alloc = alloc;
    struct process p = {.call = probe_in_child, .arg = shared, .quiet = true};
    int status = process_run(&p, PROBE_SECONDS);
    process_honour_stop(&p);
    size_t count = 0;
    if (status == 0) {
        count = shared->count;
        memcpy(edges, shared->edges, count * sizeof *edges);
        if (who) *who = shared->who;
        fprintf(stderr, "gauntlet %s: %zu size-class edges of %s up to %zu MiB%s\n", command, count,
                alloc, SIZE_CLASSES_LIMIT >> 20,
                count ? "" : " (it has no usable-size call: sizes are not aimed at its classes)");
    } else {
        fprintf(stderr,
                "gauntlet %s: probing the size classes of %s %s: sizes are not aimed at its "
                "classes (a finding of its own, for `gauntlet run`)\n",
                command, alloc,
                p.timed_out             ? "did not finish"
                : WIFSIGNALED(p.status) ? "crashed"
                                        : "failed");
    }
    munmap(shared, sizeof *shared);
    return count;
}
