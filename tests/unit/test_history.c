/*
 * test_history.c — unit tests of the input history (input_history.c): a
 * ring that keeps the last inputs, newest first by age, in a file a reader
 * can open after the writer is gone; and the join, which puts between two
 * inputs what ends one run and starts the next.
 */
#include "internal.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void temp_path(char *path, size_t len)
{
    snprintf(path, len, "%s/gauntlet-history-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

START_TEST(ring_keeps_the_newest_inputs)
{
    char path[256], err[512];
    temp_path(path, sizeof path);
    struct input_history *w = input_history_create(path, err, sizeof err);
    ck_assert_msg(w != NULL, "%s", err);
    unsigned total = INPUT_HISTORY_INPUTS + 8;
    for (unsigned i = 0; i < total; i++) {
        uint8_t input[3] = {(uint8_t)i, (uint8_t)(i * 7), 0xAB};
        input_history_record(w, input, 1 + i % 3);
    }
    struct input_history *r = input_history_open(path);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(input_history_count(r), INPUT_HISTORY_INPUTS);
    for (size_t age = 0; age < INPUT_HISTORY_INPUTS; age++) {
        unsigned i = total - 1 - (unsigned)age;
        size_t len;
        const uint8_t *bytes = input_history_input(r, age, &len);
        ck_assert_uint_eq(len, 1 + i % 3);
        ck_assert_uint_eq(bytes[0], (uint8_t)i);
    }
    input_history_close(r);
    input_history_close(w);
    unlink(path);
}
END_TEST

START_TEST(a_file_that_is_not_a_history_is_refused)
{
    char path[256];
    temp_path(path, sizeof path);
    ck_assert_ptr_null(input_history_open(path)); /* empty */
    FILE *f = fopen(path, "w");
    fputs("t0 malloc s0 16\n", f);
    fclose(f);
    ck_assert_ptr_null(input_history_open(path));
    unlink(path);
    ck_assert_ptr_null(input_history_open(path)); /* missing */
}
END_TEST

static struct program parsed(const char *text)
{
    struct program p;
    char err[256];
    ck_assert_msg(program_parse_text(text, strlen(text), "test", &p, err, sizeof err), "%s", err);
    return p;
}

static bool has_op(const struct program *p, size_t from, const char *line)
{
    for (size_t i = from; i < p->count; i++) {
        char text[128];
        op_format(&p->ops[i], text, sizeof text);
        if (strcmp(text, line) == 0) return true;
    }
    return false;
}

START_TEST(join_ends_one_run_and_starts_the_next)
{
    struct program earlier = parsed("t0 malloc s3 100\nt1 malloc s5 10\nt1 fail_maps 2\n");
    struct program single = parsed("t0 malloc s0 8\n");
    struct program joined;
    program_init(&joined);
    input_history_join(&joined, &earlier, &single);
    for (size_t i = 0; i < earlier.count; i++)
        ck_assert(op_same(&joined.ops[i], &earlier.ops[i]));
    size_t after = earlier.count;
    ck_assert(has_op(&joined, after, "t0 fail_maps 0"));
    ck_assert(has_op(&joined, after, "t0 free s3"));
    ck_assert(has_op(&joined, after, "t0 free s5"));
    ck_assert(has_op(&joined, after, "t0 restart"));
    ck_assert(has_op(&joined, after, "t1 restart"));
    ck_assert_uint_eq(joined.count, after + 5);

    /* Two single-thread programs run on one thread, the caller's: no
     * restart, and no fail_maps where nothing was refused. */
    program_clear(&joined);
    input_history_join(&joined, &single, &single);
    ck_assert_uint_eq(joined.count, 2);
    ck_assert(has_op(&joined, 1, "t0 free s0"));
    program_release(&joined);
    program_release(&earlier);
    program_release(&single);
}
END_TEST

Suite *history_suite(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_test(tc, ring_keeps_the_newest_inputs);
    tcase_add_test(tc, a_file_that_is_not_a_history_is_refused);
    tcase_add_test(tc, join_ends_one_run_and_starts_the_next);
    suite_add_tcase(s, tc);
    return s;
}
