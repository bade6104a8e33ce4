/*
 * gen.c — seeded random programs for correctness runs and benchmarks.
 *
 * The generator writes binary records and the program is their decoding, so
 * every generated value is one the binary form can express, and a program
 * is fully determined by (seed, ops, threads, slots, small_only, class edges) on every
 * machine: the PRNG (xoshiro256** seeded through splitmix64) is local and
 * nothing depends on the platform's rand().
 *
 * Default mix (weights per operation, roughly percent):
 *   malloc 30, free 22, realloc 14, calloc 7, check 5, usable_size 4,
 *   reallocarray 3, free_sized 3, aligned_alloc 3, posix_memalign 3,
 *   memalign 2, restart 1 (a fresh thread's first calls, one thread or
 *   several; for half the seeds never of t0, which then runs on the thread
 *   that loaded the allocator); with threads > 1 also barrier 1.
 *   Sizes: log-scaled, exponent weighted so the median is about 100 B and
 *   almost all are below 64 KiB; 2 % are 64 KiB .. 32 MiB, 1 % are 0;
 *   with an allocator's class edges (gen_params), 4 % are one of them
 *   -1 .. +2;
 *   4 % are edge sizes ± a small delta (mode 2), 1 % extreme (mode 3,
 *   impossible requests such as PTRDIFF_MAX+d or SIZE_MAX-d).
 *   calloc / reallocarray: element sizes 1 .. 511 (rarely 0), counts sized so
 *   the product follows the size mix; 3 % relative counts (n×m overflowing or
 *   beyond PTRDIFF_MAX), 2 % edge counts.
 *   Alignments: 85 % valid powers of two (mostly 8 .. 4 KiB, some 2 .. 8 MiB),
 *   15 % invalid or huge (0, 3·2^k, 2^k+1, 2^32 and above). Half the
 *   requests aligned to 64 KiB .. 8 MiB ask for one to four times the
 *   alignment, ± a few KiB.
 *   A realloc that shrinks a block is followed, one time in four, by the
 *   free_sized of that block.
 *   Targets: allocations mostly go to empty slots (the rest replace a live
 *   block: an implicit free); free, free_sized, check, usable_size and
 *   realloc mostly target slots the generator believes occupied (a realloc
 *   of an empty slot asks for 0 bytes one time in ten). With
 *   threads > 1, operations come in runs on one thread (mean length 6), and
 *   about a third of the operations aimed at live blocks pick one another
 *   thread allocated (cross-thread frees and reallocs).
 *   Believed live bytes stay under 40 MiB: a possible request that would
 *   exceed it is redrawn, and above 30 MiB the generator frees the largest
 *   block. Impossible requests are always allowed: they allocate nothing.
 * small_only ("small blocks" bench mix): malloc 40, free 33, realloc 17,
 *   calloc 10, sizes (and calloc products) 1 .. 1024, all on thread 0.
 */
#include "internal.h"

#include <string.h>

/* The size word's mantissa (FORMAT.md). */
#define MANT_MASK ((UINT32_C(1) << 25) - 1)

/* ---- generator state ---- */

#define LIVE_BUDGET     ((size_t)40 << 20)
#define LIVE_HIGH_WATER ((size_t)30 << 20)
#define SMALL_MAX       1024
#define REDRAWS         8

struct slot_belief {
    bool occupied;
    bool in_heap; /* made in its owner's own heap (heap_malloc) */
    bool zeroed;  /* made by calloc or zalloc, resized by rezalloc only */
    uint8_t owner;
    size_t bytes;
};

/*
 * A fill: blocks of one size of 1 KiB or more made in a row by one thread,
 * enough to fill several of the allocator's pages or slabs of that class
 * (each full one moved to its full list), then one to three of them freed
 * (a full page back to its class's list). In the thread's own heap, the
 * heap is visited after each half: a page the lists lost shows there.
 */
struct fill {
    unsigned left, frees_left; /* blocks still to make; then frees still to make */
    bool visit_next;           /* a heap_visit comes next */
    enum op_kind kind;         /* malloc or heap_malloc */
    uint32_t size_word;
    uint8_t slot[GAUNTLET_MAX_SLOTS]; /* the blocks it made, not yet freed */
    unsigned made;
};

struct gen {
    struct prng rng;
    unsigned threads, slots;
    bool small_only;
    bool fail_maps;
    bool
        keep_loader_thread; /* t0 never restarts: it runs on the thread that loaded the allocator */
    unsigned thread;        /* the thread of the current run */
    size_t live;
    int sized_free_next;       /* a slot a shrinking realloc just left: free_sized it next, or -1 */
    int regrow_next;           /* a slot a shrinking rezalloc just left: grow it back next, or -1 */
    size_t regrow_bytes;       /* ... to this size */
    uint8_t regrow_align;      /* ... with this alignment byte */
    struct fill fill;          /* a run of one size filling pages, under way */
    unsigned fill_max;         /* blocks a fill may make: an eighth of the program */
    const size_t *class_edges; /* gen_params' */
    size_t class_edge_count;
    struct slot_belief slot[GAUNTLET_MAX_SLOTS];
};

/* A drawn request: the words as written and the values they decode to. */
struct request {
    uint32_t size_word, count_word;
    size_t size, count;
};

/* ---- sizes ---- */

/* Weight of exponent b (sizes 2^b .. 2^(b+1)-1): median near 100 B. */
static const unsigned exponent_weights[] = {2, 3, 5, 8, 12, 14, 14, 12, 9, 6, 5, 3, 3, 2, 1, 1};
#define ORDINARY_EXPONENTS (sizeof exponent_weights / sizeof exponent_weights[0])
#define SMALL_EXPONENTS    10 /* 1 .. 1023 */

static uint32_t log_word(struct gen *g, unsigned exponent)
{
    return (uint32_t)(exponent + 1) << 25 | ((uint32_t)prng_next(&g->rng) & MANT_MASK);
}

static unsigned ordinary_exponent(struct gen *g)
{
    if (prng_percent(&g->rng, 2)) return 16 + prng_below(&g->rng, 9); /* 64 KiB .. 32 MiB */
    return prng_weighted(&g->rng, exponent_weights, ORDINARY_EXPONENTS);
}

/* A delta that usually stays on the boundary or just beside it. */
static int32_t small_delta(struct gen *g, int32_t limit)
{
    int32_t magnitude = prng_percent(&g->rng, 80) ? (int32_t)prng_below(&g->rng, 17)
                                                  : (int32_t)prng_below(&g->rng, (uint32_t)limit);
    return prng_percent(&g->rng, 50) ? -magnitude : magnitude;
}

static uint32_t edge_word(struct gen *g)
{
    uint32_t index = prng_below(&g->rng, (uint32_t)edge_size_count);
    int32_t delta = prng_percent(&g->rng, 40) ? 0 : small_delta(g, 128);
    return 2u << 30 | index << 8 | (uint8_t)(int8_t)delta;
}

/* Mostly anchors whose neighbourhood is impossible; the delta leans away
 * from the possible side. */
static uint32_t extreme_word(struct gen *g)
{
    static const unsigned anchors[] = {0, 0, 1, 1, 63};
    unsigned a =
        prng_percent(&g->rng, 80) ? anchors[prng_below(&g->rng, 5)] : prng_below(&g->rng, 64);
    int32_t delta = small_delta(g, 1 << 23);
    if ((a == 0 && delta <= 0) || (a == 1 && delta > 0) || (a == 63 && delta < 0)) delta = -delta;
    if (a == 0 && delta == 0) delta = 1;
    return 3u << 30 | a << 24 | ((uint32_t)delta & 0xFFFFFF);
}

/* One of the allocator's class edges, -1 .. +2: the last size of a class,
 * the first of the next, and their neighbours. */
static bool class_edge_word(struct gen *g, uint32_t *word)
{
    size_t edge = g->class_edges[prng_below(&g->rng, (uint32_t)g->class_edge_count)];
    size_t size = edge + prng_below(&g->rng, 4) - 1;
    return size_word_encode(size, word);
}

static uint32_t size_word_for_default(struct gen *g)
{
    unsigned roll = prng_below(&g->rng, 100);
    uint32_t word;
    if (roll < 1) return 0;
    if (roll < 5) return edge_word(g);
    if (roll < 6) return extreme_word(g);
    if (roll < 10 && g->class_edge_count && class_edge_word(g, &word)) return word;
    return log_word(g, ordinary_exponent(g));
}

static uint32_t size_word_for_small(struct gen *g)
{
    if (prng_percent(&g->rng, 2)) return 11u << 25; /* exactly 1024 */
    return log_word(g, prng_weighted(&g->rng, exponent_weights, SMALL_EXPONENTS));
}

/* ---- counts (calloc, reallocarray) ---- */

static uint32_t relative_count_word(struct gen *g)
{
    uint32_t form = prng_below(&g->rng, 4);
    uint32_t k = prng_percent(&g->rng, 50) ? 0 : prng_below(&g->rng, 256);
    return 3u << 30 | form << 28 | k;
}

static void draw_array(struct gen *g, struct request *rq)
{
    unsigned element_exponent = prng_below(&g->rng, g->small_only ? 6 : 9);
    rq->size_word = !g->small_only && prng_percent(&g->rng, 1) ? 0 : log_word(g, element_exponent);
    unsigned total = g->small_only ? prng_weighted(&g->rng, exponent_weights, SMALL_EXPONENTS)
                                   : ordinary_exponent(g);
    unsigned count_exponent = total > element_exponent ? total - element_exponent : 0;
    rq->count_word = log_word(g, count_exponent);
    if (!g->small_only) {
        unsigned roll = prng_below(&g->rng, 100);
        if (roll < 3)
            rq->count_word = relative_count_word(g);
        else if (roll < 5)
            rq->count_word = edge_word(g);
    }
    rq->size = size_word_decode(rq->size_word);
    rq->count = count_word_decode(rq->count_word, rq->size);
}

static void draw_plain(struct gen *g, struct request *rq)
{
    rq->size_word = g->small_only ? size_word_for_small(g) : size_word_for_default(g);
    rq->size = size_word_decode(rq->size_word);
    rq->count_word = 0;
    rq->count = 0;
}

/* The bytes a request asks for; false when it is impossible (above
 * PTRDIFF_MAX or n×m overflows), in which case it allocates nothing. */
static bool request_bytes(enum op_kind kind, const struct request *rq, size_t *bytes)
{
    *bytes = rq->size;
    if (op_uses_count(kind) && __builtin_mul_overflow(rq->count, rq->size, bytes)) return false;
    return *bytes <= PTRDIFF_MAX;
}

static bool acceptable(const struct gen *g, enum op_kind kind, const struct request *rq,
                       size_t replaced)
{
    size_t bytes;
    if (!request_bytes(kind, rq, &bytes)) return !g->small_only;
    if (g->small_only) return bytes >= 1 && bytes <= SMALL_MAX;
    return bytes <= LIVE_BUDGET && g->live - replaced <= LIVE_BUDGET - bytes;
}

/* A request that keeps believed live bytes under the budget; `replaced` is
 * what the slot held and gives back. */
static void draw_request(struct gen *g, enum op_kind kind, size_t replaced, struct request *rq)
{
    for (int attempt = 0; attempt < REDRAWS; attempt++) {
        if (op_uses_count(kind))
            draw_array(g, rq);
        else
            draw_plain(g, rq);
        if (acceptable(g, kind, rq, replaced)) return;
    }
    /* Fallback: one 16-byte block (a count of 1 where there is a count). */
    *rq = (struct request){.size_word = 5u << 25, .size = 16};
    if (op_uses_count(kind)) {
        rq->count_word = 1u << 25;
        rq->count = 1;
    }
}

/* ---- alignments ---- */

/* Weight of log2(alignment) for valid alignments: mostly 8 .. 4096. */
static const unsigned align_exponent_weights[24] = {1, 1, 1, 6, 10, 10, 10, 8, 6, 5, 4, 4,
                                                    6, 2, 2, 1, 2,  1,  1,  1, 1, 3, 3, 2};

static uint8_t draw_align_byte(struct gen *g)
{
    if (prng_percent(&g->rng, 85)) {
        unsigned form = prng_below(&g->rng, 4); /* forms 0..3 are all powers of two */
        return (uint8_t)(form << 5 | prng_weighted(&g->rng, align_exponent_weights, 24));
    }
    return (uint8_t)((4 + prng_below(&g->rng, 4)) << 5 | prng_below(&g->rng, 32));
}

/* ---- slots ---- */

enum slot_want { WANT_EMPTY, WANT_OCCUPIED, WANT_OTHER_THREADS, WANT_ZEROED };

static bool slot_matches(const struct gen *g, unsigned i, enum slot_want want)
{
    const struct slot_belief *s = &g->slot[i];
    switch (want) {
    case WANT_EMPTY: return !s->occupied;
    case WANT_OCCUPIED: return s->occupied;
    case WANT_ZEROED: return s->occupied && s->zeroed;
    default: return s->occupied && s->owner != g->thread;
    }
}

static unsigned count_slots(const struct gen *g, enum slot_want want)
{
    unsigned matches = 0;
    for (unsigned i = 0; i < g->slots; i++)
        matches += slot_matches(g, i, want);
    return matches;
}

/* A random slot matching `want`, or -1 when none does. */
static int find_slot(struct gen *g, enum slot_want want)
{
    unsigned matches = count_slots(g, want);
    if (matches == 0) return -1;
    uint32_t pick = prng_below(&g->rng, matches);
    for (unsigned i = 0;; i++)
        if (slot_matches(g, i, want) && pick-- == 0) return (int)i;
}

static unsigned slot_or_any(struct gen *g, int slot)
{
    return slot >= 0 ? (unsigned)slot : prng_below(&g->rng, g->slots);
}

static unsigned target_for_allocation(struct gen *g)
{
    int slot = prng_percent(&g->rng, 85) ? find_slot(g, WANT_EMPTY) : -1;
    return slot_or_any(g, slot);
}

/* Mostly a live block; with several threads, often one another thread
 * allocated, so frees and reallocs cross threads. */
static unsigned target_live_block(struct gen *g, unsigned percent_live)
{
    if (!prng_percent(&g->rng, percent_live)) return prng_below(&g->rng, g->slots);
    int slot = -1;
    if (g->threads > 1 && prng_percent(&g->rng, 35)) slot = find_slot(g, WANT_OTHER_THREADS);
    if (slot < 0) slot = find_slot(g, WANT_OCCUPIED);
    return slot_or_any(g, slot);
}

static unsigned largest_block(const struct gen *g)
{
    unsigned best = 0;
    for (unsigned i = 1; i < g->slots; i++)
        if (g->slot[i].occupied &&
            (!g->slot[best].occupied || g->slot[i].bytes > g->slot[best].bytes))
            best = i;
    return best;
}

/* ---- beliefs ---- */

static void believe_freed(struct gen *g, unsigned slot)
{
    struct slot_belief *s = &g->slot[slot];
    if (s->occupied) g->live -= s->bytes;
    *s = (struct slot_belief){0};
}

static void believe_allocated(struct gen *g, unsigned slot, size_t bytes, bool in_heap)
{
    g->slot[slot] = (struct slot_belief){true, in_heap, false, (uint8_t)g->thread, bytes};
    g->live += bytes;
}

/* The thread's own heap ends: destroyed, its blocks are gone; deleted or
 * ended with the thread, they live on outside it. */
static void believe_heap_ended(struct gen *g, bool blocks_gone)
{
    for (unsigned i = 0; i < g->slots; i++) {
        struct slot_belief *s = &g->slot[i];
        if (!s->in_heap || s->owner != g->thread) continue;
        if (blocks_gone)
            believe_freed(g, i);
        else
            s->in_heap = false;
    }
}

/* New blocks replace the slot's block (an implicit free first); a failed
 * realloc keeps the old block, a failed allocation leaves the slot empty. */
static void believe_request(struct gen *g, enum op_kind kind, unsigned slot,
                            const struct request *rq)
{
    size_t bytes;
    bool possible = request_bytes(kind, rq, &bytes);
    if (!possible && !op_allocates(kind)) return;
    if (op_resizes_own(kind) && !g->slot[slot].occupied) return; /* skipped */
    bool zeroed =
        kind == OP_CALLOC || kind == OP_ZALLOC || (kind == OP_REZALLOC && g->slot[slot].zeroed);
    believe_freed(g, slot);
    if (possible) believe_allocated(g, slot, bytes, kind == OP_HEAP_MALLOC);
    g->slot[slot].zeroed = possible && zeroed;
}

/* ---- operations ---- */

static void default_weights(const struct gen *g, unsigned *w)
{
    static const unsigned base[OP_KIND_COUNT] = {
        [OP_MALLOC] = 30,       [OP_CALLOC] = 7,          [OP_REALLOC] = 14,
        [OP_REALLOCARRAY] = 3,  [OP_FREE] = 22,           [OP_FREE_SIZED] = 3,
        [OP_ALIGNED_ALLOC] = 3, [OP_POSIX_MEMALIGN] = 3,  [OP_MEMALIGN] = 2,
        [OP_CHECK] = 5,         [OP_USABLE_SIZE] = 4,     [OP_RESTART] = 1,
        [OP_BARRIER] = 1,       [OP_FAIL_MAPS] = 1,       [OP_COLLECT] = 1,
        [OP_EXPAND] = 2,        [OP_REALLOC_ALIGNED] = 2, [OP_MALLOC_ALIGNED_AT] = 2,
        [OP_HEAP_MALLOC] = 3,   [OP_HEAP_DELETE] = 1,     [OP_HEAP_DESTROY] = 1,
        [OP_HEAP_VISIT] = 1,    [OP_PREDICT] = 2,         [OP_NEW] = 2,
        [OP_NEW_ALIGNED] = 1,   [OP_ZALLOC] = 2,          [OP_REZALLOC] = 2,
    };
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        w[k] = base[k];
    /* A single thread restarts too: a fresh thread's first call is a path
     * of its own in allocators with per-thread caches. */
    if (g->threads == 1) w[OP_BARRIER] = 0;
    if (!g->fail_maps) w[OP_FAIL_MAPS] = 0;
    if (g->keep_loader_thread && g->thread == 0) w[OP_RESTART] = 0;
}

static void small_weights(unsigned *w)
{
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        w[k] = 0;
    w[OP_MALLOC] = 40;
    w[OP_FREE] = 33;
    w[OP_REALLOC] = 17;
    w[OP_CALLOC] = 10;
}

static enum op_kind choose_kind(struct gen *g)
{
    unsigned w[OP_KIND_COUNT];
    if (g->small_only)
        small_weights(w);
    else
        default_weights(g, w);
    unsigned live_blocks = count_slots(g, WANT_OCCUPIED);
    if (live_blocks == 0) {
        /* Nothing to free or inspect yet: build the heap up first. */
        w[OP_FREE] = w[OP_FREE_SIZED] = w[OP_CHECK] = w[OP_USABLE_SIZE] = w[OP_PREDICT] = 0;
        w[OP_EXPAND] = w[OP_REALLOC_ALIGNED] = w[OP_REZALLOC] = 0;
        w[OP_REALLOC] /= 2;
    } else if (live_blocks == g->slots) {
        w[OP_FREE] *= 2; /* every slot holds a block: lean toward freeing */
    }
    return (enum op_kind)prng_weighted(&g->rng, w, OP_KIND_COUNT);
}

static void maybe_switch_thread(struct gen *g)
{
    if (g->threads > 1 && prng_below(&g->rng, 6) == 0) g->thread = prng_below(&g->rng, g->threads);
}

static void write_header(const struct gen *g, enum op_kind kind, unsigned slot, uint8_t *rec)
{
    rec[REC_OPCODE] = record_opcode(kind);
    bool threaded = kind != OP_BARRIER && g->thread != 0;
    rec[REC_THREAD] = threaded ? (uint8_t)(REC_THREAD_PRESENT | g->thread) : 0;
    rec[REC_SLOT] = op_uses_slot(kind) ? (uint8_t)slot : 0;
}

/* Half of the requests with an alignment of 64 KiB .. 8 MiB ask for about
 * one to four times the alignment: where allocators carve aligned extents
 * out of larger ones, and their bookkeeping has failed at the edges. */
static void near_multiple_of_alignment(struct gen *g, enum op_kind kind, size_t align,
                                       size_t replaced, struct request *rq)
{
    if (g->small_only || align < (64u << 10) || align > (8u << 20) || (align & (align - 1)) ||
        !prng_percent(&g->rng, 50))
        return;
    size_t size = align * (1 + prng_below(&g->rng, 4)) + (size_t)(int64_t)small_delta(g, 4096);
    struct request near = {.size = size};
    if (size_word_encode(size, &near.size_word) && acceptable(g, kind, &near, replaced)) *rq = near;
}

/* A request a few bytes from `bytes` (the block it resizes). */
static void near_size(struct gen *g, enum op_kind kind, size_t bytes, struct request *rq)
{
    size_t size = bytes + (size_t)(int64_t)small_delta(g, 256);
    struct request near = {.size = size};
    if (size > 0 && size_word_encode(size, &near.size_word) && acceptable(g, kind, &near, bytes))
        *rq = near;
}

/* An offset for malloc_aligned_at (a multiple of the pointer size: rules.h,
 * rule_aligned_at_defined), and often a size the alignment divides:
 * allocators take their plain path when size and alignment fit and there
 * is no offset, and their over-allocating path otherwise. */
static void draw_offset(struct gen *g, size_t align, struct request *rq)
{
    if (rule_is_power_of_two(align) && align <= 1024 && prng_percent(&g->rng, 40)) {
        struct request fit = {.size = align * (1 + prng_below(&g->rng, 4))};
        if (size_word_encode(fit.size, &fit.size_word)) *rq = fit;
    }
    unsigned roll = prng_below(&g->rng, 100);
    const size_t word = sizeof(void *);
    size_t offset = roll < 25   ? 0
                    : roll < 65 ? word * (1 + (size_t)prng_below(&g->rng, 16))
                    : roll < 85 ? (align > word ? align - word : word)
                                : rq->size / word * word;
    rq->count = offset;
    if (!count_word_encode(offset, rq->size, &rq->count_word)) rq->count = rq->count_word = 0;
}

/* A rezalloc is judged where the allocator promises its zeros (mimalloc:
 * a block made zeroed), so it mostly takes such a block. */
static unsigned target_for_resize(struct gen *g, enum op_kind kind)
{
    int zeroed = kind == OP_REZALLOC && prng_percent(&g->rng, 75) ? find_slot(g, WANT_ZEROED) : -1;
    return zeroed >= 0 ? (unsigned)zeroed : target_live_block(g, 80);
}

static void generate_request_op(struct gen *g, enum op_kind kind, uint8_t *rec)
{
    unsigned slot = op_allocates(kind) ? target_for_allocation(g) : target_for_resize(g, kind);
    const struct slot_belief *s = &g->slot[slot];
    struct request rq;
    draw_request(g, kind, s->occupied ? s->bytes : 0, &rq);
    /* realloc(NULL, 0) is where allocators have disagreed with their own
     * malloc(0) (a choice held for the run: rules.h): asked often enough
     * that a program meets both. */
    if (op_is_realloc(kind) && !s->occupied && !g->small_only && prng_percent(&g->rng, 10))
        rq = (struct request){.count_word = op_uses_count(kind) ? 1u << 25 : 0,
                              .count = op_uses_count(kind)};
    /* A resize in place succeeds or fails by a few bytes: within the
     * block's size class or just past it, growing or shrinking. */
    if ((kind == OP_EXPAND || kind == OP_REZALLOC) && s->occupied && prng_percent(&g->rng, 60))
        near_size(g, kind, s->bytes, &rq);
    write_header(g, kind, slot, rec);
    if (op_uses_align(kind)) {
        rec[REC_ALIGN] = draw_align_byte(g);
        near_multiple_of_alignment(g, kind, align_byte_decode(rec[REC_ALIGN]),
                                   s->occupied ? s->bytes : 0, &rq);
    }
    if (op_uses_offset(kind)) draw_offset(g, align_byte_decode(rec[REC_ALIGN]), &rq);
    record_put_word(rec, REC_SIZE_WORD, rq.size_word);
    record_put_word(rec, REC_COUNT_WORD, rq.count_word);
    /* A block a realloc shrank (often in place) then freed with its new
     * size: allocators have lost track of the size class there. */
    if (op_is_realloc(kind) && s->occupied && rq.size < s->bytes && !g->small_only &&
        prng_percent(&g->rng, 25))
        g->sized_free_next = (int)slot;
    /* A zeroing resize that shrank, then grows the block back: a block
     * that moved to a larger class may keep that class's stale bytes
     * (mimalloc #763). */
    if (kind == OP_REZALLOC && s->occupied && rq.size < s->bytes && prng_percent(&g->rng, 40)) {
        g->regrow_next = (int)slot;
        g->regrow_bytes = s->bytes;
        g->regrow_align = rec[REC_ALIGN];
    }
    believe_request(g, kind, slot, &rq);
}

/* The rezalloc regrow_next asked for, if its block is still there. */
static bool generate_regrow(struct gen *g, uint8_t *rec)
{
    unsigned slot = (unsigned)g->regrow_next;
    g->regrow_next = -1;
    struct request rq = {.size = g->regrow_bytes};
    if (!g->slot[slot].occupied || !size_word_encode(rq.size, &rq.size_word) ||
        !acceptable(g, OP_REZALLOC, &rq, g->slot[slot].bytes))
        return false;
    write_header(g, OP_REZALLOC, slot, rec);
    rec[REC_ALIGN] = g->regrow_align;
    record_put_word(rec, REC_SIZE_WORD, rq.size_word);
    believe_request(g, OP_REZALLOC, slot, &rq);
    return true;
}

/* Refusals come in short bursts (the allocator's next one to three
 * mapping calls), sometimes until lifted, and are lifted as often: a
 * program meets the allocator both starved and recovering. */
static void generate_fail_maps_op(struct gen *g, uint8_t *rec)
{
    unsigned draw = prng_below(&g->rng, 10);
    size_t refusals = draw < 4 ? 0 : draw < 9 ? 1 + prng_below(&g->rng, 3) : SIZE_MAX;
    uint32_t word;
    if (!size_word_encode(refusals, &word)) word = 0;
    write_header(g, OP_FAIL_MAPS, 0, rec);
    record_put_word(rec, REC_SIZE_WORD, word);
}

static void generate_slot_op(struct gen *g, enum op_kind kind, unsigned slot, uint8_t *rec)
{
    write_header(g, kind, slot, rec);
    if (kind == OP_FREE || kind == OP_FREE_SIZED) believe_freed(g, slot);
}

#define FILL_PERCENT_MALLOC      1  /* of mallocs that start a fill */
#define FILL_PERCENT_HEAP_MALLOC 20 /* of heap_mallocs that start one */

/* The allocator's largest size of the class `size` falls in, when its
 * classes are known (blocks that fill their pages exactly), else `size`. */
static size_t class_top(const struct gen *g, size_t size)
{
    for (size_t e = 0; e < g->class_edge_count; e++)
        if (g->class_edges[e] >= size)
            return g->class_edges[e] <= 2 * size ? g->class_edges[e] : size;
    return size;
}

/* A fill of `kind` starts: a size of 4 to 20 KiB (1 to 40 KiB now and
 * then; the top of its class when the classes are known), as many blocks
 * as make FILL_BYTES, in at most all slots but one (empty ones first, then
 * others: an implicit free each) and an eighth of the program. */
static bool fill_start(struct gen *g, enum op_kind kind)
{
    if (g->small_only || g->slots < FILL_MIN_BLOCKS || g->fill_max < FILL_MIN_BLOCKS) return false;
    unsigned exponent =
        prng_percent(&g->rng, 80) ? 12 + prng_below(&g->rng, 3) : 10 + prng_below(&g->rng, 6);
    size_t size = class_top(g, ((size_t)1 << exponent) + prng_below(&g->rng, 1u << (exponent - 2)));
    uint32_t word;
    if (!size_word_encode(size, &word)) return false;
    size_t count = FILL_BYTES / size;
    g->fill = (struct fill){.kind = kind, .size_word = word};
    size_t most = g->slots - 1 < g->fill_max ? g->slots - 1 : g->fill_max;
    g->fill.left = (unsigned)(count < most ? count : most);
    return true;
}

static bool fill_holds(const struct fill *f, unsigned slot)
{
    for (unsigned i = 0; i < f->made; i++)
        if (f->slot[i] == slot) return true;
    return false;
}

/* The fill's next operation, on the fill's thread; false once it is over. */
static bool generate_fill_op(struct gen *g, uint8_t *rec)
{
    struct fill *f = &g->fill;
    bool in_heap = f->kind == OP_HEAP_MALLOC;
    if (f->visit_next) {
        f->visit_next = false;
        write_header(g, OP_HEAP_VISIT, 0, rec);
        return true;
    }
    if (f->left > 0) {
        int slot = find_slot(g, WANT_EMPTY);
        while (slot < 0 || fill_holds(f, (unsigned)slot))
            slot = (int)prng_below(&g->rng, g->slots);
        struct request rq = {.size_word = f->size_word, .size = size_word_decode(f->size_word)};
        write_header(g, f->kind, (unsigned)slot, rec);
        record_put_word(rec, REC_SIZE_WORD, rq.size_word);
        believe_request(g, f->kind, (unsigned)slot, &rq);
        f->slot[f->made++] = (uint8_t)slot;
        if (--f->left == 0) {
            f->frees_left = 1 + prng_below(&g->rng, 3);
            f->visit_next = in_heap;
        }
        return true;
    }
    while (f->frees_left > 0 && f->made > 0) {
        unsigned pick = prng_below(&g->rng, f->made);
        unsigned slot = f->slot[pick];
        f->slot[pick] = f->slot[--f->made];
        if (!g->slot[slot].occupied) continue;
        generate_slot_op(g, OP_FREE, slot, rec);
        if (--f->frees_left == 0) f->visit_next = in_heap;
        return true;
    }
    f->frees_left = 0;
    return false;
}

static void generate_op(struct gen *g, uint8_t *rec)
{
    if (g->sized_free_next >= 0) {
        unsigned slot = (unsigned)g->sized_free_next;
        g->sized_free_next = -1;
        if (g->slot[slot].occupied) {
            generate_slot_op(g, OP_FREE_SIZED, slot, rec);
            return;
        }
    }
    if (g->regrow_next >= 0 && generate_regrow(g, rec)) return;
    if (generate_fill_op(g, rec)) return;
    maybe_switch_thread(g);
    if (g->live > LIVE_HIGH_WATER) {
        generate_slot_op(g, OP_FREE, largest_block(g), rec);
        return;
    }
    enum op_kind kind = choose_kind(g);
    if ((kind == OP_MALLOC && prng_percent(&g->rng, FILL_PERCENT_MALLOC)) ||
        (kind == OP_HEAP_MALLOC && prng_percent(&g->rng, FILL_PERCENT_HEAP_MALLOC))) {
        if (fill_start(g, kind) && generate_fill_op(g, rec)) return;
    }
    if (kind == OP_FAIL_MAPS)
        generate_fail_maps_op(g, rec);
    else if (op_uses_size(kind))
        generate_request_op(g, kind, rec);
    else if (op_uses_slot(kind))
        generate_slot_op(g, kind, target_live_block(g, kind == OP_FREE ? 92 : 90), rec);
    else
        write_header(g, kind, 0, rec);
    if (kind == OP_HEAP_DESTROY || kind == OP_HEAP_DELETE || kind == OP_RESTART)
        believe_heap_ended(g, kind == OP_HEAP_DESTROY);
}

void gen_params_default(struct gen_params *params)
{
    *params = (struct gen_params){.seed = 1, .ops = 64, .threads = 1, .slots = 32};
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void gen_start(struct gen *g, const struct gen_params *params)
{
    *g = (struct gen){
        .threads = params->small_only ? 1 : clamp(params->threads, 1, GAUNTLET_MAX_THREADS),
        .slots = clamp(params->slots, 1, GAUNTLET_MAX_SLOTS),
        .small_only = params->small_only,
        .fail_maps = params->fail_maps,
        .sized_free_next = -1,
        .regrow_next = -1,
        .fill_max =
            params->ops / 8 < GAUNTLET_MAX_SLOTS ? (unsigned)(params->ops / 8) : GAUNTLET_MAX_SLOTS,
        .class_edges = params->class_edges,
        .class_edge_count = params->class_edges ? params->class_edge_count : 0,
        /* Half the seeds: a restart of t0 would put it on a fresh thread
         * (rules.h, rule_restarts_loader_thread). Taken from the seed, not
         * the stream, so that the other half draw as they always did. */
        .keep_loader_thread = (params->seed * UINT64_C(0x9E3779B97F4A7C15)) >> 63,
    };
    prng_seed(&g->rng, params->seed);
}

static void generate_records(struct gen *g, uint8_t *records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(records + i * GAUNTLET_RECORD_SIZE, 0, GAUNTLET_RECORD_SIZE);
        generate_op(g, records + i * GAUNTLET_RECORD_SIZE);
    }
}

void gen_records(const struct gen_params *params, uint8_t *records)
{
    struct gen g;
    gen_start(&g, params);
    generate_records(&g, records, params->ops);
}

#define CHUNK_OPS 1024

/* Records are written a chunk at a time and decoded onto the program, so a
 * long program needs no second copy of itself in binary. */
void program_generate(const struct gen_params *params, struct program *out)
{
    struct gen g;
    gen_start(&g, params);
    uint8_t chunk[CHUNK_OPS * GAUNTLET_RECORD_SIZE];
    program_init(out);
    for (size_t done = 0; done < params->ops;) {
        size_t n = params->ops - done < CHUNK_OPS ? params->ops - done : CHUNK_OPS;
        generate_records(&g, chunk, n);
        struct program decoded;
        program_decode_binary(chunk, n * GAUNTLET_RECORD_SIZE, &decoded);
        for (size_t i = 0; i < decoded.count; i++)
            program_append(out, &decoded.ops[i]);
        program_release(&decoded);
        done += n;
    }
}
