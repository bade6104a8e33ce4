/*
 * workload_realloc_growth.c — buffers that grow and shrink through realloc
 * (string builders, vectors, network receive buffers): two threads, each
 * with its own set of buffers, grow one by half again (plus a little) or
 * cut one to a quarter, step after step, up to a size cap. Contents are
 * checked across every move.
 *
 * The threads take turns of TURN steps, handing a baton. Run at once, how
 * far one had grown its buffers when the other peaked would be the
 * scheduler's doing, and so would the peak of their sum, and the same
 * allocator measured against itself would differ. In turns, the live bytes
 * at every step are the seed's.
 */
#include "stress.h"

#include <pthread.h>
#include <semaphore.h>

#define THREADS 2
#define BUFFERS 64
#define STEPS   100000 /* per thread */
#define CAP     ((size_t)256 << 10)
#define TURN    1000 /* steps a thread makes before handing the baton on */

struct grower {
    struct stress_run *r;
    unsigned id;
    size_t from, to; /* the steps to make */
    sem_t baton;     /* posted when it is this thread's turn */
    struct grower *next;
    struct sblock buffers[BUFFERS];
};

static void step_one(struct grower *w, size_t step)
{
    struct rng g = rng_seeded(w->r->params->seed, (uint64_t)w->id << 40 | step);
    struct sblock *b = &w->buffers[rng_below(&g, BUFFERS)];
    if (b->p == NULL) {
        sblock_alloc(w->r, b, 64, (uint64_t)w->id << 40 | step);
        return;
    }
    bool grow = rng_below(&g, 4) != 0 && b->size < CAP;
    size_t size = grow ? b->size + b->size / 2 + rng_below(&g, 64) : b->size / 4 + 16;
    sblock_resize(w->r, b, size < CAP ? size : CAP);
}

static void *grow_main(void *arg)
{
    struct grower *w = arg;
    for (size_t turn = w->from; turn < w->to; turn += TURN) {
        while (sem_wait(&w->baton) != 0) {
        }
        for (size_t step = turn; step < w->to && step < turn + TURN; step++)
            step_one(w, step);
        sem_post(&w->next->baton);
    }
    return NULL;
}

static void run_steps(struct grower *workers, size_t from, size_t to)
{
    pthread_t threads[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        workers[t].from = from;
        workers[t].to = to;
        workers[t].next = &workers[(t + 1) % THREADS];
        sem_init(&workers[t].baton, 0, t == 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, grow_main, &workers[t]);
    for (unsigned t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    for (unsigned t = 0; t < THREADS; t++)
        sem_destroy(&workers[t].baton);
}

void workload_realloc_growth(struct stress_run *r)
{
    struct grower *workers = stress_table(r, THREADS * sizeof *workers);
    for (unsigned t = 0; t < THREADS; t++)
        workers[t] = (struct grower){.r = r, .id = t};
    size_t steps = scaled(r, STEPS, 100);
    run_steps(workers, 0, steps / 2);
    stress_phase(r, "half");
    run_steps(workers, steps / 2, steps);
    stress_phase(r, "steps");
    for (unsigned t = 0; t < THREADS; t++)
        for (size_t k = 0; k < BUFFERS; k++)
            sblock_free(r, &workers[t].buffers[k]);
    stress_phase(r, "freed");
}
