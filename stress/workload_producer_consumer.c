/*
 * workload_producer_consumer.c — a pipeline (a log shipper, a message
 * broker): producer threads only allocate messages and queue them, consumer
 * threads only dequeue, check and free them, so every free is a cross-thread
 * free. Four rounds; a phase ends when a round's queue has drained.
 *
 * Consumers start on a round only once the queue is full (or the round's
 * producers are done). Without that, the round's peak measured how far the
 * producers ran ahead of the consumers, which is the machine's load and not
 * the allocator: the same library measured 13% more peak RSS on a loaded
 * machine than on an idle one, and a baseline flagged it. Primed, every round
 * peaks at a full queue, whatever the scheduler does.
 */
#include "stress.h"

#include <pthread.h>
#include <stdio.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define ROUNDS    4
#define MESSAGES  400000 /* over all rounds */
#define QUEUE     4096

struct pipeline {
    struct stress_run *r;
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    struct sblock queue[QUEUE];
    size_t head, count;
    bool primed;                /* the queue has been full once this round: consumers may go */
    size_t per_producer, first; /* this round's message numbers */
    unsigned producers_left;
};

static void *produce(void *arg)
{
    struct pipeline *q = ((void **)arg)[0];
    size_t id = (size_t)((void **)arg)[1];
    for (size_t m = 0; m < q->per_producer; m++) {
        uint64_t number = q->first + id * q->per_producer + m;
        struct rng g = rng_seeded(q->r->params->seed, number);
        struct sblock b;
        sblock_alloc(q->r, &b, rng_log_size(&g, 32, 16 << 10), number);
        pthread_mutex_lock(&q->lock);
        while (q->count == QUEUE)
            pthread_cond_wait(&q->not_full, &q->lock);
        q->queue[(q->head + q->count++) % QUEUE] = b;
        if (!q->primed && q->count == QUEUE) {
            q->primed = true;
            pthread_cond_broadcast(&q->not_empty);
        } else if (q->primed) {
            pthread_cond_signal(&q->not_empty);
        }
        pthread_mutex_unlock(&q->lock);
    }
    pthread_mutex_lock(&q->lock);
    q->producers_left--;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void *consume(void *arg)
{
    struct pipeline *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while ((q->count == 0 || !q->primed) && q->producers_left > 0)
            pthread_cond_wait(&q->not_empty, &q->lock);
        if (q->count == 0) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        struct sblock b = q->queue[q->head];
        q->head = (q->head + 1) % QUEUE;
        q->count--;
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&q->lock);
        sblock_free(q->r, &b);
    }
}

void workload_producer_consumer(struct stress_run *r)
{
    static struct pipeline q;
    q.r = r;
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.not_full, NULL);
    pthread_cond_init(&q.not_empty, NULL);
    q.per_producer = scaled(r, MESSAGES, ROUNDS * PRODUCERS) / (ROUNDS * PRODUCERS);
    for (unsigned round = 1; round <= ROUNDS; round++) {
        q.first = (round - 1) * PRODUCERS * q.per_producer;
        q.producers_left = PRODUCERS;
        q.primed = false;
        pthread_t threads[PRODUCERS + CONSUMERS];
        void *args[PRODUCERS][2];
        for (size_t p = 0; p < PRODUCERS; p++) {
            args[p][0] = &q;
            args[p][1] = (void *)p;
            pthread_create(&threads[p], NULL, produce, args[p]);
        }
        for (size_t c = 0; c < CONSUMERS; c++)
            pthread_create(&threads[PRODUCERS + c], NULL, consume, &q);
        for (size_t t = 0; t < PRODUCERS + CONSUMERS; t++)
            pthread_join(threads[t], NULL);
        char name[32];
        snprintf(name, sizeof name, "round:%u", round);
        stress_phase(r, name);
    }
}
