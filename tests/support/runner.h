/*
 * runner.h — what the three test levels' mains share: running their suites
 * in one Check runner, and skips that are printed and counted.
 */
#ifndef GAUNTLET_TEST_RUNNER_H
#define GAUNTLET_TEST_RUNNER_H

#include <check.h>

typedef Suite *(*suite_maker)(void);

/* Runs every suite (Check forks each test) and prints Check's closing line
 * ("100%: Checks: N, Failures: 0, Errors: 0"); returns the exit status. */
int run_suites(const char *level, const suite_maker *suites, int count);

/* A test that cannot run here says why: one line on stderr that starts
 * with TEST_SKIP_PREFIX, which tests/run-levels.sh counts and lists. It
 * still passes: a skip is never silent and never a failure. */
#define TEST_SKIP_PREFIX "gauntlet-test: SKIP "
void test_skip(const char *test, const char *why);

/* The tag of the test cases `make check-fast` leaves out (CK_EXCLUDE_TAGS):
 * the slowest of the system level, which `make check` runs. */
#define TEST_TAG_SLOW "slow"

#endif
