/*
 * bench_replay.c — the raw side of `gauntlet bench`: the calls the checked
 * run makes for a generated program (which never reaches the live-bytes
 * cap), without any check. A fair baseline: the same dispatch on the
 * operation's kind as the executor, the missing calls looked up once per
 * run as the executor does (run.c), and only the bookkeeping the calls
 * themselves need: each slot's block, what its release is given, and the
 * thread's own heap.
 */
#include "cli.h"

struct raw_slot {
    void *block;
    size_t size, align;
    bool resized; /* a sized free may not take it (rules.h) */
    bool by_new;  /* released by delete, never resized */
    bool in_heap; /* in the thread's own heap */
};

struct raw_replay {
    struct raw_slot slot[GAUNTLET_MAX_SLOTS];
    void *heap; /* made at the first heap_malloc, as the checked run makes it */
};

/* free, free_sized, and the free before a slot takes a new block; a block
 * the sized free declines stays. */
static void raw_release(const struct allocator *a, struct raw_slot *r, bool sized)
{
    if (r->block && r->by_new)
        rule_cxx_delete(&a->own.cxx, r->block, r->size, r->align, sized);
    else if (!sized)
        a->free(r->block);
    else if (r->block == NULL || !a->free_sized(r->block, r->size, r->align, r->resized))
        return;
    r->block = NULL;
}

/* heap_delete, heap_destroy (whose blocks are then gone) and heap_visit. */
static void raw_heap_op(struct raw_replay *x, const struct op *op, const struct allocator *a)
{
    static struct heap_listing seen;
    if (x->heap == NULL) return; /* skipped by the checked run too */
    if (op->kind == OP_HEAP_VISIT) {
        rule_heap_visit(&a->own.heap_visit, x->heap, &seen);
        return;
    }
    rule_heap_end(op->kind == OP_HEAP_DELETE ? &a->own.heap_delete : &a->own.heap_destroy, x->heap);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) {
        if (x->slot[s].in_heap && op->kind == OP_HEAP_DESTROY) x->slot[s].block = NULL;
        x->slot[s].in_heap = false;
    }
    x->heap = NULL;
}

/* realloc, reallocarray, expand, realloc_aligned and rezalloc of the slot's block. */
static void raw_resize(const struct allocator *a, const struct op *op, struct raw_slot *r)
{
    if (r->by_new) return; /* skipped by the checked run too */
    void *q;
    switch (op->kind) {
    case OP_EXPAND:
        if (r->block && rule_expand(&a->own.expand, r->block, op->size, r->align, r->size,
                                    a->usable_size ? a->usable_size(r->block) : 0))
            r->size = op->size;
        return;
    case OP_REALLOC_ALIGNED:
    case OP_REZALLOC:
        if (r->block && (q = op->kind == OP_REZALLOC
                                 ? rule_rezalloc(&a->own.rezalloc, r->block, op->size, op->align)
                                 : rule_realloc_aligned(&a->own.realloc_aligned, r->block, op->size,
                                                        op->align)) != NULL) {
            r->in_heap &= q == r->block;
            r->block = q;
            r->size = op->size;
            r->align = op->align;
        }
        return;
    default:
        q = op->kind == OP_REALLOC ? a->realloc(r->block, op->size)
                                   : a->reallocarray(r->block, op->count, op->size);
        /* A failure keeps the block as it was (sized frees are given its size). */
        if (q == NULL && op->size != 0 && rule_request_count(op) != 0) return;
        r->in_heap &= q == r->block;
        r->block = q;
        r->size = op->size * rule_request_count(op);
        r->align = 0;
        r->resized = true;
    }
}

/* The allocating call of `op`; *bytes and *align as its release needs them. */
static void *raw_allocate(struct raw_replay *x, const struct allocator *a, const struct op *op,
                          size_t *bytes, size_t *align)
{
    void *q = NULL;
    *bytes = op->size;
    *align = op_uses_align((enum op_kind)op->kind) ? op->align : 0;
    switch (op->kind) {
    case OP_MALLOC: return a->malloc(op->size);
    case OP_CALLOC: *bytes = op->count * op->size; return a->calloc(op->count, op->size);
    case OP_ALIGNED_ALLOC: return a->aligned_alloc(op->align, op->size);
    case OP_MEMALIGN: return a->memalign(op->align, op->size);
    case OP_POSIX_MEMALIGN: return a->posix_memalign(&q, op->align, op->size) == 0 ? q : NULL;
    case OP_MALLOC_ALIGNED_AT:
        *align = 0;
        return rule_malloc_aligned_at(&a->own.aligned_at, op->size, op->align, op->count);
    case OP_NEW:
    case OP_NEW_ALIGNED:
        return rule_cxx_new(&a->own.cxx, (enum op_kind)op->kind, op->size, op->align);
    case OP_ZALLOC: return rule_zalloc(&a->own.zalloc, op->size, op->align);
    default: /* OP_HEAP_MALLOC */
        if (x->heap == NULL) x->heap = rule_heap_new(&a->own.heap_malloc);
        return rule_heap_malloc(&a->own.heap_malloc, x->heap, op->size);
    }
}

void bench_replay_raw(const struct program *p, const struct allocator *a)
{
    static struct raw_replay x;
    volatile size_t sink = 0;
    uint32_t missing = 0;
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        if (!allocator_has(a, (enum op_kind)k)) missing |= UINT32_C(1) << k;
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        struct raw_slot *r = &x.slot[op->slot];
        enum op_kind kind = (enum op_kind)op->kind;
        if (missing & (UINT32_C(1) << kind)) continue;
        if (op_allocates(kind)) {
            /* The slot's block first, as the executor's implicit free: the
             * other order is another program, whose calls the checked run
             * never made (and which meets bugs of its own). */
            if (r->block) raw_release(a, r, false);
            size_t bytes, align;
            void *q = raw_allocate(&x, a, op, &bytes, &align);
            *r = (struct raw_slot){
                q, bytes, align, false, op_made_by_new(kind), kind == OP_HEAP_MALLOC};
        } else if (op_resizes(kind)) {
            raw_resize(a, op, r);
        } else if (op_is_heap_wide(kind)) {
            raw_heap_op(&x, op, a);
        } else if (kind == OP_FREE || kind == OP_FREE_SIZED) {
            raw_release(a, r, kind == OP_FREE_SIZED);
        } else if (kind == OP_USABLE_SIZE && r->block) {
            sink += a->usable_size(r->block);
        } else if (kind == OP_PREDICT && r->block) {
            sink += rule_predict(&a->own.predict, r->size, r->align);
        } else if (kind == OP_COLLECT) {
            rule_collect(&a->own.collect);
        }
    }
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) {
        if (x.slot[s].block) raw_release(a, &x.slot[s], false);
        x.slot[s] = (struct raw_slot){0};
    }
    rule_heap_end(&a->own.heap_delete, x.heap);
    x.heap = NULL;
    (void)sink;
}
