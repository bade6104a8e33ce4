/*
 * workload_replay.c — any operation program of the harness (a fuzzer's
 * finding, a hand-written scenario, or by default a generated 4-thread
 * program), run at full speed in lock-step mode with the whole oracle
 * checking every call. Lock-step, not free-running: the same calls from the
 * same threads in the same order every time, so the live set at each moment
 * is the program's and not the scheduler's (free-running, the same program
 * measured 55% more RSS for tcmalloc on a loaded machine than on an idle one).
 * The program runs LOOPS times; a phase ends after each. Its live bytes are
 * the oracle's, published to the sampler as they change, and every one of
 * them is written (the oracle's fill_whole), so that the RSS they cost is
 * there to measure.
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>

#define LOOPS 5
#define OPS   20000

void workload_replay(struct stress_run *r)
{
    static struct program program;
    size_t mapped = hmem_mapped_bytes();
    if (r->params->program_path) {
        load_program(r->params->program_path, FORMAT_AUTO, &program);
    } else {
        struct gen_params gen;
        gen_params_default(&gen);
        gen.seed = r->params->seed;
        gen.ops = scaled(r, OPS, 100);
        gen.threads = 4;
        gen.slots = 128;
        program_generate(&gen, &program);
    }
    r->harness_rss += hmem_mapped_bytes() - mapped;

    struct run_config config;
    run_config_default(&config);
    config.program_path = r->params->program_path;
    config.live_bytes_out = &r->live_bytes;
    config.fill_whole = true; /* every live byte resident, as in the other workloads */
    for (unsigned loop = 1; loop <= LOOPS; loop++) {
        struct run_stats stats;
        run_program(&program, r->alloc, &config, &stats);
        atomic_fetch_add(&r->ops, stats.calls);
        /* The oracle held the live blocks; its peak is this loop's. */
        atomic_store(&r->phase_peak_live, stats.peak_live_bytes);
        if (stats.peak_live_bytes > atomic_load(&r->peak_live_bytes))
            atomic_store(&r->peak_live_bytes, stats.peak_live_bytes);
        char name[32];
        snprintf(name, sizeof name, "loop:%u", loop);
        stress_phase(r, name);
    }
}
