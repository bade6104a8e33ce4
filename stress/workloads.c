/*
 * workloads.c — the table of stress workloads: name, what real program each
 * models (shown by --help and the README), and its entry point.
 */
#include "stress.h"

#include <string.h>

const struct workload workloads[] = {
    {"server",
     "a service: start-up state, then batches of requests with short-lived bursts "
     "and a shared cache",
     workload_server},
    {"fragment",
     "a population that changes shape: many small objects, most freed scattered, "
     "replaced by larger ones",
     workload_fragment},
    {"producer-consumer", "a pipeline: threads that only allocate feed threads that only free",
     workload_producer_consumer},
    {"thread-churn", "threads created and destroyed while some of their objects outlive them",
     workload_thread_churn},
    {"realloc-growth", "buffers growing and shrinking through realloc (builders, vectors)",
     workload_realloc_growth},
    {"spike", "a load spike, everything freed, idle past the purge delays, explicit release",
     workload_spike},
    {"replay", "an operation program of the harness (a finding, a scenario) at full speed",
     workload_replay},
};
const size_t workload_count = sizeof workloads / sizeof *workloads;

/* Not among `all`: it needs a file. */
static const struct workload trace_workload = {
    "trace:FILE", "the user's own program: a trace of gauntlet record, replayed call for call",
    workload_trace};

const struct workload *workload_find(const char *name)
{
    if (strncmp(name, TRACE_WORKLOAD_PREFIX, strlen(TRACE_WORKLOAD_PREFIX)) == 0)
        return name[strlen(TRACE_WORKLOAD_PREFIX)] ? &trace_workload : NULL;
    for (size_t i = 0; i < workload_count; i++)
        if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
    return NULL;
}
