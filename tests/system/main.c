/*
 * main.c — the system tests: build/gauntlet run as a user runs it, with the
 * defective allocators and compiled reproducers (tests/README.md).
 */
#include "runner.h"

Suite *cli_suite(void);
Suite *findings_suite(void);
Suite *proofs_suite(void);
Suite *reproducer_suite(void);
Suite *agreement_suite(void);
Suite *minimize_suite(void);
Suite *trace_suite(void);
Suite *settings_suite(void);

int main(void)
{
    static const suite_maker suites[] = {cli_suite,        findings_suite,  proofs_suite,
                                         reproducer_suite, agreement_suite, minimize_suite,
                                         trace_suite,      settings_suite};
    return run_suites("system", suites, sizeof suites / sizeof *suites);
}
