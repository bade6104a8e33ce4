/*
 * pattern.c — rules.h's content pattern, written and read fast: a word (or
 * four, as a vector) at a time instead of pattern_byte() per byte, in the
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
 * a byte loop per partial word. The left shift is split in two so that it
 * moves a whole word out, with no branch, when o is aligned. */
NO_COVERAGE static inline uint64_t bytes_at(uint64_t base, size_t o)
{
    uint64_t lo = base + (uint64_t)(o / 8) * STEP;
    unsigned shift = 8 * (unsigned)(o % 8);
    return lo >> shift | (lo + STEP) << (63 - shift) << 1;
}

static uint64_t load_word(const uint8_t *at)
{
    uint64_t word;
    memcpy(&word, at, 8);
    return word;
}

#define CHUNK 32 /* bytes: a word_quad */

/* The aligned chunk whose first word is `word`. */
#define CHUNK_OF(word) ((word_quad){(word), (word) + STEP, (word) + 2 * STEP, (word) + 3 * STEP})

/*
 * A range is written and read in a few pieces that overlap, of one width
 * per band of lengths, rather than a byte or word at a time: with sizes
 * drawn at random, loops whose trip count varies with the size end in
 * mispredicted branches, which cost more than the bytes (only the chunk
 * loop of the longer ranges is left).
 *   - shorter than 8 bytes: seven single bytes at min(k, n - 1);
 *   - 8 to 31 bytes: four words at min(8k, n - 8);
 *   - longer: the word at the start, aligned chunks, and four words at the
 *     end, at min(i + 8k, end - 8) from where the chunks stopped.
 * Every piece lies inside the range, so nothing outside is written or read.
 * Checking a range accumulates the differences and tests them once, at the
 * end: a test per chunk (a horizontal OR) would cost more than the reads.
 */
#define END_WORDS 4
#define INLINE    static inline __attribute__((always_inline))

/* One piece: written when filling, else its differing bits returned. The
 * walks below take `fill` as a constant, so each is compiled twice, once
 * writing and once reading (a reading walk never writes through `block`). */
NO_COVERAGE INLINE uint64_t word_piece(uint8_t *at, uint64_t word, bool fill)
{
    if (fill) {
        memcpy(at, &word, 8);
        return 0;
    }
    return load_word(at) ^ word;
}

/* Up to 32 bytes from start, as words ending at `end`: the whole of a
 * range of 8 to 31 bytes, or what the chunks left of a longer one (its
 * words reach back before `start`, never before the range's own start). */
NO_COVERAGE INLINE uint64_t words_walk(uint8_t *block, uint64_t base, size_t start, size_t end,
                                       bool fill)
{
    uint64_t differ = 0;
    for (unsigned k = 0; k < END_WORDS; k++) {
        size_t at = start + 8 * k < end - 8 ? start + 8 * k : end - 8;
        differ |= word_piece(block + at, bytes_at(base, at), fill);
    }
    return differ;
}

/* 32 bytes or more. */
NO_COVERAGE INLINE uint64_t chunks_walk(uint8_t *block, uint64_t base, size_t start, size_t end,
                                        bool fill)
{
    uint64_t differ = word_piece(block + start, bytes_at(base, start), fill);
    size_t i = (start + 7) & ~(size_t)7;
    word_quad chunk = CHUNK_OF(base + (uint64_t)(i / 8) * STEP), x, quads = {0, 0, 0, 0};
    for (; i + CHUNK <= end; i += CHUNK, chunk += 4 * STEP) {
        if (fill) {
            memcpy(block + i, &chunk, CHUNK);
        } else {
            memcpy(&x, block + i, CHUNK);
            quads |= x ^ chunk;
        }
    }
    differ |= words_walk(block, base, i, end, fill);
    return differ | quads[0] | quads[1] | quads[2] | quads[3];
}

/* 1 to 7 bytes. */
NO_COVERAGE INLINE uint64_t bytes_walk(uint8_t *block, uint64_t base, size_t start, size_t end,
                                       bool fill)
{
    uint64_t word = bytes_at(base, start), differ = 0;
    for (size_t k = 0; k < 7; k++) {
        size_t at = k < end - start - 1 ? k : end - start - 1;
        uint8_t want = (uint8_t)(word >> (8 * at));
        if (fill)
            block[start + at] = want;
        else
            differ |= (uint8_t)(block[start + at] ^ want);
    }
    return differ;
}

VECTOR_CLONES NO_COVERAGE static void fill_chunks(uint8_t *block, uint64_t base, size_t start,
                                                  size_t end)
{
    chunks_walk(block, base, start, end, true);
}

VECTOR_CLONES NO_COVERAGE static bool chunks_differ(const uint8_t *block, uint64_t base,
                                                    size_t start, size_t end)
{
    return chunks_walk((uint8_t *)block, base, start, end, false) != 0;
}

NO_COVERAGE static void fill_range(uint8_t *block, uint64_t base, size_t start, size_t end)
{
    size_t length = end - start;
    if (length >= CHUNK)
        fill_chunks(block, base, start, end);
    else if (length >= 8)
        words_walk(block, base, start, end, true);
    else if (length)
        bytes_walk(block, base, start, end, true);
}

/* Whether any byte of [start, end) differs from the pattern. */
NO_COVERAGE static bool range_differs(const uint8_t *block, uint64_t base, size_t start, size_t end)
{
    size_t length = end - start;
    uint8_t *bytes = (uint8_t *)block; /* read only: the walks' fill is false */
    if (length >= CHUNK) return chunks_differ(block, base, start, end);
    if (length >= 8) return words_walk(bytes, base, start, end, false) != 0;
    return length && bytes_walk(bytes, base, start, end, false) != 0;
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

/* The first changed byte of [start, end), at least 8 bytes, word by word
 * in increasing offsets (each word's value read once); true when none. */
NO_COVERAGE static bool locate_mismatch(const uint8_t *block, uint64_t base, size_t start,
                                        size_t end, struct pattern_mismatch *m)
{
    if (!check_word(block, start, bytes_at(base, start), m)) return false;
    size_t i = (start + 7) & ~(size_t)7;
    for (uint64_t word = base + (uint64_t)(i / 8) * STEP; i + 8 <= end; i += 8, word += STEP)
        if (!check_word(block, i, word, m)) return false;
    return check_word(block, end - 8, bytes_at(base, end - 8), m);
}

/* The first changed byte of [start, end), byte by byte; true when none. */
NO_COVERAGE static bool locate_byte(const uint8_t *block, uint64_t base, size_t start, size_t end,
                                    struct pattern_mismatch *m)
{
    for (size_t i = start; i < end; i++)
        if (block[i] != pattern_byte(base, i)) {
            m->offset = i;
            m->expected = pattern_byte(base, i);
            m->actual = block[i];
            return false;
        }
    return true;
}

/* The first mismatch of the range, if any. A difference the first reading
 * saw that the second (byte or word by word) no longer finds was written
 * meanwhile by someone other than the harness: it is not passed over but
 * named at the range's first byte (as read now). */
NO_COVERAGE static bool verify_range(const uint8_t *block, uint64_t base, size_t start, size_t end,
                                     struct pattern_mismatch *m)
{
    if (!range_differs(block, base, start, end)) return true;
    if (end - start < 8 ? !locate_byte(block, base, start, end, m)
                        : !locate_mismatch(block, base, start, end, m))
        return false;
    m->offset = start;
    m->expected = pattern_byte(base, start);
    m->actual = block[start];
    return false;
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
