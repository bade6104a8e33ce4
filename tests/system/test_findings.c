/*
 * test_findings.c — findings that do not mask each other: --keep-going
 * reports each distinct finding once and lists them all, --known passes over
 * what is known (a pattern list or a saved report) so that a known bug never
 * hides a new one, and minimize --known shrinks to the new one; a block an
 * allocator frees under the program is set aside.
 */
#include "command.h"
#include "gauntlet.h"
#include "verdicts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct spawned r;

/* The scribble defect damages a small block (found at #7), then a medium one
 * (found at #15): two findings, the first of which would hide the second. */
static const char two_findings[] = "t0 malloc s0 100\nt0 malloc s1 10\nt0 malloc s2 10\n"
                                   "t0 malloc s3 20\nt0 free s1\nt0 free s2\nt0 free s3\n"
                                   "t0 check s0\n"
                                   "t0 malloc s4 5000\nt0 malloc s5 10\nt0 malloc s6 10\n"
                                   "t0 malloc s7 10\nt0 free s5\nt0 free s6\nt0 free s7\n"
                                   "t0 check s4\n";

/* A fresh directory holding one program, `name`, of the text given. */
static void temp_program(char *dir, size_t len, char *program, size_t program_len, const char *name,
                         const char *text)
{
    make_temp_dir(dir, len);
    snprintf(program, program_len, "%s/%s", dir, name);
    write_file(program, text);
}

static void setup_files(char *dir, size_t len, char *program, size_t program_len)
{
    temp_program(dir, len, program, program_len, "two.txt", two_findings);
}

/* Each harmed block is set aside (never freed again, so the end of the
 * program raises nothing more); each distinct finding is reported once, and
 * the end lists them with counts; the correct wrapper still passes. */
START_TEST(keep_going_reports_each_finding_once)
{
    char dir[64], program[128], lib[512];
    temp_program(dir, sizeof dir, program, sizeof program, "three.txt",
                 "t0 malloc s1 96\nt0 malloc s2 100\nt0 malloc s3 99\n"
                 "t0 malloc s4 33\nt0 free s2\nt0 free s1\n");
    defective_library(lib, sizeof lib, "misalign");
    const char *once[] = {"gauntlet", "run", "--alloc", lib, program, NULL};
    spawn_run(once, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, "#0 of 6") && !strstr(r.err, "#2 of 6"), "%s",
                  r.err);
    const char *all[] = {"gauntlet", "run", "--keep-going", "--alloc", lib, program, NULL};
    spawn_run(all, &r);
    ck_assert_msg(r.status == 1, "exit %d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "FAIL") && strstr(r.out, "3 violations (1 distinct)"), "%s", r.out);
    const char *violation = strstr(r.err, REPORT_VIOLATION);
    ck_assert_msg(violation && !strstr(violation + 1, REPORT_VIOLATION), "reported twice:\n%s",
                  r.err);
    ck_assert_msg(strstr(r.err, REPORT_FINDINGS "1 distinct") &&
                      strstr(r.err, "alignment/misaligned/malloc/small") &&
                      strstr(r.err, "3×  #0: t0 malloc s1 96"),
                  "%s", r.err);
    ck_assert_ptr_null(strstr(r.err, "end of program"));
    defective_library(lib, sizeof lib, "none");
    spawn_run(all, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "PASS"), "%s%s", r.out, r.err);
}
END_TEST

/* A heap that took in a block made outside it frees that block when it is
 * destroyed: the visit judged first names the stranger, and a run that
 * goes on sets the program's block aside instead of checking or freeing
 * memory the allocator has taken back. */
START_TEST(heap_destroy_sets_its_stranger_aside)
{
    char dir[64], program[128], lib[512];
    temp_program(dir, sizeof dir, program, sizeof program, "stranger.txt",
                 "t0 malloc s0 100\nt0 heap_malloc s1 200\nt0 heap_destroy\n"
                 "t0 malloc s2 100\nt0 check s0\nt0 free s0\nt0 check s2\n");
    defective_library(lib, sizeof lib, "heap_adopts_stranger");
    const char *all[] = {"gauntlet", "run", "--keep-going", "--alloc", lib, program, NULL};
    spawn_run(all, &r);
    ck_assert_msg(r.status == 1, "exit %d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "1 violations (1 distinct)") &&
                      strstr(r.err, "heap-visit/heap-stranger/heap_destroy/zero"),
                  "%s%s", r.out, r.err);
    defective_library(lib, sizeof lib, "none");
    spawn_run(all, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "PASS"), "%s%s", r.out, r.err);
}
END_TEST

/* A thread deletes its heap before it ends: an allocator whose heaps
 * outlive their threads (mimalloc 3's; the defective library's, 64 at most)
 * would otherwise run out of them, or hold their pages, after a program's
 * restarts, and a heap's defect met after 70 restarts would pass unseen
 * (its heap operations skipped) in lock-step and free-running alike, and in
 * the reproducer. */
START_TEST(heaps_end_with_their_threads)
{
    char dir[64], program[128], lib[512];
    static char text[4096];
    size_t used = 0;
    for (int i = 0; i < 70; i++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "t1 heap_malloc s1 100\nt1 free s1\nt1 restart\n");
    snprintf(text + used, sizeof text - used,
             "t1 heap_malloc s2 100\nt1 heap_malloc s3 200\nt1 heap_visit\n");
    temp_program(dir, sizeof dir, program, sizeof program, "restarts.txt", text);
    defective_library(lib, sizeof lib, "heap_visit_misses");
    static const char *const modes[] = {"lockstep", "free"};
    for (size_t m = 0; m < 2; m++) {
        const char *run[] = {"gauntlet", "run", "--mode", modes[m], "--alloc", lib, program, NULL};
        spawn_run(run, &r);
        ck_assert_msg(r.status == 1 && strstr(r.err, REPORT_VIOLATION "heap-visit`"),
                      "%s: exit %d\n%s%s", modes[m], r.status, r.out, r.err);
    }
    struct judging j = {lib, 10, false, NULL, NULL};
    struct judged by_run, by_reproducer;
    judge_by_run(&j, program, &by_run);
    ck_assert_msg(!by_run.passed && by_run.index == 212, "%s", by_run.text);
    ck_assert(judge_by_reproducer(&j, program, dir, &by_reproducer));
    assert_same_verdict(program, &by_run, &by_reproducer);
}
END_TEST

START_TEST(known_finding_never_hides_a_new_one)
{
    char dir[64], program[128], lib[512], known[160];
    setup_files(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "scribble");
    const char *plain[] = {"gauntlet", "run", "--alloc", lib, program, NULL};
    spawn_run(plain, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, "#7 of 16") && !strstr(r.err, "#15 of 16"), "%s",
                  r.err);
    snprintf(known, sizeof known, "%s/known", dir);
    write_file(known, "# seen before\ncontents/*/-/small\n");
    const char *with_known[] = {"gauntlet", "run", "--known", known, "--alloc", lib, program, NULL};
    spawn_run(with_known, &r);
    ck_assert_msg(r.status == 1, "exit %d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "known finding contents/pattern/-/small passed over"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "#15 of 16") &&
                      strstr(r.err, "signature: contents/pattern/-/medium"),
                  "the new finding is hidden:\n%s", r.err);
    /* The report's own command runs with the same --known. */
    ck_assert_msg(strstr(r.err, "--known"), "%s", r.err);
}
END_TEST

/* A saved report is a --known file: what it found is passed over. */
START_TEST(saved_report_is_a_known_file)
{
    char dir[64], program[128], lib[512], report[160];
    setup_files(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "scribble");
    const char *keep_going[] = {"gauntlet", "run", "--keep-going", "--alloc", lib, program, NULL};
    spawn_run(keep_going, &r);
    ck_assert_int_eq(r.status, 1);
    snprintf(report, sizeof report, "%s/report", dir);
    write_file(report, r.err);
    const char *with_report[] = {"gauntlet", "run", "--known", report,
                                 "--alloc",  lib,   program,   NULL};
    spawn_run(with_report, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "PASS") && strstr(r.out, "2 known passed over"),
                  "exit %d\n%s%s", r.status, r.out, r.err);
}
END_TEST

START_TEST(unreadable_or_foreign_known_file_is_a_usage_error)
{
    char dir[64], program[128], known[160];
    setup_files(dir, sizeof dir, program, sizeof program);
    snprintf(known, sizeof known, "%s/known", dir);
    write_file(known, "the usual bugs\n");
    const char *foreign[] = {"gauntlet", "run",   "--known", known,
                             "--alloc",  "glibc", program,   NULL};
    spawn_run(foreign, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "not a signature") && strstr(r.err, "usual bugs"),
                  "exit %d\n%s", r.status, r.err);
    const char *missing[] = {"gauntlet", "run",   "--known", "/nonexistent/known",
                             "--alloc",  "glibc", program,   NULL};
    spawn_run(missing, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "cannot read"), "exit %d\n%s", r.status, r.err);
}
END_TEST

/* With the first finding known, minimize keeps the second (the same
 * signature), not whatever fails first. */
START_TEST(minimize_with_known_shrinks_to_the_new_finding)
{
    char dir[64], program[128], lib[512], known[160], out[160];
    setup_files(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "scribble");
    snprintf(known, sizeof known, "%s/known", dir);
    write_file(known, "contents/pattern/-/small\n");
    snprintf(out, sizeof out, "%s/min.txt", dir);
    const char *minimize[] = {"gauntlet", "minimize", "--known", known, "--alloc",
                              lib,        program,    "-o",      out,   NULL};
    spawn_run(minimize, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    const char *run[] = {"gauntlet", "run", "--known", known, "--alloc", lib, out, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, "signature: contents/pattern/-/medium"), "%s",
                  r.err);
    const char *cat[] = {"cat", out, NULL};
    spawn_run(cat, &r);
    ck_assert_msg(strstr(r.out, "# signature: contents/pattern/-/medium") &&
                      strstr(r.out, "malloc s4 5000"),
                  "%s", r.out);
}
END_TEST

/* --repeat runs a program again in fresh processes (a free-running race
 * fails in some runs only): the rate is said, one report is printed. */
START_TEST(repeat_says_in_how_many_runs_it_failed)
{
    char dir[64], program[128], lib[512];
    temp_program(dir, sizeof dir, program, sizeof program, "one.txt",
                 "t0 malloc s1 96\nt1 free s1\n");
    defective_library(lib, sizeof lib, "misalign");
    const char *repeat[] = {"gauntlet", "run",     "--repeat", "3",     "--mode",
                            "free",     "--alloc", lib,        program, NULL};
    spawn_run(repeat, &r);
    ck_assert_msg(r.status == 1 && strstr(r.out, "failed 3 of 3 runs (100 %)"), "%s", r.out);
    const char *violation = strstr(r.err, REPORT_VIOLATION);
    ck_assert_msg(violation && !strstr(violation + 1, REPORT_VIOLATION), "%s", r.err);
    defective_library(lib, sizeof lib, "none");
    repeat[7] = lib;
    spawn_run(repeat, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "failed 0 of 3 runs"), "%s", r.out);
    /* --quiet: a program that passed every run prints nothing. */
    const char *quiet[] = {"gauntlet", "run",     "--quiet", "--repeat", "3", "--mode",
                           "free",     "--alloc", lib,       program,    NULL};
    spawn_run(quiet, &r);
    ck_assert_msg(r.status == 0 && r.out[0] == '\0', "%s", r.out);
}
END_TEST

Suite *findings_suite(void)
{
    Suite *s = suite_create("findings");
    TCase *tc = tcase_create("findings");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keep_going_reports_each_finding_once);
    tcase_add_test(tc, heap_destroy_sets_its_stranger_aside);
    tcase_add_test(tc, heaps_end_with_their_threads);
    tcase_add_test(tc, known_finding_never_hides_a_new_one);
    tcase_add_test(tc, saved_report_is_a_known_file);
    tcase_add_test(tc, unreadable_or_foreign_known_file_is_a_usage_error);
    tcase_add_test(tc, minimize_with_known_shrinks_to_the_new_finding);
    tcase_add_test(tc, repeat_says_in_how_many_runs_it_failed);
    suite_add_tcase(s, tc);
    return s;
}
