/*
 * test_verdicts.c — memory verdicts that compare like with like: a figure
 * whose repeats interleave is "too noisy to judge", never REGRESSED and
 * never ok; a phase measured after different requests to the allocator (a
 * release call on one side, none on the other) is "not comparable";
 * `gauntlet upgrade` measures a workload that moved again before it judges,
 * so one unlucky draw of a two-mode figure does not make it NOT SAFE, while
 * a steady regression still does; compare and plot refuse the same
 * malformed documents; tables print allocator names whole.
 */
#include "command.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct spawned r;

/* A results document holding one summary entry of allocator × spike. */
static void write_document(const char *path, const char *alloc, const char *figures,
                           const char *actions)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"schema\": \"gauntlet-stress/1\", \"runs\": [], \"summary\": [{\"allocator\": "
             "\"%s\", \"workload\": \"spike\", \"status\": \"ok\", \"actions\": {%s}, "
             "\"figures\": {%s}}]}",
             alloc, actions, figures);
    write_file(path, doc);
}

static void compare(const char *dir, const char *old_figures, const char *old_actions,
                    const char *new_figures, const char *new_actions)
{
    char old_path[256], new_path[256];
    snprintf(old_path, sizeof old_path, "%s/old.json", dir);
    snprintf(new_path, sizeof new_path, "%s/new.json", dir);
    write_document(old_path, "glibc", old_figures, old_actions);
    write_document(new_path, "glibc", new_figures, new_actions);
    const char *argv[] = {"gauntlet", "compare", old_path, new_path, NULL};
    spawn_run(argv, &r);
}

#define PEAK(median, min, max)                                                                     \
    "\"peak_rss\": {\"kind\": \"memory\", \"median\": " #median ", \"min\": " #min                 \
    ", \"max\": " #max "}"

START_TEST(repeats_that_interleave_are_too_noisy_to_judge)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    /* The median doubled, but one new repeat sits below the old ones. */
    compare(dir, PEAK(10000000, 9500000, 10500000), "", PEAK(20000000, 9000000, 21000000), "");
    ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "too noisy") && strstr(r.out, "1 too noisy to judge"), "%s", r.out);
    ck_assert_ptr_null(strstr(r.out, "REGRESSED"));
    /* The same medians with repeats that do not interleave: a regression. */
    compare(dir, PEAK(10000000, 9900000, 10100000), "", PEAK(20000000, 19900000, 20100000), "");
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "REGRESSED"));
    ck_assert_ptr_null(strstr(r.out, "too noisy"));
}
END_TEST

#define RELEASED(median) "\"rss:released\": {\"kind\": \"memory\", \"median\": " #median "}"

START_TEST(a_phase_is_judged_only_after_the_same_action)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    /* glibc trimmed; a wrapper without malloc_trim asked nothing: not comparable. */
    compare(dir, PEAK(50000000, 50000000, 50000000) "," RELEASED(2000000),
            "\"released\": \"malloc_trim(0)\"",
            PEAK(50000000, 50000000, 50000000) "," RELEASED(40000000), "\"released\": \"none\"");
    ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "rss:released") && strstr(r.out, "not comparable") &&
                      strstr(r.out, "1 not comparable"),
                  "%s", r.out);
    ck_assert_ptr_null(strstr(r.out, "REGRESSED"));
    /* Both sides released (each its own call): judged. */
    compare(dir, PEAK(50000000, 50000000, 50000000) "," RELEASED(2000000),
            "\"released\": \"malloc_trim(0)\"",
            PEAK(50000000, 50000000, 50000000) "," RELEASED(40000000),
            "\"released\": \"mi_collect(true)\"");
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "rss:released") && strstr(r.out, "REGRESSED"), "%s", r.out);
}
END_TEST

START_TEST(compare_and_plot_refuse_the_same_documents)
{
    char dir[128], path[256], pictures[256];
    make_temp_dir(dir, sizeof dir);
    compare(dir, PEAK(10000000, 10000000, 10000000), "", PEAK(-5, -5, -5), "");
    ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "figures.peak_rss") && strstr(r.err, "at least 0"), "%s", r.err);
    snprintf(path, sizeof path, "%s/new.json", dir);
    snprintf(pictures, sizeof pictures, "%s/pictures", dir);
    const char *plot[] = {"gauntlet", "plot", path, pictures, NULL};
    spawn_run(plot, &r);
    ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "figures.peak_rss") && strstr(r.err, "at least 0"), "%s", r.err);
}
END_TEST

/* libdefect_bimodal holds 24 MiB in the stress runs whose letter is H. Runs
 * alternate old, new; the first three pairs are L H, so the first round
 * shows a clean regression; the three more pairs the upgrade measures then
 * interleave (old H L H, new L H L). */
static void two_mode_upgrade(const char *dir, const char *modes)
{
    char old_alloc[512], copy[256], new_alloc[300], ticket[256], out[256], command[1024];
    defective_library(old_alloc, sizeof old_alloc, "bimodal");
    snprintf(copy, sizeof copy, "%s/libdefect_bimodal_copy.so", dir);
    snprintf(command, sizeof command, "cp '%s' '%s'", old_alloc + strlen("so:"), copy);
    ck_assert_int_eq(system(command), 0);
    snprintf(new_alloc, sizeof new_alloc, "so:%s", copy);
    snprintf(ticket, sizeof ticket, "%s/ticket", dir);
    unlink(ticket);
    snprintf(out, sizeof out, "%s/out", dir);
    setenv("GAUNTLET_TEST_MODES", modes, 1); /* this test's process and its children only */
    setenv("GAUNTLET_TEST_MODES_FILE", ticket, 1);
    const char *argv[] = {"gauntlet", "upgrade", "--old",      old_alloc,  "--new",
                          new_alloc,  "--time",  "0",          "--scale",  "0.02",
                          "--out",    out,       "--workload", "fragment", NULL};
    spawn_run(argv, &r);
}

START_TEST(upgrade_measures_a_moved_workload_again)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    two_mode_upgrade(dir, "LHLHLH"
                          "HLLHHL");
    ck_assert_msg(r.status == 0, "exit %d: %s%.3000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "measuring them 3 times more: fragment"));
    ck_assert_msg(strstr(r.out, "too noisy") && strstr(r.out, "verdict: SAFE"), "%s", r.out);
    ck_assert_ptr_null(strstr(r.out, "REGRESSED"));
    /* NEW holds the memory in every run: measured again, still NOT SAFE. */
    two_mode_upgrade(dir, "LHLHLH"
                          "LHLHLH");
    ck_assert_msg(r.status == 1, "exit %d: %s%.3000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "measuring them 3 times more"));
    ck_assert_msg(strstr(r.out, "REGRESSED") && strstr(r.out, "verdict: NOT SAFE"), "%s", r.out);
}
END_TEST

/* Two builds of one library differ at the end of their paths. */
START_TEST(tables_print_allocator_names_whole)
{
    char dir[128], lib[512], first[300], second[300], names[700], command[1200];
    make_temp_dir(dir, sizeof dir);
    defective_library(lib, sizeof lib, "none");
    snprintf(first, sizeof first, "%s/a-long-directory-name-for-builds/libjemalloc-5.3.0-1.so",
             dir);
    snprintf(second, sizeof second, "%s/a-long-directory-name-for-builds/libjemalloc-5.3.0-2.so",
             dir);
    snprintf(command, sizeof command,
             "mkdir -p '%s/a-long-directory-name-for-builds' && cp '%s' '%s' && cp '%s' '%s'", dir,
             lib + 3, first, lib + 3, second);
    ck_assert_int_eq(system(command), 0);
    snprintf(names, sizeof names, "so:%s,so:%s", first, second);
    const char *argv[] = {"gauntlet", "stress",  "--alloc", names, "--workload",
                          "fragment", "--scale", "0.02",    NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    ck_assert_msg(strstr(r.out, first) && strstr(r.out, second), "%s", r.out);
}
END_TEST

Suite *verdicts_suite(void)
{
    Suite *s = suite_create("verdicts");
    TCase *t = tcase_create("verdicts");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, repeats_that_interleave_are_too_noisy_to_judge);
    tcase_add_test(t, a_phase_is_judged_only_after_the_same_action);
    tcase_add_test(t, compare_and_plot_refuse_the_same_documents);
    tcase_add_test(t, upgrade_measures_a_moved_workload_again);
    tcase_add_test(t, tables_print_allocator_names_whole);
    suite_add_tcase(s, t);
    return s;
}
