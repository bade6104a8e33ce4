/*
 * rules.h — the contract every allocator is held to, written once: the
 * operations a program is made of, the invariants, what each call's result
 * must be (impossible requests, alignments, failures and their errno), the
 * choices the standards leave to an allocator, the scopes of known
 * deviations, the content pattern, and the messages a violation is reported
 * with. Pure definitions: no allocator is called and nothing is stored here.
 *
 * Two users, one text. The oracle (harness/oracle*.c) includes this header;
 * `gauntlet reproducer` copies it verbatim into every C program it writes
 * (the build embeds it), so a reproducer judges each call by these very
 * functions and cannot drift from `gauntlet run`. Hence plain C17 with the
 * standard headers only (and POSIX's open and read for the one measure both
 * take of the process, rule_resident_bytes, and setenv and execv for the
 * allocator's settings), every function `static inline`,
 * no tables as variables (X-macros and switches instead), and names that
 * read well in a reproducer. SEMANTICS.md states the same rules in prose.
 */
#ifndef GAUNTLET_RULES_H
#define GAUNTLET_RULES_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Functions on every call's path: inlined where the compiler allows it,
 * so that a judge passed by pointer becomes a direct, inlined call. */
#if defined(__GNUC__)
#define RULES_HOT static inline __attribute__((always_inline))
#else
#define RULES_HOT static inline
#endif

/* ======== the program model ======== */

#define GAUNTLET_MAX_THREADS 8
#define GAUNTLET_MAX_SLOTS   256

/* Every operation kind: X(KIND, name, uses slot, size, count, align, allocates).
 * `size` is the byte count or, for calloc and reallocarray, the element size
 * (for fail_maps: how many of the allocator's next OS mapping calls are
 * refused, 0 lifting the refusal); `count` the element count; `allocates`:
 * puts a new block into its slot. `collect` calls the allocator's own call
 * to give back what it caches (the collects below); it judges nothing
 * itself: every live block is verified when it is next touched, and at the
 * end of the program. `expand` resizes the slot's block in place by the
 * allocator's own call for it (the expands below), as a realloc that may
 * not move the block and may always fail; `realloc_aligned` resizes it to
 * a block of an alignment by the allocator's own call (the aligned reallocs
 * below), as a realloc that may always fail; `malloc_aligned_at` asks for a
 * block whose address plus an offset (op_uses_offset) is aligned, by the
 * allocator's own call for it (the offset-aligned allocations below). The
 * heap operations work on the thread's own heap, apart from its default
 * one (the heap calls below): `heap_malloc` makes a block in it (making
 * the heap first when the thread has none); `heap_delete` ends the heap and
 * its blocks live on; `heap_destroy` ends it with every block still in it
 * (the program's blocks made in it are gone), after the heap's visit is
 * judged where the allocator can list it (rule_heap_can_visit: a block the
 * heap holds that the program made elsewhere would be freed under it);
 * `heap_visit` has the
 * allocator list the heap's blocks, which must be the live ones made in it
 * (op_is_heap_wide). A thread's heap ends with the thread. `predict` asks
 * the allocator the real size it makes for the request that made the
 * slot's block (the predictions below), which must be the block's usable
 * size. `new` and `new_aligned` make a block by the C++ allocation
 * functions the library exports (the C++ calls below); such a block is
 * released by the matching delete and never resized (op_made_by_new).
 * `zalloc` makes a block of an alignment whose every byte is zero, and
 * `rezalloc` resizes one so that the bytes it adds are zero (the zeroing
 * calls below; rule_rezalloc_zero_from says which bytes). */
#define GAUNTLET_OPERATIONS(X)                                                                     \
    X(OP_MALLOC, "malloc", 1, 1, 0, 0, 1)                                                          \
    X(OP_CALLOC, "calloc", 1, 1, 1, 0, 1)                                                          \
    X(OP_REALLOC, "realloc", 1, 1, 0, 0, 0)                                                        \
    X(OP_REALLOCARRAY, "reallocarray", 1, 1, 1, 0, 0)                                              \
    X(OP_FREE, "free", 1, 0, 0, 0, 0)                                                              \
    X(OP_FREE_SIZED, "free_sized", 1, 0, 0, 0, 0)                                                  \
    X(OP_ALIGNED_ALLOC, "aligned_alloc", 1, 1, 0, 1, 1)                                            \
    X(OP_POSIX_MEMALIGN, "posix_memalign", 1, 1, 0, 1, 1)                                          \
    X(OP_MEMALIGN, "memalign", 1, 1, 0, 1, 1)                                                      \
    X(OP_CHECK, "check", 1, 0, 0, 0, 0)                                                            \
    X(OP_USABLE_SIZE, "usable_size", 1, 0, 0, 0, 0)                                                \
    X(OP_RESTART, "restart", 0, 0, 0, 0, 0)                                                        \
    X(OP_BARRIER, "barrier", 0, 0, 0, 0, 0)                                                        \
    X(OP_FAIL_MAPS, "fail_maps", 0, 1, 0, 0, 0)                                                    \
    X(OP_COLLECT, "collect", 0, 0, 0, 0, 0)                                                        \
    X(OP_EXPAND, "expand", 1, 1, 0, 0, 0)                                                          \
    X(OP_REALLOC_ALIGNED, "realloc_aligned", 1, 1, 0, 1, 0)                                        \
    X(OP_MALLOC_ALIGNED_AT, "malloc_aligned_at", 1, 1, 0, 1, 1)                                    \
    X(OP_HEAP_MALLOC, "heap_malloc", 1, 1, 0, 0, 1)                                                \
    X(OP_HEAP_DELETE, "heap_delete", 0, 0, 0, 0, 0)                                                \
    X(OP_HEAP_DESTROY, "heap_destroy", 0, 0, 0, 0, 0)                                              \
    X(OP_HEAP_VISIT, "heap_visit", 0, 0, 0, 0, 0)                                                  \
    X(OP_PREDICT, "predict", 1, 0, 0, 0, 0)                                                        \
    X(OP_NEW, "new", 1, 1, 0, 0, 1)                                                                \
    X(OP_NEW_ALIGNED, "new_aligned", 1, 1, 0, 1, 1)                                                \
    X(OP_ZALLOC, "zalloc", 1, 1, 0, 1, 1)                                                          \
    X(OP_REZALLOC, "rezalloc", 1, 1, 0, 1, 0)

enum op_kind {
#define RULES_ENUM(kind, ...) kind,
    GAUNTLET_OPERATIONS(RULES_ENUM)
#undef RULES_ENUM
        OP_KIND_COUNT
};

#define OP_BIT(kind) (UINT32_C(1) << (kind))

/*
 * One operation, in decoded values; fields its kind does not use are 0, so
 * that binary → op → text → op → binary is exact.
 */
struct op {
    uint8_t kind;   /* enum op_kind */
    uint8_t thread; /* 0 .. GAUNTLET_MAX_THREADS-1; 0 for barrier */
    uint8_t slot;   /* 0 .. GAUNTLET_MAX_SLOTS-1; 0 for restart and barrier */
    size_t size;
    size_t count; /* malloc_aligned_at: the offset (op_uses_offset) */
    size_t align;
};

static inline const char *op_kind_name(enum op_kind kind)
{
    switch (kind) {
#define RULES_NAME(kind, name, ...)                                                                \
    case kind: return name;
        GAUNTLET_OPERATIONS(RULES_NAME)
#undef RULES_NAME
    default: return "?";
    }
}

/* The op_uses_* facts, one switch per column of the table. */
/* clang-format off */
#define RULES_COLUMN(function, column)                                                             \
    static inline bool function(enum op_kind kind)                                                 \
    {                                                                                              \
        switch (kind) {                                                                            \
            GAUNTLET_OPERATIONS(column)                                                            \
        default: return false;                                                                     \
        }                                                                                          \
    }
#define RULES_SLOT(kind, name, slot, size, count, align, allocates) case kind: return slot;
#define RULES_SIZE(kind, name, slot, size, count, align, allocates) case kind: return size;
#define RULES_COUNT(kind, name, slot, size, count, align, allocates) case kind: return count;
#define RULES_ALIGN(kind, name, slot, size, count, align, allocates) case kind: return align;
#define RULES_ALLOCATES(kind, name, slot, size, count, align, allocates) case kind: return allocates;
/* clang-format on */
RULES_COLUMN(op_uses_slot, RULES_SLOT)
RULES_COLUMN(op_uses_size, RULES_SIZE)
RULES_COLUMN(op_uses_count, RULES_COUNT)
RULES_COLUMN(op_uses_align, RULES_ALIGN)
RULES_COLUMN(op_allocates, RULES_ALLOCATES)
#undef RULES_SLOT
#undef RULES_SIZE
#undef RULES_COUNT
#undef RULES_ALIGN
#undef RULES_ALLOCATES
#undef RULES_COLUMN

/* The operation's `count` is the offset whose address must be aligned (the
 * text form's `offset N`; the binary form's count word). */
static inline bool op_uses_offset(enum op_kind kind)
{
    return kind == OP_MALLOC_ALIGNED_AT;
}

/* A zeroing allocation both allocators define (GAUNTLET_ZALLOCS): jemalloc
 * leaves a zero size undefined, and both a non-power-of-two alignment. */
static inline bool rule_zalloc_defined(size_t size, size_t align)
{
    return size != 0 && size <= (size_t)PTRDIFF_MAX && align != 0 && (align & (align - 1)) == 0;
}

/* An offset-aligned allocation the allocators define (GAUNTLET_ALIGNED_ATS). */
static inline bool rule_aligned_at_defined(size_t align, size_t offset)
{
    return align != 0 && (align & (align - 1)) == 0 && offset % sizeof(void *) == 0;
}

/* A block the C++ allocation functions made: released by delete, and not
 * resized (C++ has no call for it). */
static inline bool op_made_by_new(enum op_kind kind)
{
    return kind == OP_NEW || kind == OP_NEW_ALIGNED;
}

/* Works on every block of the thread's own heap, and on no slot. */
static inline bool op_is_heap_wide(enum op_kind kind)
{
    return kind == OP_HEAP_DELETE || kind == OP_HEAP_DESTROY || kind == OP_HEAP_VISIT;
}

static inline bool op_is_realloc(enum op_kind kind)
{
    return kind == OP_REALLOC || kind == OP_REALLOCARRAY;
}

/* Resizes the slot's block: a realloc, or one of the allocator's own
 * (an expand in place, an aligned realloc), which take no empty slot. */
static inline bool op_resizes_own(enum op_kind kind)
{
    return kind == OP_EXPAND || kind == OP_REALLOC_ALIGNED || kind == OP_REZALLOC;
}

static inline bool op_resizes(enum op_kind kind)
{
    return op_is_realloc(kind) || op_resizes_own(kind);
}

/*
 * Which OS thread performs t0: in lock-step execution, the thread that
 * loaded the allocator (the process's main thread: an allocator may keep a
 * heap of its own for it, such as mimalloc's main heap), unless the program
 * restarts t0. A restart is a thread exiting and a fresh one taking its
 * number, and the loading thread cannot exit: a program that restarts t0
 * runs every t0 on a fresh thread, so that no block of a living thread is
 * freed as if its thread were gone. The executors scan the program with
 * this predicate before the first operation.
 */
static inline bool rule_restarts_loader_thread(const struct op *op)
{
    return op->kind == OP_RESTART && op->thread == 0;
}

/* ======== invariants ======== */

/* X(INVARIANT, name as reported). */
#define GAUNTLET_INVARIANTS(X)                                                                     \
    X(INV_ALIGNMENT, "alignment")                                                                  \
    X(INV_USABLE_SIZE, "usable-size")                                                              \
    X(INV_OVERLAP, "overlap")                                                                      \
    X(INV_CONTENTS, "contents")                                                                    \
    X(INV_REALLOC, "realloc")                                                                      \
    X(INV_CALLOC_ZERO, "calloc-zero")                                                              \
    X(INV_IMPOSSIBLE_REQUEST, "impossible-request")                                                \
    X(INV_ALIGNED_ARGS, "aligned-args")                                                            \
    X(INV_FREE_ERRNO, "free-errno")                                                                \
    X(INV_UNEXPECTED_FAILURE, "unexpected-failure")                                                \
    X(INV_IMPLEMENTATION_CHOICE, "implementation-choice")                                          \
    X(INV_HANG, "hang")                                                                            \
    X(INV_OUT_OF_MEMORY, "out-of-memory")                                                          \
    X(INV_OVERRIDE, "override")                                                                    \
    X(INV_HEAP_VISIT, "heap-visit")                                                                \
    X(INV_REUSE, "reuse")

enum invariant {
#define RULES_ENUM(inv, name) inv,
    GAUNTLET_INVARIANTS(RULES_ENUM)
#undef RULES_ENUM
        INV_COUNT
};

static inline const char *invariant_name(enum invariant inv)
{
    switch (inv) {
#define RULES_NAME(inv, name)                                                                      \
    case inv: return name;
        GAUNTLET_INVARIANTS(RULES_NAME)
#undef RULES_NAME
    default: return "?";
    }
}

/* ======== the allocator's choices, and its known deviations ======== */

/* Where the standards leave a choice: what an allocator does. */
#define GAUNTLET_BEHAVIOURS(X)                                                                     \
    X(BEHAVES_NO, "no")                                                                            \
    X(BEHAVES_YES, "yes")                                                                          \
    X(BEHAVES_EITHER, "either")

enum behaviour {
#define RULES_ENUM(b, name) b,
    GAUNTLET_BEHAVIOURS(RULES_ENUM)
#undef RULES_ENUM
};

/* The choices, X(field, what BEHAVES_YES means). */
#define GAUNTLET_CHOICES(X)                                                                        \
    X(weak_small_alignment, "plain blocks below 16 bytes may be aligned to the largest power "     \
                            "of two <= size only (C23 7.24.3)")                                    \
    X(realloc_zero_frees, "realloc(p, 0) frees p and returns NULL")                                \
    X(malloc_zero_null, "a zero-byte request returns NULL")                                        \
    X(aligned_alloc_bad_align_rounds, "aligned_alloc with alignment 0 or not a power of two "      \
                                      "rounds it up and returns a block, instead of failing")      \
    X(memalign_bad_align_rounds, "memalign likewise")

struct alloc_choices {
#define RULES_FIELD(field, what) enum behaviour field;
    GAUNTLET_CHOICES(RULES_FIELD)
#undef RULES_FIELD
};

/*
 * A known deviation excuses one rule, for the listed operation kinds, within
 * a scope: the violation is noted (once per run and entry) and counted
 * instead of failing; with --strict it fails. X(EXCUSE, name in the policy
 * table). "failure-errno" excuses a failed call that did not set errno to
 * ENOMEM, whichever invariant required it; "zeroing" a byte a zeroing call
 * left non-zero.
 */
#define GAUNTLET_EXCUSES(X)                                                                        \
    X(EXCUSE_NONE, "")                                                                             \
    X(EXCUSE_ALIGNMENT, "alignment")                                                               \
    X(EXCUSE_IMPOSSIBLE_REQUEST, "impossible-request")                                             \
    X(EXCUSE_ALIGNED_ARGS, "aligned-args")                                                         \
    X(EXCUSE_FAILURE_ERRNO, "failure-errno")                                                       \
    X(EXCUSE_FREE_ERRNO, "free-errno")                                                             \
    X(EXCUSE_ZEROING, "zeroing")

enum excuse {
#define RULES_ENUM(e, name) e,
    GAUNTLET_EXCUSES(RULES_ENUM)
#undef RULES_ENUM
};

static inline const char *excuse_name(enum excuse e)
{
    switch (e) {
#define RULES_NAME(e, name)                                                                        \
    case e: return name;
        GAUNTLET_EXCUSES(RULES_NAME)
#undef RULES_NAME
    default: return "?";
    }
}

/* Which calls of the listed kinds a deviation covers: X(SCOPE, description). */
#define GAUNTLET_DEVIATION_SCOPES(X)                                                               \
    X(DEVIATES_ALWAYS, "every call")                                                               \
    X(DEVIATES_ON_ZERO_SIZE, "zero-byte requests")                                                 \
    X(DEVIATES_ON_BAD_ALIGN, "alignment 0 or not a power of two")                                  \
    X(DEVIATES_ON_SMALL_OVERALIGNED, "256 <= alignment <= size <= 1024")

enum deviation_scope {
#define RULES_ENUM(scope, what) scope,
    GAUNTLET_DEVIATION_SCOPES(RULES_ENUM)
#undef RULES_ENUM
};

struct known_deviation {
    enum excuse excuses; /* EXCUSE_NONE ends a table */
    uint32_t kinds;      /* OP_BIT per operation kind */
    enum deviation_scope scope;
    const char *what;
};

static inline bool rule_in_scope(enum deviation_scope scope, const struct op *op)
{
    switch (scope) {
    case DEVIATES_ON_ZERO_SIZE:
        return op->size == 0 || (op_uses_count((enum op_kind)op->kind) && op->count == 0);
    case DEVIATES_ON_BAD_ALIGN: return op->align == 0 || (op->align & (op->align - 1)) != 0;
    case DEVIATES_ON_SMALL_OVERALIGNED: /* with no offset: an offset takes another path */
        return op->align >= 256 && op->align <= op->size && op->size <= 1024 &&
               !(op_uses_offset((enum op_kind)op->kind) && op->count != 0);
    case DEVIATES_ALWAYS: return true;
    }
    return false;
}

/* The index of the entry of `table` that excuses `excuse` for `op`, or -1. */
static inline int rule_find_excuse(const struct known_deviation *table, enum excuse excuse,
                                   const struct op *op)
{
    for (int i = 0; table && table[i].excuses != EXCUSE_NONE; i++)
        if (table[i].excuses == excuse && (table[i].kinds & OP_BIT(op->kind)) &&
            rule_in_scope(table[i].scope, op))
            return i;
    return -1;
}

/* A deviation is noted the first time its entry excuses something in a run:
 * true then, once per entry (`noted` holds one bit per entry). */
static inline bool rule_first_note(uint32_t *noted, int entry)
{
    uint32_t bit = UINT32_C(1) << (entry % 32);
    bool first = !(*noted & bit);
    *noted |= bit;
    return first;
}

/* ======== requests ======== */

/* errno before a free: a value no allocator sets, so any change shows. */
#define ERRNO_SENTINEL 0x4747
/* *p before posix_memalign: it must stay untouched when the call fails. */
#define UNTOUCHED_POINTER ((void *)(uintptr_t)0x5a5a5a5a5a5a5a50u)
/* Rounds of one program in one process (`run --rounds`): the reuse rule
 * judges the second half of them, and only from this many rounds on: with
 * fewer, the creep of a healthy allocator's caches as they settle may last
 * into the judged half (tcmalloc's take many rounds to settle). */
#define RULE_REUSE_ROUNDS_MIN 32
#define GAUNTLET_MAX_ROUNDS   256
/* From this many rounds on, the reuse rule judges growth on average
 * (rule_reuse). */
#define RULE_REUSE_AVERAGE_ROUNDS 64
/* Said when the rounds were asked for but the measure cannot be taken. */
#define RULE_REUSE_UNMEASURED_NOTE                                                                 \
    "/proc/self/statm cannot be read here: the rounds' memory is not judged (reuse)"
/* The least growth of the resident memory in a round that counts as not
 * reusing: above the creep of a healthy allocator's caches as they settle
 * (tcmalloc's grow a little every round for many rounds, then stop). */
#define RULE_REUSE_ROUND_GROWTH ((size_t)64 << 10)

/* A failure is held against the allocator only up to this alignment. */
#define FAILURE_FREE_ALIGN_LIMIT ((size_t)8 << 20)
/* ... and, for an alignment at a non-zero offset, up to this one: mimalloc
 * 3 serves larger alignments from the OS and refuses an offset there (its
 * source: "cannot support offset alignment for very large alignments yet"). */
#define FAILURE_FREE_OFFSET_ALIGN_LIMIT ((size_t)64 << 10)
/* The live-bytes cap of `gauntlet run` and of reproducers, unless --cap says otherwise. */
#define GAUNTLET_DEFAULT_CAP ((size_t)256 << 20)
/* An allocator call not returning within this many seconds is a `hang`. */
#define GAUNTLET_DEFAULT_WATCHDOG_SECONDS 10

static inline bool rule_is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Whether n*m does not fit in a size_t. */
static inline bool rule_product_overflows(size_t count, size_t size)
{
    return size != 0 && count > SIZE_MAX / size;
}

/* The byte count n*m of a request (saturated), and whether it must fail:
 * n*m overflows, or it is above PTRDIFF_MAX. */
RULES_HOT bool rule_request_is_impossible(size_t count, size_t size, size_t *bytes)
{
    if (rule_product_overflows(count, size)) {
        *bytes = SIZE_MAX;
        return true;
    }
    *bytes = count * size;
    return *bytes > (size_t)PTRDIFF_MAX;
}

/* The count a request multiplies by its size: n for calloc and
 * reallocarray, 1 for the rest. */
static inline size_t rule_request_count(const struct op *op)
{
    return op_uses_count((enum op_kind)op->kind) ? op->count : 1;
}

/* The alignment a plain call's block must have: alignof(max_align_t), or
 * for smaller blocks where the allocator may, the largest power of two <= size. */
RULES_HOT size_t rule_plain_alignment(enum behaviour weak_small_alignment, size_t bytes)
{
    const size_t fundamental = _Alignof(max_align_t);
    if (weak_small_alignment == BEHAVES_NO || bytes >= fundamental) return fundamental;
    size_t align = 1;
    while (align * 2 <= bytes)
        align *= 2;
    return align;
}

/* The least power of two >= x (0 when there is none in size_t). */
RULES_HOT size_t rule_next_power_of_two(size_t x)
{
    size_t p = 1;
    while (p < x && p != 0)
        p <<= 1;
    return p;
}

/* The bytes a live block claims: its usable size (writable by contract) or
 * at least what was requested, never nothing, so malloc(0)s stay distinct. */
RULES_HOT size_t rule_extent(size_t requested, size_t usable)
{
    size_t extent = usable > requested ? usable : requested;
    return extent ? extent : 1;
}

/* What happens to an operation before its call (SEMANTICS.md). */
enum plan {
    PLAN_CALL,           /* the call is made */
    PLAN_SKIP_MISSING,   /* the allocator lacks the call: skipped whole, implicit free too */
    PLAN_NOT_OVERRIDDEN, /* lacks a call glibc would serve from its own heap: a breach, skipped */
    PLAN_SKIP_EMPTY,     /* free_sized, check, usable_size, expand, realloc_aligned: empty slot */
    PLAN_SKIP_OVER_CAP   /* a possible request over the live-bytes cap (after any implicit free) */
};

struct op_plan {
    enum plan plan;
    bool implicit_free; /* an allocating call's slot holds a block: freed first, with free */
    bool impossible;    /* the request must fail (always made) */
    size_t bytes;       /* the request's byte count, saturated */
};

/* The call an operation makes, by its C name. */
static inline const char *rule_call_symbol(enum op_kind kind)
{
    return kind == OP_USABLE_SIZE ? "malloc_usable_size" : op_kind_name(kind);
}

/*
 * A call the library does not define and glibc would then serve from its own
 * heap: a program that preloads the library gets glibc's block, which the
 * library's free, realloc and malloc_usable_size are later given (glibc's
 * manual, "Replacing malloc", names the calls a replacement must define).
 * Not reallocarray (glibc's calls the interposed realloc), nor the sized
 * frees (glibc has none).
 */
static inline bool rule_missing_call_breaks_override(enum op_kind kind)
{
    switch (kind) {
    case OP_CALLOC:
    case OP_REALLOC:
    case OP_ALIGNED_ALLOC:
    case OP_POSIX_MEMALIGN:
    case OP_MEMALIGN:
    case OP_USABLE_SIZE: return true;
    default: return false;
    }
}

/* `slot_bytes`: what the slot's block holds (0 when empty), given back by
 * the implicit free or the realloc. `slot_live`, for an operation on the
 * thread's heap (op_is_heap_wide): the thread has a heap. */
RULES_HOT struct op_plan rule_plan(const struct op *op, bool has_call, bool slot_live,
                                   size_t slot_bytes, size_t live_bytes, size_t cap)
{
    struct op_plan p = {PLAN_CALL, false, false, 0};
    enum op_kind kind = (enum op_kind)op->kind;
    if (!has_call) {
        p.plan = rule_missing_call_breaks_override(kind) ? PLAN_NOT_OVERRIDDEN : PLAN_SKIP_MISSING;
        return p;
    }
    if ((kind == OP_FREE_SIZED || kind == OP_CHECK || kind == OP_USABLE_SIZE ||
         kind == OP_PREDICT || op_resizes_own(kind) || op_is_heap_wide(kind)) &&
        !slot_live) {
        p.plan = PLAN_SKIP_EMPTY;
        return p;
    }
    if (!op_allocates(kind) && !op_resizes(kind)) return p;
    p.implicit_free = op_allocates(kind) && slot_live;
    p.impossible = rule_request_is_impossible(rule_request_count(op), op->size, &p.bytes);
    size_t released = slot_live ? slot_bytes : 0;
    if (!p.impossible && (live_bytes - released + p.bytes > cap || p.bytes > cap))
        p.plan = PLAN_SKIP_OVER_CAP;
    return p;
}

/* ======== failure messages ======== */

/*
 * Every way a call can break a rule: X(FAILURE, excuse that may cover it,
 * whether the slot's block is harmed, note). The invariant is the verdict's
 * (some failures count under more than one); expected and actual are
 * written by rule_describe(). A harmed block is set aside when a run goes on
 * past a violation: never used, checked or freed again.
 */
/* clang-format off */
#define GAUNTLET_FAILURES(X)                                                                       \
    X(F_NONE, EXCUSE_NONE, 0, "")                                                                  \
    X(F_MISALIGNED, EXCUSE_ALIGNMENT, 1, "")                                                       \
    X(F_USABLE_SHORT, EXCUSE_NONE, 1, "malloc_usable_size right after the call")                   \
    X(F_USABLE_CHANGED, EXCUSE_NONE, 1, "usable size must not change while the block lives")       \
    X(F_NOT_ZEROED, EXCUSE_ZEROING, 1, "every byte a zeroing call must zero is checked")            \
    X(F_OVERLAP, EXCUSE_NONE, 1, "live blocks, with their usable sizes")                           \
    X(F_OVERLAP_RESTORED, EXCUSE_NONE, 1, "after a failed realloc the old block must still be owned") \
    X(F_PATTERN, EXCUSE_NONE, 1, "")                                                               \
    X(F_FREE_ERRNO, EXCUSE_FREE_ERRNO, 0, "free must leave errno unchanged")                       \
    X(F_ERRNO_NOT_ENOMEM, EXCUSE_FAILURE_ERRNO, 0, "a failed allocation must set errno to ENOMEM") \
    X(F_WROTE_P, EXCUSE_NONE, 0, "posix_memalign must not write *p when it fails")                 \
    X(F_NOT_EINVAL, EXCUSE_NONE, 0, "an invalid alignment")                                        \
    X(F_STATUS_NOT_ENOMEM, EXCUSE_NONE, 0, "")                                                     \
    X(F_SPURIOUS_ENOMEM, EXCUSE_NONE, 0, "a possible request within the live-bytes cap")           \
    X(F_SPURIOUS_NULL, EXCUSE_NONE, 0, "a possible request within the live-bytes cap")             \
    X(F_NULL_SUCCESS, EXCUSE_NONE, 0, "only a zero-byte posix_memalign may succeed with NULL")    \
    X(F_ZERO_NULL, EXCUSE_NONE, 0,                                                                 \
      "this allocator's table says a zero-byte request returns a unique pointer")                  \
    X(F_IMPOSSIBLE_BLOCK, EXCUSE_IMPOSSIBLE_REQUEST, 1,                                            \
      "a request above PTRDIFF_MAX or whose n*m overflows")                                        \
    X(F_BAD_ALIGN_BLOCK, EXCUSE_ALIGNED_ARGS, 1, "an invalid alignment must be refused")           \
    X(F_REALLOC_ZERO_NULL, EXCUSE_NONE, 0,                                                         \
      "this allocator's table says realloc(p, 0) returns a block")                                 \
    X(F_REALLOC_NULL_ZERO_NULL, EXCUSE_NONE, 0, "realloc(NULL, 0) must behave as malloc(0)")       \
    X(F_REALLOC_ZERO_BLOCK, EXCUSE_NONE, 1, "this allocator's table says realloc(p, 0) frees")     \
    X(F_EXPAND_MOVED, EXCUSE_NONE, 1, "a resize in place keeps the block where it is, or fails")   \
    X(F_HANG, EXCUSE_NONE, 0, "the watchdog bound is --timeout SECONDS")                          \
    X(F_CHOICE_CHANGED, EXCUSE_NONE, 0,                                                            \
      "a choice the standards leave to the allocator holds for the whole run")                     \
    X(F_NOT_OVERRIDDEN, EXCUSE_NONE, 0,                                                            \
      "a library that replaces malloc must define every call glibc would serve from its own heap") \
    X(F_PREDICTED_OTHER, EXCUSE_NONE, 0,                                                           \
      "the real size the allocator predicts for a request is the usable size of the block it made") \
    X(F_HEAP_MISSED, EXCUSE_NONE, 0, "a heap's visit lists each live block made in it, once")      \
    X(F_HEAP_STRANGER, EXCUSE_NONE, 0, "a heap's visit lists its live blocks and nothing else")    \
    X(F_HEAP_AREA, EXCUSE_NONE, 0,                                                                 \
      "an area holds its used blocks: used x block size <= committed <= reserved, as many "       \
      "blocks visited as used, each of at least the size asked")                                \
    X(F_NOT_REUSED, EXCUSE_NONE, 0,                                                                \
      "what a round frees serves the next round, once the allocator's caches have settled")
/* clang-format on */

enum failure {
#define RULES_ENUM(f, excuse, harms, note) f,
    GAUNTLET_FAILURES(RULES_ENUM)
#undef RULES_ENUM
};

static inline enum excuse rule_failure_excuse(enum failure f)
{
    switch (f) {
#define RULES_EXCUSE(f, excuse, harms, note)                                                       \
    case f: return excuse;
        GAUNTLET_FAILURES(RULES_EXCUSE)
#undef RULES_EXCUSE
    }
    return EXCUSE_NONE;
}

static inline const char *rule_failure_note(enum failure f)
{
    switch (f) {
#define RULES_NOTE(f, excuse, harms, note)                                                         \
    case f: return note;
        GAUNTLET_FAILURES(RULES_NOTE)
#undef RULES_NOTE
    }
    return "";
}

/* Whether the breach leaves the slot's block unfit for use (set aside). */
static inline bool rule_failure_harms_block(enum failure f)
{
    switch (f) {
#define RULES_HARMS(f, excuse, harms, note)                                                        \
    case f: return harms;
        GAUNTLET_FAILURES(RULES_HARMS)
#undef RULES_HARMS
    }
    return false;
}

/*
 * Choices held for a whole run. Where an allocator's table allows either
 * behaviour (BEHAVES_EITHER), the first call that shows one fixes it for the
 * rest of the run: an allocator may choose, but not call by call (a block
 * for malloc(0) and NULL for realloc(NULL, 0) is a bug, whichever is right).
 * X(HELD, what "yes" means).
 */
#define GAUNTLET_HELD_CHOICES(X)                                                                   \
    X(HELD_ZERO_NULL, "a zero-byte request returns NULL")                                          \
    X(HELD_REALLOC_ZERO_FREES, "realloc(p, 0) frees p and returns NULL")

enum held_choice {
#define RULES_ENUM(held, what) held,
    GAUNTLET_HELD_CHOICES(RULES_ENUM)
#undef RULES_ENUM
        HELD_CHOICE_COUNT
};

static inline const char *held_choice_what(size_t choice)
{
    switch (choice) {
#define RULES_WHAT(held, what)                                                                     \
    case held: return what;
        GAUNTLET_HELD_CHOICES(RULES_WHAT)
#undef RULES_WHAT
    }
    return "?";
}

/* What a run has seen of each held choice. */
struct held_choices {
    uint8_t shown[HELD_CHOICE_COUNT];    /* 0: not yet; 1: no; 2: yes */
    size_t shown_at[HELD_CHOICE_COUNT];  /* the operation that showed it */
    uint8_t shown_by[HELD_CHOICE_COUNT]; /* its enum op_kind */
};

/* A broken rule, with the values its message names (which ones: see
 * rule_describe). */
struct breach {
    enum failure failure; /* F_NONE: nothing broken */
    enum invariant invariant;
    const void *p;       /* the block returned or involved */
    size_t want, got;    /* alignments, sizes, errno values, statuses, bytes */
    size_t offset;       /* a byte's offset in the block */
    uint64_t generation; /* the pattern's */
    size_t extent;       /* overlap: the new block's extent */
    int other_slot;      /* overlap: the live block's slot */
    const void *other;   /* overlap: its start */
    size_t other_extent;
};

RULES_HOT struct breach rule_no_breach(const void *p)
{
    struct breach b = {.failure = F_NONE, .invariant = INV_COUNT, .p = p, .other_slot = -1};
    return b;
}

/* Which count of a heap's area disagrees (F_HEAP_AREA, in breach.offset). */
enum heap_area_check {
    AREA_COMMITTED_OVER_RESERVED = 1, /* want: reserved, got: committed */
    AREA_USED_OVER_COMMITTED,         /* want: committed, got: used x block size */
    AREA_VISITS_NOT_USED,             /* want: used, got: blocks visited */
    AREA_BLOCK_SHORT,                 /* want: the block's request, got: the block size listed */
};

static inline void rule_describe_heap_area(const struct breach *b, char *expected,
                                           size_t expected_len, char *actual, size_t actual_len)
{
    switch ((enum heap_area_check)b->offset) {
    case AREA_COMMITTED_OVER_RESERVED:
        snprintf(expected, expected_len, "an area commits at most the %zu bytes it reserves",
                 b->want);
        snprintf(actual, actual_len, "committed %zu bytes", b->got);
        break;
    case AREA_USED_OVER_COMMITTED:
        snprintf(expected, expected_len, "an area's used blocks fit the %zu bytes it commits",
                 b->want);
        snprintf(actual, actual_len, "used blocks take %zu bytes", b->got);
        break;
    case AREA_VISITS_NOT_USED:
        snprintf(expected, expected_len, "as many blocks visited as the area's %zu used", b->want);
        snprintf(actual, actual_len, "%zu visited", b->got);
        break;
    case AREA_BLOCK_SHORT:
        snprintf(expected, expected_len, "%p listed with at least the %zu bytes asked", b->p,
                 b->want);
        snprintf(actual, actual_len, "listed with %zu bytes", b->got);
        break;
    default:
        snprintf(expected, expected_len, "an area's counts agree");
        snprintf(actual, actual_len, "they do not (want %zu, got %zu)", b->want, b->got);
        break;
    }
}

/* The report's `expected` and `actual` lines of a breach. */
static inline void rule_describe(const struct breach *b, char *expected, size_t expected_len,
                                 char *actual, size_t actual_len)
{
    const char *p = (const char *)b->p, *other = (const char *)b->other;
#define EXPECT(...) snprintf(expected, expected_len, __VA_ARGS__)
#define ACTUAL(...) snprintf(actual, actual_len, __VA_ARGS__)
    expected[0] = actual[0] = '\0';
    switch (b->failure) {
    case F_NONE: break;
    case F_MISALIGNED: {
        uintptr_t at = (uintptr_t)p + b->offset;
        if (b->offset == 0) {
            EXPECT("aligned to %zu", b->want);
            ACTUAL("%p (aligned to %zu only)", b->p, (size_t)(at & -at));
        } else {
            EXPECT("%p + %zu aligned to %zu", b->p, b->offset, b->want);
            ACTUAL("%p + %zu = %#zx (aligned to %zu only)", b->p, b->offset, (size_t)at,
                   (size_t)(at & -at));
        }
        break;
    }
    case F_USABLE_SHORT:
        EXPECT("at least %zu", b->want);
        ACTUAL("%zu", b->got);
        break;
    case F_USABLE_CHANGED:
        EXPECT("%zu (as right after allocation)", b->want);
        ACTUAL("%zu", b->got);
        break;
    case F_NOT_ZEROED:
        EXPECT("byte %zu of %zu is 0", b->offset, b->want);
        ACTUAL("byte %zu is 0x%02x", b->offset, (unsigned)b->got);
        break;
    case F_OVERLAP:
        EXPECT("[%p, %p) disjoint from live block s%d [%p, %p)", b->p,
               (const void *)(p + b->extent), b->other_slot, b->other,
               (const void *)(other + b->other_extent));
        ACTUAL("they overlap");
        break;
    case F_OVERLAP_RESTORED:
        EXPECT("old block %p still disjoint from others", b->p);
        ACTUAL("it overlaps live block s%d", b->other_slot);
        break;
    case F_PATTERN:
        EXPECT("byte %zu is 0x%02x (the pattern of generation %llu)", b->offset, (unsigned)b->want,
               (unsigned long long)b->generation);
        ACTUAL("0x%02x", (unsigned)b->got);
        break;
    case F_FREE_ERRNO:
        EXPECT("errno unchanged (%d)", ERRNO_SENTINEL);
        ACTUAL("errno changed to %d", (int)b->got);
        break;
    case F_ERRNO_NOT_ENOMEM:
        EXPECT("errno ENOMEM (%d)", ENOMEM);
        ACTUAL("errno %d", (int)b->got);
        break;
    case F_WROTE_P:
        EXPECT("*p unchanged");
        ACTUAL("*p changed to %p (returned %d)", b->p, (int)b->got);
        break;
    case F_NOT_EINVAL:
        EXPECT("EINVAL");
        ACTUAL("returned %d", (int)b->got);
        break;
    case F_STATUS_NOT_ENOMEM:
        EXPECT("ENOMEM");
        ACTUAL("returned %d", (int)b->got);
        break;
    case F_SPURIOUS_ENOMEM:
        EXPECT("a block");
        ACTUAL("ENOMEM");
        break;
    case F_SPURIOUS_NULL:
        EXPECT("a block");
        ACTUAL("NULL (errno %d)", (int)b->got);
        break;
    case F_NULL_SUCCESS:
        EXPECT("a block in *p, or an error number");
        ACTUAL("returned 0 with *p = NULL");
        break;
    case F_ZERO_NULL:
    case F_REALLOC_ZERO_NULL:
    case F_REALLOC_NULL_ZERO_NULL:
        EXPECT("a block");
        ACTUAL("NULL");
        break;
    case F_IMPOSSIBLE_BLOCK:
        EXPECT("NULL with errno ENOMEM");
        ACTUAL("a block at %p", b->p);
        break;
    case F_BAD_ALIGN_BLOCK:
        EXPECT("%s", b->want ? "EINVAL" : "NULL");
        ACTUAL("a block at %p", b->p);
        break;
    case F_REALLOC_ZERO_BLOCK:
        EXPECT("NULL");
        ACTUAL("a block at %p", b->p);
        break;
    case F_EXPAND_MOVED:
        EXPECT("%p (the block, resized in place) or NULL", b->other);
        ACTUAL("%p", b->p);
        break;
    case F_PREDICTED_OTHER:
        EXPECT("%zu (the usable size of %p)", b->want, b->p);
        ACTUAL("predicted %zu", b->got);
        break;
    case F_HEAP_MISSED:
        EXPECT("the visit lists %p once (a live block made in the heap)", b->p);
        ACTUAL("listed %zu times", b->got);
        break;
    case F_HEAP_STRANGER:
        EXPECT("only the heap's live blocks");
        ACTUAL("%p (a block of %zu bytes) is none of them", b->p, b->got);
        break;
    case F_HEAP_AREA: rule_describe_heap_area(b, expected, expected_len, actual, actual_len); break;
    case F_NOT_REUSED:
        EXPECT("the resident memory stops growing by round %zu of %zu (%zu KiB then)",
               b->extent / 2, b->extent, b->want >> 10);
        if (b->extent >= RULE_REUSE_AVERAGE_ROUNDS)
            ACTUAL("it grew by %zu KiB a round on average over the later rounds (%zu KiB or more, "
                   "and over the last quarter too), to %zu KiB after round %zu: freed memory is "
                   "not reused",
                   ((b->got - b->want) / (b->extent - b->extent / 2)) >> 10,
                   RULE_REUSE_ROUND_GROWTH >> 10, b->got >> 10, b->extent);
        else
            ACTUAL("it grew by %zu KiB or more in every later round, to %zu KiB after round %zu: "
                   "freed memory is not reused",
                   RULE_REUSE_ROUND_GROWTH >> 10, b->got >> 10, b->extent);
        break;
    case F_HANG:
        EXPECT("the call returns within %zu s", b->want);
        ACTUAL("no progress for %zu s", b->want);
        break;
    case F_NOT_OVERRIDDEN:
        EXPECT("the library defines %s", rule_call_symbol((enum op_kind)b->got));
        ACTUAL("it does not: a program preloading it calls glibc's, which works on glibc's heap, "
               "not the library's");
        break;
    case F_CHOICE_CHANGED:
        EXPECT("%s, as %s at operation #%zu did (\"%s\": %s)", b->want ? "NULL" : "a block",
               op_kind_name((enum op_kind)b->other_extent), b->offset, held_choice_what(b->got),
               b->want ? "yes" : "no");
        if (b->p)
            ACTUAL("a block at %p", b->p);
        else
            ACTUAL("NULL");
        break;
    }
#undef EXPECT
#undef ACTUAL
}

/* ======== judging a call's result ======== */

/* What an aligned call's alignment argument allows. */
enum align_verdict {
    ALIGN_VALID,
    ALIGN_MUST_FAIL, /* the call must refuse it */
    ALIGN_ROUNDED,   /* the allocator rounds it up to a power of two */
    ALIGN_EITHER     /* refused or rounded: both allowed */
};

RULES_HOT enum align_verdict rule_judge_alignment(const struct op *op,
                                                  const struct alloc_choices *choices)
{
    enum op_kind kind = (enum op_kind)op->kind;
    if (!op_uses_align(kind)) return ALIGN_VALID;
    if (kind == OP_MALLOC_ALIGNED_AT) /* not made otherwise (rule_malloc_aligned_at) */
        return rule_aligned_at_defined(op->align, op->count) ? ALIGN_VALID : ALIGN_MUST_FAIL;
    if (kind == OP_NEW_ALIGNED) /* not made otherwise (rule_cxx_new) */
        return rule_is_power_of_two(op->align) ? ALIGN_VALID : ALIGN_MUST_FAIL;
    if (kind == OP_ZALLOC) /* not made otherwise (rule_zalloc) */
        return rule_zalloc_defined(op->size, op->align) ? ALIGN_VALID : ALIGN_MUST_FAIL;
    if (kind == OP_POSIX_MEMALIGN)
        return rule_is_power_of_two(op->align) && op->align >= sizeof(void *) ? ALIGN_VALID
                                                                              : ALIGN_MUST_FAIL;
    if (rule_is_power_of_two(op->align)) return ALIGN_VALID;
    enum behaviour rounds = kind == OP_ALIGNED_ALLOC ? choices->aligned_alloc_bad_align_rounds
                                                     : choices->memalign_bad_align_rounds;
    return rounds == BEHAVES_YES  ? ALIGN_ROUNDED
           : rounds == BEHAVES_NO ? ALIGN_MUST_FAIL
                                  : ALIGN_EITHER;
}

/* What a call came back with. */
struct call_result {
    void *p;            /* the block returned (posix_memalign: *p when it returned 0) */
    int status;         /* posix_memalign's return value */
    void *untouched;    /* posix_memalign's *p after a failure */
    int saved_errno;    /* errno right after the call (set to 0 before it) */
    size_t bytes;       /* the request's byte count (n*m, saturated) */
    bool impossible;    /* the request must fail */
    bool had_block;     /* realloc: the slot held a block */
    void *old;          /* a resize: the block it was asked to resize */
    size_t old_align;   /* a resize: the alignment that block was requested with */
    bool old_misplaced; /* a resize: that block sits where the plain rules do not place it */
    bool os_refused;    /* the OS refused the allocator memory during the call (fail_maps) */
    size_t zero_from;   /* rezalloc: the first byte it must have zeroed (SIZE_MAX: none) */
};

/* What to do with the result, whether or not a rule was broken. */
enum action {
    ACT_NOTHING, /* no block (a failure as allowed, or a skipped free) */
    ACT_ACCEPT,  /* a new block: check it (from rule_check_alignment on) and record it */
    ACT_ACCEPT_UNCLAIMED /* a block for an impossible request, excused: kept, none of it claimed */,
    ACT_EMPTIED, /* realloc(p, 0) or realloc(NULL, 0) returned NULL: the slot is empty */
    ACT_RESTORE  /* a realloc failed: the old block is still owned (and verified) */
};

struct verdict {
    enum action action;
    struct breach breach;  /* failure F_NONE when every rule held */
    size_t required_align; /* ACT_ACCEPT: the alignment the block must have */
    size_t align_offset;   /* ... at this offset from its start (malloc_aligned_at) */
    size_t align_asked;    /* the alignment it was requested with; 0 for plain calls */
    bool zeroed;           /* calloc, zalloc, rezalloc: the requested bytes from ... */
    size_t zero_from;      /* ... this one on must read 0 */
    bool keeps_placement;  /* ACT_ACCEPT: placed where the plain rules do not place it */
};

/* A block placed where the plain alignment rules do not place blocks (a
 * known alignment deviation put it there, its misalignment excused, or the
 * program asked for an offset) that a resize leaves where it was keeps
 * that placement: where it sits was judged when it was placed (mimalloc's
 * realloc keeps a block in place that its aligned realloc misplaced, or
 * that it aligned at an offset). Moved, it is judged anew. */
static inline bool rule_stays_misplaced(bool old_misplaced, const void *old, const void *p)
{
    return old_misplaced && p != NULL && p == old;
}

RULES_HOT struct verdict rule_verdict(void)
{
    struct verdict v = {.action = ACT_NOTHING, .breach = rule_no_breach(NULL)};
    return v;
}

RULES_HOT struct verdict rule_breach(struct verdict v, enum failure f, enum invariant inv)
{
    v.breach.failure = f;
    v.breach.invariant = inv;
    return v;
}

/* A failure's errno: ENOMEM, or the invariant that required it is broken. */
RULES_HOT struct verdict rule_failure_errno(struct verdict v, int saved_errno, enum invariant inv,
                                            unsigned excused)
{
    if (saved_errno == ENOMEM || (excused & (1u << EXCUSE_FAILURE_ERRNO))) return v;
    v.breach.got = (size_t)saved_errno;
    return rule_breach(v, F_ERRNO_NOT_ENOMEM, inv);
}

/* reallocarray whose count x size overflows may fail with EOVERFLOW
 * rather than ENOMEM: POSIX makes the overflow an error without naming
 * its errno, NetBSD's reallocarray sets EOVERFLOW, gnulib's test of
 * reallocarray accepts either, and mimalloc has set it since 2026. */
static inline bool rule_overflow_errno_allowed(const struct op *op, int saved_errno)
{
    return saved_errno == EOVERFLOW && op->kind == OP_REALLOCARRAY &&
           rule_product_overflows(op->count, op->size);
}

/* posix_memalign reports through its return value and must leave *p alone. */
static inline struct verdict rule_judge_posix_memalign_failure(struct verdict v,
                                                               const struct op *op,
                                                               const struct call_result *r,
                                                               enum align_verdict align)
{
    enum invariant inv = align == ALIGN_MUST_FAIL ? INV_ALIGNED_ARGS
                         : r->impossible          ? INV_IMPOSSIBLE_REQUEST
                         : r->os_refused          ? INV_OUT_OF_MEMORY
                                                  : INV_UNEXPECTED_FAILURE;
    v.breach.got = (size_t)r->status;
    if (r->untouched != UNTOUCHED_POINTER) {
        v.breach.p = r->untouched;
        return rule_breach(v, F_WROTE_P, inv);
    }
    if (align == ALIGN_MUST_FAIL)
        return r->status == EINVAL || (r->impossible && r->status == ENOMEM)
                   ? v
                   : rule_breach(v, F_NOT_EINVAL, inv);
    if (r->status != ENOMEM) return rule_breach(v, F_STATUS_NOT_ENOMEM, inv);
    if (!r->impossible && !r->os_refused && op->align <= FAILURE_FREE_ALIGN_LIMIT)
        return rule_breach(v, F_SPURIOUS_ENOMEM, INV_UNEXPECTED_FAILURE);
    return v;
}

/*
 * malloc, calloc, aligned_alloc, posix_memalign, memalign. `excused`: a bit
 * per enum excuse the allocator's table grants for this call (see
 * rule_judge_excused).
 */
RULES_HOT struct verdict rule_judge_allocation(const struct op *op, const struct call_result *r,
                                               const struct alloc_choices *choices,
                                               unsigned excused)
{
    struct verdict v = rule_verdict();
    enum op_kind kind = (enum op_kind)op->kind;
    enum align_verdict align = rule_judge_alignment(op, choices);
    if (r->p == NULL) {
        if (kind == OP_POSIX_MEMALIGN) {
            if (r->status == 0 && op->size == 0)
                return v; /* POSIX: a zero-byte success may be a null pointer */
            if (r->status == 0 && !r->impossible && align != ALIGN_MUST_FAIL)
                return rule_breach(v, F_NULL_SUCCESS, INV_UNEXPECTED_FAILURE);
            return rule_judge_posix_memalign_failure(v, op, r, align);
        }
        if (align == ALIGN_MUST_FAIL || align == ALIGN_EITHER) return v;
        /* The allocators' own allocations (offset-aligned, C++'s nothrow
         * new) promise no errno. Such a call is not made for an impossible
         * request; memory may have been refused; the largest alignments
         * may not be honoured (mimalloc: an offset beyond half its
         * segment). Else a null pointer is spurious, for new at zero bytes
         * too (it must have a block). */
        bool own_allocation =
            kind == OP_MALLOC_ALIGNED_AT || kind == OP_ZALLOC || op_made_by_new(kind);
        bool large_offset_align =
            op_uses_offset(kind) && op->count != 0 && op->align > FAILURE_FREE_OFFSET_ALIGN_LIMIT;
        if (own_allocation && (r->impossible || r->os_refused ||
                               op->align > FAILURE_FREE_ALIGN_LIMIT || large_offset_align))
            return v;
        if (op_made_by_new(kind)) {
            v.breach.got = (size_t)r->saved_errno;
            return rule_breach(v, F_SPURIOUS_NULL, INV_UNEXPECTED_FAILURE);
        }
        /* aligned_alloc whose size is not a multiple of the alignment: C11
         * made it undefined, C17 allows it; an allocator may refuse. */
        if (kind == OP_ALIGNED_ALLOC && op->align && op->size % op->align != 0 &&
            choices->aligned_alloc_bad_align_rounds == BEHAVES_EITHER)
            return v;
        if (r->impossible)
            return rule_failure_errno(v, r->saved_errno, INV_IMPOSSIBLE_REQUEST, excused);
        /* The OS refused the allocator memory (fail_maps): the call may fail,
         * and must say so; but a zero-byte one may be the allocator's NULL
         * for malloc(0), which sets no errno. */
        if (r->os_refused)
            return r->bytes == 0
                       ? v
                       : rule_failure_errno(v, r->saved_errno, INV_OUT_OF_MEMORY, excused);
        if (op->align > FAILURE_FREE_ALIGN_LIMIT)
            return rule_failure_errno(v, r->saved_errno, INV_UNEXPECTED_FAILURE, excused);
        if (r->bytes == 0)
            return choices->malloc_zero_null == BEHAVES_NO
                       ? rule_breach(v, F_ZERO_NULL, INV_IMPLEMENTATION_CHOICE)
                       : v;
        v.breach.got = (size_t)r->saved_errno;
        return rule_breach(v, F_SPURIOUS_NULL, INV_UNEXPECTED_FAILURE);
    }
    v.breach.p = r->p;
    if (r->impossible) {
        if (!(excused & (1u << EXCUSE_IMPOSSIBLE_REQUEST)))
            return rule_breach(v, F_IMPOSSIBLE_BLOCK, INV_IMPOSSIBLE_REQUEST);
        /* How much of the block is real is unknowable: kept, none of it claimed. */
        v.action = ACT_ACCEPT_UNCLAIMED;
        v.required_align = 1;
        return v;
    }
    if (align == ALIGN_MUST_FAIL && !(excused & (1u << EXCUSE_ALIGNED_ARGS))) {
        v.breach.want = kind == OP_POSIX_MEMALIGN; /* EINVAL rather than NULL */
        return rule_breach(v, F_BAD_ALIGN_BLOCK, INV_ALIGNED_ARGS);
    }
    v.action = ACT_ACCEPT;
    bool aligned_call = op_uses_align(kind);
    v.required_align = aligned_call ? rule_next_power_of_two(op->align)
                                    : rule_plain_alignment(choices->weak_small_alignment, r->bytes);
    v.align_asked = aligned_call ? op->align : 0;
    if (op_uses_offset(kind)) {
        /* Aligned at an offset, the block itself is not: its books and
         * its sized free treat it as a plain one. */
        v.required_align = op->align;
        v.align_offset = op->count;
        v.align_asked = 0;
        v.keeps_placement = op->count != 0;
    }
    v.zeroed = kind == OP_CALLOC || kind == OP_ZALLOC;
    return v;
}

/* realloc and reallocarray. */
RULES_HOT struct verdict rule_judge_reallocation(const struct op *op, const struct call_result *r,
                                                 const struct alloc_choices *choices,
                                                 unsigned excused)
{
    struct verdict v = rule_verdict();
    if (r->p == NULL && r->bytes == 0 && !r->impossible) {
        /* realloc(p, 0) and realloc(NULL, 0): the allocator's table decides. */
        v.action = ACT_EMPTIED; /* freed; if it was not, it is merely leaked */
        enum behaviour allowed =
            r->had_block ? choices->realloc_zero_frees : choices->malloc_zero_null;
        /* An allocator whose zero-byte realloc returns a block needs memory
         * for it: when the OS refused it that memory, the NULL is a failure
         * (the old block intact, ENOMEM), not a choice. */
        if (allowed == BEHAVES_NO && r->os_refused) {
            v.action = r->had_block ? ACT_RESTORE : ACT_NOTHING;
            return rule_failure_errno(v, r->saved_errno, INV_OUT_OF_MEMORY, excused);
        }
        if (allowed == BEHAVES_NO)
            return rule_breach(v, r->had_block ? F_REALLOC_ZERO_NULL : F_REALLOC_NULL_ZERO_NULL,
                               INV_IMPLEMENTATION_CHOICE);
        return v;
    }
    if (r->p == NULL) {
        v.action = r->had_block ? ACT_RESTORE : ACT_NOTHING;
        if (r->impossible && rule_overflow_errno_allowed(op, r->saved_errno)) return v;
        if (r->impossible)
            return rule_failure_errno(v, r->saved_errno, INV_IMPOSSIBLE_REQUEST, excused);
        if (r->os_refused) return rule_failure_errno(v, r->saved_errno, INV_OUT_OF_MEMORY, excused);
        v.breach.got = (size_t)r->saved_errno;
        return rule_breach(v, F_SPURIOUS_NULL, INV_UNEXPECTED_FAILURE);
    }
    v.breach.p = r->p;
    if (r->impossible) {
        if (!(excused & (1u << EXCUSE_IMPOSSIBLE_REQUEST)))
            return rule_breach(v, F_IMPOSSIBLE_BLOCK, INV_IMPOSSIBLE_REQUEST);
        v.action = ACT_ACCEPT_UNCLAIMED;
        v.required_align = 1;
        return v;
    }
    if (r->had_block && r->bytes == 0 && choices->realloc_zero_frees == BEHAVES_YES)
        return rule_breach(v, F_REALLOC_ZERO_BLOCK, INV_IMPLEMENTATION_CHOICE);
    v.action = ACT_ACCEPT;
    v.keeps_placement = rule_stays_misplaced(r->old_misplaced, r->old, r->p);
    v.required_align =
        v.keeps_placement ? 1 : rule_plain_alignment(choices->weak_small_alignment, r->bytes);
    return v;
}

/* expand, realloc_aligned and rezalloc, the allocators' own resizes: not
 * resizing is always allowed (their documents promise nothing of when) and
 * leaves the block as it was, owned and intact; a resized block keeps the
 * bytes a realloc keeps. An expand's block stays where it was, with the
 * alignment it was made with; an aligned realloc's is aligned as asked; a
 * rezalloc's is too, and zero from the byte its call zeroes from. */
RULES_HOT struct verdict rule_judge_own_resize(const struct op *op, const struct call_result *r,
                                               const struct alloc_choices *choices,
                                               unsigned excused)
{
    struct verdict v = rule_verdict();
    (void)choices;
    (void)excused;
    if (r->p == NULL) {
        v.action = ACT_RESTORE;
        return v;
    }
    v.breach.p = r->p;
    if (op->kind == OP_EXPAND && r->p != r->old) {
        v.breach.other = r->old;
        return rule_breach(v, F_EXPAND_MOVED, INV_REALLOC);
    }
    v.action = ACT_ACCEPT;
    bool expand = op->kind == OP_EXPAND;
    v.required_align = expand ? 1 : op->align; /* an expand's block: the alignment it had */
    v.align_asked = expand ? r->old_align : op->align;
    v.keeps_placement = expand && r->old_misplaced;
    v.zeroed = op->kind == OP_REZALLOC && r->zero_from != SIZE_MAX;
    v.zero_from = v.zeroed ? r->zero_from : 0;
    return v;
}

/* free and the sized frees: errno (r->saved_errno, set to ERRNO_SENTINEL
 * before the call) must be as it was. */
RULES_HOT struct verdict rule_judge_free(const struct op *op, const struct call_result *r,
                                         const struct alloc_choices *choices, unsigned excused)
{
    struct verdict v = rule_verdict();
    (void)op;
    (void)choices;
    if (r->saved_errno == ERRNO_SENTINEL || (excused & (1u << EXCUSE_FREE_ERRNO))) return v;
    v.breach.got = (size_t)r->saved_errno;
    return rule_breach(v, F_FREE_ERRNO, INV_FREE_ERRNO);
}

/* The first check a new block goes through: its alignment (of the address
 * `offset` bytes into it; 0 but for malloc_aligned_at). The others
 * follow in this order, each needing memory or the allocator: usable size
 * (rule_check_usable), calloc's zeroes, overlap with the live blocks, the
 * bytes a realloc kept; then the block gets its pattern. */
RULES_HOT struct breach rule_check_alignment(const void *p, size_t required, size_t offset)
{
    struct breach b = rule_no_breach(p);
    b.want = required;
    b.offset = offset;
    if (required > 1 && (((uintptr_t)p + offset) & (required - 1)) != 0) {
        b.failure = F_MISALIGNED;
        b.invariant = INV_ALIGNMENT;
    }
    return b;
}

/* A thread that does not finish exiting: its last operation returned, and
 * the allocator's thread-exit path (its destructors) never does. */
#define RULE_THREAD_EXIT_HANG_NOTE                                                                 \
    "the thread's exit (the allocator's thread-exit path, after its last operation) made no "      \
    "progress"

/* A call the library lacks, which the override rule says it must define. */
static inline struct breach rule_not_overridden(enum op_kind kind)
{
    struct breach b = rule_no_breach(NULL);
    b.failure = F_NOT_OVERRIDDEN;
    b.invariant = INV_OVERRIDE;
    b.got = kind;
    return b;
}

/* The resident bytes a /proc/self/statm text gives (its second field, in
 * pages); 0 when it does not parse. */
static inline size_t rule_resident_from_statm(const char *statm, size_t page_size)
{
    unsigned long long size, pages;
    if (sscanf(statm, "%llu %llu", &size, &pages) != 2) return 0;
    return (size_t)pages * page_size;
}

/* The process's resident bytes now, read with read(2) (stdio would call the
 * allocator under test); 0 when /proc/self/statm cannot be read. */
static inline size_t rule_resident_bytes(void)
{
    char text[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = '\0';
    return rule_resident_from_statm(text, (size_t)sysconf(_SC_PAGESIZE));
}

/* The process's resident bytes after each of `rounds` rounds of one
 * program, nothing live after any (GAUNTLET_MAX_ROUNDS at most). An
 * allocator that reuses what is freed needs no more memory for a round than
 * for the rounds before once its caches, thread arenas and each size class's
 * pages have settled; one that loses freed memory (a block never back on a
 * free list, a page or span never back in its pool) needs more every round,
 * by what it lost. The first half of the rounds is for settling; a breach is
 * growth of at least RULE_REUSE_ROUND_GROWTH in every round of the second
 * (want: the bytes before it, got: after the last round, extent: the rounds).
 * Over RULE_REUSE_AVERAGE_ROUNDS rounds or more (GAUNTLET_MAX_ROUNDS is what
 * growth through a shorter judged half is made into: rule_reuse_rounds_
 * planned) a leak's growth comes in steps (an allocator maps memory in
 * chunks), with rounds between them that grow less: there a breach is that
 * much growth a round on average, over the second half and over its last
 * quarter alike, which a cache that grows for dozens of rounds and then
 * stops does not reach. */
static inline bool rule_reuse_grew_on_average(const size_t *resident, unsigned from, unsigned to)
{
    return resident[to - 1] >= resident[from - 1] + (to - from) * RULE_REUSE_ROUND_GROWTH;
}

static inline struct breach rule_reuse(const size_t *resident, unsigned rounds)
{
    struct breach b = rule_no_breach(NULL);
    if (rounds < RULE_REUSE_ROUNDS_MIN) return b;
    unsigned settled = rounds / 2;
    if (rounds >= RULE_REUSE_AVERAGE_ROUNDS) {
        if (!rule_reuse_grew_on_average(resident, settled, rounds) ||
            !rule_reuse_grew_on_average(resident, rounds - rounds / 4, rounds))
            return b;
    } else {
        for (unsigned r = settled; r < rounds; r++)
            if (resident[r] < resident[r - 1] + RULE_REUSE_ROUND_GROWTH) return b;
    }
    b.failure = F_NOT_REUSED;
    b.invariant = INV_REUSE;
    b.want = resident[settled - 1];
    b.got = resident[rounds - 1];
    b.extent = rounds;
    return b;
}

/* The rounds to make in all, asked after each: `made` of the `planned`
 * made so far, resident[] after each. As planned, but when the last of
 * them is made and the judged half grew in every round, GAUNTLET_MAX_ROUNDS:
 * the run is made longer, and judged as rule_reuse judges the longest runs,
 * before its growth is called a leak. Some allocators' caches go on growing
 * for dozens of rounds and then stop (jemalloc's, on a program of many
 * zero-byte and page-sized blocks), which the half of 32 cannot tell from a
 * leak; a leak goes on growing over the longer half too. The rule then
 * judges the longer run, so `run --rounds 256` and its reproducer give the
 * verdict the made-longer run gave. */
static inline unsigned rule_reuse_rounds_planned(const size_t *resident, unsigned made,
                                                 unsigned planned)
{
    if (made != planned || planned >= GAUNTLET_MAX_ROUNDS) return planned;
    return rule_reuse(resident, planned).failure == F_NOT_REUSED ? GAUNTLET_MAX_ROUNDS : planned;
}

/* An allocator call that made no progress for `seconds`. */
static inline struct breach rule_hang(size_t seconds)
{
    struct breach b = rule_no_breach(NULL);
    b.failure = F_HANG;
    b.invariant = INV_HANG;
    b.want = seconds;
    return b;
}

RULES_HOT struct breach rule_check_usable(const void *p, size_t usable, size_t requested)
{
    struct breach b = rule_no_breach(p);
    b.want = requested;
    b.got = usable;
    if (usable < requested) {
        b.failure = F_USABLE_SHORT;
        b.invariant = INV_USABLE_SIZE;
    }
    return b;
}

/* The entry of the allocator's table that excuses this breach of `op`, or
 * -1 (always -1 with `strict`). */
RULES_HOT int rule_excuse_for(const struct breach *b, const struct known_deviation *table,
                              const struct op *op, bool strict)
{
    enum excuse wanted = rule_failure_excuse(b->failure);
    if (strict || wanted == EXCUSE_NONE) return -1;
    return rule_find_excuse(table, wanted, op);
}

typedef struct verdict (*rule_judge)(const struct op *op, const struct call_result *r,
                                     const struct alloc_choices *choices, unsigned excused);

/* The judge of a resizing operation's call (op_resizes). */
static inline rule_judge rule_resize_judge(enum op_kind kind)
{
    switch (kind) {
    case OP_EXPAND:
    case OP_REALLOC_ALIGNED:
    case OP_REZALLOC: return rule_judge_own_resize;
    default: return rule_judge_reallocation;
    }
}

/*
 * Judges a call with the allocator's known deviations: a breach that an
 * entry of `table` excuses is judged again with that excuse granted, until
 * what is left is excused by nothing. *entries_used has a bit per entry
 * that excused something: the caller counts each and notes it
 * (rule_first_note).
 */
RULES_HOT struct verdict rule_judge_excused(rule_judge judge, const struct op *op,
                                            const struct call_result *r,
                                            const struct alloc_choices *choices,
                                            const struct known_deviation *table, bool strict,
                                            uint32_t *entries_used)
{
    unsigned excused = 0;
    *entries_used = 0;
    for (;;) {
        struct verdict v = judge(op, r, choices, excused);
        int entry = rule_excuse_for(&v.breach, table, op, strict);
        unsigned bit = 1u << rule_failure_excuse(v.breach.failure);
        if (entry < 0 || (excused & bit)) return v;
        excused |= bit;
        *entries_used |= UINT32_C(1) << (entry % 32);
    }
}

/* Which held choice a call's result shows, if any (*yes: how it chose).
 * Only calls whose result the choice alone decides: a zero-byte malloc,
 * calloc or realloc of no block (realloc(NULL, 0) behaves as malloc(0)),
 * and a zero-byte realloc of a block; never a free (an allocating
 * operation's implicit free is judged with that operation in hand). */
RULES_HOT int rule_shown_choice(rule_judge judge, const struct op *op, const struct call_result *r,
                                bool *yes)
{
    enum op_kind kind = (enum op_kind)op->kind;
    if (judge == rule_judge_free || r->bytes != 0 || r->impossible) return -1;
    /* When memory was refused, a NULL may be the failure, not the choice. */
    if (r->os_refused && r->p == NULL) return -1;
    *yes = r->p == NULL;
    if (op_is_realloc(kind)) return r->had_block ? HELD_REALLOC_ZERO_FREES : HELD_ZERO_NULL;
    return kind == OP_MALLOC || kind == OP_CALLOC ? HELD_ZERO_NULL : -1;
}

/* The verdict, unless it holds and the call chose otherwise than an earlier
 * one of the run (operation `index`); the first to show a choice fixes it. */
RULES_HOT struct verdict rule_hold_choice(struct verdict v, rule_judge judge, const struct op *op,
                                          const struct call_result *r, struct held_choices *held,
                                          size_t index)
{
    bool yes;
    int choice = rule_shown_choice(judge, op, r, &yes);
    if (choice < 0 || v.breach.failure != F_NONE) return v;
    uint8_t now = yes ? 2 : 1;
    if (held->shown[choice] == 0) {
        held->shown[choice] = now;
        held->shown_at[choice] = index;
        held->shown_by[choice] = op->kind;
        return v;
    }
    if (held->shown[choice] == now) return v;
    v.breach.p = r->p;
    v.breach.want = held->shown[choice] == 2; /* NULL, as chosen first */
    v.breach.got = (size_t)choice;
    v.breach.offset = held->shown_at[choice];
    v.breach.other_extent = held->shown_by[choice];
    return rule_breach(v, F_CHOICE_CHANGED, INV_IMPLEMENTATION_CHOICE);
}

/* ======== sized frees ======== */

/* How an allocator frees a block given its size: X(SIZED_FREE, its call for
 * blocks of plain calls, its call for blocks of aligned calls, what it does). */
#define GAUNTLET_SIZED_FREES(X)                                                                    \
    X(SIZED_FREE_NONE, NULL, NULL, "none: free_sized operations are skipped")                      \
    X(SIZED_FREE_SDALLOCX, "sdallocx", NULL, "sdallocx(p, size, lg of the requested alignment)")   \
    X(SIZED_FREE_MI_FREE_SIZE, "mi_free_size", NULL, "mi_free_size(p, size)")                      \
    X(SIZED_FREE_TC_FREE_SIZED, "tc_free_sized", "tc_delete_sized_aligned",                        \
      "tc_free_sized(p, size), or tc_delete_sized_aligned(p, size, align) for aligned blocks")     \
    X(SIZED_FREE_C23, "free_sized", "free_aligned_sized",                                          \
      "C23 free_sized(p, size), or free_aligned_sized(p, align, size) for aligned blocks")

enum sized_free {
#define RULES_ENUM(how, plain, aligned, calls) how,
    GAUNTLET_SIZED_FREES(RULES_ENUM)
#undef RULES_ENUM
};

/* The symbols a sized free is bound by (NULL: none of that kind). */
static inline const char *sized_free_plain_symbol(enum sized_free how)
{
    switch (how) {
#define RULES_NAME(how, plain, aligned, calls)                                                     \
    case how: return plain;
        GAUNTLET_SIZED_FREES(RULES_NAME)
#undef RULES_NAME
    }
    return NULL;
}

static inline const char *sized_free_aligned_symbol(enum sized_free how)
{
    switch (how) {
#define RULES_NAME(how, plain, aligned, calls)                                                     \
    case how: return aligned;
        GAUNTLET_SIZED_FREES(RULES_NAME)
#undef RULES_NAME
    }
    return NULL;
}

static inline const char *sized_free_calls(enum sized_free how)
{
    switch (how) {
#define RULES_NAME(how, plain, aligned, calls)                                                     \
    case how: return calls;
        GAUNTLET_SIZED_FREES(RULES_NAME)
#undef RULES_NAME
    }
    return "?";
}

/*
 * Whether an allocator's sized free can take a block made with `align`
 * (0 for plain calls; `resized`: by realloc). A block it cannot take stays
 * live and the operation is counted as declined, never forced:
 *  - jemalloc 5.3.0: aligned_alloc(a, 0) makes an a-byte block, but
 *    nallocx(0, MALLOCX_ALIGN(a)) is 8, so sdallocx(p, 0, ALIGN(a)) files it
 *    in the wrong bin and the heap crashes later (a jemalloc defect, README);
 *  - gperftools 2.10: tc_free_sized derives the size class from the size
 *    alone, so an aligned block needs the aligned variant and a bad alignment
 *    has none; and realloc shrinks blocks in place, so the new size names the
 *    wrong class (found by gauntlet, README);
 *  - C23: free_aligned_sized for blocks of aligned calls, when defined.
 */
static inline bool rule_sized_free_takes(enum sized_free how, size_t size, size_t align,
                                         bool resized, bool has_aligned_variant)
{
    switch (how) {
    case SIZED_FREE_SDALLOCX: return !(size == 0 && align > 1);
    case SIZED_FREE_MI_FREE_SIZE: return true;
    case SIZED_FREE_TC_FREE_SIZED:
        if (resized) return false;
        return align <= 1 || (rule_is_power_of_two(align) && has_aligned_variant);
    case SIZED_FREE_C23: return align == 0 || has_aligned_variant;
    case SIZED_FREE_NONE: return false;
    }
    return false;
}

/* lg2 of a power of two: jemalloc's MALLOCX_LG_ALIGN flag (0 for plain calls). */
static inline int rule_lg_align(size_t align)
{
    int lg = 0;
    while (align > 1) {
        align >>= 1;
        lg++;
    }
    return lg;
}

/* A sized free's calls, bound from the symbols above. */
struct sized_free_calls {
    void (*plain)(void *p, size_t size);
    /* tc_delete_sized_aligned(p, size, align); free_aligned_sized(p, align, size) */
    void (*aligned)(void *p, size_t a, size_t b);
    void (*sdallocx)(void *p, size_t size, int flags);
};

/* Frees p with the sized free `how`, when it can take the block; false
 * (nothing freed) when it cannot. */
static inline bool rule_sized_free(enum sized_free how, const struct sized_free_calls *calls,
                                   void *p, size_t size, size_t align, bool resized)
{
    if (!rule_sized_free_takes(how, size, align, resized, calls->aligned != NULL)) return false;
    switch (how) {
    case SIZED_FREE_SDALLOCX: calls->sdallocx(p, size, rule_lg_align(align)); break;
    case SIZED_FREE_TC_FREE_SIZED:
        if (align <= 1)
            calls->plain(p, size);
        else
            calls->aligned(p, size, align);
        break;
    case SIZED_FREE_C23:
        if (align == 0)
            calls->plain(p, size);
        else
            calls->aligned(p, align, size);
        break;
    case SIZED_FREE_MI_FREE_SIZE: calls->plain(p, size); break;
    case SIZED_FREE_NONE: return false;
    }
    return true;
}

/* ======== the allocators' own calls ======== */

/*
 * Beside the standard calls an allocator has calls of its own, which reach
 * paths the standard ones reach by luck if at all. Each operation that
 * makes one has a table: X(ENTRY, the symbol that tells it and is called, a
 * second call made first or NULL, what the operation does), its first
 * entry none. A library's entry is the first of the table it defines
 * itself (rule_bind_own); an operation whose table has none for it is
 * skipped.
 */
#define GAUNTLET_COLLECTS(X)                                                                       \
    X(COLLECT_NONE, NULL, NULL, "none: collect operations are skipped")                            \
    X(COLLECT_MI_COLLECT, "mi_collect", NULL,                                                      \
      "mi_collect(true): mimalloc frees its thread's delayed and cached blocks, reclaims "         \
      "abandoned segments and purges")                                                             \
    X(COLLECT_MALLCTL, "mallctl", NULL,                                                            \
      "mallctl(\"thread.tcache.flush\"), then mallctl(\"arena.4096.purge\"): jemalloc empties "    \
      "the thread's cache and purges every arena")                                                 \
    X(COLLECT_MALLOC_EXTENSION, "MallocExtension_ReleaseFreeMemory",                               \
      "MallocExtension_MarkThreadIdle",                                                            \
      "MallocExtension_MarkThreadIdle(), then MallocExtension_ReleaseFreeMemory(): gperftools "    \
      "releases the thread's cache and returns free pages to the OS")                              \
    X(COLLECT_MALLOC_TRIM, "malloc_trim", NULL,                                                    \
      "malloc_trim(0): glibc returns free memory at the top of each arena and in it to the OS")

/* Neither expand is defined for a size of 0 or above PTRDIFF_MAX (jemalloc:
 * undefined behaviour): such an expand is not made, and does not resize. */
#define GAUNTLET_EXPANDS(X)                                                                        \
    X(EXPAND_NONE, NULL, NULL, "none: expand operations are skipped")                              \
    X(EXPAND_MI_EXPAND, "mi_expand", NULL,                                                         \
      "mi_expand(p, size): p when the block holds size bytes where it is, else NULL")              \
    X(EXPAND_XALLOCX, "xallocx", NULL,                                                             \
      "xallocx(p, size, 0, the block's alignment flag): resized where it is when the real size "   \
      "it returns is at least size and, asked to shrink, below the usable size it had")

/* Neither aligned realloc is defined for a size of 0 or above PTRDIFF_MAX,
 * nor (jemalloc) for an alignment that is not a power of two: such a call
 * is not made, and fails. */
#define GAUNTLET_ALIGNED_REALLOCS(X)                                                               \
    X(REALLOC_ALIGNED_NONE, NULL, NULL, "none: realloc_aligned operations are skipped")            \
    X(REALLOC_ALIGNED_MI, "mi_realloc_aligned", NULL, "mi_realloc_aligned(p, size, alignment)")    \
    X(REALLOC_ALIGNED_RALLOCX, "rallocx", NULL, "rallocx(p, size, MALLOCX_LG_ALIGN(lg alignment))")

/* Not defined for an alignment that is not a power of two, a size above
 * PTRDIFF_MAX, or an offset that is not a multiple of the pointer size
 * (the block's address is then not word-aligned: mimalloc's debug build
 * refuses to free it, and its maintainers call such pointers unsupported,
 * mimalloc #417): such a call is not made, and fails. */
#define GAUNTLET_ALIGNED_ATS(X)                                                                    \
    X(ALIGNED_AT_NONE, NULL, NULL, "none: malloc_aligned_at operations are skipped")               \
    X(ALIGNED_AT_MI, "mi_malloc_aligned_at", NULL,                                                 \
      "mi_malloc_aligned_at(size, alignment, offset): p + offset is aligned")

/* The thread's own heap: a heap is made, used, deleted and destroyed by the
 * thread that made it; its blocks may be freed by any thread. */
#define GAUNTLET_HEAP_MALLOCS(X)                                                                   \
    X(HEAP_MALLOC_NONE, NULL, NULL, "none: heap operations are skipped")                           \
    X(HEAP_MALLOC_MI, "mi_heap_malloc", "mi_heap_new",                                             \
      "mi_heap_new() when the thread has no heap of its own, then mi_heap_malloc(heap, size)")
#define GAUNTLET_HEAP_DELETES(X)                                                                   \
    X(HEAP_DELETE_NONE, NULL, NULL, "none: heap_delete operations are skipped")                    \
    X(HEAP_DELETE_MI, "mi_heap_delete", NULL,                                                      \
      "mi_heap_delete(heap): its blocks move to the thread's default heap")
#define GAUNTLET_HEAP_DESTROYS(X)                                                                  \
    X(HEAP_DESTROY_NONE, NULL, NULL, "none: heap_destroy operations are skipped")                  \
    X(HEAP_DESTROY_MI, "mi_heap_destroy", NULL,                                                    \
      "mi_heap_destroy(heap): frees every block still in it")
#define GAUNTLET_HEAP_VISITS(X)                                                                    \
    X(HEAP_VISIT_NONE, NULL, NULL, "none: heap_visit operations are skipped")                      \
    X(HEAP_VISIT_MI, "mi_heap_visit_blocks", "mi_heap_collect",                                    \
      "mi_heap_collect(heap, false) (takes in the frees other threads made), then "                \
      "mi_heap_visit_blocks(heap, true, visitor, seen)")

/* A request's real size, as the allocator computes it without allocating
 * (nallocx: jemalloc and gperftools document it as the real size of the
 * block the same request makes). mimalloc's mi_good_size is not here: its
 * document promises equality only "generally", and its huge blocks differ. */
#define GAUNTLET_PREDICTS(X)                                                                       \
    X(PREDICT_NONE, NULL, NULL, "none: predict operations are skipped")                            \
    X(PREDICT_NALLOCX, "nallocx", NULL,                                                            \
      "nallocx(size, the block's alignment flag): the real size the request makes")

/* Not defined for a size of 0 or above PTRDIFF_MAX, or an alignment that
 * is not a power of two (rule_zalloc_defined): such a call is not made,
 * and fails. */
#define GAUNTLET_ZALLOCS(X)                                                                        \
    X(ZALLOC_NONE, NULL, NULL, "none: zalloc operations are skipped")                              \
    X(ZALLOC_MI, "mi_zalloc_aligned", NULL, "mi_zalloc_aligned(size, alignment)")                  \
    X(ZALLOC_MALLOCX, "mallocx", NULL,                                                             \
      "mallocx(size, MALLOCX_ZERO | MALLOCX_LG_ALIGN(lg alignment))")

/* Not defined where realloc_aligned is not. Which bytes each zeroes:
 * rule_rezalloc_zero_from. */
#define GAUNTLET_REZALLOCS(X)                                                                      \
    X(REZALLOC_NONE, NULL, NULL, "none: rezalloc operations are skipped")                          \
    X(REZALLOC_MI, "mi_rezalloc_aligned", NULL,                                                    \
      "mi_rezalloc_aligned(p, size, alignment): the bytes the program never wrote are zero, of a " \
      "block made zeroed")                                                                         \
    X(REZALLOC_RALLOCX, "rallocx", NULL,                                                           \
      "rallocx(p, size, MALLOCX_ZERO | MALLOCX_LG_ALIGN(lg alignment)): the bytes past the "       \
      "block's old real size are zero")

/* Every table above: X(KIND, name of its enum and of its field in struct
 * own_calls, TABLE, whether the operation needs the second call too). */
#define GAUNTLET_OWN_CALL_TABLES(X)                                                                \
    X(OP_COLLECT, collect, GAUNTLET_COLLECTS, 0)                                                   \
    X(OP_EXPAND, expand, GAUNTLET_EXPANDS, 0)                                                      \
    X(OP_REALLOC_ALIGNED, realloc_aligned, GAUNTLET_ALIGNED_REALLOCS, 0)                           \
    X(OP_MALLOC_ALIGNED_AT, aligned_at, GAUNTLET_ALIGNED_ATS, 0)                                   \
    X(OP_HEAP_MALLOC, heap_malloc, GAUNTLET_HEAP_MALLOCS, 1)                                       \
    X(OP_HEAP_DELETE, heap_delete, GAUNTLET_HEAP_DELETES, 0)                                       \
    X(OP_HEAP_DESTROY, heap_destroy, GAUNTLET_HEAP_DESTROYS, 0)                                    \
    X(OP_HEAP_VISIT, heap_visit, GAUNTLET_HEAP_VISITS, 0)                                          \
    X(OP_PREDICT, predict, GAUNTLET_PREDICTS, 0)                                                   \
    X(OP_ZALLOC, zalloc, GAUNTLET_ZALLOCS, 0)                                                      \
    X(OP_REZALLOC, rezalloc, GAUNTLET_REZALLOCS, 0)

#define RULES_ENUM(entry, symbol, first, does)           entry,
#define RULES_TABLE_ENUM(kind, name, TABLE, needs_first) enum name { TABLE(RULES_ENUM) };
GAUNTLET_OWN_CALL_TABLES(RULES_TABLE_ENUM)
#undef RULES_TABLE_ENUM
#undef RULES_ENUM

/* An own call, bound: its table entry (0: none), the call, and the second
 * call when the entry has one and the library defines it. */
struct own_call {
    unsigned how;
    void *call;
    void *first;
};

/* The symbol of entry `how` of the table of operation `kind` (its second
 * call's with `first`); NULL for none and past the table's end. */
static inline const char *own_call_symbol(enum op_kind kind, unsigned how, bool first)
{
#define RULES_SYMBOL(entry, symbol, first_call, does)                                              \
    case entry:                                                                                    \
        return first ? first_call : symbol;
#define RULES_TABLE_SYMBOL(kind_, name, TABLE, needs_first)                                        \
    case kind_:                                                                                    \
        switch ((enum name)how) {                                                                  \
            TABLE(RULES_SYMBOL)                                                                    \
        default: return NULL;                                                                      \
        }
    switch (kind) {
        GAUNTLET_OWN_CALL_TABLES(RULES_TABLE_SYMBOL)
    default: return NULL;
    }
#undef RULES_TABLE_SYMBOL
#undef RULES_SYMBOL
}

/* The first entry of the table of `kind` the library defines; `own` gives
 * the library's own symbol of a name, or NULL (the harness and the
 * reproducer look symbols up each in their way). */
static inline struct own_call rule_bind_own(enum op_kind kind,
                                            void *(*own)(const void *context, const char *name),
                                            const void *context)
{
    struct own_call c = {0, NULL, NULL};
    for (unsigned how = 1; own_call_symbol(kind, how, false) != NULL; how++) {
        c.call = own(context, own_call_symbol(kind, how, false));
        if (c.call == NULL) continue;
        const char *first = own_call_symbol(kind, how, true);
        c.how = how;
        c.first = first ? own(context, first) : NULL;
        break;
    }
    return c;
}

/* MALLCTL_ARENAS_ALL: jemalloc's index for every arena at once. */
#define RULES_JEMALLOC_ARENAS_ALL "4096"

static inline void rule_collect(const struct own_call *c)
{
    switch ((enum collect)c->how) {
    case COLLECT_MI_COLLECT: {
        void (*collect)(bool force);
        *(void **)&collect = c->call;
        collect(true);
        break;
    }
    case COLLECT_MALLCTL: {
        int (*ctl)(const char *name, void *old, size_t *old_len, void *new_value, size_t new_len);
        *(void **)&ctl = c->call;
        ctl("thread.tcache.flush", NULL, NULL, NULL, 0); /* fails, harmlessly, without a tcache */
        ctl("arena." RULES_JEMALLOC_ARENAS_ALL ".purge", NULL, NULL, NULL, 0);
        break;
    }
    case COLLECT_MALLOC_EXTENSION: {
        void (*release)(void), (*idle)(void);
        *(void **)&release = c->call;
        *(void **)&idle = c->first;
        if (idle) idle();
        release();
        break;
    }
    case COLLECT_MALLOC_TRIM: {
        int (*trim)(size_t pad);
        *(void **)&trim = c->call;
        trim(0);
        break;
    }
    case COLLECT_NONE: break;
    }
}

/* Resizes p (made with alignment `align`, 0 for plain calls; `requested`
 * bytes, `usable` by malloc_usable_size or 0) in place to `size` bytes: p
 * when it was, NULL when not. xallocx returns the real size, which is at
 * least `size` also when it could not shrink the block (a smaller size
 * class cannot be had in place): then the block keeps its size, or a sized
 * free would name a class it is not in. */
static inline void *rule_expand(const struct own_call *e, void *p, size_t size, size_t align,
                                size_t requested, size_t usable)
{
    if (size == 0 || size > (size_t)PTRDIFF_MAX) return NULL;
    switch ((enum expand)e->how) {
    case EXPAND_MI_EXPAND: {
        void *(*expand)(void *p, size_t size);
        *(void **)&expand = e->call;
        return expand(p, size);
    }
    case EXPAND_XALLOCX: {
        size_t (*xallocx)(void *p, size_t size, size_t extra, int flags);
        *(void **)&xallocx = e->call;
        size_t real = xallocx(p, size, 0, rule_lg_align(align));
        return real >= size && (size >= requested || real < usable) ? p : NULL;
    }
    case EXPAND_NONE: break;
    }
    return NULL;
}

/* jemalloc's MALLOCX_ZERO flag. */
#define RULES_MALLOCX_ZERO 0x40

/* An aligned resize by `call` (NULL: none), mimalloc's form
 * (p, size, alignment) or, `rallocx`, jemalloc's (p, size, flags with the
 * alignment's), undefined for a size of 0 or above PTRDIFF_MAX and an
 * alignment that is not a power of two: not made, NULL. */
static inline void *rule_resize_aligned_by(void *call, bool rallocx, void *p, size_t size,
                                           size_t align, int flags)
{
    if (call == NULL || size == 0 || size > (size_t)PTRDIFF_MAX || !rule_is_power_of_two(align))
        return NULL;
    if (rallocx) {
        void *(*resize)(void *p, size_t size, int flags);
        *(void **)&resize = call;
        return resize(p, size, flags | rule_lg_align(align));
    }
    void *(*resize)(void *p, size_t size, size_t align);
    *(void **)&resize = call;
    return resize(p, size, align);
}

/* Resizes p to a block of `size` bytes aligned to `align`: the block, or
 * NULL (p then as it was). */
static inline void *rule_realloc_aligned(const struct own_call *c, void *p, size_t size,
                                         size_t align)
{
    return rule_resize_aligned_by(c->call, c->how == REALLOC_ALIGNED_RALLOCX, p, size, align, 0);
}

/* A block of `size` bytes whose address plus `offset` is aligned to
 * `align`, or NULL. */
static inline void *rule_malloc_aligned_at(const struct own_call *c, size_t size, size_t align,
                                           size_t offset)
{
    if (size > (size_t)PTRDIFF_MAX || !rule_aligned_at_defined(align, offset)) return NULL;
    switch ((enum aligned_at)c->how) {
    case ALIGNED_AT_MI: {
        void *(*allocate)(size_t size, size_t align, size_t offset);
        *(void **)&allocate = c->call;
        return allocate(size, align, offset);
    }
    case ALIGNED_AT_NONE: break;
    }
    return NULL;
}

/* A block of `size` bytes aligned to `align`, every byte zero; or NULL. */
static inline void *rule_zalloc(const struct own_call *c, size_t size, size_t align)
{
    if (!rule_zalloc_defined(size, align)) return NULL;
    switch ((enum zalloc)c->how) {
    case ZALLOC_MI: {
        void *(*allocate)(size_t size, size_t align);
        *(void **)&allocate = c->call;
        return allocate(size, align);
    }
    case ZALLOC_MALLOCX: {
        void *(*mallocx)(size_t size, int flags);
        *(void **)&mallocx = c->call;
        return mallocx(size, RULES_MALLOCX_ZERO | rule_lg_align(align));
    }
    case ZALLOC_NONE: break;
    }
    return NULL;
}

/* Resizes p to a block of `size` bytes aligned to `align`, the bytes it
 * adds zero (rule_rezalloc_zero_from): the block, or NULL (p as it was). */
static inline void *rule_rezalloc(const struct own_call *c, void *p, size_t size, size_t align)
{
    return rule_resize_aligned_by(c->call, c->how == REZALLOC_RALLOCX, p, size, align,
                                  RULES_MALLOCX_ZERO);
}

/*
 * What the program knows of the zeros in a block's memory: whether its
 * bytes past `written` are zero by the allocator's contract (a block a
 * zeroing call made, calloc or zalloc, and resized by rezalloc only), and
 * how far into that memory the program has written (its pattern covers the
 * requested bytes; a resize in place leaves what it wrote past a smaller
 * size where it was, a move carries at most the new size's worth).
 */
struct zero_books {
    bool kept;
    size_t written;
};

static inline struct zero_books rule_zero_books(enum op_kind kind, struct zero_books old,
                                                bool same_place, size_t requested)
{
    if (kind == OP_CALLOC || kind == OP_ZALLOC) return (struct zero_books){true, requested};
    if (kind != OP_REZALLOC || !old.kept) return (struct zero_books){false, 0};
    size_t written = same_place && old.written > requested ? old.written : requested;
    return (struct zero_books){true, written};
}

/*
 * The first byte of a block's rezalloc to more bytes that must read zero
 * (SIZE_MAX: none), given the block before it (`requested`, `usable` by
 * malloc_usable_size or 0, its zero books). jemalloc's manual: "the real
 * size prior to reallocation defines the boundary between untouched bytes
 * and those that are initialized to contain zero bytes". mimalloc's:
 * zeroing reallocations are "only valid on memory that was originally
 * allocated with zero initialization", so only a block whose zeros were
 * kept is judged, past what the program wrote (mimalloc #763: a block that
 * moved to a larger class and then grew in place kept the new class's
 * stale bytes).
 */
static inline size_t rule_rezalloc_zero_from(const struct own_call *c, size_t requested,
                                             size_t usable, struct zero_books zero)
{
    switch ((enum rezalloc)c->how) {
    case REZALLOC_MI: return zero.kept ? zero.written : SIZE_MAX;
    case REZALLOC_RALLOCX: return usable > requested ? usable : requested;
    case REZALLOC_NONE: break;
    }
    return SIZE_MAX;
}

/* ======== C++ allocation functions ======== */

/*
 * The C++ allocation functions a library defines itself, by their mangled
 * names: the nothrow forms of new (a failure is a null pointer, not an
 * exception thrown through C) and the deletes that release what they made.
 * X(field, symbol); a library uses them when it defines every one.
 */
#define GAUNTLET_CXX_CALLS(X)                                                                      \
    X(new_plain, "_ZnwmRKSt9nothrow_t")                  /* new(size, nothrow) */                  \
    X(new_aligned, "_ZnwmSt11align_val_tRKSt9nothrow_t") /* new(size, align, nothrow) */           \
    X(delete_plain, "_ZdlPv")                            /* delete(p) */                           \
    X(delete_aligned, "_ZdlPvSt11align_val_t")           /* delete(p, align) */                    \
    X(delete_sized, "_ZdlPvm")                           /* delete(p, size) */                     \
    X(delete_sized_aligned, "_ZdlPvmSt11align_val_t")    /* delete(p, size, align) */

struct cxx_calls {
#define RULES_FIELD(field, symbol) void *field;
    GAUNTLET_CXX_CALLS(RULES_FIELD)
#undef RULES_FIELD
};

static inline struct cxx_calls rule_bind_cxx(void *(*own)(const void *context, const char *name),
                                             const void *context)
{
    struct cxx_calls c = {0};
    bool all = true;
#define RULES_BIND(field, symbol) all &= (c.field = own(context, symbol)) != NULL;
    GAUNTLET_CXX_CALLS(RULES_BIND)
#undef RULES_BIND
    if (!all) c = (struct cxx_calls){0};
    return c;
}

/* new(size, nothrow) for `new`, new(size, align, nothrow) for
 * `new_aligned`; an alignment that is not a power of two is undefined: not
 * made, NULL. std::nothrow is an empty object, passed by reference. */
static inline void *rule_cxx_new(const struct cxx_calls *c, enum op_kind kind, size_t size,
                                 size_t align)
{
    const char nothrow = 0;
    if (kind == OP_NEW) {
        void *(*make)(size_t size, const void *nothrow);
        *(void **)&make = c->new_plain;
        return make ? make(size, &nothrow) : NULL;
    }
    if (!rule_is_power_of_two(align)) return NULL;
    void *(*make)(size_t size, size_t align, const void *nothrow);
    *(void **)&make = c->new_aligned;
    return make ? make(size, align, &nothrow) : NULL;
}

/* The delete that matches the new that made p (`align` 0: the plain one),
 * with its size when `sized`. */
static inline void rule_cxx_delete(const struct cxx_calls *c, void *p, size_t size, size_t align,
                                   bool sized)
{
    if (align == 0 && !sized) {
        void (*release)(void *p);
        *(void **)&release = c->delete_plain;
        release(p);
    } else if (align == 0) {
        void (*release)(void *p, size_t size);
        *(void **)&release = c->delete_sized;
        release(p, size);
    } else if (!sized) {
        void (*release)(void *p, size_t align);
        *(void **)&release = c->delete_aligned;
        release(p, align);
    } else {
        void (*release)(void *p, size_t size, size_t align);
        *(void **)&release = c->delete_sized_aligned;
        release(p, size, align);
    }
}

/* Every call of its own a library defines, bound alike by the harness and
 * the reproducer. */
struct own_calls {
#define RULES_FIELD(kind, name, TABLE, needs_first) struct own_call name;
    GAUNTLET_OWN_CALL_TABLES(RULES_FIELD)
#undef RULES_FIELD
    struct cxx_calls cxx; /* all NULL: new and new_aligned are skipped */
};

static inline struct own_calls
rule_bind_own_calls(void *(*own)(const void *context, const char *name), const void *context)
{
    struct own_calls c;
#define RULES_BIND_TABLE(kind, name, TABLE, needs_first) c.name = rule_bind_own(kind, own, context);
    GAUNTLET_OWN_CALL_TABLES(RULES_BIND_TABLE)
#undef RULES_BIND_TABLE
    c.cxx = rule_bind_cxx(own, context);
    return c;
}

/* Whether the library defines what operation `kind` calls of its own
 * (true for the operations that call none). */
static inline bool rule_own_calls_have(const struct own_calls *c, enum op_kind kind)
{
    switch (kind) {
#define RULES_HAS(kind_, name, TABLE, needs_first)                                                 \
    case kind_: return c->name.call != NULL && (!(needs_first) || c->name.first != NULL);
        GAUNTLET_OWN_CALL_TABLES(RULES_HAS)
#undef RULES_HAS
    case OP_NEW:
    case OP_NEW_ALIGNED: return c->cxx.new_plain != NULL;
    default: return true;
    }
}

/* ======== predicted sizes ======== */

/* Whether a prediction is judged for a block: one a standard call made
 * (malloc, calloc, the aligned calls with a power-of-two alignment) and
 * never resized (a resize may keep a larger class), of at least one byte
 * (nallocx is undefined for 0), placed by the rules. */
static inline bool rule_predict_covers(enum op_kind made_by, size_t requested, size_t align,
                                       bool misplaced)
{
    bool standard = made_by == OP_MALLOC || made_by == OP_CALLOC || made_by == OP_ALIGNED_ALLOC ||
                    made_by == OP_POSIX_MEMALIGN || made_by == OP_MEMALIGN;
    return standard && requested != 0 && requested <= (size_t)PTRDIFF_MAX && !misplaced &&
           (align == 0 || rule_is_power_of_two(align));
}

/* The real size the allocator predicts for `requested` bytes aligned to
 * `align` (0: a plain request); 0, and no call, for a zero-byte request:
 * jemalloc's manual leaves nallocx(0) undefined (5.1.0 crashes on it). */
static inline size_t rule_predict(const struct own_call *c, size_t requested, size_t align)
{
    if (c->how != PREDICT_NALLOCX || requested == 0) return 0;
    size_t (*nallocx)(size_t size, int flags);
    *(void **)&nallocx = c->call;
    return nallocx(requested, align ? rule_lg_align(align) : 0);
}

static inline struct breach rule_check_predicted(const void *p, size_t usable, size_t predicted)
{
    struct breach b = rule_no_breach(p);
    b.want = usable;
    b.got = predicted;
    if (predicted != usable) {
        b.failure = F_PREDICTED_OTHER;
        b.invariant = INV_USABLE_SIZE;
    }
    return b;
}

/* ======== the thread's own heap ======== */

/* A new heap for the calling thread (heap_malloc's first call), or NULL. */
static inline void *rule_heap_new(const struct own_call *c)
{
    if (c->how != HEAP_MALLOC_MI || c->first == NULL) return NULL;
    void *(*make)(void);
    *(void **)&make = c->first;
    return make();
}

static inline void *rule_heap_malloc(const struct own_call *c, void *heap, size_t size)
{
    if (heap == NULL || c->how != HEAP_MALLOC_MI) return NULL;
    void *(*allocate)(void *heap, size_t size);
    *(void **)&allocate = c->call;
    return allocate(heap, size);
}

/* heap_delete and heap_destroy: the heap's end (`c` bound for either). */
static inline void rule_heap_end(const struct own_call *c, void *heap)
{
    if (heap == NULL || c->call == NULL) return;
    void (*end)(void *heap);
    *(void **)&end = c->call;
    end(heap);
}

/* The block the program asked for is the heap's, whichever call made it:
 * heap_malloc's block is in the thread's heap (number `heap_now`); a
 * resized block that stayed where it was is still in the heap it was in
 * (`old`); any other is in a default heap (0). */
static inline uint32_t rule_heap_of_block(enum op_kind kind, uint32_t heap_now, uint32_t old,
                                          bool same_place)
{
    if (kind == OP_HEAP_MALLOC) return heap_now;
    return op_resizes(kind) && same_place ? old : 0;
}

/* An area as the visitor is given it: mimalloc.h's mi_heap_area_t. */
struct heap_area_view {
    void *blocks;
    size_t reserved, committed, used, block_size, full_block_size;
};

#define HEAP_VISIT_MAX (4 * GAUNTLET_MAX_SLOTS)

/* What a heap's visit listed, and the first area whose counts disagree. */
struct heap_listing {
    size_t visited; /* blocks listed (counted past the arrays' end too) */
    const void *block[HEAP_VISIT_MAX];
    size_t block_size[HEAP_VISIT_MAX];
    bool in_area;
    size_t area_used, area_visited; /* the area being listed */
    struct breach area;             /* F_NONE: every area held */
};

/* A breach of a heap's visit (`check` for F_HEAP_AREA, else 0). */
static inline struct breach rule_heap_breach(const void *p, enum failure f, size_t check,
                                             size_t want, size_t got)
{
    struct breach b = rule_no_breach(p);
    b.failure = f;
    b.invariant = INV_HEAP_VISIT;
    b.offset = check;
    b.want = want;
    b.got = got;
    return b;
}

static inline void rule_heap_area_breach(struct heap_listing *v, enum heap_area_check check,
                                         size_t want, size_t got)
{
    if (v->area.failure == F_NONE) v->area = rule_heap_breach(NULL, F_HEAP_AREA, check, want, got);
}

static inline void rule_heap_area_done(struct heap_listing *v)
{
    if (v->in_area && v->area_visited != v->area_used)
        rule_heap_area_breach(v, AREA_VISITS_NOT_USED, v->area_used, v->area_visited);
    v->in_area = false;
}

/* The visitor: called once per area with no block, then per block. */
static inline bool rule_heap_visitor(const void *heap, const struct heap_area_view *area,
                                     void *block, size_t block_size, void *arg)
{
    struct heap_listing *v = arg;
    (void)heap;
    if (block == NULL) {
        rule_heap_area_done(v);
        size_t used_bytes;
        if (__builtin_mul_overflow(area->used, area->block_size, &used_bytes))
            used_bytes = SIZE_MAX;
        if (area->committed > area->reserved)
            rule_heap_area_breach(v, AREA_COMMITTED_OVER_RESERVED, area->reserved, area->committed);
        else if (used_bytes > area->committed)
            rule_heap_area_breach(v, AREA_USED_OVER_COMMITTED, area->committed, used_bytes);
        v->in_area = true;
        v->area_used = area->used;
        v->area_visited = 0;
        return true;
    }
    v->area_visited++;
    if (v->visited < HEAP_VISIT_MAX) {
        v->block[v->visited] = block;
        v->block_size[v->visited] = block_size;
    }
    v->visited++;
    return true;
}

/* Whether the allocator lists a heap's blocks (rule_heap_visit does more
 * than clear the listing). */
static inline bool rule_heap_can_visit(const struct own_call *c)
{
    return c->how == HEAP_VISIT_MI && c->call != NULL;
}

/* Lists the heap's blocks into *v (zeroed first), after taking in the frees
 * other threads made (which the visit would list as in use). */
static inline void rule_heap_visit(const struct own_call *c, void *heap, struct heap_listing *v)
{
    memset(v, 0, sizeof *v);
    v->area = rule_no_breach(NULL);
    if (heap == NULL || !rule_heap_can_visit(c)) return;
    void (*collect)(void *heap, bool force);
    bool (*visit)(
        const void *heap, bool all_blocks,
        bool (*visitor)(const void *, const struct heap_area_view *, void *, size_t, void *),
        void *arg);
    *(void **)&collect = c->first;
    *(void **)&visit = c->call;
    if (collect) collect(heap, false);
    visit(heap, true, rule_heap_visitor, v);
    rule_heap_area_done(v);
}

/* A live block made in the heap, as the program holds it. */
struct heap_member {
    const void *p;
    size_t requested;
    int slot;
};

/* The first breach of a visit against the heap's live blocks (`member`,
 * `n` of them; *slot: the one it concerns, or -1). `strays` (a block was
 * set aside after a violation, and may still be in the heap): a listed
 * block that is no member is not judged. */
static inline struct breach rule_judge_heap_visit(const struct heap_listing *v,
                                                  const struct heap_member *member, size_t n,
                                                  bool strays, int *slot)
{
    *slot = -1;
    if (v->area.failure != F_NONE) return v->area;
    size_t listed = v->visited < HEAP_VISIT_MAX ? v->visited : HEAP_VISIT_MAX;
    for (size_t m = 0; m < n; m++) {
        size_t times = 0;
        for (size_t i = 0; i < listed; i++) {
            if (v->block[i] != member[m].p) continue;
            times++;
            if (v->block_size[i] < member[m].requested) {
                *slot = member[m].slot;
                return rule_heap_breach(member[m].p, F_HEAP_AREA, AREA_BLOCK_SHORT,
                                        member[m].requested, v->block_size[i]);
            }
        }
        if (times != 1) {
            *slot = member[m].slot;
            return rule_heap_breach(member[m].p, F_HEAP_MISSED, 0, 1, times);
        }
    }
    if (strays) return rule_no_breach(NULL);
    for (size_t i = 0; i < listed; i++) {
        bool known = false;
        for (size_t m = 0; m < n && !known; m++)
            known = v->block[i] == member[m].p;
        if (!known) return rule_heap_breach(v->block[i], F_HEAP_STRANGER, 0, 0, v->block_size[i]);
    }
    /* More listed than any program holds. */
    if (v->visited > listed) return rule_heap_breach(NULL, F_HEAP_STRANGER, 0, 0, 0);
    return rule_no_breach(NULL);
}

/* ======== the allocator's settings ======== */

/*
 * A setting the allocator reads from its environment (MALLOC_CONF,
 * MIMALLOC_*, TCMALLOC_*, GLIBC_TUNABLES), given as "NAME=VALUE" (run's
 * --alloc-env): it moves the allocator onto paths its defaults never take
 * (an arena reserved at start, caches off, memory given back at once).
 * Some are read only as the process starts (glibc's tunables; a library
 * the process links, as a reproducer's), so the run and the reproducer
 * alike put them in place by starting the process again with them.
 * GLIBC_TUNABLES holds several tunables: a setting is added to its value.
 */
#define RULE_TUNABLES_NAME "GLIBC_TUNABLES"
/* Set while the process starts again for its settings: a setting still
 * not in place then is an error, not a reason to start once more. */
#define RULE_SETTINGS_MARK    "GAUNTLET_SETTINGS_APPLIED"
#define RULE_SETTING_NAME_MAX 128

/* Whether `value` is one of the ':'-separated parts of `list`, or a run of
 * them. */
static inline bool rule_tunables_hold(const char *list, const char *value)
{
    size_t n = strlen(value);
    for (const char *at = strstr(list, value); at; at = strstr(at + 1, value))
        if ((at == list || at[-1] == ':') && (at[n] == '\0' || at[n] == ':')) return true;
    return false;
}

/* The name of `setting` ("NAME=VALUE") into name[RULE_SETTING_NAME_MAX];
 * its value, or NULL when it has no '=' or too long a name. */
static inline const char *rule_setting_split(const char *setting, char *name)
{
    const char *equals = strchr(setting, '=');
    if (equals == NULL || (size_t)(equals - setting) >= RULE_SETTING_NAME_MAX) return NULL;
    snprintf(name, RULE_SETTING_NAME_MAX, "%.*s", (int)(equals - setting), setting);
    return equals + 1;
}

/* Whether the environment holds `setting` ("NAME=VALUE") already. */
static inline bool rule_setting_in_place(const char *setting)
{
    char name[RULE_SETTING_NAME_MAX];
    const char *value = rule_setting_split(setting, name);
    const char *now = value ? getenv(name) : NULL;
    if (now == NULL) return false;
    if (strcmp(name, RULE_TUNABLES_NAME) == 0) return rule_tunables_hold(now, value);
    return strcmp(now, value) == 0;
}

/* Puts `setting` into the environment (added to GLIBC_TUNABLES' value). */
static inline bool rule_setting_put(const char *setting)
{
    char name[RULE_SETTING_NAME_MAX], joined[4096];
    const char *value = rule_setting_split(setting, name);
    if (value == NULL) return false;
    const char *now = getenv(name);
    if (strcmp(name, RULE_TUNABLES_NAME) == 0 && now && *now) {
        snprintf(joined, sizeof joined, "%s:%s", now, value);
        value = joined;
    }
    return setenv(name, value, 1) == 0;
}

/* Puts the NULL-terminated `settings` in place: returns true at once when
 * the environment holds them all; else sets them and starts the process
 * again with `argv` (as it was started), returning false only when that
 * failed or the settings did not hold after starting again. */
static inline bool rule_settings_apply(const char *const *settings, char **argv)
{
    bool in_place = true;
    for (const char *const *s = settings; s && *s; s++)
        in_place &= rule_setting_in_place(*s);
    if (in_place) {
        unsetenv(RULE_SETTINGS_MARK); /* the processes it starts begin afresh */
        return true;
    }
    if (getenv(RULE_SETTINGS_MARK)) return false;
    for (const char *const *s = settings; s && *s; s++)
        if (!rule_setting_in_place(*s) && !rule_setting_put(*s)) return false;
    setenv(RULE_SETTINGS_MARK, "1", 1);
    execv("/proc/self/exe", argv);
    return false;
}

/* ======== block contents ======== */

/*
 * Byte i of a block holds byte (i % 8), little-endian, of the word
 * pattern_base(seed) + (i / 8) * PATTERN_STEP: every block and generation
 * has its own pattern, a shifted or truncated copy shows. A block's seed is
 * generation * PATTERN_SEED_SLOTS + slot. Blocks above PATTERN_FULL_LIMIT
 * carry it sampled: the head, the tail, and a stripe every
 * pattern_stripe_step(size) bytes between (pattern_next_region).
 */
#define PATTERN_STEP        UINT64_C(0x9E3779B97F4A7C15)
#define PATTERN_SEED_SLOTS  1031
#define PATTERN_FULL_LIMIT  ((size_t)64 << 10)
#define PATTERN_SAMPLE_EDGE ((size_t)4096)
#define PATTERN_STRIPE_STEP ((size_t)64 << 10) /* the least distance between stripes */
#define PATTERN_STRIPES_MAX 16                 /* blocks above 1 MiB: at most this many */
#define PATTERN_STRIPE_SIZE ((size_t)64)

static inline uint64_t pattern_seed(uint64_t generation, unsigned slot)
{
    return generation * PATTERN_SEED_SLOTS + slot;
}

static inline uint64_t pattern_generation(uint64_t seed)
{
    return seed / PATTERN_SEED_SLOTS;
}

static inline uint64_t pattern_base(uint64_t seed)
{
    uint64_t z = seed + UINT64_C(0x632BE59BD9B4E019);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint8_t pattern_byte(uint64_t base, size_t offset)
{
    uint64_t word = base + (uint64_t)(offset / 8) * PATTERN_STEP;
    return (uint8_t)(word >> (8 * (offset % 8)));
}

static inline bool pattern_is_sampled(size_t size)
{
    return size > PATTERN_FULL_LIMIT;
}

/* The distance between stripes: 64 KiB, or for blocks above 1 MiB the
 * whole number of pages that makes at most PATTERN_STRIPES_MAX stripes.
 * Each stripe is a page the allocator may have to fault in (or have just
 * cleared) at every fill and check. */
static inline size_t pattern_stripe_step(size_t size)
{
    size_t step = (size / PATTERN_STRIPES_MAX + 4095) & ~(size_t)4095;
    return step > PATTERN_STRIPE_STEP ? step : PATTERN_STRIPE_STEP;
}

/* The byte ranges of a block of `size` bytes that carry the pattern, in
 * order: *cursor starts at 0; false after the last. The tail comes last
 * even when a stripe step ends past the block. */
static inline bool pattern_next_region(size_t size, size_t *cursor, size_t *start, size_t *end)
{
    const size_t done = SIZE_MAX;
    if (*cursor == done || size == 0) return false;
    if (!pattern_is_sampled(size)) {
        *start = 0;
        *end = size;
        *cursor = done;
        return true;
    }
    size_t tail = size - PATTERN_SAMPLE_EDGE;
    if (*cursor == 0) {
        *start = 0;
        *end = *cursor = PATTERN_SAMPLE_EDGE;
    } else if (*cursor + PATTERN_STRIPE_SIZE <= tail) {
        *start = *cursor;
        *end = *cursor + PATTERN_STRIPE_SIZE;
        *cursor += pattern_stripe_step(size);
    } else {
        *start = tail;
        *end = size;
        *cursor = done;
    }
    return true;
}

/* A breach of the pattern: byte `offset` read `actual`. `inv` is contents
 * (a block that should be untouched) or realloc (the bytes a realloc kept). */
static inline struct breach rule_pattern_breach(enum invariant inv, const void *p, uint64_t seed,
                                                size_t offset, uint8_t actual)
{
    struct breach b = rule_no_breach(p);
    b.failure = F_PATTERN;
    b.invariant = inv;
    b.want = pattern_byte(pattern_base(seed), offset);
    b.got = actual;
    b.offset = offset;
    b.generation = pattern_generation(seed);
    return b;
}

/* How a block's contents were checked, for the report's note. */
static inline void rule_describe_sampling(size_t size, char *buf, size_t len)
{
    if (pattern_is_sampled(size))
        snprintf(buf, len, "checked sampled: head %zu B, tail %zu B, %zu B every %zu B of %zu B",
                 PATTERN_SAMPLE_EDGE, PATTERN_SAMPLE_EDGE, PATTERN_STRIPE_SIZE,
                 pattern_stripe_step(size), size);
    else
        snprintf(buf, len, "checked every byte");
}

#endif
