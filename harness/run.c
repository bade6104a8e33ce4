/*
 * run.c — one program against one allocator: set up the shadow model (in
 * memory kept from the previous run), pick the executor, make the program's
 * rounds (reading the resident memory after each for the reuse rule), add
 * up the statistics.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void run_config_default(struct run_config *config)
{
    memset(config, 0, sizeof *config);
    config->live_cap = GAUNTLET_DEFAULT_CAP;
    config->watchdog_seconds = GAUNTLET_DEFAULT_WATCHDOG_SECONDS;
    config->mode = MODE_LOCKSTEP;
}

void run_stats_sum(const struct run *run, struct run_stats *total)
{
    memset(total, 0, sizeof *total);
    for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++) {
        const struct run_stats *s = &run->stats[t];
        total->ops += s->ops;
        total->calls += s->calls;
        for (unsigned k = 0; k < OP_KIND_COUNT; k++)
            total->skipped_missing[k] += s->skipped_missing[k];
        total->skipped_over_cap += s->skipped_over_cap;
        total->skipped_empty += s->skipped_empty;
        total->skipped_new_resizes += s->skipped_new_resizes;
        total->declined_sized_frees += s->declined_sized_frees;
        total->implicit_frees += s->implicit_frees;
        total->failed_requests += s->failed_requests;
        total->refused_calls += s->refused_calls;
        total->cross_thread += s->cross_thread;
        total->sampled_checks += s->sampled_checks;
        total->known_deviations += s->known_deviations;
        total->restarts += s->restarts;
        total->violations += s->violations;
        total->distinct_violations += s->distinct_violations;
        total->known_findings += s->known_findings;
    }
    total->peak_live_bytes = run->oracle.peak_live_bytes;
}

/* One struct run kept between runs: a fuzz target runs thousands of short
 * programs a second, and mapping, faulting in and unmapping its 40 KiB each
 * time cost more than many of the programs. Concurrent runs (stress
 * drivers) map their own when it is taken. */
static _Atomic(struct run *) spare_run;

static uint32_t missing_kinds(const struct allocator *alloc)
{
    uint32_t missing = 0;
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        if (!allocator_has(alloc, (enum op_kind)k)) missing |= UINT32_C(1) << k;
    return missing;
}

/* The reuse rule over the rounds' resident memory, judged only when every
 * block was freed in every round: a block set aside after a violation (or
 * a known finding) stays allocated and would grow each round by itself. */
static void judge_reuse(struct run *run, const size_t *resident)
{
    if (run->oracle.set_aside != 0) return;
    if (resident[0] == 0) { /* never silently: the rule was asked for */
        fprintf(stderr, "gauntlet: note: %s\n", RULE_REUSE_UNMEASURED_NOTE);
        return;
    }
    struct breach b = rule_reuse(resident, run->rounds);
    if (b.failure == F_NONE) return;
    struct op end = {.kind = OP_BARRIER};
    struct op_context c = {run, SIZE_MAX, &end, 0, &run->stats[0]};
    oracle_breach(&c, -1, NULL, &b, NULL);
}

void run_program(const struct program *program, const struct allocator *alloc,
                 const struct run_config *config, struct run_stats *total)
{
    struct run *run = atomic_exchange(&spare_run, NULL);
    /* A finished run leaves no live block and an empty map behind; only
     * its counters need clearing. */
    if (run == NULL)
        run = hmem_map(sizeof *run);
    else
        memset(run, 0, offsetof(struct run, oracle) + offsetof(struct oracle, blocks));
    run->program = program;
    run->alloc = alloc;
    run->config = config;
    run->missing = missing_kinds(alloc);
    oracle_init(&run->oracle, alloc->policy, config->live_cap, config->strict,
                config->mode == MODE_FREE);
    run->rounds = config->rounds > 1 ? config->rounds : 1;
    size_t resident[GAUNTLET_MAX_ROUNDS];
    for (unsigned r = 0; r < run->rounds; r++) {
        /* Each round makes its own heaps: the last round's ended with their threads. */
        memset(&run->heaps, 0, sizeof run->heaps);
        map_faults_arm(0); /* refusals are the program's: none left from another run */
        if (config->mode == MODE_FREE)
            exec_free_running(run);
        else
            exec_lockstep(run);
        /* Only when judged: a fuzz target makes thousands of one-round runs a second. */
        if (run->rounds > 1) resident[r] = rule_resident_bytes();
        run->rounds = rule_reuse_rounds_planned(resident, r + 1, run->rounds);
    }
    if (run->rounds > 1) judge_reuse(run, resident);
    map_faults_arm(0);
    run_stats_sum(run, total);
    total->rounds = run->rounds;
    report_findings(run);
    report_run_ended();
    oracle_release(&run->oracle);
    struct run *none = NULL;
    if (shadow_map_count(&run->oracle.map) != 0 ||
        !atomic_compare_exchange_strong(&spare_run, &none, run))
        hmem_unmap(run, sizeof *run);
}
