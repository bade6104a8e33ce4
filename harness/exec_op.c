/*
 * exec_op.c — performing one operation: what rules.h plans for it (missing
 * call, empty slot, implicit free, live-bytes cap), the call through the
 * adapter, and the oracle's verdict on what came back. The reproducer's
 * perform() follows the same plan and verdicts.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>

/* Frees the slot's block (verified first), or free(NULL) for an empty slot. */
static bool exec_free(struct op_context *c, unsigned slot, bool sized)
{
    const struct allocator *a = c->run->alloc;
    struct shadow_block *s = &c->run->oracle.blocks[slot];
    void *p = NULL;
    if (s->live) {
        if (!oracle_verify_contents(c, slot, SIZE_MAX, INV_CONTENTS)) return false;
        oracle_release_block(c, slot);
        p = s->ptr;
    }
    errno = ERRNO_SENTINEL;
    GAUNTLET_TSAN_RELEASE();
    if (p && op_made_by_new((enum op_kind)s->made_by)) {
        /* C++ promises nothing of errno: the delete is not judged. */
        rule_cxx_delete(&a->own.cxx, p, s->requested, s->align, sized);
        c->stats->calls++;
        return true;
    }
    if (!sized) {
        a->free(p);
    } else if (!a->free_sized(p, s->requested, s->align, op_is_realloc(s->made_by))) {
        /* The allocator's sized free cannot take this block: it stays live. */
        c->stats->declined_sized_frees++;
        return oracle_restore_block(c, slot);
    }
    struct call_result r = {.saved_errno = errno};
    c->stats->calls++;
    struct verdict v = oracle_judge(c, rule_judge_free, &r);
    return oracle_verdict_holds(c, &v);
}

/* A block the verdict accepts: its alignment, then (asked of the allocator
 * only once that passed) its usable size, then the oracle's other checks. */
static void accept(struct op_context *c, const struct verdict *v, const struct call_result *r,
                   const struct shadow_block *previous)
{
    if (v->action != ACT_ACCEPT && v->action != ACT_ACCEPT_UNCLAIMED) return;
    const struct allocator *a = c->run->alloc;
    unsigned slot = c->op->slot;
    bool misplaced;
    if (!oracle_check_alignment(c, slot, r->p, v, &misplaced)) return;
    bool claimed = v->action == ACT_ACCEPT;
    uint32_t heap =
        rule_heap_of_block((enum op_kind)c->op->kind, c->run->heaps.number[c->thread],
                           previous ? previous->heap : 0, previous && r->p == previous->ptr);
    struct new_block n = {
        r->p, claimed ? r->bytes : 0, 0, a->usable_size != NULL, misplaced || v->keeps_placement,
        heap};
    if (n.usable_known) n.usable = a->usable_size(r->p);
    oracle_accept_block(c, slot, &n, v, claimed ? previous : NULL);
}

static void *call_allocation(struct op_context *c, struct call_result *r)
{
    const struct allocator *a = c->run->alloc;
    const struct op *op = c->op;
    switch (op->kind) {
    case OP_MALLOC: return a->malloc(op->size);
    case OP_CALLOC: return a->calloc(op->count, op->size);
    case OP_ALIGNED_ALLOC: return a->aligned_alloc(op->align, op->size);
    case OP_MEMALIGN: return a->memalign(op->align, op->size);
    case OP_MALLOC_ALIGNED_AT:
        return rule_malloc_aligned_at(&a->own.aligned_at, op->size, op->align, op->count);
    case OP_HEAP_MALLOC: return rule_heap_malloc(&a->own.heap_malloc, exec_heap_of(c), op->size);
    case OP_ZALLOC: return rule_zalloc(&a->own.zalloc, op->size, op->align);
    case OP_NEW:
    case OP_NEW_ALIGNED:
        return rule_cxx_new(&a->own.cxx, (enum op_kind)op->kind, op->size, op->align);
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

static void exec_allocate(struct op_context *c, const struct op_plan *plan)
{
    if (plan->implicit_free) {
        c->stats->implicit_frees++;
        if (!exec_free(c, c->op->slot, false)) return;
    }
    if (plan->plan == PLAN_SKIP_OVER_CAP) {
        c->stats->skipped_over_cap++;
        return;
    }
    struct call_result r = {
        .untouched = UNTOUCHED_POINTER, .bytes = plan->bytes, .impossible = plan->impossible};
    unsigned long long refused = map_faults_refused();
    errno = 0;
    r.p = call_allocation(c, &r);
    r.saved_errno = errno;
    GAUNTLET_TSAN_ACQUIRE();
    r.os_refused = map_faults_refused() != refused;
    c->stats->refused_calls += r.os_refused;
    c->stats->calls++;
    if (r.p == NULL) c->stats->failed_requests++;
    struct verdict v = oracle_judge(c, rule_judge_allocation, &r);
    if (oracle_verdict_holds(c, &v)) accept(c, &v, &r, NULL);
}

/* The call a resizing operation makes on the slot's block `old`. */
static void *resize_call(const struct allocator *a, const struct op *op, void *old,
                         const struct shadow_block *previous)
{
    switch (op->kind) {
    case OP_REALLOC: return a->realloc(old, op->size);
    case OP_REALLOCARRAY: return a->reallocarray(old, op->count, op->size);
    case OP_EXPAND:
        return rule_expand(&a->own.expand, old, op->size, previous->align, previous->requested,
                           previous->usable);
    case OP_REZALLOC: return rule_rezalloc(&a->own.rezalloc, old, op->size, op->align);
    default: return rule_realloc_aligned(&a->own.realloc_aligned, old, op->size, op->align);
    }
}

static void exec_reallocate(struct op_context *c, const struct op_plan *plan)
{
    const struct op *op = c->op;
    const struct allocator *a = c->run->alloc;
    struct shadow_block *s = &c->run->oracle.blocks[op->slot];
    if (plan->plan == PLAN_SKIP_OVER_CAP) {
        c->stats->skipped_over_cap++;
        return;
    }
    if (s->live && op_made_by_new((enum op_kind)s->made_by)) {
        c->stats->skipped_new_resizes++;
        return;
    }
    struct shadow_block previous = *s;
    struct call_result r = {
        .bytes = plan->bytes, .impossible = plan->impossible, .had_block = s->live};
    if (s->live) {
        if (!oracle_verify_contents(c, op->slot, SIZE_MAX, INV_CONTENTS)) return;
        oracle_release_block(c, op->slot);
    }
    void *old = r.had_block ? s->ptr : NULL;
    r.old = old;
    r.old_align = previous.align;
    r.old_misplaced = r.had_block && previous.misplaced;
    r.zero_from = rule_rezalloc_zero_from(&a->own.rezalloc, previous.requested, previous.usable,
                                          previous.zero);
    GAUNTLET_TSAN_RELEASE();
    unsigned long long refused = map_faults_refused();
    errno = 0;
    r.p = resize_call(a, op, old, &previous);
    r.saved_errno = errno;
    GAUNTLET_TSAN_ACQUIRE();
    r.os_refused = map_faults_refused() != refused;
    c->stats->refused_calls += r.os_refused;
    c->stats->calls++;
    if (r.p == NULL && (r.bytes != 0 || r.impossible) && !op_resizes_own(op->kind))
        c->stats->failed_requests++;
    struct verdict v = oracle_judge(c, rule_resize_judge((enum op_kind)op->kind), &r);
    /* A failed realloc leaves the old block owned and intact: that is
     * checked before how it failed. */
    if (v.action == ACT_RESTORE && (!oracle_restore_block(c, op->slot) ||
                                    !oracle_verify_contents(c, op->slot, SIZE_MAX, INV_REALLOC)))
        return;
    if (oracle_verdict_holds(c, &v)) accept(c, &v, &r, r.had_block ? &previous : NULL);
}

/* The allocator's real size for the request that made the slot's block
 * must be the block's usable size, where rules.h's prediction covers it. */
static void exec_predict(struct op_context *c)
{
    const struct shadow_block *s = &c->run->oracle.blocks[c->op->slot];
    c->stats->calls++;
    size_t predicted = rule_predict(&c->run->alloc->own.predict, s->requested, s->align);
    if (!s->usable ||
        !rule_predict_covers((enum op_kind)s->made_by, s->requested, s->align, s->misplaced))
        return;
    struct breach b = rule_check_predicted(s->ptr, s->usable, predicted);
    if (b.failure != F_NONE) oracle_breach(c, c->op->slot, s, &b, NULL);
}

/* Arms the refusals, or says once per process that this build cannot. */
static void exec_fail_maps(struct op_context *c)
{
    static atomic_bool told;
    if (map_faults_available())
        map_faults_arm(c->op->size);
    else if (!atomic_exchange(&told, true))
        report_note(c, "fail_maps does nothing in a sanitizer build: its runtime owns mmap");
}

void exec_op(struct op_context *c)
{
    const struct op *op = c->op;
    const struct allocator *a = c->run->alloc;
    struct oracle *o = &c->run->oracle;
    struct shadow_block *s = &o->blocks[op->slot];
    c->stats->ops++;
    bool allocating = op_allocates((enum op_kind)op->kind) || op_resizes((enum op_kind)op->kind);
    bool live =
        op_is_heap_wide((enum op_kind)op->kind) ? c->run->heaps.heap[c->thread] != NULL : s->live;
    struct op_plan plan =
        rule_plan(op, !(c->run->missing & OP_BIT(op->kind)), live, s->live ? s->requested : 0,
                  allocating ? oracle_live_bytes(o) : 0, o->cap);
    switch (plan.plan) {
    case PLAN_SKIP_MISSING: c->stats->skipped_missing[op->kind]++; return;
    case PLAN_NOT_OVERRIDDEN: {
        c->stats->skipped_missing[op->kind]++;
        struct breach b = rule_not_overridden((enum op_kind)op->kind);
        oracle_breach(c, -1, NULL, &b, NULL);
        return;
    }
    case PLAN_SKIP_EMPTY: c->stats->skipped_empty++; return;
    default: break;
    }
    switch (op->kind) {
    case OP_MALLOC:
    case OP_CALLOC:
    case OP_ALIGNED_ALLOC:
    case OP_POSIX_MEMALIGN:
    case OP_MEMALIGN:
    case OP_MALLOC_ALIGNED_AT:
    case OP_HEAP_MALLOC:
    case OP_NEW:
    case OP_NEW_ALIGNED:
    case OP_ZALLOC: exec_allocate(c, &plan); break;
    case OP_HEAP_DELETE:
    case OP_HEAP_DESTROY:
    case OP_HEAP_VISIT: exec_heap_op(c); break;
    case OP_REALLOC:
    case OP_REALLOCARRAY:
    case OP_EXPAND:
    case OP_REALLOC_ALIGNED:
    case OP_REZALLOC: exec_reallocate(c, &plan); break;
    case OP_FREE: exec_free(c, op->slot, false); break;
    case OP_FREE_SIZED: exec_free(c, op->slot, true); break;
    case OP_CHECK: oracle_verify_contents(c, op->slot, SIZE_MAX, INV_CONTENTS); break;
    case OP_USABLE_SIZE:
        c->stats->calls++;
        oracle_check_usable(c, op->slot, a->usable_size(s->ptr));
        break;
    case OP_FAIL_MAPS: exec_fail_maps(c); break;
    case OP_PREDICT: exec_predict(c); break;
    case OP_COLLECT:
        c->stats->calls++;
        rule_collect(&a->own.collect);
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
        report_set_current(NULL);
    }
    exec_heap_finish(run, thread);
}
