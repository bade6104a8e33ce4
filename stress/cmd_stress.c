/*
 * cmd_stress.c — `gauntlet stress`: every allocator × workload × repeat in
 * a child process of its own, then the table, the JSON document, the
 * pictures and the comparison with a baseline.
 * Exit 0: fine; 1: a run caught a defect, or a memory figure regressed
 * against the baseline; 2: usage, input or set-up error.
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ALLOCS 16

static void print_help(void)
{
    printf("usage: gauntlet stress --alloc NAME[,NAME...|all] [--workload W[,W...]|all]\n"
           "                       [--repeat N] [--json FILE] [--baseline FILE] [--plot DIR]\n"
           "       gauntlet stress --alloc LIST --cmd \"CMD\" [--ready PORT|Ns]\n"
           "                       [--load \"LOADCMD\" [--steps N]] [same outputs]\n"
           "\n"
           "Measures fragmentation and RSS per allocator under workloads shaped like real\n"
           "programs; each allocator runs in its own process. Prints a table (and, for the\n"
           "server workload, RSS at start-up and after N requests).\n"
           "\n"
           "  --alloc LIST       allocators: glibc, jemalloc, mimalloc, tcmalloc, so:PATH, all\n"
           "  --workload LIST    workloads (default all):\n");
    for (size_t i = 0; i < workload_count; i++)
        printf("      %-18s %s\n", workloads[i].name, workloads[i].models);
    const struct workload *trace = workload_find(TRACE_WORKLOAD_PREFIX "x");
    printf("      %-18s %s\n", trace->name, trace->models);
    printf("  --repeat N         runs of each (1); figures are medians\n"
           "  --json FILE        every figure and the RSS time series (stress/SCHEMA.md)\n"
           "  --baseline FILE    compare with an earlier --json document; exit 1 on a\n"
           "                     memory regression (see `gauntlet compare --help`)\n"
           "  --baseline DIR     the same with DIR/<allocator>.json per allocator\n"
           "                     (stress/baselines: refreshed by `make stress-baselines`)\n"
           "  --no-series        leave the RSS time series out of the JSON (baselines)\n"
           "  --tolerance PCT    least change flagged against the baseline (10)\n"
           "  --min-change SIZE  memory changes below this are never flagged (1MiB)\n"
           "  --plot DIR         RSS over time and bar charts, PNG and SVG "
           "(gnuplot)\n" STRESS_TIMEOUT_HELP STRESS_OPTIONS_HELP REAL_OPTIONS_HELP "\n"
           "A real program (--cmd): CMD runs through /bin/sh -c in a process group of its\n"
           "own, with the allocator's library in LD_PRELOAD (glibc: nothing preloaded;\n"
           "so:PATH: PATH); its RSS is the sum of VmRSS over the group, read from /proc at\n"
           "--sampler-hz. Phases: ready (--ready), step-1..N after each run of --load,\n"
           "after which the group is stopped (SIGTERM, 5 s, SIGKILL); without --load CMD\n"
           "runs to its end (phase end). --timeout bounds each load step and a CMD run to\n"
           "its end. A row warns when CMD maps another allocator's library itself; an\n"
           "allocator preloaded but never mapped is an error. CMD dying of a signal is a\n"
           "finding (exit 1); failing to start, never ready, a non-zero exit or a failed\n"
           "load is an error (exit 2). See stress/README.md, \"Real programs\".\n"
           "  e.g. gauntlet stress --alloc all --cmd 'exec redis-server --port 7777'\n"
           "         --ready 7777 --load 'redis-benchmark -p 7777 -n 10000 -q' --steps 5\n"
           "\n"
           "Exit status: 0 fine; 1 a finding (a hang included) or a regression; 2 usage,\n"
           "input or set-up error, a run that failed to run, or nothing compared with the\n"
           "baseline. A finding or regression outranks an error.\n");
}

unsigned parse_workload_list(const char *command, char *list, const char **names, unsigned capacity)
{
    unsigned n = 0;
    if (strcmp(list, "all") == 0) {
        for (size_t i = 0; i < workload_count && n < capacity; i++)
            names[n++] = workloads[i].name;
        return n;
    }
    char *copy = strdup(list); /* strtok_r cuts it; the original names any usage error */
    if (copy == NULL) usage_error(command, "out of memory");
    for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (workload_find(w) == NULL)
            usage_error(command, "unknown workload '%s' (see gauntlet stress --help)", w);
        if (n < capacity) names[n++] = w;
    }
    if (n == 0) usage_error(command, "--workload '%s' names no workload", list);
    return n;
}

static void join_command(int argc, char **argv, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "gauntlet");
    for (int i = 0; i < argc && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, " %s", argv[i]);
}

/* --baseline DIR: the per-allocator baselines DIR/<name>.json of the
 * allocators run, merged into one document (pairing then goes by name). */
static json_t *load_baseline_dir(const char *dir, const struct stress_plan *plan, char *err,
                                 size_t len)
{
    json_t *merged = NULL;
    for (unsigned a = 0; a < plan->alloc_count; a++) {
        char path[4096];
        path_printf(path, sizeof path, "%s/%s.json", dir, plan->allocs[a]);
        if (strncmp(plan->allocs[a], "so:", 3) == 0 || access(path, F_OK) != 0) {
            fprintf(stderr, "gauntlet stress: no baseline for %s in %s/\n", plan->allocs[a], dir);
            continue;
        }
        json_t *doc = stress_results_load(path, err, len);
        if (doc == NULL || (merged && !stress_settings_comparable(merged, doc, err, len))) {
            json_decref(doc);
            json_decref(merged);
            return NULL;
        }
        if (merged == NULL) {
            merged = doc;
            continue;
        }
        json_array_extend(json_object_get(merged, "summary"), json_object_get(doc, "summary"));
        json_decref(doc);
    }
    if (merged == NULL) snprintf(err, len, "%s: no baseline for any allocator of this run", dir);
    return merged;
}

static json_t *load_baseline(const char *path, const struct stress_plan *plan, char *err,
                             size_t len)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return load_baseline_dir(path, plan, err, len);
    return stress_results_load(path, err, len);
}

/* Drops the runs' time series (baselines keep figures, not pictures). */
static void drop_series(json_t *doc)
{
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run) json_object_del(run, "series");
}

int cmd_stress(int argc, char **argv)
{
    static const char *allocs[MAX_ALLOCS], *names[32];
    struct stress_plan plan = {.allocs = allocs, .workloads = names, .repeat = 1};
    stress_params_default(&plan.params);
    struct compare_options compare;
    compare_options_default(&compare);
    const char *json_path = NULL, *baseline_path = NULL, *plot_dir = NULL;
    bool no_series = false;
    char all[] = "all";
    char *workload_list = NULL;
    static struct real_command real;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            print_help();
            return 0;
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            plan.alloc_count =
                add_allocator_names("stress", argv[++i], allocs, plan.alloc_count, MAX_ALLOCS);
        } else if (strcmp(arg, "--workload") == 0 && value) {
            workload_list = argv[++i];
        } else if (strcmp(arg, "--repeat") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n == 0 || n > 99)
                usage_error("stress", "--repeat needs a count in 1..99");
            plan.repeat = (unsigned)n;
        } else if (strcmp(arg, "--json") == 0 && value) {
            json_path = argv[++i];
        } else if (strcmp(arg, "--baseline") == 0 && value) {
            baseline_path = argv[++i];
        } else if (strcmp(arg, "--no-series") == 0) {
            no_series = true;
        } else if (strcmp(arg, "--plot") == 0 && value) {
            plot_dir = argv[++i];
        } else if (!parse_real_option("stress", argc, argv, &i, &real) &&
                   !parse_timeout_option("stress", argc, argv, &i, &plan) &&
                   !parse_compare_option("stress", argc, argv, &i, &compare) &&
                   !parse_stress_option("stress", argc, argv, &i, &plan.params)) {
            usage_error("stress", "unknown or incomplete option '%s'", arg);
        }
    }
    if (plan.alloc_count == 0) usage_error("stress", "--alloc is required");
    settings_apply("stress", &plan.params.alloc_env);
    real_command_finish("stress", &real);
    if (real.cmd) {
        if (workload_list)
            usage_error("stress", "--cmd measures CMD, not workloads: no --workload");
        plan.real = &real;
        names[0] = real.name;
        plan.workload_count = 1;
    } else {
        plan.workload_count =
            parse_workload_list("stress", workload_list ? workload_list : all, names, 32);
    }

    /* A baseline that cannot be read is an input error before an hour of runs. */
    char err[1024];
    json_t *baseline = NULL;
    if (baseline_path &&
        (baseline = load_baseline(baseline_path, &plan, err, sizeof err)) == NULL) {
        fprintf(stderr, "gauntlet stress: baseline %s\n", err);
        return EXIT_USAGE;
    }
    /* So is one measured with other settings: it could only be refused after the runs. */
    json_t *planned = json_pack("{s:o}", "settings", stress_settings_object(&plan));
    bool comparable = !baseline || stress_settings_comparable(baseline, planned, err, sizeof err);
    json_decref(planned);
    if (!comparable) {
        fprintf(stderr, "gauntlet stress: baseline %s: %s\n", baseline_path, err);
        return EXIT_USAGE;
    }

    char command[4096];
    join_command(argc, argv, command, sizeof command);
    struct collect_counts counts;
    json_t *doc = stress_collect(&plan, command, &counts);
    bool error = counts.errors > 0, finding = counts.findings > 0;
    if (plot_dir) {
        if (stress_plot(doc, plot_dir, err, sizeof err))
            fprintf(stderr, "gauntlet stress: pictures in %s/\n", plot_dir);
        else {
            fprintf(stderr, "gauntlet stress: %s\n", err);
            error = true;
        }
    }
    if (no_series) drop_series(doc);
    if (json_path) {
        if (stress_json_write(json_path, doc, JSON_INDENT(1))) {
            fprintf(stderr, "gauntlet stress: results in %s\n", json_path);
        } else {
            fprintf(stderr, "gauntlet stress: cannot encode the results for %s\n", json_path);
            error = true;
        }
    }
    printf("\n");
    stress_print_table(doc, stdout);
    fflush(stdout);

    if (baseline) {
        printf("\nagainst the baseline %s:\n", baseline_path);
        compare.list_missing = false; /* the baseline may hold more than was asked for */
        struct compare_counts judged;
        int regressions = stress_compare(baseline, doc, &compare, stdout, &judged, err, sizeof err);
        fflush(stdout);
        const char *why = NULL;
        if (regressions < 0) {
            fprintf(stderr, "gauntlet stress: baseline %s\n", err);
            error = true;
        } else if (compare_exit_status(&judged, &why) == EXIT_FINDING) {
            finding = true;
        } else if (why) {
            /* Run errors are reported below; an empty comparison is not a pass. */
            if (judged.errors == 0) fprintf(stderr, "gauntlet stress: baseline: %s\n", why);
            error = true;
        }
    }
    if (counts.findings)
        fprintf(stderr, "gauntlet stress: %u run(s) caught a defect (reports above)\n",
                counts.findings);
    if (counts.errors) fprintf(stderr, "gauntlet stress: %u run(s) failed to run\n", counts.errors);
    json_decref(doc);
    json_decref(baseline);
    /* A finding or a regression outranks an error, as in `gauntlet run`. */
    return finding ? EXIT_FINDING : error ? EXIT_USAGE : 0;
}
