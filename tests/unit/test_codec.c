/*
 * test_codec.c — unit tests of the program formats and the generator: the
 * binary codec (codec_binary.c), the edge table (edge_values.c), the text
 * codec (codec_text.c) and the seeded generator (gen.c), against the
 * contract in harness/FORMAT.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "gauntlet.h"
#include "internal.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- helpers ---- */

/* A deterministic byte source for the tests (xorshift64*). */
static uint64_t test_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Du;
}

static void random_bytes(uint64_t *state, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(test_random(state) >> 56);
}

static void assert_programs_equal(const struct program *a, const struct program *b)
{
    ck_assert_uint_eq(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        char la[256], lb[256];
        op_format(&a->ops[i], la, sizeof la);
        op_format(&b->ops[i], lb, sizeof lb);
        ck_assert_msg(op_same(&a->ops[i], &b->ops[i]), "op %zu differs: `%s` vs `%s`", i, la, lb);
    }
}

/* The program as program_write_text writes it; free with free(). */
static char *text_of(const struct program *p, size_t *len)
{
    int fd = memfd_create("gauntlet-test", 0);
    ck_assert_int_ge(fd, 0);
    ck_assert(program_write_text(p, fd));
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(pread(fd, text, (size_t)size, 0), size);
    text[size] = '\0';
    close(fd);
    *len = (size_t)size;
    return text;
}

static void parse_ok(const char *text, struct program *out)
{
    char err[512];
    bool ok = program_parse_text(text, strlen(text), "test.txt", out, err, sizeof err);
    ck_assert_msg(ok, "parse failed: %s\n--- text:\n%s", err, text);
}

static void encode_ok(const struct program *p, uint8_t **bytes, size_t *len)
{
    char err[512];
    ck_assert_msg(program_encode_binary(p, bytes, len, err, sizeof err), "encode failed: %s", err);
    ck_assert_uint_eq(*len, p->count * GAUNTLET_RECORD_SIZE);
}

/* decode → encode → decode gives the same program, and the same text; the
 * text parses back to it too. */
static void assert_round_trips(const struct program *p)
{
    uint8_t *bytes;
    size_t len, text_len, again_len;
    struct program decoded, parsed;
    encode_ok(p, &bytes, &len);
    program_decode_binary(bytes, len, &decoded);
    assert_programs_equal(p, &decoded);

    char *text = text_of(p, &text_len);
    char *again = text_of(&decoded, &again_len);
    ck_assert_str_eq(text, again);
    parse_ok(text, &parsed);
    assert_programs_equal(p, &parsed);

    free(text);
    free(again);
    program_release(&parsed);
    program_release(&decoded);
    hmem_unmap(bytes, len);
}

static void assert_size_reachable(size_t v)
{
    uint32_t word;
    ck_assert_msg(size_word_encode(v, &word), "size %zu has no encoding", v);
    ck_assert_msg(size_word_decode(word) == v, "size %zu encodes to 0x%08x, which decodes to %zu",
                  v, word, size_word_decode(word));
}

static void assert_size_text(size_t v, const char *expected)
{
    char buf[64];
    size_format(v, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

static void generate(uint64_t seed, unsigned threads, size_t ops, bool small_only,
                     struct program *out)
{
    struct gen_params params;
    gen_params_default(&params);
    params.seed = seed;
    params.threads = threads;
    params.ops = ops;
    params.small_only = small_only;
    program_generate(&params, out);
}

/* ---- binary decoding ---- */

static void assert_op_valid(const struct op *op)
{
    enum op_kind kind = op->kind;
    ck_assert_uint_lt(kind, OP_KIND_COUNT);
    ck_assert_uint_lt(op->thread, GAUNTLET_MAX_THREADS);
    if (kind == OP_BARRIER) ck_assert_uint_eq(op->thread, 0);
    if (!op_uses_slot(kind)) ck_assert_uint_eq(op->slot, 0);
    if (!op_uses_size(kind)) ck_assert_uint_eq(op->size, 0);
    if (!op_uses_count(kind) && !op_uses_offset(kind)) ck_assert_uint_eq(op->count, 0);
    if (!op_uses_align(kind)) ck_assert_uint_eq(op->align, 0);
}

START_TEST(every_byte_string_decodes)
{
    uint64_t state = 0x1234567;
    uint8_t buf[400];
    for (int iteration = 0; iteration < 3000; iteration++) {
        size_t len = (size_t)(test_random(&state) % sizeof buf);
        random_bytes(&state, buf, len);
        struct program p;
        program_decode_binary(buf, len, &p);
        ck_assert_uint_eq(p.count, len / GAUNTLET_RECORD_SIZE);
        for (size_t i = 0; i < p.count; i++)
            assert_op_valid(&p.ops[i]);
        program_release(&p);
    }
    struct program empty;
    program_decode_binary(NULL, 0, &empty);
    ck_assert_uint_eq(empty.count, 0);
    program_release(&empty);
}
END_TEST

START_TEST(record_fields_decode_as_specified)
{
    /* t5 calloc s7 SIZE_MAX/m+3 x 16: thread byte 0x85, count mode 3 form 0. */
    const uint8_t rec[12] = {1, 0x85, 7, 0xFF, 0, 0, 0, 0x0A, 3, 0, 0, 0xC0};
    struct program p;
    program_decode_binary(rec, sizeof rec, &p);
    ck_assert_uint_eq(p.count, 1);
    ck_assert_uint_eq(p.ops[0].kind, OP_CALLOC);
    ck_assert_uint_eq(p.ops[0].thread, 5);
    ck_assert_uint_eq(p.ops[0].slot, 7);
    ck_assert_uint_eq(p.ops[0].align, 0); /* calloc has no alignment */
    ck_assert_uint_eq(p.ops[0].size, 16);
    ck_assert_uint_eq(p.ops[0].count, SIZE_MAX / 16 + 1 + 3);
    program_release(&p);

    /* Opcodes 13..15 alias malloc, free, realloc; a barrier ignores its thread. */
    const uint8_t aliases[] = {13, 0, 1, 0,  0,    0, 0,  0,    0, 0,  0, 0, 14, 0x81, 2,
                               0,  0, 0, 0,  0,    0, 0,  0,    0, 15, 0, 3, 0,  0,    0,
                               0,  0, 0, 0,  0,    0, 12, 0xFF, 9, 9,  9, 9, 9,  9,    9,
                               9,  9, 9, 11, 0x7F, 9, 0,  0,    0, 0,  0, 0, 0,  0,    0};
    program_decode_binary(aliases, sizeof aliases, &p);
    ck_assert_uint_eq(p.count, 5);
    ck_assert_uint_eq(p.ops[0].kind, OP_MALLOC);
    ck_assert_uint_eq(p.ops[1].kind, OP_FREE);
    ck_assert_uint_eq(p.ops[1].thread, 1);
    ck_assert_uint_eq(p.ops[2].kind, OP_REALLOC);
    ck_assert_uint_eq(p.ops[3].kind, OP_BARRIER);
    ck_assert_uint_eq(p.ops[3].thread, 0);
    ck_assert_uint_eq(p.ops[3].slot, 0);
    ck_assert_uint_eq(p.ops[4].kind, OP_RESTART);
    ck_assert_uint_eq(p.ops[4].thread, 0); /* thread byte < 128 */
    program_release(&p);
}
END_TEST

START_TEST(random_bytes_round_trip)
{
    uint64_t state = 0xC0DEC;
    uint8_t buf[12 * 40 + 11];
    for (int iteration = 0; iteration < 2000; iteration++) {
        size_t len = (size_t)(test_random(&state) % sizeof buf);
        random_bytes(&state, buf, len);
        struct program p;
        program_decode_binary(buf, len, &p);
        assert_round_trips(&p);
        program_release(&p);
    }
}
END_TEST

START_TEST(generated_programs_round_trip)
{
    for (uint64_t seed = 1; seed <= 200; seed++) {
        for (unsigned threads = 1; threads <= GAUNTLET_MAX_THREADS; threads++) {
            struct program p;
            generate(seed, threads, 64, false, &p);
            ck_assert_uint_eq(p.count, 64);
            assert_round_trips(&p);
            program_release(&p);
        }
        struct program small;
        generate(seed, 1, 64, true, &small);
        assert_round_trips(&small);
        program_release(&small);
    }
}
END_TEST

START_TEST(encoding_refuses_values_without_encoding)
{
    struct program p;
    program_init(&p);
    struct op op = {.kind = OP_MALLOC, .slot = 1, .size = 123456789012u};
    program_append(&p, &op);
    uint8_t *bytes = (uint8_t *)1;
    size_t len = 99;
    char err[256];
    ck_assert(!program_encode_binary(&p, &bytes, &len, err, sizeof err));
    ck_assert_ptr_null(bytes);
    ck_assert_uint_eq(len, 0);
    ck_assert_msg(strstr(err, "123456789012") && strstr(err, "no binary encoding"), "%s", err);

    p.ops[0] = (struct op){.kind = OP_MALLOC, .thread = GAUNTLET_MAX_THREADS};
    ck_assert(!program_encode_binary(&p, &bytes, &len, err, sizeof err));
    p.ops[0] = (struct op){.kind = OP_MEMALIGN, .size = 8, .align = 7};
    ck_assert(!program_encode_binary(&p, &bytes, &len, err, sizeof err));
    ck_assert_msg(strstr(err, "alignment 7"), "%s", err);
    program_release(&p);
}
END_TEST

/* ---- size words ---- */

START_TEST(every_size_below_2_26_round_trips)
{
    for (size_t v = 0; v < ((size_t)1 << 26); v++) {
        uint32_t word;
        if (!size_word_encode(v, &word) || size_word_decode(word) != v || (word >> 30) != 0)
            ck_abort_msg("size %zu: word 0x%08x", v, word);
    }
}
END_TEST

START_TEST(edge_table_is_sorted_and_reachable)
{
    ck_assert_uint_gt(edge_size_count, 0);
    for (size_t i = 1; i < edge_size_count; i++)
        ck_assert_uint_lt(edge_sizes[i - 1], edge_sizes[i]);
    for (size_t i = 0; i < edge_size_count; i++)
        for (int delta = -127; delta <= 127; delta++)
            assert_size_reachable(edge_sizes[i] + (size_t)(int64_t)delta);
}
END_TEST

START_TEST(extreme_sizes_are_reachable)
{
    assert_size_reachable(PTRDIFF_MAX);
    assert_size_reachable((size_t)PTRDIFF_MAX + 1);
    assert_size_reachable((size_t)PTRDIFF_MAX - 1);
    for (size_t k = 0; k < 100000; k++)
        assert_size_reachable(SIZE_MAX - k);
    for (unsigned p = 2; p < 64; p++)
        for (int64_t d = -100; d <= 100; d++)
            assert_size_reachable(((size_t)1 << p) + (size_t)d);
    for (unsigned p = 26; p < 63; p++) /* the top 26 bits are free below 2^63 */
        assert_size_reachable(((size_t)1 << p) | ((size_t)0x1FFFFFF << (p - 25)));

    uint32_t word;
    ck_assert(!size_word_encode(123456789012u, &word));
    ck_assert(!size_word_encode(((size_t)1 << 40) + ((size_t)1 << 24) + 1, &word));
}
END_TEST

START_TEST(every_decoded_size_encodes)
{
    uint64_t state = 0x5EED;
    for (int i = 0; i < 2000000; i++) {
        uint32_t word = (uint32_t)test_random(&state), again;
        size_t v = size_word_decode(word);
        if (!size_word_encode(v, &again) || size_word_decode(again) != v)
            ck_abort_msg("word 0x%08x decodes to %zu, which does not re-encode", word, v);
    }
}
END_TEST

/* ---- count words ---- */

static const size_t element_sizes[] = {0,
                                       1,
                                       2,
                                       3,
                                       7,
                                       16,
                                       100,
                                       4096,
                                       (size_t)1 << 20,
                                       ((size_t)1 << 40) + 3,
                                       SIZE_MAX / 2,
                                       (size_t)PTRDIFF_MAX + 1,
                                       SIZE_MAX};

static uint32_t relative_word(unsigned form, uint32_t k)
{
    return 3u << 30 | form << 28 | k;
}

START_TEST(relative_counts_mean_what_they_say)
{
    static const uint32_t ks[] = {0, 1, 2, 100, 0xFFFF};
    for (size_t i = 1; i < sizeof element_sizes / sizeof element_sizes[0]; i++) {
        size_t m = element_sizes[i], product;
        for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
            uint32_t k = ks[j];
            size_t beyond = count_word_decode(relative_word(0, k), m);
            ck_assert_uint_eq(beyond, SIZE_MAX / m + 1 + k);
            /* With m = 1, SIZE_MAX/m + 1 wraps to 0: only larger m overflow. */
            if (m >= 2) ck_assert(__builtin_mul_overflow(beyond, m, &product));

            size_t below = count_word_decode(relative_word(1, k), m);
            ck_assert_uint_eq(below, SIZE_MAX / m - k);
            if (k <= SIZE_MAX / m) ck_assert(!__builtin_mul_overflow(below, m, &product));

            size_t past_ptrdiff = count_word_decode(relative_word(2, k), m);
            ck_assert_uint_eq(past_ptrdiff, PTRDIFF_MAX / m + 1 + k);
            ck_assert(__builtin_mul_overflow(past_ptrdiff, m, &product) || product > PTRDIFF_MAX);

            size_t under_ptrdiff = count_word_decode(relative_word(3, k), m);
            ck_assert_uint_eq(under_ptrdiff, PTRDIFF_MAX / m - k);
            if (k <= PTRDIFF_MAX / m) {
                ck_assert(!__builtin_mul_overflow(under_ptrdiff, m, &product));
                ck_assert_uint_le(product, PTRDIFF_MAX);
            }
        }
    }
    /* With m = 0 the relative form is just k. */
    ck_assert_uint_eq(count_word_decode(relative_word(2, 77), 0), 77);
    /* Modes 0..2 are the size word. */
    ck_assert_uint_eq(count_word_decode(7u << 25, 16), 64);
}
END_TEST

START_TEST(every_decoded_count_encodes)
{
    uint64_t state = 0xC0117;
    for (size_t i = 0; i < sizeof element_sizes / sizeof element_sizes[0]; i++) {
        size_t m = element_sizes[i];
        for (int n = 0; n < 200000; n++) {
            uint32_t word = (uint32_t)test_random(&state), again;
            size_t count = count_word_decode(word, m);
            if (!count_word_encode(count, m, &again) || count_word_decode(again, m) != count)
                ck_abort_msg("count word 0x%08x with m %zu: %zu does not re-encode", word, m,
                             count);
        }
    }
    uint32_t word;
    ck_assert(count_word_encode(SIZE_MAX / 16 + 1, 16, &word));
    ck_assert_uint_eq(count_word_decode(word, 16), SIZE_MAX / 16 + 1);
    ck_assert(!count_word_encode(SIZE_MAX - 1000, 0, &word));
    ck_assert(!count_word_encode(SIZE_MAX - 1000, 3, &word));
}
END_TEST

/* ---- align bytes ---- */

static void assert_align_reachable(size_t align)
{
    uint8_t byte;
    ck_assert_msg(align_byte_encode(align, &byte), "alignment %zu has no encoding", align);
    ck_assert_uint_eq(align_byte_decode(byte), align);
}

START_TEST(alignments_are_reachable)
{
    assert_align_reachable(0);
    assert_align_reachable(3);
    assert_align_reachable(24);
    assert_align_reachable((size_t)2 << 20);
    for (unsigned e = 0; e < 24; e++) {
        assert_align_reachable((size_t)1 << e);
        assert_align_reachable((size_t)3 << e);
        assert_align_reachable(((size_t)1 << e) + 1);
    }
    for (unsigned e = 32; e < 64; e++)
        assert_align_reachable((size_t)1 << e);
    for (unsigned b = 0; b < 256; b++)
        assert_align_reachable(align_byte_decode((uint8_t)b));
    unsigned valid = 0;
    for (unsigned b = 0; b < 256; b++) {
        size_t a = align_byte_decode((uint8_t)b);
        valid += a != 0 && (a & (a - 1)) == 0 && a <= ((size_t)1 << 23);
    }
    ck_assert_uint_ge(valid, 128); /* half of all bytes are valid powers of two */
    uint8_t byte;
    ck_assert(!align_byte_encode(7, &byte));
    ck_assert(!align_byte_encode((size_t)1 << 24, &byte));
    ck_assert(!align_byte_encode((size_t)1 << 31, &byte));
}
END_TEST

/* ---- text form ---- */

static const char format_example[] =
    "t0 malloc s1 100\n"
    "t0 calloc s2 10 x 16                    # count x element-size\n"
    "t1 calloc s3 SIZE_MAX/m+1 x 16          # relative count: m is the element size\n"
    "t0 realloc s1 4KiB\n"
    "t0 reallocarray s1 4 x 100\n"
    "t1 free s1\n"
    "t0 free_sized s2\n"
    "t0 aligned_alloc s4 1000 align 64\n"
    "t0 posix_memalign s5 100 align 24\n"
    "t0 memalign s6 2MiB align 2MiB\n"
    "t0 check s4\n"
    "t0 usable_size s4\n"
    "t2 restart\n"
    "barrier                                  # no thread (a leading t0 is accepted too)\n"
    "t1 collect                               # the allocator gives back what it caches\n"
    "t0 expand s1 120                         # resize the block in place, if it can\n"
    "t0 realloc_aligned s1 300 align 64       # resize it to a 64-aligned block, if it can\n"
    "t0 malloc_aligned_at s7 100 align 64 offset 16 # p + 16 is 64-aligned\n"
    "t1 heap_malloc s8 100\n"
    "t1 heap_visit\n"
    "t1 heap_delete\n"
    "t1 heap_destroy\n"
    "t0 predict s4\n"
    "t0 new s9 100\n"
    "t0 new_aligned s10 100 align 64\n"
    "t0 zalloc s11 100 align 64               # every byte zero\n"
    "t0 rezalloc s11 300 align 64             # resized, the bytes it adds zero\n";

static void assert_op(const struct op *op, enum op_kind kind, unsigned thread, unsigned slot,
                      size_t size, size_t count, size_t align)
{
    const struct op expected = {(uint8_t)kind, (uint8_t)thread, (uint8_t)slot, size, count, align};
    char got[256], want[256];
    op_format(op, got, sizeof got);
    op_format(&expected, want, sizeof want);
    ck_assert_msg(op_same(op, &expected), "got `%s`, expected `%s`", got, want);
}

/* Opcodes 28..31 are realloc_aligned, fail_maps, collect and expand, one
 * opcode in 32 each; collect uses no slot, size, count or alignment, expand
 * no count or alignment. */
START_TEST(rare_opcodes_decode_as_specified)
{
    /* size word 0x0A000000: log mode, exponent 5, size 16; align byte 6: 64 */
    const uint8_t rare[] = {28, 0x81, 4, 6, 0,  0, 0, 0x0A, 1,  2,    3, 4,    29, 0, 5, 0,
                            0,  0,    0, 0, 0,  0, 0, 0,    30, 0x83, 9, 7,    1,  2, 3, 4,
                            5,  6,    7, 8, 31, 0, 2, 7,    0,  0,    0, 0x0A, 1,  2, 3, 4};
    struct program p;
    program_decode_binary(rare, sizeof rare, &p);
    ck_assert_uint_eq(p.count, 4);
    assert_op(&p.ops[0], OP_REALLOC_ALIGNED, 1, 4, 16, 0, 64);
    ck_assert_uint_eq(p.ops[1].kind, OP_FAIL_MAPS);
    assert_op(&p.ops[2], OP_COLLECT, 3, 0, 0, 0, 0);
    assert_op(&p.ops[3], OP_EXPAND, 0, 2, 16, 0, 0);
    assert_round_trips(&p);
    program_release(&p);
    /* Every kind is written with an opcode that decodes to it. */
    for (unsigned k = 0; k < OP_KIND_COUNT; k++) {
        uint8_t rec[12] = {record_opcode((enum op_kind)k)};
        program_decode_binary(rec, sizeof rec, &p);
        ck_assert_uint_eq(p.count, 1);
        ck_assert_uint_eq(p.ops[0].kind, k);
        program_release(&p);
    }
}
END_TEST

START_TEST(format_example_parses)
{
    struct program p;
    parse_ok(format_example, &p);
    ck_assert_uint_eq(p.count, 27);
    assert_op(&p.ops[0], OP_MALLOC, 0, 1, 100, 0, 0);
    assert_op(&p.ops[1], OP_CALLOC, 0, 2, 16, 10, 0);
    assert_op(&p.ops[2], OP_CALLOC, 1, 3, 16, SIZE_MAX / 16 + 1, 0);
    assert_op(&p.ops[3], OP_REALLOC, 0, 1, 4096, 0, 0);
    assert_op(&p.ops[4], OP_REALLOCARRAY, 0, 1, 100, 4, 0);
    assert_op(&p.ops[5], OP_FREE, 1, 1, 0, 0, 0);
    assert_op(&p.ops[6], OP_FREE_SIZED, 0, 2, 0, 0, 0);
    assert_op(&p.ops[7], OP_ALIGNED_ALLOC, 0, 4, 1000, 0, 64);
    assert_op(&p.ops[8], OP_POSIX_MEMALIGN, 0, 5, 100, 0, 24);
    assert_op(&p.ops[9], OP_MEMALIGN, 0, 6, 2 << 20, 0, 2 << 20);
    assert_op(&p.ops[10], OP_CHECK, 0, 4, 0, 0, 0);
    assert_op(&p.ops[11], OP_USABLE_SIZE, 0, 4, 0, 0, 0);
    assert_op(&p.ops[12], OP_RESTART, 2, 0, 0, 0, 0);
    assert_op(&p.ops[13], OP_BARRIER, 0, 0, 0, 0, 0);
    assert_op(&p.ops[14], OP_COLLECT, 1, 0, 0, 0, 0);
    assert_op(&p.ops[15], OP_EXPAND, 0, 1, 120, 0, 0);
    assert_op(&p.ops[16], OP_REALLOC_ALIGNED, 0, 1, 300, 0, 64);
    assert_op(&p.ops[17], OP_MALLOC_ALIGNED_AT, 0, 7, 100, 16, 64);
    assert_op(&p.ops[18], OP_HEAP_MALLOC, 1, 8, 100, 0, 0);
    assert_op(&p.ops[19], OP_HEAP_VISIT, 1, 0, 0, 0, 0);
    assert_op(&p.ops[20], OP_HEAP_DELETE, 1, 0, 0, 0, 0);
    assert_op(&p.ops[21], OP_HEAP_DESTROY, 1, 0, 0, 0, 0);
    assert_op(&p.ops[22], OP_PREDICT, 0, 4, 0, 0, 0);
    assert_op(&p.ops[23], OP_NEW, 0, 9, 100, 0, 0);
    assert_op(&p.ops[24], OP_NEW_ALIGNED, 0, 10, 100, 0, 64);
    assert_op(&p.ops[25], OP_ZALLOC, 0, 11, 100, 0, 64);
    assert_op(&p.ops[26], OP_REZALLOC, 0, 11, 300, 0, 64);
    size_t product;
    ck_assert(__builtin_mul_overflow(p.ops[2].count, p.ops[2].size, &product));
    assert_round_trips(&p);
    program_release(&p);
}
END_TEST

START_TEST(number_forms_parse)
{
    static const struct {
        const char *text;
        size_t value;
    } cases[] = {
        {"100", 100},
        {"0x64", 100},
        {"0xFFff", 0xFFFF},
        {"4KiB", 4096},
        {"4KiB+1", 4097},
        {"3MiB", 3 << 20},
        {"2GiB", (size_t)2 << 30},
        {"0x2KiB", 2048},
        {"2^0", 1},
        {"2^40+3", ((size_t)1 << 40) + 3},
        {"2^63", (size_t)1 << 63},
        {"SIZE_MAX", SIZE_MAX},
        {"SIZE_MAX-7", SIZE_MAX - 7},
        {"SIZE_MAX+1", 0},
        {"PTRDIFF_MAX", PTRDIFF_MAX},
        {"PTRDIFF_MAX+1", (size_t)PTRDIFF_MAX + 1},
        {"PTRDIFF_MAX-0x10", PTRDIFF_MAX - 16},
        {"1024-1", 1023},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "t0 malloc s0 %s", cases[i].text);
        struct program p;
        parse_ok(line, &p);
        ck_assert_msg(p.ops[0].size == cases[i].value, "`%s` parsed as %zu", cases[i].text,
                      p.ops[0].size);
        program_release(&p);
    }
}
END_TEST

START_TEST(line_structure_parses)
{
    struct program p;
    parse_ok("\r\n  # only a comment\n\t t7 free s255\t# trailing comment\r\n"
             "t3 malloc s9 100#no space before the comment\n"
             "t0 barrier\n"
             "t0 calloc s1 PTRDIFF_MAX/m-3 x 8\n"
             "t0 reallocarray s2 SIZE_MAX/m x 3\n"
             "t0 aligned_alloc s3 64 align 2^40",
             &p);
    ck_assert_uint_eq(p.count, 6);
    assert_op(&p.ops[0], OP_FREE, 7, 255, 0, 0, 0);
    assert_op(&p.ops[1], OP_MALLOC, 3, 9, 100, 0, 0);
    assert_op(&p.ops[2], OP_BARRIER, 0, 0, 0, 0, 0);
    assert_op(&p.ops[3], OP_CALLOC, 0, 1, 8, PTRDIFF_MAX / 8 - 3, 0);
    assert_op(&p.ops[4], OP_REALLOCARRAY, 0, 2, 3, SIZE_MAX / 3, 0);
    assert_op(&p.ops[5], OP_ALIGNED_ALLOC, 0, 3, 64, 0, (size_t)1 << 40);
    program_release(&p);

    parse_ok("", &p);
    ck_assert_uint_eq(p.count, 0);
    program_release(&p);
}
END_TEST

static void assert_parse_error(const char *text, const char *expected_start)
{
    struct program p;
    char err[512];
    ck_assert_msg(!program_parse_text(text, strlen(text), "f.txt", &p, err, sizeof err),
                  "`%s` parsed", text);
    ck_assert_msg(strncmp(err, expected_start, strlen(expected_start)) == 0,
                  "`%s`: got \"%s\", expected \"%s…\"", text, err, expected_start);
    ck_assert_uint_eq(p.count, 0);
}

START_TEST(parse_errors_point_at_the_problem)
{
    assert_parse_error("t0 malloc s1 100\nt0 mallok s1 5\n",
                       "f.txt:2:4: unknown operation `mallok`");
    assert_parse_error("t0 malloc", "f.txt:1:10: missing slot `sN`");
    assert_parse_error("t0 free 1", "f.txt:1:9: expected a slot `sN`, got `1`");
    assert_parse_error("t0 malloc s256 1", "f.txt:1:11: slot `s256` out of range (0..255)");
    assert_parse_error("\n\nt8 malloc s1 1", "f.txt:3:1: thread `t8` out of range (0..7)");
    assert_parse_error("t99999999999999999999999 restart", "f.txt:1:1: thread `t9");
    assert_parse_error("malloc s1 10", "f.txt:1:1: missing thread");
    assert_parse_error("x0 malloc s1 10", "f.txt:1:1: expected a thread `tN`, got `x0`");
    assert_parse_error("t0 malloc s1", "f.txt:1:13: missing size");
    assert_parse_error("t0 malloc s1 12x", "f.txt:1:14: bad number `12x`");
    assert_parse_error("t0 malloc s1 2^64", "f.txt:1:14: bad number `2^64`");
    assert_parse_error("t0 malloc s1 99999999999999999999", "f.txt:1:14: bad number");
    assert_parse_error("t0 malloc s1 1.5KiB", "f.txt:1:14: bad number `1.5KiB`");
    assert_parse_error("t0 malloc s1 SIZE_MAX/m", "f.txt:1:14: bad number `SIZE_MAX/m`");
    assert_parse_error("t0 malloc s1 4kib", "f.txt:1:14: bad number `4kib`");
    assert_parse_error("t0 malloc s1 123456789012",
                       "f.txt:1:14: size 123456789012 has no binary encoding (");
    assert_parse_error("t0 free s1 junk", "f.txt:1:12: trailing garbage `junk`");
    assert_parse_error("barrier now", "f.txt:1:9: trailing garbage `now`");
    assert_parse_error("t3 barrier", "f.txt:1:1: barrier has no thread");
    assert_parse_error("  # comment\n\n\tt0 aligned_alloc s1 64 align 7",
                       "f.txt:3:31: alignment 7 has no binary encoding");
    assert_parse_error("t0 aligned_alloc s1 64", "f.txt:1:23: missing `align N`");
    assert_parse_error("t0 aligned_alloc s1 64 alignment 8", "f.txt:1:24: expected `align`");
    assert_parse_error("t0 calloc s1 10 16", "f.txt:1:17: expected `x`, got `16`");
    assert_parse_error("t0 calloc s1 10 x", "f.txt:1:18: missing element size");
    assert_parse_error("t0 calloc s1 SIZE_MAX/m x 0", "f.txt:1:14: `SIZE_MAX/m` needs");
    assert_parse_error("t0 calloc s1 123456789012 x 0",
                       "f.txt:1:14: count 123456789012 has no binary encoding");

    struct program p;
    char err[256];
    ck_assert(!program_parse_text("t0 nope", 7, NULL, &p, err, sizeof err));
    ck_assert_msg(strstr(err, ":1:4: unknown operation `nope`"), "%s", err);
    /* The length, not a NUL, ends the text. */
    ck_assert(program_parse_text("t0 malloc s1 1garbage", 14, "f", &p, err, sizeof err));
    ck_assert_uint_eq(p.count, 1);
    program_release(&p);
}
END_TEST

START_TEST(canonical_printing)
{
    assert_size_text(0, "0");
    assert_size_text(100, "100");
    assert_size_text(1023, "1023");
    assert_size_text(1024, "1KiB");
    assert_size_text(1025, "1025");
    assert_size_text(4096, "4KiB");
    assert_size_text(3 << 20, "3MiB");
    assert_size_text((size_t)2 << 30, "2GiB");
    assert_size_text(UINT32_MAX, "4294967295");
    assert_size_text(SIZE_MAX, "SIZE_MAX");
    assert_size_text(SIZE_MAX - 7, "SIZE_MAX-7");
    assert_size_text(PTRDIFF_MAX, "PTRDIFF_MAX");
    assert_size_text((size_t)PTRDIFF_MAX + 1, "PTRDIFF_MAX+1");
    assert_size_text(PTRDIFF_MAX - 5, "PTRDIFF_MAX-5");
    assert_size_text((size_t)1 << 32, "2^32");
    assert_size_text(((size_t)1 << 40) + 3, "2^40+3");
    assert_size_text(((size_t)1 << 40) - 3, "2^40-3");
    assert_size_text(((size_t)1 << 41) - 3, "2^41-3");
    assert_size_text(((size_t)1 << 40) + ((size_t)1 << 30), "0x10040000000");

    char line[256];
    struct op calloc_op = {
        .kind = OP_CALLOC, .thread = 1, .slot = 3, .size = 16, .count = SIZE_MAX / 16 + 1};
    op_format(&calloc_op, line, sizeof line);
    ck_assert_str_eq(line, "t1 calloc s3 SIZE_MAX/m+1 x 16");
    calloc_op.count = PTRDIFF_MAX / 16 - 2;
    op_format(&calloc_op, line, sizeof line);
    ck_assert_str_eq(line, "t1 calloc s3 PTRDIFF_MAX/m-2 x 16");
    calloc_op = (struct op){.kind = OP_REALLOCARRAY, .slot = 1, .size = 1, .count = SIZE_MAX};
    op_format(&calloc_op, line, sizeof line);
    ck_assert_str_eq(line, "t0 reallocarray s1 SIZE_MAX x 1");

    struct op memalign_op = {.kind = OP_MEMALIGN, .slot = 6, .size = 2 << 20, .align = 2 << 20};
    op_format(&memalign_op, line, sizeof line);
    ck_assert_str_eq(line, "t0 memalign s6 2MiB align 2097152");
    memalign_op.align = (size_t)1 << 40;
    op_format(&memalign_op, line, sizeof line);
    ck_assert_str_eq(line, "t0 memalign s6 2MiB align 2^40");

    struct op barrier_op = {.kind = OP_BARRIER};
    op_format(&barrier_op, line, sizeof line);
    ck_assert_str_eq(line, "barrier");

    /* Truncation stays within the buffer and NUL-terminates. */
    char tiny[5];
    size_format(SIZE_MAX, tiny, sizeof tiny);
    ck_assert_str_eq(tiny, "SIZE");
}
END_TEST

START_TEST(written_text_has_a_header)
{
    struct program p;
    parse_ok("t0 malloc s1 100\nt2 free s1\n", &p);
    size_t len;
    char *text = text_of(&p, &len);
    ck_assert_str_eq(text, "# gauntlet program: 2 operations, 3 threads\n"
                           "t0 malloc s1 100\n"
                           "t2 free s1\n");
    free(text);
    program_release(&p);
}
END_TEST

/* A program's `# rounds:` line: a whole line, within what the reuse rule
 * judges, once; written back after the header. */
START_TEST(rounds_line_is_read_and_written)
{
    struct program p;
    parse_ok("# a leak shows over rounds\n# rounds: 48\nt0 malloc s1 100\n", &p);
    ck_assert_uint_eq(p.rounds, 48);
    ck_assert_uint_eq(p.count, 1);
    size_t len;
    char *text = text_of(&p, &len);
    ck_assert_str_eq(text, "# gauntlet program: 1 operations, 1 threads\n"
                           "# rounds: 48\n"
                           "t0 malloc s1 100\n");
    free(text);
    program_release(&p);
    parse_ok("t0 malloc s1 100 # rounds: 48\n#rounds: 48\n", &p);
    ck_assert_uint_eq(p.rounds, 0); /* comments like any other */
    program_release(&p);
    parse_ok("  # rounds:\t256 \r\n", &p);
    ck_assert_uint_eq(p.rounds, 256);
    program_release(&p);
    assert_parse_error("# rounds: 31\n",
                       "f.txt:1:1: `# rounds:` needs a number of rounds, 32..256");
    assert_parse_error("# rounds: 257\n", "f.txt:1:1: `# rounds:` needs");
    assert_parse_error("# rounds: 99999999999999999999999\n", "f.txt:1:1: `# rounds:` needs");
    assert_parse_error("# rounds:\n", "f.txt:1:1: `# rounds:` needs");
    assert_parse_error("# rounds: 32 twice\n", "f.txt:1:1: `# rounds:` needs");
    assert_parse_error("# rounds: 32\n# rounds: 64\n", "f.txt:2:1: a second `# rounds:` line");
}
END_TEST

static enum program_form form_of(const char *s, size_t len, size_t *at)
{
    return program_form_of((const uint8_t *)s, len, at);
}

/* Text is every byte text (the parser then says what is wrong), binary
 * begins with the header, anything else is neither, at its first non-text
 * byte: no file is silently read as a binary program by its look. */
START_TEST(text_is_told_from_binary)
{
    size_t at = 0;
    ck_assert_int_eq(program_form_of(NULL, 0, &at), FORM_TEXT);
    ck_assert_int_eq(form_of(" \r\n\t\n", 5, &at), FORM_TEXT);
    ck_assert_int_eq(form_of("# comment\nt0 malloc s1 1\n", 25, &at), FORM_TEXT);
    ck_assert_int_eq(form_of("malloc s1 1", 11, &at), FORM_TEXT); /* text, with an error */
    ck_assert_int_eq(form_of("\xef\xbb\xbft0 malloc s1 1", 17, &at), FORM_TEXT); /* a BOM */
    ck_assert_int_eq(form_of("# \xc2\xb5s\n", 6, &at), FORM_TEXT);               /* µ */
    ck_assert_int_eq(form_of("t0 malloc s1 \x80", 14, &at), FORM_NEITHER);
    ck_assert_uint_eq(at, 13);
    ck_assert_int_eq(form_of("t0\0", 3, &at), FORM_NEITHER);
    ck_assert_uint_eq(at, 2);
    ck_assert_int_eq(form_of("t0 malloc\v s1 1", 15, &at), FORM_NEITHER);
    ck_assert_uint_eq(at, 9);
    uint8_t record[24] = {0};
    ck_assert_int_eq(program_form_of(record, 12, &at), FORM_NEITHER);
    memcpy(record, PROGRAM_BINARY_HEADER, PROGRAM_BINARY_HEADER_LEN);
    ck_assert_int_eq(program_form_of(record, 24, &at), FORM_BINARY);
    /* The header is skipped by the decoder: one zero record, one malloc. */
    struct program p;
    program_decode_binary(record, 24, &p);
    ck_assert_uint_eq(p.count, 1);
    ck_assert_int_eq(p.ops[0].kind, OP_MALLOC);
    program_release(&p);
}
END_TEST

/* ---- generator ---- */

START_TEST(generator_is_deterministic)
{
    uint8_t *previous = NULL;
    size_t previous_len = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        struct program a, b;
        uint8_t *ba, *bb;
        size_t la, lb;
        generate(seed, 4, 64, false, &a);
        generate(seed, 4, 64, false, &b);
        encode_ok(&a, &ba, &la);
        encode_ok(&b, &bb, &lb);
        ck_assert_uint_eq(la, lb);
        ck_assert_mem_eq(ba, bb, la);
        if (previous)
            ck_assert_msg(la != previous_len || memcmp(ba, previous, la) != 0,
                          "seeds %d and %d generate the same program", (int)seed - 1, (int)seed);
        hmem_unmap(previous, previous_len);
        previous = ba;
        previous_len = la;
        hmem_unmap(bb, lb);
        program_release(&a);
        program_release(&b);
    }
    hmem_unmap(previous, previous_len);

    /* Generation is sequential: a shorter program is a prefix of a longer
     * one with the same seed (across the generator's internal chunks too). */
    struct program shorter, longer;
    generate(99, 3, 3000, false, &shorter);
    generate(99, 3, 5000, false, &longer);
    ck_assert_uint_eq(longer.count, 5000);
    for (size_t i = 0; i < shorter.count; i++)
        ck_assert(op_same(&shorter.ops[i], &longer.ops[i]));
    program_release(&shorter);
    program_release(&longer);
}
END_TEST

/* Replays the program's slot ownership: how many frees release a block
 * another thread allocated, and how many distinct threads run operations. */
static void thread_use(const struct program *p, unsigned *threads_used, unsigned *cross_frees)
{
    int owner[GAUNTLET_MAX_SLOTS];
    bool used[GAUNTLET_MAX_THREADS] = {false};
    for (int i = 0; i < GAUNTLET_MAX_SLOTS; i++)
        owner[i] = -1;
    *cross_frees = 0;
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        used[op->thread] = true;
        if (op_allocates(op->kind) || op->kind == OP_REALLOC || op->kind == OP_REALLOCARRAY)
            owner[op->slot] = op->thread;
        if (op->kind == OP_FREE || op->kind == OP_FREE_SIZED) {
            *cross_frees += owner[op->slot] >= 0 && owner[op->slot] != op->thread;
            owner[op->slot] = -1;
        }
    }
    *threads_used = 0;
    for (int t = 0; t < GAUNTLET_MAX_THREADS; t++)
        *threads_used += used[t];
}

START_TEST(generator_uses_threads_and_crosses_them)
{
    unsigned with_cross_frees = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        struct program p;
        unsigned threads_used, cross_frees;
        generate(seed, 4, 64, false, &p);
        thread_use(&p, &threads_used, &cross_frees);
        ck_assert_msg(threads_used >= 2, "seed %d uses %u threads", (int)seed, threads_used);
        ck_assert_uint_le(program_thread_count(&p), 4);
        with_cross_frees += cross_frees > 0;
        program_release(&p);

        generate(seed, 4, 1000, false, &p);
        thread_use(&p, &threads_used, &cross_frees);
        ck_assert_uint_eq(threads_used, 4);
        ck_assert_uint_gt(cross_frees, 0);
        program_release(&p);
    }
    ck_assert_uint_ge(with_cross_frees, 40);

    /* One thread: no barrier (nothing to wait for), but restarts, so that a
     * fresh thread's first calls happen without --threads too. */
    struct program single;
    generate(7, 1, 2000, false, &single);
    ck_assert_uint_eq(program_thread_count(&single), 1);
    unsigned restarts = 0;
    for (size_t i = 0; i < single.count; i++) {
        ck_assert(single.ops[i].kind != OP_BARRIER);
        restarts += single.ops[i].kind == OP_RESTART;
    }
    ck_assert_uint_gt(restarts, 0);
    program_release(&single);
}
END_TEST

/* The longest run of one kind and size of 1 KiB or more on one thread in
 * the program, and whether a heap_visit follows that run at once. */
static size_t longest_fill(const struct program *p, enum op_kind kind, bool *visited)
{
    size_t best = 0, run = 0;
    *visited = false;
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i], *prev = i ? &p->ops[i - 1] : NULL;
        bool same = prev && op->kind == kind && prev->kind == kind && op->size == prev->size &&
                    op->thread == prev->thread && op->size >= 1024;
        run = same ? run + 1 : op->kind == kind && op->size >= 1024;
        if (run > best) {
            best = run;
            *visited = i + 1 < p->count && p->ops[i + 1].kind == OP_HEAP_VISIT;
        }
    }
    return best;
}

/* Fills: long programs make runs of one size that fill pages of its class,
 * in the default heap and in the thread's own (visited right after); a
 * fill takes at most an eighth of a program, so short ones have none. */
START_TEST(generator_fills_pages_of_one_size)
{
    unsigned heap_fills = 0, visited_fills = 0, malloc_fills = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct program p;
        bool visited;
        generate(seed, 2, 3000, false, &p);
        size_t heap_run = longest_fill(&p, OP_HEAP_MALLOC, &visited);
        heap_fills += heap_run >= 8;
        visited_fills += heap_run >= 8 && visited;
        malloc_fills += longest_fill(&p, OP_MALLOC, &visited) >= 8;
        program_release(&p);
        generate(seed, 2, 48, false, &p);
        ck_assert_uint_lt(longest_fill(&p, OP_HEAP_MALLOC, &visited), 8);
        ck_assert_uint_lt(longest_fill(&p, OP_MALLOC, &visited), 8);
        program_release(&p);
    }
    ck_assert_msg(heap_fills >= 15 && visited_fills == heap_fills && malloc_fills >= 10,
                  "of 20 programs: %u with a heap fill (%u visited), %u with a malloc fill",
                  heap_fills, visited_fills, malloc_fills);
}
END_TEST

START_TEST(small_only_stays_small)
{
    for (uint64_t seed = 1; seed <= 100; seed++) {
        struct program p;
        generate(seed, 8, 200, true, &p);
        for (size_t i = 0; i < p.count; i++) {
            const struct op *op = &p.ops[i];
            ck_assert_uint_eq(op->thread, 0);
            ck_assert(op->kind == OP_MALLOC || op->kind == OP_CALLOC || op->kind == OP_REALLOC ||
                      op->kind == OP_FREE);
            if (op->kind == OP_FREE) continue;
            size_t bytes = op->kind == OP_CALLOC ? op->count * op->size : op->size;
            ck_assert_msg(bytes >= 1 && bytes <= 1024, "seed %d op %zu: %zu bytes", (int)seed, i,
                          bytes);
        }
        program_release(&p);
    }
}
END_TEST

/* The requested bytes of an allocation, or false when it is impossible. */
static bool model_bytes(const struct op *op, size_t *bytes)
{
    *bytes = op->size;
    if (op_uses_count(op->kind) && __builtin_mul_overflow(op->count, op->size, bytes)) return false;
    return *bytes <= PTRDIFF_MAX;
}

/* Live bytes as the executor counts them, assuming every possible request
 * succeeds (and that a resize moves the block out of the thread's heap). */
static size_t peak_live_bytes(const struct program *p)
{
    size_t slot_bytes[GAUNTLET_MAX_SLOTS] = {0}, live = 0, peak = 0;
    unsigned heap_of[GAUNTLET_MAX_SLOTS] = {0}; /* 1 + the thread whose heap holds it */
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        size_t bytes;
        bool possible = model_bytes(op, &bytes);
        /* The allocator's own resizes skip an empty slot. */
        bool requests = op_allocates(op->kind) || op_is_realloc(op->kind) ||
                        (op_resizes_own(op->kind) && slot_bytes[op->slot] != 0);
        if (op_allocates(op->kind) || op->kind == OP_FREE || op->kind == OP_FREE_SIZED ||
            (requests && possible)) {
            live -= slot_bytes[op->slot];
            slot_bytes[op->slot] = 0;
            heap_of[op->slot] = 0;
        }
        if (requests && possible) {
            slot_bytes[op->slot] = bytes;
            live += bytes;
            heap_of[op->slot] = op->kind == OP_HEAP_MALLOC ? 1u + op->thread : 0;
        }
        bool heap_ends =
            op->kind == OP_HEAP_DESTROY || op->kind == OP_HEAP_DELETE || op->kind == OP_RESTART;
        for (unsigned s = 0; heap_ends && s < GAUNTLET_MAX_SLOTS; s++) {
            if (heap_of[s] != 1u + op->thread) continue;
            if (op->kind == OP_HEAP_DESTROY) {
                live -= slot_bytes[s];
                slot_bytes[s] = 0;
            }
            heap_of[s] = 0;
        }
        if (live > peak) peak = live;
    }
    return peak;
}

START_TEST(generator_keeps_live_bytes_modest)
{
    unsigned kinds_seen[OP_KIND_COUNT] = {0};
    unsigned impossible = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        struct gen_params params;
        gen_params_default(&params);
        params.seed = seed;
        params.threads = 1 + seed % 8;
        params.fail_maps = seed % 2; /* fail_maps only when asked for */
        struct program p;
        program_generate(&params, &p);
        ck_assert_msg(peak_live_bytes(&p) < ((size_t)48 << 20), "seed %d peaks at %zu bytes",
                      (int)seed, peak_live_bytes(&p));
        for (size_t i = 0; i < p.count; i++) {
            size_t bytes;
            kinds_seen[p.ops[i].kind]++;
            ck_assert(params.fail_maps || p.ops[i].kind != OP_FAIL_MAPS);
            impossible += op_uses_size(p.ops[i].kind) && p.ops[i].kind != OP_FAIL_MAPS &&
                          !model_bytes(&p.ops[i], &bytes);
        }
        program_release(&p);
    }
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        ck_assert_msg(kinds_seen[k] > 0, "%s never generated", op_kind_name(k));
    ck_assert_uint_gt(impossible, 0);
}
END_TEST

/* The paths real allocator bugs were on: realloc(NULL, 0) beside malloc(0),
 * a shrinking realloc followed by the sized free of that block, and large
 * alignments asked with sizes of about a multiple of them. */
START_TEST(generator_reaches_allocator_boundaries)
{
    unsigned realloc_of_nothing_zero = 0, shrink_then_sized_free = 0, near_multiple = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct program p;
        generate(seed, 1 + seed % 4, 1000, false, &p);
        bool live[GAUNTLET_MAX_SLOTS] = {false};
        size_t bytes[GAUNTLET_MAX_SLOTS] = {0};
        for (size_t i = 0; i < p.count; i++) {
            const struct op *op = &p.ops[i];
            size_t b = 0;
            bool possible = op_uses_size(op->kind) && model_bytes(op, &b);
            if (op_is_realloc(op->kind)) {
                realloc_of_nothing_zero += !live[op->slot] && op->size == 0;
                shrink_then_sized_free += live[op->slot] && possible && b < bytes[op->slot] &&
                                          i + 1 < p.count && p.ops[i + 1].kind == OP_FREE_SIZED &&
                                          p.ops[i + 1].slot == op->slot;
            }
            if (op_uses_align(op->kind) && op->align >= (64u << 10) && op->align <= (8u << 20) &&
                op->size >= op->align - 4096 && op->size <= 4 * op->align + 4096)
                near_multiple++;
            if (op_allocates(op->kind) || op_is_realloc(op->kind)) {
                if (possible || op_allocates(op->kind)) live[op->slot] = possible;
                if (possible) bytes[op->slot] = b;
            } else if (op->kind == OP_FREE || op->kind == OP_FREE_SIZED) {
                live[op->slot] = false;
            }
        }
        program_release(&p);
    }
    ck_assert_uint_gt(realloc_of_nothing_zero, 10);
    ck_assert_uint_gt(shrink_then_sized_free, 10);
    ck_assert_uint_gt(near_multiple, 10);
}
END_TEST

/* Per thousand plain requests, those within -1 .. +2 of a class edge. */
static unsigned aimed_per_mille(const struct gen_params *params, const size_t *edges, size_t count)
{
    struct program p;
    program_generate(params, &p);
    unsigned sized = 0, aimed = 0;
    for (size_t i = 0; i < p.count; i++) {
        if (!op_uses_size(p.ops[i].kind) || op_uses_count(p.ops[i].kind)) continue;
        sized++;
        for (size_t e = 0; e < count; e++)
            if (p.ops[i].size + 1 >= edges[e] && p.ops[i].size <= edges[e] + 2) {
                aimed++;
                break;
            }
    }
    program_release(&p);
    return sized ? 1000 * aimed / sized : 0;
}

/* An allocator's class edges, learnt from its usable sizes: glibc's first
 * chunk holds 24 bytes, the edges rise, and a generator given them aims
 * about 4 % more of its sizes at them (-1 .. +2) than chance does. */
START_TEST(size_classes_are_probed_and_aimed_at)
{
    struct allocator glibc;
    char err[256];
    ck_assert_msg(allocator_open("glibc", &glibc, err, sizeof err), "%s", err);
    static size_t edges[SIZE_CLASSES_MAX];
    size_t count = size_classes_probe(&glibc, SIZE_CLASSES_LIMIT, edges, SIZE_CLASSES_MAX);
    ck_assert_uint_ge(count, 50);
    ck_assert_uint_eq(edges[0], 24);
    for (size_t i = 1; i < count; i++)
        ck_assert_uint_gt(edges[i], edges[i - 1]);

    struct gen_params params;
    gen_params_default(&params);
    params.ops = 20000;
    unsigned by_chance = aimed_per_mille(&params, edges, count);
    params.class_edges = edges;
    params.class_edge_count = count;
    unsigned aimed = aimed_per_mille(&params, edges, count);
    ck_assert_msg(aimed >= by_chance + 25, "%u per mille at a class edge, %u by chance", aimed,
                  by_chance);
}
END_TEST

Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *binary = tcase_create("binary");
    tcase_set_timeout(binary, 120);
    tcase_add_test(binary, every_byte_string_decodes);
    tcase_add_test(binary, record_fields_decode_as_specified);
    tcase_add_test(binary, random_bytes_round_trip);
    tcase_add_test(binary, encoding_refuses_values_without_encoding);
    tcase_add_test(binary, every_size_below_2_26_round_trips);
    tcase_add_test(binary, edge_table_is_sorted_and_reachable);
    tcase_add_test(binary, extreme_sizes_are_reachable);
    tcase_add_test(binary, every_decoded_size_encodes);
    tcase_add_test(binary, relative_counts_mean_what_they_say);
    tcase_add_test(binary, every_decoded_count_encodes);
    tcase_add_test(binary, alignments_are_reachable);
    suite_add_tcase(s, binary);

    TCase *text = tcase_create("text");
    tcase_set_timeout(text, 60);
    tcase_add_test(text, format_example_parses);
    tcase_add_test(text, rare_opcodes_decode_as_specified);
    tcase_add_test(text, number_forms_parse);
    tcase_add_test(text, line_structure_parses);
    tcase_add_test(text, parse_errors_point_at_the_problem);
    tcase_add_test(text, canonical_printing);
    tcase_add_test(text, written_text_has_a_header);
    tcase_add_test(text, rounds_line_is_read_and_written);
    tcase_add_test(text, text_is_told_from_binary);
    suite_add_tcase(s, text);

    TCase *gen = tcase_create("gen");
    tcase_set_timeout(gen, 120);
    tcase_add_test(gen, generated_programs_round_trip);
    tcase_add_test(gen, generator_is_deterministic);
    tcase_add_test(gen, generator_uses_threads_and_crosses_them);
    tcase_add_test(gen, generator_fills_pages_of_one_size);
    tcase_add_test(gen, small_only_stays_small);
    tcase_add_test(gen, generator_keeps_live_bytes_modest);
    tcase_add_test(gen, generator_reaches_allocator_boundaries);
    tcase_add_test(gen, size_classes_are_probed_and_aimed_at);
    suite_add_tcase(s, gen);
    return s;
}
