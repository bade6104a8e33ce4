/*
 * test_real_settings.c — the settings `gauntlet list --settings` suggests
 * for each named allocator (registry.c), on the real ones installed here:
 * generated programs run clean under each, free-running too, and their
 * reproducers agree with the runs (no false alarm from a path the defaults
 * never take, and the reproducer starts itself with the setting as the run
 * does); and a setting reaches the allocator (mimalloc, verbose, says what
 * it reserved); a campaign with a setting finds the defect it switches on
 * and saves a report whose command carries the setting.
 */
#include "command.h"
#include "runner.h"
#include "verdicts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define MAX_LINES 16

static struct spawned r;

static void generate(const char *path, const char *seed, const char *threads)
{
    const char *gen[] = {"gauntlet",  "gen",   "--seed", seed, "--ops", "2000",
                         "--threads", threads, "-o",     path, NULL};
    spawn_run(gen, &r);
    ck_assert_int_eq(r.status, 0);
}

START_TEST(suggested_settings_run_clean)
{
    char dir[128], one[256], four[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(one, sizeof one, "%s/one.bin", dir);
    snprintf(four, sizeof four, "%s/four.bin", dir);
    generate(one, "3", "1");
    generate(four, "4", "4");
    const char *list[] = {"gauntlet", "list", "--settings", NULL};
    static struct spawned listed;
    spawn_run(list, &listed);
    ck_assert_int_eq(listed.status, 0);
    static struct agreement_case cases[2 * MAX_LINES];
    unsigned lines = 0, n = 0;
    for (char *line = strtok(listed.out, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        ck_assert_msg(tab != NULL, "not NAME<TAB>SETTINGS: %s", line);
        ck_assert_uint_lt(lines, MAX_LINES);
        *tab = '\0';
        lines++;
        const char *alloc = line, *settings = tab + 1;
        if (allocator_unavailable(alloc)) {
            test_skip("suggested settings", alloc);
            continue;
        }
        /* Free-running first: its own run, as the reproducer runs lock-step. */
        const char *argv[32] = {"gauntlet", "run", "--quiet", "--mode", "free", "--alloc", alloc};
        int k = 7;
        static char split[MAX_LINES][512];
        snprintf(split[lines - 1], sizeof split[lines - 1], "%s", settings);
        char *save = NULL;
        for (char *s = strtok_r(split[lines - 1], " ", &save); s; s = strtok_r(NULL, " ", &save))
            argv[k++] = "--alloc-env", argv[k++] = s;
        argv[k++] = four;
        argv[k] = NULL;
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 0, "%s with %s, free-running: exit %d\n%.3000s", alloc, settings,
                      r.status, r.err);
        const char *files[] = {one, four};
        for (int f = 0; f < 2; f++, n++) {
            cases[n].judging = (struct judging){alloc, 10, false, NULL, settings};
            snprintf(cases[n].file, sizeof cases[n].file, "%s", files[f]);
        }
    }
    ck_assert_uint_ge(lines, 4); /* one per named allocator at least */
    unsigned compared = assert_cases_agree(cases, n, dir);
    if (compared < n) test_skip("suggested settings' reproducers", cases[compared].judging.alloc);
}
END_TEST

START_TEST(setting_reaches_the_allocator)
{
    char dir[128], program[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/p.txt", dir);
    write_file(program, "t0 malloc s0 100\nt0 free s0\n");
    if (allocator_unavailable("mimalloc")) {
        test_skip("setting reaches the allocator", "mimalloc");
        return;
    }
    const char *run[] = {"gauntlet",    "run",
                         "--alloc",     "mimalloc",
                         "--alloc-env", "MIMALLOC_VERBOSE=1",
                         "--alloc-env", "MIMALLOC_RESERVE_OS_MEMORY=64MiB",
                         program,       NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "reserved 65536 KiB"), "%d\n%.3000s", r.status,
                  r.err);
}
END_TEST

START_TEST(campaign_carries_the_setting)
{
    char dir[128], out[256], lib[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    defective_library(lib, sizeof lib, "setting_misalign");
    const char *fuzz[] = {
        "gauntlet",        "fuzz",   "--alloc", lib,     "--alloc-env", "DEFECT_SETTING=misalign",
        "--stop-at-first", "--time", "60",      "--out", out,           NULL};
    spawn_run(fuzz, &r);
    ck_assert_msg(r.status == 1, "fuzz: %d\n%.3000s\n%.3000s", r.status, r.out, r.err);
    char shell[600];
    snprintf(shell, sizeof shell, "cat '%s'/findings/*.report", out);
    const char *cat[] = {"sh", "-c", shell, NULL};
    static struct spawned saved;
    spawn_run(cat, &saved);
    ck_assert_msg(strstr(saved.out, "--alloc-env DEFECT_SETTING=misalign ") &&
                      strstr(saved.out, "alignment"),
                  "the saved report:\n%.3000s", saved.out);
}
END_TEST

Suite *real_settings_suite(void)
{
    Suite *s = suite_create("real settings");
    TCase *tc = tcase_create("suggested settings");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, suggested_settings_run_clean);
    tcase_add_test(tc, setting_reaches_the_allocator);
    tcase_add_test(tc, campaign_carries_the_setting);
    suite_add_tcase(s, tc);
    return s;
}
