/*
 * fidelity.c — does the driver's peak RSS tell the truth? Each workload runs
 * once per allocator under /usr/bin/time -v, without per-phase resets (the
 * kernel's maximum resident set size follows those resets too), and the
 * driver's peak_rss is set beside the kernel's figure. Also states the
 * harness's own share: the RSS before the allocator served anything, plus
 * the workload's tables (harness memory).
 * Part of `gauntlet stress-bench` (make bench-stress); the same comparison
 * is asserted by the unit tests.
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIME_COMMAND "/usr/bin/time"
#define MAX_RSS_LINE "Maximum resident set size (kbytes): "

/* The kernel's maximum RSS in bytes from time -v's log, or 0. */
static double kernel_max_rss(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    char line[512];
    double kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, MAX_RSS_LINE))
            kib = atof(strstr(line, MAX_RSS_LINE) + strlen(MAX_RSS_LINE));
    if (f) fclose(f);
    return kib * 1024;
}

/* One run under time -v; false when it did not complete. */
static bool measure(const char *self, const char *alloc, const struct stress_params *p,
                    const char *dir, double *driver, double *kernel, double *harness)
{
    char json_path[4096], log_path[4096], text[16][64];
    path_printf(json_path, sizeof json_path, "%s/fidelity.json", dir);
    path_printf(log_path, sizeof log_path, "%s/fidelity.log", dir);
    const char *argv[48] = {TIME_COMMAND, "-v",  self,     "stress-one",
                            "--alloc",    alloc, "--json", json_path};
    unsigned n = 8;
    n += stress_child_args(p, text, argv + n);
    argv[n] = NULL;
    unlink(log_path);
    /* The same deadline as a stress run's: a hanging allocator must not hang the bench. */
    const struct stress_plan plan = {.params = *p};
    bool timed_out = false, leftovers = false;
    int status =
        spawn_stress_child(argv, log_path, p, stress_run_timeout(&plan), &timed_out, &leftovers);
    if (status == -1 || timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
    json_t *run = json_load_file(json_path, 0, NULL);
    if (run == NULL) return false;
    *driver = json_number_value(json_object_get(run, "peak_rss"));
    *harness = json_number_value(json_object_get(json_object_get(run, "harness"), "rss"));
    *kernel = kernel_max_rss(log_path);
    json_decref(run);
    return *kernel > 0;
}

int stress_fidelity_table(const char *const *allocs, unsigned alloc_count,
                          const char *const *workload_names, unsigned workload_count,
                          const struct stress_params *base)
{
    if (access(TIME_COMMAND, X_OK) != 0) {
        fprintf(stderr, "gauntlet stress-bench: %s not found (make installs the `time` package)\n",
                TIME_COMMAND);
        return EXIT_USAGE;
    }
    char dir[] = "/tmp/gauntlet-fidelity-XXXXXX";
    const char *self = self_path();
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "gauntlet stress-bench: cannot set up the fidelity runs\n");
        return EXIT_USAGE;
    }
    printf("\nfidelity: the driver's peak RSS against /usr/bin/time -v's maximum resident set\n"
           "size, one run each at scale %g without per-phase resets\n",
           base->scale);
    printf("%-12s %-18s %12s %12s %8s %12s %8s\n", "allocator", "workload", "driver", "time -v",
           "ratio", "harness", "share");
    int worst = 0;
    for (unsigned a = 0; a < alloc_count; a++)
        for (unsigned w = 0; w < workload_count; w++) {
            struct stress_params p = *base;
            p.workload = workload_names[w];
            p.phase_reset = false;
            p.settle_seconds = 0;
            double driver = 0, kernel = 0, harness = 0;
            if (!measure(self, allocs[a], &p, dir, &driver, &kernel, &harness)) {
                printf("%-12s %-18s  run failed (log in %s)\n", allocs[a], p.workload, dir);
                worst = EXIT_FINDING;
                continue;
            }
            char d[32], k[32], h[32];
            format_bytes(driver, d, sizeof d);
            format_bytes(kernel, k, sizeof k);
            format_bytes(harness, h, sizeof h);
            printf("%-12s %-18s %12s %12s %8.4f %12s %7.1f%%\n", allocs[a], p.workload, d, k,
                   driver / kernel, h, 100 * harness / driver);
        }
    printf("ratio: driver / kernel (target within 2%%); harness: the process's RSS before the\n"
           "allocator served anything (binary, libc, the harness's buffers) plus the workload's\n"
           "tables, and its share of the peak.\n");
    if (worst == 0) {
        char path[4200];
        const char *files[] = {"fidelity.json", "fidelity.log"};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            unlink(path);
        }
        rmdir(dir);
    }
    return worst;
}
