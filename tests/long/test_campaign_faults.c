/*
 * test_campaign_faults.c — a campaign under faults around it, never losing
 * or misreading a finding: a second campaign on one --out is refused, a
 * full file system stops it (exit 2, naming it), an engine's crash file cut
 * short is an error and not "not reproduced", a `kill -9` of gauntlet takes
 * its engine with it, and each library has its own default --out.
 */
#include "campaigns.h"
#include "command.h"
#include "runner.h"

#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static struct spawned r;

/* `gauntlet fuzz --alloc glibc --time SECONDS --out OUT` started in the
 * background, its output discarded; its pid. */
static pid_t start_campaign(const char *out, const char *seconds)
{
    const char *argv[] = {gauntlet_path(), "fuzz",  "--alloc", "glibc", "--time",
                          seconds,         "--out", out,       NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", 01, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", 01, 0);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

/* Waits up to `seconds` for the engine of the campaign on OUT (its command
 * line names OUT/artifacts/; other tests' engines may run meanwhile). */
static bool await_engine(const char *out, int seconds)
{
    char text[256];
    snprintf(text, sizeof text, "-artifact_prefix=%s/artifacts/", out);
    for (int i = 0; i < seconds * 10; i++) {
        if (process_mentioning(text)) return true;
        usleep(100 * 1000);
    }
    return false;
}

START_TEST(second_campaign_on_one_out_is_refused)
{
    char dir[64], out[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t first = start_campaign(out, "30");
    ck_assert_msg(await_engine(out, 20), "the first campaign's engine never ran");
    const char *argv[] = {"gauntlet", "fuzz",  "--alloc", "glibc", "--time",
                          "5",        "--out", out,       NULL};
    spawn_run(argv, &r);
    kill(first, SIGTERM);
    waitpid(first, NULL, 0);
    ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "pid %ld", (long)first);
    ck_assert_msg(strstr(r.err, "in use by another campaign") && strstr(r.err, pid_text),
                  "the refusal does not name the campaign holding it:\n%s", r.err);
}
END_TEST

/* SIGKILL cannot be forwarded: the engine must die with gauntlet. */
START_TEST(killed_campaign_takes_its_engine)
{
    char dir[64], out[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out", dir);
    pid_t campaign = start_campaign(out, "60");
    ck_assert_msg(await_engine(out, 20), "the engine never ran");
    kill(campaign, SIGKILL);
    waitpid(campaign, NULL, 0);
    const char *left = NULL;
    for (int i = 0; i < 50 && (left = process_mentioning(out)) != NULL; i++)
        usleep(100 * 1000);
    ck_assert_msg(left == NULL, "left running after kill -9 of gauntlet: %s", left);
}
END_TEST

/* A crash file whose name (libFuzzer: the SHA-1 of its input) says it held
 * an input, left empty: the write failed, and the finding may be lost. */
START_TEST(crash_file_cut_short_is_an_error)
{
    char root[64], gauntlet[128], out[128];
    make_temp_dir(root, sizeof root);
    fake_build(root, "libfuzzer-none",
               "#!/bin/sh\nfor a; do case $a in -artifact_prefix=*) p=${a#*=};; esac; done\n"
               ": > \"${p}crash-0123456789abcdef0123456789abcdef01234567\"\nexit 1\n",
               gauntlet, sizeof gauntlet);
    snprintf(out, sizeof out, "%s/out", root);
    const char *argv[] = {gauntlet, "fuzz", "--alloc", "glibc", "--time", "5", "--out", out, NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 2, "status %d:\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "empty") && strstr(r.err, "crash-0123456789abcdef"),
                  "no word of the empty crash file:\n%s", r.err);
    ck_assert_ptr_null(strstr(r.out, "history-dependent crash\n"));
}
END_TEST

/* A file system with no room: the campaign stops at once and says where. A
 * small tmpfs, filled, in a mount namespace of its own (root only). */
START_TEST(full_file_system_stops_the_campaign)
{
    if (geteuid() != 0) {
        test_skip("full_file_system_stops_the_campaign", "needs root to mount a small tmpfs");
        return;
    }
    char dir[64], script[1024];
    make_temp_dir(dir, sizeof dir);
    snprintf(script, sizeof script,
             "mount -t tmpfs -o size=512k gauntlet-full '%s' || exit 99\n"
             "dd if=/dev/zero of='%s/filler' bs=4k 2>/dev/null\n"
             "exec '%s' fuzz --alloc glibc --time 5 --out '%s/out'\n",
             dir, dir, gauntlet_path(), dir);
    const char *argv[] = {"unshare", "-m", "sh", "-c", script, NULL};
    spawn_run(argv, &r);
    if (r.status == 99 || (r.status != 2 && strstr(r.err, "unshare"))) {
        test_skip("full_file_system_stops_the_campaign", "cannot mount a tmpfs here");
        return;
    }
    ck_assert_msg(r.status == 2, "status %d:\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "is full") && strstr(r.err, dir), "%s", r.err);
}
END_TEST

/* The default --out is named after the library's resolved path: two
 * spellings of one file share it, two files do not. */
START_TEST(default_out_is_per_library)
{
    char dir[64], copy[128], relative[160], absolute[160], other[160];
    make_temp_dir(dir, sizeof dir);
    snprintf(copy, sizeof copy, "%s/libcopy.so", dir);
    char none[512];
    defective_library(none, sizeof none, "none");
    const char *cp[] = {"cp", none + 3, copy, NULL};
    spawn_run(cp, &r);
    ck_assert_int_eq(r.status, 0);
    snprintf(absolute, sizeof absolute, "so:%s", copy);
    snprintf(relative, sizeof relative, "so:%s/../%s/libcopy.so", dir, strrchr(dir, '/') + 1);
    snprintf(other, sizeof other, "%s", none);
    const char *names[] = {absolute, relative, other};
    char logs[3][512];
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"gauntlet", "fuzz",   "--alloc", names[i], "--runs",
                              "50",       "--time", "20",      NULL};
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 0, "%s: status %d\n%s", names[i], r.status, r.err);
        const char *log = strstr(r.err, ", log ");
        ck_assert_msg(log != NULL, "no log path: %s", r.err);
        snprintf(logs[i], sizeof logs[i], "%.*s", (int)strcspn(log, "\n"), log);
    }
    ck_assert_msg(strcmp(logs[0], logs[1]) == 0, "one file, two directories: %s / %s", logs[0],
                  logs[1]);
    ck_assert_msg(strcmp(logs[0], logs[2]) != 0, "two files, one directory: %s", logs[0]);
}
END_TEST

Suite *campaign_faults_suite(void)
{
    Suite *s = suite_create("campaign faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, second_campaign_on_one_out_is_refused);
    tcase_add_test(tc, killed_campaign_takes_its_engine);
    tcase_add_test(tc, crash_file_cut_short_is_an_error);
    tcase_add_test(tc, full_file_system_stops_the_campaign);
    tcase_add_test(tc, default_out_is_per_library);
    suite_add_tcase(s, tc);
    return s;
}
