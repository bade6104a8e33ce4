/*
 * test_settings.c — the allocator's settings (--alloc-env NAME=VALUE): a
 * defect that a setting read at load switches on (setting_misalign) passes
 * without it and is caught with it; the report names the setting and its
 * commands carry it, so that the run again, its reproducer and minimize
 * all meet the defect; GLIBC_TUNABLES is added to, not replaced (jemalloc
 * still loads); a malformed setting is a usage error; one already in the
 * environment is carried as if given.
 */
#include "command.h"
#include "gauntlet.h"
#include "runner.h"
#include "verdicts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define SETTING "DEFECT_SETTING=misalign"
#define PROGRAM "t0 malloc s0 100\nt0 malloc s1 6000\nt0 free s1\nt0 free s0\n"

static struct spawned r;

static void write_program(char *dir, size_t dir_len, char *path, size_t path_len)
{
    make_temp_dir(dir, dir_len);
    snprintf(path, path_len, "%s/prog.txt", dir);
    write_file(path, PROGRAM);
}

START_TEST(setting_switches_the_defect_on_and_every_command_carries_it)
{
    char dir[128], program[256], lib[256], line[1024], c_program[1024];
    write_program(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "setting_misalign");
    const char *plain[] = {"gauntlet", "run", "--alloc", lib, program, NULL};
    spawn_run(plain, &r);
    ck_assert_msg(r.status == 0, "without the setting: %d\n%s", r.status, r.err);
    const char *set[] = {"gauntlet", "run", "--alloc", lib, "--alloc-env", SETTING, program, NULL};
    spawn_run(set, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, REPORT_VIOLATION "alignment`"), "%d\n%s", r.status,
                  r.err);
    ck_assert_msg(strstr(r.err, "#1 of 4: t0 malloc s1 6000"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "settings:  " SETTING " "), "no settings line:\n%s", r.err);

    /* The reproduce line, run as printed, meets it again; the C program
     * line writes a reproducer that starts itself again with the setting,
     * and fails as the run did. */
    struct judged by_run = {.index = 1}, by_reproducer;
    ck_assert(follow_report_commands(r.err, "#1 of 4: t0 malloc s1 6000", dir, 10, line, c_program,
                                     sizeof line, &by_reproducer));
    ck_assert_msg(strstr(line, " --alloc-env " SETTING " "), "%s", line);
    ck_assert_msg(strstr(c_program, " --alloc-env " SETTING " "), "%s", c_program);
    snprintf(by_run.invariant, sizeof by_run.invariant, "alignment");
    snprintf(by_run.text, sizeof by_run.text, "alignment at #1");
    assert_same_verdict(program, &by_run, &by_reproducer);
}
END_TEST

/* minimize's runs start with the setting too: the finding stays, and the
 * reproducer of the result fails as the run did. */
START_TEST(minimize_keeps_the_setting)
{
    char dir[128], program[256], lib[256], out[300];
    write_program(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "setting_misalign");
    snprintf(out, sizeof out, "%s/min.txt", dir);
    const char *minimize[] = {"gauntlet", "minimize", "--alloc", lib, "--alloc-env",
                              SETTING,    program,    "-o",      out, NULL};
    spawn_run(minimize, &r);
    ck_assert_msg(r.status == 0, "minimize: %d\n%s\n%s", r.status, r.out, r.err);
    static char text[4096];
    FILE *f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "with --alloc-env " SETTING "\n"), "%s", text);
    ck_assert_msg(strstr(text, "# C reproducer: fails on"), "its reproducer passed:\n%s", text);
    ck_assert_msg(strstr(text, "\nt0 malloc s1 6000"), "%s", text);
}
END_TEST

/* jemalloc can be opened only with the loader's static TLS room, which a
 * GLIBC_TUNABLES tunable asks for: a setting of glibc's tunables joins it. */
START_TEST(glibc_tunables_are_added_to)
{
    if (allocator_unavailable("jemalloc")) {
        test_skip("settings", "jemalloc is not installed");
        return;
    }
    char dir[128], program[256];
    write_program(dir, sizeof dir, program, sizeof program);
    const char *run[] = {"gauntlet", "run",         "--alloc",
                         "jemalloc", "--alloc-env", "GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
                         program,    NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0, "%d\n%s", r.status, r.err);
}
END_TEST

/* A setting already in the environment (the user's shell) is one the run
 * runs under: the report names it, its commands carry it (the finding's
 * run forked, so this is the parent's reading passed on), and the C
 * reproducer starts with it; an --alloc-env of the same name wins; one a
 * report could not carry is a usage error rather than a silent difference. */
START_TEST(environment_settings_are_carried)
{
    char dir[128], program[256], lib[256], reproducer[300];
    write_program(dir, sizeof dir, program, sizeof program);
    defective_library(lib, sizeof lib, "setting_misalign");
    setenv("MALLOC_CONF", "narenas:1", 1);
    const char *run[] = {"gauntlet", "run", "--alloc", lib, "--alloc-env", SETTING, program, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1, "%d\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "MALLOC_CONF=narenas:1 is in the environment"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "settings:  " SETTING " MALLOC_CONF=narenas:1"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "--alloc-env " SETTING " --alloc-env MALLOC_CONF=narenas:1 "),
                  "the reproduce line leaves it out:\n%s", r.err);

    snprintf(reproducer, sizeof reproducer, "%s/repro.c", dir);
    const char *write[] = {"gauntlet", "reproducer", "--alloc",  lib,
                           program,    "-o",         reproducer, NULL};
    spawn_run(write, &r);
    ck_assert_msg(r.status == 0, "%d\n%s", r.status, r.err);
    static char text[200000];
    FILE *f = fopen(reproducer, "r");
    ck_assert_ptr_nonnull(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "\"MALLOC_CONF=narenas:1\""), "the reproducer starts without it");

    const char *given[] = {"gauntlet", "run",         "--alloc",
                           "glibc",    "--alloc-env", "MALLOC_CONF=narenas:2",
                           program,    NULL};
    spawn_run(given, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "MALLOC_CONF=narenas:2") &&
                      !strstr(r.out, "narenas:1") && !strstr(r.err, "in the environment"),
                  "%d\n%s\n%s", r.status, r.out, r.err);

    setenv("MALLOC_CONF", "narenas:1 tcache:false", 1);
    const char *plain[] = {"gauntlet", "run", "--alloc", "glibc", program, NULL};
    spawn_run(plain, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "environment's allocator setting"), "%d\n%s",
                  r.status, r.err);
    unsetenv("MALLOC_CONF");
}
END_TEST

START_TEST(malformed_setting_is_a_usage_error)
{
    static const char *const bad[] = {
        "NOVALUE", "=x", "A=", "A=b c", "A=$(id)", "1A=b", "GAUNTLET_ALLOC=glibc"};
    char dir[128], program[256];
    write_program(dir, sizeof dir, program, sizeof program);
    const char *run[] = {"gauntlet",    "run",   "--alloc", "glibc",
                         "--alloc-env", bad[_i], program,   NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "--alloc-env"), "%s: %d\n%s", bad[_i], r.status,
                  r.err);
}
END_TEST

Suite *settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("allocator settings");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, setting_switches_the_defect_on_and_every_command_carries_it);
    tcase_add_test(tc, minimize_keeps_the_setting);
    tcase_add_test(tc, glibc_tunables_are_added_to);
    tcase_add_test(tc, environment_settings_are_carried);
    tcase_add_loop_test(tc, malformed_setting_is_a_usage_error, 0, 7);
    suite_add_tcase(s, tc);
    return s;
}
