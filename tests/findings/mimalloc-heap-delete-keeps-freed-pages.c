/*
 * mimalloc-heap-delete-keeps-freed-pages.c — a direct proof, without
 * Gauntlet, of memory mimalloc 2.0.9 (Debian 12's libmimalloc2.0) never
 * reuses, found by the closing seconds of a `gauntlet fuzz` campaign (a
 * corpus program made in rounds: `reuse`, 96 KiB a round over 256 rounds):
 * blocks made in a heap of mi_heap_new() and freed before mi_heap_delete()
 * leave their pages to the thread's backing heap, and neither that heap nor
 * the next round's new heap serves from them again, nor are they given back.
 * Each round below does that with four blocks of 24 KiB: the resident memory
 * grows by about 97 KiB a round on 2.0.9 (24 MiB after 256 rounds); on
 * upstream's 3.4.3 and dev3 (built once from the repository for a
 * measurement, preloaded) it stays flat.
 *
 *     cc -std=c17 -O1 mimalloc-heap-delete-keeps-freed-pages.c -lmimalloc -o heap-rounds
 *     ./heap-rounds 256
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *mi_heap_new(void);
void *mi_heap_malloc(void *heap, size_t size);
void mi_heap_delete(void *heap);
void mi_free(void *p);
void *mi_malloc(size_t size);

static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    if (f) fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 256;
    long first = 0;
    for (int r = 0; r < rounds; r++) {
        void *small[40], *block[4];
        for (int i = 0; i < 40; i++) /* the thread's own heap at work too */
            small[i] = mi_malloc((size_t)(i % 3));
        void *heap = mi_heap_new();
        for (int i = 0; i < 4; i++) {
            block[i] = mi_heap_malloc(heap, 24 * 1024);
            memset(block[i], 1, 24 * 1024);
        }
        for (int i = 0; i < 4; i++)
            mi_free(block[i]);
        for (int i = 0; i < 40; i++)
            mi_free(small[i]);
        mi_heap_delete(heap);
        if (r == 0) first = resident_kib();
        if (r % 32 == 31)
            printf("round %d: %ld KiB resident (%+ld since round 1)\n", r + 1, resident_kib(),
                   resident_kib() - first);
    }
    /* A correct allocator needs no more memory for round 256 than for round 2. */
    return resident_kib() - first > 4096 ? 1 : 0;
}
