/*
 * mimalloc-heap-visit-misses-huge.c — a direct proof, without Gauntlet, of a
 * bug of mimalloc 1.6.7 to 1.7.4 found by Gauntlet's generated programs
 * (corpus/regressions/found-mimalloc-heap-visit-misses-huge.txt):
 * mi_heap_visit_blocks() does not list a huge block (above 2 MiB) made in the
 * heap with mi_heap_malloc(). Upstream issues #570 and #587, fixed by
 * 969d8bc5 (first in 1.7.9 and 2.0.9). Build against a mimalloc built from
 * upstream's tag (`gauntlet build-alloc --src DIR` prints where):
 *
 *     cc -std=c17 -O1 mimalloc-heap-visit-misses-huge.c -o visit \
 *        -Wl,-rpath,LIBDIR LIBDIR/libmimalloc.so && ./visit
 *
 * Exit 1 on 1.6.7, 1.7.2 and 1.7.4; 0 on 1.8.2 and 2.0.9 (Debian 12's).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct mi_heap_s mi_heap_t;
typedef struct mi_heap_area_s {
    void *blocks;
    size_t reserved, committed, used, block_size;
} mi_heap_area_t;
typedef bool(mi_block_visit_fun)(const mi_heap_t *, const mi_heap_area_t *, void *, size_t, void *);
mi_heap_t *mi_heap_new(void);
void *mi_heap_malloc(mi_heap_t *heap, size_t size);
bool mi_heap_visit_blocks(const mi_heap_t *heap, bool visit_blocks, mi_block_visit_fun *visit,
                          void *arg);
void mi_heap_delete(mi_heap_t *heap);
void mi_free(void *p);

static void *wanted;
static int seen;

static bool visit(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t size,
                  void *arg)
{
    (void)heap, (void)area, (void)size, (void)arg;
    if (block == wanted) seen++;
    return true;
}

int main(void)
{
    mi_heap_t *heap = mi_heap_new();
    wanted = mi_heap_malloc(heap, 7422786);
    mi_heap_visit_blocks(heap, true, visit, NULL);
    printf("a block of 7422786 bytes, listed %d time(s) by its heap's visit\n", seen);
    mi_free(wanted);
    mi_heap_delete(heap);
    return seen == 1 ? 0 : 1;
}
