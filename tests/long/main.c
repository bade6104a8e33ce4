/*
 * main.c — the long tests: fuzzing campaigns, stress runs and the nightly
 * script, the parts that take seconds each (tests/README.md).
 */
#include "runner.h"

Suite *build_alloc_suite(void);
Suite *fuzz_suite(void);
Suite *stress_suite(void);
Suite *stress_errors_suite(void);
Suite *stress_cmd_suite(void);
Suite *corpus_agreement_suite(void);
Suite *install_suite(void);
Suite *hostile_suite(void);
Suite *campaign_faults_suite(void);
Suite *nightly_suite(void);
Suite *verdicts_suite(void);
Suite *realbugs_suite(void);
Suite *reuse_suite(void);
Suite *real_settings_suite(void);

int main(void)
{
    static const suite_maker suites[] = {
        fuzz_suite,     stress_suite,       stress_errors_suite,   corpus_agreement_suite,
        install_suite,  hostile_suite,      campaign_faults_suite, nightly_suite,
        verdicts_suite, build_alloc_suite,  stress_cmd_suite,      realbugs_suite,
        reuse_suite,    real_settings_suite};
    return run_suites("long", suites, sizeof suites / sizeof *suites);
}
