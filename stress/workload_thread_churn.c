/*
 * workload_thread_churn.c — a thread-per-task process (a thread pool that
 * shrinks and grows, a test runner): threads are created and destroyed
 * round after round; each allocates objects, frees most, and leaves some
 * behind in a shared pool, where later threads free them after their maker
 * has exited. It exercises the allocators' thread-exit paths: caches and
 * arenas of dead threads that are never reclaimed show as growth.
 *
 * A round's threads all finish allocating before any of them frees (a
 * barrier), so they always overlap: left to the scheduler, a loaded machine
 * ran them one after another, and glibc's figures moved by 20% between an
 * idle and a busy machine, enough for a baseline to flag the same library.
 */
#include "stress.h"

#include <pthread.h>
#include <stdio.h>

#define ROUNDS            40
#define PHASES            4
#define THREADS_PER_ROUND 4
#define OBJECTS           2000
#define SURVIVE_ONE_IN    10
#define POOL              8000

struct churn {
    struct stress_run *r;
    pthread_mutex_t lock;
    pthread_barrier_t allocated; /* a round's threads have all allocated */
    struct sblock *pool;
    size_t pool_slots;
};

struct task {
    struct churn *c;
    uint64_t number;
};

static void *task_main(void *arg)
{
    const struct task *t = arg;
    struct churn *c = t->c;
    struct rng g = rng_seeded(c->r->params->seed, t->number);
    struct sblock mine[OBJECTS];
    for (size_t k = 0; k < OBJECTS; k++)
        sblock_alloc(c->r, &mine[k], rng_log_size(&g, 16, 4096), t->number << 16 | k);
    pthread_barrier_wait(&c->allocated);
    for (size_t k = 0; k < OBJECTS; k++) {
        if (rng_below(&g, SURVIVE_ONE_IN) != 0) {
            sblock_free(c->r, &mine[k]);
            continue;
        }
        /* A survivor takes a pool slot, freeing whatever an earlier (by now
         * usually exited) thread left there. */
        size_t slot = rng_below(&g, c->pool_slots);
        pthread_mutex_lock(&c->lock);
        struct sblock evicted = c->pool[slot];
        c->pool[slot] = mine[k];
        pthread_mutex_unlock(&c->lock);
        sblock_free(c->r, &evicted);
    }
    return NULL;
}

void workload_thread_churn(struct stress_run *r)
{
    static struct churn c;
    c.r = r;
    pthread_mutex_init(&c.lock, NULL);
    pthread_barrier_init(&c.allocated, NULL, THREADS_PER_ROUND);
    c.pool_slots = scaled(r, POOL, 64);
    c.pool = stress_table(r, c.pool_slots * sizeof *c.pool);
    size_t rounds = scaled(r, ROUNDS, PHASES);
    for (size_t round = 1; round <= rounds; round++) {
        pthread_t threads[THREADS_PER_ROUND];
        struct task tasks[THREADS_PER_ROUND];
        for (size_t t = 0; t < THREADS_PER_ROUND; t++) {
            tasks[t] = (struct task){&c, round * THREADS_PER_ROUND + t};
            pthread_create(&threads[t], NULL, task_main, &tasks[t]);
        }
        for (size_t t = 0; t < THREADS_PER_ROUND; t++)
            pthread_join(threads[t], NULL);
        /* Phase k ends at round k × rounds / PHASES: the last at the last round. */
        if (round * PHASES / rounds != (round - 1) * PHASES / rounds) {
            char name[32];
            snprintf(name, sizeof name, "rounds:%zu", round);
            stress_phase(r, name);
        }
    }
    for (size_t k = 0; k < c.pool_slots; k++)
        sblock_free(r, &c.pool[k]);
    stress_phase(r, "drained");
}
