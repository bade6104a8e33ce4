/*
 * adapter_bind.c — binding an allocator library's entry points, shared by
 * every adapter. A symbol counts only if the library itself defines it:
 * dlsym also searches the library's dependencies (libc), and binding a
 * missing reallocarray to glibc's would mix two heaps and hide the
 * library's own behaviour. The sized frees live here too: which calls each
 * kind makes, and (rules.h) which blocks it can take.
 */
#include "internal.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

void *adapter_own_symbol(void *handle, const char *name)
{
    if (name == NULL) return NULL;
    void *symbol = dlsym(handle, name);
    if (symbol == NULL) return NULL;
    struct link_map *library = NULL;
    Dl_info where;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &library) != 0 || library == NULL) return NULL;
    if (dladdr(symbol, &where) == 0) return NULL;
    /* A shared object is linked at 0, so its load bias is its load base. */
    return (uintptr_t)where.dli_fbase == (uintptr_t)library->l_addr ? symbol : NULL;
}

/* adapter_own_symbol as rules.h's binders ask for it. */
static void *own_symbol_of(const void *handle, const char *name)
{
    return adapter_own_symbol((void *)handle, name);
}

void *allocator_symbol(const struct allocator *a, const char *symbol)
{
    return a->handle ? adapter_own_symbol(a->handle, symbol) : NULL;
}

bool adapter_bind_standard(struct allocator *a, void *handle, char *err, size_t err_len)
{
    a->handle = handle;
    *(void **)&a->malloc = adapter_own_symbol(handle, "malloc");
    *(void **)&a->free = adapter_own_symbol(handle, "free");
    if (a->malloc == NULL || a->free == NULL) {
        snprintf(err, err_len,
                 "%s: the library does not define malloc and free itself; "
                 "an allocator under test must export the standard malloc API",
                 a->name);
        return false;
    }
    *(void **)&a->calloc = adapter_own_symbol(handle, "calloc");
    *(void **)&a->realloc = adapter_own_symbol(handle, "realloc");
    *(void **)&a->reallocarray = adapter_own_symbol(handle, "reallocarray");
    *(void **)&a->aligned_alloc = adapter_own_symbol(handle, "aligned_alloc");
    *(void **)&a->posix_memalign = adapter_own_symbol(handle, "posix_memalign");
    *(void **)&a->memalign = adapter_own_symbol(handle, "memalign");
    *(void **)&a->usable_size = adapter_own_symbol(handle, "malloc_usable_size");
    a->own = rule_bind_own_calls(own_symbol_of, handle);
    return true;
}

void *adapter_open_library(const char *path, const char *label, bool *calls_itself, char *err,
                           size_t err_len)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle != NULL) {
        *calls_itself = adapter_bind_to_itself(handle);
        return handle;
    }
    const char *why = dlerror();
    if (why != NULL && strstr(why, "static TLS") != NULL)
        snprintf(err, err_len,
                 "%s: cannot load %s: %s (the library uses initial-exec TLS; "
                 "gauntlet sets GLIBC_TUNABLES=glibc.rtld.optional_static_tls to make room — "
                 "was it overridden?)",
                 label, path, why);
    else
        snprintf(err, err_len, "%s: cannot load %s: %s", label, path, why ? why : "unknown error");
    return NULL;
}

/* ---- sized frees: one allocator per process, so one set of calls ---- */

static enum sized_free bound_kind;
static struct sized_free_calls bound_calls;

static bool sized_free(void *p, size_t size, size_t align, bool resized)
{
    return rule_sized_free(bound_kind, &bound_calls, p, size, align, resized);
}

void adapter_bind_sized_free(struct allocator *a, enum sized_free how)
{
    struct sized_free_calls calls = {0};
    void *plain = adapter_own_symbol(a->handle, sized_free_plain_symbol(how));
    if (how == SIZED_FREE_SDALLOCX)
        *(void **)&calls.sdallocx = plain;
    else
        *(void **)&calls.plain = plain;
    *(void **)&calls.aligned = adapter_own_symbol(a->handle, sized_free_aligned_symbol(how));
    a->free_sized = plain ? sized_free : NULL;
    a->sized_free = plain ? how : SIZED_FREE_NONE;
    if (plain) {
        bound_kind = how;
        bound_calls = calls;
    }
}
