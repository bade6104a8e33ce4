/*
 * test_install.c — `make install`'s layout works outside the source tree:
 * the installed gauntlet finds its corpus and its prebuilt fuzz targets,
 * and its reports name itself.
 */
#include "command.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct spawned r;

START_TEST(installed_gauntlet_runs_from_anywhere)
{
    char dest[128], bin[256], program[320], work[128];
    make_temp_dir(dest, sizeof dest);
    make_temp_dir(work, sizeof work);
    const char *install[] = {"bash", "ci/install.sh", dest, "/opt/gauntlet", NULL};
    spawn_run(install, &r);
    ck_assert_msg(r.status == 0, "install: %d\n%s", r.status, r.err);
    snprintf(bin, sizeof bin, "%s/opt/gauntlet/bin/gauntlet", dest);
    snprintf(program, sizeof program,
             "%s/opt/gauntlet/share/gauntlet/corpus/seeds/every-operation.txt", dest);
    /* From another directory, by its own path. */
    char shell[2048];
    snprintf(shell, sizeof shell, "cd '%s' && '%s' run --alloc glibc '%s'", work, bin, program);
    const char *run[] = {"sh", "-c", shell, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "PASS glibc"), "%d\n%s%s", r.status, r.out, r.err);
    /* A short campaign with the installed target, its default out dir under the working one. */
    snprintf(shell, sizeof shell,
             "cd '%s' && '%s' fuzz --alloc glibc --time 5 --runs 3000 && test -d "
             "gauntlet-out/fuzz-out/glibc",
             work, bin);
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "summary:"), "%d\n%s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "building the fuzz targets") == NULL, "%s", r.err);
    /* The recording library is found beside the fuzz targets. */
    snprintf(shell, sizeof shell,
             "cd '%s' && '%s' record -o t.trace -- sh -c 'echo recorded' && '%s' trace --info "
             "t.trace",
             work, bin, bin);
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "recorded") && strstr(r.out, "(complete)"),
                  "%d\n%s%s", r.status, r.out, r.err);
}
END_TEST

Suite *install_suite(void)
{
    Suite *s = suite_create("install");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, installed_gauntlet_runs_from_anywhere);
    suite_add_tcase(s, tc);
    return s;
}
