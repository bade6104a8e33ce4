/*
 * codec_binary.c — the binary program form (FORMAT.md, "Binary form"): the
 * 12-byte record, and the decoders and encoders of its three value fields
 * (size word, count word, align byte).
 *
 * Decoding is total: every byte string is a valid program, which is what lets
 * fuzzers mutate freely. Encoding is its inverse on values: for every value a
 * decoder can produce the encoder finds a word (one fixed choice, so encoding
 * is deterministic); values no word produces are refused.
 */
#include "internal.h"

#include <string.h>

#include <stdio.h>

_Static_assert(SIZE_MAX == UINT64_MAX, "the size word's modes 1 and 3 assume a 64-bit size_t");

#define MODE_SHIFT     30
#define EXPONENT_SHIFT 25
#define MANT_BITS      25
#define MANT_MASK      ((UINT32_C(1) << MANT_BITS) - 1)

enum size_mode { MODE_LOW_LOG, MODE_HIGH_LOG, MODE_EDGE, MODE_EXTREME };

/* The lowest exponent mode 1 covers; mode 0 covers the exponents below it. */
#define HIGH_LOG_FIRST_EXPONENT 31
#define LOG_LAST_EXPONENT       62

#define EDGE_DELTA_MIN (-128)
#define EDGE_DELTA_MAX 127

#define EXTREME_DELTA_BITS 24
#define EXTREME_DELTA_MASK ((UINT32_C(1) << EXTREME_DELTA_BITS) - 1)
#define EXTREME_DELTA_SIGN (UINT32_C(1) << (EXTREME_DELTA_BITS - 1))

#define RELATIVE_K_MASK 0xFFFFu

/* Opcodes 13..15 repeat the most common kinds so that a fuzzer's random
 * bytes lean toward the operations that change the heap; 16..31 repeat
 * 0..15 but for zalloc, new, rezalloc, heap_malloc, heap_visit,
 * new_aligned, predict, heap_delete, malloc_aligned_at, heap_destroy,
 * realloc_aligned, fail_maps, collect and expand (record_opcode). */
/* clang-format off */
static const uint8_t opcode_kinds[32] = {
    OP_MALLOC,      OP_CALLOC,        OP_REALLOC,           OP_REALLOCARRAY,
    OP_FREE,        OP_FREE_SIZED,    OP_ALIGNED_ALLOC,     OP_POSIX_MEMALIGN,
    OP_MEMALIGN,    OP_CHECK,         OP_USABLE_SIZE,       OP_RESTART,
    OP_BARRIER,     OP_MALLOC,        OP_FREE,              OP_REALLOC,
    OP_ZALLOC,      OP_NEW,           OP_REZALLOC,          OP_HEAP_MALLOC,
    OP_FREE,        OP_HEAP_VISIT,    OP_NEW_ALIGNED,       OP_PREDICT,
    OP_HEAP_DELETE, OP_MALLOC_ALIGNED_AT, OP_HEAP_DESTROY,  OP_RESTART,
    OP_REALLOC_ALIGNED, OP_FAIL_MAPS, OP_COLLECT,           OP_EXPAND,
};
/* clang-format on */

uint8_t record_opcode(enum op_kind kind)
{
    uint8_t opcode = 0;
    while (opcode + 1u < sizeof opcode_kinds && opcode_kinds[opcode] != kind)
        opcode++; /* every kind has one (test_codec.c) */
    return opcode;
}

static uint32_t read_u32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void write_u32_le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t make_word(enum size_mode mode, uint32_t payload)
{
    return (uint32_t)mode << MODE_SHIFT | payload;
}

static unsigned highest_bit(size_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

/* ---- size word ---- */

static size_t log_decode(unsigned exponent, uint32_t mant)
{
    size_t base = (size_t)1 << exponent;
    if (exponent <= MANT_BITS) return base + (mant & (base - 1));
    return base + ((size_t)mant << (exponent - MANT_BITS));
}

static size_t edge_decode(uint32_t w)
{
    size_t index = ((w >> 8) & 0x3FFFFF) % edge_size_count;
    int8_t delta = (int8_t)(w & 0xFF);
    return edge_sizes[index] + (size_t)(int64_t)delta;
}

static size_t extreme_anchor(unsigned a)
{
    if (a == 0) return PTRDIFF_MAX;
    if (a == 1) return SIZE_MAX;
    return (size_t)1 << a;
}

static size_t extreme_decode(uint32_t w)
{
    unsigned a = (w >> EXTREME_DELTA_BITS) & 63;
    /* Sign-extend without relying on arithmetic right shifts. */
    int64_t delta = (int64_t)((w & EXTREME_DELTA_MASK) ^ EXTREME_DELTA_SIGN) - EXTREME_DELTA_SIGN;
    return extreme_anchor(a) + (size_t)delta;
}

size_t size_word_decode(uint32_t w)
{
    unsigned field = (w >> EXPONENT_SHIFT) & 31;
    uint32_t mant = w & MANT_MASK;
    switch ((enum size_mode)(w >> MODE_SHIFT)) {
    case MODE_LOW_LOG: return field == 0 ? 0 : log_decode(field - 1, mant);
    case MODE_HIGH_LOG: return log_decode(HIGH_LOG_FIRST_EXPONENT + field, mant);
    case MODE_EDGE: return edge_decode(w);
    default: return extreme_decode(w);
    }
}

/* The canonical log word: mantissa bits the exponent does not use are 0. */
static bool log_encode(size_t v, uint32_t *w)
{
    if (v == 0) {
        *w = make_word(MODE_LOW_LOG, 0);
        return true;
    }
    unsigned exponent = highest_bit(v);
    if (exponent > LOG_LAST_EXPONENT) return false;
    size_t rest = v - ((size_t)1 << exponent);
    unsigned shift = exponent > MANT_BITS ? exponent - MANT_BITS : 0;
    if (rest & (((size_t)1 << shift) - 1)) return false;
    uint32_t mant = (uint32_t)(rest >> shift);
    if (exponent < HIGH_LOG_FIRST_EXPONENT)
        *w = make_word(MODE_LOW_LOG, (exponent + 1) << EXPONENT_SHIFT | mant);
    else
        *w =
            make_word(MODE_HIGH_LOG, (exponent - HIGH_LOG_FIRST_EXPONENT) << EXPONENT_SHIFT | mant);
    return true;
}

/* Differences are taken modulo 2^64, matching the decoder's wrapping sum. */
static bool delta_fits(size_t v, size_t anchor, int64_t min, int64_t max, int64_t *delta)
{
    int64_t d = (int64_t)(v - anchor);
    if (d < min || d > max) return false;
    *delta = d;
    return true;
}

static bool edge_encode(size_t v, uint32_t *w)
{
    for (size_t i = 0; i < edge_size_count; i++) {
        int64_t delta;
        if (delta_fits(v, edge_sizes[i], EDGE_DELTA_MIN, EDGE_DELTA_MAX, &delta)) {
            *w = make_word(MODE_EDGE, (uint32_t)i << 8 | (uint8_t)delta);
            return true;
        }
    }
    return false;
}

static bool extreme_encode(size_t v, uint32_t *w)
{
    for (unsigned a = 0; a < 64; a++) {
        int64_t delta;
        if (delta_fits(v, extreme_anchor(a), -(int64_t)EXTREME_DELTA_SIGN,
                       (int64_t)EXTREME_DELTA_SIGN - 1, &delta)) {
            *w = make_word(MODE_EXTREME,
                           a << EXTREME_DELTA_BITS | ((uint32_t)delta & EXTREME_DELTA_MASK));
            return true;
        }
    }
    return false;
}

bool size_word_encode(size_t value, uint32_t *word)
{
    return log_encode(value, word) || edge_encode(value, word) || extreme_encode(value, word);
}

/* ---- count word ---- */

enum relative_form { BEYOND_SIZE_MAX, BELOW_SIZE_MAX, BEYOND_PTRDIFF_MAX, BELOW_PTRDIFF_MAX };

/* The count the form names with k = 0, and whether k counts up or down. */
static size_t relative_base(enum relative_form r, size_t m, bool *counts_down)
{
    *counts_down = r == BELOW_SIZE_MAX || r == BELOW_PTRDIFF_MAX;
    switch (r) {
    case BEYOND_SIZE_MAX: return SIZE_MAX / m + 1;
    case BELOW_SIZE_MAX: return SIZE_MAX / m;
    case BEYOND_PTRDIFF_MAX: return PTRDIFF_MAX / m + 1;
    default: return PTRDIFF_MAX / m;
    }
}

size_t count_word_decode(uint32_t word, size_t element_size)
{
    if ((word >> MODE_SHIFT) != MODE_EXTREME) return size_word_decode(word);
    size_t k = word & RELATIVE_K_MASK;
    if (element_size == 0) return k;
    bool counts_down;
    size_t base = relative_base((word >> 28) & 3, element_size, &counts_down);
    return counts_down ? base - k : base + k;
}

static uint32_t relative_word(enum relative_form r, size_t k)
{
    return make_word(MODE_EXTREME, (uint32_t)r << 28 | (uint32_t)k);
}

static bool relative_encode(size_t count, size_t m, uint32_t *word)
{
    if (m == 0) {
        if (count > RELATIVE_K_MASK) return false;
        *word = relative_word(BEYOND_SIZE_MAX, count);
        return true;
    }
    for (enum relative_form r = BEYOND_SIZE_MAX; r <= BELOW_PTRDIFF_MAX; r++) {
        bool counts_down;
        size_t base = relative_base(r, m, &counts_down);
        size_t k = counts_down ? base - count : count - base;
        if (k <= RELATIVE_K_MASK) {
            *word = relative_word(r, k);
            return true;
        }
    }
    return false;
}

/* Mode 3 of a count word is the relative form, so the size word's extreme
 * mode is not available to counts. */
bool count_word_encode(size_t count, size_t element_size, uint32_t *word)
{
    return log_encode(count, word) || edge_encode(count, word) ||
           relative_encode(count, element_size, word);
}

/* ---- align byte ---- */

enum align_form {
    ALIGN_POWER = 0,
    ALIGN_ZERO = 4,
    ALIGN_THREE_POWER = 5,
    ALIGN_POWER_PLUS_ONE = 6,
    ALIGN_HUGE = 7
};

#define ALIGN_SMALL_EXPONENTS 24
#define ALIGN_HUGE_FIRST      32

size_t align_byte_decode(uint8_t byte)
{
    unsigned e = byte & 31, form = byte >> 5;
    unsigned small = e % ALIGN_SMALL_EXPONENTS;
    if (form < ALIGN_ZERO) return (size_t)1 << small;
    switch ((enum align_form)form) {
    case ALIGN_ZERO: return 0;
    case ALIGN_THREE_POWER: return (size_t)3 << small;
    case ALIGN_POWER_PLUS_ONE: return ((size_t)1 << small) + 1;
    default: return (size_t)1 << (ALIGN_HUGE_FIRST + e);
    }
}

static bool is_power_of_two(size_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static uint8_t align_byte(enum align_form form, unsigned e)
{
    return (uint8_t)(form << 5 | e);
}

bool align_byte_encode(size_t align, uint8_t *byte)
{
    if (align == 0) {
        *byte = align_byte(ALIGN_ZERO, 0);
        return true;
    }
    if (is_power_of_two(align)) {
        unsigned e = highest_bit(align);
        if (e < ALIGN_SMALL_EXPONENTS)
            *byte = align_byte(ALIGN_POWER, e);
        else if (e >= ALIGN_HUGE_FIRST)
            *byte = align_byte(ALIGN_HUGE, e - ALIGN_HUGE_FIRST);
        else
            return false;
        return true;
    }
    if (align % 3 == 0 && is_power_of_two(align / 3) &&
        highest_bit(align / 3) < ALIGN_SMALL_EXPONENTS) {
        *byte = align_byte(ALIGN_THREE_POWER, highest_bit(align / 3));
        return true;
    }
    if (is_power_of_two(align - 1) && highest_bit(align - 1) < ALIGN_SMALL_EXPONENTS) {
        *byte = align_byte(ALIGN_POWER_PLUS_ONE, highest_bit(align - 1));
        return true;
    }
    return false;
}

/* ---- records and programs ---- */

void record_decode(const uint8_t *rec, struct op *op)
{
    enum op_kind kind = opcode_kinds[rec[REC_OPCODE] % 32];
    op->kind = (uint8_t)kind;
    bool threaded = rec[REC_THREAD] >= REC_THREAD_PRESENT && kind != OP_BARRIER;
    op->thread = threaded ? rec[REC_THREAD] & (GAUNTLET_MAX_THREADS - 1) : 0;
    op->slot = op_uses_slot(kind) ? rec[REC_SLOT] : 0;
    op->align = op_uses_align(kind) ? align_byte_decode(rec[REC_ALIGN]) : 0;
    op->size = op_uses_size(kind) ? size_word_decode(read_u32_le(rec + REC_SIZE_WORD)) : 0;
    op->count = op_uses_count(kind) || op_uses_offset(kind)
                    ? count_word_decode(read_u32_le(rec + REC_COUNT_WORD), op->size)
                    : 0;
}

/* Initialises `out` itself, like every producer of programs: release a
 * program before reusing it. */
void program_decode_binary(const uint8_t *bytes, size_t len, struct program *out)
{
    program_init(out);
    program_append_binary(bytes, len, out);
}

void program_append_binary(const uint8_t *bytes, size_t len, struct program *p)
{
    size_t at = 0;
    if (len >= PROGRAM_BINARY_HEADER_LEN &&
        memcmp(bytes, PROGRAM_BINARY_HEADER, PROGRAM_BINARY_HEADER_LEN) == 0)
        at = PROGRAM_BINARY_HEADER_LEN;
    for (; len - at >= GAUNTLET_RECORD_SIZE; at += GAUNTLET_RECORD_SIZE) {
        struct op op;
        record_decode(bytes + at, &op);
        program_append(p, &op);
    }
}

enum record_problem { RECORD_OK, BAD_KIND, BAD_THREAD, BAD_ALIGN, BAD_SIZE, BAD_COUNT };

static const char *const problem_field[] = {
    [BAD_KIND] = "operation kind", [BAD_THREAD] = "thread", [BAD_ALIGN] = "alignment",
    [BAD_SIZE] = "size",           [BAD_COUNT] = "count",
};

static size_t problem_value(const struct op *op, enum record_problem problem)
{
    switch (problem) {
    case BAD_KIND: return op->kind;
    case BAD_THREAD: return op->thread;
    case BAD_ALIGN: return op->align;
    case BAD_SIZE: return op->size;
    default: return op->count;
    }
}

static enum record_problem encode_fields(const struct op *op, uint8_t *rec)
{
    enum op_kind kind = op->kind;
    if (kind >= OP_KIND_COUNT) return BAD_KIND;
    if (op->thread >= GAUNTLET_MAX_THREADS) return BAD_THREAD;
    rec[REC_OPCODE] = record_opcode(kind);
    rec[REC_THREAD] = kind != OP_BARRIER && op->thread != 0 ? REC_THREAD_PRESENT | op->thread : 0;
    if (op_uses_slot(kind)) rec[REC_SLOT] = op->slot;
    if (op_uses_align(kind) && !align_byte_encode(op->align, &rec[REC_ALIGN])) return BAD_ALIGN;
    uint32_t word;
    if (op_uses_size(kind)) {
        if (!size_word_encode(op->size, &word)) return BAD_SIZE;
        write_u32_le(rec + REC_SIZE_WORD, word);
    }
    if (op_uses_count(kind) || op_uses_offset(kind)) {
        if (!count_word_encode(op->count, op->size, &word)) return BAD_COUNT;
        write_u32_le(rec + REC_COUNT_WORD, word);
    }
    return RECORD_OK;
}

bool record_encode(const struct op *op, uint8_t *rec)
{
    uint8_t out[GAUNTLET_RECORD_SIZE];
    memcpy(out, rec, sizeof out);
    if (encode_fields(op, out) != RECORD_OK) return false;
    memcpy(rec, out, sizeof out);
    return true;
}

void record_put_word(uint8_t *rec, unsigned at, uint32_t word)
{
    write_u32_le(rec + at, word);
}

bool program_encode_binary(const struct program *p, uint8_t **out, size_t *out_len, char *err,
                           size_t err_len)
{
    size_t len = p->count * GAUNTLET_RECORD_SIZE;
    uint8_t *bytes = hmem_map(len); /* zeroed: unused fields are already 0 */
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        enum record_problem problem = encode_fields(op, bytes + i * GAUNTLET_RECORD_SIZE);
        if (problem != RECORD_OK) {
            if (err_len)
                snprintf(err, err_len, "operation %zu (%s): %s %zu has no binary encoding", i + 1,
                         op_kind_name(op->kind), problem_field[problem],
                         problem_value(op, problem));
            hmem_unmap(bytes, len);
            *out = NULL;
            *out_len = 0;
            return false;
        }
    }
    *out = bytes;
    *out_len = len;
    return true;
}
