/*
 * main.c — the unit tests: the library's parts in this process, no child
 * processes (tests/README.md).
 */
#include "runner.h"

Suite *bench_replay_suite(void);
Suite *codec_suite(void);
Suite *mutate_suite(void);
Suite *findings_suite(void);
Suite *history_suite(void);
Suite *oracle_suite(void);
Suite *rules_suite(void);

int main(void)
{
    static const suite_maker suites[] = {bench_replay_suite, codec_suite,  findings_suite,
                                         history_suite,      mutate_suite, oracle_suite,
                                         rules_suite};
    return run_suites("unit", suites, sizeof suites / sizeof *suites);
}
