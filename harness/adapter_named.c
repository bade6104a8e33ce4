/*
 * adapter_named.c — the four named allocators: which library each is, how it
 * tells its version, and its sized free. Each is loaded with dlopen and
 * called by its own entry points, so the process's malloc (glibc, or a
 * sanitizer's) stays the harness's business.
 */
#include "adapter.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Sized frees need the allocator's own function; one allocator per process,
 * so one pointer per family is enough. */
static int (*jemalloc_sdallocx)(void *, size_t, int);
static void (*mimalloc_free_size)(void *, size_t);
static void (*tcmalloc_free_sized)(void *, size_t);
/* gperftools' sized free for blocks of aligned calls (its operator delete twin). */
static void (*tcmalloc_delete_sized_aligned)(void *, size_t, size_t);

static int lg2(size_t power_of_two)
{
    int lg = 0;
    while (power_of_two > 1) {
        power_of_two >>= 1;
        lg++;
    }
    return lg;
}

/* jemalloc requires the same alignment flag (MALLOCX_LG_ALIGN) as the block
 * was made with; a mismatch silently corrupts its bins. */
static bool is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static bool jemalloc_free_sized(void *p, size_t size, size_t align, bool resized)
{
    (void)resized;
    /* 5.3.0: aligned_alloc(a, 0) makes an a-byte block but
     * nallocx(0, MALLOCX_ALIGN(a)) is 8, so sdallocx(p, 0, ALIGN(a)) files the
     * block in the wrong bin and the heap crashes later. A real jemalloc
     * defect (see README); the call is skipped so the rest stays testable. */
    if (size == 0 && align > 1) return false;
    jemalloc_sdallocx(p, size, align > 1 ? lg2(align) : 0);
    return true;
}
static bool mimalloc_free_sized(void *p, size_t size, size_t align, bool resized)
{
    (void)align;
    (void)resized;
    mimalloc_free_size(p, size);
    return true;
}
/* tc_free_sized derives the size class from the size alone, so a block made
 * by an aligned call needs the aligned variant; one made with a bad
 * alignment (which tcmalloc accepts) has no sized free at all. And 2.10
 * shrinks blocks in place on realloc, so the new size names the wrong size
 * class and the free lists are corrupted (found by gauntlet, see README):
 * such blocks are not given to the sized free. */
static bool tcmalloc_free_sized_adapter(void *p, size_t size, size_t align, bool resized)
{
    if (resized) return false;
    if (align <= 1) {
        tcmalloc_free_sized(p, size);
        return true;
    }
    if (!is_power_of_two(align) || tcmalloc_delete_sized_aligned == NULL) return false;
    tcmalloc_delete_sized_aligned(p, size, align);
    return true;
}

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

bool adapter_open_jemalloc(struct allocator *a, char *err, size_t err_len)
{
    void *handle = adapter_open_library("libjemalloc.so.2", "jemalloc", err, err_len);
    if (handle == NULL || !adapter_bind_standard(a, handle, err, err_len)) return false;
    *(void **)&jemalloc_sdallocx = adapter_own_symbol(handle, "sdallocx");
    if (jemalloc_sdallocx != NULL) {
        a->free_sized = jemalloc_free_sized;
        a->free_sized_name = "sdallocx";
    }
    return true;
}

bool adapter_open_mimalloc(struct allocator *a, char *err, size_t err_len)
{
    void *handle = adapter_open_library("libmimalloc.so.2", "mimalloc", err, err_len);
    if (handle == NULL || !adapter_bind_standard(a, handle, err, err_len)) return false;
    *(void **)&mimalloc_free_size = adapter_own_symbol(handle, "mi_free_size");
    if (mimalloc_free_size != NULL) {
        a->free_sized = mimalloc_free_sized;
        a->free_sized_name = "mi_free_size";
    }
    return true;
}

bool adapter_open_tcmalloc(struct allocator *a, char *err, size_t err_len)
{
    void *handle = adapter_open_library("libtcmalloc_minimal.so.4", "tcmalloc", err, err_len);
    if (handle == NULL || !adapter_bind_standard(a, handle, err, err_len)) return false;
    *(void **)&tcmalloc_free_sized = adapter_own_symbol(handle, "tc_free_sized");
    *(void **)&tcmalloc_delete_sized_aligned =
        adapter_own_symbol(handle, "tc_delete_sized_aligned");
    if (tcmalloc_free_sized != NULL) {
        a->free_sized = tcmalloc_free_sized_adapter;
        a->free_sized_name = "tc_free_sized";
    }
    return true;
}
