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

static struct agreement_case cases[AGREEMENT_CASES_MAX];

/* Each program of `dir` on `alloc`: once plain and, for a finding's
 * program, once with --strict. */
static unsigned add_directory(const char *alloc, const char *dir, unsigned n)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot read %s", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        for (int strict = 0; strict <= (strncmp(e->d_name, "found-", 6) == 0); strict++) {
            ck_assert_uint_lt(n, AGREEMENT_CASES_MAX);
            cases[n].judging = (struct judging){alloc, 2, strict, NULL, NULL};
            snprintf(cases[n].file, sizeof cases[n].file, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

START_TEST(corpus_agrees_on_every_allocator)
{
    static const char *const allocators[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};
    char work[128];
    make_temp_dir(work, sizeof work);
    unsigned n = add_directory(allocators[_i], "corpus/seeds", 0);
    n = add_directory(allocators[_i], "corpus/regressions", n);
    ck_assert_uint_ge(n, 20);
    if (assert_cases_agree(cases, n, work) < n)
        test_skip("corpus agreement", allocators[_i]); /* its library cannot be linked here */
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
