/*
 * collect.c — running a stress plan: one child process (`gauntlet
 * stress-one`) per repeat × workload × allocator, in that order so that a
 * drift of the machine spreads over every allocator alike; progress on
 * stderr; each child's RUN object gathered into one results document
 * (stress/SCHEMA.md) with the environment and the summary.
 */
#include "cli.h"
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static json_t *environment_object(void)
{
    struct utsname u;
    char thp[32];
    thp_setting(thp, sizeof thp);
    return json_pack("{s:s, s:s, s:I, s:s, s:I}", "glibc", gnu_get_libc_version(), "kernel",
                     uname(&u) == 0 ? u.release : "?", "cores",
                     (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "thp", thp, "page_size",
                     (json_int_t)sysconf(_SC_PAGESIZE));
}

json_t *stress_settings_object(const struct stress_plan *plan)
{
    const struct stress_params *p = &plan->params;
    return json_pack("{s:I, s:f, s:I, s:b, s:I, s:b, s:f, s:I}", "seed", (json_int_t)p->seed,
                     "scale", p->scale, "repeat", (json_int_t)plan->repeat, "checks", p->checks,
                     "sampler_hz", (json_int_t)p->sampler_hz, "phase_reset", p->phase_reset,
                     "settle_seconds", p->settle_seconds, "requests", (json_int_t)p->requests);
}

/* The report a child wrote on stderr, as text (at most 16 KiB). */
static void read_report(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, out, len - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

static json_t *failed_run(const char *alloc, const struct stress_params *p, unsigned repeat,
                          const char *status, const char *report)
{
    char detail[512];
    const char *line = report[0] ? report : "the child ended without a report";
    snprintf(detail, sizeof detail, "%.*s", (int)strcspn(line, "\n"), line);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "allocator", alloc, "workload", p->workload,
                     "repeat", (json_int_t)repeat, "status", status, "detail", detail, "report",
                     report);
}

/* Runs one child; returns its RUN object (a failed one for a finding or an error). */
static json_t *run_child(const char *alloc, const struct stress_params *p, unsigned repeat,
                         const char *dir)
{
    char json_path[4096], err_path[4096], repeat_text[16];
    path_printf(json_path, sizeof json_path, "%s/run.json", dir);
    path_printf(err_path, sizeof err_path, "%s/run.err", dir);
    snprintf(repeat_text, sizeof repeat_text, "%u", repeat);
    char text[16][64];
    const char *argv[40] = {"/proc/self/exe", "stress-one", "--alloc",        alloc,
                            "--json",         json_path,    "--repeat-index", repeat_text};
    unsigned n = 8;
    n += stress_child_args(p, text, argv + n);
    argv[n] = NULL;

    unlink(json_path);
    unlink(err_path);
    int status = spawn_wait(argv, err_path);

    static char report[16384];
    read_report(err_path, report, sizeof report);
    if (status == -1) {
        snprintf(report, sizeof report, "gauntlet stress: cannot start %s\n", argv[0]);
        return failed_run(alloc, p, repeat, "error", report);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        json_error_t jerr;
        json_t *run = json_load_file(json_path, 0, &jerr);
        if (run) return run;
        snprintf(report, sizeof report, "gauntlet stress: the child's result is unreadable: %s\n",
                 jerr.text);
        return failed_run(alloc, p, repeat, "error", report);
    }
    /* A finding (status 1) or a crash the handler reported; anything else is
     * a set-up error (status 2: the allocator did not open, …). */
    bool finding =
        (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_FINDING) || WIFSIGNALED(status);
    if (WIFSIGNALED(status) && report[0] == '\0')
        snprintf(report, sizeof report, "gauntlet: the stress child died of signal %d (%s)\n",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    return failed_run(alloc, p, repeat, finding ? "finding" : "error", report);
}

static void show_progress(const json_t *run, double seconds)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    char peak[32];
    format_bytes((double)json_integer_value(json_object_get(run, "peak_rss")), peak, sizeof peak);
    if (strcmp(status, "ok") == 0)
        fprintf(stderr, " ok, %.1f s, peak RSS %s\n", seconds, peak);
    else
        fprintf(stderr, " %s: %s\n", status, json_string_value(json_object_get(run, "detail")));
}

json_t *stress_collect(const struct stress_plan *plan, const char *command_line,
                       struct collect_counts *counts)
{
    char dir[] = "/tmp/gauntlet-stress-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "gauntlet stress: cannot make a temporary directory: %s\n",
                strerror(errno));
        exit(EXIT_USAGE);
    }
    *counts = (struct collect_counts){0};
    json_t *runs = json_array();
    unsigned total = plan->repeat * plan->workload_count * plan->alloc_count, done = 0;
    for (unsigned rep = 0; rep < plan->repeat; rep++)
        for (unsigned w = 0; w < plan->workload_count; w++)
            for (unsigned a = 0; a < plan->alloc_count; a++) {
                struct stress_params p = plan->params;
                p.workload = plan->workloads[w];
                fprintf(stderr, "gauntlet stress: [%u/%u] %s × %s (repeat %u/%u)...", ++done, total,
                        plan->allocs[a], p.workload, rep + 1, plan->repeat);
                fflush(stderr);
                double began = monotonic_seconds();
                json_t *run = run_child(plan->allocs[a], &p, rep, dir);
                show_progress(run, monotonic_seconds() - began);
                const char *status = json_string_value(json_object_get(run, "status"));
                if (strcmp(status, "finding") == 0) {
                    counts->findings++;
                    fputs(json_string_value(json_object_get(run, "report")), stderr);
                } else if (strcmp(status, "error") == 0) {
                    counts->errors++;
                    fputs(json_string_value(json_object_get(run, "report")), stderr);
                }
                json_array_append_new(runs, run);
            }
    char path[4096];
    path_printf(path, sizeof path, "%s/run.json", dir);
    unlink(path);
    path_printf(path, sizeof path, "%s/run.err", dir);
    unlink(path);
    rmdir(dir);

    char created[32];
    time_t now = time(NULL);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "schema", STRESS_SCHEMA, "created",
                            created, "command", command_line, "environment", environment_object(),
                            "settings", stress_settings_object(plan), "runs", runs);
    json_object_set_new(doc, "summary", stress_summarize(runs));
    return doc;
}
