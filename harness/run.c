/*
 * run.c — one program against one allocator: set up the shadow model, pick
 * the executor, add up the statistics.
 */
#include "run.h"

#include <string.h>

void run_config_default(struct run_config *config)
{
    memset(config, 0, sizeof *config);
    config->live_cap = GAUNTLET_DEFAULT_CAP;
    config->watchdog_seconds = 10;
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
        total->declined_sized_frees += s->declined_sized_frees;
        total->implicit_frees += s->implicit_frees;
        total->failed_requests += s->failed_requests;
        total->cross_thread += s->cross_thread;
        total->sampled_checks += s->sampled_checks;
        total->known_deviations += s->known_deviations;
        total->restarts += s->restarts;
    }
    total->peak_live_bytes = run->oracle.peak_live_bytes;
}

void run_program(const struct program *program, const struct allocator *alloc,
                 const struct run_config *config, struct run_stats *total)
{
    struct run *run = hmem_map(sizeof *run);
    run->program = program;
    run->alloc = alloc;
    run->config = config;
    oracle_init(&run->oracle, alloc->policy, config->live_cap, config->strict,
                config->mode == MODE_FREE);
    if (config->mode == MODE_FREE)
        exec_free_running(run);
    else
        exec_lockstep(run);
    run_stats_sum(run, total);
    oracle_release(&run->oracle);
    hmem_unmap(run, sizeof *run);
}
