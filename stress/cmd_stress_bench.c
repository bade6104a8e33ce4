/*
 * cmd_stress_bench.c — `gauntlet stress-bench`: what the stress drivers'
 * own machinery costs. Each workload runs with checks on and the sampler at
 * its rate (as `gauntlet stress` does), with checks off (memset instead of
 * the pattern, no verification), and with the sampler off; the figures are
 * medians of operations per second, and the sampler thread's own CPU time
 * per second of wall time. A benchmark: it prints, it does not judge.
 * (replay is left out: its checks are the oracle's, always on; spike runs
 * without its idle window, which would only dilute the rate.)
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <string.h>

#define MAX_ALLOCS 16

static double median_ops(const json_t *doc, const char *alloc, const char *workload)
{
    double median = 0;
    figure_median(summary_entry(json_object_get(doc, "summary"), alloc, workload), "ops_per_second",
                  &median);
    return median;
}

/* The sampler's CPU seconds per wall second, over every run of a pair. */
static double sampler_share(const json_t *doc, const char *alloc, const char *workload)
{
    double cpu = 0, wall = 0;
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        if (strcmp(json_string_value(json_object_get(run, "allocator")), alloc) != 0 ||
            strcmp(json_string_value(json_object_get(run, "workload")), workload) != 0)
            continue;
        const json_t *sampler = json_object_get(run, "sampler");
        cpu += json_number_value(json_object_get(sampler, "cpu_seconds"));
        wall += json_number_value(json_object_get(sampler, "wall_seconds"));
    }
    return wall > 0 ? cpu / wall : 0;
}

int cmd_stress_bench(int argc, char **argv)
{
    static const char *allocs[MAX_ALLOCS];
    static const char *const measured[] = {"server",       "fragment",       "producer-consumer",
                                           "thread-churn", "realloc-growth", "spike"};
    struct stress_plan plan = {.allocs = allocs,
                               .workloads = measured,
                               .workload_count = sizeof measured / sizeof *measured,
                               .repeat = 5};
    stress_params_default(&plan.params);
    plan.params.settle_seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            printf("usage: gauntlet stress-bench [--alloc LIST] [--repeat N] [--scale F]\n"
                   "The stress checks' cost (checks on vs off) and the RSS sampler's (on vs "
                   "off,\nand its own CPU time), per workload: medians of N runs (5). Then the\n"
                   "fidelity of the peak RSS: each workload once under /usr/bin/time -v.\n");
            return 0;
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            plan.alloc_count = add_allocator_names("stress-bench", argv[++i], allocs,
                                                   plan.alloc_count, MAX_ALLOCS);
        } else if (strcmp(arg, "--repeat") == 0 && value && parse_u64_arg(value, &n) && n > 0 &&
                   n < 100) {
            plan.repeat = (unsigned)n;
            i++;
        } else if (!parse_stress_option("stress-bench", argc, argv, &i, &plan.params)) {
            usage_error("stress-bench", "unknown or incomplete option '%s'", arg);
        }
    }
    settings_apply("stress-bench", &plan.params.alloc_env);
    if (plan.alloc_count == 0)
        plan.alloc_count =
            add_allocator_names("stress-bench", (char[]){"all"}, allocs, 0, MAX_ALLOCS);

    /* The three settings alternate, run after run, in a rotating order, so
     * that a drift of the machine, or a position in the sequence, weighs on
     * each alike. */
    struct stress_plan settings[3] = {plan, plan, plan};
    settings[1].params.checks = false;
    settings[2].params.sampler_hz = 0;
    json_t *runs[3] = {json_array(), json_array(), json_array()}, *docs[3];
    for (unsigned rep = 0; rep < plan.repeat; rep++)
        for (unsigned turn = 0; turn < 3; turn++) {
            unsigned k = (rep + turn) % 3; /* each setting first, second and third alike */
            struct collect_counts counts;
            settings[k].repeat = 1;
            json_t *doc = stress_collect(&settings[k], "stress-bench", &counts);
            if (counts.errors || counts.findings)
                return counts.findings ? EXIT_FINDING : EXIT_USAGE;
            json_array_extend(runs[k], json_object_get(doc, "runs"));
            json_decref(doc);
        }
    for (int k = 0; k < 3; k++)
        docs[k] = json_pack("{s:o, s:o}", "runs", runs[k], "summary", stress_summarize(runs[k]));
    json_t *normal = docs[0], *unchecked = docs[1], *unsampled = docs[2];

    printf("\nstress-bench: medians of %u runs at scale %g, sampler at %u Hz\n", plan.repeat,
           plan.params.scale, plan.params.sampler_hz);
    printf("%-12s %-18s %11s %11s %8s %11s %9s %9s\n", "allocator", "workload", "checked",
           "unchecked", "cost", "no sampler", "sampler", "sampler");
    printf("%-12s %-18s %11s %11s %8s %11s %9s %9s\n", "", "", "Mops/s", "Mops/s", "(×)", "Mops/s",
           "(rate)", "(CPU)");
    for (unsigned a = 0; a < plan.alloc_count; a++)
        for (unsigned w = 0; w < plan.workload_count; w++) {
            double on = median_ops(normal, allocs[a], measured[w]);
            double raw = median_ops(unchecked, allocs[a], measured[w]);
            double nosample = median_ops(unsampled, allocs[a], measured[w]);
            printf("%-12s %-18s %11.3f %11.3f %7.2f× %11.3f %8.2f%% %8.3f%%\n", allocs[a],
                   measured[w], on / 1e6, raw / 1e6, on > 0 ? raw / on : 0, nosample / 1e6,
                   nosample > 0 ? 100 * (1 - on / nosample) : 0,
                   100 * sampler_share(normal, allocs[a], measured[w]));
        }
    printf("\ncost: unchecked / checked rate (target < 1.5×). sampler (rate): the rate lost\n"
           "with the sampler on (noise is ± a few %%); sampler (CPU): its thread's CPU time\n"
           "per wall second (target < 1%%).\n");
    const char *every[16];
    for (size_t w = 0; w < workload_count && w < 16; w++)
        every[w] = workloads[w].name;
    return stress_fidelity_table(allocs, plan.alloc_count, every, (unsigned)workload_count,
                                 &plan.params);
}
