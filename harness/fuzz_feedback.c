/*
 * fuzz_feedback.c — what a fuzz target tells its engine beyond the code
 * coverage of the harness (libFuzzer's extra counters; NULL elsewhere, and
 * then nothing here runs). Two signals, one increment each per event:
 *   - block sizes: the data loops that touch a block are not instrumented
 *     (run.h, NO_COVERAGE); this says what their trip counts used to, the
 *     bit length of each accepted block's size, calloc apart;
 *   - reuse: an accepted block whose address a recent free gave back, by
 *     who freed it (the allocating thread or another) and whether the
 *     thread now allocating is the one that freed it. How far a program
 *     gets into the allocator's reuse of freed memory is the state that
 *     cross-thread bugs live in, and the code coverage of the harness does
 *     not see it.
 */
#include "run.h"

uint8_t (*size_coverage)[SIZE_COVERAGE_CLASSES];
uint8_t *reuse_coverage;

/* Atomic: free-running threads count at once. */
static void count(uint8_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void feedback_block_freed(struct oracle *o, uintptr_t ptr, unsigned allocated_by, unsigned freed_by)
{
    if (reuse_coverage == NULL) return;
    o->recent_frees[o->recent_next++ % RECENT_FREES] =
        (struct recent_free){ptr, (uint8_t)freed_by, allocated_by != freed_by};
}

void feedback_block_accepted(struct oracle *o, uintptr_t ptr, size_t requested, bool zeroed,
                             unsigned thread)
{
    if (size_coverage)
        count(&size_coverage[zeroed][requested ? 64 - __builtin_clzll(requested) : 0]);
    if (reuse_coverage == NULL) return;
    for (unsigned i = 0; i < RECENT_FREES; i++) {
        struct recent_free *f = &o->recent_frees[i];
        if (f->ptr != ptr) continue;
        count(&reuse_coverage[f->cross * 2 + (f->freed_by == thread)]);
        f->ptr = 0;
        return;
    }
}
