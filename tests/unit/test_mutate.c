/*
 * test_mutate.c — unit tests of the structure-aware mutator (mutate.c):
 * each edit does what its name says to whole records and nothing else,
 * outputs stay whole records within the room given, and a seed names one
 * output.
 */
#include "internal.h"

#include <check.h>
#include <string.h>

#define REC     GAUNTLET_RECORD_SIZE
#define MAX_OPS 64
#define SEEDS   300

/* A generated program of n records (a program a fuzzer's corpus holds). */
static size_t program_of(uint8_t *out, size_t n, unsigned threads, uint64_t seed)
{
    struct gen_params params;
    gen_params_default(&params);
    params.seed = seed;
    params.ops = n;
    params.threads = threads;
    gen_records(&params, out);
    return n * REC;
}

static void decode_at(const uint8_t *data, size_t i, struct op *op)
{
    record_decode(data + i * REC, op);
}

/* Records of two equal-length programs that decode differently: how many,
 * and the last one's index. */
static size_t differing(const uint8_t *a, const uint8_t *b, size_t records, size_t *where)
{
    size_t n = 0;
    for (size_t i = 0; i < records; i++) {
        struct op x, y;
        decode_at(a, i, &x);
        decode_at(b, i, &y);
        if (!op_same(&x, &y)) {
            n++;
            *where = i;
        }
    }
    return n;
}

START_TEST(every_edit_keeps_whole_records_within_room)
{
    for (unsigned m = 0; m < MUTATION_COUNT; m++)
        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
            uint8_t data[MAX_OPS * REC + 5];
            size_t records = 1 + seed % 20, max = (records + seed % 7) * REC + seed % 11;
            size_t size = program_of(data, records, 1 + seed % 4, seed) + seed % 5;
            bool applied;
            size_t out = program_mutate_as(m, data, size, max, seed, NULL, &applied);
            ck_assert_msg(out % REC == 0 && out <= max, "%s seed %llu: %zu bytes, room %zu",
                          mutation_name(m), (unsigned long long)seed, out, max);
            if (!applied)
                ck_assert_msg(out == records * REC, "%s changed the size without applying",
                              mutation_name(m));
        }
}
END_TEST

START_TEST(a_seed_names_one_output)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint8_t a[MAX_OPS * REC], b[MAX_OPS * REC];
        size_t size = program_of(a, 16, 2, seed);
        memcpy(b, a, size);
        size_t na = program_mutate(a, size, sizeof a, seed * 7, NULL);
        size_t nb = program_mutate(b, size, sizeof b, seed * 7, NULL);
        ck_assert_uint_eq(na, nb);
        ck_assert_mem_eq(a, b, na);
    }
}
END_TEST

START_TEST(a_mutation_changes_the_program)
{
    unsigned unchanged = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint8_t data[MAX_OPS * REC], before[MAX_OPS * REC];
        size_t size = program_of(data, 12, 1, seed), where;
        memcpy(before, data, size);
        size_t out = program_mutate(data, size, sizeof data, seed, NULL);
        if (out == size && differing(before, data, size / REC, &where) == 0) unchanged++;
    }
    /* A random byte of a record can land in a field its kind ignores. */
    ck_assert_msg(unchanged <= SEEDS / 20, "%u of %u mutations changed nothing", unchanged, SEEDS);
}
END_TEST

START_TEST(an_empty_input_becomes_a_program)
{
    uint8_t data[MAX_OPS * REC];
    for (uint64_t seed = 1; seed <= 50; seed++)
        ck_assert_uint_ge(program_mutate(data, 0, sizeof data, seed, NULL), REC);
}
END_TEST

/* One edit of a generated program: the program before and after it. */
struct edited {
    uint8_t before[MAX_OPS * REC], after[MAX_OPS * 8 * REC];
    size_t size, out; /* bytes before and after */
    size_t where;     /* with one record changed: which */
    bool applied;
};

static void edit(struct edited *e, enum mutation m, size_t records, unsigned threads, uint64_t seed,
                 const struct mutate_params *params)
{
    e->size = program_of(e->before, records, threads, seed);
    memcpy(e->after, e->before, e->size);
    e->out = program_mutate_as(m, e->after, e->size, sizeof e->after, seed, params, &e->applied);
}

/* The edit changed exactly one operation, in place: *was and *now. */
static bool one_changed(struct edited *e, struct op *was, struct op *now)
{
    if (!e->applied || e->out != e->size ||
        differing(e->before, e->after, e->size / REC, &e->where) != 1)
        return false;
    decode_at(e->before, e->where, was);
    decode_at(e->after, e->where, now);
    return true;
}

static struct edited e;

/* Mutation `m` of e.before, with room for `room` more bytes than it holds,
 * inserts nothing and says so. */
static void assert_nothing_inserted_without_room(enum mutation m, size_t room, uint64_t seed)
{
    bool applied;
    size_t out = program_mutate_as(m, e.before, e.size, e.size + room, seed, NULL, &applied);
    ck_assert(!applied);
    ck_assert_uint_eq(out, e.size);
}

START_TEST(insert_adds_generated_operations)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_INSERT_GENERATED, 10, 1, seed, NULL);
        ck_assert(e.applied);
        ck_assert_uint_ge(e.out, e.size + REC);
        ck_assert_uint_le(e.out, e.size + 8 * REC);
        assert_nothing_inserted_without_room(MUT_INSERT_GENERATED, 0, seed);
    }
}
END_TEST

START_TEST(delete_leaves_a_prefix_and_a_suffix)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_DELETE_RUN, 10, 2, seed, NULL);
        size_t gone = (e.size - e.out) / REC;
        ck_assert(e.applied && gone >= 1 && gone <= 4);
        size_t head = 0;
        while (head < e.out / REC && memcmp(e.after + head * REC, e.before + head * REC, REC) == 0)
            head++;
        ck_assert_mem_eq(e.after + head * REC, e.before + (head + gone) * REC, e.out - head * REC);
    }
}
END_TEST

START_TEST(repeat_copies_a_run_after_itself)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_REPEAT_RUN, 20, 1, seed, NULL);
        ck_assert(e.applied && e.out > e.size);
        /* after = before[0, a + len) + (before[a, a + len) x times) + before[a + len, end). */
        size_t added = (e.out - e.size) / REC, records = e.size / REC;
        bool found = false;
        for (size_t len = 1; len <= 16 && !found; len++) {
            if (added % len) continue;
            for (size_t a = 0; a + len <= records && !found; a++) {
                size_t end = a + len;
                bool same = memcmp(e.after, e.before, end * REC) == 0 &&
                            memcmp(e.after + (end + added) * REC, e.before + end * REC,
                                   (records - end) * REC) == 0;
                for (size_t t = 0; same && t < added / len; t++)
                    same =
                        memcmp(e.after + (end + t * len) * REC, e.before + a * REC, len * REC) == 0;
                found = same;
            }
        }
        ck_assert_msg(found, "seed %llu: not a run repeated after itself",
                      (unsigned long long)seed);
    }
}
END_TEST

START_TEST(move_keeps_every_record)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_MOVE, 10, 1, seed, NULL);
        ck_assert_uint_eq(e.out, e.size);
        for (size_t i = 0; i < e.size / REC; i++) {
            unsigned in_before = 0, in_after = 0;
            for (size_t j = 0; j < e.size / REC; j++) {
                in_before += memcmp(e.before + j * REC, e.before + i * REC, REC) == 0;
                in_after += memcmp(e.after + j * REC, e.before + i * REC, REC) == 0;
            }
            ck_assert_uint_eq(in_before, in_after);
        }
    }
}
END_TEST

START_TEST(other_thread_hands_one_release_to_another_thread)
{
    unsigned applied = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_OTHER_THREAD, 16, 1, seed, NULL);
        if (!e.applied) continue;
        applied++;
        struct op was, now;
        ck_assert(one_changed(&e, &was, &now));
        ck_assert(now.kind == was.kind && now.slot == was.slot && now.thread != was.thread);
        ck_assert(now.kind == OP_FREE || now.kind == OP_FREE_SIZED || op_is_realloc(now.kind) ||
                  now.kind == OP_CHECK || now.kind == OP_USABLE_SIZE);
    }
    ck_assert_uint_ge(applied, SEEDS / 2);
}
END_TEST

/* Whether the k records at `at` of `after` are a handoff: n mallocs of one
 * size by one thread into consecutive slots, one by another thread into the
 * next slot, n frees of the first n by that thread, the first thread's
 * restart then the second's (or neither), and n mallocs again by both in
 * turn. */
static bool is_handoff(const uint8_t *after, size_t at, size_t k)
{
    bool ends = k % 3 == 0;
    size_t n = (k - 1 - 2 * ends) / 3, again = 2 * n + 1 + 2 * ends;
    if (n < 8 || k % 3 == 2) return false;
    struct op first, own, op;
    decode_at(after, at, &first);
    decode_at(after, at + n, &own);
    unsigned maker = first.thread, taker = own.thread;
    if (taker == maker || own.kind != OP_MALLOC || own.slot != first.slot + n) return false;
    for (size_t i = 0; i < k; i++) {
        decode_at(after, at + i, &op);
        bool fits;
        if (i < n)
            fits = op.kind == OP_MALLOC && op.thread == maker && op.slot == first.slot + i;
        else if (i == n)
            fits = true;
        else if (i < 2 * n + 1)
            fits = op.kind == OP_FREE && op.thread == taker && op.slot == first.slot + i - n - 1;
        else if (i < again)
            fits = op.kind == OP_RESTART && op.thread == (i == 2 * n + 1 ? maker : taker);
        else
            fits = op.kind == OP_MALLOC && op.slot == first.slot + i - again &&
                   op.thread == ((i - again) % 2 ? taker : maker);
        if (!fits || (op.kind == OP_MALLOC && op.size != first.size)) return false;
    }
    return true;
}

/* Where the edit inserted k records (*at), the rest of the program
 * unchanged around them, that `shape` accepts; false when nowhere. */
static bool inserted_whole(const struct edited *ed, size_t k,
                           bool (*shape)(const uint8_t *after, size_t at, size_t k), size_t *at)
{
    for (*at = 0; *at <= ed->size / REC; (*at)++)
        if (memcmp(ed->after, ed->before, *at * REC) == 0 &&
            memcmp(ed->after + (*at + k) * REC, ed->before + *at * REC, ed->size - *at * REC) ==
                0 &&
            shape(ed->after, *at, k))
            return true;
    return false;
}

/* Whether the k records at `at` of `after` are a fill: n >= 8 mallocs (or
 * heap_mallocs) of one size of 1 KiB or more by one thread into consecutive
 * slots, then frees of some of them by that thread, with a heap_visit
 * before and after the frees when the blocks were made in the heap. */
static bool is_fill(const uint8_t *after, size_t at, size_t k)
{
    struct op first, op;
    decode_at(after, at, &first);
    bool in_heap = first.kind == OP_HEAP_MALLOC;
    size_t n = 0;
    for (; n < k; n++) {
        decode_at(after, at + n, &op);
        if (op.kind != first.kind) break;
        if (op.thread != first.thread || op.slot != first.slot + n || op.size != first.size)
            return false;
    }
    size_t frees = k - n - 2 * in_heap;
    if (n < 8 || first.size < 512 || (!in_heap && first.kind != OP_MALLOC) || frees < 1 ||
        frees > 3)
        return false;
    for (size_t i = n; i < k; i++) {
        decode_at(after, at + i, &op);
        bool visit = in_heap && (i == n || i == k - 1);
        bool fits = visit ? op.kind == OP_HEAP_VISIT
                          : op.kind == OP_FREE && op.slot >= first.slot && op.slot < first.slot + n;
        if (!fits || op.thread != first.thread) return false;
    }
    return true;
}

START_TEST(fill_makes_pages_of_one_size_then_frees_some)
{
    unsigned applied = 0, in_heap = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_FILL, 16, 2, seed, NULL);
        if (!e.applied) continue;
        applied++;
        size_t k = (e.out - e.size) / REC, at;
        ck_assert_msg(inserted_whole(&e, k, is_fill, &at), "seed %llu: no fill inserted whole",
                      (unsigned long long)seed);
        struct op first;
        decode_at(e.after, at, &first);
        in_heap += first.kind == OP_HEAP_MALLOC;
        assert_nothing_inserted_without_room(MUT_FILL, 4 * REC, seed); /* not a fill's */
    }
    ck_assert_uint_ge(applied, SEEDS / 2);
    ck_assert_msg(in_heap > 0 && in_heap < applied, "%u of %u fills in the heap", in_heap, applied);
}
END_TEST

/* A shrink-sized-free: right after a block is made, a smaller resize of it
 * (aligned unless plain realloc), its sized free, a request near the
 * alignment, and one of the new size aligned alike. */
START_TEST(shrink_sized_free_lines_up_a_history)
{
    unsigned applied = 0, aligned = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_SHRINK_SIZED_FREE, 16, 2, seed, NULL);
        if (!e.applied) continue;
        applied++;
        ck_assert_uint_eq(e.out, e.size + 4 * REC);
        size_t at = 0;
        while (memcmp(e.before + at * REC, e.after + at * REC, REC) == 0)
            at++;
        struct op made, shrink, sized, near, again;
        decode_at(e.after, at - 1, &made);
        decode_at(e.after, at, &shrink);
        decode_at(e.after, at + 1, &sized);
        decode_at(e.after, at + 2, &near);
        decode_at(e.after, at + 3, &again);
        ck_assert_msg(op_allocates(made.kind) || op_is_realloc(made.kind), "seed %llu",
                      (unsigned long long)seed);
        ck_assert(op_resizes(shrink.kind) && shrink.slot == made.slot);
        ck_assert_uint_lt(shrink.size, made.size);
        ck_assert(sized.kind == OP_FREE_SIZED && sized.slot == made.slot);
        ck_assert(near.kind == OP_MALLOC && near.slot != made.slot);
        ck_assert(again.slot == made.slot && again.size == shrink.size);
        aligned += shrink.align != 0;
        if (shrink.align) ck_assert(again.kind == OP_ALIGNED_ALLOC && again.align == shrink.align);
        ck_assert_uint_eq(memcmp(e.before + at * REC, e.after + (at + 4) * REC, e.size - at * REC),
                          0);
    }
    ck_assert_uint_ge(applied, SEEDS / 2);
    ck_assert_msg(aligned > 0 && aligned < applied, "%u of %u aligned", aligned, applied);
}
END_TEST

START_TEST(handoff_has_another_thread_free_a_burst)
{
    unsigned applied = 0, restarts = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_HANDOFF, 16, 2, seed, NULL);
        if (!e.applied) continue;
        applied++;
        size_t k = (e.out - e.size) / REC, at;
        ck_assert_uint_ge(k, 3 * 8);
        ck_assert_msg(inserted_whole(&e, k, is_handoff, &at),
                      "seed %llu: no handoff inserted whole", (unsigned long long)seed);
        restarts += k % 3 == 0;
        assert_nothing_inserted_without_room(MUT_HANDOFF, 4 * REC, seed); /* nor a burst's */
    }
    ck_assert_uint_ge(applied, SEEDS / 2);
    ck_assert_uint_gt(restarts, applied / 4);
}
END_TEST

/* Two fail_maps records inserted around one call that makes a block: the
 * refusal before it, the lift after it; the call itself unchanged but for
 * its thread, which may be one no operation used before. */
START_TEST(refuse_around_brackets_one_call)
{
    unsigned applied = 0, new_thread = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_REFUSE_AROUND, 16, 2, seed, NULL);
        if (!e.applied) continue;
        applied++;
        ck_assert_uint_eq(e.out, e.size + 2 * REC);
        size_t at = SIZE_MAX, records = e.out / REC;
        for (size_t i = 0; i + 2 < records && at == SIZE_MAX; i++) {
            struct op refuse, lift;
            decode_at(e.after, i, &refuse);
            decode_at(e.after, i + 2, &lift);
            if (refuse.kind == OP_FAIL_MAPS && refuse.size > 0 && lift.kind == OP_FAIL_MAPS &&
                lift.size == 0 && memcmp(e.after, e.before, i * REC) == 0)
                at = i;
        }
        ck_assert_msg(at != SIZE_MAX, "seed %llu: no refusal around a call",
                      (unsigned long long)seed);
        struct op was, now;
        decode_at(e.before, at, &was);
        decode_at(e.after, at + 1, &now);
        ck_assert(op_allocates(now.kind) || op_is_realloc(now.kind));
        ck_assert(now.kind == was.kind && now.slot == was.slot && now.size == was.size);
        new_thread += now.thread != was.thread;
        ck_assert(memcmp(e.after + (at + 3) * REC, e.before + (at + 1) * REC,
                         e.size - (at + 1) * REC) == 0);
    }
    ck_assert_uint_ge(applied, SEEDS / 2);
    ck_assert_uint_ge(new_thread, applied / 4);
}
END_TEST

START_TEST(class_edge_lands_next_to_a_given_edge)
{
    static const size_t edges[] = {48, 640, 3072, 28672};
    const struct mutate_params params = {edges, 4, NULL};
    unsigned changed = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_CLASS_EDGE, 16, 1, seed, &params);
        struct op was, now;
        if (!one_changed(&e, &was, &now)) continue;
        changed++;
        /* calloc's and reallocarray's request is the product: one element. */
        if (op_uses_count(now.kind)) ck_assert_uint_eq(now.count, 1);
        bool near = false;
        for (unsigned k = 0; k < 4; k++)
            near |= now.size + 1 >= edges[k] && now.size <= edges[k] + 2;
        ck_assert_msg(near, "seed %llu: size %zu is next to no edge", (unsigned long long)seed,
                      now.size);
    }
    ck_assert_uint_ge(changed, SEEDS / 2);
}
END_TEST

START_TEST(other_kind_stays_in_its_family)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_OTHER_KIND, 16, 2, seed, NULL);
        struct op was, now;
        if (!one_changed(&e, &was, &now)) continue;
        ck_assert_uint_ne(was.kind, now.kind);
        ck_assert_uint_eq(op_uses_size(was.kind), op_uses_size(now.kind));
        ck_assert_uint_eq(was.slot, now.slot);
        if (op_uses_align(now.kind)) ck_assert_uint_ne(now.align, 0);
    }
}
END_TEST

START_TEST(other_slot_takes_another_operations_slot)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        edit(&e, MUT_OTHER_SLOT, 16, 1, seed, NULL);
        if (!e.applied) continue;
        struct op was, now;
        ck_assert(one_changed(&e, &was, &now));
        bool taken = false;
        for (size_t i = 0; i < e.size / REC; i++) {
            struct op other;
            decode_at(e.before, i, &other);
            taken |= i != e.where && op_uses_slot(other.kind) && other.slot == now.slot;
        }
        ck_assert(taken);
    }
}
END_TEST

static unsigned byte_mutate_calls;

/* An engine's byte mutator that erases: the record keeps its other bytes. */
static size_t invert_first_bytes(uint8_t *data, size_t size, size_t max_size)
{
    ck_assert_uint_eq(size, REC);
    ck_assert_uint_eq(max_size, REC);
    byte_mutate_calls++;
    for (size_t i = 0; i < 6; i++)
        data[i] = (uint8_t)~data[i];
    return 6;
}

START_TEST(record_bytes_edits_one_record_through_the_engine)
{
    const struct mutate_params params = {NULL, 0, invert_first_bytes};
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        byte_mutate_calls = 0;
        edit(&e, MUT_RECORD_BYTES, 16, 1, seed, &params);
        ck_assert(e.applied && e.out == e.size && byte_mutate_calls == 1);
        unsigned changed = 0;
        for (size_t i = 0; i < e.size / REC; i++)
            if (memcmp(e.after + i * REC, e.before + i * REC, REC) != 0) {
                changed++;
                ck_assert_mem_eq(e.after + i * REC + 6, e.before + i * REC + 6, REC - 6);
            }
        ck_assert_uint_eq(changed, 1);
    }
}
END_TEST

/* An engine's byte mutator that appends a few bytes. */
static size_t append_five(uint8_t *data, size_t size, size_t max_size)
{
    ck_assert_uint_ge(max_size, size + 5);
    memset(data + size, 0xAB, 5);
    return size + 5;
}

START_TEST(engine_bytes_keeps_whole_records)
{
    const struct mutate_params params = {NULL, 0, append_five};
    edit(&e, MUT_ENGINE_BYTES, 16, 1, 1, &params);
    ck_assert(e.applied);
    ck_assert_uint_eq(e.out, e.size); /* the five bytes are no record */
    edit(&e, MUT_ENGINE_BYTES, 16, 1, 1, NULL);
    ck_assert(!e.applied && e.out == e.size);
}
END_TEST

START_TEST(splice_joins_a_head_of_one_and_a_tail_of_the_other)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint8_t a[MAX_OPS * REC], b[MAX_OPS * REC], out[MAX_OPS * REC];
        size_t na = program_of(a, 10, 1, seed), nb = program_of(b, 14, 2, seed + 1000);
        size_t max = (seed % 30) * REC;
        size_t n = program_splice(a, na, b, nb, out, max, seed);
        ck_assert(n % REC == 0 && n <= max);
        /* Some head of a, then records b holds in a row from some point. */
        bool tail = false;
        for (size_t h = 0; h <= n / REC && h <= na / REC && !tail; h++) {
            if (memcmp(out, a, h * REC) != 0) break;
            size_t rest = n / REC - h;
            for (size_t from = 0; from + rest <= nb / REC && !tail; from++)
                tail = memcmp(out + h * REC, b + from * REC, rest * REC) == 0;
        }
        ck_assert_msg(tail, "seed %llu: not a head of a and a tail of b", (unsigned long long)seed);
    }
}
END_TEST

START_TEST(records_encode_as_they_decode)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        uint8_t data[16 * REC];
        program_of(data, 16, 4, seed);
        for (size_t i = 0; i < 16; i++) {
            struct op op, again;
            decode_at(data, i, &op);
            uint8_t rec[REC] = {0};
            ck_assert(record_encode(&op, rec));
            record_decode(rec, &again);
            ck_assert(op_same(&op, &again));
        }
    }
}
END_TEST

Suite *mutate_suite(void);
Suite *mutate_suite(void)
{
    Suite *s = suite_create("mutate");
    TCase *t = tcase_create("edits");
    tcase_add_test(t, every_edit_keeps_whole_records_within_room);
    tcase_add_test(t, a_seed_names_one_output);
    tcase_add_test(t, a_mutation_changes_the_program);
    tcase_add_test(t, an_empty_input_becomes_a_program);
    tcase_add_test(t, insert_adds_generated_operations);
    tcase_add_test(t, delete_leaves_a_prefix_and_a_suffix);
    tcase_add_test(t, repeat_copies_a_run_after_itself);
    tcase_add_test(t, move_keeps_every_record);
    tcase_add_test(t, other_thread_hands_one_release_to_another_thread);
    tcase_add_test(t, handoff_has_another_thread_free_a_burst);
    tcase_add_test(t, shrink_sized_free_lines_up_a_history);
    tcase_add_test(t, fill_makes_pages_of_one_size_then_frees_some);
    tcase_add_test(t, refuse_around_brackets_one_call);
    tcase_add_test(t, class_edge_lands_next_to_a_given_edge);
    tcase_add_test(t, other_kind_stays_in_its_family);
    tcase_add_test(t, other_slot_takes_another_operations_slot);
    tcase_add_test(t, record_bytes_edits_one_record_through_the_engine);
    tcase_add_test(t, engine_bytes_keeps_whole_records);
    tcase_add_test(t, splice_joins_a_head_of_one_and_a_tail_of_the_other);
    tcase_add_test(t, records_encode_as_they_decode);
    suite_add_tcase(s, t);
    return s;
}
