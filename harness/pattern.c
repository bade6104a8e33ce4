/*
 * pattern.c — rules.h's content pattern, written and read fast: a word (or
 * two, as a vector) at a time instead of pattern_byte() per byte, in the
 * regions pattern_next_region() samples. Filling costs one add per word.
 * The unit tests hold it to rules.h's byte-by-byte definition. Also the
 * zero-byte scan calloc's check starts from.
 */
#include "internal.h"

#include <string.h>

#define STEP PATTERN_STEP

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

/* Four pattern words at once (GCC/clang vector extension); two quads make
 * a 64-byte round. The round loops are compiled twice (target clones): with
 * AVX2 each quad is one instruction, elsewhere the compiler splits it into
 * SSE2 pairs. Kept as named values, not arrays, so that they stay in
 * registers. */
typedef uint64_t word_quad __attribute__((vector_size(32)));

/* GCC only: clang (the fuzz targets' compiler) refuses clones beside its
 * no_sanitize("coverage"), and splits the quads into SSE2 pairs. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* Words k*4 .. k*4+3 after `word` (a macro: a function returning a quad
 * would change its ABI with the target). */
#define QUAD_AT(word, k)                                                                           \
    ((word_quad){(word) + (uint64_t)(4 * (k)) * STEP, (word) + (uint64_t)(4 * (k) + 1) * STEP,     \
                 (word) + (uint64_t)(4 * (k) + 2) * STEP,                                          \
                 (word) + (uint64_t)(4 * (k) + 3) * STEP})

/* Whole 64-byte rounds from offset i while they fit before `end`; returns
 * where they stopped, *word the pattern word there. */
VECTOR_CLONES NO_COVERAGE static size_t fill_rounds(uint8_t *block, size_t i, size_t end,
                                                    uint64_t *word)
{
    word_quad a = QUAD_AT(*word, 0), b = QUAD_AT(*word, 1);
    const word_quad step = {8 * STEP, 8 * STEP, 8 * STEP, 8 * STEP};
    for (; i + 64 <= end; i += 64) {
        memcpy(block + i, &a, 32);
        memcpy(block + i + 32, &b, 32);
        a += step;
        b += step;
    }
    *word = a[0];
    return i;
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
    if (i + 64 <= end) i = fill_rounds(block, i, end, &word);
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
NO_COVERAGE static bool round_mismatch(size_t offset, const uint64_t found[8],
                                       const uint64_t expected[8], struct pattern_mismatch *m)
{
    int w = 0;
    while (w < 7 && found[w] == expected[w])
        w++;
    return word_mismatch(offset + 8 * (size_t)w, found[w], expected[w], m);
}

/* Whole 64-byte rounds from offset i while they fit before `end`, each
 * against the values read once; returns where they stopped (*word the
 * pattern word there), or SIZE_MAX with *m naming the first changed byte. */
VECTOR_CLONES NO_COVERAGE static size_t verify_rounds(const uint8_t *block, size_t i, size_t end,
                                                      uint64_t *word, struct pattern_mismatch *m)
{
    word_quad a = QUAD_AT(*word, 0), b = QUAD_AT(*word, 1);
    const word_quad step = {8 * STEP, 8 * STEP, 8 * STEP, 8 * STEP};
    for (; i + 64 <= end; i += 64) {
        word_quad x, y;
        memcpy(&x, block + i, 32);
        memcpy(&y, block + i + 32, 32);
        word_quad differ = (x ^ a) | (y ^ b);
        if (__builtin_expect((differ[0] | differ[1] | differ[2] | differ[3]) != 0, 0)) {
            uint64_t found[8], expected[8];
            memcpy(found, &x, 32);
            memcpy(found + 4, &y, 32);
            memcpy(expected, &a, 32);
            memcpy(expected + 4, &b, 32);
            round_mismatch(i, found, expected, m);
            return SIZE_MAX;
        }
        a += step;
        b += step;
    }
    *word = a[0];
    return i;
}

/* Checked in increasing offsets, so the mismatch named is the first one in
 * the range. */
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
    if (i + 64 <= end && (i = verify_rounds(block, i, end, &word, m)) == SIZE_MAX) return false;
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
    while (pattern_next_region(size, &cursor, &start, &end))
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
    while (pattern_next_region(size, &cursor, &start, &end)) {
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

/* The zero-only prefix: 256 bytes a round, then 32, as quads (with AVX2
 * a quarter to a third faster than SSE2 on memory calloc has just cleared,
 * measured here: the case that costs, since every byte of a calloc is
 * read). The round holding a non-zero byte is then read byte by byte. */
VECTOR_CLONES NO_COVERAGE static size_t zero_prefix(const uint8_t *bytes, size_t size)
{
    size_t i = 0;
    for (; i + 256 <= size; i += 256) {
        word_quad v[8];
        memcpy(v, bytes + i, 256);
        word_quad any = ((v[0] | v[1]) | (v[2] | v[3])) | ((v[4] | v[5]) | (v[6] | v[7]));
        if (any[0] | any[1] | any[2] | any[3]) return i;
    }
    for (; i + 32 <= size; i += 32) {
        word_quad v;
        memcpy(&v, bytes + i, 32);
        if (v[0] | v[1] | v[2] | v[3]) break;
    }
    return i;
}

NO_COVERAGE bool first_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value)
{
    const uint8_t *bytes = block;
    for (size_t i = zero_prefix(bytes, size); i < size; i++)
        if (bytes[i]) {
            *offset = i;
            *value = bytes[i];
            return true;
        }
    return false;
}
