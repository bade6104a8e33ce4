/*
 * test_cli.c — the command's contract: exit statuses, error messages that say
 * what is wrong, --help everywhere, text/binary round trips through files.
 */
#include "command.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static struct spawned r;

START_TEST(help_on_every_command)
{
    const char *commands[] = {"list",       "run",     "gen",      "decode",  "encode",
                              "reproducer", "bench",   "minimize", "triage",  "fuzz",
                              "stress",     "compare", "plot",     "upgrade", "build-alloc"};
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

/* `gauntlet list` names the own calls each allocator's operations make,
 * bound from its library (rules.h's tables), and "none" where it has none. */
START_TEST(list_names_each_allocators_own_calls)
{
    static const char *const expected[][2] = {
        {"glibc", "own calls: sized free none, collect malloc_trim, expand none, realloc_aligned "
                  "none, malloc_aligned_at none, heaps none, predict none, zalloc none, rezalloc "
                  "none, C++ new none"},
        {"jemalloc",
         "own calls: sized free sdallocx, collect mallctl, expand xallocx, "
         "realloc_aligned rallocx, malloc_aligned_at none, heaps none, predict nallocx, "
         "zalloc mallocx, rezalloc rallocx, C++ new yes"},
        {"mimalloc", "own calls: sized free mi_free_size, collect mi_collect, expand mi_expand, "
                     "realloc_aligned mi_realloc_aligned, malloc_aligned_at mi_malloc_aligned_at, "
                     "heaps mi_heap_malloc, predict none, zalloc mi_zalloc_aligned, rezalloc "
                     "mi_rezalloc_aligned, C++ new yes"},
    };
    const char *list[] = {"gauntlet", "list", NULL};
    spawn_run(list, &r);
    ck_assert_int_eq(r.status, 0);
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        const char *entry = strstr(r.out, expected[i][0]);
        ck_assert_msg(entry != NULL, "list does not name %s:\n%s", expected[i][0], r.out);
        const char *own = strstr(entry, "own calls: ");
        ck_assert_msg(own && strncmp(own, expected[i][1], strlen(expected[i][1])) == 0,
                      "%s: want \"%s\":\n%s", expected[i][0], expected[i][1], r.out);
    }
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

/* A file that is not a program is an error in every command that reads
 * one, never a binary program by its look: text with a line that is not an
 * operation (the parser says where), and bytes that are not text (the
 * error names the first). */
START_TEST(malformed_programs_are_errors_in_every_command)
{
    char dir[64], text[128], bytes[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(text, sizeof text, "%s/x.txt", dir);
    write_file(text, "malloc s1 100\nfree s1\n");
    snprintf(bytes, sizeof bytes, "%s/y.txt", dir);
    write_file(bytes, "t0 malloc s1 100\vt0 free s1\n");
    const char *files[] = {text, bytes};
    const char *wants[] = {"x.txt:1:1: missing thread", "byte 16 is 0x0b, not text"};
    const char *decode_wants[] = {"is a text program already", ""}; /* not text: records */
    for (int f = 0; f < 2; f++) {
        const char *commands[][12] = {
            {"gauntlet", "run", "--alloc", "glibc", files[f], NULL},
            {"gauntlet", "decode", files[f], NULL},
            {"gauntlet", "reproducer", "--alloc", "glibc", files[f], NULL},
            {"gauntlet", "minimize", "--alloc", "glibc", files[f], NULL},
            {"gauntlet", "stress", "--alloc", "glibc", "--workload", "replay", "--program",
             files[f], "--scale", "0.02", NULL},
        };
        for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
            spawn_run(commands[c], &r);
            bool decode = strcmp(commands[c][1], "decode") == 0;
            if (decode && f == 1) { /* bytes that are not text: an engine's file, decoded */
                ck_assert_msg(r.status == 0, "decode %s: %d\n%s", files[f], r.status, r.err);
                continue;
            }
            const char *want = decode ? decode_wants[f] : wants[f];
            ck_assert_msg(r.status == 2 && strstr(r.err, want), "%s on %s: exit %d\n%s%s",
                          commands[c][1], files[f], r.status, r.out, r.err);
        }
    }
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

/* A device is read only up to a bound far above any program. */
START_TEST(endless_input_is_an_error)
{
    const char *commands[][5] = {{"gauntlet", "run", "--alloc", "glibc", "/dev/zero"},
                                 {"gauntlet", "decode", "--format", "binary", "/dev/zero"}};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *argv[6] = {0};
        memcpy(argv, commands[i], sizeof commands[i]);
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 2, "%s: status %d", commands[i][1], r.status);
        ck_assert_msg(strstr(r.err, "/dev/zero holds more than"), "%s: %s", commands[i][1], r.err);
    }
}
END_TEST

/* A live-bytes cap the machine cannot give would turn a correct ENOMEM into
 * an unexpected failure: refused by every command that takes one. */
START_TEST(cap_above_the_machine_is_refused)
{
    const char *file = "corpus/seeds/every-operation.txt";
    const char *commands[][8] = {
        {"gauntlet", "run", "--alloc", "glibc", "--cap", "2^50", file},
        {"gauntlet", "minimize", "--alloc", "glibc", "--cap", "2^50", file},
        {"gauntlet", "fuzz", "--alloc", "glibc", "--cap", "2^50", "--time", "5"},
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *argv[9] = {0};
        memcpy(argv, commands[i], sizeof commands[i]);
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 2, "%s: status %d", commands[i][1], r.status);
        ck_assert_msg(strstr(r.err, "more than this machine can give"), "%s: %s", commands[i][1],
                      r.err);
    }
    const char *fits[] = {"gauntlet", "run", "--alloc", "glibc", "--cap", "64MiB", file, NULL};
    spawn_run(fits, &r);
    ck_assert_msg(r.status == 0, "a cap that fits: status %d: %s", r.status, r.err);
}
END_TEST

START_TEST(unknown_mutator_is_a_usage_error)
{
    const char *argv[] = {"gauntlet", "fuzz",      "--alloc", "glibc", "--time",
                          "5",        "--mutator", "words",   NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 2, "status %d", r.status);
    ck_assert_msg(strstr(r.err, "--mutator must be structure or bytes"), "%s", r.err);
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

/* gen --alloc aims at the allocator's probed classes, and stays a
 * function of its inputs: the same seed and allocator, the same program. */
START_TEST(gen_aims_at_an_allocators_classes)
{
    char dir[64], first[128], second[128], plain[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(first, sizeof first, "%s/a.bin", dir);
    snprintf(second, sizeof second, "%s/b.bin", dir);
    snprintf(plain, sizeof plain, "%s/c.bin", dir);
    const char *gen[] = {"gauntlet", "gen",      "--seed", "9",   "--ops", "500",
                         "--alloc",  "jemalloc", "-o",     first, NULL};
    spawn_run(gen, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "size-class edges of jemalloc"), "%s", r.err);
    gen[9] = second;
    spawn_run(gen, &r);
    const char *same[] = {"cmp", first, second, NULL};
    spawn_run(same, &r);
    ck_assert_int_eq(r.status, 0);
    const char *unaimed[] = {"gauntlet", "gen", "--seed", "9", "--ops", "500", "-o", plain, NULL};
    spawn_run(unaimed, &r);
    const char *differ[] = {"cmp", "-s", first, plain, NULL};
    spawn_run(differ, &r);
    ck_assert_int_eq(r.status, 1);
    const char *bad[] = {"gauntlet", "gen", "--seed", "9", "--alloc", "nosuch", NULL};
    spawn_run(bad, &r);
    ck_assert_int_eq(r.status, 2);
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
    tcase_add_test(tc, list_names_each_allocators_own_calls);
    tcase_add_test(tc, unreadable_file_and_syntax_errors);
    tcase_add_test(tc, malformed_programs_are_errors_in_every_command);
    tcase_add_test(tc, endless_input_is_an_error);
    tcase_add_test(tc, cap_above_the_machine_is_refused);
    tcase_add_test(tc, unknown_mutator_is_a_usage_error);
    tcase_add_test(tc, gen_decode_encode_round_trip_through_files);
    tcase_add_test(tc, gen_aims_at_an_allocators_classes);
    tcase_add_test(tc, lockstep_runs_are_identical);
    suite_add_tcase(s, tc);
    return s;
}
