/*
 * fuzz_feedback.c — what a fuzz target tells its engine beyond the code
 * coverage of the harness (run_config.feedback: libFuzzer's extra counters;
 * NULL elsewhere, and then nothing here runs). Two signals, one increment
 * each per event:
 *   - block sizes: the data loops that touch a block are not instrumented
 *     (internal.h, NO_COVERAGE); this says what their trip counts would, the
 *     bit length of each accepted block's size, calloc apart;
 *   - reuse: an accepted block whose address a recent free gave back, by
 *     who freed it (the allocating thread or another) and whether the
 *     thread now allocating is the one that freed it. How far a program
 *     gets into the allocator's reuse of freed memory is the state that
 *     cross-thread bugs live in, and the code coverage of the harness does
 *     not see it.
 */
#include "internal.h"

/* Atomic: free-running threads count at once. */
static void count(uint8_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void feedback_block_freed(struct op_context *c, uintptr_t ptr, unsigned allocated_by)
{
    const struct run_feedback *f = c->run->config->feedback;
    if (f == NULL || f->address_reuse == NULL) return;
    struct oracle *o = &c->run->oracle;
    o->recent_frees[o->recent_next++ % RECENT_FREES] =
        (struct recent_free){ptr, (uint8_t)c->thread, allocated_by != c->thread};
}

void feedback_block_accepted(struct op_context *c, uintptr_t ptr, size_t requested, bool zeroed)
{
    const struct run_feedback *f = c->run->config->feedback;
    if (f == NULL) return;
    if (f->block_sizes)
        count(&f->block_sizes[zeroed][requested ? 64 - __builtin_clzll(requested) : 0]);
    if (f->address_reuse == NULL) return;
    struct oracle *o = &c->run->oracle;
    for (unsigned i = 0; i < RECENT_FREES; i++) {
        struct recent_free *r = &o->recent_frees[i];
        if (r->ptr != ptr) continue;
        count(&f->address_reuse[r->cross * 2 + (r->freed_by == c->thread)]);
        r->ptr = 0;
        return;
    }
}
