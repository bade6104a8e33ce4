/*
 * main.c — the unit-test runner: every suite of tests/unit in one Check
 * runner, whose closing line ("100%: Checks: N, Failures: 0, Errors: 0") CI
 * reads. Tests that run build/gauntlet find it through $GAUNTLET.
 */
#include <check.h>
#include <stdlib.h>

Suite *codec_suite(void);
Suite *oracle_suite(void);
Suite *reproducer_suite(void);
Suite *proofs_suite(void);
Suite *cli_suite(void);
Suite *minimize_suite(void);
Suite *fuzz_suite(void);
Suite *stress_suite(void);
Suite *stress_errors_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(codec_suite());
    srunner_add_suite(runner, oracle_suite());
    srunner_add_suite(runner, cli_suite());
    srunner_add_suite(runner, proofs_suite());
    srunner_add_suite(runner, reproducer_suite());
    srunner_add_suite(runner, minimize_suite());
    srunner_add_suite(runner, fuzz_suite());
    srunner_add_suite(runner, stress_suite());
    srunner_add_suite(runner, stress_errors_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
