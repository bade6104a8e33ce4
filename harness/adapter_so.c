/*
 * adapter_so.c — `so:PATH`: any library exporting the standard malloc API,
 * the way a user validates an allocator build. Its sized free is the C23
 * free_sized / free_aligned_sized when the library defines them.
 */
#include "internal.h"

#include <stdio.h>
#include <unistd.h>

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
    void *handle = adapter_open_library(resolved, a->name, &a->calls_itself, err, err_len);
    return handle != NULL && adapter_bind_standard(a, handle, err, err_len);
}
