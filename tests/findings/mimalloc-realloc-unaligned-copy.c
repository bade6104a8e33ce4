/*
 * mimalloc-realloc-unaligned-copy.c — a direct proof, without Gauntlet, of a
 * bug Gauntlet met in mimalloc 2.0.9 (Debian 12's libmimalloc2.0) while its
 * malloc_aligned_at operation still made calls with any offset: realloc of a
 * block from mi_malloc_aligned_at whose offset is not a multiple of the
 * pointer size copies the wrong bytes into the new block. The block's
 * address is then not word-aligned, and _mi_heap_realloc_zero copies it
 * with _mi_memcpy_aligned, which assumes a word-aligned source; upstream
 * copies with _mi_memcpy since "review realloc" (b549c88e, 2023). Such
 * offsets are a grey zone (mimalloc #417: its debug build refuses to free
 * those blocks), so Gauntlet no longer makes these calls and keeps no
 * regression program for it.
 *
 *     cc -std=c17 -O1 mimalloc-realloc-unaligned-copy.c -ldl -o copy && ./copy
 *
 * Exit 1 when a copy is wrong (mimalloc 2.0.9), 0 when every one is right.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    void *mimalloc = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (mimalloc == NULL) {
        fprintf(stderr, "cannot load libmimalloc.so.2: %s\n", dlerror());
        return 2;
    }
    void *(*aligned_at)(size_t, size_t, size_t);
    void *(*resize)(void *, size_t);
    *(void **)&aligned_at = dlsym(mimalloc, "mi_malloc_aligned_at");
    *(void **)&resize = dlsym(mimalloc, "mi_realloc");
    if (aligned_at == NULL || resize == NULL) return 2;
    unsigned wrong = 0, tried = 0;
    for (size_t offset = 1; offset < 256; offset += 7, tried++) {
        unsigned char *p = aligned_at(1024, 256, offset);
        if (p == NULL) return 2;
        for (unsigned i = 0; i < 1024; i++)
            p[i] = (unsigned char)(i * 7 + 1);
        unsigned char *q = resize(p, 34); /* below half the block: a new one */
        if (q == NULL) return 2;
        for (unsigned i = 0; i < 34; i++)
            if (q[i] != (unsigned char)(i * 7 + 1)) {
                if (wrong++ == 0)
                    printf("offset %zu: byte %u of the copy is %#x, was %#x\n", offset, i, q[i],
                           (unsigned)(unsigned char)(i * 7 + 1));
                break;
            }
    }
    printf("%u of %u reallocs copied the wrong bytes\n", wrong, tried);
    return wrong ? 1 : 0;
}
