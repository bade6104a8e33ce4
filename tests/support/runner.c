/*
 * runner.c — one Check runner per test level (runner.h).
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>

int run_suites(const char *level, const suite_maker *suites, int count)
{
    SRunner *runner = srunner_create(suites[0]());
    for (int i = 1; i < count; i++)
        srunner_add_suite(runner, suites[i]());
    fprintf(stderr, "gauntlet-test: level %s\n", level);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void test_skip(const char *test, const char *why)
{
    fprintf(stderr, "%s%s: %s\n", TEST_SKIP_PREFIX, test, why);
}
