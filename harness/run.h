/*
 * run.h — the types shared by the modules that run a program: the shadow
 * model and oracle (oracle*.c, shadow_map.c, pattern.c, zero_check.c), the executors
 * (exec_*.c) and the report (report.c). The oracle sees a policy, never an
 * allocator; the executors call the allocator and hand the oracle results.
 */
#ifndef GAUNTLET_RUN_H
#define GAUNTLET_RUN_H

#include "gauntlet.h"

#include <pthread.h>

/* Loops over block contents and addresses: their comparisons are data no
 * fuzzer can steer, and libFuzzer's build traces every comparison with a
 * call (which cost more than the loops themselves). Excluded from coverage
 * instrumentation; the checks are the same. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* ---- pattern.c: block contents ---- */

/* Blocks above this are filled and verified sampled: head, tail and stripes. */
#define PATTERN_FULL_LIMIT  ((size_t)64 << 10)
#define PATTERN_SAMPLE_EDGE ((size_t)4096)
#define PATTERN_STRIPE_STEP ((size_t)64 << 10) /* the least distance between stripes */
#define PATTERN_STRIPES_MAX 16                 /* blocks above 1 MiB: at most this many */
#define PATTERN_STRIPE_SIZE ((size_t)64)

struct pattern_mismatch {
    size_t offset;
    uint8_t expected, actual;
};

static inline bool pattern_is_sampled(size_t size)
{
    return size > PATTERN_FULL_LIMIT;
}
/* The distance between stripes in a sampled block: 64 KiB, or for blocks
 * above 1 MiB the whole number of pages that makes at most
 * PATTERN_STRIPES_MAX stripes. Each stripe is a page the allocator may have
 * to fault in (or have just cleared): a stripe per 64 KiB made a 32 MiB
 * block touch 512 pages at each fill and check. */
static inline size_t pattern_stripe_step(size_t size)
{
    size_t step = (size / PATTERN_STRIPES_MAX + 4095) & ~(size_t)4095;
    return step > PATTERN_STRIPE_STEP ? step : PATTERN_STRIPE_STEP;
}
void pattern_fill(void *block, size_t size, uint64_t seed);
/* Verifies bytes [0, limit) of what pattern_fill(block, size, seed) wrote
 * (the same sampling as the fill). */
bool pattern_verify(const void *block, size_t size, size_t limit, uint64_t seed,
                    struct pattern_mismatch *mismatch);
/* Bytes [start, end) of the pattern, unsampled: the stress drivers write
 * whole blocks (a program uses its memory) and choose what to verify. */
void pattern_fill_span(void *block, size_t start, size_t end, uint64_t seed);
bool pattern_verify_span(const void *block, size_t start, size_t end, uint64_t seed,
                         struct pattern_mismatch *mismatch);
/* First non-zero byte of [0, size), or false when all are zero. */
bool first_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value);

/* ---- zero_check.c: the same answer, reading only the pages that exist ---- */

bool find_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value);

/* ---- shadow_map.c: live blocks ordered by address ---- */

struct shadow_range {
    uintptr_t start, end; /* [start, end) */
};

/* Live ranges sorted by start and disjoint, and the slot of each (a
 * parallel array): both in one storage block. */
struct shadow_map {
    struct shadow_range *ranges;
    uint8_t *ids;
    uint32_t count, capacity;
};

/* Entries past the last kept as padding for the search (shadow_map.c). */
#define SHADOW_MAP_PADDING 16
#define SHADOW_MAP_BYTES(capacity)                                                                 \
    (((size_t)(capacity) + SHADOW_MAP_PADDING) * (sizeof(struct shadow_range) + 1))

/* storage: SHADOW_MAP_BYTES(capacity) bytes, aligned for uintptr_t;
 * capacity at most 256 (slot numbers are bytes). */
void shadow_map_init(struct shadow_map *m, void *storage, uint32_t capacity);
/* The same storage, emptied by removing every range: nothing to rewrite. */
void shadow_map_reuse(struct shadow_map *m, void *storage, uint32_t capacity);
/* Inserts [start, end) for slot `id`; when it overlaps a range already in the
 * map, inserts nothing and returns that range's slot; else returns -1. */
int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end);
void shadow_map_remove(struct shadow_map *m, uintptr_t start);

/* ---- oracle.c: the shadow model of every live block ---- */

struct shadow_block {
    void *ptr;
    size_t requested;
    size_t usable; /* 0 when the allocator has no usable-size call */
    size_t align;  /* the alignment it was requested with; 0 for plain calls */
    uint64_t seed;
    size_t made_at;  /* operation index */
    uint8_t made_by; /* enum op_kind */
    uint8_t thread;  /* allocating thread */
    bool live;
};

#define RECENT_FREES 16

struct oracle {
    const struct alloc_policy *policy;
    struct shadow_map map;
    size_t live_bytes, peak_live_bytes, cap;
    uint64_t generation;
    bool strict;
    bool concurrent;           /* free-running: the tree and counters are shared */
    pthread_mutex_t lock;      /* guards map, counters and generation when concurrent */
    uint32_t deviations_noted; /* bit per table entry: that known deviation was noted */
    /* The addresses freed last, for the fuzz feedback (fuzz_feedback.c). */
    struct recent_free {
        uintptr_t ptr;
        uint8_t freed_by;
        bool cross; /* freed by a thread other than its allocator */
    } recent_frees[RECENT_FREES];
    unsigned recent_next;
    /* Last: a finished run leaves every block dead and the map empty, so a
     * run reusing this memory need not clear them (run.c). */
    struct shadow_block blocks[GAUNTLET_MAX_SLOTS];
    uintptr_t map_storage[SHADOW_MAP_BYTES(GAUNTLET_MAX_SLOTS) / sizeof(uintptr_t) + 1];
};

/* ---- run.c / exec_*.c: one program against one allocator ---- */

/* Lives in harness memory (hmem.c), kept from one run to the next. */
struct run {
    const struct program *program;
    const struct allocator *alloc;
    const struct run_config *config;
    uint32_t missing; /* bit per enum op_kind: the allocator lacks the call */
    struct run_stats stats[GAUNTLET_MAX_THREADS];   /* per thread; summed at the end */
    pthread_mutex_t slot_locks[GAUNTLET_MAX_SLOTS]; /* free-running mode only (exec_free.c) */
    struct oracle oracle;                           /* last (see struct oracle) */
};

/* Where an operation is being performed: what the oracle and the report need. */
struct op_context {
    struct run *run;
    size_t index; /* SIZE_MAX during the end-of-program teardown */
    const struct op *op;
    unsigned thread;
    struct run_stats *stats;
};

/* exec_op.c: one operation on the calling thread (not restart/barrier). */
void exec_op(struct op_context *c);
/* Verifies and frees every live block (end of program), on the calling thread. */
void exec_teardown(struct run *run, unsigned thread);

/* exec_lockstep.c / exec_free.c: run the whole program; return normally when
 * every operation passed (a violation never returns). */
void exec_lockstep(struct run *run);
void exec_free_running(struct run *run);

/* oracle.c: `o` arrives zeroed up to its blocks; `reused`: its blocks and
 * map are those a finished run left (all dead, empty), else zeroed too. */
void oracle_init(struct oracle *o, const struct alloc_policy *policy, size_t cap, bool strict,
                 bool concurrent, bool reused);
void oracle_release(struct oracle *o);
/* The alignment a plain call's block must have (inline: one per allocation). */
static inline size_t oracle_plain_alignment(const struct oracle *o, size_t size)
{
    const size_t fundamental = _Alignof(max_align_t);
    if (!o->policy->weak_small_alignment || size >= fundamental) return fundamental;
    size_t align = 1;
    while (align * 2 <= size)
        align *= 2;
    return align;
}
/* Records a new block in `slot` after checking alignment, usable size,
 * overlap, (for calloc) zeroing and (for realloc, `previous` non-NULL) the
 * bytes kept from the previous block; then fills it with a fresh pattern. */
void oracle_accept_block(struct op_context *c, unsigned slot, void *p, size_t requested,
                         size_t required_align, size_t align_requested, bool zeroed,
                         const struct shadow_block *previous);
void oracle_verify_contents(struct op_context *c, unsigned slot, size_t limit,
                            const char *invariant);
/* Takes the block out of the overlap map and the live count (before the
 * allocator may reuse its memory). */
void oracle_release_block(struct op_context *c, unsigned slot);
void oracle_restore_block(struct op_context *c, unsigned slot);
void oracle_check_usable(struct op_context *c, unsigned slot, size_t usable_now);

/* fuzz_feedback.c: called by the oracle, under its lock, when a block is
 * freed and when one is accepted; nothing happens outside fuzz targets. */
void feedback_block_freed(struct oracle *o, uintptr_t ptr, unsigned allocated_by,
                          unsigned freed_by);
void feedback_block_accepted(struct oracle *o, uintptr_t ptr, size_t requested, bool zeroed,
                             unsigned thread);
/* Byte count of a request, and whether it must fail (overflow or > PTRDIFF_MAX). */
static inline bool request_is_impossible(size_t count, size_t size, size_t *bytes)
{
    if (__builtin_mul_overflow(count, size, bytes)) {
        *bytes = SIZE_MAX;
        return true;
    }
    return *bytes > (size_t)PTRDIFF_MAX;
}
/* Whether a possible request goes over the live-bytes cap (then skipped and
 * counted); `released` is what the slot gives back. */
static inline bool oracle_over_cap(struct op_context *c, size_t bytes, size_t released)
{
    struct oracle *o = &c->run->oracle;
    if (o->concurrent) pthread_mutex_lock(&o->lock);
    bool over = o->live_bytes - released + bytes > o->cap || bytes > o->cap;
    if (o->concurrent) pthread_mutex_unlock(&o->lock);
    if (over) c->stats->skipped_over_cap++;
    return over;
}
/* A failed call: errno must be ENOMEM (or a known deviation). */
void oracle_check_failure_errno(struct op_context *c, int saved_errno, const char *invariant);
/* True when the allocator's table lists this violation as a known deviation
 * (then noted once per run and table entry, and counted); never with --strict. */
bool oracle_excused(struct op_context *c, const char *invariant);
/* Reports a violation; `both` formats "EXPECTED|ACTUAL". */
_Noreturn void oracle_fail(struct op_context *c, const char *invariant, int slot,
                           const struct shadow_block *block, const char *detail, const char *both,
                           ...) __attribute__((format(printf, 6, 7)));

/* oracle_calls.c: judging what a call returned, by the rules of SEMANTICS.md. */
/* errno before free: a value no allocator sets, so any change shows. */
#define ERRNO_SENTINEL 0x4747
/* *p before posix_memalign: it must stay untouched on failure. */
#define UNTOUCHED_POINTER ((void *)(uintptr_t)0x5a5a5a5a5a5a5a50u)

struct call_outcome {
    void *p;         /* the block returned (posix_memalign: *p when it returned 0) */
    int status;      /* posix_memalign's return value */
    void *untouched; /* posix_memalign's *p after a failure */
    int saved_errno; /* errno right after the call (set to 0 before it) */
    size_t bytes;    /* the request's byte count (n*m, saturated) */
    bool impossible; /* the request must fail */
};
void oracle_judge_allocation(struct op_context *c, const struct call_outcome *r);
/* `previous` is a copy of the slot's block before the call, or NULL when empty. */
void oracle_judge_reallocation(struct op_context *c, const struct call_outcome *r,
                               const struct shadow_block *previous);
void oracle_judge_free(struct op_context *c, int errno_after);

/* report.c */
struct violation {
    const char *invariant;
    int slot;                         /* -1 when none */
    const struct shadow_block *block; /* the block involved, or NULL */
    char expected[256];
    char actual[256];
    char detail[256]; /* e.g. how the contents were checked */
};
_Noreturn void report_violation(const struct op_context *c, const struct violation *v);
void report_note(const struct op_context *c, const char *message);
void report_set_current(const struct op_context *c); /* what a crash report names */
void run_stats_sum(const struct run *run, struct run_stats *total);

#endif
