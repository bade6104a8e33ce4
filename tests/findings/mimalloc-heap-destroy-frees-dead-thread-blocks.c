/*
 * mimalloc-heap-destroy-frees-dead-thread-blocks.c — a direct proof,
 * without Gauntlet, of a bug Gauntlet's heap_visit met in mimalloc 2.0.9
 * (Debian 12's libmimalloc2.0): a heap made by mi_heap_new() takes in the
 * pages of a thread that has exited. When the thread ends, its segments
 * are abandoned with their live blocks; a later allocation in the new heap
 * that needs a fresh segment reclaims one of them, and its pages join that
 * heap (mi_segment_reclaim), although the heap was made not to reclaim
 * ("no_reclaim ... or otherwise destroy is unsafe"). mi_heap_visit_blocks
 * then lists the exited thread's block as the heap's, and mi_heap_destroy
 * frees it while the program still holds it: a later allocation gets the
 * same memory. Bun met the same in 2026 (oven-sh/bun#27786, its heaps
 * given a tag of their own); mimalloc's dev3 branch (3.4.3), built from the
 * repository for one measurement, does not. The calls are those of
 * corpus/regressions/found-mimalloc-heap-reclaims-dead-thread-blocks.txt.
 *
 *     cc -std=c17 -O1 -pthread mimalloc-heap-destroy-frees-dead-thread-blocks.c -ldl -o reclaim
 *     ./reclaim [LIBRARY]
 *
 * LIBRARY: a mimalloc 2 shared library (default libmimalloc.so.2, Debian's).
 * Exit 1 when the new heap lists the exited thread's block, 0 when it does
 * not, 2 when mimalloc cannot be loaded.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static void *(*mi_malloc_)(size_t);
static void *(*mi_realloc_aligned_)(void *, size_t, size_t);
static void *(*mi_heap_new_)(void);
static void *(*mi_heap_malloc_)(void *, size_t);
static bool (*mi_heap_visit_blocks_)(const void *, bool,
                                     bool (*)(const void *, const void *, void *, size_t, void *),
                                     void *);
static void (*mi_heap_destroy_)(void *);

static void *exited_block;

static void *exiting_thread(void *unused)
{
    (void)unused;
    exited_block = mi_malloc_(12582915);
    return NULL; /* its segment is abandoned with the block live */
}

static bool listed(const void *heap, const void *area, void *block, size_t size, void *found)
{
    (void)heap, (void)area, (void)size;
    if (block == exited_block) *(bool *)found = true;
    return true;
}

int main(int argc, char **argv)
{
    const char *library = argc > 1 ? argv[1] : "libmimalloc.so.2";
    void *mimalloc = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (mimalloc == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", library, dlerror());
        return 2;
    }
    *(void **)&mi_malloc_ = dlsym(mimalloc, "mi_malloc");
    *(void **)&mi_realloc_aligned_ = dlsym(mimalloc, "mi_realloc_aligned");
    *(void **)&mi_heap_new_ = dlsym(mimalloc, "mi_heap_new");
    *(void **)&mi_heap_malloc_ = dlsym(mimalloc, "mi_heap_malloc");
    *(void **)&mi_heap_visit_blocks_ = dlsym(mimalloc, "mi_heap_visit_blocks");
    *(void **)&mi_heap_destroy_ = dlsym(mimalloc, "mi_heap_destroy");
    if (!mi_malloc_ || !mi_realloc_aligned_ || !mi_heap_new_ || !mi_heap_malloc_ ||
        !mi_heap_visit_blocks_ || !mi_heap_destroy_)
        return 2;
    /* This thread's own segments fill first, so that the new heap's block
     * needs another one. */
    void *large = mi_malloc_((size_t)57 << 18), *aligned = mi_malloc_(31);
    aligned = mi_realloc_aligned_(aligned, 8388595, 4194304);
    pthread_t t;
    if (!large || !aligned || pthread_create(&t, NULL, exiting_thread, NULL) != 0) return 2;
    pthread_join(t, NULL);
    void *heap = mi_heap_new_();
    void *own = heap ? mi_heap_malloc_(heap, 9132693) : NULL;
    if (own == NULL || exited_block == NULL) return 2;
    bool found = false;
    mi_heap_visit_blocks_(heap, true, listed, &found);
    printf("the new heap %s the exited thread's live block %p\n", found ? "lists" : "does not list",
           exited_block);
    if (found) {
        mi_heap_destroy_(heap); /* frees that block too */
        void *again = mi_malloc_(12582915);
        printf("after mi_heap_destroy, a new 12 MiB block is at %p%s\n", again,
               again == exited_block ? ": the block the program still holds" : "");
    }
    return found ? 1 : 0;
}
