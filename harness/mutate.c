/*
 * mutate.c — structure-aware mutation of binary programs, behind the fuzz
 * target's custom mutators (libFuzzer's, AFL++'s). A byte-level mutation
 * that inserts or erases anything but a multiple of 12 bytes shifts the
 * record frame and turns the rest of the program into other operations;
 * these edit whole operations instead: insert a generated run, delete a
 * run, repeat a run (volume: many pages filled and moved), move an
 * operation, hand a free to another thread, hand a burst of blocks to
 * another thread to free, set a size to a neighbour of a class edge, change
 * an operation's kind or slot, make one call while the OS refuses memory
 * (often a new thread's first), resize a block smaller (aligned), free it
 * by its size and ask in the classes it may have landed in, and the
 * engine's byte mutator inside one
 * record. Every record goes through the codec
 * (record_decode, record_encode), so the format has one source.
 */
#include "internal.h"

#include <string.h>

#define REC GAUNTLET_RECORD_SIZE

/* Operations an inserted run holds at most, and how often a run repeats. */
#define INSERT_MAX       8
#define REPEAT_RUN_MAX   16
#define REPEAT_TIMES_MAX 8
#define DELETE_MAX       4
/* A handoff's blocks: enough to fill a thread cache's bin for a class and
 * make it flush. */
#define HANDOFF_MIN 8
#define HANDOFF_MAX 48
/* A fill's most blocks (internal.h, FILL_BYTES), in consecutive slots. */
#define FILL_MAX 48
/* Above this many operations an edit that lengthens the program applies
 * with probability GROWTH_SOFT_LIMIT / length: long programs stay
 * reachable (some bugs need thousands of operations) without every input
 * drifting long and slow. */
#define GROWTH_SOFT_LIMIT 192
/* Tries to find a record an edit applies to before giving up on it. */
#define PICK_TRIES 8

struct mutation_input {
    uint8_t *data;
    size_t records, max_records;
    struct prng rng;
    const struct mutate_params *params;
};

static size_t pick(struct mutation_input *in, size_t n)
{
    return n ? prng_below(&in->rng, (uint32_t)n) : 0;
}

static uint8_t *record_at(struct mutation_input *in, size_t i)
{
    return in->data + i * REC;
}

static bool may_grow(struct mutation_input *in)
{
    return in->records <= GROWTH_SOFT_LIMIT || pick(in, (uint32_t)in->records) < GROWTH_SOFT_LIMIT;
}

/* Opens a gap of k records at position `at` (k already fits). */
static void open_gap(struct mutation_input *in, size_t at, size_t k)
{
    memmove(record_at(in, at + k), record_at(in, at), (in->records - at) * REC);
    in->records += k;
}

/* A record whose decoded operation satisfies `wanted`, or -1. */
static long pick_record(struct mutation_input *in, bool (*wanted)(const struct op *))
{
    for (unsigned t = 0; t < PICK_TRIES && in->records; t++) {
        size_t i = pick(in, in->records);
        struct op op;
        record_decode(record_at(in, i), &op);
        if (wanted(&op)) return (long)i;
    }
    return -1;
}

/* Re-encodes a record's edited operation; an edit with no encoding is dropped. */
static bool rewrite(struct mutation_input *in, size_t i, const struct op *op)
{
    return record_encode(op, record_at(in, i));
}

static unsigned threads_used(struct mutation_input *in)
{
    unsigned highest = 0;
    for (size_t i = 0; i < in->records; i++) {
        struct op op;
        record_decode(record_at(in, i), &op);
        if (op.thread > highest) highest = op.thread;
    }
    return highest + 1;
}

static unsigned slots_used(struct mutation_input *in)
{
    unsigned highest = 0;
    for (size_t i = 0; i < in->records; i++) {
        struct op op;
        record_decode(record_at(in, i), &op);
        if (op_uses_slot(op.kind) && op.slot > highest) highest = op.slot;
    }
    return highest + 1;
}

/* ---- the edits ---- */

/* A run drawn by the generator, on the program's threads (sometimes one
 * more) and slots (at least 4, so that it also makes blocks of its own). */
static bool insert_generated(struct mutation_input *in)
{
    size_t room = in->max_records - in->records;
    if (room == 0 || !may_grow(in)) return false;
    size_t k = 1 + pick(in, INSERT_MAX);
    if (k > room) k = room;
    unsigned threads = threads_used(in), slots = slots_used(in);
    if (threads < GAUNTLET_MAX_THREADS && prng_percent(&in->rng, 25)) threads++;
    struct gen_params params;
    gen_params_default(&params);
    params.seed = prng_next(&in->rng);
    params.ops = k;
    params.threads = threads;
    params.slots = slots < 4 ? 4 : slots;
    params.fail_maps = true; /* the allocator's out-of-memory paths, now and then */
    params.class_edges = in->params ? in->params->class_edges : NULL;
    params.class_edge_count = in->params ? in->params->class_edge_count : 0;
    size_t at = pick(in, in->records + 1);
    open_gap(in, at, k);
    gen_records(&params, record_at(in, at));
    return true;
}

static bool delete_run(struct mutation_input *in)
{
    if (in->records == 0) return false;
    size_t k = 1 + pick(in, in->records < DELETE_MAX ? in->records : DELETE_MAX);
    size_t at = pick(in, in->records - k + 1);
    memmove(record_at(in, at), record_at(in, at + k), (in->records - at - k) * REC);
    in->records -= k;
    return true;
}

/* A run repeated right after itself: the same pattern of calls many times,
 * which is how pages fill, empty and move between an allocator's lists. */
static bool repeat_run(struct mutation_input *in)
{
    if (in->records == 0 || !may_grow(in)) return false;
    size_t len = 1 + pick(in, in->records < REPEAT_RUN_MAX ? in->records : REPEAT_RUN_MAX);
    size_t at = pick(in, in->records - len + 1);
    size_t times = 1 + pick(in, REPEAT_TIMES_MAX);
    size_t room = (in->max_records - in->records) / len;
    if (times > room) times = room;
    if (times == 0) return false;
    open_gap(in, at + len, len * times);
    for (size_t t = 1; t <= times; t++)
        memcpy(record_at(in, at + t * len), record_at(in, at), len * REC);
    return true;
}

static bool move_one(struct mutation_input *in)
{
    if (in->records < 2) return false;
    size_t from = pick(in, in->records), to = pick(in, in->records);
    if (from == to) return false;
    uint8_t saved[REC];
    memcpy(saved, record_at(in, from), REC);
    if (from < to)
        memmove(record_at(in, from), record_at(in, from + 1), (to - from) * REC);
    else
        memmove(record_at(in, to + 1), record_at(in, to), (from - to) * REC);
    memcpy(record_at(in, to), saved, REC);
    return true;
}

static bool is_release(const struct op *op)
{
    return op->kind == OP_FREE || op->kind == OP_FREE_SIZED || op_is_realloc(op->kind) ||
           op->kind == OP_CHECK || op->kind == OP_USABLE_SIZE;
}

/* A free (or realloc, or check) made by another thread than before: a
 * cross-thread free where the program had none. */
static bool other_thread(struct mutation_input *in)
{
    long i = pick_record(in, is_release);
    if (i < 0) return false;
    struct op op;
    record_decode(record_at(in, (size_t)i), &op);
    unsigned threads = threads_used(in);
    unsigned choices = threads < GAUNTLET_MAX_THREADS ? threads + 1 : threads;
    unsigned t = (unsigned)pick(in, choices);
    if (t == op.thread) t = (t + 1) % choices;
    op.thread = (uint8_t)t;
    return rewrite(in, (size_t)i, &op);
}

/* Writes op as record `at`: every byte, as the format's bytes a kind does
 * not read are left as they were by record_encode (room checked by the
 * caller; the handoff's operations all have an encoding). */
static void put(struct mutation_input *in, size_t at, const struct op *op)
{
    memset(record_at(in, at), 0, REC);
    record_encode(op, record_at(in, at));
}

/*
 * A handoff: one thread makes a burst of blocks of one small size; another,
 * once it has made a block of its own (its thread cache set up), frees them
 * all; often the maker ends, then the taker (whose cache, flushed, returns
 * blocks of a thread that is gone to their arena or heap); then both make
 * that many again, kept live where the overlap check sees a region handed
 * out twice. Remote frees in volume are where allocators pass blocks
 * between threads' caches and heaps, and one free across threads at a time
 * rarely fills a cache.
 */
static bool handoff(struct mutation_input *in)
{
    size_t n = HANDOFF_MIN + pick(in, HANDOFF_MAX - HANDOFF_MIN + 1);
    if (in->max_records - in->records < 3 * n + 3 || !may_grow(in)) return false;
    unsigned threads = threads_used(in);
    unsigned maker = (unsigned)pick(in, threads);
    unsigned choices = threads < GAUNTLET_MAX_THREADS ? threads + 1 : threads;
    unsigned taker = (unsigned)pick(in, choices);
    if (taker == maker) taker = (taker + 1) % choices;
    if (taker == maker) return false; /* one thread only, and no room for another */
    size_t size = 1 + pick(in, 256);
    unsigned base = (unsigned)pick(in, GAUNTLET_MAX_SLOTS - n);
    bool ends = prng_percent(&in->rng, 50);
    size_t k = 3 * n + 1 + 2 * ends, at = pick(in, in->records + 1), w = at;
    open_gap(in, at, k);
    for (size_t i = 0; i < n; i++)
        put(in, w++,
            &(struct op){.kind = OP_MALLOC,
                         .thread = (uint8_t)maker,
                         .slot = (uint8_t)(base + i),
                         .size = size});
    put(in, w++,
        &(struct op){.kind = OP_MALLOC,
                     .thread = (uint8_t)taker,
                     .slot = (uint8_t)(base + n),
                     .size = size});
    for (size_t i = 0; i < n; i++)
        put(in, w++,
            &(struct op){.kind = OP_FREE, .thread = (uint8_t)taker, .slot = (uint8_t)(base + i)});
    if (ends) {
        put(in, w++, &(struct op){.kind = OP_RESTART, .thread = (uint8_t)maker});
        put(in, w++, &(struct op){.kind = OP_RESTART, .thread = (uint8_t)taker});
    }
    for (size_t i = 0; i < n; i++)
        put(in, w++,
            &(struct op){.kind = OP_MALLOC,
                         .thread = (uint8_t)(i % 2 ? taker : maker),
                         .slot = (uint8_t)(base + i),
                         .size = size});
    return true;
}

static bool uses_size(const struct op *op)
{
    return op_uses_size(op->kind);
}

/* The edge nearest a size (the allocator's probed class edges, else the
 * format's edge table), or a neighbour of it. */
static size_t near_edge(struct mutation_input *in, size_t size)
{
    const size_t *edges = edge_sizes;
    size_t count = edge_size_count;
    if (in->params && in->params->class_edge_count) {
        edges = in->params->class_edges;
        count = in->params->class_edge_count;
    }
    size_t nearest = 0;
    for (size_t e = 1; e < count; e++) {
        size_t now = edges[e] > size ? edges[e] - size : size - edges[e];
        size_t best = edges[nearest] > size ? edges[nearest] - size : size - edges[nearest];
        if (now < best) nearest = e;
    }
    size_t step = pick(in, 3); /* 0: the nearest, 1: one below, 2: one above */
    if (step == 1 && nearest > 0) nearest--;
    if (step == 2 && nearest + 1 < count) nearest++;
    return edges[nearest];
}

/*
 * A fill: one thread makes blocks of one size of 1 KiB or more, enough to
 * fill several of the allocator's pages or slabs of that class (each full
 * one moved to its full list), then frees one to three of them (a full
 * page back to its class's list). Made in the thread's own heap half the
 * time, which is then visited after each half: a page the lists lost shows
 * there. Mixed sizes seldom fill a page of one class.
 */
static bool fill(struct mutation_input *in)
{
    size_t size = near_edge(in, ((size_t)1 << (10 + pick(in, 6))) + pick(in, 4096));
    size_t n = FILL_BYTES / size;
    n = n < FILL_MIN_BLOCKS ? FILL_MIN_BLOCKS : n > FILL_MAX ? FILL_MAX : n;
    size_t frees = 1 + pick(in, 3);
    bool in_heap = prng_percent(&in->rng, 50);
    size_t k = n + frees + 2 * in_heap;
    if (in->max_records - in->records < k || !may_grow(in)) return false;
    uint8_t thread = (uint8_t)pick(in, threads_used(in));
    unsigned base = (unsigned)pick(in, GAUNTLET_MAX_SLOTS - n);
    size_t at = pick(in, in->records + 1), w = at;
    open_gap(in, at, k);
    for (size_t i = 0; i < n; i++)
        put(in, w++,
            &(struct op){.kind = in_heap ? OP_HEAP_MALLOC : OP_MALLOC,
                         .thread = thread,
                         .slot = (uint8_t)(base + i),
                         .size = size});
    if (in_heap) put(in, w++, &(struct op){.kind = OP_HEAP_VISIT, .thread = thread});
    for (size_t i = 0; i < frees; i++)
        put(in, w++,
            &(struct op){.kind = OP_FREE, .thread = thread, .slot = (uint8_t)(base + pick(in, n))});
    if (in_heap) put(in, w++, &(struct op){.kind = OP_HEAP_VISIT, .thread = thread});
    return true;
}

/* A request moved to a class edge -1, 0, +1 or +2: where a size class ends
 * and the next begins. */
static bool class_edge_size(struct mutation_input *in)
{
    long i = pick_record(in, uses_size);
    if (i < 0) return false;
    struct op op;
    record_decode(record_at(in, (size_t)i), &op);
    /* calloc and reallocarray: the request is the product, so the count
     * goes to 1 (an element at the edge times the old count would be a
     * block many times the edge). */
    size_t bytes = op.size;
    if (op_uses_count(op.kind) && __builtin_mul_overflow(op.size, op.count, &bytes))
        bytes = op.size; /* an overflowing request: aim its element size instead */
    op.size = near_edge(in, bytes) - 1 + pick(in, 4); /* edges are never 0 */
    if (op_uses_count(op.kind)) op.count = 1;
    return rewrite(in, (size_t)i, &op);
}

static bool any_slot_op(const struct op *op)
{
    return op_uses_slot(op->kind);
}

static const uint8_t allocating_kinds[] = {OP_MALLOC,       OP_CALLOC,        OP_REALLOC,
                                           OP_REALLOCARRAY, OP_ALIGNED_ALLOC, OP_POSIX_MEMALIGN,
                                           OP_MEMALIGN};
static const uint8_t slot_kinds[] = {OP_FREE, OP_FREE_SIZED, OP_CHECK, OP_USABLE_SIZE};

static bool makes_a_block(const struct op *op)
{
    return op_allocates(op->kind) || op_is_realloc(op->kind);
}

/* The kinds a shrink may take: the plain resize, and the allocator's own
 * aligned ones (skipped where the library lacks them). */
static const uint8_t shrink_kinds[] = {OP_REALLOC, OP_REZALLOC, OP_REALLOC_ALIGNED};

/*
 * A history: a block resized a little smaller, with an alignment unless
 * plain realloc (the allocator may keep it in place, in a class the
 * alignment does not fit), released by its sized free, then a request the
 * size of the alignment and one of the new size aligned alike: the classes
 * the block may have been filed in. A bug of this shape (jemalloc PR #1900)
 * needs the four in a row, which separate edits seldom line up.
 */
static bool shrink_sized_free(struct mutation_input *in)
{
    long i = pick_record(in, makes_a_block);
    if (i < 0 || in->max_records - in->records < 4 || !may_grow(in)) return false;
    struct op made;
    record_decode(record_at(in, (size_t)i), &made);
    if (made.size < 2 || made.size > ((size_t)1 << 20)) return false;
    uint8_t kind = shrink_kinds[pick(in, sizeof shrink_kinds)];
    size_t align = kind == OP_REALLOC ? 0 : (size_t)1 << (4 + pick(in, 9));
    size_t step = made.size / 8 + 1,
           smaller = made.size - 1 - pick(in, step < made.size - 1 ? step : made.size - 1);
    uint8_t other =
        (uint8_t)((made.slot + 1 + pick(in, GAUNTLET_MAX_SLOTS - 1)) % GAUNTLET_MAX_SLOTS);
    size_t near_align = align ? align - pick(in, align / 4) : near_edge(in, made.size);
    const struct op ops[4] = {
        {.kind = kind, .thread = made.thread, .slot = made.slot, .size = smaller, .align = align},
        {.kind = OP_FREE_SIZED, .thread = made.thread, .slot = made.slot},
        {.kind = OP_MALLOC, .thread = made.thread, .slot = other, .size = near_align},
        {.kind = align ? OP_ALIGNED_ALLOC : OP_MALLOC,
         .thread = made.thread,
         .slot = made.slot,
         .size = smaller,
         .align = align},
    };
    uint8_t encoded[4][REC] = {{0}};
    for (unsigned k = 0; k < 4; k++)
        if (!record_encode(&ops[k], encoded[k])) return false;
    open_gap(in, (size_t)i + 1, 4);
    memcpy(record_at(in, (size_t)i + 1), encoded, sizeof encoded);
    return true;
}

/* One call made while the OS refuses the allocator memory: fail_maps
 * before it (the next few mappings, or every one), lifted after it. Half
 * the time the call moves to a thread no operation has used yet, so that
 * memory is refused on that thread's first call, while the allocator sets
 * up its per-thread heap or cache. */
static bool refuse_around(struct mutation_input *in)
{
    if (in->max_records - in->records < 2 || !may_grow(in)) return false;
    long i = pick_record(in, makes_a_block);
    if (i < 0) return false;
    struct op op;
    record_decode(record_at(in, (size_t)i), &op);
    unsigned threads = threads_used(in);
    if (threads < GAUNTLET_MAX_THREADS && prng_percent(&in->rng, 50)) op.thread = (uint8_t)threads;
    struct op refuse = {.kind = OP_FAIL_MAPS,
                        .thread = op.thread,
                        .size = prng_percent(&in->rng, 50) ? SIZE_MAX : 1 + pick(in, 4)};
    struct op lift = {.kind = OP_FAIL_MAPS, .thread = op.thread, .size = 0};
    uint8_t refuse_rec[REC] = {0}, lift_rec[REC] = {0};
    /* Every record encoded before any is written: an edit that cannot be
     * made leaves the input as it was. */
    if (!record_encode(&refuse, refuse_rec) || !record_encode(&lift, lift_rec) ||
        !rewrite(in, (size_t)i, &op))
        return false;
    open_gap(in, (size_t)i + 1, 1);
    memcpy(record_at(in, (size_t)i + 1), lift_rec, REC);
    open_gap(in, (size_t)i, 1);
    memcpy(record_at(in, (size_t)i), refuse_rec, REC);
    return true;
}

/* Another kind of the same family (an allocation for an allocation, a free
 * or inspection for one), its fields filled where the new kind needs them. */
static bool other_kind(struct mutation_input *in)
{
    long i = pick_record(in, any_slot_op);
    if (i < 0) return false;
    struct op op;
    record_decode(record_at(in, (size_t)i), &op);
    uint8_t was = op.kind;
    while (op.kind == was) /* each family has more than one kind */
        op.kind = op_uses_size(was) ? allocating_kinds[pick(in, sizeof allocating_kinds)]
                                    : slot_kinds[pick(in, sizeof slot_kinds)];
    if (op_uses_count(op.kind) && op.count == 0) op.count = 1;
    if (op_uses_align(op.kind) && op.align == 0) op.align = (size_t)16 << pick(in, 8);
    return rewrite(in, (size_t)i, &op);
}

/* An operation aimed at the slot another one uses: one block met by two
 * histories. */
static bool other_slot(struct mutation_input *in)
{
    long i = pick_record(in, any_slot_op), j = pick_record(in, any_slot_op);
    if (i < 0 || j < 0 || i == j) return false;
    struct op op, other;
    record_decode(record_at(in, (size_t)i), &op);
    record_decode(record_at(in, (size_t)j), &other);
    if (op.slot == other.slot) return false;
    op.slot = other.slot;
    return rewrite(in, (size_t)i, &op);
}

/* The record's bytes its kind reads (FORMAT.md): a random byte elsewhere
 * would change nothing. */
static unsigned bytes_read(const uint8_t *rec, uint8_t *offsets)
{
    struct op op;
    record_decode(rec, &op);
    unsigned n = 0;
    offsets[n++] = REC_OPCODE;
    offsets[n++] = REC_THREAD;
    if (op_uses_slot(op.kind)) offsets[n++] = REC_SLOT;
    if (op_uses_align(op.kind)) offsets[n++] = REC_ALIGN;
    for (unsigned b = 0; b < 4 && op_uses_size(op.kind); b++)
        offsets[n++] = (uint8_t)(REC_SIZE_WORD + b);
    for (unsigned b = 0; b < 4 && op_uses_count(op.kind); b++)
        offsets[n++] = (uint8_t)(REC_COUNT_WORD + b);
    return n;
}

/* The engine's byte mutator (dictionary words, compared values) inside one
 * record; bytes it erased keep their old values. Without one, a byte the
 * record's kind reads is set at random. */
static bool record_bytes(struct mutation_input *in)
{
    if (in->records == 0) return false;
    uint8_t *rec = record_at(in, pick(in, in->records));
    if (in->params && in->params->byte_mutate) {
        uint8_t copy[REC];
        memcpy(copy, rec, REC);
        size_t n = in->params->byte_mutate(copy, REC, REC);
        memcpy(rec, copy, n < REC ? n : REC);
    } else {
        /* Some bits of a byte the kind reads still decode alike (the
         * opcode's high bits): a few tries for a change that shows. */
        struct op was, now;
        record_decode(rec, &was);
        for (unsigned t = 0; t < PICK_TRIES; t++) {
            uint8_t offsets[REC];
            uint8_t at = offsets[pick(in, bytes_read(rec, offsets))];
            rec[at] = (uint8_t)(rec[at] ^ (1 + pick(in, 255)));
            record_decode(rec, &now);
            if (!op_same(&was, &now)) break;
        }
    }
    return true;
}

/* The engine's byte mutator on the whole input, frame shifts and all: its
 * cheap, wide exploration (extreme words, operations that fail or are
 * skipped) stays in the mix. Without one, nothing. */
static bool engine_bytes(struct mutation_input *in)
{
    if (in->params == NULL || in->params->byte_mutate == NULL) return false;
    size_t n = in->params->byte_mutate(in->data, in->records * REC, in->max_records * REC);
    in->records = n / REC;
    return true;
}

/* ---- the table and the entry points ---- */

typedef bool (*mutation_fn)(struct mutation_input *in);

static const struct {
    mutation_fn apply;
    unsigned weight;
} mutations[MUTATION_COUNT] = {
#define MUTATION_ROW(id, name, fn, weight) [id] = {fn, weight},
    GAUNTLET_MUTATIONS(MUTATION_ROW)
#undef MUTATION_ROW
};

const char *mutation_name(enum mutation m)
{
    switch (m) {
#define MUTATION_NAME(id, name, fn, weight)                                                        \
    case id: return name;
        GAUNTLET_MUTATIONS(MUTATION_NAME)
#undef MUTATION_NAME
    default: return "?";
    }
}

static void start(struct mutation_input *in, uint8_t *data, size_t size, size_t max_size,
                  uint64_t seed, const struct mutate_params *params)
{
    *in = (struct mutation_input){data, size / REC, max_size / REC, {{0}}, params};
    if (in->records > in->max_records) in->records = in->max_records;
    prng_seed(&in->rng, seed);
}

size_t program_mutate_as(enum mutation m, uint8_t *data, size_t size, size_t max_size,
                         uint64_t seed, const struct mutate_params *params, bool *applied)
{
    struct mutation_input in;
    start(&in, data, size, max_size, seed, params);
    *applied = mutations[m].apply(&in);
    return in.records * REC;
}

size_t program_mutate(uint8_t *data, size_t size, size_t max_size, uint64_t seed,
                      const struct mutate_params *params)
{
    struct mutation_input in;
    start(&in, data, size, max_size, seed, params);
    unsigned weights[MUTATION_COUNT];
    for (unsigned m = 0; m < MUTATION_COUNT; m++)
        weights[m] = mutations[m].weight;
    if (params == NULL || params->byte_mutate == NULL) weights[MUT_RECORD_BYTES] /= 2;
    /* An edit that found nothing to act on is followed by another, so the
     * engine gets a changed input whenever one is possible. */
    if (in.records == 0) {
        insert_generated(&in);
        return in.records * REC;
    }
    for (unsigned tries = 0; tries < 4 * PICK_TRIES; tries++)
        if (mutations[prng_weighted(&in.rng, weights, MUTATION_COUNT)].apply(&in)) break;
    return in.records * REC;
}

size_t program_splice(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size,
                      uint8_t *out, size_t max_size, uint64_t seed)
{
    struct prng rng;
    prng_seed(&rng, seed);
    size_t a_records = a_size / REC, b_records = b_size / REC, max_records = max_size / REC;
    /* At least one record of each when both have some and the room allows:
     * never empty, nor just one input cut short. */
    size_t head = a_records ? 1 + prng_below(&rng, (uint32_t)a_records) : 0;
    size_t from = b_records ? prng_below(&rng, (uint32_t)b_records) : 0;
    if (head > max_records) head = max_records;
    size_t tail = b_records - from;
    if (head + tail > max_records) tail = max_records - head;
    memmove(out, a, head * REC);
    memmove(out + head * REC, b + from * REC, tail * REC);
    return (head + tail) * REC;
}
