/*
 * adapter_so.c — `so:PATH`: any library exporting the standard malloc API,
 * the way a user validates an allocator build. Its sized free is the C23
 * free_sized / free_aligned_sized when the library defines them.
 */
#include "adapter.h"

#include <stdio.h>
#include <unistd.h>

static void (*c23_free_sized)(void *, size_t);
static void (*c23_free_aligned_sized)(void *, size_t, size_t);

/* C23: free_sized for blocks from malloc/calloc/realloc, free_aligned_sized
 * for blocks from aligned_alloc (with the same alignment). */
static bool so_free_sized(void *p, size_t size, size_t align, bool resized)
{
    (void)resized;
    if (align == 0) {
        c23_free_sized(p, size);
        return true;
    }
    if (c23_free_aligned_sized == NULL) return false;
    c23_free_aligned_sized(p, align, size);
    return true;
}

bool adapter_open_so(struct allocator *a, const char *path, char *err, size_t err_len)
{
    if (path[0] == '\0') {
        snprintf(err, err_len, "so:PATH needs a path, e.g. so:/opt/jemalloc/lib/libjemalloc.so.2");
        return false;
    }
    if (access(path, R_OK) != 0) {
        snprintf(err, err_len, "%s: no readable library at %s", a->name, path);
        return false;
    }
    /* dlopen searches the library path for names without a slash; a user
     * naming a file means that file. */
    char resolved[4096];
    if (snprintf(resolved, sizeof resolved, "%s%s", path[0] == '/' || path[0] == '.' ? "" : "./",
                 path) >= (int)sizeof resolved) {
        snprintf(err, err_len, "%s: path too long", a->name);
        return false;
    }
    void *handle = adapter_open_library(resolved, a->name, err, err_len);
    if (handle == NULL || !adapter_bind_standard(a, handle, err, err_len)) return false;
    *(void **)&c23_free_sized = adapter_own_symbol(handle, "free_sized");
    *(void **)&c23_free_aligned_sized = adapter_own_symbol(handle, "free_aligned_sized");
    if (c23_free_sized != NULL) {
        a->free_sized = so_free_sized;
        a->free_sized_name = "free_sized";
    }
    return true;
}
