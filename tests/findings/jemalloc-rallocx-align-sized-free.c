/*
 * jemalloc-rallocx-align-sized-free.c — a direct proof, without Gauntlet, of
 * a bug of jemalloc 5.1.0 and 5.2.1 found by Gauntlet's generated programs
 * (corpus/regressions/found-jemalloc-rallocx-align-sized-free.txt):
 * rallocx(p, 119, MALLOCX_ALIGN(512)) computes the new usable size without
 * the alignment, so the block stays in the 128-byte class although
 * nallocx(119, MALLOCX_ALIGN(512)) is 512; a later sdallocx of it with the
 * same size and flags (valid by the manual) files it in the 512-byte bin,
 * and the next malloc(449) gets a 128-byte block. Fixed upstream by
 * 743021b6 (PR #1900, first in 5.3.0). Build against a jemalloc built from
 * upstream's tag (`gauntlet build-alloc --src DIR` prints where):
 *
 *     cc -std=c17 -O1 jemalloc-rallocx-align-sized-free.c -o rallocx \
 *        -Wl,-rpath,LIBDIR LIBDIR/libjemalloc.so.2 && ./rallocx
 *
 * Exit 1 on 5.1.0 and 5.2.1; 0 on 5.3.0 (Debian 12's: -ljemalloc).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *mallocx(size_t size, int flags);
void *rallocx(void *p, size_t size, int flags);
size_t sallocx(const void *p, int flags);
size_t nallocx(size_t size, int flags);
void sdallocx(void *p, size_t size, int flags);
size_t malloc_usable_size(void *p);

#define ALIGN_512 9 /* MALLOCX_LG_ALIGN(9) */
#define ZERO      0x40

int main(void)
{
    void *p = mallocx(121, 0);
    void *q = rallocx(p, 119, ALIGN_512 | ZERO);
    size_t real = sallocx(q, 0), predicted = nallocx(119, ALIGN_512);
    printf("rallocx(p, 119, ALIGN(512)): %zu bytes, nallocx says %zu\n", real, predicted);
    sdallocx(q, 119, ALIGN_512);
    void *r = malloc(449);
    size_t usable = malloc_usable_size(r);
    printf("then malloc(449): %zu usable bytes\n", usable);
    return real != predicted || usable < 449 ? 1 : 0;
}
