/*
 * test_agreement.c — the reproducer judges as `gauntlet run` does: every
 * defective allocator, on its own program and on a generated threaded one,
 * gets the same verdict from both (the same invariant at the same
 * operation, or both pass); a defect that breaks the reuse rule, on its
 * program made in rounds. The reproducer is written by `gauntlet
 * reproducer`, built and run by the command its header gives. The corpus
 * against every named allocator is tests/long/test_corpus_agreement.c.
 */
#include "command.h"
#include "gauntlet.h"
#include "runner.h"
#include "verdicts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEFECTS 64
#define WATCHDOG    2 /* seconds: the hang defect is judged by both watchdogs */

/* The defects of tests/defective/defects.list, in order, with the rounds
 * each needs for its invariant to be judged (rounds_for_invariant). */
static const char *needs_rounds[MAX_DEFECTS];

static unsigned read_defects(char names[][32])
{
    FILE *f = fopen("tests/defective/defects.list", "r");
    ck_assert_msg(f != NULL, "cannot read tests/defective/defects.list");
    unsigned n = 0;
    char line[512];
    char invariant[32];
    while (n < MAX_DEFECTS && fgets(line, sizeof line, f))
        if (line[0] != '#' && sscanf(line, "%31s %31s", names[n], invariant) == 2) {
            needs_rounds[n] = rounds_for_invariant(invariant);
            n++;
        }
    fclose(f);
    ck_assert_uint_gt(n, 0);
    return n;
}

static struct agreement_case cases[MAX_DEFECTS + 1];

/* Asserts that every case agrees (each defect's library is built here:
 * none may be left uncompared). */
static void assert_all_agree(unsigned n, const char *dir)
{
    ck_assert_uint_eq(assert_cases_agree(cases, n, dir), n);
}

START_TEST(each_defect_agrees_on_its_program)
{
    static char names[MAX_DEFECTS][32];
    unsigned n = read_defects(names), compared = 0;
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    static char libs[MAX_DEFECTS][256];
    for (unsigned i = 0; i < n; i++) {
        struct agreement_case *c = &cases[compared];
        snprintf(c->file, sizeof c->file, "tests/defective/programs/%.31s.txt", names[i]);
        if (access(c->file, R_OK) != 0) continue; /* the stress-only defects */
        defective_library(libs[i], sizeof libs[i], names[i]);
        c->judging = (struct judging){libs[i], WATCHDOG, false, needs_rounds[i], NULL};
        compared++;
    }
    ck_assert_uint_ge(compared, 15); /* one defect per invariant at least */
    assert_all_agree(compared, dir);
}
END_TEST

START_TEST(each_defect_agrees_on_a_generated_program)
{
    static char names[MAX_DEFECTS][32];
    unsigned n = read_defects(names);
    char dir[128], program[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/generated.bin", dir);
    const char *gen[] = {"gauntlet",  "gen", "--seed", "5",     "--ops", "400",
                         "--threads", "3",   "-o",     program, NULL};
    static struct spawned r;
    spawn_run(gen, &r);
    ck_assert_int_eq(r.status, 0);
    static char libs[MAX_DEFECTS][256];
    for (unsigned i = 0; i <= n; i++) {
        /* Once: rounds are for the programs of the defects; then glibc. */
        if (i < n) defective_library(libs[i], sizeof libs[i], names[i]);
        cases[i].judging = (struct judging){i < n ? libs[i] : "glibc", WATCHDOG, false, NULL, NULL};
        snprintf(cases[i].file, sizeof cases[i].file, "%s", program);
    }
    assert_all_agree(n + 1, dir);
}
END_TEST

/* The commands a report prints are the run again: its "reproduce:" line
 * gives the same verdict, and its "C program:" line writes a reproducer
 * that gives it too, with the run's live-bytes cap (the first request is
 * over it: run skips it, and so must the reproducer, or it meets the defect
 * at the wrong operation). */
START_TEST(report_commands_reproduce_the_run)
{
    char dir[128], program[256], lib[256], line[1024], c_program[1024];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/capped.txt", dir);
    write_file(program, "t0 malloc s1 5500\nt0 malloc s2 5100\n");
    defective_library(lib, sizeof lib, "spurious_oom");
    static struct spawned r;
    const char *run[] = {"gauntlet", "run", "--alloc", lib, "--cap", "5200", program, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, "#1 of 2: t0 malloc s2 5100"), "%d:\n%s", r.status,
                  r.err);
    struct judged by_run = {.index = 1}, by_reproducer;
    ck_assert(follow_report_commands(r.err, "#1 of 2: t0 malloc s2 5100", dir, WATCHDOG, line,
                                     c_program, sizeof line, &by_reproducer));
    ck_assert_msg(strstr(line, "/proc/self") == NULL && strstr(line, "--cap 5200"), "%s", line);
    snprintf(by_run.invariant, sizeof by_run.invariant, "unexpected-failure");
    snprintf(by_run.text, sizeof by_run.text, "unexpected-failure at #1");
    assert_same_verdict(program, &by_run, &by_reproducer);
}
END_TEST

Suite *agreement_suite(void)
{
    Suite *s = suite_create("agreement");
    TCase *tc = tcase_create("run and reproducer");
    tcase_set_tags(tc, TEST_TAG_SLOW); /* a reproducer compiled per defect */
    tcase_set_timeout(tc, 240);        /* a reproducer compiled per program */
    tcase_add_test(tc, each_defect_agrees_on_its_program);
    tcase_add_test(tc, each_defect_agrees_on_a_generated_program);
    tcase_add_test(tc, report_commands_reproduce_the_run);
    suite_add_tcase(s, tc);
    return s;
}
