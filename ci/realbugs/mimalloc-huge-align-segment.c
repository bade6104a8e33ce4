/* mimalloc commit 684c2c82 (found by Matthew Parkinson): aligned allocation
 * with a very large alignment over-allocated size+alignment-1 bytes and
 * aligned inside that block, so the returned pointer could lie more than one
 * segment (32 MiB) past the segment header.  mimalloc finds a block's
 * metadata by rounding the pointer down to the segment size, so it then reads
 * the wrong "segment".  Checks that blocks from posix_memalign, aligned_alloc
 * and memalign with 64 MiB and 128 MiB alignment are aligned, report a usable
 * size >= the request, keep their contents across realloc and can be freed,
 * in the main thread and in a fresh thread (freed by the main thread). */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char msg[200];

static int fill_check(unsigned char *p, size_t n, unsigned char seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7)) return 0;
    return 1;
}

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

/* returns 1 and sets msg on a bug; *keep receives a block to free later */
static int one(int how, size_t align, size_t size, void **keep)
{
    static const char *const names[] = {"posix_memalign", "aligned_alloc", "memalign"};
    void *p = NULL;
    *keep = NULL;
    if (how == 0) {
        if (posix_memalign(&p, align, size) != 0) p = NULL;
    } else if (how == 1) {
        p = aligned_alloc(align, size);
    } else {
        p = memalign(align, size);
    }
    if (p == NULL) return 0; /* out of memory is allowed */
    if ((uintptr_t)p % align != 0) {
        snprintf(msg, sizeof msg, "bug: %s(%zu MiB, %zu) returned misaligned %p", names[how],
                 align >> 20, size, p);
        return 1;
    }
    size_t us = malloc_usable_size(p);
    if (us < size) {
        snprintf(msg, sizeof msg, "bug: %s(%zu MiB, %zu): malloc_usable_size is %zu", names[how],
                 align >> 20, size, us);
        return 1;
    }
    unsigned char seed = (unsigned char)(how * 31 + size);
    fill(p, size, seed);
    void *q = realloc(p, size * 2 + 4096);
    if (q == NULL) {
        *keep = p;
        return 0;
    }
    if (!fill_check(q, size, seed)) {
        snprintf(msg, sizeof msg, "bug: %s(%zu MiB, %zu): realloc lost the contents", names[how],
                 align >> 20, size);
        return 1;
    }
    *keep = q;
    return 0;
}

struct job {
    int bug;
    void *blocks[3 * 2 * 2];
};

static void run(struct job *j)
{
    static const size_t aligns[] = {(size_t)64 << 20, (size_t)128 << 20};
    static const size_t sizes[] = {100, (size_t)1 << 20};
    int k = 0;
    for (int how = 0; how < 3; how++)
        for (int a = 0; a < 2; a++)
            for (int s = 0; s < 2; s++) {
                if (one(how, aligns[a], sizes[s], &j->blocks[k++])) {
                    j->bug = 1;
                    return;
                }
                /* free right away to keep the address space small */
                free(j->blocks[k - 1]);
                j->blocks[k - 1] = NULL;
            }
}

static void *thread_main(void *arg)
{
    struct job *j = arg;
    static const size_t aligns[] = {(size_t)64 << 20, (size_t)128 << 20};
    /* a fresh thread's first calls; the blocks are freed by the main thread */
    for (int a = 0; a < 2 && !j->bug; a++)
        if (one(a, aligns[a], 100, &j->blocks[a])) j->bug = 1;
    return NULL;
}

int main(void)
{
    struct job j;
    memset(&j, 0, sizeof j);
    run(&j);
    if (j.bug) {
        puts(msg);
        return 1;
    }
    struct job t;
    memset(&t, 0, sizeof t);
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, &t) != 0) {
        puts("error: pthread_create failed");
        return 2;
    }
    pthread_join(th, NULL);
    if (t.bug) {
        puts(msg);
        return 1;
    }
    for (size_t i = 0; i < sizeof t.blocks / sizeof t.blocks[0]; i++)
        free(t.blocks[i]);
    return 0;
}
