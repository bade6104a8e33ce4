/*
 * sampler.c — the RSS time series: a thread that wakes `hz` times a second
 * (absolute deadlines, so the rate does not drift) and records the time,
 * an RSS (this process's: one pread of /proc/self/statm; or what a reader
 * says, for a command measured from outside) and the live bytes the
 * workload holds. Samples live in harness memory; the buffer grows by
 * remapping, 24 bytes a sample. The thread measures its own CPU time, which
 * is the sampler's cost (make bench-stress).
 */
#include "stress.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

struct sampler {
    struct stress_run *run;
    unsigned hz;
    int statm_fd;
    size_t (*read_rss)(void *context);
    void *context;
    pthread_t thread;
    atomic_bool stop;
    struct sample *samples;
    size_t count, capacity;
    double cpu_seconds, wall_seconds;
};

static size_t statm_rss(void *context)
{
    const struct sampler *s = context;
    char buf[128];
    ssize_t n = pread(s->statm_fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    return statm_resident_bytes(buf);
}

static void record(struct sampler *s)
{
    if (s->count == s->capacity) {
        size_t bigger = s->capacity * 2;
        s->samples =
            hmem_remap(s->samples, s->capacity * sizeof *s->samples, bigger * sizeof *s->samples);
        s->capacity = bigger;
    }
    s->samples[s->count++] = (struct sample){
        .seconds = monotonic_seconds() - s->run->started,
        .rss = s->read_rss(s->context),
        .live_bytes = atomic_load_explicit(&s->run->live_bytes, memory_order_relaxed),
    };
}

static void *sampler_main(void *arg)
{
    struct sampler *s = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double began = monotonic_seconds();
    long period_ns = 1000000000L / (long)s->hz;
    while (!atomic_load(&s->stop)) {
        record(s);
        next.tv_nsec += period_ns;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    record(s); /* the state at the end, whatever the phase of the period */
    struct timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    s->cpu_seconds = (double)cpu.tv_sec + (double)cpu.tv_nsec * 1e-9;
    s->wall_seconds = monotonic_seconds() - began;
    return NULL;
}

struct sampler *sampler_start_reading(struct stress_run *r, unsigned hz,
                                      size_t (*read_rss)(void *context), void *context)
{
    struct sampler *s = hmem_map(sizeof *s);
    s->run = r;
    s->hz = hz;
    s->capacity = 4096;
    s->samples = hmem_map(s->capacity * sizeof *s->samples);
    s->statm_fd = -1;
    s->read_rss = read_rss ? read_rss : statm_rss;
    s->context = read_rss ? context : s;
    if (read_rss == NULL) s->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if ((read_rss == NULL && s->statm_fd < 0) ||
        pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        fprintf(stderr, "gauntlet stress: cannot start the RSS sampler\n");
        _exit(2);
    }
    return s;
}

struct sampler *sampler_start(struct stress_run *r, unsigned hz)
{
    return sampler_start_reading(r, hz, NULL, NULL);
}

void sampler_stop(struct sampler *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    if (s->statm_fd >= 0) close(s->statm_fd);
}

const struct sample *sampler_samples(const struct sampler *s, size_t *count)
{
    *count = s->count;
    return s->samples;
}

double sampler_cpu_seconds(const struct sampler *s)
{
    return s->cpu_seconds;
}

double sampler_wall_seconds(const struct sampler *s)
{
    return s->wall_seconds;
}
