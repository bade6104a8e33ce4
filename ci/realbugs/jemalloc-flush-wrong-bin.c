/* jemalloc commit 064dbfb ("Fix a regression in tcache_bin_flush_small()",
 * 4.0.0): when a thread's cache flushed small blocks that were allocated by a
 * thread on another arena (a cross-thread free), it locked and updated the bin
 * of its own arena instead of the bin of the arena that owns the slab.  The
 * owner's slabs then end up tracked by two bins under two different locks, and
 * regions are handed out twice (or slabs are released while still in use).
 * Checks, with several rounds of freshly started threads that allocate small
 * blocks and free each other's blocks through a shared pool, that no live
 * block is ever overwritten by another owner (every word of a block keeps its
 * owner's tag).  Runs in a forked child, so a crash or hang is reported too. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "direct.h"

#define POOL    4096
#define THREADS 4
#define ROUNDS  12
#define OPS     60000

static _Atomic(uint64_t *) pool[POOL];
static atomic_uint_fast64_t next_id = 1;
static atomic_int failed;

static const size_t sizes[] = {16, 32, 48, 64, 80, 96, 128, 192, 256};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* A block holds: words[0] = number of words, words[1..n-1] = id. */
static int check(uint64_t *p)
{
    uint64_t n = p[0];
    if (n < 2 || n > 256 / 8) return 0;
    for (uint64_t k = 2; k < n; k++)
        if (p[k] != p[1]) return 0;
    return 1;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg)
{
    uint64_t s = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
    for (int op = 0; op < OPS && !atomic_load(&failed); op++) {
        size_t i = rnd(&s) % POOL;
        uint64_t *p = atomic_exchange(&pool[i], NULL);
        if (p != NULL) {
            if (!check(p)) {
                atomic_store(&failed, 1);
                return NULL;
            }
            free(p);
        } else {
            size_t size = sizes[rnd(&s) % NSIZES];
            uint64_t *q = malloc(size);
            if (q == NULL) {
                atomic_store(&failed, 2);
                return NULL;
            }
            uint64_t id = atomic_fetch_add(&next_id, 1);
            uint64_t n = size / 8;
            q[0] = n;
            for (uint64_t k = 1; k < n; k++)
                q[k] = id;
            uint64_t *expect = NULL;
            if (!atomic_compare_exchange_strong(&pool[i], &expect, q)) free(q);
        }
    }
    return NULL;
}

static int child(void)
{
    for (int r = 0; r < ROUNDS && !atomic_load(&failed); r++) {
        pthread_t t[THREADS];
        for (int k = 0; k < THREADS; k++)
            if (pthread_create(&t[k], NULL, worker, (void *)(uintptr_t)(r * THREADS + k + 1)) != 0)
                return 3;
        for (int k = 0; k < THREADS; k++)
            pthread_join(t[k], NULL);
        /* The main thread also frees a share of the survivors. */
        for (size_t i = 0; i < POOL; i += 3) {
            uint64_t *p = atomic_exchange(&pool[i], NULL);
            if (p != NULL) {
                if (!check(p)) return 1;
                free(p);
            }
        }
    }
    if (atomic_load(&failed)) return atomic_load(&failed);
    for (size_t i = 0; i < POOL; i++) {
        uint64_t *p = atomic_exchange(&pool[i], NULL);
        if (p != NULL && !check(p)) return 1;
        free(p);
    }
    return 0;
}

int main(void)
{
    int st = direct_in_child(child, 3, "cross-thread small frees");
    switch (st) {
    case DIRECT_CHILD_DIED: return 1;
    case DIRECT_NO_CHILD: return 2;
    case 0: return 0;
    case 1:
        printf("bug: a live small block was overwritten by another block "
               "(overlap after cross-thread frees)\n");
        return 1;
    case 2: printf("bug: malloc returned NULL for a small block\n"); return 1;
    default: printf("error: checker child exited with status %d\n", st); return 2;
    }
}
