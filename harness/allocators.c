/*
 * allocators.c — opening an allocator by the name users type, and asking it
 * who it is. The list of named allocators lives here.
 */
#include "adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const named_allocators[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc", NULL};

const char *adapter_family(void *handle)
{
    if (adapter_own_symbol(handle, "mallctl")) return "jemalloc";
    if (adapter_own_symbol(handle, "mi_version")) return "mimalloc";
    if (adapter_own_symbol(handle, "tc_version")) return "tcmalloc";
    if (adapter_own_symbol(handle, "gnu_get_libc_version")) return "glibc";
    return NULL;
}

static void describe_jemalloc(void *handle, char *out, size_t len)
{
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);
    *(void **)&mallctl = adapter_own_symbol(handle, "mallctl");
    const char *version = NULL;
    size_t size = sizeof version;
    if (mallctl && mallctl("version", &version, &size, NULL, 0) == 0 && version)
        snprintf(out, len, "jemalloc %s", version);
}

static void describe_mimalloc(void *handle, char *out, size_t len)
{
    int (*mi_version)(void);
    *(void **)&mi_version = adapter_own_symbol(handle, "mi_version");
    if (mi_version) {
        int v = mi_version(); /* 209 means 2.0.9 */
        snprintf(out, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
    }
}

static void describe_tcmalloc(void *handle, char *out, size_t len)
{
    const char *(*tc_version)(int *, int *, const char **);
    *(void **)&tc_version = adapter_own_symbol(handle, "tc_version");
    if (tc_version) snprintf(out, len, "%s", tc_version(NULL, NULL, NULL));
}

static void describe_glibc(void *handle, char *out, size_t len)
{
    const char *(*version)(void);
    *(void **)&version = adapter_own_symbol(handle, "gnu_get_libc_version");
    if (version) snprintf(out, len, "glibc %s (ptmalloc)", version());
}

void adapter_describe_version(struct allocator *a)
{
    char said[200] = "";
    const char *family = adapter_family(a->handle);
    if (family == NULL)
        snprintf(said, sizeof said, "unknown version");
    else if (strcmp(family, "jemalloc") == 0)
        describe_jemalloc(a->handle, said, sizeof said);
    else if (strcmp(family, "mimalloc") == 0)
        describe_mimalloc(a->handle, said, sizeof said);
    else if (strcmp(family, "tcmalloc") == 0)
        describe_tcmalloc(a->handle, said, sizeof said);
    else
        describe_glibc(a->handle, said, sizeof said);
    if (strncmp(a->name, "so:", 3) == 0)
        snprintf(a->version, sizeof a->version, "%s (%s)", a->name + 3, said);
    else
        snprintf(a->version, sizeof a->version, "%s", said);
}

/* jemalloc and other initial-exec-TLS allocators can only be dlopen()ed when
 * the loader reserved static TLS room at start-up; that is decided by
 * GLIBC_TUNABLES before main, so set it and start again. */
void allocator_prepare_process(char **argv)
{
    static const char tunable[] = "glibc.rtld.optional_static_tls=";
    if (argv == NULL || getenv("GAUNTLET_TLS_READY")) return;
    setenv("GAUNTLET_TLS_READY", "1", 1);
    const char *old = getenv("GLIBC_TUNABLES");
    if (old && strstr(old, tunable)) return;
    char value[4096];
    snprintf(value, sizeof value, "%s%s%s65536", old ? old : "", old ? ":" : "", tunable);
    setenv("GLIBC_TUNABLES", value, 1);
    execv("/proc/self/exe", argv);
    /* No re-exec: named allocators that need the room will say so when opened. */
}

bool allocator_has(const struct allocator *a, enum op_kind kind)
{
    switch (kind) {
    case OP_MALLOC: return a->malloc != NULL;
    case OP_CALLOC: return a->calloc != NULL;
    case OP_REALLOC: return a->realloc != NULL;
    case OP_REALLOCARRAY: return a->reallocarray != NULL;
    case OP_FREE_SIZED: return a->free_sized != NULL;
    case OP_ALIGNED_ALLOC: return a->aligned_alloc != NULL;
    case OP_POSIX_MEMALIGN: return a->posix_memalign != NULL;
    case OP_MEMALIGN: return a->memalign != NULL;
    case OP_USABLE_SIZE: return a->usable_size != NULL;
    default: return true;
    }
}

bool allocator_open(const char *name, struct allocator *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    bool opened;
    if (strcmp(name, "glibc") == 0)
        opened = adapter_open_glibc(out, err, err_len);
    else if (strcmp(name, "jemalloc") == 0)
        opened = adapter_open_jemalloc(out, err, err_len);
    else if (strcmp(name, "mimalloc") == 0)
        opened = adapter_open_mimalloc(out, err, err_len);
    else if (strcmp(name, "tcmalloc") == 0)
        opened = adapter_open_tcmalloc(out, err, err_len);
    else if (strncmp(name, "so:", 3) == 0)
        opened = adapter_open_so(out, name + 3, err, err_len);
    else {
        snprintf(err, err_len,
                 "unknown allocator '%s'; available: glibc, jemalloc, mimalloc, tcmalloc, "
                 "so:PATH (see `gauntlet list`)",
                 name);
        return false;
    }
    if (!opened) return false;
    adapter_describe_version(out);
    out->policy = strncmp(name, "so:", 3) == 0 ? policy_for_library(adapter_family(out->handle))
                                               : policy_for(name);
    return true;
}
