/*
 * record_calls.c — the allocation calls the recording library stands in
 * front of. Each makes the real call (the next definition: the program's
 * own allocator), then records what was asked and what came back, and
 * leaves errno as the real call left it. While the real calls are being
 * looked up, the thread doing it is served from the start-up arena; those
 * blocks are never given to the real allocator and are not recorded.
 */
#include "recorder.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static inline void record_call(enum trace_event event, const void *in, const void *out, size_t size,
                               size_t extra, int result, bool failed)
{
    if (!settings.active) return; /* a process not recorded pays only this */
    record_call_event((uint8_t)event, (uintptr_t)in, (uintptr_t)out, size, extra, (uint16_t)result,
                      failed ? (uint8_t)errno : 0);
}

RECORDER_EXPORT void *malloc(size_t size)
{
    if (!recorder_ready()) return bootstrap_alloc(size, 16);
    void *p = real.malloc(size);
    record_call(TRACE_MALLOC, NULL, p, size, 0, 0, p == NULL);
    return p;
}

RECORDER_EXPORT void *calloc(size_t count, size_t size)
{
    if (!recorder_ready())
        return count && size > SIZE_MAX / count ? NULL : bootstrap_alloc(count * size, 16);
    void *p = real.calloc(count, size);
    record_call(TRACE_CALLOC, NULL, p, size, count, 0, p == NULL);
    return p;
}

/* A block of the start-up arena is moved into the real allocator, and the
 * trace sees a malloc of the new size (it never saw the arena block). */
static void *out_of_arena(void *old, size_t size)
{
    void *p = real.malloc(size);
    if (p) {
        size_t had = bootstrap_size(old);
        memcpy(p, old, had < size ? had : size);
    }
    record_call(TRACE_MALLOC, NULL, p, size, 0, 0, p == NULL);
    return p;
}

RECORDER_EXPORT void *realloc(void *old, size_t size)
{
    if (!recorder_ready()) {
        void *p = bootstrap_alloc(size, 16);
        if (p && old) memcpy(p, old, bootstrap_size(old) < size ? bootstrap_size(old) : size);
        return p;
    }
    if (bootstrap_owns(old)) return out_of_arena(old, size);
    void *p = real.realloc(old, size);
    record_call(TRACE_REALLOC, old, p, size, 0, 0, p == NULL && size != 0);
    return p;
}

RECORDER_EXPORT void *reallocarray(void *old, size_t count, size_t size)
{
    if (!recorder_ready() || bootstrap_owns(old)) {
        if (count && size > SIZE_MAX / count) {
            errno = ENOMEM;
            return NULL;
        }
        return realloc(old, count * size);
    }
    if (real.reallocarray == NULL) { /* an allocator without it: what a libc without it does */
        errno = ENOSYS;
        return NULL;
    }
    void *p = real.reallocarray(old, count, size);
    record_call(TRACE_REALLOCARRAY, old, p, size, count, 0, p == NULL && count && size);
    return p;
}

RECORDER_EXPORT void free(void *p)
{
    if (bootstrap_owns(p) || !recorder_ready()) return;
    real.free(p);
    record_call(TRACE_FREE, p, NULL, 0, 0, 0, false);
}

/* C23 lets free_sized behave as free; an allocator without it gets free. */
RECORDER_EXPORT void free_sized(void *p, size_t size)
{
    if (bootstrap_owns(p) || !recorder_ready()) return;
    if (real.free_sized)
        real.free_sized(p, size);
    else
        real.free(p);
    record_call(TRACE_FREE_SIZED, p, NULL, size, 0, 0, false);
}

RECORDER_EXPORT void free_aligned_sized(void *p, size_t align, size_t size)
{
    if (bootstrap_owns(p) || !recorder_ready()) return;
    if (real.free_aligned_sized)
        real.free_aligned_sized(p, align, size);
    else
        real.free(p);
    record_call(TRACE_FREE_ALIGNED_SIZED, p, NULL, size, align, 0, false);
}

RECORDER_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (!recorder_ready()) return bootstrap_alloc(size, align);
    void *p = real.aligned_alloc(align, size);
    record_call(TRACE_ALIGNED_ALLOC, NULL, p, size, align, 0, p == NULL);
    return p;
}

RECORDER_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (!recorder_ready()) {
        void *p = bootstrap_alloc(size, align);
        if (p) *out = p;
        return p ? 0 : ENOMEM;
    }
    int result = real.posix_memalign(out, align, size);
    record_call(TRACE_POSIX_MEMALIGN, NULL, result == 0 ? *out : NULL, size, align, result, false);
    return result;
}

RECORDER_EXPORT void *memalign(size_t align, size_t size)
{
    if (!recorder_ready()) return bootstrap_alloc(size, align);
    void *p = real.memalign(align, size);
    record_call(TRACE_MEMALIGN, NULL, p, size, align, 0, p == NULL);
    return p;
}

RECORDER_EXPORT void *valloc(size_t size)
{
    if (!recorder_ready()) return bootstrap_alloc(size, 4096);
    void *p = real.valloc(size);
    record_call(TRACE_VALLOC, NULL, p, size, 0, 0, p == NULL);
    return p;
}

RECORDER_EXPORT void *pvalloc(size_t size)
{
    if (!recorder_ready()) return bootstrap_alloc(size ? size : 1, 4096);
    void *p = real.pvalloc(size);
    record_call(TRACE_PVALLOC, NULL, p, size, 0, 0, p == NULL);
    return p;
}

RECORDER_EXPORT size_t malloc_usable_size(void *p)
{
    if (bootstrap_owns(p)) return bootstrap_size(p);
    if (!recorder_ready()) return 0;
    size_t usable = real.malloc_usable_size(p);
    record_call(TRACE_USABLE_SIZE, p, NULL, 0, usable, 0, false);
    return usable;
}
