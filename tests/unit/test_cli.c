/*
 * test_cli.c — the command's contract: exit statuses, error messages that say
 * what is wrong, --help everywhere, text/binary round trips through files.
 */
#include "spawn.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct spawned r;

START_TEST(help_on_every_command)
{
    const char *commands[] = {"list", "run", "gen", "decode", "encode", "reproducer", "bench"};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *argv[] = {"gauntlet", commands[i], "--help", NULL};
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 0, "%s --help exited %d", commands[i], r.status);
        ck_assert_msg(strstr(r.out, "usage: gauntlet") != NULL, "%s --help: %s", commands[i],
                      r.out);
    }
    const char *none[] = {"gauntlet", NULL};
    spawn_run(none, &r);
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(unknown_allocator_lists_the_available_ones)
{
    const char *argv[] = {
        "gauntlet", "run", "--alloc", "nosuch", "corpus/seeds/every-operation.txt", NULL};
    spawn_run(argv, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "glibc, jemalloc, mimalloc, tcmalloc"));
}
END_TEST

START_TEST(library_without_malloc_is_a_clear_error)
{
    const char *argv[] = {"gauntlet",
                          "run",
                          "--alloc",
                          "so:/lib/x86_64-linux-gnu/libm.so.6",
                          "corpus/seeds/every-operation.txt",
                          NULL};
    spawn_run(argv, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "does not define malloc and free"));
    const char *missing[] = {
        "gauntlet", "run", "--alloc", "so:/nonexistent/lib.so", "corpus/seeds/every-operation.txt",
        NULL};
    spawn_run(missing, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no readable library"));
}
END_TEST

START_TEST(unreadable_file_and_syntax_errors)
{
    const char *argv[] = {"gauntlet", "run", "--alloc", "glibc", "/nonexistent/program", NULL};
    spawn_run(argv, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot read /nonexistent/program"));
    char dir[64], path[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    write_file(path, "# a comment\nt0 malloc s1 100\nt0 mallocc s2 5\n");
    const char *bad[] = {"gauntlet", "run", "--alloc", "glibc", path, NULL};
    spawn_run(bad, &r);
    ck_assert_int_eq(r.status, 2);
    char where[160];
    snprintf(where, sizeof where, "%s:3:4", path);
    ck_assert_msg(strstr(r.err, where) != NULL, "want %s in: %s", where, r.err);
    const char *usage[] = {"gauntlet", "run", "--alloc", "glibc", "--mode", "sideways", path, NULL};
    spawn_run(usage, &r);
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(gen_decode_encode_round_trip_through_files)
{
    char dir[64], bin[128], text[128], again[128], text2[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(bin, sizeof bin, "%s/p.bin", dir);
    snprintf(text, sizeof text, "%s/p.txt", dir);
    snprintf(again, sizeof again, "%s/q.bin", dir);
    snprintf(text2, sizeof text2, "%s/q.txt", dir);
    const char *gen[] = {"gauntlet",  "gen", "--seed", "5", "--ops", "300",
                         "--threads", "3",   "-o",     bin, NULL};
    spawn_run(gen, &r);
    ck_assert_int_eq(r.status, 0);
    const char *dec[] = {"gauntlet", "decode", bin, "-o", text, NULL};
    spawn_run(dec, &r);
    ck_assert_int_eq(r.status, 0);
    const char *enc[] = {"gauntlet", "encode", text, "-o", again, NULL};
    spawn_run(enc, &r);
    ck_assert_int_eq(r.status, 0);
    const char *dec2[] = {"gauntlet", "decode", again, "-o", text2, NULL};
    spawn_run(dec2, &r);
    ck_assert_int_eq(r.status, 0);
    const char *cmp[] = {"cmp", text, text2, NULL};
    spawn_run(cmp, &r);
    ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(lockstep_runs_are_identical)
{
    char dir[64], bin[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(bin, sizeof bin, "%s/p.bin", dir);
    const char *gen[] = {"gauntlet",  "gen", "--seed", "11", "--ops", "2000",
                         "--threads", "6",   "-o",     bin,  NULL};
    spawn_run(gen, &r);
    const char *run[] = {"gauntlet", "run", "--alloc", "glibc", bin, NULL};
    spawn_run(run, &r);
    ck_assert_int_eq(r.status, 0);
    static char first[sizeof r.out];
    memcpy(first, r.out, sizeof first);
    spawn_run(run, &r);
    ck_assert_str_eq(first, r.out);
    ck_assert_ptr_nonnull(strstr(first, "cross-thread"));
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, help_on_every_command);
    tcase_add_test(tc, unknown_allocator_lists_the_available_ones);
    tcase_add_test(tc, library_without_malloc_is_a_clear_error);
    tcase_add_test(tc, unreadable_file_and_syntax_errors);
    tcase_add_test(tc, gen_decode_encode_round_trip_through_files);
    tcase_add_test(tc, lockstep_runs_are_identical);
    suite_add_tcase(s, tc);
    return s;
}
