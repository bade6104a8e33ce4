/*
 * cmd_fuzz.h — shared by the modules of `gauntlet fuzz`: cmd_fuzz.c
 * (options, corpus, the campaign's rounds, the summary), cmd_fuzz_engine.c
 * (running libFuzzer or AFL++ and watching them) and cmd_fuzz_findings.c
 * (confirming each crash file in a fresh process and saving it).
 */
#ifndef GAUNTLET_CMD_FUZZ_H
#define GAUNTLET_CMD_FUZZ_H

#include "cli.h"

struct fuzz_options {
    const char *alloc, *engine, *san, *corpus, *out, *cap;
    unsigned seconds, jobs;
    uint64_t seed, runs; /* 0: the engine's choice / no bound */
};

struct campaign {
    const char *root;
    struct fuzz_options *o;
    unsigned confirmed, unconfirmed;
    /* An input failed only after earlier inputs' heap state: from then on the
     * engine fuzzes past crashes (libFuzzer -fork with -ignore_crashes, each
     * job a fresh process) and crash files are confirmed while it runs. */
    bool keep_going;
    uint64_t executions;   /* over every round */
    double engine_seconds; /* likewise */
};

/* cmd_fuzz_engine.c: one round of the engine, until its time limit, its first
 * crash, or (keep_going) the first confirmed finding; adds the round's
 * executions and seconds to the campaign. */
void run_libfuzzer(struct campaign *c, const char *target, const char *log_path);
void run_afl(struct campaign *c, const char *target, const char *log_path);

/* cmd_fuzz_findings.c: every crash or hang file the engines left, confirmed by
 * `gauntlet run` in a fresh process: a finding is saved in OUT/findings/;
 * one that does not reproduce goes to OUT/unconfirmed/ (and out of the
 * corpus). */
void collect_findings(struct campaign *c);
size_t count_files(const char *dir, const char *prefix);

#endif
