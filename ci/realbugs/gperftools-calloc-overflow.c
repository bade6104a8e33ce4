/*
 * gperftools calloc n*m overflow check (perftools 0.4 fix, "Fix tcmalloc
 * overflow problems when an alloc is close to 2G/4G").
 *
 * calloc(n, m) must return NULL when n*m does not fit in size_t.  Without
 * the check tcmalloc allocates (n*m mod 2^64) bytes, i.e. a tiny block, and
 * hands it back as if it held n elements.  Checks a few products that wrap
 * to small sizes, from the main thread and from a freshly started thread.
 * Exit 0: every overflowing calloc returned NULL; exit 1: "bug: ..." line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>

#include "direct.h"

struct pair {
    size_t n, m;
};

static const struct pair cases[] = {
    {SIZE_MAX / 2 + 2, 2},           /* wraps to 2 */
    {SIZE_MAX / 16 + 2, 16},         /* wraps to 16 */
    {2, SIZE_MAX / 2 + 9},           /* wraps to 16 */
    {(SIZE_MAX / 4096) + 2, 4096},   /* wraps to 4096 */
    {(SIZE_MAX / 40000) + 1, 40000}, /* wraps to a few KiB */
};

static char msg[256];

/* NULL, or the "bug: ..." line in msg */
static const char *check_all(const char *where)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].n, m = cases[i].m;
        void *p = calloc(n, m);
        if (p != NULL) {
            snprintf(msg, sizeof msg,
                     "bug: calloc(%zu, %zu) (product overflows size_t) returned %p "
                     "with usable size %zu (%s)",
                     n, m, p, malloc_usable_size(p), where);
            free(p);
            return msg;
        }
    }
    return NULL;
}

int main(void)
{
    /* warm the allocator so the checks are not all the very first calls */
    free(malloc(32));
    return direct_on_two_threads(check_all);
}
