/* jemalloc issue #278 (fixed by 0c516a0, 4.1.0): a request larger than the
 * largest size class made sz_size2index() return the out-of-range index
 * SC_NSIZES, which the allocation path then used as a size-class index
 * instead of failing.  Checks that malloc() and calloc() of sizes above
 * PTRDIFF_MAX return NULL with errno ENOMEM (each request runs in a forked
 * child, so a crash or hang is reported too). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "direct.h"

/* Called through volatile pointers so the compiler cannot fold the calls. */
static void *(*volatile m)(size_t) = malloc;
static void *(*volatile c)(size_t, size_t) = calloc;

/* The request the child makes; set before each fork, inherited by the child. */
static int req_calloc;
static size_t req_size;

/* Child exit codes: 0 ok, 3 returned non-NULL, 4 NULL but errno != ENOMEM. */
static int request(void)
{
    errno = 0;
    void *p = req_calloc ? c(1, req_size) : m(req_size);
    if (p != NULL) return 3;
    return errno == ENOMEM ? 0 : 4;
}

static int try_one(int use_calloc, size_t size)
{
    req_calloc = use_calloc;
    req_size = size;
    const char *fn = use_calloc ? "calloc(1, %zu)" : "malloc(%zu)";
    char call[64];
    snprintf(call, sizeof call, fn, size);
    int st = direct_in_child(request, 2, call);
    switch (st) {
    case DIRECT_CHILD_DIED: return 1;
    case DIRECT_NO_CHILD: exit(2);
    case 0: return 0;
    case 3: printf("bug: %s returned non-NULL for a size above PTRDIFF_MAX\n", call); return 1;
    case 4: printf("bug: %s returned NULL without setting errno to ENOMEM\n", call); return 1;
    default: printf("bug: %s child exited with status %d\n", call, st); return 1;
    }
}

int main(void)
{
    static const size_t sizes[] = {
        SIZE_MAX,
        SIZE_MAX - 4095,
        (size_t)PTRDIFF_MAX + 1,
        ((size_t)7 << 60) + 1,
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int k = 0; k < 2; k++)
            if (try_one(k, sizes[i])) return 1;
    return 0;
}
