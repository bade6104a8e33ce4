/*
 * test_corpus_agreement.c — every program of corpus/seeds and
 * corpus/regressions, against every named allocator installed here, gets
 * the same verdict from `gauntlet run` and from its compiled reproducer;
 * the programs of findings (found-*) also with --strict, where the known
 * deviations they show are violations.
 */
#include "command.h"
#include "runner.h"
#include "verdicts.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static void agree_on_directory(const char *alloc, const char *dir, const char *work,
                               unsigned *compared)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot read %s", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char file[512];
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        for (int strict = 0; strict <= (strncmp(e->d_name, "found-", 6) == 0); strict++) {
            const struct judging j = {alloc, 2, strict, NULL};
            struct judged run, repro;
            judge_by_run(&j, file, &run);
            if (!judge_by_reproducer(&j, file, work, &repro)) {
                test_skip("corpus agreement", alloc); /* its library cannot be linked here */
                closedir(d);
                return;
            }
            char what[1024];
            snprintf(what, sizeof what, "%s on %s%s", file, alloc, strict ? " --strict" : "");
            assert_same_verdict(what, &run, &repro);
            (*compared)++;
        }
    }
    closedir(d);
}

START_TEST(corpus_agrees_on_every_allocator)
{
    static const char *const allocators[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};
    char work[128];
    make_temp_dir(work, sizeof work);
    unsigned compared = 0;
    agree_on_directory(allocators[_i], "corpus/seeds", work, &compared);
    agree_on_directory(allocators[_i], "corpus/regressions", work, &compared);
    ck_assert(compared == 0 || compared >= 20);
}
END_TEST

Suite *corpus_agreement_suite(void)
{
    Suite *s = suite_create("corpus agreement");
    TCase *tc = tcase_create("run and reproducer");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, corpus_agrees_on_every_allocator, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
