/*
 * policy.c — the per-allocator table of behaviours the standards leave to the
 * implementation, and of known deviations. The oracle follows the table
 * instead of failing; reproducers carry it as data; the README prints it.
 * Facts were observed on Debian 12 (glibc 2.36, jemalloc 5.3.0, mimalloc
 * 2.0.9, gperftools 2.10) and are re-checked by `make check` (the real
 * allocators must run clean, and the deviation counters are printed in
 * every run summary).
 */
#include "internal.h"

static const struct known_deviation jemalloc_deviations[] = {
    {EXCUSE_FAILURE_ERRNO, OP_BIT(OP_REALLOC) | OP_BIT(OP_MEMALIGN), DEVIATES_ALWAYS,
     "5.3.0: a failed huge realloc/memalign returns NULL without setting errno to ENOMEM"},
    {EXCUSE_ALIGNMENT, OP_BIT(OP_MEMALIGN), DEVIATES_ON_ZERO_SIZE,
     "5.3.0: memalign(a, 0) returns a block aligned to 8 only (aligned_alloc and "
     "posix_memalign bump empty requests, memalign does not)"},
    {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},
};

static const struct known_deviation mimalloc_deviations[] = {
    {EXCUSE_FAILURE_ERRNO,
     OP_BIT(OP_MALLOC) | OP_BIT(OP_CALLOC) | OP_BIT(OP_REALLOC) | OP_BIT(OP_ALIGNED_ALLOC) |
         OP_BIT(OP_MEMALIGN) | OP_BIT(OP_HEAP_MALLOC),
     DEVIATES_ALWAYS, "2.0.9: requests above PTRDIFF_MAX fail without setting errno to ENOMEM"},
    {EXCUSE_ALIGNED_ARGS, OP_BIT(OP_ALIGNED_ALLOC) | OP_BIT(OP_MEMALIGN), DEVIATES_ON_BAD_ALIGN,
     "2.0.9: alignment 0 is accepted for small sizes (a block, default alignment)"},
    {EXCUSE_ALIGNMENT,
     OP_BIT(OP_ALIGNED_ALLOC) | OP_BIT(OP_POSIX_MEMALIGN) | OP_BIT(OP_MEMALIGN) |
         OP_BIT(OP_MALLOC_ALIGNED_AT) | OP_BIT(OP_NEW_ALIGNED) | OP_BIT(OP_ZALLOC),
     DEVIATES_ON_SMALL_OVERALIGNED,
     "2.0.9: aligned requests with 256 <= alignment <= size <= 1024 come back misaligned "
     "(e.g. posix_memalign(&p, 1024, 1024) is 128-aligned; found by gauntlet)"},
    {EXCUSE_ALIGNMENT, OP_BIT(OP_REALLOC_ALIGNED) | OP_BIT(OP_REZALLOC), DEVIATES_ALWAYS,
     "mi_realloc_aligned (and mi_rezalloc_aligned) keeps the old block's offset from the "
     "alignment, so a block not made "
     "with it comes back misaligned (mimalloc #603, open upstream; met by gauntlet)"},
    {EXCUSE_ZEROING, OP_BIT(OP_REZALLOC), DEVIATES_ALWAYS,
     "mi_rezalloc_aligned zeroes a moved block only up to the size asked, not its class's "
     "bytes past it, which a later rezalloc in place hands back (mimalloc #763, open in 3.4.3; "
     "met by gauntlet)"},
    {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},
};

static const struct known_deviation tcmalloc_deviations[] = {
    {EXCUSE_FAILURE_ERRNO, OP_BIT(OP_CALLOC), DEVIATES_ALWAYS,
     "2.10: calloc whose n*m overflows returns NULL without setting errno to ENOMEM"},
    {EXCUSE_ALIGNMENT, OP_BIT(OP_ALIGNED_ALLOC) | OP_BIT(OP_MEMALIGN), DEVIATES_ON_BAD_ALIGN,
     "2.10: a non-power-of-two alignment is accepted but not honoured"},
    {EXCUSE_IMPOSSIBLE_REQUEST, OP_BIT(OP_ALIGNED_ALLOC) | OP_BIT(OP_MEMALIGN),
     DEVIATES_ON_BAD_ALIGN,
     "2.10: with a non-power-of-two alignment, a size near SIZE_MAX wraps and a tiny block "
     "comes back (aligned_alloc(65, SIZE_MAX) is 64 bytes; found by gauntlet fuzz)"},
    {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},
};

const struct alloc_policy glibc_policy = {
    .choices =
        {
            .weak_small_alignment = BEHAVES_NO,
            .realloc_zero_frees = BEHAVES_YES,
            .malloc_zero_null = BEHAVES_NO,
            /* glibc < 2.38 rounds a bad alignment up to a power of two */
            .aligned_alloc_bad_align_rounds = BEHAVES_YES,
            .memalign_bad_align_rounds = BEHAVES_YES,
        },
    .notes = "realloc(p,0) frees; bad alignments rounded up (glibc < 2.38)",
};

const struct alloc_policy jemalloc_policy = {
    .choices =
        {
            .weak_small_alignment = BEHAVES_YES,
            .realloc_zero_frees = BEHAVES_YES, /* opt.zero_realloc:free, the Linux default */
            .malloc_zero_null = BEHAVES_NO,
            .aligned_alloc_bad_align_rounds = BEHAVES_NO,
            .memalign_bad_align_rounds = BEHAVES_NO,
        },
    .deviations = jemalloc_deviations,
    .notes = "realloc(p,0) frees; known: failed huge realloc/memalign leave errno unset",
};

const struct alloc_policy mimalloc_policy = {
    .choices =
        {
            .weak_small_alignment = BEHAVES_YES,
            .realloc_zero_frees = BEHAVES_NO, /* returns a live minimal block */
            .malloc_zero_null = BEHAVES_NO,
            .aligned_alloc_bad_align_rounds = BEHAVES_NO,
            .memalign_bad_align_rounds = BEHAVES_NO,
        },
    .deviations = mimalloc_deviations,
    .notes = "realloc(p,0) returns a block; known: failed huge requests leave errno unset",
};

const struct alloc_policy tcmalloc_policy = {
    .choices =
        {
            .weak_small_alignment = BEHAVES_YES,
            .realloc_zero_frees = BEHAVES_YES,
            .malloc_zero_null = BEHAVES_NO,
            .aligned_alloc_bad_align_rounds = BEHAVES_YES,
            .memalign_bad_align_rounds = BEHAVES_YES,
        },
    .deviations = tcmalloc_deviations,
    .notes =
        "realloc(p,0) frees; bad alignments accepted; known: calloc overflow leaves errno unset",
};

/* so:PATH — what every conforming allocator must do, and any behaviour the
 * standards leave open. */
#define ANY_CONFORMING_CHOICES                                                                     \
    {                                                                                              \
        .weak_small_alignment = BEHAVES_YES, .realloc_zero_frees = BEHAVES_EITHER,                 \
        .malloc_zero_null = BEHAVES_EITHER, .aligned_alloc_bad_align_rounds = BEHAVES_EITHER,      \
        .memalign_bad_align_rounds = BEHAVES_EITHER,                                               \
    }

const struct alloc_policy any_conforming_policy = {
    .choices = ANY_CONFORMING_CHOICES,
    .notes = "any conforming allocator: implementation-defined choices all accepted",
};

/* A so: build of a known family keeps the permissive choices but inherits the
 * family's known deviations, so that an upgrade is judged on what changed. */
#define FAMILY_POLICY(family)                                                                      \
    {                                                                                              \
        .choices = ANY_CONFORMING_CHOICES, .deviations = family##_deviations,                      \
        .notes = "any conforming allocator, with its family's known deviations",                   \
    }
const struct alloc_policy jemalloc_library_policy = FAMILY_POLICY(jemalloc);
const struct alloc_policy mimalloc_library_policy = FAMILY_POLICY(mimalloc);
const struct alloc_policy tcmalloc_library_policy = FAMILY_POLICY(tcmalloc);
