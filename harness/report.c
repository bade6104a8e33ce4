/*
 * report.c — what a person reads when something is wrong, and the one line
 * a parent process reads: the run record. A report names the invariant, the
 * operation (index, text, thread, slot), the block, expected and actual
 * values, the allocator and its version, and the commands that reproduce
 * it. Written with write(2) from stack buffers: the allocator under test may
 * be corrupt, and may be the process's malloc.
 *
 * What a crash report names is set as each operation begins and cleared as
 * it returns (per thread: the operation in progress; per process: the run in
 * progress), so a crash between operations (in a thread's exit path, after
 * its last one returned) never follows a pointer into a frame that is gone.
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static const char *command_name = "gauntlet";
static const char *crash_context;
static const char *crash_site; /* set by the crash handler, for its report */
static _Atomic(struct run *) current_run;
/* The operation is the program's (or the teardown's, in its frame while the
 * free runs), and cleared when it returns. */
static _Thread_local struct {
    const struct op *op;
    size_t index;
    unsigned thread;
} current;
static int record_fd = -1;
/* Set in a child of fork() (report_catch_exit): a copy of the process, made
 * by the allocator in the middle of an operation, that goes on with it. */
static atomic_bool in_forked_copy;

static void report_forked_copy(void);

void report_set_command_name(const char *path)
{
    command_name = path;
}

void report_set_crash_context(const char *text)
{
    crash_context = text;
}

void report_set_current(const struct op_context *c)
{
    if (c == NULL) {
        if (atomic_load_explicit(&in_forked_copy, memory_order_relaxed)) report_forked_copy();
        current.op = NULL;
        return;
    }
    current.op = c->op;
    current.index = c->index;
    current.thread = c->thread;
    atomic_store_explicit(&current_run, c->run, memory_order_relaxed);
}

void report_run_ended(void)
{
    atomic_store(&current_run, NULL);
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

static void emit_to(int fd, const struct text *t)
{
    size_t done = 0;
    while (done < t->len) {
        ssize_t n = write(fd, t->buf + done, t->len - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
}

/* ---- the run record ---- */

/* GAUNTLET_RECORD_FD, read once: the parent's pipe, or none. */
static int record_descriptor(void)
{
    static bool read;
    if (!read) {
        read = true;
        const char *fd = getenv(RUN_RECORD_ENV);
        if (fd && *fd) record_fd = atoi(fd);
    }
    return record_fd;
}

/* One record line: what, a number (signal, status; "-" for none), then the
 * operation when there is one. */
static void record(const char *what, const char *detail, bool with_op, size_t index,
                   const struct op *op)
{
    int fd = record_descriptor();
    if (fd < 0) return;
    struct text t = {.len = 0};
    add(&t, "%s%ld %s %s", RUN_RECORD_TAG, (long)getpid(), what, detail);
    if (with_op) {
        char line[256];
        op_format(op, line, sizeof line);
        add(&t, " %lld %s %s", index == SIZE_MAX ? -1LL : (long long)index,
            op_kind_name((enum op_kind)op->kind), line);
    }
    add(&t, "\n");
    emit_to(fd, &t);
}

void report_record_pass(void)
{
    record("pass", "-", false, 0, NULL);
}

/* ---- the report ---- */

/* The allocator, its version, and the settings it runs with. */
static void add_allocator(struct text *t, const struct run *run)
{
    add(t, "  allocator: %s — %s\n", run->alloc->name, run->alloc->version);
    if (run->config->settings && run->config->settings[0]) {
        add(t, "  settings: ");
        for (const char *const *s = run->config->settings; *s; s++)
            add(t, " %s", *s);
        add(t, " (its environment)\n");
    }
}

static void add_reproduce(struct text *t, const struct run *run)
{
    const char *path = run->config->program_path ? run->config->program_path : "PROGRAM";
    char cap[48] = "";
    if (run->config->live_cap != GAUNTLET_DEFAULT_CAP)
        snprintf(cap, sizeof cap, " --cap %zu", run->config->live_cap);
    char timeout[48] = "";
    if (run->config->watchdog_seconds != 0 &&
        run->config->watchdog_seconds != GAUNTLET_DEFAULT_WATCHDOG_SECONDS)
        snprintf(timeout, sizeof timeout, " --timeout %u", run->config->watchdog_seconds);
    char rounds[32] = "";
    if (run->rounds > 1) snprintf(rounds, sizeof rounds, " --rounds %u", run->rounds);
    char settings[SETTINGS_TEXT_MAX] = "";
    for (const char *const *s = run->config->settings; s && *s; s++)
        snprintf(settings + strlen(settings), sizeof settings - strlen(settings), " --alloc-env %s",
                 *s);
    const char *strict = run->config->strict ? " --strict" : "";
    char format[32] = "";
    if (run->config->program_format)
        snprintf(format, sizeof format, " --format %s", run->config->program_format);
    char known[4200] = "";
    if (run->config->known_path)
        snprintf(known, sizeof known, " --known %s", run->config->known_path);
    add(t, "  %s%s run --alloc %s%s%s%s%s%s%s%s%s %s\n", REPORT_REPRODUCE, command_name,
        run->alloc->name, settings, run->config->mode == MODE_FREE ? " --mode free" : "", cap,
        timeout, rounds, strict, format, known, path);
    add(t, "  %s%s reproducer --alloc %s%s%s%s%s%s %s > repro.c%s%s\n", REPORT_C_PROGRAM,
        command_name, run->alloc->name, settings, cap, rounds, strict, format, path,
        run->config->mode == MODE_FREE ? " (it runs lock-step: a free-running finding may "
                                         "need several runs or not show)"
                                       : "",
        run->config->known_path ? " (it stops at the first violation, a known one too: "
                                  "`minimize --known` the program first)"
                                : "");
    if (strcmp(path, "-") == 0)
        add(t, "  (the program came from stdin: save it to a file to replay it)\n");
}

static void add_operation(struct text *t, const struct run *run, size_t index, const struct op *op,
                          unsigned thread)
{
    char line[256];
    op_format(op, line, sizeof line);
    if (index == SIZE_MAX && op->kind == OP_RESTART)
        add(t, "  %send of program: thread t%u exits\n", REPORT_OPERATION, thread);
    else if (index == SIZE_MAX && op->kind == OP_BARRIER)
        add(t, "  %send of program: its %u rounds made, nothing live\n", REPORT_OPERATION,
            run->rounds);
    else if (index == SIZE_MAX)
        add(t, "  %send of program: %s (freeing what is still live)\n", REPORT_OPERATION, line);
    else
        add(t, "  %s#%zu of %zu: %s\n", REPORT_OPERATION, index, run->program->count, line);
    add(t, "  thread:    t%u%s\n", thread,
        thread == 0 && run_t0_is_loader_thread(run) ? " (the thread that loaded the allocator)"
                                                    : "");
}

void report_violation(const struct op_context *c, const struct violation *v)
{
    const struct run *run = c->run;
    struct text t = {.len = 0};
    add(&t, "%s%s`\n", REPORT_VIOLATION, invariant_name(v->invariant));
    add_allocator(&t, run);
    add(&t, "  program:   %s\n", run->config->program_path ? run->config->program_path : "-");
    add_operation(&t, run, c->index, c->op, c->thread);
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
    add(&t, "  %s%s\n", REPORT_SIGNATURE, v->signature);
    add_reproduce(&t, run);
    fflush(stdout);
    emit_to(STDERR_FILENO, &t);
    record("violation", v->signature, true, c->index, c->op);
}

void report_findings(const struct run *run)
{
    const struct oracle *o = &run->oracle;
    if (o->finding_count == 0 || run->config->quiet_notes) return; /* a fuzz target's */
    struct text t = {.len = 0};
    unsigned known = 0;
    for (unsigned i = 0; i < o->finding_count; i++)
        known += o->findings[i].known;
    add(&t, "%s%u distinct in this run", REPORT_FINDINGS, o->finding_count - known);
    if (known) add(&t, ", %u known passed over", known);
    add(&t, " (signature, occurrences, first occurrence)\n");
    for (unsigned i = 0; i < o->finding_count; i++) {
        const struct run_finding *f = &o->findings[i];
        char signature[FINDING_SIGNATURE_MAX], line[256] = "the end of the program";
        finding_signature(&f->key, signature, sizeof signature);
        if (f->first_index != SIZE_MAX) {
            char op[200];
            op_format(&run->program->ops[f->first_index], op, sizeof op);
            snprintf(line, sizeof line, "#%zu: %s", f->first_index, op);
        }
        add(&t, "  %-44s %6llu×  %s%s\n", signature, (unsigned long long)f->count, line,
            f->known ? "  (known: passed over)" : "");
    }
    emit_to(STDERR_FILENO, &t);
}

void report_note(const struct op_context *c, const char *message)
{
    if (c->run->config->quiet_notes) return;
    struct text t = {.len = 0};
    char line[256];
    op_format(c->op, line, sizeof line);
    add(&t, "gauntlet: note: %s — %s at operation #%zu (%s)\n", c->run->alloc->name, message,
        c->index, line);
    emit_to(STDERR_FILENO, &t);
}

/* ---- a process that ends inside the allocator ---- */

#define INSIDE_THE_CALL "inside the allocator or the oracle"

/* What the report says of a process ending `how` ("died of signal 11
 * (Segmentation fault)", "was ended by the allocator's exit(3)"), `where`
 * when it happened in an operation. */
static void report_end(const char *how, const char *where, const char *what, const char *detail)
{
    struct text t = {.len = 0};
    const struct run *run = atomic_load(&current_run);
    add(&t, "%s%s`: the process %s", REPORT_ENDED, what, how);
    if (crash_site) add(&t, " at %s", crash_site);
    if (run && current.op) {
        char signature[FINDING_SIGNATURE_MAX];
        run_record_end_signature(what, detail, op_kind_name((enum op_kind)current.op->kind),
                                 signature, sizeof signature);
        add(&t, " %s\n", where);
        add_allocator(&t, run);
        add_operation(&t, run, current.index, current.op, current.thread);
        add(&t, "  %s%s\n", REPORT_SIGNATURE, signature);
        add_reproduce(&t, run);
    } else if (run) {
        add(&t, " between operations (a thread starting or exiting, or the allocator's own "
                "thread)\n");
        add_allocator(&t, run);
        add_reproduce(&t, run);
    } else {
        add(&t, "\n%s", crash_context ? crash_context : "");
    }
    emit_to(STDERR_FILENO, &t);
    record(what, detail, current.op != NULL, current.index, current.op);
}

/* The faulting instruction of a crash and the stack pointer there, or 0
 * where this build cannot tell. */
static uintptr_t faulting_pc(const void *context, uintptr_t *sp)
{
    const ucontext_t *uc = context;
#if defined(__x86_64__)
    *sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    *sp = (uintptr_t)uc->uc_mcontext.sp;
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    *sp = 0;
    return 0;
#endif
}

/* The record's detail is the signal's number, then ":SITE" when there is
 * one (crash_site.c): the site tells apart two bugs that crash through the
 * same call, and one bug reached through different calls signs once. */
static void on_crash(int signal_number, siginfo_t *info, void *context)
{
    (void)info;
    /* One report: the first thread to crash writes it and ends the process;
     * another thread crashing meanwhile (free-running threads meeting the
     * same bug) waits for that end rather than dying at once of the default
     * action with nothing written. The handler itself crashing (its own
     * thread again) gets the default action, as before. */
    static atomic_long reporter;
    long none = 0, me = (long)syscall(SYS_gettid);
    if (!atomic_compare_exchange_strong(&reporter, &none, me)) {
        if (none == me) {
            signal(signal_number, SIG_DFL);
            raise(signal_number);
            return;
        }
        for (;;)
            pause();
    }
    char how[96], detail[FINDING_SIGNATURE_MAX], site[FINDING_SIGNATURE_MAX - 16];
    uintptr_t sp, pc = faulting_pc(context, &sp);
    bool located = pc && crash_site_of(pc, sp, (uintptr_t)abort, site, sizeof site);
    snprintf(how, sizeof how, "died of signal %d (%s)", signal_number, strsignal(signal_number));
    if (located) {
        snprintf(detail, sizeof detail, "%d:%s", signal_number, site);
        crash_site = site;
    } else {
        snprintf(detail, sizeof detail, "%d", signal_number);
    }
    report_end(how, INSIDE_THE_CALL, "crash", detail);
    _exit(1);
}

/* exit() called while a program runs: the allocator (or a library it
 * calls) ended the process in the middle of an operation, which no
 * allocator may do. */
static void on_exit_during_run(void)
{
    const struct run *run = atomic_load(&current_run);
    if (run == NULL) return;
    report_end("was ended by a call of exit()", INSIDE_THE_CALL, "exit", "-");
    if (run->config->after_violation) run->config->after_violation();
    _exit(1);
}

/* An operation returned in a copy of the process (fork() inside the
 * allocator, the parent going on or not): no allocator may do that. */
static void report_forked_copy(void)
{
    const struct run *run = atomic_load(&current_run);
    if (run == NULL) return;
    if (record_descriptor() >=
        0) { /* a supervisor judges its child, and names this from the record */
        record("forked", "-", true, current.index, current.op);
        _exit(1);
    }
    report_end("went on in a copy the allocator forked", "(the copy returned from the operation)",
               "forked", "-");
    if (run->config->after_violation) run->config->after_violation();
    _exit(1);
}

/* Only a fork inside an operation (on its thread, the one the child has):
 * gauntlet's own children are made between runs. */
static void on_fork_in_child(void)
{
    if (current.op != NULL) atomic_store(&in_forked_copy, true);
}

void report_catch_exit(void)
{
    static bool installed;
    if (!installed) {
        atexit(on_exit_during_run);
        pthread_atfork(NULL, NULL, on_fork_in_child);
    }
    installed = true;
}

void report_install_crash_handlers(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    static char alternate_stack[64 * 1024];
    stack_t ss = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack};
    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
        struct sigaction sa = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK};
        sigaction(fatal[i], &sa, NULL);
    }
    report_catch_exit();
}
