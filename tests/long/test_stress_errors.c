/*
 * test_stress_errors.c — the stress side when things go wrong: a child whose
 * report is not UTF-8 (and longer than any cut) is recorded, not a crash of
 * the parent; a hanging child is killed at --timeout and reported as a hang
 * finding, its temporary directory removed; `gauntlet compare` refuses to
 * pass a NEW document whose runs errored or that compared nothing, and lists
 * what NEW lacks; a finding outranks an error in `gauntlet stress` and in
 * `gauntlet upgrade`, which judges NEW by NEW's findings only, makes its
 * output directory before anything runs, and draws its pictures.
 */
#include "command.h"

#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct spawned r;

static json_t *first_run(const char *path)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    ck_assert_msg(doc != NULL, "%s is not valid JSON: %s", path, e.text);
    json_t *run = json_incref(json_array_get(json_object_get(doc, "runs"), 0));
    json_decref(doc);
    ck_assert_ptr_nonnull(run);
    return run;
}

static const char *text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    ck_assert_msg(s != NULL, "no string \"%s\"", key);
    return s;
}

static bool empty_directory(const char *path)
{
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    unsigned entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return entries == 0;
}

/* libdefect_garble writes \xff\xfe and 9000 "é" on one line, then aborts:
 * the report is recorded, repaired to UTF-8 (jansson refuses anything else),
 * and the parent goes on. */
START_TEST(a_report_that_is_not_utf8_is_recorded)
{
    char alloc[512], dir[128], json[256];
    defective_library(alloc, sizeof alloc, "garble");
    make_temp_dir(dir, sizeof dir);
    snprintf(json, sizeof json, "%s/g.json", dir);
    const char *argv[] = {"gauntlet", "stress", "--alloc", alloc, "--workload", "server",
                          "--scale",  "0.02",   "--json",  json,  NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1, "exit %d: %.2000s", r.status, r.err);
    json_t *run = first_run(json);
    ck_assert_str_eq(text(run, "status"), "finding");
    const char *detail = text(run, "detail"), *report = text(run, "report");
    ck_assert_msg(strncmp(detail, "??\xc3\xa9", 4) == 0, "detail: %.40s", detail);
    ck_assert_uint_le(strlen(detail), 511);
    ck_assert_uint_le(strlen(report), 16383);
    ck_assert_uint_gt(strlen(report), 16000);
    json_decref(run);
}
END_TEST

/* /proc/PID/cmdline of every process, looking for a stress child with these words. */
static bool child_alive(const char *a, const char *b)
{
    DIR *proc = opendir("/proc");
    bool found = false;
    for (struct dirent *e; proc && (e = readdir(proc)) != NULL && !found;) {
        char path[300], line[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        size_t n = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (line[i] == '\0') line[i] = ' ';
        line[n] = '\0';
        found = strstr(line, "stress-one") && strstr(line, a) && strstr(line, b);
    }
    if (proc) closedir(proc);
    return found;
}

START_TEST(a_hang_is_killed_at_the_timeout)
{
    char alloc[512], dir[128], tmp[256], json[256];
    defective_library(alloc, sizeof alloc, "hang");
    make_temp_dir(dir, sizeof dir);
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    snprintf(json, sizeof json, "%s/h.json", dir);
    ck_assert_int_eq(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1); /* this test's process only: its own child of Check's */
    const char *argv[] = {"gauntlet",  "stress", "--alloc", alloc,     "--workload",
                          "server",    "--seed", "424242",  "--scale", "0.02",
                          "--timeout", "2",      "--json",  json,      NULL};
    time_t began = time(NULL);
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
    ck_assert_int_lt(time(NULL) - began, 30);
    ck_assert_msg(strstr(r.err, "hang: ") && strstr(r.err, "libdefect_hang.so × server") &&
                      strstr(r.err, "within 2 s"),
                  "%s", r.err);
    json_t *run = first_run(json);
    ck_assert_str_eq(text(run, "status"), "finding");
    ck_assert_ptr_nonnull(strstr(text(run, "detail"), "hang"));
    json_decref(run);
    ck_assert_msg(empty_directory(tmp), "the stress temporary directory was left in %s", tmp);
    ck_assert_msg(!child_alive("libdefect_hang", "424242"), "the hanging child still runs");
}
END_TEST

#define ENTRY(alloc, workload, status, figures)                                                    \
    "{\"allocator\": \"" alloc "\", \"workload\": \"" workload "\", \"status\": \"" status         \
    "\", \"figures\": {" figures "}}"
#define PEAK(median)          "\"peak_rss\": {\"kind\": \"memory\", \"median\": " #median "}"
#define FRAGMENTATION(median) "\"fragmentation\": {\"kind\": \"ratio\", \"median\": " #median "}"

/* `gauntlet compare` of two documents with these summary entries. */
static void compare_summaries(const char *dir, const char *name, const char *old_summary,
                              const char *new_summary)
{
    char old_path[256], new_path[256], doc[2048];
    const char *format = "{\"schema\": \"gauntlet-stress/1\", \"runs\": [], \"summary\": [%s]}";
    snprintf(old_path, sizeof old_path, "%s/%s-old.json", dir, name);
    snprintf(new_path, sizeof new_path, "%s/%s.json", dir, name);
    snprintf(doc, sizeof doc, format, old_summary);
    write_file(old_path, doc);
    snprintf(doc, sizeof doc, format, new_summary);
    write_file(new_path, doc);
    const char *argv[] = {"gauntlet", "compare", old_path, new_path, NULL};
    spawn_run(argv, &r);
}

static void compare_with(const char *dir, const char *name, const char *summary)
{
    compare_summaries(dir, name,
                      ENTRY("glibc", "server", "ok", PEAK(1000000)) "," ENTRY("glibc", "spike",
                                                                              "ok", PEAK(1000000)),
                      summary);
}

START_TEST(compare_does_not_pass_a_broken_new_document)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    /* Every run of NEW errored: no verdict, whatever else. */
    compare_with(dir, "errored", ENTRY("glibc", "server", "error", ""));
    ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "failed to run"));
    ck_assert_ptr_nonnull(strstr(r.out, "nothing compared"));
    /* A run error beside figures that compare fine: still no verdict. */
    compare_with(
        dir, "half",
        ENTRY("glibc", "server", "ok", PEAK(1000000)) "," ENTRY("glibc", "spike", "error", ""));
    ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
    /* Nothing paired at all (other allocators): no verdict either. */
    compare_with(dir, "unpaired",
                 ENTRY("jemalloc", "server", "ok", PEAK(1000000)) "," ENTRY("mimalloc", "server",
                                                                            "ok", PEAK(1000000)));
    ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "nothing compared"));
    ck_assert_ptr_nonnull(strstr(r.out, "no baseline"));
    /* OLD's spike is missing from NEW: listed, not fatal when something compared. */
    compare_with(dir, "subset", ENTRY("glibc", "server", "ok", PEAK(1000000)));
    ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "spike") && strstr(r.out, "missing") &&
                      strstr(r.out, "1 missing from the new document"),
                  "%s", r.out);
    /* A finding outranks an error. */
    compare_with(dir, "finding",
                 ENTRY("glibc", "server", "finding", "") "," ENTRY("glibc", "spike", "error", ""));
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
}
END_TEST

/* Fragmentation is net RSS over live bytes: on a small run a fifth of a MiB
 * moves it by 0.2, as the same library measured twice can (realloc-growth at
 * scale 0.02: 1.45 -> 1.68 at 5 MiB peak). A move is flagged only when it
 * stands for --min-change (1 MiB) of RSS. */
START_TEST(small_runs_fragmentation_noise_is_not_flagged)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    compare_summaries(dir, "small",
                      ENTRY("none", "growth", "ok", PEAK(5000000) "," FRAGMENTATION(1.45)),
                      ENTRY("none", "growth", "ok", PEAK(5200000) "," FRAGMENTATION(1.68)));
    ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_ptr_null(strstr(r.out, "REGRESSED"));
    /* The same move at 100 MiB is 15 MiB of RSS: flagged. */
    compare_summaries(dir, "large",
                      ENTRY("none", "growth", "ok", PEAK(100000000) "," FRAGMENTATION(1.45)),
                      ENTRY("none", "growth", "ok", PEAK(100000000) "," FRAGMENTATION(1.68)));
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "fragmentation") && strstr(r.out, "REGRESSED"), "%s", r.out);
}
END_TEST

/* A finding (server on garble) beside a run that could not run (replay of a
 * missing program) and pictures that cannot be drawn: exit 1, not 2. */
START_TEST(stress_findings_outrank_errors)
{
    char alloc[512];
    defective_library(alloc, sizeof alloc, "garble");
    const char *argv[] = {"gauntlet",   "stress",        "--alloc",   alloc,
                          "--workload", "server,replay", "--program", "/nonexistent/p.txt",
                          "--scale",    "0.02",          "--plot",    "/proc/no/such/dir",
                          NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1, "exit %d: %.3000s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "1 run(s) failed to run"));
    ck_assert_ptr_nonnull(strstr(r.err, "1 run(s) caught a defect"));
    const char *none[] = {"gauntlet", "stress", "--alloc", "glibc", "--workload", ",", NULL};
    spawn_run(none, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "names no workload"));
}
END_TEST

static void upgrade(const char *old_defect, const char *new_defect, const char *out,
                    const char *workloads, const char *program)
{
    char old_alloc[512], new_alloc[512];
    defective_library(old_alloc, sizeof old_alloc, old_defect);
    defective_library(new_alloc, sizeof new_alloc, new_defect);
    const char *argv[32] = {"gauntlet", "upgrade", "--old",      old_alloc, "--new",   new_alloc,
                            "--time",   "0",       "--repeat",   "1",       "--scale", "0.02",
                            "--out",    out,       "--workload", workloads};
    size_t n = 16;
    if (program) argv[n++] = "--program", argv[n++] = program;
    argv[n] = NULL;
    spawn_run(argv, &r);
}

START_TEST(upgrade_judges_new_by_its_own_findings)
{
    char dir[128], out[256], picture[300];
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out/nested", dir);
    /* (a) OLD crashes on server; NEW is sound: its verdict stands, OLD's is shown. */
    upgrade("garble", "none", out, "server,realloc-growth", NULL);
    ck_assert_msg(r.status == 0, "exit %d: %s%.2000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "stress content checks  PASS"));
    /* Server's run caught it; realloc-growth's did not, and a noisy figure
     * of it may have been measured again (more runs, none catching it). */
    const char *old_line = strstr(r.out, "the old allocator: ");
    unsigned caught = 0, runs = 0;
    ck_assert_msg(old_line && sscanf(old_line, "the old allocator: %u of %u runs caught a defect",
                                     &caught, &runs) == 2,
                  "no line for the old allocator's runs: %s", r.out);
    ck_assert_msg(caught == 1 && runs >= 2, "old allocator: %u of %u runs caught it", caught, runs);
    ck_assert_ptr_nonnull(strstr(r.out, "verdict: SAFE"));
    /* (d) the pictures the help promises. */
    snprintf(picture, sizeof picture, "%s/pictures/peak-rss.png", out);
    ck_assert_msg(access(picture, R_OK) == 0, "no %s: %s", picture, r.err);
    /* (b) NEW fails and some runs could not run: the verdict, and exit 1. */
    upgrade("none", "garble", out, "server,replay", "/nonexistent/p.txt");
    ck_assert_msg(r.status == 1, "exit %d: %s%.2000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "verdict: NOT SAFE"));
    /* (c) an output directory that cannot be made: exit 2 before anything runs. */
    upgrade("none", "leak", "/proc/no/such/dir", "server", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "/proc/no/such/dir"));
    ck_assert_ptr_null(strstr(r.err, "replaying the corpus"));
}
END_TEST

Suite *stress_errors_suite(void)
{
    Suite *s = suite_create("stress-errors");
    TCase *t = tcase_create("stress-errors");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, a_report_that_is_not_utf8_is_recorded);
    tcase_add_test(t, a_hang_is_killed_at_the_timeout);
    tcase_add_test(t, compare_does_not_pass_a_broken_new_document);
    tcase_add_test(t, small_runs_fragmentation_noise_is_not_flagged);
    tcase_add_test(t, stress_findings_outrank_errors);
    tcase_add_test(t, upgrade_judges_new_by_its_own_findings);
    suite_add_tcase(s, t);
    return s;
}
