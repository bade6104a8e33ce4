/*
 * test_reuse.c — the reuse rule (rules.h, rule_reuse) on real allocators
 * and through the commands: generated programs made in rounds pass on every
 * named allocator installed here, lock-step and free-running (no false
 * alarm from caches that settle); a leaking allocator's finding says where
 * and how to make it again, its minimized program keeps the finding, and
 * fewer rounds than the rule can judge are refused.
 */
#include "command.h"
#include "gauntlet.h"
#include "verdicts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS   REUSE_ROUNDS_TEXT
#define PROGRAMS 3

static struct spawned r;
static const char *const allocators[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};

/* PROGRAMS generated programs of 2,000 operations on 1, 2 and 4 threads, in dir. */
static void generate(const char *dir, char paths[PROGRAMS][128])
{
    for (int i = 0; i < PROGRAMS; i++) {
        char seed[16], threads[16];
        snprintf(seed, sizeof seed, "%d", i + 1);
        snprintf(threads, sizeof threads, "%d", 1 << i);
        snprintf(paths[i], sizeof paths[i], "%s/%d.bin", dir, i + 1);
        const char *gen[] = {"gauntlet",  "gen",   "--seed", seed,     "--ops", "2000",
                             "--threads", threads, "-o",     paths[i], NULL};
        spawn_run(gen, &r);
        ck_assert_int_eq(r.status, 0);
    }
}

START_TEST(real_allocators_reuse_what_they_free)
{
    char dir[64], paths[PROGRAMS][128];
    make_temp_dir(dir, sizeof dir);
    generate(dir, paths);
    const char *alloc = allocators[_i];
    const char *lockstep[PROGRAMS + 8] = {"gauntlet", "run",     "--quiet", "--rounds",
                                          ROUNDS,     "--alloc", alloc};
    for (int i = 0; i < PROGRAMS; i++)
        lockstep[7 + i] = paths[i];
    spawn_run(lockstep, &r);
    ck_assert_msg(r.status == 0, "%s, lock-step: exit %d\n%.3000s", alloc, r.status, r.err);
    /* Threads at once: which thread's cache a block lands in varies. */
    const char *free_running[] = {"gauntlet", "run",  "--quiet", "--mode", "free",
                                  "--rounds", ROUNDS, "--alloc", alloc,    paths[PROGRAMS - 1],
                                  NULL};
    spawn_run(free_running, &r);
    ck_assert_msg(r.status == 0, "%s, free-running: exit %d\n%.3000s", alloc, r.status, r.err);
}
END_TEST

START_TEST(leak_report_says_how_to_make_it_again)
{
    char lib[512];
    defective_library(lib, sizeof lib, "leak");
    const char *run[] = {
        "gauntlet", "run", "--rounds", ROUNDS, "--alloc", lib, "tests/defective/programs/leak.txt",
        NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, REPORT_VIOLATION "reuse`"), "exit %d\n%s",
                  r.status, r.err);
    /* Growth through the judged half of 32 is judged again over 256 rounds
     * before it is called a leak (rule_reuse_rounds_planned): the report
     * and its commands name the rounds made. */
    ck_assert_msg(
        strstr(r.err, REPORT_OPERATION "end of program: its 256 rounds made, nothing live"), "%s",
        r.err);
    char line[1024];
    report_line(r.err, REPORT_REPRODUCE, line, sizeof line);
    ck_assert_msg(strstr(line, " --rounds 256 "), "%s", line);
    report_line(r.err, REPORT_C_PROGRAM, line, sizeof line);
    ck_assert_msg(strstr(line, " --rounds 256 "), "%s", line);
    /* Once, the same program passes: the rule judges rounds only. */
    const char *once[] = {"gauntlet", "run", "--alloc", lib, "tests/defective/programs/leak.txt",
                          NULL};
    spawn_run(once, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
}
END_TEST

/* Minimizing in rounds keeps the finding, and the program it hands out has
 * a reproducer that fails as the run did (the minimized one's, or the
 * original's when the minimized one's does not). */
START_TEST(minimized_leak_keeps_the_finding)
{
    char lib[512], dir[64], out[128];
    defective_library(lib, sizeof lib, "leak");
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/min.txt", dir);
    const char *minimize[] = {"gauntlet",
                              "minimize",
                              "--rounds",
                              ROUNDS,
                              "--alloc",
                              lib,
                              "tests/defective/programs/leak.txt",
                              "-o",
                              out,
                              NULL};
    spawn_run(minimize, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    const char *cat[] = {"cat", out, NULL};
    spawn_run(cat, &r);
    ck_assert_msg(strstr(r.out, "# invariant: reuse"), "%.2000s", r.out);
    ck_assert_msg(strstr(r.out, "fails on") && !strstr(r.out, "not checked"), "%.2000s", r.out);
    const char *run[] = {"gauntlet", "run", "--rounds", ROUNDS, "--alloc", lib, out, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, REPORT_VIOLATION "reuse`"), "exit %d\n%s",
                  r.status, r.err);
}
END_TEST

START_TEST(too_few_rounds_is_a_usage_error)
{
    const char *run[] = {
        "gauntlet", "run", "--rounds", "8", "--alloc", "glibc", "tests/defective/programs/leak.txt",
        NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "--rounds needs 32..256"), "exit %d\n%s", r.status,
                  r.err);
}
END_TEST

Suite *reuse_suite(void)
{
    Suite *s = suite_create("reuse");
    TCase *tc = tcase_create("rounds");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, real_allocators_reuse_what_they_free, 0,
                        (int)(sizeof allocators / sizeof *allocators));
    tcase_add_test(tc, leak_report_says_how_to_make_it_again);
    tcase_add_test(tc, minimized_leak_keeps_the_finding);
    tcase_add_test(tc, too_few_rounds_is_a_usage_error);
    suite_add_tcase(s, tc);
    return s;
}
