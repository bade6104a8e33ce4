/*
 * mimalloc-rezalloc-stale-bytes.c — a direct proof, without Gauntlet, of
 * mimalloc issue #763 as Gauntlet met it in mimalloc 2.0.9 (Debian 12's
 * libmimalloc2.0) and in upstream's dev3 branch (3.4.3, built from the
 * repository for one measurement): a block made zeroed and grown by
 * mi_rezalloc_aligned holds bytes that are not zero. When the realloc moves
 * the block, it zeroes the new block only up to the size asked; the rest of
 * the new block's class keeps what an earlier block there held, and a later
 * mi_rezalloc_aligned that grows the block in place hands those bytes back.
 * mimalloc's document allows zeroing reallocs only of blocks made zeroed,
 * as this one is. Program: corpus/regressions/mimalloc-763-rezalloc-aligned.txt.
 *
 *     cc -std=c17 -O1 mimalloc-rezalloc-stale-bytes.c -ldl -o stale && ./stale [LIBRARY]
 *
 * LIBRARY: a mimalloc shared library (default libmimalloc.so.2, Debian's).
 *
 * Exit 1 when a grown block holds a non-zero byte past what was written,
 * 0 when none does, 2 when mimalloc cannot be loaded.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *library = argc > 1 ? argv[1] : "libmimalloc.so.2";
    void *mimalloc = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (mimalloc == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", library, dlerror());
        return 2;
    }
    void *(*allocate)(size_t), (*release)(void *);
    void *(*zalloc)(size_t, size_t), *(*rezalloc)(void *, size_t, size_t);
    *(void **)&allocate = dlsym(mimalloc, "mi_malloc");
    *(void **)&release = dlsym(mimalloc, "mi_free");
    *(void **)&zalloc = dlsym(mimalloc, "mi_zalloc_aligned");
    *(void **)&rezalloc = dlsym(mimalloc, "mi_rezalloc_aligned");
    if (!allocate || !release || !zalloc || !rezalloc) return 2;
    unsigned stale = 0, rounds = 8;
    for (unsigned round = 0; round < rounds; round++) {
        /* Blocks of the class the grown block will move to, left dirty. */
        unsigned char *dirty[64];
        for (int i = 0; i < 64; i++) {
            dirty[i] = allocate(3000);
            if (dirty[i] == NULL) return 2;
            memset(dirty[i], 0xab, 3000);
        }
        for (int i = 0; i < 64; i++)
            release(dirty[i]);
        unsigned char *p = zalloc(100, 16);
        if (p == NULL) return 2;
        memset(p, 1, 100);
        unsigned char *q = rezalloc(p, 2900, 16); /* moves: a block of that class */
        if (q == NULL) return 2;
        memset(q + 100, 2, 2800);                 /* bytes 100..2899 were zero: now written */
        unsigned char *r = rezalloc(q, 3000, 16); /* in place: bytes 2900.. must be 0 */
        if (r == NULL) return 2;
        for (unsigned i = 2900; i < 3000; i++)
            if (r[i] != 0) {
                if (stale++ == 0)
                    printf("round %u: byte %u of the grown block is %#x, not 0\n", round, i, r[i]);
                break;
            }
        release(r);
    }
    printf("%u of %u grown blocks held a non-zero byte past what was written\n", stale, rounds);
    return stale ? 1 : 0;
}
