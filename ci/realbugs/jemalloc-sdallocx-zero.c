/* jemalloc issue #2872 (fixed by 4edbb7c, 5.2.0: "Support 0 size in
 * sdallocx"): malloc(0) is served from the smallest size class, but the sized
 * deallocation path mapped a size to its class through the lookup table at
 * index (size-1) >> 3, which for size 0 is far outside the table, so
 * sdallocx(malloc(0), 0, 0) -- free_sized(p, 0) -- crashed.  Checks that
 * blocks from malloc(0), calloc(0, 1) and realloc(NULL, 0) can be released
 * with sdallocx(p, 0, 0) (run in a forked child so a crash is reported), and
 * that the heap still hands out distinct, writable blocks afterwards. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

#define N 64

typedef void (*sdallocx_fn)(void *, size_t, int);

static void *(*volatile m)(size_t) = malloc;
static void *(*volatile c)(size_t, size_t) = calloc;
static void *(*volatile r)(void *, size_t) = realloc;
/* set by main before the fork; the child inherits it */
static sdallocx_fn sdx;

static int child(void)
{
    void *p[3 * N];
    int n = 0;
    for (int i = 0; i < N; i++) {
        p[n++] = m(0);
        p[n++] = c(0, 1);
        p[n++] = r(NULL, 0);
    }
    for (int i = 0; i < n; i++)
        if (p[i] != NULL) sdx(p[i], 0, 0);
    /* The freed zero-size blocks must not come back twice at once. */
    void *q[2 * N];
    for (int i = 0; i < 2 * N; i++) {
        q[i] = m(8);
        if (q[i] == NULL) return 5;
        memset(q[i], i & 0xff, 8);
    }
    for (int i = 0; i < 2 * N; i++)
        for (int k = 0; k < 8; k++)
            if (((unsigned char *)q[i])[k] != (i & 0xff)) return 6;
    for (int i = 0; i < 2 * N; i++)
        free(q[i]);
    return 0;
}

int main(void)
{
    sdx = (sdallocx_fn)dlsym(RTLD_DEFAULT, "sdallocx");
    if (sdx == NULL) {
        printf("note: no sdallocx in this allocator; nothing to check\n");
        return 0;
    }
    int st = direct_in_child(child, 4, "sdallocx(p, 0, 0) of a zero-size block");
    if (st == DIRECT_CHILD_DIED) return 1;
    if (st == DIRECT_NO_CHILD) return 2;
    if (st == 5) {
        printf("bug: malloc(8) returned NULL after sized frees of size 0\n");
        return 1;
    }
    if (st == 6) {
        printf("bug: blocks overlap after sdallocx(p, 0, 0) of zero-size "
               "blocks\n");
        return 1;
    }
    if (st != 0) {
        printf("bug: checker child exited with status %d\n", st);
        return 1;
    }
    return 0;
}
