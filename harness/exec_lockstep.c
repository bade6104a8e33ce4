/*
 * exec_lockstep.c — the deterministic executor. Real OS threads, one per
 * program thread, but only one runs at a time: the dispatcher (the calling
 * thread) hands each maximal run of consecutive operations of one thread to
 * that thread and waits for it. Every replay therefore makes the same calls
 * from the same threads in the same order. While waiting, the dispatcher is
 * the watchdog: an operation that makes no progress for the configured bound
 * is reported as a hang.
 */
#include "run.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct worker {
    struct run *run;
    unsigned number;
    pthread_t thread;
    bool started;
    sem_t go, done;
    size_t begin, end; /* the batch of operations to perform */
    enum { BATCH, TEARDOWN, EXIT } command;
    atomic_size_t current;      /* the operation in progress */
    atomic_uint_fast64_t ticks; /* operations begun, for the watchdog */
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        while (sem_wait(&w->go) != 0)
            continue;
        if (w->command == EXIT) return NULL;
        if (w->command == TEARDOWN) {
            exec_teardown(w->run, w->number);
        } else {
            for (size_t i = w->begin; i < w->end; i++) {
                /* One writer: plain relaxed stores, no locked read-modify-write. */
                atomic_store_explicit(&w->current, i, memory_order_relaxed);
                atomic_store_explicit(&w->ticks,
                                      atomic_load_explicit(&w->ticks, memory_order_relaxed) + 1,
                                      memory_order_relaxed);
                struct op_context c = {w->run, i, &w->run->program->ops[i], w->number,
                                       &w->run->stats[w->number]};
                report_set_current(&c);
                exec_op(&c);
            }
        }
        sem_post(&w->done);
    }
}

static void start_worker(struct worker *w)
{
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        struct op none = {.kind = OP_RESTART, .thread = (uint8_t)w->number};
        struct op_context c = {w->run, SIZE_MAX, &none, w->number, &w->run->stats[w->number]};
        report_note(&c, "cannot create a thread");
        _exit(2);
    }
    w->started = true;
}

static void stop_worker(struct worker *w)
{
    if (!w->started) return;
    w->command = EXIT;
    sem_post(&w->go);
    pthread_join(w->thread, NULL);
    w->started = false;
}

static _Noreturn void report_hang(struct worker *w, unsigned seconds)
{
    size_t index = atomic_load(&w->current);
    const struct op *op = w->command == TEARDOWN ? NULL : &w->run->program->ops[index];
    struct op teardown_free = {.kind = OP_FREE, .thread = (uint8_t)w->number};
    struct op_context c = {w->run, op ? index : SIZE_MAX, op ? op : &teardown_free, w->number,
                           &w->run->stats[w->number]};
    struct violation v = {.invariant = "hang", .slot = c.op->slot};
    snprintf(v.expected, sizeof v.expected, "the call returns within %u s", seconds);
    snprintf(v.actual, sizeof v.actual, "no progress for %u s", seconds);
    snprintf(v.detail, sizeof v.detail, "the watchdog bound is --timeout SECONDS");
    report_violation(&c, &v);
}

/* Waits for the worker's batch, watching that its operations make progress. */
static void wait_for(struct worker *w, unsigned watchdog_seconds)
{
    uint64_t last_ticks = atomic_load(&w->ticks);
    unsigned quiet_seconds = 0;
    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 1;
        if (sem_timedwait(&w->done, &deadline) == 0) return;
        if (errno == EINTR) continue;
        uint64_t ticks = atomic_load(&w->ticks);
        quiet_seconds = ticks == last_ticks ? quiet_seconds + 1 : 0;
        last_ticks = ticks;
        if (watchdog_seconds && quiet_seconds >= watchdog_seconds) report_hang(w, watchdog_seconds);
    }
}

static void hand_over(struct worker *w, int command, size_t begin, size_t end, unsigned bound)
{
    if (!w->started) start_worker(w);
    w->command = command;
    w->begin = begin;
    w->end = end;
    sem_post(&w->go);
    wait_for(w, bound);
}

/* Without a watchdog (fuzz targets: the engine's own timeout stands in) a
 * program that only ever uses thread 0 and never restarts it runs on the
 * calling thread: same calls, same order, no hand-offs. */
static bool runs_inline(const struct run *run)
{
    if (run->config->watchdog_seconds) return false;
    for (size_t i = 0; i < run->program->count; i++)
        if (run->program->ops[i].thread != 0 || run->program->ops[i].kind == OP_RESTART)
            return false;
    return true;
}

static void exec_inline(struct run *run)
{
    for (size_t i = 0; i < run->program->count; i++) {
        const struct op *op = &run->program->ops[i];
        if (op->kind == OP_BARRIER) continue;
        struct op_context c = {run, i, op, 0, &run->stats[0]};
        report_set_current(&c);
        exec_op(&c);
    }
    exec_teardown(run, 0);
}

/* Workers kept from one program to the next (run_config.keep_threads): a
 * fuzz target runs thousands of short programs a second, and creating their
 * threads cost more than running them. */
static struct worker *kept_workers;

static struct worker *workers_for(struct run *run)
{
    struct worker *workers = run->config->keep_threads ? kept_workers : NULL;
    if (workers == NULL) {
        workers = hmem_map(GAUNTLET_MAX_THREADS * sizeof *workers);
        for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++) {
            workers[t].number = t;
            sem_init(&workers[t].go, 0, 0);
            sem_init(&workers[t].done, 0, 0);
        }
    }
    for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++)
        workers[t].run = run;
    return workers;
}

static void release_workers(struct run *run, struct worker *workers)
{
    if (run->config->keep_threads) {
        kept_workers = workers;
        return;
    }
    for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++) {
        stop_worker(&workers[t]);
        sem_destroy(&workers[t].go);
        sem_destroy(&workers[t].done);
    }
    hmem_unmap(workers, GAUNTLET_MAX_THREADS * sizeof *workers);
}

void exec_lockstep(struct run *run)
{
    if (runs_inline(run)) {
        exec_inline(run);
        return;
    }
    const struct program *p = run->program;
    unsigned bound = run->config->watchdog_seconds;
    struct worker *workers = workers_for(run);
    for (size_t i = 0; i < p->count;) {
        const struct op *op = &p->ops[i];
        struct worker *w = &workers[op->thread];
        if (op->kind == OP_BARRIER) { /* one thread at a time: nothing to wait for */
            i++;
            continue;
        }
        if (op->kind == OP_RESTART) {
            stop_worker(w);
            start_worker(w);
            run->stats[op->thread].restarts++;
            run->stats[op->thread].ops++;
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < p->count && p->ops[end].thread == op->thread &&
               p->ops[end].kind != OP_RESTART && p->ops[end].kind != OP_BARRIER)
            end++;
        hand_over(w, BATCH, i, end, bound);
        i = end;
    }
    hand_over(&workers[0], TEARDOWN, 0, 0, bound);
    release_workers(run, workers);
}
