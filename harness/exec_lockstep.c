/*
 * exec_lockstep.c — the deterministic executor. Real OS threads, one per
 * program thread, but only one runs at a time: each maximal run of
 * consecutive operations of one thread is performed by that thread, which
 * then hands the program on to the thread of the next operation directly
 * (one switch per hand-off, not two through a dispatcher). The calling
 * thread starts and restarts threads, and while the workers run it is the
 * watchdog: an operation that makes no progress for the configured bound is
 * reported as a hang. Every replay therefore makes the same calls from the
 * same threads in the same order.
 *
 * Thread t0 is the calling thread itself, the one that loaded the allocator,
 * unless the program restarts t0 (rules.h, rule_restarts_loader_thread).
 * While the calling thread performs t0's operations, a watcher thread of
 * its own stands watchdog.
 */
#include "internal.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct lockstep;

struct worker {
    struct lockstep *ls;
    unsigned number;
    pthread_t thread;
    bool started; /* written by the calling thread only, while no worker runs */
    sem_t go;
    enum { BATCH, TEARDOWN, EXIT } command;
};

/* What the workers share with the calling thread. Plain fields are handed
 * over with the semaphores (sem_post/sem_wait order memory). */
struct lockstep {
    struct run *run;
    struct worker workers[GAUNTLET_MAX_THREADS];
    sem_t done;  /* posted when the program goes back to the calling thread */
    size_t next; /* the next operation to perform */
    /* For the watchdog, read while a worker runs: */
    atomic_size_t current;      /* the operation in progress */
    atomic_uint current_thread; /* the worker performing it */
    atomic_bool in_teardown;
    atomic_uint_fast64_t ticks; /* operations begun */
    bool t0_on_caller;          /* t0's operations are the calling thread's */
    /* The watchdog while the calling thread performs t0's operations. */
    pthread_t watcher;
    bool watching, watcher_exit;
    sem_t watch_go, caller_done;
};

/* The operation records are 32 bytes and each takes long enough that the
 * out-of-order window never reaches the next one: fetch them ahead. */
#define PREFETCH_AHEAD 8

/* Performs this worker's operations from ls->next until the program moves
 * to another thread, a restart, or its end; barriers (nothing to wait for,
 * one thread at a time) are passed over. Returns where it stopped. */
static size_t run_batch(struct lockstep *ls, unsigned number)
{
    struct run *run = ls->run;
    const struct op *ops = run->program->ops;
    size_t count = run->program->count, i = ls->next;
    for (; i < count; i++) {
        const struct op *op = &ops[i];
        if (i + PREFETCH_AHEAD < count) __builtin_prefetch(&ops[i + PREFETCH_AHEAD]);
        if (op->kind == OP_BARRIER) continue;
        if (op->thread != number || op->kind == OP_RESTART) break;
        /* One writer: plain relaxed stores, no locked read-modify-write. */
        atomic_store_explicit(&ls->current, i, memory_order_relaxed);
        atomic_store_explicit(&ls->ticks,
                              atomic_load_explicit(&ls->ticks, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        struct op_context c = {run, i, op, number, &run->stats[number]};
        report_set_current(&c);
        exec_op(&c);
        report_set_current(NULL);
    }
    return i;
}

/* The worker that takes the program at ls->next, or NULL when the calling
 * thread must act first (end, restart, a thread not started yet, t0 while
 * it is the calling thread). */
static struct worker *successor(struct lockstep *ls)
{
    const struct program *p = ls->run->program;
    if (ls->next >= p->count || p->ops[ls->next].kind == OP_RESTART) return NULL;
    unsigned number = p->ops[ls->next].thread;
    if (number == 0 && ls->t0_on_caller) return NULL;
    struct worker *w = &ls->workers[number];
    return w->started ? w : NULL;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct lockstep *ls = w->ls;
    for (;;) {
        while (sem_wait(&w->go) != 0)
            continue;
        if (w->command == EXIT) {
            exec_heap_finish(ls->run, w->number);
            return NULL;
        }
        if (w->command == TEARDOWN) {
            exec_teardown(ls->run, w->number);
            sem_post(&ls->done);
            continue;
        }
        ls->next = run_batch(ls, w->number);
        struct worker *next = successor(ls);
        if (next) {
            atomic_store_explicit(&ls->current_thread, next->number, memory_order_relaxed);
            next->command = BATCH;
            sem_post(&next->go);
        } else {
            sem_post(&ls->done);
        }
    }
}

/* A thread for program thread `number` (its worker, or t0's watcher), or a
 * set-up error: the program cannot run as written without it. */
static void create_thread(struct run *run, unsigned number, pthread_t *thread,
                          void *(*main)(void *), void *arg)
{
    if (pthread_create(thread, NULL, main, arg) == 0) return;
    struct op none = {.kind = OP_RESTART, .thread = (uint8_t)number};
    struct op_context c = {run, SIZE_MAX, &none, number, &run->stats[number]};
    report_note(&c, "cannot create a thread");
    _exit(2);
}

static void start_worker(struct worker *w)
{
    create_thread(w->ls->run, w->number, &w->thread, worker_main, w);
    w->started = true;
}

/* index: the restart that stops it, or SIZE_MAX (the end of the program). */
static void stop_worker(struct worker *w, size_t index)
{
    if (!w->started) return;
    w->command = EXIT;
    sem_post(&w->go);
    watchdog_join(w->thread, w->ls->run, w->number, index);
    w->started = false;
}

/* The watchdog's question: which operation makes no progress? */
static void hung_operation(void *context, struct op_context *c, struct op *teardown_free)
{
    struct lockstep *ls = context;
    struct run *run = ls->run;
    unsigned number = atomic_load(&ls->current_thread);
    size_t index = atomic_load(&ls->current);
    bool teardown = atomic_load(&ls->in_teardown);
    teardown_free->thread = (uint8_t)number;
    *c = (struct op_context){run, teardown ? SIZE_MAX : index,
                             teardown ? teardown_free : &run->program->ops[index], number,
                             &run->stats[number]};
}

static void hand_over(struct lockstep *ls, struct worker *w, int command, unsigned bound)
{
    if (!w->started) start_worker(w);
    atomic_store(&ls->current_thread, w->number);
    atomic_store(&ls->in_teardown, command == TEARDOWN);
    w->command = command;
    sem_post(&w->go);
    struct watchdog watch = {&ls->done, 1, bound, &ls->ticks, hung_operation, ls};
    watchdog_wait(&watch);
}

bool run_t0_is_loader_thread(const struct run *run)
{
    if (run->config->mode != MODE_LOCKSTEP) return false;
    for (size_t i = 0; i < run->program->count; i++)
        if (rule_restarts_loader_thread(&run->program->ops[i])) return false;
    return true;
}

static void *watcher_main(void *arg)
{
    struct lockstep *ls = arg;
    struct watchdog watch = {&ls->caller_done, 1, ls->run->config->watchdog_seconds, &ls->ticks,
                             hung_operation,   ls};
    for (;;) {
        while (sem_wait(&ls->watch_go) != 0)
            continue;
        if (ls->watcher_exit) return NULL;
        watchdog_wait(&watch);
    }
}

/* t0's operations from ls->next (or the teardown), performed by the calling
 * thread, watched by the watcher when there is a bound. */
static void perform_on_caller(struct lockstep *ls, int command, unsigned bound)
{
    atomic_store(&ls->current_thread, 0);
    atomic_store(&ls->in_teardown, command == TEARDOWN);
    if (bound && !ls->watching) {
        create_thread(ls->run, 0, &ls->watcher, watcher_main, ls);
        ls->watching = true;
    }
    if (bound) sem_post(&ls->watch_go);
    if (command == TEARDOWN)
        exec_teardown(ls->run, 0);
    else
        ls->next = run_batch(ls, 0);
    if (bound) sem_post(&ls->caller_done);
}

/* Without a watchdog (fuzz targets: the engine's own timeout stands in) a
 * program that only ever uses thread 0 and never restarts it runs on the
 * calling thread: same calls, same order, no hand-offs. */
NO_COVERAGE static bool runs_inline(const struct run *run)
{
    return run->config->watchdog_seconds == 0 && program_is_single_thread(run->program);
}

/* Every program gets threads of its own, fuzz targets included: a fresh
 * thread's first call into the allocator (its thread cache, its arena) is a
 * path real bugs live on, and threads kept from an earlier input would carry
 * that input's state into this one, so that a crash could need both. */
static struct lockstep *new_lockstep(struct run *run)
{
    struct lockstep *ls = hmem_map(sizeof *ls);
    sem_init(&ls->done, 0, 0);
    for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++) {
        ls->workers[t].ls = ls;
        ls->workers[t].number = t;
        sem_init(&ls->workers[t].go, 0, 0);
    }
    sem_init(&ls->watch_go, 0, 0);
    sem_init(&ls->caller_done, 0, 0);
    ls->run = run;
    ls->next = 0;
    ls->t0_on_caller = run_t0_is_loader_thread(run);
    atomic_store(&ls->in_teardown, false);
    return ls;
}

static void release_lockstep(struct lockstep *ls)
{
    for (unsigned t = 0; t < GAUNTLET_MAX_THREADS; t++) {
        stop_worker(&ls->workers[t], SIZE_MAX);
        sem_destroy(&ls->workers[t].go);
    }
    if (ls->watching) {
        ls->watcher_exit = true;
        sem_post(&ls->watch_go);
        pthread_join(ls->watcher, NULL);
    }
    sem_destroy(&ls->watch_go);
    sem_destroy(&ls->caller_done);
    sem_destroy(&ls->done);
    hmem_unmap(ls, sizeof *ls);
}

void exec_lockstep(struct run *run)
{
    if (runs_inline(run)) {
        struct lockstep alone = {.run = run}; /* no workers, no watchdog */
        run_batch(&alone, 0);
        exec_teardown(run, 0);
        return;
    }
    struct lockstep *ls = new_lockstep(run);
    const struct program *p = run->program;
    unsigned bound = run->config->watchdog_seconds;
    while (ls->next < p->count) {
        const struct op *op = &p->ops[ls->next];
        struct worker *w = &ls->workers[op->thread];
        if (op->kind == OP_BARRIER) { /* one thread at a time: nothing to wait for */
            ls->next++;
            continue;
        }
        if (op->kind == OP_RESTART) {
            stop_worker(w, ls->next); /* its heap ended with it */
            start_worker(w);
            run->stats[op->thread].restarts++;
            run->stats[op->thread].ops++;
            ls->next++;
            continue;
        }
        if (op->thread == 0 && ls->t0_on_caller)
            perform_on_caller(ls, BATCH, bound);
        else
            hand_over(ls, w, BATCH, bound);
    }
    if (ls->t0_on_caller)
        perform_on_caller(ls, TEARDOWN, bound);
    else
        hand_over(ls, &ls->workers[0], TEARDOWN, bound);
    release_lockstep(ls);
}
