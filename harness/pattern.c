/*
 * pattern.c — the contents the harness writes into every block and checks
 * later. Byte i of a block holds byte (i % 8) of the word
 * base(seed) + (i / 8) * STEP, so every block and generation has its own
 * pattern, a shifted or truncated copy shows, and filling costs one add per
 * word. Blocks above PATTERN_FULL_LIMIT are sampled: head, tail, and a
 * stripe every PATTERN_STRIPE_STEP bytes (fill and verify sample alike).
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

bool pattern_is_sampled(size_t size)
{
    return size > PATTERN_FULL_LIMIT;
}

/* The regions of a block of `size` bytes that carry the pattern, in order:
 * the whole block, or (sampled) the head, a stripe every PATTERN_STRIPE_STEP
 * bytes, and the tail. *cursor starts at 0; returns false after the last. */
static bool next_region(size_t size, size_t *cursor, size_t *start, size_t *end)
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
        *cursor += PATTERN_STRIPE_STEP;
    } else {
        *start = tail;
        *end = size;
        *cursor = done;
    }
    return true;
}

/* Two pattern words at once (GCC/clang vector extension: SSE2 on x86-64,
 * plain pairs elsewhere). Four of them make a 64-byte round. */
typedef uint64_t word_pair __attribute__((vector_size(16)));

struct pattern_round {
    word_pair lane[4]; /* the words of the next 64 bytes */
    word_pair step;    /* added to every lane per round */
};

static struct pattern_round round_at(uint64_t word)
{
    struct pattern_round r;
    for (int k = 0; k < 4; k++)
        r.lane[k] =
            (word_pair){word + (uint64_t)(2 * k) * STEP, word + (uint64_t)(2 * k + 1) * STEP};
    r.step = (word_pair){8 * STEP, 8 * STEP};
    return r;
}

/* Bytes [i, end) of the word covering offset i, where end is within that word. */
static void fill_partial(uint8_t *block, uint64_t base, size_t i, size_t end)
{
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    memcpy(block + i, (const uint8_t *)&word + i % 8, end - i);
}

static void fill_range(uint8_t *block, uint64_t base, size_t start, size_t end)
{
    size_t i = start;
    if (i % 8 != 0) {
        size_t word_end = (i | 7) + 1;
        fill_partial(block, base, i, word_end < end ? word_end : end);
        i = word_end;
    }
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    if (i + 64 <= end) {
        struct pattern_round r = round_at(word);
        for (; i + 64 <= end; i += 64, word += 8 * STEP)
            for (int k = 0; k < 4; k++) {
                memcpy(block + i + 16 * k, &r.lane[k], 16);
                r.lane[k] += r.step;
            }
    }
    for (; i + 8 <= end; i += 8, word += STEP)
        memcpy(block + i, &word, 8);
    if (i < end) fill_partial(block, base, i, end);
}

static bool partial_matches(const uint8_t *block, uint64_t base, size_t i, size_t end)
{
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    return memcmp(block + i, (const uint8_t *)&word + i % 8, end - i) == 0;
}

static bool verify_range(const uint8_t *block, uint64_t base, size_t start, size_t end,
                         struct pattern_mismatch *m)
{
    size_t i = start;
    if (i % 8 != 0) {
        size_t word_end = (i | 7) + 1 < end ? (i | 7) + 1 : end;
        if (!partial_matches(block, base, i, word_end)) goto find;
        i = word_end;
    }
    uint64_t word = base + (uint64_t)(i / 8) * STEP;
    if (i + 64 <= end) {
        struct pattern_round r = round_at(word);
        for (; i + 64 <= end; i += 64, word += 8 * STEP) {
            word_pair differ = {0, 0};
            for (int k = 0; k < 4; k++) {
                word_pair found;
                memcpy(&found, block + i + 16 * k, 16);
                differ |= found ^ r.lane[k];
                r.lane[k] += r.step;
            }
            if (differ[0] | differ[1]) break; /* the word loop below finds the byte */
        }
    }
    for (; i + 8 <= end; i += 8, word += STEP) {
        uint64_t found;
        memcpy(&found, block + i, 8);
        if (found != word) break;
    }
    if (i == end || (end - i < 8 && partial_matches(block, base, i, end))) return true;
find: /* a mismatch lies in [i, end): name its byte */
    for (; i < end; i++)
        if (block[i] != pattern_byte(base, i)) break;
    m->offset = i;
    m->expected = pattern_byte(base, i);
    m->actual = block[i];
    return false;
}

void pattern_fill(void *block, size_t size, uint64_t seed)
{
    uint64_t base = pattern_base(seed);
    size_t cursor = 0, start, end;
    while (next_region(size, &cursor, &start, &end))
        fill_range(block, base, start, end);
}

bool pattern_verify(const void *block, size_t size, size_t limit, uint64_t seed,
                    struct pattern_mismatch *mismatch)
{
    uint64_t base = pattern_base(seed);
    size_t cursor = 0, start, end;
    while (next_region(size, &cursor, &start, &end)) {
        if (start >= limit) break;
        if (!verify_range(block, base, start, end < limit ? end : limit, mismatch)) return false;
    }
    return true;
}

void pattern_fill_span(void *block, size_t start, size_t end, uint64_t seed)
{
    fill_range(block, pattern_base(seed), start, end);
}

bool pattern_verify_span(const void *block, size_t start, size_t end, uint64_t seed,
                         struct pattern_mismatch *mismatch)
{
    return verify_range(block, pattern_base(seed), start, end, mismatch);
}

bool first_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value)
{
    const uint8_t *bytes = block;
    size_t i = 0;
    for (; i < size && (uintptr_t)(bytes + i) % 8 != 0; i++)
        if (bytes[i]) goto found;
    for (; i + 64 <= size; i += 64) {
        uint64_t words[8], any = 0;
        memcpy(words, bytes + i, 64);
        for (int w = 0; w < 8; w++)
            any |= words[w];
        if (any) break;
    }
    for (; i < size; i++)
        if (bytes[i]) goto found;
    return false;
found:
    *offset = i;
    *value = bytes[i];
    return true;
}
