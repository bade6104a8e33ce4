/*
 * registry.c — every named allocator, once: its name, library, family
 * marker, sized free, reproducer link flag, policy and opener. Everything
 * else that needs to know "which allocators are there" asks here.
 */
#include "internal.h"

#include <string.h>

static const struct allocator_entry entries[] = {
    {"glibc",
     "libc.so.6",
     "gnu_get_libc_version",
     "",
     SIZED_FREE_NONE,
     &glibc_policy,
     &any_conforming_policy,
     CXX_NONE,
     adapter_open_glibc,
     {{"GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536:"
       "glibc.malloc.trim_threshold=0",
       "no thread cache; blocks of 64 KiB and more mapped apart (mremap on resizing); the "
       "heap's top given back at every free"}},
     /* glibc.malloc tunables, and the older names glibc still reads for them */
     "GLIBC_TUNABLES MALLOC_ARENA_MAX MALLOC_ARENA_TEST MALLOC_CHECK_ MALLOC_MMAP_MAX_ "
     "MALLOC_MMAP_THRESHOLD_ MALLOC_PERTURB_ MALLOC_TOP_PAD_ MALLOC_TRIM_THRESHOLD_"},
    {"jemalloc",
     "libjemalloc.so.2",
     "mallctl",
     "-ljemalloc",
     SIZED_FREE_SDALLOCX,
     &jemalloc_policy,
     &jemalloc_library_policy,
     CXX_THROUGH_PLT,
     adapter_open_named,
     {{"MALLOC_CONF=tcache:false,dirty_decay_ms:0,muzzy_decay_ms:0,narenas:1",
       "no thread cache; freed pages purged at once; every thread in one arena"}},
     "MALLOC_CONF"},
    {"mimalloc",
     "libmimalloc.so.2",
     "mi_version",
     "-lmimalloc",
     SIZED_FREE_MI_FREE_SIZE,
     &mimalloc_policy,
     &mimalloc_library_policy,
     CXX_OWN,
     adapter_open_named,
     {{"MIMALLOC_RESERVE_OS_MEMORY=64MiB",
       "an arena reserved at start serves the segments, and the OS the rest once it is full"},
      {"MIMALLOC_EAGER_COMMIT=0 MIMALLOC_RESET_DELAY=0 MIMALLOC_PURGE_DELAY=0",
       "segments committed as they fill; free pages reset or purged at once (the option's "
       "name in 2.0 and in later versions)"}},
     "MIMALLOC_*"},
    {"tcmalloc",
     "libtcmalloc_minimal.so.4",
     "tc_version",
     "-ltcmalloc_minimal",
     SIZED_FREE_TC_FREE_SIZED,
     &tcmalloc_policy,
     &tcmalloc_library_policy,
     CXX_OWN,
     adapter_open_named,
     {{"TCMALLOC_AGGRESSIVE_DECOMMIT=t TCMALLOC_RELEASE_RATE=100",
       "free spans given back to the OS at once"}},
     "TCMALLOC_*"},
};

void registry_limit_cxx(const struct allocator_entry *family, struct allocator *a)
{
    if (family == NULL || family->cxx == CXX_NONE ||
        (family->cxx == CXX_THROUGH_PLT && !a->calls_itself))
        a->own.cxx = (struct cxx_calls){0};
}
#define ENTRY_COUNT (sizeof entries / sizeof *entries)

const char *allocator_named(size_t i)
{
    return i < ENTRY_COUNT ? entries[i].name : NULL;
}

const struct allocator_entry *registry_find(const char *name)
{
    for (size_t i = 0; name && i < ENTRY_COUNT; i++)
        if (strcmp(entries[i].name, name) == 0) return &entries[i];
    return NULL;
}

/* glibc last: every library links against libc, whose marker the own-symbol
 * lookup excludes anyway; the others are told apart first. */
const struct allocator_entry *registry_family_of(void *handle)
{
    for (size_t i = ENTRY_COUNT; i-- > 0;)
        if (adapter_own_symbol(handle, entries[i].marker)) return &entries[i];
    return NULL;
}

/* Each word of `reads` against the variable's name: whole, or as a prefix
 * when the word ends in '*'. */
bool registry_reads_variable(const char *name, size_t name_len)
{
    for (size_t i = 0; i < ENTRY_COUNT; i++)
        for (const char *word = entries[i].reads; *word;) {
            size_t len = strcspn(word, " ");
            bool prefix = word[len - 1] == '*';
            size_t want = prefix ? len - 1 : len;
            if ((prefix ? name_len >= want : name_len == want) && strncmp(name, word, want) == 0)
                return true;
            word += len + strspn(word + len, " ");
        }
    return false;
}

bool allocator_is_named(const char *name)
{
    return registry_find(name) != NULL;
}

const char *allocator_soname(const char *name)
{
    const struct allocator_entry *e = registry_find(name);
    return e ? e->soname : NULL;
}

const char *allocator_link_flag(const char *name)
{
    const struct allocator_entry *e = registry_find(name);
    return e ? e->link_flag : NULL;
}

const char *allocator_suggested_settings(const char *name, size_t i, const char **why)
{
    const struct allocator_entry *e = registry_find(name);
    if (e == NULL || i >= sizeof e->suggested / sizeof *e->suggested) return NULL;
    if (why) *why = e->suggested[i].why;
    return e->suggested[i].settings;
}

enum sized_free allocator_sized_free(const char *name)
{
    const struct allocator_entry *e = registry_find(name);
    return e ? e->sized_free : SIZED_FREE_NONE;
}

const struct alloc_policy *policy_for(const char *allocator_name)
{
    const struct allocator_entry *e = registry_find(allocator_name);
    return e ? e->policy : &any_conforming_policy;
}
