/*
 * exec_free.c — the free-running executor: every program thread runs its own
 * operations at once, handing blocks to the others through the shared slots.
 * Not deterministic; it exists for ThreadSanitizer and for stress. A slot is
 * locked for the whole of an operation on it (allocator call included), so
 * each operation sees a consistent slot; the oracle's shared parts take
 * their own lock. `restart` starts the successor thread, then ends; barriers
 * make all threads wait for each other. The calling thread is the watchdog:
 * when no operation has begun or ended for the bound, the thread that is
 * inside an allocator call is reported as hung. It sleeps until a runner
 * finishes or a second passes: it used to look every 10 ms, so every
 * program took at least 10 ms, and a ThreadSanitizer fuzz target ran at
 * 100 programs a second whatever they did.
 */
#include "run.h"

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
            /* A replaced thread is never joined: it detaches itself. */
            pthread_detach(pthread_self());
            start_runner(r, i + 1);
            return NULL;
        }
        struct op_context c = {run, i, op, r->number, &run->stats[r->number]};
        report_set_current(&c);
        pthread_mutex_lock(&run->slot_locks[op->slot]);
        atomic_store(&r->in_op, i);
        atomic_fetch_add(&ticks, 1);
        exec_op(&c);
        atomic_store(&r->in_op, SIZE_MAX);
        atomic_fetch_add(&ticks, 1);
        pthread_mutex_unlock(&run->slot_locks[op->slot]);
    }
    sem_post(r->finished);
    return NULL;
}

static _Noreturn void report_hang(struct run *run, struct runner *runners, unsigned threads,
                                  unsigned seconds)
{
    unsigned hung = 0;
    for (unsigned t = 0; t < threads; t++)
        if (atomic_load(&runners[t].in_op) != SIZE_MAX) hung = t;
    size_t index = atomic_load(&runners[hung].in_op);
    struct op none = {.kind = OP_BARRIER};
    const struct op *op = index == SIZE_MAX ? &none : &run->program->ops[index];
    struct op_context c = {run, index, op, hung, &run->stats[hung]};
    struct violation v = {.invariant = "hang", .slot = index == SIZE_MAX ? -1 : op->slot};
    snprintf(v.expected, sizeof v.expected, "some operation begins or ends within %u s", seconds);
    snprintf(v.actual, sizeof v.actual, "no progress for %u s (free-running threads)", seconds);
    snprintf(v.detail, sizeof v.detail, "the watchdog bound is --timeout SECONDS");
    report_violation(&c, &v);
}

/* Waits until every runner finished, watching that operations make progress. */
static void watch(struct run *run, struct runner *runners, unsigned threads, sem_t *finished)
{
    unsigned bound = run->config->watchdog_seconds, quiet_seconds = 0, done = 0;
    uint64_t last = atomic_load(&ticks);
    while (done < threads) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 1;
        if (sem_timedwait(finished, &deadline) == 0) {
            done++;
            continue;
        }
        if (errno == EINTR) continue;
        uint64_t now = atomic_load(&ticks);
        quiet_seconds = now == last ? quiet_seconds + 1 : 0;
        last = now;
        if (bound && quiet_seconds >= bound) report_hang(run, runners, threads, bound);
    }
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
    watch(run, runners, threads, &finished);
    for (unsigned t = 0; t < threads; t++)
        pthread_join(atomic_load(&runners[t].handle), NULL);
    exec_teardown(run, 0);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++)
        pthread_mutex_destroy(&run->slot_locks[s]);
    pthread_barrier_destroy(&barrier);
    sem_destroy(&finished);
    hmem_unmap(runners, threads * sizeof *runners);
}
