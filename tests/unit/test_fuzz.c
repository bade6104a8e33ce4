/*
 * test_fuzz.c — `gauntlet fuzz` end to end: a short smoke campaign per
 * installed allocator finds nothing, and campaigns against the defective
 * allocators find each defect (bounded in time), confirmed in a fresh process
 * and saved with the invariant, the decoded program and the replay command.
 */
#include "spawn.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct spawned r;

START_TEST(smoke_campaign_per_allocator_is_clean)
{
    const char *allocs[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};
    char out[64];
    make_temp_dir(out, sizeof out);
    /* A repeatable campaign (fixed seed, bounded executions): CI must not
     * depend on how fast this machine happens to be. */
    const char *argv[] = {"gauntlet", "fuzz",   "--alloc", allocs[_i], "--seed", "1", "--runs",
                          "4000",     "--time", "60",      "--out",    out,      NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "%s: exit %d\n%s\n%s", allocs[_i], r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "summary: libfuzzer on") && strstr(r.out, "executions"),
                  "no summary: %s", r.out);
}
END_TEST

/* Every defect a fuzz campaign can meet. cross_thread's cache outlives an
 * input, so most of its crashes need earlier inputs: the campaign sets them
 * aside and keeps going to one that fails on its own. A hang takes the
 * engine's timeout and the confirming replay's watchdog (10 s each). */
static const char *const found_by_fuzzing[][2] = {
    {"misalign", "alignment"},
    {"usable_short", "usable-size"},
    {"overlap", "overlap"},
    {"scribble", "contents"},
    {"realloc_truncate", "realloc"},
    {"calloc_dirty", "calloc-zero"},
    {"free_errno", "free-errno"},
    {"aligned_misalign", "alignment"},
    {"calloc_overflow", "impossible-request"},
    {"memalign_bad_ok", "aligned-args"},
    {"spurious_oom", "unexpected-failure"},
    {"realloc_fail_damages", "realloc"},
    {"huge_errno", "impossible-request"},
    {"cross_thread", "overlap"},
    {"hang", "hang"},
};

START_TEST(campaign_finds_each_defect)
{
    const char *name = found_by_fuzzing[_i][0], *invariant = found_by_fuzzing[_i][1];
    char out[64], lib[512], findings[128];
    make_temp_dir(out, sizeof out);
    snprintf(lib, sizeof lib, "so:%s/libdefect_%s.so", defective_dir(), name);
    const char *argv[] = {"gauntlet", "fuzz", "--alloc", lib, "--time", "60", "--out", out, NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1, "%s: exit %d\n%s\n%s", name, r.status, r.out, r.err);
    snprintf(findings, sizeof findings, "finding: %s", invariant);
    ck_assert_msg(strstr(r.out, findings) != NULL, "%s: want `%s` in:\n%s", name, invariant, r.out);
    /* The saved finding replays from its file alone. */
    const char *saved = strstr(r.out, "  saved: ");
    ck_assert_ptr_nonnull(saved);
    char base[512];
    sscanf(saved, "  saved: %511[^.{].", base);
    char bin[600];
    snprintf(bin, sizeof bin, "%s.bin", base);
    const char *replay[] = {"gauntlet", "run",      "--alloc", lib, "--cap",
                            "32MiB",    "--format", "binary",  bin, NULL};
    spawn_run(replay, &r);
    ck_assert_msg(r.status == 1, "%s: replay of %s exit %d", name, bin, r.status);
}
END_TEST

/* The ClusterFuzzLite build, run as OSS-Fuzz would (environment set by hand). */
START_TEST(clusterfuzzlite_build_works)
{
    const char *argv[] = {"bash", "ci/test-clusterfuzzlite.sh", NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "fuzz_program_glibc ran"));
}
END_TEST

Suite *fuzz_suite(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("campaigns");
    tcase_set_timeout(tc, 180);
    tcase_add_loop_test(tc, smoke_campaign_per_allocator_is_clean, 0, 4);
    tcase_add_loop_test(tc, campaign_finds_each_defect, 0,
                        (int)(sizeof found_by_fuzzing / sizeof *found_by_fuzzing));
    tcase_add_test(tc, clusterfuzzlite_build_works);
    suite_add_tcase(s, tc);
    return s;
}
