/*
 * exec_free.c — the free-running executor: every program thread runs its own
 * operations at once, handing blocks to the others through the shared slots.
 * Not deterministic; it exists for ThreadSanitizer and for stress. A slot is
 * locked for the whole of an operation on it (allocator call included), so
 * each operation sees a consistent slot; the oracle's shared parts take
 * their own lock. `restart` starts the successor thread, then ends; barriers
 * make all threads wait for each other.
 */
#include "run.h"

#include <stdatomic.h>
#include <unistd.h>

struct runner {
    struct run *run;
    unsigned number;
    size_t resume_at;
    _Atomic pthread_t handle; /* the current OS thread for this number */
    pthread_barrier_t *barrier;
};

static void *runner_main(void *arg);

static void start_runner(struct runner *r, size_t resume_at)
{
    r->resume_at = resume_at;
    pthread_t handle;
    if (pthread_create(&handle, NULL, runner_main, r) != 0) _exit(2);
    atomic_store(&r->handle, handle);
}

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    struct run *run = r->run;
    const struct program *p = run->program;
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
            /* The successor exists before this thread ends, so the joiner
             * always finds the newest handle. */
            start_runner(r, i + 1);
            return NULL;
        }
        struct op_context c = {run, i, op, r->number, &run->stats[r->number]};
        report_set_current(&c);
        pthread_mutex_lock(&run->slot_locks[op->slot]);
        exec_op(&c);
        pthread_mutex_unlock(&run->slot_locks[op->slot]);
    }
    return NULL;
}

void exec_free_running(struct run *run)
{
    unsigned threads = program_thread_count(run->program);
    struct runner *runners = hmem_map(threads * sizeof *runners);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, threads);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) pthread_mutex_init(&run->slot_locks[s], NULL);
    for (unsigned t = 0; t < threads; t++) {
        runners[t] = (struct runner){.run = run, .number = t, .barrier = &barrier};
        start_runner(&runners[t], 0);
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_t joined;
        do {
            joined = atomic_load(&runners[t].handle);
            pthread_join(joined, NULL);
        } while (!pthread_equal(joined, atomic_load(&runners[t].handle)));
    }
    exec_teardown(run, 0);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) pthread_mutex_destroy(&run->slot_locks[s]);
    pthread_barrier_destroy(&barrier);
    hmem_unmap(runners, threads * sizeof *runners);
}
