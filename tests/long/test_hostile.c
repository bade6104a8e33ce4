/*
 * test_hostile.c — allocators that end the process (exit, abort, a crash, a
 * fork whose parent leaves) or fork children that outlive the program, taken
 * through `run` in both modes, every time, and every command after it:
 * minimize keeps the finding, triage replays it, stress reports it as a
 * finding, a fuzz campaign seeded with the program finds it, upgrade calls
 * the allocator NOT SAFE; and a crash that needs the history of many inputs
 * is a finding of the campaign, not an error. The defects are those of
 * tests/defective/defects.list whose run ends the process (the hang aside:
 * each of its runs waits the watchdog out).
 */
#include "command.h"
#include "gauntlet.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENDINGS    16
#define FINDING_STATUS 1 /* every command's exit status for a finding */

struct ending {
    char defect[64];
    char kind[64]; /* the FINDING's kind: exit, forked, crash */
};
static struct ending endings[MAX_ENDINGS];
static int ending_count;
static struct spawned r;

static void load_endings(void)
{
    FILE *f = fopen("tests/defective/defects.list", "r");
    if (f == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, f) && ending_count < MAX_ENDINGS) {
        struct ending *e = &endings[ending_count];
        if (line[0] == '#' || sscanf(line, "%63s %63s", e->defect, e->kind) != 2) continue;
        if (strcmp(e->kind, "exit") == 0 || strcmp(e->kind, "forked") == 0 ||
            strcmp(e->kind, "crash") == 0)
            ending_count++;
    }
    fclose(f);
}

/* The finding line every command prints for a process that ended. */
static void assert_finding(const char *what, const struct ending *e)
{
    char expected[128];
    snprintf(expected, sizeof expected, "FINDING `%s`", e->kind);
    ck_assert_msg(r.status == FINDING_STATUS, "%s on %s: status %d, want 1:\n%.3000s\n%.3000s",
                  what, e->defect, r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, expected) || strstr(r.err, expected),
                  "%s on %s: no \"%s\":\n%.3000s\n%.3000s", what, e->defect, expected, r.out,
                  r.err);
}

static void program_of(const struct ending *e, char *path, size_t len)
{
    snprintf(path, len, "tests/defective/programs/%s.txt", e->defect);
}

START_TEST(endings_are_loaded)
{
    ck_assert_msg(ending_count >= 6, "only %d ending defects in tests/defective/defects.list",
                  ending_count);
}
END_TEST

/* Threads that run free end the process from any thread, at any moment:
 * each run, not only most, must report how it ended, and never also say
 * PASS (a copy that went on, a process left behind: the program passed in
 * the child's eyes only). */
START_TEST(both_modes_report_the_end_every_time)
{
    const struct ending *e = &endings[_i];
    char lib[512], program[256];
    defective_library(lib, sizeof lib, e->defect);
    program_of(e, program, sizeof program);
    static const char *const modes[] = {"lockstep", "free"};
    for (int m = 0; m < 2; m++)
        for (int attempt = 0; attempt < 3; attempt++) {
            const char *run[] = {"gauntlet", "run", "--mode", modes[m],
                                 "--alloc",  lib,   program,  NULL};
            spawn_run(run, &r);
            assert_finding(modes[m], e);
            ck_assert_msg(strstr(r.out, "PASS ") == NULL,
                          "%s in %s mode: a PASS line beside the "
                          "finding:\n%s",
                          e->defect, modes[m], r.out);
        }
}
END_TEST

START_TEST(minimize_keeps_the_end)
{
    const struct ending *e = &endings[_i];
    char lib[512], program[256], dir[256], minimal[300];
    defective_library(lib, sizeof lib, e->defect);
    program_of(e, program, sizeof program);
    make_temp_dir(dir, sizeof dir);
    snprintf(minimal, sizeof minimal, "%s/minimal.txt", dir);
    const char *minimize[] = {"gauntlet", "minimize", "--alloc", lib,     "--timeout",
                              "10",       program,    "-o",      minimal, NULL};
    spawn_run(minimize, &r);
    ck_assert_msg(r.status == 0, "minimize on %s: status %d:\n%.3000s", e->defect, r.status, r.err);
    const char *run[] = {"gauntlet", "run", "--alloc", lib, minimal, NULL};
    spawn_run(run, &r);
    assert_finding("run of the minimal program", e);
}
END_TEST

START_TEST(triage_replays_the_end)
{
    const struct ending *e = &endings[_i];
    char lib[512], program[256], dir[256], findings[300], copy[400];
    defective_library(lib, sizeof lib, e->defect);
    program_of(e, program, sizeof program);
    make_temp_dir(dir, sizeof dir);
    snprintf(findings, sizeof findings, "%s/findings", dir);
    snprintf(copy, sizeof copy, "%s/%s.txt", findings, e->defect);
    const char *mkdir_argv[] = {"mkdir", findings, NULL};
    spawn_run(mkdir_argv, &r);
    const char *cp[] = {"cp", program, copy, NULL};
    spawn_run(cp, &r);
    ck_assert_int_eq(r.status, 0);
    const char *triage[] = {"gauntlet", "triage", "--alloc", lib, dir, NULL};
    spawn_run(triage, &r);
    ck_assert_msg(r.status == FINDING_STATUS, "triage on %s: status %d:\n%.3000s\n%.3000s",
                  e->defect, r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, e->kind), "triage on %s does not name `%s`:\n%.3000s", e->defect,
                  e->kind, r.out);
}
END_TEST

START_TEST(stress_reports_the_end)
{
    const struct ending *e = &endings[_i];
    char lib[512], program[256];
    defective_library(lib, sizeof lib, e->defect);
    program_of(e, program, sizeof program);
    const char *stress[] = {"gauntlet",  "stress", "--alloc",   lib,  "--workload", "replay",
                            "--program", program,  "--timeout", "30", NULL};
    spawn_run(stress, &r);
    assert_finding("stress --workload replay", e);
}
END_TEST

/* The program as the campaign's only seed: the first input ends the target
 * the way the defect ends a run. */
START_TEST(fuzz_finds_the_end_from_its_seed)
{
    const struct ending *e = &endings[_i];
    char lib[512], program[256], dir[256], corpus[300], seed[400], out[300];
    defective_library(lib, sizeof lib, e->defect);
    program_of(e, program, sizeof program);
    make_temp_dir(dir, sizeof dir);
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    snprintf(seed, sizeof seed, "%s/seed.bin", corpus);
    snprintf(out, sizeof out, "%s/out", dir);
    const char *mkdir_argv[] = {"mkdir", corpus, NULL};
    spawn_run(mkdir_argv, &r);
    const char *encode[] = {"gauntlet", "encode", program, "-o", seed, NULL};
    spawn_run(encode, &r);
    ck_assert_msg(r.status == 0, "encode: %s", r.err);
    const char *fuzz[] = {"gauntlet", "fuzz", "--stop-at-first", "--alloc", lib, "--time", "60",
                          "--corpus", corpus, "--out",           out,       NULL};
    spawn_run(fuzz, &r);
    ck_assert_msg(r.status == FINDING_STATUS, "fuzz on %s: status %d:\n%.3000s\n%.3000s", e->defect,
                  r.status, r.out, r.err);
}
END_TEST

/* No input crashes alone; the campaign's process dies after many. What the
 * engine saved replays clean, and that is said as a finding of its own. */
START_TEST(history_dependent_crash_is_a_finding)
{
    char lib[512], dir[256], out[300];
    defective_library(lib, sizeof lib, "crash_history");
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    /* The campaign goes on to its limit past crashes no replay confirms: the
     * first comes a second or two into it. */
    const char *fuzz[] = {"gauntlet", "fuzz", "--stop-at-first", "--alloc", lib,
                          "--time",   "15",   "--out",           out,       NULL};
    spawn_run(fuzz, &r);
    ck_assert_msg(r.status == FINDING_STATUS, "status %d:\n%.3000s\n%.3000s", r.status, r.out,
                  r.err);
    ck_assert_msg(strstr(r.out, "history-dependent") || strstr(r.err, "history-dependent"),
                  "the crash is not called history-dependent:\n%.3000s\n%.3000s", r.out, r.err);
}
END_TEST

/* A new allocator that aborts is NOT SAFE (1), not a stress run that failed
 * to run (2). */
START_TEST(upgrade_to_an_aborting_allocator_is_not_safe)
{
    char lib[512], dir[256];
    defective_library(lib, sizeof lib, "abort_malloc");
    make_temp_dir(dir, sizeof dir);
    const char *upgrade[] = {
        "gauntlet",   "upgrade", "--old",     "glibc",
        "--new",      lib,       "--time",    "0",
        "--repeat",   "1",       "--scale",   "0.02",
        "--workload", "replay",  "--program", "tests/defective/programs/abort_malloc.txt",
        "--out",      dir,       NULL};
    spawn_run(upgrade, &r);
    ck_assert_msg(r.status == FINDING_STATUS, "status %d:\n%.3000s\n%.3000s", r.status, r.out,
                  r.err);
    ck_assert_msg(strstr(r.out, "verdict: NOT SAFE"), "no NOT SAFE verdict:\n%.3000s", r.out);
    ck_assert_msg(strstr(r.out, "FINDING"), "the finding is not in the table:\n%.3000s", r.out);
}
END_TEST

/* A run that takes long is not silent: a line while it waits, then the
 * watchdog's finding. */
START_TEST(long_run_says_it_is_running)
{
    char lib[512];
    defective_library(lib, sizeof lib, "hang");
    const char *run[] = {
        "gauntlet", "run", "--alloc", lib, "--timeout", "12", "tests/defective/programs/hang.txt",
        NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == FINDING_STATUS, "status %d:\n%.3000s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "still running after 10 s"), "no progress line:\n%.3000s", r.err);
}
END_TEST

Suite *hostile_suite(void)
{
    load_endings();
    Suite *s = suite_create("hostile allocators");
    TCase *tc = tcase_create("ends");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, endings_are_loaded);
    tcase_add_loop_test(tc, both_modes_report_the_end_every_time, 0, ending_count);
    tcase_add_loop_test(tc, minimize_keeps_the_end, 0, ending_count);
    tcase_add_loop_test(tc, triage_replays_the_end, 0, ending_count);
    tcase_add_loop_test(tc, stress_reports_the_end, 0, ending_count);
    tcase_add_loop_test(tc, fuzz_finds_the_end_from_its_seed, 0, ending_count);
    tcase_add_test(tc, history_dependent_crash_is_a_finding);
    tcase_add_test(tc, upgrade_to_an_aborting_allocator_is_not_safe);
    tcase_add_test(tc, long_run_says_it_is_running);
    suite_add_tcase(s, tc);
    return s;
}
