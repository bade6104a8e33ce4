/*
 * adapter_named.c — the named allocators: glibc, reached through its own
 * handle, and the libraries the registry names (jemalloc, mimalloc,
 * tcmalloc). Each is loaded with dlopen and called by its own entry points,
 * so the process's malloc (glibc, or a sanitizer's) stays the harness's
 * business.
 */
#include "internal.h"

#include <dlfcn.h>
#include <stdio.h>

bool adapter_open_glibc(struct allocator *a, char *err, size_t err_len)
{
    /* Reach glibc through its own handle: the link-time __libc_* names may
     * belong to mimalloc, tcmalloc or a sanitizer. */
    void *handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (handle == NULL) {
        snprintf(err, err_len, "glibc: cannot reach libc.so.6: %s", dlerror());
        return false;
    }
    if (!adapter_bind_standard(a, handle, err, err_len)) return false;
    /* glibc's reallocarray calls `realloc` through the PLT: where another
     * realloc is the process's (a sanitizer's, a preloaded allocator's), it
     * would get glibc's block. Then glibc's reallocarray cannot be called
     * as itself, and counts as missing. */
    Dl_info process, glibc;
    void *process_realloc = dlsym(RTLD_DEFAULT, "realloc");
    if (!process_realloc || !dladdr(process_realloc, &process) ||
        !dladdr(*(void **)&a->realloc, &glibc) || process.dli_fbase != glibc.dli_fbase)
        a->reallocarray = NULL;
    return true;
}

bool adapter_open_named(struct allocator *a, char *err, size_t err_len)
{
    const struct allocator_entry *e = registry_find(a->name);
    void *handle = adapter_open_library(e->soname, e->name, &a->calls_itself, err, err_len);
    return handle != NULL && adapter_bind_standard(a, handle, err, err_len);
}
