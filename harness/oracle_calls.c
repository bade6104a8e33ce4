/*
 * oracle_calls.c — judging what an allocation call returned: must it have
 * failed, may it fail, with which errno, and what the allocator's table
 * allows where the standards leave a choice (realloc(p, 0), malloc(0), bad
 * alignments). New blocks then go to oracle_accept_block (oracle.c).
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Failures of requests with larger alignments are not held against an allocator. */
#define FAILURE_FREE_ALIGN_LIMIT ((size_t)8 << 20)

static bool is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static size_t next_power_of_two(size_t x)
{
    size_t p = 1;
    while (p < x && p != 0)
        p <<= 1;
    return p;
}

/* What the caller may expect of an aligned call's alignment argument. */
enum align_verdict { ALIGN_VALID, ALIGN_MUST_FAIL, ALIGN_ROUNDED, ALIGN_EITHER };

static enum align_verdict judge_alignment(const struct op_context *c)
{
    const struct op *op = c->op;
    const struct alloc_policy *policy = c->run->oracle.policy;
    if (!op_uses_align(op->kind)) return ALIGN_VALID;
    if (op->kind == OP_POSIX_MEMALIGN)
        return is_power_of_two(op->align) && op->align >= sizeof(void *) ? ALIGN_VALID
                                                                         : ALIGN_MUST_FAIL;
    if (is_power_of_two(op->align)) return ALIGN_VALID;
    enum either_behaviour rounds = op->kind == OP_ALIGNED_ALLOC
                                       ? policy->aligned_alloc_bad_align_rounds
                                       : policy->memalign_bad_align_rounds;
    return rounds == BEHAVES_YES  ? ALIGN_ROUNDED
           : rounds == BEHAVES_NO ? ALIGN_MUST_FAIL
                                  : ALIGN_EITHER;
}

static const struct shadow_block *slot_block(const struct op_context *c)
{
    const struct shadow_block *b = &c->run->oracle.blocks[c->op->slot];
    return b->live ? b : NULL;
}

/* posix_memalign's own contract: EINVAL / ENOMEM as return value, *p untouched. */
static void judge_posix_memalign_failure(struct op_context *c, const struct call_outcome *r,
                                         enum align_verdict verdict)
{
    const char *invariant = verdict == ALIGN_MUST_FAIL ? "aligned-args" : "impossible-request";
    if (r->untouched != UNTOUCHED_POINTER)
        oracle_fail(c, invariant, c->op->slot, NULL,
                    "posix_memalign must not write *p when it fails",
                    "*p unchanged|*p changed to %p (returned %d)", r->untouched, r->status);
    if (verdict == ALIGN_MUST_FAIL) {
        if (r->status == EINVAL || (r->impossible && r->status == ENOMEM)) return;
        oracle_fail(c, invariant, c->op->slot, NULL, "an invalid alignment",
                    "EINVAL|returned %d (%s)", r->status, strerror(r->status));
    }
    if (r->status != ENOMEM)
        oracle_fail(c, r->impossible ? invariant : "unexpected-failure", c->op->slot, NULL, NULL,
                    "ENOMEM|returned %d (%s)", r->status, strerror(r->status));
    if (!r->impossible && c->op->align <= FAILURE_FREE_ALIGN_LIMIT)
        oracle_fail(c, "unexpected-failure", c->op->slot, NULL,
                    "a possible request within the live-bytes cap", "a block|ENOMEM");
}

static void judge_failure(struct op_context *c, const struct call_outcome *r,
                          enum align_verdict verdict)
{
    const struct op *op = c->op;
    const struct alloc_policy *policy = c->run->oracle.policy;
    c->stats->failed_requests++;
    if (op->kind == OP_POSIX_MEMALIGN && r->status == 0) return; /* a zero-byte success */
    if (op->kind == OP_POSIX_MEMALIGN) {
        judge_posix_memalign_failure(c, r, verdict);
        return;
    }
    if (verdict == ALIGN_MUST_FAIL || verdict == ALIGN_EITHER) return;
    /* aligned_alloc whose size is not a multiple of the alignment: C11 made it
     * undefined, C17 allows it; an unknown allocator may refuse. */
    if (op->kind == OP_ALIGNED_ALLOC && op->align && op->size % op->align != 0 &&
        policy->aligned_alloc_bad_align_rounds == BEHAVES_EITHER)
        return;
    if (r->impossible) {
        oracle_check_failure_errno(c, r->saved_errno, "impossible-request");
        return;
    }
    if (op->align > FAILURE_FREE_ALIGN_LIMIT) {
        oracle_check_failure_errno(c, r->saved_errno, "unexpected-failure");
        return;
    }
    if (r->bytes == 0) {
        if (policy->malloc_zero_null == BEHAVES_NO)
            oracle_fail(c, "implementation-choice", op->slot, NULL,
                        "this allocator's table says a zero-byte request returns a unique pointer",
                        "a block|NULL");
        return;
    }
    oracle_fail(c, "unexpected-failure", op->slot, NULL,
                "a possible request within the live-bytes cap", "a block|NULL (errno %d)",
                r->saved_errno);
}

void oracle_judge_allocation(struct op_context *c, const struct call_outcome *r)
{
    const struct op *op = c->op;
    enum align_verdict verdict = judge_alignment(c);
    if (r->p == NULL) {
        judge_failure(c, r, verdict);
        return;
    }
    if (r->impossible && !oracle_excused(c, "impossible-request"))
        oracle_fail(c, "impossible-request", op->slot, NULL,
                    "a request above PTRDIFF_MAX or whose n*m overflows",
                    "NULL with errno ENOMEM|a block at %p", r->p);
    if (r->impossible) {
        /* A known deviation: how much of the block is real is unknowable, so
         * it is kept (and freed in turn) without a byte of it claimed. */
        oracle_accept_block(c, op->slot, r->p, 0, 1, 0, false, NULL);
        return;
    }
    if (verdict == ALIGN_MUST_FAIL && !oracle_excused(c, "aligned-args"))
        oracle_fail(c, "aligned-args", op->slot, NULL, "an invalid alignment must be refused",
                    "%s|a block at %p", op->kind == OP_POSIX_MEMALIGN ? "EINVAL" : "NULL", r->p);
    bool aligned_call = op_uses_align(op->kind);
    size_t required = aligned_call ? next_power_of_two(op->align)
                                   : oracle_plain_alignment(&c->run->oracle, r->bytes);
    oracle_accept_block(c, op->slot, r->p, r->bytes, required, aligned_call ? op->align : 0,
                        op->kind == OP_CALLOC, NULL);
}

void oracle_judge_reallocation(struct op_context *c, const struct call_outcome *r,
                               const struct shadow_block *previous)
{
    const struct op *op = c->op;
    struct oracle *o = &c->run->oracle;
    const struct alloc_policy *policy = o->policy;
    struct shadow_block *slot = &o->blocks[op->slot];
    if (r->p == NULL && r->bytes == 0 && !r->impossible) {
        /* realloc(p, 0) and realloc(NULL, 0): the allocator's table decides. */
        enum either_behaviour allowed =
            previous ? policy->realloc_zero_frees : policy->malloc_zero_null;
        if (allowed == BEHAVES_NO)
            oracle_fail(c, "implementation-choice", op->slot, previous,
                        previous ? "this allocator's table says realloc(p, 0) returns a block"
                                 : "realloc(NULL, 0) must behave as malloc(0)",
                        "a block|NULL");
        slot->live = false; /* freed; if it was not, it is merely leaked */
        return;
    }
    if (r->p == NULL) {
        c->stats->failed_requests++;
        if (previous) {
            oracle_restore_block(c, op->slot);
            oracle_verify_contents(c, op->slot, SIZE_MAX, "realloc");
        }
        if (r->impossible) {
            oracle_check_failure_errno(c, r->saved_errno, "impossible-request");
            return;
        }
        oracle_fail(c, "unexpected-failure", op->slot, slot_block(c),
                    "a possible request within the live-bytes cap", "a block|NULL (errno %d)",
                    r->saved_errno);
    }
    if (r->impossible)
        oracle_fail(c, "impossible-request", op->slot, previous,
                    "a request above PTRDIFF_MAX or whose n*m overflows",
                    "NULL with errno ENOMEM|a block at %p", r->p);
    if (previous && r->bytes == 0 && policy->realloc_zero_frees == BEHAVES_YES)
        oracle_fail(c, "implementation-choice", op->slot, previous,
                    "this allocator's table says realloc(p, 0) frees", "NULL|a block at %p", r->p);
    oracle_accept_block(c, op->slot, r->p, r->bytes, oracle_plain_alignment(o, r->bytes), 0, false,
                        previous);
}

void oracle_judge_free(struct op_context *c, int errno_after)
{
    if (errno_after == ERRNO_SENTINEL) return;
    if (oracle_excused(c, "free-errno")) return;
    oracle_fail(c, "free-errno", c->op->slot, NULL, "free must leave errno unchanged",
                "errno unchanged (%d)|errno changed to %d (%s)", ERRNO_SENTINEL, errno_after,
                strerror(errno_after));
}
