/*
 * gperftools: small size classes must be 16-byte aligned (perftools 1.0rc1
 * fix, ChangeLog "Enforce 16-byte alignment for tcmalloc, for SSE").
 *
 * Before the fix every size class under 128 bytes was only a multiple of
 * 8 (24, 40, 56, ...), so a block of 17..24 bytes could start at an address
 * that is 8 but not 16 aligned, although a block that large must be able to
 * hold a max_align_t (16 bytes on x86-64).  This program asks
 * malloc/calloc/realloc for every size from _Alignof(max_align_t) to 256
 * bytes, several blocks per size, from the main thread and from a freshly
 * started thread, and checks each address.
 * Exit 0: every block is suitably aligned; exit 1: "bug: ..." line.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

#define PER_SIZE 6
#define MAX_SIZE 256

static char msg[256];

/* The alignment a block of n bytes must have: the largest fundamental
 * alignment that an object of n bytes could need. */
static size_t need_align(size_t n)
{
    size_t a = alignof(max_align_t);
    while (a > 1 && a > n)
        a >>= 1;
    return a;
}

static int bad(const char *where, const char *fn, size_t n, void *p)
{
    snprintf(msg, sizeof msg, "bug: %s: %s(%zu) returned %p, not %zu-byte aligned", where, fn, n, p,
             need_align(n));
    return 1;
}

static int misaligned(void *p, size_t n)
{
    return ((uintptr_t)p % need_align(n)) != 0;
}

/* NULL, or the "bug: ..." line in msg */
static const char *check_all(const char *where)
{
    void *keep[PER_SIZE * 3];
    int found = 0;
    for (size_t n = alignof(max_align_t); n <= MAX_SIZE && !found; n++) {
        int k = 0;
        for (int i = 0; i < PER_SIZE && !found; i++) {
            void *p = malloc(n);
            if (!p) {
                snprintf(msg, sizeof msg, "bug: %s: malloc(%zu) failed", where, n);
                return msg;
            }
            keep[k++] = p;
            if (misaligned(p, n)) found = bad(where, "malloc", n, p);
        }
        for (int i = 0; i < PER_SIZE && !found; i++) {
            void *p = calloc(1, n);
            if (!p) {
                snprintf(msg, sizeof msg, "bug: %s: calloc(1, %zu) failed", where, n);
                return msg;
            }
            keep[k++] = p;
            if (misaligned(p, n)) found = bad(where, "calloc", n, p);
        }
        for (int i = 0; i < PER_SIZE && !found; i++) {
            void *p = malloc(8);
            if (!p) {
                snprintf(msg, sizeof msg, "bug: %s: malloc(8) failed", where);
                return msg;
            }
            memset(p, 0x5a, 8);
            void *q = realloc(p, n);
            if (!q) {
                free(p);
                snprintf(msg, sizeof msg, "bug: %s: realloc(p, %zu) failed", where, n);
                return msg;
            }
            keep[k++] = q;
            if (misaligned(q, n)) found = bad(where, "realloc", n, q);
        }
        for (int i = 0; i < k; i++)
            free(keep[i]);
    }
    return found ? msg : NULL;
}

int main(void)
{
    return direct_on_two_threads(check_all);
}
