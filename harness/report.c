/*
 * report.c — what a person reads when something is wrong: the invariant, the
 * operation (index, text, thread, slot), the block, expected and actual
 * values, the allocator and its version, and the commands that reproduce it.
 * Written with write(2) from stack buffers: the allocator under test may be
 * corrupt, and may be the process's malloc.
 */
#include "run.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Thread_local const struct op_context *current;
void (*report_after_violation)(void);
static const char *command_name = "gauntlet";

void report_set_command_name(const char *argv0)
{
    command_name = argv0;
}
void report_set_current(const struct op_context *c)
{
    current = c;
}

struct text {
    char buf[4096];
    size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->buf) return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, args);
    va_end(args);
    if (n > 0) t->len += (size_t)n;
    if (t->len > sizeof t->buf) t->len = sizeof t->buf;
}

static void emit(const struct text *t)
{
    size_t done = 0;
    while (done < t->len) {
        ssize_t n = write(STDERR_FILENO, t->buf + done, t->len - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
}

static void add_reproduce(struct text *t, const struct run *run)
{
    const char *path = run->config->program_path ? run->config->program_path : "PROGRAM";
    const char *mode = run->config->mode == MODE_FREE ? " --mode free" : "";
    char cap[48] = "";
    if (run->config->live_cap != GAUNTLET_DEFAULT_CAP)
        snprintf(cap, sizeof cap, " --cap %zu", run->config->live_cap);
    add(t, "  reproduce: %s run --alloc %s%s%s%s %s\n", command_name, run->alloc->name, mode, cap,
        run->config->strict ? " --strict" : "", path);
    add(t, "  C program: %s reproducer --alloc %s %s > repro.c\n", command_name, run->alloc->name,
        path);
    if (strcmp(path, "-") == 0)
        add(t, "  (the program came from stdin: save it to a file to replay it)\n");
}

static void add_operation(struct text *t, const struct op_context *c)
{
    char line[256];
    op_format(c->op, line, sizeof line);
    if (c->index == SIZE_MAX)
        add(t, "  operation: end of program: %s (freeing what is still live)\n", line);
    else
        add(t, "  operation: #%zu of %zu: %s\n", c->index, c->run->program->count, line);
    add(t, "  thread:    t%u\n", c->thread);
}

_Noreturn void report_violation(const struct op_context *c, const struct violation *v)
{
    const struct run *run = c->run;
    struct text t = {.len = 0};
    add(&t, "gauntlet: VIOLATION of `%s`\n", v->invariant);
    add(&t, "  allocator: %s — %s\n", run->alloc->name, run->alloc->version);
    add(&t, "  program:   %s\n", run->config->program_path ? run->config->program_path : "-");
    add_operation(&t, c);
    if (v->slot >= 0) add(&t, "  slot:      s%d\n", v->slot);
    if (v->block) {
        const struct shadow_block *b = v->block;
        char made[128];
        if (b->made_at == SIZE_MAX)
            snprintf(made, sizeof made, "?");
        else
            snprintf(made, sizeof made, "#%zu", b->made_at);
        add(&t, "  block:     %p, %zu bytes (usable %zu) from %s at operation %s by t%u%s\n",
            b->ptr, b->requested, b->usable, op_kind_name(b->made_by), made, b->thread,
            b->thread != c->thread ? " (another thread: cross-thread)" : "");
    }
    add(&t, "  expected:  %s\n", v->expected);
    add(&t, "  actual:    %s\n", v->actual);
    if (v->detail[0]) add(&t, "  note:      %s\n", v->detail);
    add_reproduce(&t, run);
    fflush(stdout);
    emit(&t);
    if (report_after_violation) report_after_violation();
    _exit(1);
}

bool report_quiet_notes;

void report_note(const struct op_context *c, const char *message)
{
    if (report_quiet_notes) return;
    struct text t = {.len = 0};
    char line[256];
    op_format(c->op, line, sizeof line);
    add(&t, "gauntlet: note: %s — %s at operation #%zu (%s)\n", c->run->alloc->name, message,
        c->index, line);
    emit(&t);
}

const char *report_crash_context;

static void on_crash(int signal_number)
{
    struct text t = {.len = 0};
    const struct op_context *c = current;
    add(&t, "gauntlet: the process died of signal %d (%s)", signal_number,
        strsignal(signal_number));
    if (c != NULL) {
        add(&t, " inside the allocator or the oracle\n");
        add(&t, "  allocator: %s — %s\n", c->run->alloc->name, c->run->alloc->version);
        add_operation(&t, c);
        add_reproduce(&t, c->run);
    } else {
        add(&t, "\n%s", report_crash_context ? report_crash_context : "");
    }
    emit(&t);
    _exit(1);
}

void report_install_crash_handlers(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    static char alternate_stack[64 * 1024];
    stack_t ss = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack};
    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
        struct sigaction sa = {.sa_handler = on_crash, .sa_flags = SA_ONSTACK | SA_RESETHAND};
        sigaction(fatal[i], &sa, NULL);
    }
}
