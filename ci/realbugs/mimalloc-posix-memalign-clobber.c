/* mimalloc issue #27 (fixed by ef02104): posix_memalign stored the result of
 * the aligned allocation into *memptr unconditionally, so a failing call
 * (ENOMEM, or EINVAL for an alignment that is not a multiple of
 * sizeof(void*)) overwrote the caller's pointer with NULL.  POSIX says
 * memptr is not modified on error.  Checks both failure kinds, and that
 * successful calls still work, in the main thread and a fresh thread. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "direct.h"

static volatile size_t huge_sizes[] = {SIZE_MAX - 4095, (size_t)1 << 62};

static const char *check(const char *where)
{
    (void)where; /* the messages are the same on both threads */
    static char msg[160];
    int sentinel;
    void *const mark = &sentinel;
    for (size_t i = 0; i < sizeof huge_sizes / sizeof huge_sizes[0]; i++) {
        void *p = mark;
        int rc = posix_memalign(&p, 64, huge_sizes[i]);
        if (rc == 0) {
            free(p); /* an allocator may succeed; then there is nothing to check */
            continue;
        }
        if (p != mark) {
            snprintf(msg, sizeof msg,
                     "bug: posix_memalign(64, %zu) failed with %d but overwrote *memptr with %p",
                     (size_t)huge_sizes[i], rc, p);
            return msg;
        }
    }
    void *p = mark;
    int rc =
        posix_memalign(&p, sizeof(void *) / 2 * 3, 32); /* 12: not a multiple of sizeof(void*) */
    if (rc == 0) {
        snprintf(msg, sizeof msg, "bug: posix_memalign with alignment 12 succeeded");
        free(p);
        return msg;
    }
    if (p != mark) {
        snprintf(msg, sizeof msg,
                 "bug: posix_memalign(12, 32) failed with %d but overwrote *memptr with %p", rc, p);
        return msg;
    }
    p = NULL;
    rc = posix_memalign(&p, 64, 100);
    if (rc != 0 || p == NULL || (uintptr_t)p % 64 != 0) {
        snprintf(msg, sizeof msg, "bug: posix_memalign(64, 100) gave rc %d, %p", rc, p);
        return msg;
    }
    free(p);
    return NULL;
}

int main(void)
{
    return direct_on_two_threads(check);
}
