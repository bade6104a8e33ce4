/*
 * test_build_alloc.c — `gauntlet build-alloc`: bad requests are usage errors,
 * and a Debian source package built for coverage is a library every command
 * loads, cached, whose branches libFuzzer counts (its module is loaded
 * beside the target's); a checkout of one's own (--src) builds with its
 * internal assertions (debug). Without access to Debian's source packages
 * the building part is skipped, saying so.
 */
#include "command.h"
#include "runner.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct spawned r;

START_TEST(bad_requests_are_usage_errors)
{
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    const char *const requests[][8] = {
        {"gauntlet", "build-alloc", "dlmalloc", "-o", dir, NULL},
        {"gauntlet", "build-alloc", "mimalloc@potato", "-o", dir, NULL},
        {"gauntlet", "build-alloc", "mimalloc", "--with", "asan,tsan", "-o", dir, NULL},
        {"gauntlet", "build-alloc", "mimalloc", "--with", "speed", "-o", dir, NULL},
        {"gauntlet", "build-alloc", "--src", "/nonexistent", "-o", dir, NULL},
        {"gauntlet", "build-alloc", "--src", dir, "-o", dir, NULL}, /* not an allocator's tree */
    };
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        spawn_run(requests[i], &r);
        ck_assert_msg(r.status == 2 && strstr(r.err, "gauntlet build-alloc: "),
                      "request %zu: exit %d\n%s", i, r.status, r.err);
    }
}
END_TEST

/* The last line of a build-alloc output: so:PATH. */
static void last_line(const char *out, char *line, size_t len)
{
    const char *end = out + strlen(out);
    while (end > out && end[-1] == '\n')
        end--;
    const char *start = end;
    while (start > out && start[-1] != '\n')
        start--;
    snprintf(line, len, "%.*s", (int)(end - start), start);
}

START_TEST(built_allocators_load_everywhere_and_count_as_coverage)
{
    char dir[64], lib[4200], again[4200];
    make_temp_dir(dir, sizeof dir);
    const char *build[] = {"gauntlet", "build-alloc", "mimalloc", "--with",
                           "coverage", "-o",          dir,        NULL};
    spawn_run(build, &r);
    if (r.status == 2 && (strstr(r.err, "apt-get update failed") || strstr(r.err, "cannot get"))) {
        test_skip("built_allocators_load_everywhere", "Debian's source packages are out of reach");
        return;
    }
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    last_line(r.out, lib, sizeof lib);
    ck_assert_msg(strncmp(lib, "so:", 3) == 0 && strstr(lib, "coverage"), "%s", r.out);

    /* Cached: the same request prints the same library without building. */
    time_t start = time(NULL);
    spawn_run(build, &r);
    ck_assert_int_eq(r.status, 0);
    last_line(r.out, again, sizeof again);
    ck_assert_str_eq(again, lib);
    ck_assert_msg(strstr(r.err, "building") == NULL, "built again:\n%s", r.err);
    ck_assert_int_le(time(NULL) - start, 30);

    /* gauntlet itself loads it (the coverage calls find gauntlet's stubs)... */
    const char *run[] = {"gauntlet",
                         "run",
                         "--alloc",
                         lib,
                         "corpus/seeds/every-operation.txt",
                         "corpus/seeds/threaded-handoffs.txt",
                         NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);

    /* ...and the libFuzzer target counts its branches: a second module. */
    char command[8600];
    snprintf(command, sizeof command,
             "GAUNTLET_ALLOC='%s' build/fuzz/libfuzzer-none -runs=50 -seed=1 "
             "corpus/seeds/every-operation.txt 2>&1",
             lib);
    const char *fuzz[] = {"sh", "-c", command, NULL};
    spawn_run(fuzz, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "Loaded 2 modules"), "exit %d\n%s", r.status,
                  r.out);

    /* A checkout of one's own: the fetched source, with mimalloc's own
     * assertions (MI_DEBUG_FULL). */
    char src[200];
    snprintf(src, sizeof src, "%s/src/bookworm", dir);
    char find[400];
    snprintf(find, sizeof find, "ls -d %s/mimalloc-*/ | head -n 1", src);
    const char *ls[] = {"sh", "-c", find, NULL};
    spawn_run(ls, &r);
    char tree[300];
    last_line(r.out, tree, sizeof tree);
    const char *own[] = {"gauntlet", "build-alloc", "--src", tree, "--with",
                         "debug",    "-o",          dir,     NULL};
    spawn_run(own, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    last_line(r.out, lib, sizeof lib);
    ck_assert_msg(strstr(lib, "debug"), "%s", lib);
    const char *run_debug[] = {"gauntlet", "run", "--alloc", lib, "corpus/seeds/edge-sizes.txt",
                               NULL};
    spawn_run(run_debug, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);
}
END_TEST

Suite *build_alloc_suite(void)
{
    Suite *s = suite_create("build-alloc");
    TCase *tc = tcase_create("build-alloc");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, bad_requests_are_usage_errors);
    tcase_add_test(tc, built_allocators_load_everywhere_and_count_as_coverage);
    suite_add_tcase(s, tc);
    return s;
}
