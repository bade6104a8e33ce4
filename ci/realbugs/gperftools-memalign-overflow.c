/*
 * gperftools memalign size+alignment overflow check in the page-level
 * aligned path (perftools 0.4 fix, "Fix tcmalloc overflow problems when an
 * alloc is close to 2G/4G"; today's do_memalign_pages).
 *
 * A request with a large alignment (> tcmalloc's page) and a size close to
 * SIZE_MAX cannot be satisfied: memalign/aligned_alloc must return NULL and
 * posix_memalign must return ENOMEM.  Without the check size+align wraps to
 * a small number, tcmalloc carves a few pages and returns them (or trips
 * over its own bookkeeping and aborts).  The requests run in a child process
 * so a crash is reported as a "bug:" line too.
 * Exit 0: all requests refused; exit 1: "bug: ..." line.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

static int run_checks(void)
{
    static const size_t aligns[] = {1u << 16, 1u << 20, 1u << 14};
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        size_t a = aligns[i];
        /* size + a wraps around to a/2 .. a-1 */
        size_t sizes[] = {SIZE_MAX - 16, SIZE_MAX - a / 2 + 1, SIZE_MAX - a + 2};
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            size_t s = sizes[j];
            void *p = memalign(a, s);
            if (p != NULL) {
                printf("bug: memalign(%zu, %zu) returned %p (usable size %zu) "
                       "for an impossible size\n",
                       a, s, p, malloc_usable_size(p));
                return 1;
            }
            void *q = (void *)1;
            int rc = posix_memalign(&q, a, s);
            if (rc != ENOMEM) {
                printf("bug: posix_memalign(&p, %zu, %zu) returned %d (%s), p=%p, "
                       "expected ENOMEM\n",
                       a, s, rc, strerror(rc), rc == 0 ? q : NULL);
                return 1;
            }
            void *r = aligned_alloc(a, s & ~(a - 1));
            if (r != NULL) {
                printf("bug: aligned_alloc(%zu, %zu) returned %p for an impossible "
                       "size\n",
                       a, s & ~(a - 1), r);
                return 1;
            }
        }
    }
    return 0;
}

int main(void)
{
    int st = direct_in_child(run_checks, 0,
                             "memalign/posix_memalign with a large alignment and a size near "
                             "SIZE_MAX");
    if (st == DIRECT_NO_CHILD) return 2;
    return st == 0 ? 0 : 1; /* run_checks printed its line, or the child died */
}
