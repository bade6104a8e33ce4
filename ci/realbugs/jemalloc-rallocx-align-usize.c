/* jemalloc PR #1900 (fixed by 743021b6, 5.3.0): rallocx() with an alignment
 * flag computed the new usable size from the size alone, so a block resized
 * to (119, MALLOCX_ALIGN(512)) stayed in the 128-byte class although
 * nallocx(119, MALLOCX_ALIGN(512)) is 512. A sized free of it with the same
 * size and flags, valid by the manual, then files it in the 512-byte bin, and
 * a later malloc(449) gets a 128-byte block. Checks that each rallocx with an
 * alignment gives the size nallocx predicts, and that after the sized frees
 * every malloc(449) has 449 usable bytes (run in a forked child: the corrupted
 * bin may also crash). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "direct.h"

#define N            16
#define LG_ALIGN_512 9 /* MALLOCX_LG_ALIGN(9) */
#define ZERO         0x40

typedef void *(*mallocx_fn)(size_t, int);
typedef void *(*rallocx_fn)(void *, size_t, int);
typedef size_t (*sallocx_fn)(const void *, int);
typedef size_t (*nallocx_fn)(size_t, int);
typedef void (*sdallocx_fn)(void *, size_t, int);
typedef size_t (*usable_fn)(void *);

/* Set by main before the fork; the child inherits them. */
static mallocx_fn mx;
static rallocx_fn rx;
static sallocx_fn sx;
static nallocx_fn nx;
static sdallocx_fn sdx;
static usable_fn usable;

static int child(void)
{
    size_t predicted = nx(119, LG_ALIGN_512);
    for (int i = 0; i < N; i++) {
        void *q = rx(mx(121, 0), 119, LG_ALIGN_512 | ZERO);
        if (q == NULL) return 5;
        if (sx(q, 0) != predicted) return 2;
        sdx(q, 119, LG_ALIGN_512);
    }
    for (int i = 0; i < N; i++) {
        void *r = malloc(449);
        if (r == NULL || usable(r) < 449) return 3;
    }
    return 0;
}

int main(void)
{
    mx = (mallocx_fn)dlsym(RTLD_DEFAULT, "mallocx");
    rx = (rallocx_fn)dlsym(RTLD_DEFAULT, "rallocx");
    sx = (sallocx_fn)dlsym(RTLD_DEFAULT, "sallocx");
    nx = (nallocx_fn)dlsym(RTLD_DEFAULT, "nallocx");
    sdx = (sdallocx_fn)dlsym(RTLD_DEFAULT, "sdallocx");
    usable = (usable_fn)dlsym(RTLD_DEFAULT, "malloc_usable_size");
    if (!mx || !rx || !sx || !nx || !sdx || !usable) {
        puts("bug: not jemalloc (no mallocx, rallocx, sallocx, nallocx or sdallocx)");
        return 1;
    }
    int st = direct_in_child(child, 10, "rallocx with an alignment, then sdallocx");
    if (st == DIRECT_NO_CHILD) return 2;
    if (st == 2) puts("bug: rallocx(p, 119, ALIGN(512)) gives another size than nallocx says");
    if (st == 3) puts("bug: after sized frees of aligned rallocx blocks, malloc(449) is short");
    if (st == 5) puts("bug: rallocx(p, 119, ALIGN(512)) failed");
    return st == 0 ? 0 : 1;
}
