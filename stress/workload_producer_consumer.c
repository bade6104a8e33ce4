/*
 * workload_producer_consumer.c — a pipeline at saturation (a log shipper, a
 * message broker whose consumers keep up just barely): producer threads only
 * allocate messages and queue them, consumer threads only check and free
 * them, so every free is a cross-thread free. Four rounds; a phase ends when
 * a round's queue has drained.
 *
 * The queue is kept near full in steps: the producers fill it to QUEUE
 * messages, then the producers add BATCH while the consumers wait, the
 * consumers free the BATCH oldest while the producers wait, and so on; then
 * the consumers drain it. Each thread's messages are fixed by their numbers
 * (chunks of CHUNK, dealt out in turn), so every thread makes the same calls
 * in the same order in every run, and the live set at each step is the
 * seed's. Left to the scheduler (a shared queue, threads running at once),
 * who freed what while whom allocated followed the machine's load: glibc's
 * peak RSS moved by a third between an idle and a busy machine, jemalloc's
 * round-end RSS doubled, and a baseline flagged the same library.
 */
#include "stress.h"

#include <pthread.h>
#include <stdio.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define ROUNDS    4
#define MESSAGES  400000 /* over all rounds */
#define QUEUE     4096   /* messages in flight at the low point of a step */
#define BATCH     256    /* messages added, then freed, per step */
#define CHUNK     16     /* consecutive messages that one thread handles */
#define SLOTS     (QUEUE + BATCH)

struct pipeline {
    struct stress_run *r;
    pthread_barrier_t step; /* every producer and consumer, between steps */
    struct sblock slots[SLOTS];
    size_t first, count; /* this round's message numbers */
};

struct role {
    struct pipeline *q;
    bool producer;
    unsigned index; /* among the threads of its role */
};

/* The messages [from, to) of this round that belong to the thread. */
static void handle(const struct role *t, size_t from, size_t to)
{
    struct pipeline *q = t->q;
    for (size_t m = from; m < to; m++) {
        /* Chunk k is made by producer k mod P and freed by consumer (k / P)
         * mod C: each consumer frees every producer's messages. */
        size_t chunk = m / CHUNK;
        size_t owner = t->producer ? chunk % PRODUCERS : chunk / PRODUCERS % CONSUMERS;
        if (owner != t->index) continue;
        struct sblock *b = &q->slots[m % SLOTS];
        if (t->producer) {
            uint64_t number = q->first + m;
            struct rng g = rng_seeded(q->r->params->seed, number);
            sblock_alloc(q->r, b, rng_log_size(&g, 32, 16 << 10), number);
        } else {
            sblock_free(q->r, b);
        }
    }
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void *pipeline_thread(void *arg)
{
    const struct role *t = arg;
    struct pipeline *q = t->q;
    size_t filled = min_size(QUEUE, q->count);
    if (t->producer) handle(t, 0, filled);
    pthread_barrier_wait(&q->step);
    for (size_t end = filled; end < q->count; end += BATCH) {
        size_t added = min_size(end + BATCH, q->count);
        if (t->producer) handle(t, end, added);
        pthread_barrier_wait(&q->step);
        if (!t->producer) handle(t, end - QUEUE, added - QUEUE);
        pthread_barrier_wait(&q->step);
    }
    if (!t->producer) handle(t, q->count - filled, q->count); /* the drain */
    return NULL;
}

void workload_producer_consumer(struct stress_run *r)
{
    static struct pipeline q;
    q.r = r;
    pthread_barrier_init(&q.step, NULL, PRODUCERS + CONSUMERS);
    q.count = scaled(r, MESSAGES, ROUNDS) / ROUNDS;
    for (unsigned round = 1; round <= ROUNDS; round++) {
        q.first = (round - 1) * q.count;
        pthread_t threads[PRODUCERS + CONSUMERS];
        struct role roles[PRODUCERS + CONSUMERS];
        for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++) {
            roles[i] = (struct role){&q, i < PRODUCERS, i < PRODUCERS ? i : i - PRODUCERS};
            pthread_create(&threads[i], NULL, pipeline_thread, &roles[i]);
        }
        for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++)
            pthread_join(threads[i], NULL);
        char name[32];
        snprintf(name, sizeof name, "round:%u", round);
        stress_phase(r, name);
    }
    pthread_barrier_destroy(&q.step);
}
