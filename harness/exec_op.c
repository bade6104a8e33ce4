/*
 * exec_op.c — performing one operation: decide whether the call is made
 * (missing call, implicit free, live-bytes cap), make it through the
 * adapter, and hand what came back to the oracle (oracle_calls.c). The rules
 * are those of SEMANTICS.md; the reproducer (reproducer.c) mirrors them.
 */
#include "run.h"
#include "sanitizer_hooks.h"

#include <errno.h>

/* Frees the slot's block (verified first), or free(NULL) for an empty slot. */
static void exec_free(struct op_context *c, unsigned slot, bool sized)
{
    const struct allocator *a = c->run->alloc;
    struct shadow_block *b = &c->run->oracle.blocks[slot];
    void *p = NULL;
    if (b->live) {
        oracle_verify_contents(c, slot, SIZE_MAX, "contents");
        oracle_release_block(c, slot);
        b->live = false;
        p = b->ptr;
    }
    errno = ERRNO_SENTINEL;
    GAUNTLET_TSAN_RELEASE();
    if (!sized) {
        a->free(p);
    } else if (!a->free_sized(p, b->requested, b->align,
                              b->made_by == OP_REALLOC || b->made_by == OP_REALLOCARRAY)) {
        /* The allocator's sized free cannot take this block: it stays live. */
        oracle_restore_block(c, slot);
        b->live = true;
        c->stats->declined_sized_frees++;
        return;
    }
    int errno_after = errno;
    c->stats->calls++;
    oracle_judge_free(c, errno_after);
}

static void *call_allocation(const struct op_context *c, struct call_outcome *r)
{
    const struct allocator *a = c->run->alloc;
    const struct op *op = c->op;
    switch (op->kind) {
    case OP_MALLOC: return a->malloc(op->size);
    case OP_CALLOC: return a->calloc(op->count, op->size);
    case OP_ALIGNED_ALLOC: return a->aligned_alloc(op->align, op->size);
    case OP_MEMALIGN: return a->memalign(op->align, op->size);
    default: { /* OP_POSIX_MEMALIGN */
        void *p = UNTOUCHED_POINTER;
        r->status = a->posix_memalign(&p, op->align, op->size);
        r->untouched = p;
        /* POSIX lets a zero-byte request succeed with a null pointer. */
        if (r->status == 0 && p == NULL && op->size == 0) r->untouched = UNTOUCHED_POINTER;
        return r->status == 0 ? p : NULL;
    }
    }
}

static void exec_allocate(struct op_context *c)
{
    const struct op *op = c->op;
    if (c->run->oracle.blocks[op->slot].live) {
        c->stats->implicit_frees++;
        exec_free(c, op->slot, false);
    }
    struct call_outcome r = {.untouched = UNTOUCHED_POINTER};
    r.impossible = request_is_impossible(op->kind == OP_CALLOC ? op->count : 1, op->size, &r.bytes);
    if (!r.impossible && oracle_over_cap(c, r.bytes, 0)) return;
    errno = 0;
    r.p = call_allocation(c, &r);
    r.saved_errno = errno;
    GAUNTLET_TSAN_ACQUIRE();
    c->stats->calls++;
    oracle_judge_allocation(c, &r);
}

static void exec_reallocate(struct op_context *c)
{
    const struct op *op = c->op;
    const struct allocator *a = c->run->alloc;
    struct shadow_block *b = &c->run->oracle.blocks[op->slot];
    struct call_outcome r = {0};
    r.impossible =
        request_is_impossible(op->kind == OP_REALLOCARRAY ? op->count : 1, op->size, &r.bytes);
    if (!r.impossible && oracle_over_cap(c, r.bytes, b->live ? b->requested : 0)) return;
    struct shadow_block previous = *b;
    if (b->live) {
        oracle_verify_contents(c, op->slot, SIZE_MAX, "contents");
        oracle_release_block(c, op->slot);
    }
    void *old = b->live ? b->ptr : NULL;
    GAUNTLET_TSAN_RELEASE();
    errno = 0;
    r.p = op->kind == OP_REALLOC ? a->realloc(old, op->size)
                                 : a->reallocarray(old, op->count, op->size);
    r.saved_errno = errno;
    GAUNTLET_TSAN_ACQUIRE();
    c->stats->calls++;
    oracle_judge_reallocation(c, &r, previous.live ? &previous : NULL);
}

void exec_op(struct op_context *c)
{
    const struct op *op = c->op;
    const struct allocator *a = c->run->alloc;
    struct shadow_block *b = &c->run->oracle.blocks[op->slot];
    c->stats->ops++;
    if (c->run->missing & (UINT32_C(1) << op->kind)) {
        c->stats->skipped_missing[op->kind]++;
        return;
    }
    switch (op->kind) {
    case OP_MALLOC:
    case OP_CALLOC:
    case OP_ALIGNED_ALLOC:
    case OP_POSIX_MEMALIGN:
    case OP_MEMALIGN: exec_allocate(c); break;
    case OP_REALLOC:
    case OP_REALLOCARRAY: exec_reallocate(c); break;
    case OP_FREE: exec_free(c, op->slot, false); break;
    case OP_FREE_SIZED:
        if (b->live)
            exec_free(c, op->slot, true);
        else
            c->stats->skipped_empty++;
        break;
    case OP_CHECK:
        if (b->live)
            oracle_verify_contents(c, op->slot, SIZE_MAX, "contents");
        else
            c->stats->skipped_empty++;
        break;
    case OP_USABLE_SIZE:
        if (b->live) {
            c->stats->calls++;
            oracle_check_usable(c, op->slot, a->usable_size(b->ptr));
        } else {
            c->stats->skipped_empty++;
        }
        break;
    default: break; /* restart and barrier belong to the executors */
    }
}

/* A scan of every slot: its comparisons say nothing a fuzzer could use. */
NO_COVERAGE void exec_teardown(struct run *run, unsigned thread)
{
    for (unsigned slot = 0; slot < GAUNTLET_MAX_SLOTS; slot++) {
        if (!run->oracle.blocks[slot].live) continue;
        struct op the_free = {.kind = OP_FREE, .thread = (uint8_t)thread, .slot = (uint8_t)slot};
        struct op_context c = {run, SIZE_MAX, &the_free, thread, &run->stats[thread]};
        report_set_current(&c);
        exec_free(&c, slot, false);
    }
}
