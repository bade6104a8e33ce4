/*
 * alloc_stats.c — the allocator's own view of its memory, and the call that
 * asks it to give free memory back. Each family has its own API (jemalloc
 * mallctl, mimalloc mi_process_info/mi_collect, glibc mallinfo2/malloc_trim,
 * gperftools MallocExtension_*); the symbols are looked up in the allocator's
 * own library, so a so:PATH build of a family is read the same way.
 */
#include "stress.h"

#include <stdbool.h>
#include <string.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static unsigned add(struct alloc_stat *out, unsigned n, unsigned capacity, const char *name,
                    double value)
{
    if (n < capacity) out[n++] = (struct alloc_stat){name, value};
    return n;
}

static unsigned jemalloc_stats(const struct allocator *a, struct alloc_stat *out, unsigned capacity)
{
    mallctl_fn mallctl;
    *(void **)&mallctl = allocator_symbol(a, "mallctl");
    if (mallctl == NULL) return 0;
    /* Statistics are snapshots refreshed by writing the epoch. */
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, len);
    static const char *const names[] = {"stats.allocated", "stats.active",   "stats.resident",
                                        "stats.mapped",    "stats.retained", "stats.metadata"};
    unsigned n = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t value, vlen = sizeof value;
        if (mallctl(names[i], &value, &vlen, NULL, 0) == 0)
            n = add(out, n, capacity, names[i], (double)value);
    }
    return n;
}

static unsigned mimalloc_stats(const struct allocator *a, struct alloc_stat *out, unsigned capacity)
{
    void (*info)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *);
    *(void **)&info = allocator_symbol(a, "mi_process_info");
    if (info == NULL) return 0;
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    unsigned n = add(out, 0, capacity, "mi_process_info.current_rss", (double)rss);
    n = add(out, n, capacity, "mi_process_info.peak_rss", (double)peak_rss);
    n = add(out, n, capacity, "mi_process_info.current_commit", (double)commit);
    return add(out, n, capacity, "mi_process_info.peak_commit", (double)peak_commit);
}

/* glibc 2.33's struct mallinfo2, declared here so that the file does not
 * depend on the headers' version. */
struct glibc_mallinfo2 {
    size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};

static unsigned glibc_stats(const struct allocator *a, struct alloc_stat *out, unsigned capacity)
{
    struct glibc_mallinfo2 (*mallinfo2)(void);
    *(void **)&mallinfo2 = allocator_symbol(a, "mallinfo2");
    if (mallinfo2 == NULL) return 0;
    struct glibc_mallinfo2 m = mallinfo2();
    unsigned n = add(out, 0, capacity, "mallinfo2.arena", (double)m.arena);
    n = add(out, n, capacity, "mallinfo2.hblkhd", (double)m.hblkhd);
    n = add(out, n, capacity, "mallinfo2.uordblks", (double)m.uordblks);
    n = add(out, n, capacity, "mallinfo2.fordblks", (double)m.fordblks);
    return add(out, n, capacity, "mallinfo2.keepcost", (double)m.keepcost);
}

static unsigned tcmalloc_stats(const struct allocator *a, struct alloc_stat *out, unsigned capacity)
{
    int (*property)(const char *, size_t *);
    *(void **)&property = allocator_symbol(a, "MallocExtension_GetNumericProperty");
    if (property == NULL) return 0;
    static const char *const names[] = {
        "generic.current_allocated_bytes", "generic.heap_size", "tcmalloc.pageheap_free_bytes",
        "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.current_total_thread_cache_bytes"};
    unsigned n = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t value;
        if (property(names[i], &value)) n = add(out, n, capacity, names[i], (double)value);
    }
    return n;
}

unsigned alloc_stats_read(const struct allocator *a, struct alloc_stat *out, unsigned capacity)
{
    const char *family = a->family;
    if (family == NULL) return 0;
    if (strcmp(family, "jemalloc") == 0) return jemalloc_stats(a, out, capacity);
    if (strcmp(family, "mimalloc") == 0) return mimalloc_stats(a, out, capacity);
    if (strcmp(family, "tcmalloc") == 0) return tcmalloc_stats(a, out, capacity);
    return glibc_stats(a, out, capacity);
}

const char *alloc_release(const struct allocator *a)
{
    const char *family = a->family;
    if (family == NULL) return NULL;
    if (strcmp(family, "jemalloc") == 0) {
        mallctl_fn mallctl;
        *(void **)&mallctl = allocator_symbol(a, "mallctl");
        /* 4096 is MALLCTL_ARENAS_ALL: every arena's dirty and muzzy pages. */
        if (mallctl && mallctl("arena.4096.purge", NULL, NULL, NULL, 0) == 0)
            return "mallctl(\"arena.4096.purge\")";
        return NULL;
    }
    if (strcmp(family, "mimalloc") == 0) {
        void (*collect)(bool);
        *(void **)&collect = allocator_symbol(a, "mi_collect");
        if (collect == NULL) return NULL;
        collect(true);
        return "mi_collect(true)";
    }
    if (strcmp(family, "tcmalloc") == 0) {
        void (*release)(void);
        *(void **)&release = allocator_symbol(a, "MallocExtension_ReleaseFreeMemory");
        if (release == NULL) return NULL;
        release();
        return "MallocExtension_ReleaseFreeMemory()";
    }
    int (*trim)(size_t);
    *(void **)&trim = allocator_symbol(a, "malloc_trim");
    if (trim == NULL) return NULL;
    trim(0);
    return "malloc_trim(0)";
}
