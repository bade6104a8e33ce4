/*
 * cmd_bench.c — `gauntlet bench`: what the oracle costs. For each allocator
 * and size mix, one generated single-thread program is run checked (the
 * whole oracle, lock-step executor) and replayed raw (the same calls, no
 * checks, no pattern writes) in the same process, alternately, several
 * times; the figure is the median of the ratios of each pair. A benchmark,
 * not a test: it prints, it does not judge.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPEAT 21

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *values, unsigned n)
{
    qsort(values, n, sizeof *values, compare_doubles);
    return values[n / 2];
}

static void bench_mix(const struct allocator *a, const char *mix, bool small, size_t ops,
                      unsigned repeat)
{
    struct gen_params params;
    gen_params_default(&params);
    params.seed = 1;
    params.ops = ops;
    params.small_only = small;
    struct program p;
    program_init(&p);
    program_generate(&params, &p);
    struct run_config config;
    run_config_default(&config);
    config.program_path = "(bench)";
    double checked[MAX_REPEAT], raw[MAX_REPEAT];
    struct run_stats stats;
    for (unsigned r = 0; r < repeat; r++) {
        /* Every repeat meets the same known deviations: note them once. */
        config.quiet_notes = r > 0;
        double t0 = now_seconds();
        run_program(&p, a, &config, &stats);
        double t1 = now_seconds();
        bench_replay_raw(&p, a); /* on this thread, as the checked run's t0 */
        double t2 = now_seconds();
        checked[r] = t1 - t0;
        raw[r] = t2 - t1;
    }
    /* The ratio of each checked run to the raw replay right after it, then
     * the median: on a shared machine the two runs of a pair meet the same
     * load, where the medians of each side may come from different moments. */
    double ratios[MAX_REPEAT];
    for (unsigned r = 0; r < repeat; r++)
        ratios[r] = checked[r] / raw[r];
    double c = median(checked, repeat), w = median(raw, repeat);
    printf("%-10s %-8s %9zu %12.2f %12.2f %8.2fx%s\n", a->name, mix, p.count,
           (double)p.count / c / 1e6, (double)p.count / w / 1e6, median(ratios, repeat),
           stats.skipped_over_cap ? "  (cap reached: not comparable)" : "");
    fflush(stdout);
    program_release(&p);
}

struct bench_job {
    const char *name;
    bool small, default_mix;
    size_t ops;
    unsigned repeat;
};

/* One allocator's bench, in a child of its own. */
static int bench_one(void *arg)
{
    const struct bench_job *job = arg;
    struct allocator a;
    char err[1024];
    if (!allocator_open(job->name, &a, err, sizeof err)) {
        fprintf(stderr, "gauntlet bench: %s\n", err);
        return EXIT_USAGE;
    }
    if (job->small) bench_mix(&a, "small", true, job->ops, job->repeat);
    if (job->default_mix) bench_mix(&a, "default", false, job->ops, job->repeat);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    char list[1024] = "all";
    bool run_small = true, run_default = true;
    uint64_t ops = 200000, repeat = 9;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(argv[i])) {
            puts("usage: gauntlet bench [--alloc NAME[,NAME...]|all] [--mix small|default|all] "
                 "[--ops N] [--repeat R]\n\n"
                 "Checked operations per second (the whole oracle) against raw calls of the\n"
                 "same generated single-thread program, for small blocks (<= 1 KiB) and the\n"
                 "default size mix: rates are medians of R alternated runs, the ratio the\n"
                 "median of each pair's ratio (default R = 9, N = 200000).");
            return 0;
        } else if (strcmp(argv[i], "--alloc") == 0 && value) {
            snprintf(list, sizeof list, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--mix") == 0 && value) {
            const char *mix = argv[++i];
            run_small = strcmp(mix, "small") == 0 || strcmp(mix, "all") == 0;
            run_default = strcmp(mix, "default") == 0 || strcmp(mix, "all") == 0;
            if (!run_small && !run_default)
                usage_error("bench", "--mix needs small, default or all");
        } else if (strcmp(argv[i], "--ops") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &ops) || ops == 0)
                usage_error("bench", "--ops needs N > 0");
        } else if (strcmp(argv[i], "--repeat") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &repeat) || repeat == 0 || repeat > MAX_REPEAT)
                usage_error("bench", "--repeat needs 1..%d", MAX_REPEAT);
        } else {
            usage_error("bench", "unknown option or missing value: %s", argv[i]);
        }
    }
    printf("%-10s %-8s %9s %12s %12s %9s\n", "allocator", "mix", "ops", "checked M/s", "raw M/s",
           "ratio");
    const char *names[16];
    unsigned count = add_allocator_names("bench", list, names, 0, 16);
    int status = 0;
    for (unsigned k = 0; k < count; k++) {
        char err[1024];
        if (!allocator_installed(names[k], err, sizeof err)) {
            fprintf(stderr, "gauntlet bench: %s\n", err);
            status = EXIT_USAGE;
            continue;
        }
        struct bench_job job = {names[k], run_small, run_default, (size_t)ops, (unsigned)repeat};
        struct process p = {.call = bench_one, .arg = &job};
        bool started = process_run(&p, 0) >= 0 || p.ended;
        process_honour_stop(&p);
        if (!started) {
            status = EXIT_USAGE;
        } else if (WIFSIGNALED(p.status)) {
            fprintf(stderr, "gauntlet bench: %s died of signal %d\n", names[k], WTERMSIG(p.status));
            status = EXIT_FINDING;
        } else if (WEXITSTATUS(p.status) != 0) {
            status = WEXITSTATUS(p.status);
        }
    }
    return status;
}
