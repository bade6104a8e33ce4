/*
 * exec_free.c — the free-running executor: every program thread runs its own
 * operations at once, handing blocks to the others through the shared slots.
 * Not deterministic; it exists for ThreadSanitizer and for stress. A slot is
 * locked for the whole of an operation on it (allocator call included), so
 * each operation sees a consistent slot, and an operation on a thread's
 * heap locks every slot (in order: an operation holds at most one, so none
 * waits on it while holding another); the oracle's shared parts take their
 * own lock. `restart` starts the successor thread, then ends; barriers
 * make all threads wait for each other. The calling thread is the watchdog
 * (watchdog.c): when no operation has begun or ended for the bound, the
 * thread that is inside an allocator call is reported as hung.
 */
#include "internal.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct runner {
    struct run *run;
    unsigned number;
    size_t resume_at;
    _Atomic pthread_t handle; /* the current OS thread for this number */
    pthread_barrier_t *barrier;
    sem_t *finished;     /* posted once per number, by its last thread, at the end */
    atomic_size_t in_op; /* index of the operation in progress, SIZE_MAX when none */
};

/* Operations begun or ended by any thread: the watchdog's sign of life. */
static atomic_uint_fast64_t ticks;

static void *runner_main(void *arg);

static void start_runner(struct runner *r, size_t resume_at)
{
    r->resume_at = resume_at;
    pthread_t handle;
    if (pthread_create(&handle, NULL, runner_main, r) != 0) _exit(2);
}

/* The operation's slot, or every slot for an operation on a thread's heap. */
static void lock_slots(struct run *run, const struct op *op, bool lock)
{
    bool every = op_is_heap_wide((enum op_kind)op->kind);
    unsigned first = every ? 0 : op->slot, last = every ? GAUNTLET_MAX_SLOTS - 1u : op->slot;
    for (unsigned s = first; s <= last; s++)
        if (lock)
            pthread_mutex_lock(&run->slot_locks[s]);
        else
            pthread_mutex_unlock(&run->slot_locks[s]);
}

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    struct run *run = r->run;
    const struct program *p = run->program;
    /* Recorded by the thread itself, so the handle is current before it can
     * finish: the joiner joins exactly the last thread of each number. */
    atomic_store(&r->handle, pthread_self());
    for (size_t i = r->resume_at; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        if (op->kind == OP_BARRIER) {
            pthread_barrier_wait(r->barrier);
            continue;
        }
        if (op->thread != r->number) continue;
        if (op->kind == OP_RESTART) {
            run->stats[r->number].restarts++;
            run->stats[r->number].ops++;
            /* A replaced thread is never joined: it detaches itself, its
             * heap ended first. */
            exec_heap_finish(run, r->number);
            pthread_detach(pthread_self());
            start_runner(r, i + 1);
            return NULL;
        }
        struct op_context c = {run, i, op, r->number, &run->stats[r->number]};
        report_set_current(&c);
        lock_slots(run, op, true);
        atomic_store(&r->in_op, i);
        atomic_fetch_add(&ticks, 1);
        exec_op(&c);
        report_set_current(NULL);
        atomic_store(&r->in_op, SIZE_MAX);
        atomic_fetch_add(&ticks, 1);
        lock_slots(run, op, false);
    }
    exec_heap_finish(run, r->number);
    sem_post(r->finished);
    return NULL;
}

struct free_running {
    struct run *run;
    struct runner *runners;
    unsigned threads;
};

/* The watchdog's question: a thread that is inside an operation. */
static void hung_operation(void *context, struct op_context *c, struct op *none)
{
    struct free_running *f = context;
    unsigned hung = 0;
    for (unsigned t = 0; t < f->threads; t++)
        if (atomic_load(&f->runners[t].in_op) != SIZE_MAX) hung = t;
    size_t index = atomic_load(&f->runners[hung].in_op);
    none->kind = OP_BARRIER;
    *c = (struct op_context){f->run, index, index == SIZE_MAX ? none : &f->run->program->ops[index],
                             hung, &f->run->stats[hung]};
}

void exec_free_running(struct run *run)
{
    unsigned threads = program_thread_count(run->program);
    struct runner *runners = hmem_map(threads * sizeof *runners);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, threads);
    sem_t finished;
    sem_init(&finished, 0, 0);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++)
        pthread_mutex_init(&run->slot_locks[s], NULL);
    for (unsigned t = 0; t < threads; t++) {
        runners[t] =
            (struct runner){.run = run, .number = t, .barrier = &barrier, .finished = &finished};
        atomic_store(&runners[t].in_op, SIZE_MAX);
        start_runner(&runners[t], 0);
    }
    struct free_running f = {run, runners, threads};
    struct watchdog watch = {&finished, threads,        run->config->watchdog_seconds,
                             &ticks,    hung_operation, &f};
    watchdog_wait(&watch);
    for (unsigned t = 0; t < threads; t++)
        watchdog_join(atomic_load(&runners[t].handle), run, t, SIZE_MAX);
    exec_teardown(run, 0);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++)
        pthread_mutex_destroy(&run->slot_locks[s]);
    pthread_barrier_destroy(&barrier);
    sem_destroy(&finished);
    hmem_unmap(runners, threads * sizeof *runners);
}
