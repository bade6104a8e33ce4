/*
 * policy.c — the per-allocator table of behaviours the standards leave to the
 * implementation, and of known deviations. The oracle follows the table
 * instead of failing; the README prints it. Facts were observed on Debian 12
 * (glibc 2.36, jemalloc 5.3.0, mimalloc 2.0.9, gperftools 2.10) and are
 * re-checked by `make check` (the real allocators must run clean, and the
 * deviation counters are printed in every run summary).
 */
#include "gauntlet.h"

#include <string.h>

#define BIT(kind) (1u << (kind))

static const struct known_deviation jemalloc_deviations[] = {
    {"failure-errno", BIT(OP_REALLOC) | BIT(OP_MEMALIGN), DEVIATES_ALWAYS,
     "5.3.0: a failed huge realloc/memalign returns NULL without setting errno to ENOMEM"},
    {"alignment", BIT(OP_MEMALIGN), DEVIATES_ON_ZERO_SIZE,
     "5.3.0: memalign(a, 0) returns a block aligned to 8 only (aligned_alloc and "
     "posix_memalign bump empty requests, memalign does not)"},
    {NULL, 0, 0, NULL},
};

static const struct known_deviation mimalloc_deviations[] = {
    {"failure-errno",
     BIT(OP_MALLOC) | BIT(OP_CALLOC) | BIT(OP_REALLOC) | BIT(OP_ALIGNED_ALLOC) | BIT(OP_MEMALIGN),
     DEVIATES_ALWAYS, "2.0.9: requests above PTRDIFF_MAX fail without setting errno to ENOMEM"},
    {"aligned-args", BIT(OP_ALIGNED_ALLOC) | BIT(OP_MEMALIGN), DEVIATES_ON_BAD_ALIGN,
     "2.0.9: alignment 0 is accepted for small sizes (a block, default alignment)"},
    {"alignment", BIT(OP_ALIGNED_ALLOC) | BIT(OP_POSIX_MEMALIGN) | BIT(OP_MEMALIGN),
     DEVIATES_ON_SMALL_OVERALIGNED,
     "2.0.9: aligned requests with 256 <= alignment <= size <= 1024 come back misaligned "
     "(e.g. posix_memalign(&p, 1024, 1024) is 128-aligned; found by gauntlet)"},
    {NULL, 0, 0, NULL},
};

static const struct known_deviation tcmalloc_deviations[] = {
    {"failure-errno", BIT(OP_CALLOC), DEVIATES_ALWAYS,
     "2.10: calloc whose n*m overflows returns NULL without setting errno to ENOMEM"},
    {"alignment", BIT(OP_ALIGNED_ALLOC) | BIT(OP_MEMALIGN), DEVIATES_ON_BAD_ALIGN,
     "2.10: a non-power-of-two alignment is accepted but not honoured"},
    {"impossible-request", BIT(OP_ALIGNED_ALLOC) | BIT(OP_MEMALIGN), DEVIATES_ON_BAD_ALIGN,
     "2.10: with a non-power-of-two alignment, a size near SIZE_MAX wraps and a tiny block "
     "comes back (aligned_alloc(65, SIZE_MAX) is 64 bytes; found by gauntlet fuzz)"},
    {NULL, 0, 0, NULL},
};

static const struct alloc_policy glibc_policy = {
    .weak_small_alignment = false,
    .realloc_zero_frees = BEHAVES_YES,
    .malloc_zero_null = BEHAVES_NO,
    /* glibc < 2.38 rounds a bad alignment up to a power of two */
    .aligned_alloc_bad_align_rounds = BEHAVES_YES,
    .memalign_bad_align_rounds = BEHAVES_YES,
    .notes = "realloc(p,0) frees; bad alignments rounded up (glibc < 2.38)",
};

static const struct alloc_policy jemalloc_policy = {
    .weak_small_alignment = true,
    .realloc_zero_frees = BEHAVES_YES, /* opt.zero_realloc:free, the Linux default */
    .malloc_zero_null = BEHAVES_NO,
    .aligned_alloc_bad_align_rounds = BEHAVES_NO,
    .memalign_bad_align_rounds = BEHAVES_NO,
    .deviations = jemalloc_deviations,
    .notes = "realloc(p,0) frees; known: failed huge realloc/memalign leave errno unset",
};

static const struct alloc_policy mimalloc_policy = {
    .weak_small_alignment = true,
    .realloc_zero_frees = BEHAVES_NO, /* returns a live minimal block */
    .malloc_zero_null = BEHAVES_NO,
    .aligned_alloc_bad_align_rounds = BEHAVES_NO,
    .memalign_bad_align_rounds = BEHAVES_NO,
    .deviations = mimalloc_deviations,
    .notes = "realloc(p,0) returns a block; known: failed huge requests leave errno unset",
};

static const struct alloc_policy tcmalloc_policy = {
    .weak_small_alignment = true,
    .realloc_zero_frees = BEHAVES_YES,
    .malloc_zero_null = BEHAVES_NO,
    .aligned_alloc_bad_align_rounds = BEHAVES_YES,
    .memalign_bad_align_rounds = BEHAVES_YES,
    .deviations = tcmalloc_deviations,
    .notes =
        "realloc(p,0) frees; bad alignments accepted; known: calloc overflow leaves errno unset",
};

/* so:PATH — what every conforming allocator must do, and any behaviour the
 * standards leave open. */
static const struct alloc_policy any_conforming_policy = {
    .weak_small_alignment = true,
    .realloc_zero_frees = BEHAVES_EITHER,
    .malloc_zero_null = BEHAVES_EITHER,
    .aligned_alloc_bad_align_rounds = BEHAVES_EITHER,
    .memalign_bad_align_rounds = BEHAVES_EITHER,
    .notes = "any conforming allocator: implementation-defined choices all accepted",
};

/* A so: build of a known family keeps the permissive choices but inherits the
 * family's known deviations, so that an upgrade is judged on what changed. */
static struct alloc_policy family_policies[4];

const struct alloc_policy *policy_for(const char *allocator_name)
{
    if (allocator_name == NULL) return &any_conforming_policy;
    if (strcmp(allocator_name, "glibc") == 0) return &glibc_policy;
    if (strcmp(allocator_name, "jemalloc") == 0) return &jemalloc_policy;
    if (strcmp(allocator_name, "mimalloc") == 0) return &mimalloc_policy;
    if (strcmp(allocator_name, "tcmalloc") == 0) return &tcmalloc_policy;
    return &any_conforming_policy;
}

const struct alloc_policy *policy_for_library(const char *family)
{
    const struct alloc_policy *named = policy_for(family);
    if (named == &any_conforming_policy) return named;
    size_t index = (size_t)(named == &glibc_policy      ? 0
                            : named == &jemalloc_policy ? 1
                            : named == &mimalloc_policy ? 2
                                                        : 3);
    struct alloc_policy *p = &family_policies[index];
    *p = any_conforming_policy;
    p->deviations = named->deviations;
    p->notes = "any conforming allocator, with its family's known deviations";
    return p;
}

static bool in_scope(enum deviation_scope scope, const struct op *op)
{
    switch (scope) {
    case DEVIATES_ON_ZERO_SIZE: return op->size == 0 || (op_uses_count(op->kind) && op->count == 0);
    case DEVIATES_ON_BAD_ALIGN: return op->align == 0 || (op->align & (op->align - 1)) != 0;
    case DEVIATES_ON_SMALL_OVERALIGNED:
        return op->align >= 256 && op->align <= op->size && op->size <= 1024;
    default: return true;
    }
}

const struct known_deviation *policy_excuse(const struct alloc_policy *policy,
                                            const char *invariant, const struct op *op)
{
    for (const struct known_deviation *d = policy->deviations; d && d->invariant; d++)
        if (strcmp(d->invariant, invariant) == 0 && (d->kinds & (1u << op->kind)) &&
            in_scope(d->scope, op))
            return d;
    return NULL;
}
