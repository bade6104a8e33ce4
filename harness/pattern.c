/*
 * pattern.c — the contents the harness writes into every block and checks
 * later. Byte i of a block holds byte (i % 8) of the word
 * base(seed) + (i / 8) * STEP, so every block and generation has its own
 * pattern, a shifted or truncated copy shows, and filling costs one add per
 * word. Blocks above PATTERN_FULL_LIMIT are sampled: head, tail, and a
 * stripe every pattern_stripe_step(size) bytes (fill and verify sample
 * alike).
 */
#include "run.h"

#include <string.h>

#define STEP UINT64_C(0x9E3779B97F4A7C15)

static uint64_t pattern_base(uint64_t seed)
{
    uint64_t z = seed + UINT64_C(0x632BE59BD9B4E019);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint8_t pattern_byte(uint64_t base, size_t offset)
{
    uint64_t word = base + (uint64_t)(offset / 8) * STEP;
    return (uint8_t)(word >> (8 * (offset % 8)));
}

/* The regions of a block of `size` bytes that carry the pattern, in order:
 * the whole block, or (sampled) the head, a stripe every
 * pattern_stripe_step(size) bytes, and the tail. *cursor starts at 0;
 * returns false after the last. */
NO_COVERAGE static bool next_region(size_t size, size_t *cursor, size_t *start, size_t *end)
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
        *end = PATTERN_SAMPLE_EDGE;
        *cursor = PATTERN_SAMPLE_EDGE;
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

/* The eight pattern bytes at offsets [o, o + 8), as one word read or
 * written with memcpy: any range of 8 bytes or more is then covered by one
 * such word at each end (overlapping the aligned words between) instead of
 * a byte loop per partial word. */
NO_COVERAGE static uint64_t bytes_at(uint64_t base, size_t o)
{
    uint64_t lo = base + (uint64_t)(o / 8) * STEP;
    unsigned shift = 8 * (unsigned)(o % 8);
    return shift == 0 ? lo : lo >> shift | (lo + STEP) << (64 - shift);
}

static void store_word(uint8_t *at, uint64_t word)
{
    memcpy(at, &word, 8);
}

static uint64_t load_word(const uint8_t *at)
{
    uint64_t word;
    memcpy(&word, at, 8);
    return word;
}

/* Two pattern words at once (GCC/clang vector extension: SSE2 on x86-64,
 * plain pairs elsewhere); four pairs make a 64-byte round. Kept as four
 * named values, not an array, so that they stay in registers. */
typedef uint64_t word_pair __attribute__((vector_size(16)));

static word_pair pair_at(uint64_t word, int k)
{
    return (word_pair){word + (uint64_t)(2 * k) * STEP, word + (uint64_t)(2 * k + 1) * STEP};
}

NO_COVERAGE static void fill_range(uint8_t *block, uint64_t base, size_t start, size_t end)
{
    if (end - start < 8) {
        for (size_t i = start; i < end; i++)
            block[i] = pattern_byte(base, i);
        return;
    }
    store_word(block + start, bytes_at(base, start));
    size_t i = (start + 7) & ~(size_t)7;
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    if (i + 64 <= end) {
        word_pair a = pair_at(word, 0), b = pair_at(word, 1), c = pair_at(word, 2),
                  d = pair_at(word, 3);
        const word_pair step = {8 * STEP, 8 * STEP};
        for (; i + 64 <= end; i += 64) {
            memcpy(block + i, &a, 16);
            memcpy(block + i + 16, &b, 16);
            memcpy(block + i + 32, &c, 16);
            memcpy(block + i + 48, &d, 16);
            a += step;
            b += step;
            c += step;
            d += step;
        }
        word = a[0];
    }
    for (; i + 8 <= end; i += 8, word += STEP)
        store_word(block + i, word);
    store_word(block + end - 8, bytes_at(base, end - 8));
}

/* Names the first differing byte of a word found at `offset`. */
NO_COVERAGE static bool word_mismatch(size_t offset, uint64_t found, uint64_t expected,
                                      struct pattern_mismatch *m)
{
    unsigned byte = (unsigned)__builtin_ctzll(found ^ expected) / 8;
    m->offset = offset + byte;
    m->expected = (uint8_t)(expected >> (8 * byte));
    m->actual = (uint8_t)(found >> (8 * byte));
    return false;
}

NO_COVERAGE static bool check_word(const uint8_t *block, size_t offset, uint64_t expected,
                                   struct pattern_mismatch *m)
{
    uint64_t found = load_word(block + offset);
    return found == expected || word_mismatch(offset, found, expected, m);
}

/* The words of a 64-byte round that failed, in order (the first names the
 * byte): the values read, so a byte that changes meanwhile cannot hide. */
NO_COVERAGE static bool round_mismatch(size_t offset, const word_pair found[4],
                                       const word_pair expected[4], struct pattern_mismatch *m)
{
    for (int w = 0; w < 7; w++)
        if (found[w / 2][w % 2] != expected[w / 2][w % 2])
            return word_mismatch(offset + 8 * (size_t)w, found[w / 2][w % 2],
                                 expected[w / 2][w % 2], m);
    return word_mismatch(offset + 56, found[3][1], expected[3][1], m);
}

/* Checked in increasing offsets, each word against the values read (once),
 * so the mismatch named is the first one in the range. */
NO_COVERAGE static bool verify_range(const uint8_t *block, uint64_t base, size_t start, size_t end,
                                     struct pattern_mismatch *m)
{
    if (end - start < 8) {
        for (size_t i = start; i < end; i++)
            if (block[i] != pattern_byte(base, i)) {
                m->offset = i;
                m->expected = pattern_byte(base, i);
                m->actual = block[i];
                return false;
            }
        return true;
    }
    if (!check_word(block, start, bytes_at(base, start), m)) return false;
    size_t i = (start + 7) & ~(size_t)7;
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    if (i + 64 <= end) {
        word_pair a = pair_at(word, 0), b = pair_at(word, 1), c = pair_at(word, 2),
                  d = pair_at(word, 3);
        const word_pair step = {8 * STEP, 8 * STEP};
        for (; i + 64 <= end; i += 64) {
            word_pair w, x, y, z;
            memcpy(&w, block + i, 16);
            memcpy(&x, block + i + 16, 16);
            memcpy(&y, block + i + 32, 16);
            memcpy(&z, block + i + 48, 16);
            word_pair differ = ((w ^ a) | (x ^ b)) | ((y ^ c) | (z ^ d));
            if (__builtin_expect((differ[0] | differ[1]) != 0, 0)) {
                const word_pair found[4] = {w, x, y, z}, expected[4] = {a, b, c, d};
                return round_mismatch(i, found, expected, m);
            }
            a += step;
            b += step;
            c += step;
            d += step;
        }
        word = a[0];
    }
    for (; i + 8 <= end; i += 8, word += STEP)
        if (!check_word(block, i, word, m)) return false;
    return check_word(block, end - 8, bytes_at(base, end - 8), m);
}

NO_COVERAGE void pattern_fill(void *block, size_t size, uint64_t seed)
{
#ifdef GAUNTLET_ABLATE_PATTERN /* ci/bench-oracle-parts.sh only: a build that checks nothing */
    return;
#endif
    uint64_t base = pattern_base(seed);
    if (!pattern_is_sampled(size)) {
        fill_range(block, base, 0, size);
        return;
    }
    size_t cursor = 0, start, end;
    while (next_region(size, &cursor, &start, &end))
        fill_range(block, base, start, end);
}

NO_COVERAGE bool pattern_verify(const void *block, size_t size, size_t limit, uint64_t seed,
                                struct pattern_mismatch *mismatch)
{
#ifdef GAUNTLET_ABLATE_PATTERN
    return true;
#endif
    uint64_t base = pattern_base(seed);
    if (!pattern_is_sampled(size))
        return verify_range(block, base, 0, limit < size ? limit : size, mismatch);
    size_t cursor = 0, start, end;
    while (next_region(size, &cursor, &start, &end)) {
        if (start >= limit) break;
        if (!verify_range(block, base, start, end < limit ? end : limit, mismatch)) return false;
    }
    return true;
}

NO_COVERAGE void pattern_fill_span(void *block, size_t start, size_t end, uint64_t seed)
{
    fill_range(block, pattern_base(seed), start, end);
}

NO_COVERAGE bool pattern_verify_span(const void *block, size_t start, size_t end, uint64_t seed,
                                     struct pattern_mismatch *mismatch)
{
    return verify_range(block, pattern_base(seed), start, end, mismatch);
}

#if defined(__x86_64__)
typedef uint64_t word_quad __attribute__((vector_size(32), aligned(1), may_alias));

/* The zero-only prefix, 256 bytes a round, on CPUs with AVX2: a quarter to a
 * third faster than SSE2 on memory calloc has just cleared (1 to 32 MiB,
 * measured here), the case that costs: every byte of a calloc is read. */
__attribute__((target("avx2"))) NO_COVERAGE static size_t zero_prefix_avx2(const uint8_t *bytes,
                                                                           size_t size)
{
    size_t i = 0;
    for (; i + 256 <= size; i += 256) {
        const word_quad *q = (const word_quad *)(bytes + i);
        word_quad any = ((q[0] | q[1]) | (q[2] | q[3])) | ((q[4] | q[5]) | (q[6] | q[7]));
        if (any[0] | any[1] | any[2] | any[3]) break;
    }
    return i;
}
#endif

/* 128 bytes a round, as vectors (three times the speed of words here);
 * the round holding a non-zero byte is then read byte by byte. */
NO_COVERAGE bool first_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value)
{
    const uint8_t *bytes = block;
    size_t i = 0;
#if defined(__x86_64__)
    if (size >= 4096 && __builtin_cpu_supports("avx2")) i = zero_prefix_avx2(bytes, size);
#endif
    for (; i + 128 <= size; i += 128) {
        word_pair v[8];
        memcpy(v, bytes + i, 128);
        word_pair any = ((v[0] | v[1]) | (v[2] | v[3])) | ((v[4] | v[5]) | (v[6] | v[7]));
        if (any[0] | any[1]) break;
    }
    for (; i < size; i++)
        if (bytes[i]) {
            *offset = i;
            *value = bytes[i];
            return true;
        }
    return false;
}
