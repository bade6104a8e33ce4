/*
 * workload_server.c — a request-serving process (the seed's question: what
 * does a service hold at start-up and after N requests?). Start-up builds
 * long-lived state (configuration, a cache index); a pool of workers then
 * serves requests in batches: each request allocates a burst of mixed-size
 * short-lived objects (mostly small, a few page-sized, rarely a large
 * buffer) and frees them at its end; some requests insert into or evict
 * from a shared long-lived cache, so cache entries are freed by whichever
 * worker evicts them (cross-thread). A phase ends after every batch.
 *
 * The service runs at full load: the workers take requests in waves, one
 * each, and a wave's requests are all in flight at once (a barrier after
 * the bursts, another after the frees). Left to the scheduler, how many
 * requests overlapped depended on the machine's load, and with it the peak
 * live bytes: the same library's fragmentation moved by 20% between an idle
 * and a busy machine, and a baseline flagged it.
 */
#include "stress.h"

#include <pthread.h>
#include <stdio.h>

#define WORKERS       4
#define BATCHES       10
#define REQUESTS      2000 /* the seed compared allocators after 2,000 requests */
#define MAX_BURST     256
#define CACHE_STRIPES 64

struct server {
    struct stress_run *r;
    size_t batch_start, batch_end; /* this batch's requests */
    atomic_size_t served;          /* requests served so far: names the phases */
    bool quit;
    pthread_barrier_t start, done;
    pthread_barrier_t in_flight, finished; /* a wave's bursts are all made; all freed */
    struct sblock *cache;
    size_t cache_slots;
    pthread_mutex_t stripe[CACHE_STRIPES];
};

static size_t object_size(struct rng *g)
{
    uint64_t u = rng_below(g, 1000);
    if (u < 700) return rng_log_size(g, 16, 256);
    if (u < 950) return rng_log_size(g, 257, 4096);
    if (u < 995) return rng_log_size(g, 4097, 64 << 10);
    return rng_log_size(g, (64 << 10) + 1, 1 << 20);
}

static void touch_cache(struct server *s, struct rng *g, uint64_t request)
{
    size_t slot = rng_below(g, s->cache_slots);
    pthread_mutex_t *lock = &s->stripe[slot % CACHE_STRIPES];
    pthread_mutex_lock(lock);
    sblock_free(s->r, &s->cache[slot]); /* evict: often another worker's block */
    if (rng_below(g, 10) < 8)
        sblock_alloc(s->r, &s->cache[slot], rng_log_size(g, 64, 16 << 10), request << 20 | 0xFFFFF);
    pthread_mutex_unlock(lock);
}

/* Request `request` if `mine`, else only the wave's barriers. */
static void serve(struct server *s, uint64_t request, bool mine)
{
    struct rng g = rng_seeded(s->r->params->seed, request);
    struct sblock burst[MAX_BURST];
    size_t n = mine ? 16 + rng_below(&g, MAX_BURST - 16) : 0;
    for (size_t k = 0; k < n; k++)
        sblock_alloc(s->r, &burst[k], object_size(&g), request << 20 | k);
    if (mine && rng_below(&g, 10) < 3) touch_cache(s, &g, request);
    pthread_barrier_wait(&s->in_flight);
    for (size_t k = n; k-- > 0;)
        sblock_free(s->r, &burst[k]);
    if (mine) atomic_fetch_add(&s->served, 1);
    pthread_barrier_wait(&s->finished);
}

struct worker_arg {
    struct server *s;
    size_t index;
};

static void *worker(void *arg)
{
    struct server *s = ((struct worker_arg *)arg)->s;
    size_t index = ((struct worker_arg *)arg)->index;
    for (;;) {
        pthread_barrier_wait(&s->start);
        if (s->quit) return NULL;
        for (size_t wave = s->batch_start; wave < s->batch_end; wave += WORKERS)
            serve(s, wave + index, wave + index < s->batch_end);
        pthread_barrier_wait(&s->done);
    }
}

void workload_server(struct stress_run *r)
{
    static struct server s;
    s.r = r;
    s.batch_end = 0;
    s.quit = false;
    atomic_store(&s.served, 0);
    s.cache_slots = scaled(r, 4000, 64);
    s.cache = stress_table(r, s.cache_slots * sizeof *s.cache);
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&s.stripe[i], NULL);
    pthread_barrier_init(&s.start, NULL, WORKERS + 1);
    pthread_barrier_init(&s.done, NULL, WORKERS + 1);
    pthread_barrier_init(&s.in_flight, NULL, WORKERS);
    pthread_barrier_init(&s.finished, NULL, WORKERS);

    /* Start-up: configuration and state that live as long as the service. */
    struct rng g = rng_seeded(r->params->seed, UINT64_MAX);
    enum { STATE_OBJECTS = 512 };
    struct sblock *state = stress_table(r, STATE_OBJECTS * sizeof *state);
    for (size_t k = 0; k < STATE_OBJECTS; k++)
        sblock_alloc(r, &state[k], rng_log_size(&g, 32, 8192), UINT64_MAX - k);
    pthread_t threads[WORKERS];
    static struct worker_arg args[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        args[w] = (struct worker_arg){&s, (size_t)w};
        pthread_create(&threads[w], NULL, worker, &args[w]);
    }
    stress_phase(r, "startup");

    size_t requests = r->params->requests ? r->params->requests : scaled(r, REQUESTS, BATCHES);
    for (unsigned b = 1; b <= BATCHES; b++) {
        s.batch_start = s.batch_end;
        s.batch_end = requests * b / BATCHES;
        pthread_barrier_wait(&s.start);
        pthread_barrier_wait(&s.done);
        char name[32];
        snprintf(name, sizeof name, "requests:%zu", atomic_load(&s.served));
        stress_phase(r, name);
    }
    s.quit = true;
    pthread_barrier_wait(&s.start);
    for (int w = 0; w < WORKERS; w++)
        pthread_join(threads[w], NULL);
    for (size_t k = 0; k < s.cache_slots; k++)
        sblock_free(r, &s.cache[k]);
    for (size_t k = 0; k < STATE_OBJECTS; k++)
        sblock_free(r, &state[k]);
}
