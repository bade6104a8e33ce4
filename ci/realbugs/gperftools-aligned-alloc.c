/*
 * gperftools issue #909 "Missing allocation function: aligned_alloc"
 * (fixed by commit d406f22, 2.6.2: aligned_alloc aliased to tc_memalign).
 *
 * When tcmalloc replaces malloc/free but not aligned_alloc, aligned_alloc
 * is served by glibc's allocator while free() and malloc_usable_size() are
 * tcmalloc's: the block is foreign to the allocator that must release it,
 * and tcmalloc aborts with "Attempt to free invalid pointer" (or its size
 * query fails).  Checks aligned_alloc blocks of several alignments, queried
 * and freed both in the allocating thread and in a fresh thread.  Runs the
 * checks in a child so the abort is reported as a "bug:" line.
 * Exit 0: correct; exit 1: "bug: ..." line.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "direct.h"

#define N 8
static void *blocks[N];
static size_t sizes[N];

static void *free_in_thread(void *arg)
{
    (void)arg;
    for (int i = N / 2; i < N; i++) {
        if (malloc_usable_size(blocks[i]) < sizes[i]) return (void *)1;
        free(blocks[i]);
    }
    return NULL;
}

static int run_checks(void)
{
    for (int i = 0; i < N; i++) {
        size_t align = (size_t)16 << i; /* 16 .. 2048 */
        sizes[i] = align * 3;
        blocks[i] = aligned_alloc(align, sizes[i]);
        if (blocks[i] == NULL) {
            printf("bug: aligned_alloc(%zu, %zu) returned NULL\n", align, sizes[i]);
            return 1;
        }
        if ((uintptr_t)blocks[i] % align != 0) {
            printf("bug: aligned_alloc(%zu, %zu) returned misaligned %p\n", align, sizes[i],
                   blocks[i]);
            return 1;
        }
        memset(blocks[i], 0xa5, sizes[i]);
    }
    for (int i = 0; i < N / 2; i++) {
        size_t us = malloc_usable_size(blocks[i]);
        if (us < sizes[i]) {
            printf("bug: malloc_usable_size(aligned_alloc block of %zu) = %zu\n", sizes[i], us);
            return 1;
        }
        free(blocks[i]);
    }
    pthread_t t;
    void *ret = NULL;
    if (pthread_create(&t, NULL, free_in_thread, NULL) == 0) {
        pthread_join(t, &ret);
        if (ret != NULL) {
            printf("bug: malloc_usable_size of an aligned_alloc block smaller than "
                   "requested (fresh thread)\n");
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    int st = direct_in_child(run_checks, 0,
                             "malloc_usable_size/free of an aligned_alloc block (aligned_alloc is "
                             "not served by the allocator that frees it)");
    if (st == DIRECT_NO_CHILD) return 2;
    return st == 0 ? 0 : 1; /* run_checks printed its line, or the child died */
}
