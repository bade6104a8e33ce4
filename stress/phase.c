/*
 * phase.c — the figures taken at each phase end of a workload: RSS, the
 * phase's peak RSS (VmHWM, reset at the phase's start through clear_refs
 * when the run asks for per-phase peaks), live bytes and their peak, the
 * allocator's own statistics, and what the workload asked of the allocator
 * just before (a release call). Also the workloads' bookkeeping tables,
 * which count as the harness's memory.
 */
#include "stress.h"

#include <stdio.h>
#include <string.h>

void stress_phase(struct stress_run *r, const char *name)
{
    stress_phase_after(r, name, "");
}

void stress_phase_after(struct stress_run *r, const char *name, const char *action)
{
    if (r->phase_count == STRESS_MAX_PHASES) return;
    struct phase_record *ph = &r->phases[r->phase_count++];
    snprintf(ph->name, sizeof ph->name, "%s", name);
    snprintf(ph->action, sizeof ph->action, "%s", action);
    ph->end_seconds = monotonic_seconds() - r->started;
    ph->rss = proc_rss_bytes();
    ph->peak_rss = proc_peak_bytes();
    if (ph->peak_rss < ph->rss) ph->peak_rss = ph->rss; /* two reads, not one snapshot */
    ph->live_bytes = atomic_load(&r->live_bytes);
    ph->peak_live_bytes = atomic_load(&r->phase_peak_live);
    ph->harness_rss = r->harness_rss;
    ph->stat_count = alloc_stats_read(r->alloc, ph->stats, STRESS_MAX_STATS);
    if (r->params->phase_reset) proc_reset_peak();
    atomic_store(&r->phase_peak_live, ph->live_bytes);
}

void *stress_table(struct stress_run *r, size_t bytes)
{
    void *table = hmem_map(bytes);
    memset(table, 0, bytes); /* resident now, so that it is counted once, as the harness's */
    r->harness_rss += bytes;
    return table;
}
