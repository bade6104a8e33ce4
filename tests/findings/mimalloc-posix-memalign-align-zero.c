/*
 * mimalloc-posix-memalign-align-zero.c — a direct proof, without Gauntlet, of
 * a bug of mimalloc 1.6.7 and 1.7.2 found by Gauntlet's generated programs
 * (corpus/regressions/found-mimalloc-posix-memalign-align-zero.txt):
 * posix_memalign(&p, 0, n) fails with ENOMEM where POSIX requires EINVAL (0
 * is not a power of two; it passes mimalloc's check, and the allocation then
 * fails). Fixed upstream by 89f583a6 (first in 1.7.4).
 * Build against a mimalloc built from upstream's tag (`gauntlet build-alloc
 * --src DIR` prints where):
 *
 *     cc -std=c17 -O1 mimalloc-posix-memalign-align-zero.c -o align0 \
 *        -Wl,-rpath,LIBDIR LIBDIR/libmimalloc.so && ./align0
 *
 * Exit 1 on 1.6.7 and 1.7.2; 0 on 1.7.4 and later (Debian 12's 2.0.9).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

int mi_posix_memalign(void **p, size_t alignment, size_t size);

int main(void)
{
    void *untouched = (void *)0x1234, *p = untouched;
    int status = mi_posix_memalign(&p, 0, 394);
    printf("posix_memalign(&p, 0, 394) = %d (EINVAL is %d)\n", status, EINVAL);
    return status == EINVAL && p == untouched ? 0 : 1;
}
