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
 * a byte loop per partial word. The left shift is split in two so that it
 * moves a whole word out, with no branch, when o is aligned. */
NO_COVERAGE static inline uint64_t bytes_at(uint64_t base, size_t o)
{
    uint64_t lo = base + (uint64_t)(o / 8) * STEP;
    unsigned shift = 8 * (unsigned)(o % 8);
    return lo >> shift | (lo + STEP) << (63 - shift) << 1;
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

/*
 * Ranges of CHUNK bytes or more go a chunk (four words) at a time: one
 * chunk at each end at any offset, aligned ones between (overlapping the
 * ends), so that a block of a few hundred bytes takes a few predictable
 * steps. A chunk is a GCC/clang vector; the range loops are compiled twice
 * (target clones), with AVX2 a chunk is one instruction, elsewhere the
 * compiler splits it into SSE2 pairs. Checking a range accumulates the
 * differences and tests them once, at the end: a test per chunk (a
 * horizontal OR) would cost more than the reads.
 */
typedef uint64_t word_pair __attribute__((vector_size(16)));
typedef uint64_t word_quad __attribute__((vector_size(32)));
#define CHUNK 32

/* GCC only: clang (the fuzz targets' compiler) refuses clones beside its
 * no_sanitize("coverage"), and splits the quads into SSE2 pairs. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* The pattern bytes at offsets [o, o + 16), as bytes_at is for 8. */
NO_COVERAGE static inline __attribute__((always_inline)) word_pair pair_at(uint64_t base, size_t o)
{
    uint64_t lo = base + (uint64_t)(o / 8) * STEP;
    unsigned shift = 8 * (unsigned)(o % 8);
    word_pair low = {lo, lo + STEP}, high = low + STEP;
    return low >> shift | high << (63 - shift) << 1;
}

/* The chunk at offset o, from two pairs (a quad shifted by a variable count
 * has no SSE2 form and would be split word by word); a macro, since a
 * function returning a quad would change its ABI with the target. */
#define CHUNK_AT(base, o)                                                                          \
    ({                                                                                             \
        word_pair low_ = pair_at((base), (o)), high_ = pair_at((base), (o) + 16);                  \
        (word_quad){low_[0], low_[1], high_[0], high_[1]};                                         \
    })

/* The aligned chunk whose first word is `word`. */
#define CHUNK_OF(word) ((word_quad){(word), (word) + STEP, (word) + 2 * STEP, (word) + 3 * STEP})

/* [start, end), at least CHUNK bytes. */
VECTOR_CLONES NO_COVERAGE static void fill_chunks(uint8_t *block, uint64_t base, size_t start,
                                                  size_t end)
{
    word_quad chunk = CHUNK_AT(base, start);
    memcpy(block + start, &chunk, CHUNK);
    size_t i = (start + 7) & ~(size_t)7;
    chunk = CHUNK_OF(base + (uint64_t)(i / 8) * STEP);
    for (; i + CHUNK <= end; i += CHUNK, chunk += 4 * STEP)
        memcpy(block + i, &chunk, CHUNK);
    chunk = CHUNK_AT(base, end - CHUNK);
    memcpy(block + end - CHUNK, &chunk, CHUNK);
}

/* Whether any byte of [start, end), at least CHUNK bytes, differs. */
VECTOR_CLONES NO_COVERAGE static bool chunks_differ(const uint8_t *block, uint64_t base,
                                                    size_t start, size_t end)
{
    word_quad x, differ;
    memcpy(&x, block + start, CHUNK);
    differ = x ^ CHUNK_AT(base, start);
    size_t i = (start + 7) & ~(size_t)7;
    word_quad chunk = CHUNK_OF(base + (uint64_t)(i / 8) * STEP);
    for (; i + CHUNK <= end; i += CHUNK, chunk += 4 * STEP) {
        memcpy(&x, block + i, CHUNK);
        differ |= x ^ chunk;
    }
    memcpy(&x, block + end - CHUNK, CHUNK);
    differ |= x ^ CHUNK_AT(base, end - CHUNK);
    return (differ[0] | differ[1] | differ[2] | differ[3]) != 0;
}

NO_COVERAGE static void fill_range(uint8_t *block, uint64_t base, size_t start, size_t end)
{
    if (end - start >= CHUNK) {
        fill_chunks(block, base, start, end);
    } else if (end - start >= 8) {
        store_word(block + start, bytes_at(base, start));
        size_t i = (start + 7) & ~(size_t)7;
        for (uint64_t word = base + (uint64_t)(i / 8) * STEP; i + 8 <= end; i += 8, word += STEP)
            store_word(block + i, word);
        store_word(block + end - 8, bytes_at(base, end - 8));
    } else {
        for (size_t i = start; i < end; i++)
            block[i] = pattern_byte(base, i);
    }
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

/* The first mismatch of the range, if any. A difference the chunks saw
 * that the word-by-word reading no longer finds was written meanwhile by
 * someone other than the harness: it is not passed over but named at the
 * range's first byte (as read now). */
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
    if (end - start < CHUNK) return locate_mismatch(block, base, start, end, m);
    if (!chunks_differ(block, base, start, end)) return true;
    if (!locate_mismatch(block, base, start, end, m)) return false;
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
