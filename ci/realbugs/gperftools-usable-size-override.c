/*
 * gperftools: malloc_usable_size must be overridden (gperftools issues
 * #195 and #260, fixed in perftools 1.6: "Override malloc_usable_size with
 * tc_malloc_usable_size").
 *
 * Without the override, malloc_usable_size resolves to glibc's version,
 * which treats the 16 bytes before the block as a glibc chunk header.
 * tcmalloc blocks have no header: those bytes belong to the neighbouring
 * block, so glibc reports 0 or garbage, or faults.  This program allocates
 * runs of small and page-sized blocks (zero-filled, and pattern-filled)
 * from the main thread and from a freshly started thread, and checks that
 * malloc_usable_size of each block is at least the size requested and
 * stays plausible (under 1 MiB for these sizes).
 * Exit 0: every answer is sane; exit 1: "bug: ..." line (a crash also
 * means the bug is present).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

#define COUNT 64

static const size_t sizes[] = {24, 48, 100, 1000, 5000, 40000};

static char msg[256];

static int check_size(const char *where, size_t n, int fill)
{
    void *blocks[COUNT];
    int found = 0;
    for (int i = 0; i < COUNT; i++) {
        blocks[i] = malloc(n);
        if (!blocks[i]) {
            for (int j = 0; j < i; j++)
                free(blocks[j]);
            snprintf(msg, sizeof msg, "bug: %s: malloc(%zu) failed", where, n);
            return 1;
        }
        memset(blocks[i], fill, n);
    }
    for (int i = 0; i < COUNT && !found; i++) {
        size_t u = malloc_usable_size(blocks[i]);
        if (u < n || u > ((size_t)1 << 20)) {
            snprintf(msg, sizeof msg,
                     "bug: %s: malloc_usable_size(malloc(%zu)) = %zu (block %d, "
                     "fill 0x%02x)",
                     where, n, u, i, fill & 0xff);
            found = 1;
        }
    }
    for (int i = 0; i < COUNT; i++)
        free(blocks[i]);
    return found;
}

/* NULL, or the "bug: ..." line in msg */
static const char *check_all(const char *where)
{
    static const int fills[] = {0x00, 0xa5};
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (check_size(where, sizes[i], fills[f])) return msg;
    return NULL;
}

int main(void)
{
    return direct_on_two_threads(check_all);
}
