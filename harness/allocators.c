/*
 * allocators.c — opening an allocator by the name users type, asking it who
 * it is, and which calls it has. The named ones are the registry's
 * (registry.c); a so: library is told apart by its family's marker symbol
 * and gets that family's known deviations and sized free.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void describe_jemalloc(const struct allocator *a, char *out, size_t len)
{
    int (*mallctl)(const char *, void *, size_t *, void *, size_t);
    *(void **)&mallctl = allocator_symbol(a, "mallctl");
    const char *version = NULL;
    size_t size = sizeof version;
    if (mallctl && mallctl("version", &version, &size, NULL, 0) == 0 && version)
        snprintf(out, len, "jemalloc %s", version);
}

static void describe_mimalloc(const struct allocator *a, char *out, size_t len)
{
    int (*mi_version)(void);
    *(void **)&mi_version = allocator_symbol(a, "mi_version");
    if (mi_version) {
        /* 209 means 2.0.9 (a digit each); from 2.4 and 3.4 on, two digits for
         * the minor and the patch: 30403 means 3.4.3. */
        int v = mi_version();
        if (v >= 10000)
            snprintf(out, len, "mimalloc %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
        else
            snprintf(out, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
    }
}

static void describe_tcmalloc(const struct allocator *a, char *out, size_t len)
{
    const char *(*tc_version)(int *, int *, const char **);
    *(void **)&tc_version = allocator_symbol(a, "tc_version");
    if (tc_version) snprintf(out, len, "%s", tc_version(NULL, NULL, NULL));
}

static void describe_glibc(const struct allocator *a, char *out, size_t len)
{
    const char *(*version)(void);
    *(void **)&version = allocator_symbol(a, "gnu_get_libc_version");
    if (version) snprintf(out, len, "glibc %s (ptmalloc)", version());
}

void adapter_describe_version(struct allocator *a)
{
    char said[200] = "unknown version";
    const char *family = a->family ? a->family : "";
    if (strcmp(family, "jemalloc") == 0)
        describe_jemalloc(a, said, sizeof said);
    else if (strcmp(family, "mimalloc") == 0)
        describe_mimalloc(a, said, sizeof said);
    else if (strcmp(family, "tcmalloc") == 0)
        describe_tcmalloc(a, said, sizeof said);
    else if (strcmp(family, "glibc") == 0)
        describe_glibc(a, said, sizeof said);
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
    default: return rule_own_calls_have(&a->own, kind);
    }
}

static bool open_so(struct allocator *a, const char *path, char *err, size_t err_len)
{
    if (!adapter_open_so(a, path, err, err_len)) return false;
    const struct allocator_entry *family = registry_family_of(a->handle);
    a->family = family ? family->name : NULL;
    a->policy = family ? family->library_policy : &any_conforming_policy;
    /* The family's own sized free, as for the named build, so that an upgrade
     * compares like with like; else C23's, when the library defines it. */
    if (family) adapter_bind_sized_free(a, family->sized_free);
    if (a->free_sized == NULL) adapter_bind_sized_free(a, SIZED_FREE_C23);
    registry_limit_cxx(family, a);
    return true;
}

bool allocator_open(const char *name, struct allocator *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    const struct allocator_entry *e = registry_find(name);
    if (e) {
        if (!e->open(out, err, err_len)) return false;
        out->family = e->name;
        out->policy = e->policy;
        adapter_bind_sized_free(out, e->sized_free);
        registry_limit_cxx(e, out);
    } else if (strncmp(name, "so:", 3) == 0) {
        if (!open_so(out, name + 3, err, err_len)) return false;
    } else {
        char known[256] = "";
        for (size_t i = 0; allocator_named(i); i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s, ",
                     allocator_named(i));
        snprintf(err, err_len, "unknown allocator '%s'; available: %sso:PATH (see `gauntlet list`)",
                 name, known);
        return false;
    }
    adapter_describe_version(out);
    return true;
}
