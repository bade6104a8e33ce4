/*
 * test_oracle.c — the oracle's own parts, in process: the overlap map, the
 * content pattern (full and sampled) and the per-allocator table.
 */
#include "internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct shadow_map map;

static struct shadow_map *empty_map(void)
{
    memset(&map, 0, sizeof map); /* zeroed memory is an empty map */
    return &map;
}

START_TEST(map_detects_overlaps_and_neighbours)
{
    struct shadow_map *t = empty_map();
    ck_assert_int_eq(shadow_map_insert(t, 1, 100, 200), -1);
    ck_assert_int_eq(shadow_map_insert(t, 2, 300, 400), -1);
    ck_assert_int_eq(shadow_map_insert(t, 3, 200, 300), -1); /* touching is fine */
    ck_assert_int_eq(shadow_map_insert(t, 4, 150, 160), 1);  /* inside */
    ck_assert_int_eq(shadow_map_insert(t, 4, 50, 101), 1);   /* overlaps the start */
    ck_assert_int_eq(shadow_map_insert(t, 4, 399, 500), 2);  /* overlaps the end */
    ck_assert_int_ge(shadow_map_insert(t, 4, 0, 1000), 1);   /* covers all three */
    shadow_map_remove(t, 1);
    ck_assert_int_eq(shadow_map_insert(t, 4, 150, 160), -1);
    /* Across granules and levels: a 4 KiB block just before a granule's
     * start, a 1 MiB one across two granules, and one longer than any. */
    ck_assert_int_eq(shadow_map_insert(t, 10, 0x7000, 0x8000), -1);
    ck_assert_int_eq(shadow_map_insert(t, 11, 0x8000 - 1, 0x8000 + 1), 10);
    ck_assert_int_eq(shadow_map_insert(t, 12, 0x1f0000, 0x2f0000), -1);
    ck_assert_int_eq(shadow_map_insert(t, 13, 0x2effff, 0x2f0001), 12);
    ck_assert_int_eq(shadow_map_insert(t, 14, 0x10000000, 0x18000000), -1);
    ck_assert_int_eq(shadow_map_insert(t, 15, 0x17ffff00, 0x17ffff10), 14);
    ck_assert_int_eq(shadow_map_insert(t, 15, 0x17f00000, 0x17f00010), 14);
    ck_assert_int_eq(shadow_map_insert(t, 16, 0, 0x20000000), 2); /* the lowest of all it meets */
}
END_TEST

/* Random inserts and removals, of every length class, agree with a
 * brute-force model. */
START_TEST(map_agrees_with_linear_model)
{
    struct shadow_map *t = empty_map();
    bool live[GAUNTLET_MAX_SLOTS] = {false};
    uintptr_t start[GAUNTLET_MAX_SLOTS], end[GAUNTLET_MAX_SLOTS];
    static const uintptr_t spans[] = {300, 5000, 70000, 3u << 20};
    srand(7);
    for (int step = 0; step < 40000; step++) {
        int id = rand() % GAUNTLET_MAX_SLOTS;
        if (live[id]) {
            shadow_map_remove(t, id);
            live[id] = false;
            continue;
        }
        uintptr_t span = spans[rand() % 4];
        uintptr_t s = (uintptr_t)(rand() % (int)(64 * span)), e = s + 1 + (uintptr_t)rand() % span;
        bool overlaps = false;
        for (int j = 0; j < GAUNTLET_MAX_SLOTS; j++)
            if (live[j] && start[j] < e && s < end[j]) overlaps = true;
        int32_t other = shadow_map_insert(t, id, s, e);
        ck_assert_int_eq(other >= 0, overlaps);
        if (other >= 0) ck_assert(live[other] && start[other] < e && s < end[other]);
        if (other < 0) {
            live[id] = true;
            start[id] = s;
            end[id] = e;
        }
    }
}
END_TEST

/* The map filled to capacity in a shuffled order and emptied in another;
 * each block is 16 bytes with a 16-byte hole after it; each insert is
 * checked against its neighbours; the emptied map is all zeros again, so
 * the next run reuses it as it stands. */
START_TEST(map_fills_to_capacity_and_empties)
{
    struct shadow_map *t = empty_map();
    static struct shadow_map zero;
    int order[GAUNTLET_MAX_SLOTS];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < GAUNTLET_MAX_SLOTS; i++)
            order[i] = i;
        srand(11 + (unsigned)round);
        for (int i = GAUNTLET_MAX_SLOTS - 1; i > 0; i--) {
            int j = rand() % (i + 1), swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        for (int i = 0; i < GAUNTLET_MAX_SLOTS; i++) {
            uintptr_t s = 4096 + 32 * (uintptr_t)order[i];
            ck_assert_int_eq(shadow_map_insert(t, order[i], s, s + 16), -1);
            ck_assert_int_eq(shadow_map_insert(t, 0, s + 15, s + 17), order[i]);
            ck_assert_int_eq(shadow_map_insert(t, 0, s - 1, s + 1), order[i]);
        }
        ck_assert_uint_eq(shadow_map_count(t), GAUNTLET_MAX_SLOTS);
        ck_assert_int_eq(shadow_map_insert(t, 0, 4096 - 8, 4096 + 32 * 256), 0);
        for (int i = GAUNTLET_MAX_SLOTS - 1; i >= 0; i--) {
            int id = order[(i * 7) % GAUNTLET_MAX_SLOTS];
            uintptr_t s = 4096 + 32 * (uintptr_t)id;
            shadow_map_remove(t, id);
            ck_assert_int_eq(shadow_map_insert(t, id, s + 2, s + 30), -1); /* the hole is free */
            shadow_map_remove(t, id);
        }
        ck_assert_uint_eq(shadow_map_count(t), 0);
        ck_assert(memcmp(t, &zero, sizeof zero) == 0);
    }
}
END_TEST

START_TEST(pattern_detects_one_changed_byte)
{
    size_t sizes[] = {1, 7, 8, 9, 100, 4096, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        uint8_t *block = malloc(n + 1);
        pattern_fill(block + 1, n, 42); /* unaligned on purpose */
        struct pattern_mismatch m;
        ck_assert(pattern_verify(block + 1, n, n, 42, &m));
        ck_assert(!pattern_verify(block + 1, n, n, 43, &m)); /* another generation */
        block[1 + n - 1] ^= 0x10;
        ck_assert(!pattern_verify(block + 1, n, n, 42, &m));
        ck_assert_uint_eq(m.offset, n - 1);
        ck_assert(pattern_verify(block + 1, n, n - 1, 42, &m)); /* limit excludes it */
        free(block);
    }
}
END_TEST

/* The whole-block fill and verify (overlapping windows at both ends, no
 * byte loops) write the bytes the plain definition gives (one byte at a
 * time), and name the first changed byte, for every size up to a few
 * rounds and every byte. */
START_TEST(pattern_whole_block_matches_spans)
{
    enum { MAX = 300 };
    static uint8_t block[MAX + 1], span[MAX + 1];
    for (size_t n = 0; n <= MAX; n++) {
        memset(block, 0xee, sizeof block);
        memset(span, 0xee, sizeof span);
        pattern_fill(block + 1, n, 5);
        for (size_t i = 0; i < n; i++) /* byte by byte: the pattern's plain definition */
            pattern_fill_span(span + 1, i, i + 1, 5);
        ck_assert(memcmp(block, span, sizeof block) == 0);
        pattern_fill_span(span + 1, 0, n, 5);
        ck_assert(memcmp(block, span, sizeof block) == 0);
        struct pattern_mismatch m;
        for (size_t limit = 0; limit <= n; limit += n < 80 ? 1 : 7)
            ck_assert(pattern_verify(block + 1, n, limit, 5, &m));
        for (size_t i = 0; i < n; i++) {
            block[1 + i] ^= 0x01;
            ck_assert(!pattern_verify(block + 1, n, n, 5, &m));
            ck_assert_uint_eq(m.offset, i);
            ck_assert_uint_eq(m.actual, span[1 + i] ^ 0x01);
            ck_assert_uint_eq(m.expected, span[1 + i]);
            ck_assert(pattern_verify(block + 1, n, i, 5, &m)); /* limit excludes it */
            if (i + 1 < n) {
                block[1 + n - 1] ^= 0x80; /* a later change does not hide the first */
                ck_assert(!pattern_verify(block + 1, n, n, 5, &m));
                ck_assert_uint_eq(m.offset, i);
                block[1 + n - 1] ^= 0x80;
            }
            block[1 + i] ^= 0x01;
        }
    }
}
END_TEST

START_TEST(pattern_samples_large_blocks)
{
    size_t n = (size_t)3 << 20;
    ck_assert(pattern_is_sampled(n));
    uint8_t *block = calloc(1, n);
    pattern_fill(block, n, 9);
    struct pattern_mismatch m;
    ck_assert(pattern_verify(block, n, n, 9, &m));
    block[n - 1] ^= 1; /* the tail is checked (it lies past the last stripe step) */
    ck_assert(!pattern_verify(block, n, n, 9, &m));
    block[n - 1] ^= 1;
    size_t stripe = PATTERN_SAMPLE_EDGE + 10 * pattern_stripe_step(n);
    block[stripe + 3] ^= 1; /* a stripe is checked */
    ck_assert(!pattern_verify(block, n, n, 9, &m));
    block[stripe + 3] ^= 1;
    block[stripe + PATTERN_STRIPE_SIZE + 5] ^= 1; /* between stripes: not */
    ck_assert(pattern_verify(block, n, n, 9, &m));
    free(block);
    /* A stripe per 64 KiB up to 1 MiB; above, at most 16, whole pages apart. */
    ck_assert_uint_eq(pattern_stripe_step((size_t)100 << 10), (size_t)64 << 10);
    ck_assert_uint_eq(pattern_stripe_step((size_t)1 << 20), (size_t)64 << 10);
    ck_assert_uint_eq(pattern_stripe_step(n), (size_t)192 << 10);
    ck_assert_uint_eq(pattern_stripe_step((size_t)32 << 20), (size_t)2 << 20);
    ck_assert_uint_eq(pattern_stripe_step(((size_t)32 << 20) + 16), ((size_t)2 << 20) + 4096);
}
END_TEST

START_TEST(zero_scan_finds_first_nonzero)
{
    uint8_t block[1000] = {0};
    size_t offset;
    uint8_t value;
    ck_assert(!first_nonzero_byte(block + 3, 997, &offset, &value));
    block[777] = 5;
    ck_assert(first_nonzero_byte(block + 3, 997, &offset, &value));
    ck_assert_uint_eq(offset, 774);
    ck_assert_uint_eq(value, 5);
}
END_TEST

/* The page-table shortcut of the zero check skips only pages that cannot
 * hold data: every byte that is not zero is still found, whatever backs it. */
START_TEST(zero_check_skips_only_empty_pages)
{
    size_t page = (size_t)getpagesize(), n = 2048 * page;
    size_t offset;
    uint8_t value;
    uint8_t *anon = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(anon, MAP_FAILED);
    ck_assert(!find_nonzero_byte(anon + 5, n - 9, &offset, &value)); /* untouched */
    size_t marks[] = {n - 5, 1500 * page + 17, 3 * page, page - 1, 5};
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
        anon[marks[k]] = 0x5a; /* each one earlier than the last */
        ck_assert(find_nonzero_byte(anon + 5, n - 9, &offset, &value));
        ck_assert_uint_eq(offset, marks[k] - 5);
        ck_assert_uint_eq(value, 0x5a);
    }
    munmap(anon, n);

    /* Shared memory whose pages are not mapped in this process still has data. */
    uint8_t *shared = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    shared[700 * page + 3] = 7;
    ck_assert_int_eq(madvise(shared, n, MADV_DONTNEED), 0);
    ck_assert(find_nonzero_byte(shared, n, &offset, &value));
    ck_assert_uint_eq(offset, 700 * page + 3);
    munmap(shared, n);

    /* So has a private file mapping that was never touched. */
    char path[] = "/tmp/gauntlet-zero-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
    uint8_t byte = 9;
    ck_assert_int_eq(pwrite(fd, &byte, 1, (off_t)(1200 * page + 1)), 1);
    uint8_t *file = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    ck_assert_ptr_ne(file, MAP_FAILED);
    ck_assert(find_nonzero_byte(file, n, &offset, &value));
    ck_assert_uint_eq(offset, 1200 * page + 1);
    ck_assert_uint_eq(value, 9);
    munmap(file, n);
}
END_TEST

START_TEST(policy_excuses_only_listed_deviations)
{
    const struct alloc_policy *je = policy_for("jemalloc");
    struct op memalign0 = {.kind = OP_MEMALIGN, .size = 0, .align = 64};
    struct op memalign1 = {.kind = OP_MEMALIGN, .size = 1, .align = 64};
    ck_assert_int_ge(rule_find_excuse(je->deviations, EXCUSE_ALIGNMENT, &memalign0), 0);
    ck_assert_int_lt(rule_find_excuse(je->deviations, EXCUSE_ALIGNMENT, &memalign1), 0);
    ck_assert_int_lt(rule_find_excuse(je->deviations, EXCUSE_FREE_ERRNO, &memalign0), 0);
    /* so: of an unknown family: nothing excused; of a known one, its family's */
    struct op m = {.kind = OP_MALLOC, .size = SIZE_MAX};
    ck_assert_int_lt(rule_find_excuse(any_conforming_policy.deviations, EXCUSE_FAILURE_ERRNO, &m),
                     0);
    ck_assert_int_ge(rule_find_excuse(mimalloc_library_policy.deviations, EXCUSE_FAILURE_ERRNO, &m),
                     0);
    /* mimalloc's stale rezalloc bytes (#763): its rezalloc only, never calloc. */
    const struct alloc_policy *mi = policy_for("mimalloc");
    struct op rezalloc = {.kind = OP_REZALLOC, .size = 3000, .align = 16};
    struct op calloc_op = {.kind = OP_CALLOC, .size = 30, .count = 100};
    ck_assert_int_eq(rule_failure_excuse(F_NOT_ZEROED), EXCUSE_ZEROING);
    ck_assert_int_ge(rule_find_excuse(mi->deviations, EXCUSE_ZEROING, &rezalloc), 0);
    ck_assert_int_lt(rule_find_excuse(mi->deviations, EXCUSE_ZEROING, &calloc_op), 0);
    ck_assert_int_lt(rule_find_excuse(je->deviations, EXCUSE_ZEROING, &rezalloc), 0);
    ck_assert_int_eq(policy_for("glibc")->choices.realloc_zero_frees, BEHAVES_YES);
    ck_assert_int_eq(policy_for("mimalloc")->choices.realloc_zero_frees, BEHAVES_NO);
    ck_assert_int_eq(any_conforming_policy.choices.realloc_zero_frees, BEHAVES_EITHER);
}
END_TEST

/* Spans at every alignment (the stress drivers fill and check parts of
 * blocks): no false alarm, every changed byte named, nothing outside written. */
START_TEST(pattern_spans_at_any_offset)
{
    static uint8_t block[320];
    struct pattern_mismatch m;
    for (size_t start = 0; start < 40; start++)
        for (size_t end = start; end < 300; end += 7) {
            memset(block, 0, sizeof block);
            pattern_fill_span(block, start, end, 77);
            ck_assert(pattern_verify_span(block, start, end, 77, &m));
            ck_assert(block[end] == 0 && (start == 0 || block[start - 1] == 0));
            for (size_t k = start; k < end; k += 3) {
                block[k] ^= 0x40;
                ck_assert(!pattern_verify_span(block, start, end, 77, &m));
                ck_assert_uint_eq(m.offset, k);
                block[k] ^= 0x40;
            }
        }
}
END_TEST

Suite *oracle_suite(void)
{
    Suite *s = suite_create("oracle");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, map_detects_overlaps_and_neighbours);
    tcase_add_test(tc, map_agrees_with_linear_model);
    tcase_add_test(tc, map_fills_to_capacity_and_empties);
    tcase_add_test(tc, pattern_detects_one_changed_byte);
    tcase_add_test(tc, pattern_whole_block_matches_spans);
    tcase_add_test(tc, pattern_samples_large_blocks);
    tcase_add_test(tc, pattern_spans_at_any_offset);
    tcase_add_test(tc, zero_scan_finds_first_nonzero);
    tcase_add_test(tc, zero_check_skips_only_empty_pages);
    tcase_add_test(tc, policy_excuses_only_listed_deviations);
    suite_add_tcase(s, tc);
    return s;
}
