/*
 * real_process.c — `gauntlet stress --cmd`: one real program under one
 * allocator, measured from outside. CMD runs through /bin/sh -c as the
 * leader of a process group (process.c), the allocator preloaded
 * (LD_PRELOAD) and the user's environment otherwise; the group's RSS is
 * sampled (real_group.c); phases end when it is ready, after each run of
 * the load command, or when it ends by itself. Every way it can go wrong
 * is a failed RUN naming the allocator: never a silent row.
 *
 * Status rules (stress/README.md): a command that dies of a signal is a
 * finding; one that cannot start, is never ready, exits with a non-zero
 * status, outlives --timeout, or whose load fails is an error.
 */
#include "cli.h"
#include "stress.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The tunable gauntlet re-executes itself with (allocator_prepare_process):
 * for dlopen, which the command does not do; it gets the user's setting. */
#define TLS_TUNABLE "glibc.rtld.optional_static_tls="

struct launch {
    const char *cmd, *preload, *served_log;
};

static void restore_user_environment(void)
{
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (getenv("GAUNTLET_TLS_READY") && tunables) {
        char kept[4096] = "";
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", tunables);
        for (char *save = NULL, *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
            if (strncmp(t, TLS_TUNABLE, strlen(TLS_TUNABLE)) != 0)
                snprintf(kept + strlen(kept), sizeof kept - strlen(kept), "%s%s",
                         kept[0] ? ":" : "", t);
        kept[0] ? setenv("GLIBC_TUNABLES", kept, 1) : unsetenv("GLIBC_TUNABLES");
    }
    unsetenv("GAUNTLET_TLS_READY");
}

/* In the forked group leader: the allocator first in LD_PRELOAD, then the shell. */
static int exec_under_allocator(void *arg)
{
    const struct launch *l = arg;
    restore_user_environment();
    const char *old = getenv("LD_PRELOAD");
    char value[8192];
    snprintf(value, sizeof value, "%s%s%s", l->preload ? l->preload : "",
             l->preload && old && old[0] ? ":" : "", old ? old : "");
    real_served_environment(l->served_log, value, sizeof value);
    if (value[0]) setenv("LD_PRELOAD", value, 1);
    execl("/bin/sh", "sh", "-c", l->cmd, (char *)NULL);
    fprintf(stderr, "gauntlet stress: cannot run /bin/sh: %s\n", strerror(errno));
    return 127;
}

/* What LD_PRELOAD gets: nothing for glibc, a soname the loader finds for a
 * named allocator, an absolute path for so:PATH (CMD may change directory). */
static bool preload_of(const char *alloc, char *out, size_t len, const char **preload)
{
    *preload = NULL;
    if (strcmp(alloc, "glibc") == 0) return true;
    if (strncmp(alloc, "so:", 3) == 0) {
        char resolved[PATH_MAX];
        if (realpath(alloc + 3, resolved) == NULL) return false;
        snprintf(out, len, "%s", resolved);
    } else {
        const char *soname = allocator_soname(alloc);
        if (soname == NULL) return false;
        snprintf(out, len, "%s", soname);
    }
    *preload = out;
    return true;
}

static bool port_accepts(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* "exit status 3", "signal 11 (Segmentation fault)" */
static void describe_end(int status, char *out, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(out, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, len, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* One run's state, for the report of whatever went wrong. */
struct real_run {
    const struct real_command *c;
    const char *alloc;
    const struct stress_params *p;
    unsigned repeat;
    char cmd_log[4096], load_log[4096], served_log[4096];
    struct process cmd;
    struct stress_run run;
    struct real_group *group;
};

/* The last `len` bytes (at most) of a log, from a line start when one is near. */
static void log_tail(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)len - 1 ? size - (off_t)len + 1 : 0;
    ssize_t n = pread(fd, out, len - 1, from);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    char *line = from > 0 ? strchr(out, '\n') : NULL;
    if (line) memmove(out, line + 1, strlen(line + 1) + 1);
    utf8_repair(out);
}

/* A failed RUN: `status` "error" or "finding", `what` its first line's
 * end, with the output of the command (and of the load, when it ran). */
static json_t *failed(struct real_run *r, const char *status, const char *what, bool with_load)
{
    static char report[16384];
    char tail[4096];
    int n = snprintf(report, sizeof report, "gauntlet stress: %s × %s: %s\n  command: %s\n",
                     r->alloc, r->c->name, what, r->c->cmd);
    log_tail(r->cmd_log, tail, sizeof tail);
    if (n > 0 && (size_t)n < sizeof report)
        n += snprintf(report + n, sizeof report - (size_t)n, "  its output (the end):\n%s%s",
                      tail[0] ? tail : "  (none)\n",
                      tail[0] && tail[strlen(tail) - 1] != '\n' ? "\n" : "");
    if (with_load && n > 0 && (size_t)n < sizeof report) {
        log_tail(r->load_log, tail, sizeof tail);
        snprintf(report + n, sizeof report - (size_t)n,
                 "  load: %s\n  the load's output (the end):\n%s", r->c->load,
                 tail[0] ? tail : "  (none)\n");
    }
    utf8_repair(report);
    return stress_failed_run(r->alloc, r->c->name, r->repeat, status, report);
}

/* The command ended before it should have: a signal is a finding. */
static json_t *ended_early(struct real_run *r, const char *when, bool with_load)
{
    char how[128], what[512];
    describe_end(r->cmd.status, how, sizeof how);
    int code = WIFEXITED(r->cmd.status) ? WEXITSTATUS(r->cmd.status) : 0;
    if (code == 127 || code == 126)
        snprintf(what, sizeof what, "cannot start: the shell %s (%s)",
                 code == 127 ? "found no program to run" : "could not execute it", how);
    else
        snprintf(what, sizeof what, "the command ended %s: %s", when, how);
    return failed(r, WIFSIGNALED(r->cmd.status) ? "finding" : "error", what, with_load);
}

static void mark_phase(struct real_run *r, const char *name)
{
    struct stress_run *run = &r->run;
    if (run->phase_count == STRESS_MAX_PHASES) return;
    struct phase_record *ph = &run->phases[run->phase_count++];
    snprintf(ph->name, sizeof ph->name, "%s", name);
    ph->end_seconds = monotonic_seconds() - run->started;
    real_group_phase(r->group, r->p->phase_reset, &ph->rss, &ph->peak_rss);
}

/* A stop signal (Ctrl-C) while waiting: the command's group goes first. */
static void honour_stop(struct real_run *r, const struct process *waited)
{
    if (!waited->stop_signal) return;
    process_stop(&r->cmd);
    process_honour_stop(waited);
}

/* NULL when CMD became ready; else the failed RUN. */
static json_t *await_ready(struct real_run *r)
{
    const struct real_command *c = r->c;
    char what[256];
    if (c->ready_port == 0) {
        if (!process_await(&r->cmd, c->ready_seconds)) {
            honour_stop(r, &r->cmd);
            return NULL;
        }
        snprintf(what, sizeof what, "before it was ready (--ready %gs)", c->ready_seconds);
        return ended_early(r, what, false);
    }
    double deadline = monotonic_seconds() + c->ready_timeout;
    while (!port_accepts(c->ready_port)) {
        if (process_await(&r->cmd, 0.02)) {
            snprintf(what, sizeof what, "before 127.0.0.1:%u accepted a connection", c->ready_port);
            return ended_early(r, what, false);
        }
        honour_stop(r, &r->cmd);
        if (monotonic_seconds() > deadline) {
            process_stop(&r->cmd);
            snprintf(what, sizeof what,
                     "never ready: 127.0.0.1:%u accepted no connection within %g s "
                     "(--ready-timeout); its process group was stopped",
                     c->ready_port, c->ready_timeout);
            return failed(r, "error", what, false);
        }
    }
    return NULL;
}

/* NULL when every step ran; else the failed RUN. CMD is stopped either way. */
static json_t *run_load(struct real_run *r, double timeout)
{
    const struct real_command *c = r->c;
    const char *argv[] = {"/bin/sh", "-c", c->load, NULL};
    char what[512], how[128], name[32];
    for (unsigned k = 1; k <= c->steps; k++) {
        struct process load = {.argv = argv, .out_path = r->load_log, .truncate_out = true};
        int status = process_run(&load, timeout);
        honour_stop(r, &load);
        if (process_await(&r->cmd, 0)) {
            snprintf(what, sizeof what, "during load step %u of %u", k, c->steps);
            return ended_early(r, what, true);
        }
        if (status != 0) {
            if (load.timed_out)
                snprintf(how, sizeof how, "did not end within %g s (--timeout)", timeout);
            else if (status == -1)
                snprintf(how, sizeof how, "could not start: %s", strerror(errno));
            else
                describe_end(status, how, sizeof how);
            snprintf(what, sizeof what, "the load command failed at step %u of %u: %s", k, c->steps,
                     how);
            process_stop(&r->cmd);
            return failed(r, "error", what, true);
        }
        snprintf(name, sizeof name, "step-%u", k);
        mark_phase(r, name);
    }
    process_stop(&r->cmd);
    return NULL;
}

/* NULL when CMD ended well by itself; else the failed RUN. */
static json_t *run_to_end(struct real_run *r, double timeout)
{
    double left = timeout - (monotonic_seconds() - r->run.started);
    if (!process_await(&r->cmd, left > 0 ? left : 0.001)) {
        honour_stop(r, &r->cmd);
        process_stop(&r->cmd);
        char what[256];
        snprintf(what, sizeof what,
                 "did not end within %g s (--timeout); its process group was stopped (a "
                 "server needs --load to be measured and stopped)",
                 timeout);
        return failed(r, "error", what, false);
    }
    if (r->cmd.status != 0) return ended_early(r, "with a failure", false);
    mark_phase(r, "end");
    return NULL;
}

/* Which allocator served the command, as far as the mappings tell; a
 * warning (to be shown in the row) when another one was mapped too. */
static void check_allocators(struct real_run *r, const char *preload, json_t *run)
{
    char served[300];
    const char *slash = preload ? strrchr(preload, '/') : NULL;
    const char *expected = slash ? slash + 1 : preload ? preload : allocator_soname("glibc");
    json_t *others = real_group_mapped(r->group, true);
    bool known = real_served_read(r->served_log, (int)r->cmd.pid, served, sizeof served);
    if (known) {
        json_object_set_new(run, "served_by", json_string(served));
        if (strcmp(served, expected) != 0) {
            char warning[1024];
            snprintf(warning, sizeof warning,
                     "malloc was served by %s, not by %s (the program brings its own "
                     "allocator): this row measures %s",
                     served, expected, served);
            json_object_set_new(run, "warning", json_string(warning));
        }
    }
    if (json_array_size(others) > 0 && json_object_get(run, "warning") == NULL) {
        char warning[1024], list[512] = "";
        size_t i;
        const json_t *file;
        json_array_foreach(others, i, file)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     json_string_value(file));
        if (preload || known)
            snprintf(warning, sizeof warning,
                     "the command maps %s too (linked or loaded by the program): %s serves malloc "
                     "and free, but calls by that library's own names go to it",
                     list, expected);
        else
            snprintf(warning, sizeof warning,
                     "measured as glibc, but the command maps %s itself (linked or loaded by the "
                     "program): its malloc may be that library's, not glibc's",
                     list);
        json_object_set_new(run, "warning", json_string(warning));
    }
    json_decref(others);
    json_object_set_new(run, "mapped_allocators", real_group_mapped(r->group, false));
}

static json_t *run_object(struct real_run *r, const char *preload, double seconds)
{
    size_t peak = 0, samples = 0;
    for (unsigned i = 0; i < r->run.phase_count; i++)
        if (r->run.phases[i].peak_rss > peak) peak = r->run.phases[i].peak_rss;
    if (r->run.sampler) sampler_samples(r->run.sampler, &samples);
    json_t *phases = json_array();
    for (unsigned i = 0; i < r->run.phase_count; i++) {
        const struct phase_record *ph = &r->run.phases[i];
        json_array_append_new(phases,
                              json_pack("{s:s, s:f, s:I, s:I}", "name", ph->name, "end_seconds",
                                        ph->end_seconds, "rss", (json_int_t)ph->rss, "peak_rss",
                                        (json_int_t)ph->peak_rss));
    }
    const struct sampler *s = r->run.sampler;
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:s, s:f, s:s, s:s?, s:I, s:I, s:I, s:b, s:{s:I, s:I, s:f, s:f}, s:o}",
        "allocator", r->alloc, "workload", r->c->name, "repeat", (json_int_t)r->repeat, "status",
        "ok", "seconds", seconds, "command", r->c->cmd, "preload", preload, "processes",
        (json_int_t)real_group_most_members(r->group), "peak_rss", (json_int_t)peak, "final_rss",
        (json_int_t)(r->run.phase_count ? r->run.phases[r->run.phase_count - 1].rss : 0),
        "address_randomization", r->p->aslr, "sampler", "hz", (json_int_t)r->p->sampler_hz,
        "samples", (json_int_t)samples, "cpu_seconds", s ? sampler_cpu_seconds(s) : 0.0,
        "wall_seconds", s ? sampler_wall_seconds(s) : 0.0, "phases", phases);
    check_allocators(r, preload, o);
    json_object_set_new(o, "series", stress_series_object(&r->run, false));
    return o;
}

static json_t *measure(struct real_run *r, const char *preload, double timeout)
{
    const struct real_command *c = r->c;
    if (c->ready_port && port_accepts(c->ready_port)) {
        char what[256];
        snprintf(what, sizeof what,
                 "127.0.0.1:%u already accepts connections before the command starts (another "
                 "server holds the port): it could not tell when this one is ready",
                 c->ready_port);
        return failed(r, "error", what, false);
    }
    struct launch launch = {c->cmd, preload, r->served_log};
    r->cmd = (struct process){
        .call = exec_under_allocator, .arg = &launch, .out_path = r->cmd_log, .truncate_out = true};
    r->run.params = r->p;
    r->run.started = monotonic_seconds();
    int saved = layout_fix(r->p);
    bool started = process_start(&r->cmd);
    layout_restore(saved);
    if (!started) {
        char what[256];
        snprintf(what, sizeof what, "cannot start /bin/sh: %s", strerror(errno));
        return failed(r, "error", what, false);
    }
    r->group = real_group_watch(r->cmd.pid, preload);
    if (r->p->sampler_hz)
        r->run.sampler =
            sampler_start_reading(&r->run, r->p->sampler_hz, real_group_sample, r->group);
    json_t *failure = NULL;
    if (c->ready_port || c->ready_seconds > 0) {
        failure = await_ready(r);
        if (failure == NULL) mark_phase(r, "ready");
    }
    if (failure == NULL) failure = c->load ? run_load(r, timeout) : run_to_end(r, timeout);
    process_stop(&r->cmd);
    if (r->run.sampler) sampler_stop(r->run.sampler);
    if (failure) return failure;
    if (real_group_most_members(r->group) == 0)
        return failed(r, "error",
                      "no process of the command was seen with memory: it ended before the "
                      "first sample (--sampler-hz 0 samples only at phase ends)",
                      false);
    if (preload && !real_group_preload_mapped(r->group)) {
        char what[PATH_MAX + 256];
        snprintf(what, sizeof what,
                 "%s was preloaded but no process of the command mapped it: the loader "
                 "ignored it (see the output) or the program is static; not measured under %s",
                 preload, r->alloc);
        return failed(r, "error", what, false);
    }
    return run_object(r, preload, monotonic_seconds() - r->run.started);
}

json_t *real_process_run(const struct real_command *c, const char *alloc,
                         const struct stress_params *p, unsigned repeat, double timeout,
                         const char *dir)
{
    static struct real_run r;
    r = (struct real_run){.c = c, .alloc = alloc, .p = p, .repeat = repeat};
    path_printf(r.cmd_log, sizeof r.cmd_log, "%s/cmd.log", dir);
    path_printf(r.load_log, sizeof r.load_log, "%s/load.log", dir);
    path_printf(r.served_log, sizeof r.served_log, "%s/served-by", dir);
    unlink(r.cmd_log);
    unlink(r.load_log);
    unlink(r.served_log);
    char preload_buf[PATH_MAX];
    const char *preload;
    json_t *run;
    if (!preload_of(alloc, preload_buf, sizeof preload_buf, &preload)) {
        char what[PATH_MAX + 64];
        snprintf(what, sizeof what, "%s: no library to preload (%s)", alloc,
                 strncmp(alloc, "so:", 3) == 0 ? strerror(errno) : "unknown allocator");
        run = failed(&r, "error", what, false);
    } else {
        run = measure(&r, preload, timeout);
    }
    if (r.group) real_group_free(r.group);
    unlink(r.cmd_log);
    unlink(r.load_log);
    unlink(r.served_log);
    return run;
}
