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
#include <math.h>
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
    json_t *alloc_env = json_array();
    for (unsigned i = 0; i < p->alloc_env.count; i++)
        json_array_append_new(alloc_env, json_string(p->alloc_env.list[i]));
    return json_pack("{s:I, s:f, s:I, s:b, s:I, s:b, s:f, s:I, s:s?, s:b, s:o*, s:o}", "seed",
                     (json_int_t)p->seed, "scale", p->scale, "repeat", (json_int_t)plan->repeat,
                     "checks", p->checks, "sampler_hz", (json_int_t)p->sampler_hz, "phase_reset",
                     p->phase_reset, "settle_seconds", p->settle_seconds, "requests",
                     (json_int_t)p->requests, "program", p->program_path, "aslr", p->aslr, "cmd",
                     plan->real ? real_command_object(plan->real) : NULL, "alloc_env", alloc_env);
}

/* The length of the valid UTF-8 character at s (n bytes left), 0 when s
 * does not start one (a stray byte, an overlong form, a surrogate, a
 * truncated sequence). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

/* Makes s valid UTF-8 in place (JSON strings must be): a character cut at
 * the end (by a length limit) is dropped, any other invalid byte becomes '?'. */
void utf8_repair(char *s)
{
    unsigned char *u = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_char(u + i, n - i);
        if (len) {
            i += len;
            continue;
        }
        size_t want = u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : u[i] >= 0xC2 ? 2 : 1, k = 1;
        while (i + k < n && (u[i + k] & 0xC0) == 0x80)
            k++;
        if (want > 1 && i + k == n && k < want) { /* a character cut at the end */
            u[i] = '\0';
            return;
        }
        u[i++] = '?';
    }
}

/* How many bytes of the valid UTF-8 text s fit in max without cutting a character. */
static size_t utf8_fit(const char *s, size_t max)
{
    size_t n = 0, len;
    while (s[n] && (len = utf8_char((const unsigned char *)s + n, 4)) && n + len <= max)
        n += len;
    return n;
}

/* The report a child wrote on stderr, as valid UTF-8 text (at most 16 KiB). */
static void read_report(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, out, len - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    utf8_repair(out);
}

json_t *stress_failed_run(const char *alloc, const char *workload, unsigned repeat,
                          const char *status, const char *report)
{
    char detail[512], name[4096];
    const char *line = report[0] ? report : "the child ended without a report";
    size_t first = strcspn(line, "\n");
    snprintf(detail, sizeof detail, "%.*s", (int)utf8_fit(line, first < 511 ? first : 511), line);
    snprintf(name, sizeof name, "%s", alloc); /* so:PATH may be any bytes */
    utf8_repair(name);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "allocator", name, "workload", workload,
                     "repeat", (json_int_t)repeat, "status", status, "detail", detail, "report",
                     report);
}

double stress_run_timeout(const struct stress_plan *plan)
{
    if (plan->timeout_seconds > 0) return plan->timeout_seconds;
    const struct stress_params *p = &plan->params;
    double work = p->requests ? fmax(p->scale, (double)p->requests / 2000) : p->scale;
    return 60 + p->settle_seconds + 600 * work;
}

bool parse_timeout_option(const char *command, int argc, char **argv, int *i,
                          struct stress_plan *plan)
{
    uint64_t n;
    if (strcmp(argv[*i], "--timeout") != 0 || *i + 1 >= argc) return false;
    if (!parse_u64_arg(argv[++*i], &n) || n == 0 || n > 86400)
        usage_error(command, "--timeout needs a number of seconds (1..86400)");
    plan->timeout_seconds = (double)n;
    return true;
}

static void remove_temp_dir(const char *dir)
{
    char path[4096];
    path_printf(path, sizeof path, "%s/run.json", dir);
    unlink(path);
    path_printf(path, sizeof path, "%s/run.err", dir);
    unlink(path);
    rmdir(dir);
}

/* A child killed at its deadline: a hang finding, with the command that
 * runs it again and whatever it wrote before. */
static void hang_report(const char *alloc, const struct stress_params *p, unsigned repeat,
                        double seconds, const char *const *args, char *report, size_t len)
{
    static char output[8192];
    snprintf(output, sizeof output, "%s", report);
    int n = snprintf(report, len,
                     "gauntlet stress: hang: %s × %s (repeat %u) did not finish within %.0f s "
                     "(--timeout); its process group was killed\n  reproduce: gauntlet stress "
                     "--alloc %s",
                     alloc, p->workload, repeat + 1, seconds, alloc);
    for (unsigned i = 0; args[i] && n > 0 && (size_t)n < len; i++)
        n += snprintf(report + n, len - (size_t)n, " %s", args[i]);
    if (n > 0 && (size_t)n < len)
        n += snprintf(report + n, len - (size_t)n, " --timeout %.0f\n", seconds);
    if (output[0] && n > 0 && (size_t)n < len)
        snprintf(report + n, len - (size_t)n, "  its output before that:\n%s", output);
    utf8_repair(report);
}

/* Runs one child; returns its RUN object (a failed one for a finding or an error). */
static json_t *run_child(const char *alloc, const struct stress_params *p, unsigned repeat,
                         double timeout, const char *dir)
{
    char json_path[4096], err_path[4096], repeat_text[16];
    path_printf(json_path, sizeof json_path, "%s/run.json", dir);
    path_printf(err_path, sizeof err_path, "%s/run.err", dir);
    snprintf(repeat_text, sizeof repeat_text, "%u", repeat);
    char text[16][64];
    const char *argv[40] = {self_path(), "stress-one", "--alloc",        alloc,
                            "--json",    json_path,    "--repeat-index", repeat_text};
    unsigned n = 8;
    n += stress_child_args(p, text, argv + n);
    argv[n] = NULL;

    unlink(json_path);
    unlink(err_path);
    bool timed_out, leftovers;
    int status = spawn_stress_child(argv, err_path, p, timeout, &timed_out, &leftovers);

    static char report[16384];
    read_report(err_path, report, sizeof report);
    if (timed_out) {
        hang_report(alloc, p, repeat, timeout, argv + 8, report, sizeof report);
        return stress_failed_run(alloc, p->workload, repeat, "finding", report);
    }
    if (status == -1) {
        snprintf(report, sizeof report, "gauntlet stress: cannot start %s\n", argv[0]);
        return stress_failed_run(alloc, p->workload, repeat, "error", report);
    }
    /* Ended well without its results: only the allocator ends it so (what
     * it forked may go on: said too, as `run` says it). */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && access(json_path, F_OK) != 0) {
        snprintf(report + strlen(report), sizeof report - strlen(report),
                 "gauntlet: FINDING `exit`: the stress child exited with status 0 before its "
                 "workload ended, without writing its results: the allocator ended it%s\n",
                 leftovers ? " (and left a process running, now killed)" : "");
        utf8_repair(report);
        return stress_failed_run(alloc, p->workload, repeat, "finding", report);
    }
    /* A copy the allocator forked reports itself, and the child may still
     * finish well: the report decides. */
    if (strstr(report, REPORT_ENDED)) {
        utf8_repair(report);
        return stress_failed_run(alloc, p->workload, repeat, "finding", report);
    }
    if (leftovers) {
        snprintf(report + strlen(report), sizeof report - strlen(report),
                 "gauntlet: FINDING `forked`: the stress child left a process running (the "
                 "allocator forked): its process group was killed\n");
        utf8_repair(report);
        return stress_failed_run(alloc, p->workload, repeat, "finding", report);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        json_error_t jerr;
        json_t *run = json_load_file(json_path, 0, &jerr);
        if (run) return run;
        snprintf(report, sizeof report, "gauntlet stress: the child's result is unreadable: %s\n",
                 jerr.text);
        utf8_repair(report);
        return stress_failed_run(alloc, p->workload, repeat, "error", report);
    }
    /* A finding (status 1) or a crash the handler reported; anything else is
     * a set-up error (status 2: the allocator did not open, …). */
    bool finding =
        (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_FINDING) || WIFSIGNALED(status);
    if (WIFSIGNALED(status) && report[0] == '\0')
        snprintf(report, sizeof report, "gauntlet: the stress child died of signal %d (%s)\n",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    return stress_failed_run(alloc, p->workload, repeat, finding ? "finding" : "error", report);
}

/* A run's status; a run that could not be recorded (NULL, no status) is an error. */
static const char *run_status(const json_t *run)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    return status ? status : "error";
}

static void show_progress(const json_t *run, double seconds)
{
    const char *status = run_status(run);
    char peak[32];
    format_bytes((double)json_integer_value(json_object_get(run, "peak_rss")), peak, sizeof peak);
    const char *detail = json_string_value(json_object_get(run, "detail"));
    const char *warning = json_string_value(json_object_get(run, "warning"));
    if (strcmp(status, "ok") == 0)
        fprintf(stderr, " ok, %.1f s, peak RSS %s\n%s%s%s", seconds, peak,
                warning ? "  warning: " : "", warning ? warning : "", warning ? "\n" : "");
    else
        fprintf(stderr, " %s: %s\n", status, detail ? detail : "(no detail)");
}

json_t *stress_collect(const struct stress_plan *plan, const char *command_line,
                       struct collect_counts *counts)
{
    char dir[4096];
    const char *tmp = getenv("TMPDIR");
    path_printf(dir, sizeof dir, "%s/gauntlet-stress-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "gauntlet stress: cannot make a temporary directory %s: %s\n", dir,
                strerror(errno));
        exit(EXIT_USAGE);
    }
    *counts = (struct collect_counts){0};
    json_t *runs = json_array();
    unsigned total = plan->repeat * plan->workload_count * plan->alloc_count, done = 0;
    double timeout = stress_run_timeout(plan);
    for (unsigned rep = 0; rep < plan->repeat; rep++)
        for (unsigned w = 0; w < plan->workload_count; w++)
            for (unsigned a = 0; a < plan->alloc_count; a++) {
                struct stress_params p = plan->params;
                p.workload = plan->workloads[w];
                unsigned index = plan->first_repeat + rep;
                fprintf(stderr, "gauntlet stress: [%u/%u] %s × %s (repeat %u/%u)...", ++done, total,
                        plan->allocs[a], p.workload, index + 1, plan->first_repeat + plan->repeat);
                fflush(stderr);
                double began = monotonic_seconds();
                json_t *run = plan->real ? real_process_run(plan->real, plan->allocs[a], &p, index,
                                                            timeout, dir)
                                         : run_child(plan->allocs[a], &p, index, timeout, dir);
                if (run == NULL) /* jansson refused it: never lose the run */
                    run = stress_failed_run(
                        plan->allocs[a], p.workload, index, "error",
                        "gauntlet stress: the run's result could not be recorded\n");
                show_progress(run, monotonic_seconds() - began);
                const char *status = run_status(run);
                const char *report = json_string_value(json_object_get(run, "report"));
                if (strcmp(status, "ok") != 0) {
                    counts->findings += strcmp(status, "finding") == 0;
                    counts->errors += strcmp(status, "finding") != 0;
                    if (report) fputs(report, stderr);
                }
                if (run) json_array_append_new(runs, run);
            }
    remove_temp_dir(dir);

    char created[32];
    time_t now = time(NULL);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "schema", STRESS_SCHEMA, "created",
                            created, "command", command_line, "environment", environment_object(),
                            "settings", stress_settings_object(plan), "runs", runs);
    json_object_set_new(doc, "summary", stress_summarize(runs));
    return doc;
}
