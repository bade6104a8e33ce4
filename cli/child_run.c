/*
 * child_run.c — running a program in a child process and reading how it
 * ended: the one way minimize, triage, fuzz and upgrade judge a program file
 * (by `gauntlet run` in a fresh process, so every verdict comes from the
 * file alone and a corrupted heap cannot touch the next one), and the way
 * `gauntlet run` supervises its own runs. The verdict comes from the run
 * record (gauntlet.h) the child writes, never from its report's text; a
 * child that ends without one ended inside the allocator, and that is a
 * finding named after how it ended.
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The leader's own record (run_record.c), as the verdict. */
static bool parse_record(const char *record, pid_t leader, struct child_verdict *v)
{
    struct run_record r;
    if (!run_record_read(record, leader, &r)) return false;
    v->status = r.failed ? VERDICT_FAIL : VERDICT_PASS;
    v->index = r.index;
    snprintf(v->kind, sizeof v->kind, "%s", r.kind);
    snprintf(v->operation, sizeof v->operation, "%s", r.operation);
    snprintf(v->invariant, sizeof v->invariant, "%s", r.invariant);
    snprintf(v->signature, sizeof v->signature, "%s", r.signature);
    return true;
}

/* A verdict with no record behind it: the report says how the child ended. */
static void ended_without_record(const struct process *p, struct child_verdict *v)
{
    char how[160];
    v->status = VERDICT_FAIL;
    if (p->timed_out) {
        snprintf(v->invariant, sizeof v->invariant, "hang");
        snprintf(how, sizeof how, "made no progress until its deadline and was killed");
    } else if (WIFSIGNALED(p->status)) {
        snprintf(v->invariant, sizeof v->invariant, "crash");
        snprintf(how, sizeof how, "died of signal %d (%s)", WTERMSIG(p->status),
                 strsignal(WTERMSIG(p->status)));
    } else {
        snprintf(v->invariant, sizeof v->invariant, "exit");
        snprintf(how, sizeof how, "exited with status %d before its program ended",
                 WEXITSTATUS(p->status));
    }
    size_t used = strlen(v->report);
    snprintf(v->report + used, sizeof v->report - used,
             "%s%s`: the process %s, without a word from the harness: the allocator ended it "
             "(exit, _exit, a signal, or a hang it caused)\n",
             REPORT_ENDED, v->invariant, how);
}

void child_verdict_read(const struct process *p, struct child_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->index = -1;
    snprintf(v->kind, sizeof v->kind, "?");
    if (p->err) {
        snprintf(v->report, sizeof v->report, "%s", p->err);
        snprintf(v->message, sizeof v->message, "%.*s", (int)strcspn(p->err, "\n"), p->err);
    }
    bool recorded = parse_record(p->record, p->pid, v);
    if (!recorded && !p->timed_out && WIFEXITED(p->status) &&
        WEXITSTATUS(p->status) == EXIT_USAGE) {
        v->status = VERDICT_ERROR; /* the file, the options or the allocator: nothing ran */
        return;
    }
    if (!recorded) ended_without_record(p, v);
    bool copy_went_on = run_record_by_other(p->record, p->pid);
    if (v->status == VERDICT_PASS && (p->leftovers || copy_went_on)) {
        /* Every operation passed, but the allocator forked: a copy went on
         * with the program, or a process of the run outlived it. */
        v->status = VERDICT_FAIL;
        snprintf(v->invariant, sizeof v->invariant, "forked");
        size_t used = strlen(v->report);
        snprintf(v->report + used, sizeof v->report - used, "%sforked`: %s\n", REPORT_ENDED,
                 copy_went_on ? "a copy of the process the allocator forked went on with the "
                                "program after the operation that forked it"
                              : "the process left a process running after its program passed "
                                "(the allocator forked): its process group was killed");
    }
    if (v->status != VERDICT_FAIL)
        v->invariant[0] = v->operation[0] = v->signature[0] = '\0';
    else if (v->signature[0] == '\0' && !p->timed_out && WIFSIGNALED(p->status))
        snprintf(v->signature, sizeof v->signature, "%s/signal-%d/%s", v->invariant,
                 WTERMSIG(p->status), v->kind);
    else if (v->signature[0] == '\0') /* an exit, a fork or a hang, and where */
        snprintf(v->signature, sizeof v->signature, "%s/-/%s", v->invariant, v->kind);
}

bool child_run_file(const struct run_options *o, const char *path, struct child_verdict *out)
{
    const char *argv[24 + 2 * SETTINGS_COUNT_MAX] = {self_path(), "run", "--quiet", "--alloc",
                                                     o->alloc};
    int n = settings_add_args(&o->settings, argv, 5);
    if (o->mode) argv[n++] = "--mode", argv[n++] = o->mode;
    if (o->timeout) argv[n++] = "--timeout", argv[n++] = o->timeout;
    if (o->strict) argv[n++] = "--strict";
    if (o->format) argv[n++] = "--format", argv[n++] = o->format;
    if (o->cap) argv[n++] = "--cap", argv[n++] = o->cap;
    if (o->known) argv[n++] = "--known", argv[n++] = o->known;
    if (o->repeat) argv[n++] = "--repeat", argv[n++] = o->repeat;
    if (o->rounds) argv[n++] = "--rounds", argv[n++] = o->rounds;
    argv[n++] = "--";
    argv[n++] = path;
    argv[n] = NULL;
    static char err[8192];
    struct process p = {
        .argv = argv, .quiet = true, .err = err, .err_size = sizeof err, .want_record = true};
    /* The run's own watchdog reports a hang; this bound is for a child too
     * wedged to report anything. */
    unsigned watchdog = o->timeout ? (unsigned)atoi(o->timeout) : GAUNTLET_DEFAULT_WATCHDOG_SECONDS;
    if (process_run(&p, 3.0 * watchdog + 30) < 0 && !p.ended) return false;
    process_honour_stop(&p);
    child_verdict_read(&p, out);
    if (p.stop_signal) {
        /* Stopped from outside (stop signals deferred): no verdict at all. */
        out->status = VERDICT_ERROR;
        snprintf(out->message, sizeof out->message, "stopped by signal %d", p.stop_signal);
    }
    return true;
}

bool parse_run_option(const char *command, int argc, char **argv, int *i, struct run_options *o)
{
    const char *arg = argv[*i], *value = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t seconds;
    if (strcmp(arg, "--strict") == 0) {
        o->strict = true;
        return true;
    }
    if (value == NULL) return false;
    if (strcmp(arg, "--mode") == 0) {
        if (strcmp(value, "lockstep") != 0 && strcmp(value, "free") != 0)
            usage_error(command, "--mode must be lockstep or free, not '%s'", value);
        o->mode = value;
    } else if (strcmp(arg, "--timeout") == 0) {
        parse_timeout_arg(command, value);
        o->timeout = value;
    } else if (strcmp(arg, "--format") == 0) {
        parse_format_arg(command, value);
        o->format = value;
    } else if (strcmp(arg, "--cap") == 0) {
        parse_cap_arg(command, value);
        o->cap = value;
    } else if (strcmp(arg, "--repeat") == 0) {
        if (!parse_u64_arg(value, &seconds) || seconds == 0 || seconds > 10000)
            usage_error(command, "--repeat needs a number of runs (1..10000)");
        o->repeat = value;
    } else if (strcmp(arg, "--rounds") == 0) {
        parse_rounds_arg(command, value);
        o->rounds = value;
    } else if (strcmp(arg, "--alloc-env") == 0) {
        settings_add(command, &o->settings, value);
    } else if (strcmp(arg, "--known") == 0) {
        static struct known_findings known; /* read here, so a bad file is refused first */
        load_known_findings(command, value, &known);
        o->known = value;
        o->known_findings = &known;
    } else {
        return false;
    }
    (*i)++;
    return true;
}
