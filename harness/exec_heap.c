/*
 * exec_heap.c — the program threads' own heaps (rules.h, heap operations):
 * making a thread's heap at its first heap_malloc, and heap_delete,
 * heap_destroy and heap_visit against the blocks the program made in it.
 * A heap belongs to the OS thread that made it, which deletes it before it
 * ends (a restart, or the end of the program): mimalloc 2 does so itself at
 * a thread's exit, but from mimalloc 3 on a heap outlives the thread that
 * made it, and one never deleted keeps its pages (every round of a program
 * would grow by them, which the reuse rule would call the allocator's).
 */
#include "internal.h"

void *exec_heap_of(struct op_context *c)
{
    struct run_heaps *h = &c->run->heaps;
    unsigned t = c->thread;
    if (h->heap[t] == NULL) {
        h->heap[t] = rule_heap_new(&c->run->alloc->own.heap_malloc);
        if (h->heap[t] == NULL) return NULL;
        h->number[t] = ++h->made;
        h->maker[t] = pthread_self();
    }
    return h->heap[t];
}

static void exec_heap_forget(struct run *run, unsigned thread)
{
    run->heaps.heap[thread] = NULL;
    run->heaps.number[thread] = 0;
}

void exec_heap_finish(struct run *run, unsigned thread)
{
    struct run_heaps *h = &run->heaps;
    if (h->heap[thread] && pthread_equal(h->maker[thread], pthread_self()))
        rule_heap_end(&run->alloc->own.heap_delete, h->heap[thread]);
    exec_heap_forget(run, thread);
}

/* Every live block made in the heap numbered `number`. */
static size_t heap_members(const struct run *run, uint32_t number, struct heap_member *member)
{
    size_t n = 0;
    for (unsigned slot = 0; slot < GAUNTLET_MAX_SLOTS; slot++) {
        const struct shadow_block *s = &run->oracle.blocks[slot];
        if (s->live && s->heap == number)
            member[n++] = (struct heap_member){s->ptr, s->requested, (int)slot};
    }
    return n;
}

/* Its blocks live on, in the thread's default heap. */
static void heap_delete(struct op_context *c, uint32_t number)
{
    struct run *run = c->run;
    for (unsigned slot = 0; slot < GAUNTLET_MAX_SLOTS; slot++)
        if (run->oracle.blocks[slot].heap == number) run->oracle.blocks[slot].heap = 0;
    rule_heap_end(&run->alloc->own.heap_delete, run->heaps.heap[c->thread]);
}

/* The heap's listing, judged against the blocks the program made in it. */
static void judge_visit(struct op_context *c, uint32_t number, struct heap_listing *seen)
{
    struct heap_member member[GAUNTLET_MAX_SLOTS];
    struct run *run = c->run;
    size_t n = heap_members(run, number, member);
    rule_heap_visit(&run->alloc->own.heap_visit, run->heaps.heap[c->thread], seen);
    int slot;
    struct breach b = rule_judge_heap_visit(seen, member, n, run->oracle.set_aside > 0, &slot);
    if (b.failure != F_NONE)
        oracle_breach(c, slot, slot >= 0 ? &run->oracle.blocks[slot] : NULL, &b, NULL);
}

/* Every live block made outside heap `number` that a block of its listing
 * meets: the heap's destroy frees it under the program, so it leaves the
 * books (a run that goes on past the stranger must not check or free it). */
static void set_aside_strangers(struct op_context *c, uint32_t number,
                                const struct heap_listing *seen)
{
    struct run *run = c->run;
    size_t listed = seen->visited < HEAP_VISIT_MAX ? seen->visited : HEAP_VISIT_MAX;
    for (size_t i = 0; i < listed; i++) {
        uintptr_t start = (uintptr_t)seen->block[i], end = start + seen->block_size[i];
        for (unsigned slot = 0; slot < GAUNTLET_MAX_SLOTS; slot++) {
            const struct shadow_block *s = &run->oracle.blocks[slot];
            uintptr_t p = (uintptr_t)s->ptr;
            size_t bytes = s->requested ? s->requested : 1;
            if (s->live && s->heap != number && p < end && start < p + bytes)
                oracle_set_aside(c, slot);
        }
    }
}

/* Its blocks are gone: the heap's visit is judged first where the
 * allocator can list it (the destroy would free a stranger under the
 * program), then each block is verified and leaves the books before the
 * allocator frees them. */
static void heap_destroy(struct op_context *c, uint32_t number, struct heap_listing *seen)
{
    struct run *run = c->run;
    if (rule_heap_can_visit(&run->alloc->own.heap_visit)) {
        judge_visit(c, number, seen);
        set_aside_strangers(c, number, seen);
    }
    for (unsigned slot = 0; slot < GAUNTLET_MAX_SLOTS; slot++) {
        struct shadow_block *s = &run->oracle.blocks[slot];
        if (!s->live || s->heap != number) continue;
        if (!oracle_verify_contents(c, slot, SIZE_MAX, INV_CONTENTS)) return;
        oracle_release_block(c, slot);
    }
    rule_heap_end(&run->alloc->own.heap_destroy, run->heaps.heap[c->thread]);
}

void exec_heap_op(struct op_context *c)
{
    static _Thread_local struct heap_listing seen; /* 16 KiB: off the stack */
    unsigned t = c->thread;
    uint32_t number = c->run->heaps.number[t];
    c->stats->calls++;
    switch (c->op->kind) {
    case OP_HEAP_VISIT: judge_visit(c, number, &seen); return;
    case OP_HEAP_DELETE: heap_delete(c, number); break;
    default: heap_destroy(c, number, &seen); break;
    }
    exec_heap_forget(c->run, t);
}
