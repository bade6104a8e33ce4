/*
 * workload_trace.c — `trace:FILE`: the user's own program, as `gauntlet
 * record` saw it, replayed call for call against the allocator measured,
 * with the trace's marks as the phases (start-up, after N requests, …).
 *
 * Threads: the process's main thread is replayed on this one (glibc gives
 * the main thread an arena of its own, mimalloc a heap of its own); each
 * other thread of the trace gets a thread of the replay, created where the
 * trace's thread made its first call and ended where it ended (so the
 * allocator's thread caches come and go as in the process). The
 * threads take turns in the trace's order: the reader hands each run of
 * consecutive calls of one thread (up to BATCH) to that thread and waits
 * for it. So every thread's calls reach the allocator in the process's
 * order, and a block freed by another thread is freed after it was made;
 * what the replay does not reproduce is calls truly at the same time.
 *
 * Memory: every block is written in full when it is made (and the grown
 * part when realloc grows it), as a program initialising what it asked
 * for; blocks are not read. Pointers the trace never gave out are skipped,
 * and counted.
 */
#include "cli.h"
#include "stress.h"
#include "trace.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 4096
#define FILL  0x5a

struct replayer;

struct replay_thread {
    pthread_t thread;
    sem_t go, done;
    struct replayer *owner;
    const struct trace_record *batch;
    size_t count;
    bool stop;
};

struct replayer {
    struct stress_run *run;
    const struct allocator *a;
    struct address_map blocks;
    struct replay_thread **threads; /* by trace thread number */
    size_t thread_capacity;
    uint64_t calls, skipped, failed;
    uint32_t main_thread; /* the trace's number for the process's main thread */
};

static void *made(struct replayer *p, const struct trace_record *r, void *block, size_t size,
                  bool written)
{
    if (block == NULL) {
        p->failed++;
        return NULL;
    }
    if (written) memset(block, FILL, size);
    struct address_entry *e = address_add(&p->blocks, r->ptr_out);
    if (e->block) stress_count_live(p->run, 0, e->size); /* the trace lost its free */
    e->block = (uintptr_t)block;
    e->size = size;
    stress_count_live(p->run, size, 0);
    return block;
}

static void gone(struct replayer *p, struct address_entry *e)
{
    stress_count_live(p->run, 0, e->size);
    address_remove(&p->blocks, e->ptr);
}

/* Any aligned call: the memory it costs is the same. */
static void *aligned(const struct allocator *a, size_t align, size_t size)
{
    void *block = NULL;
    if (a->memalign) return a->memalign(align, size);
    if (a->posix_memalign && a->posix_memalign(&block, align, size) != 0) return NULL;
    return block;
}

static void resize(struct replayer *p, const struct trace_record *r, size_t size)
{
    const struct allocator *a = p->a;
    if (r->ptr_in == 0) {
        made(p, r, a->realloc(NULL, size), size, true);
        return;
    }
    struct address_entry *e = address_find(&p->blocks, r->ptr_in);
    if (e == NULL) {
        p->skipped++;
        return;
    }
    size_t old_size = e->size;
    void *block = a->realloc((void *)(uintptr_t)e->block, size);
    if (block == NULL && size != 0) {
        p->failed++;
        return;
    }
    gone(p, e);
    if (block == NULL) return; /* realloc(p, 0) freed it */
    if (size > old_size) memset((char *)block + old_size, FILL, size - old_size);
    struct address_entry *moved = address_add(&p->blocks, r->ptr_out ? r->ptr_out : r->ptr_in);
    moved->block = (uintptr_t)block;
    moved->size = size;
    stress_count_live(p->run, size, 0);
}

static void release(struct replayer *p, const struct trace_record *r)
{
    if (r->ptr_in == 0) return;
    struct address_entry *e = address_find(&p->blocks, r->ptr_in);
    if (e == NULL) {
        p->skipped++;
        return;
    }
    p->a->free((void *)(uintptr_t)e->block);
    gone(p, e);
}

static void replay_call(struct replayer *p, const struct trace_record *r)
{
    const struct allocator *a = p->a;
    size_t size = r->size, extra = r->extra;
    p->calls++;
    switch (r->event) {
    case TRACE_MALLOC: made(p, r, a->malloc(size), size, true); break;
    case TRACE_CALLOC:
        if (extra && size > SIZE_MAX / extra) break;
        made(p, r, a->calloc(extra, size), extra * size, false);
        break;
    case TRACE_REALLOC: resize(p, r, size); break;
    case TRACE_REALLOCARRAY:
        if (extra && size > SIZE_MAX / extra) break;
        resize(p, r, extra * size);
        break;
    case TRACE_FREE:
    case TRACE_FREE_SIZED:
    case TRACE_FREE_ALIGNED_SIZED: release(p, r); break;
    case TRACE_ALIGNED_ALLOC:
    case TRACE_POSIX_MEMALIGN:
    case TRACE_MEMALIGN: made(p, r, aligned(a, extra, size), size, true); break;
    case TRACE_VALLOC: made(p, r, aligned(a, TRACE_PAGE, size), size, true); break;
    case TRACE_PVALLOC: {
        size_t rounded = trace_pvalloc_size(size);
        made(p, r, aligned(a, TRACE_PAGE, rounded), rounded, true);
        break;
    }
    case TRACE_USABLE_SIZE: {
        struct address_entry *e = address_find(&p->blocks, r->ptr_in);
        if (e && a->usable_size) a->usable_size((void *)(uintptr_t)e->block);
        break;
    }
    default: p->calls--;
    }
}

static void *replay_thread_main(void *arg)
{
    struct replay_thread *t = arg;
    for (;;) {
        sem_wait(&t->go);
        if (t->stop) break;
        for (size_t i = 0; i < t->count; i++)
            replay_call(t->owner, &t->batch[i]);
        sem_post(&t->done);
    }
    sem_post(&t->done);
    return NULL;
}

static struct replay_thread *thread_for(struct replayer *p, uint32_t number)
{
    if (number >= p->thread_capacity) {
        size_t old = p->thread_capacity * sizeof *p->threads, capacity = p->thread_capacity * 2;
        while (capacity <= number)
            capacity *= 2;
        p->threads = hmem_remap(p->threads, old, capacity * sizeof *p->threads);
        p->thread_capacity = capacity;
    }
    if (p->threads[number] == NULL) {
        struct replay_thread *t = stress_table(p->run, sizeof *t);
        t->owner = p;
        sem_init(&t->go, 0, 0);
        sem_init(&t->done, 0, 0);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 << 10);
        if (pthread_create(&t->thread, &attr, replay_thread_main, t) != 0) {
            fprintf(stderr, "gauntlet: trace: cannot start a replay thread\n");
            exit(EXIT_USAGE);
        }
        pthread_attr_destroy(&attr);
        p->threads[number] = t;
    }
    return p->threads[number];
}

static void run_batch(struct replayer *p, uint32_t number, const struct trace_record *batch,
                      size_t count)
{
    if (count == 0) return;
    atomic_fetch_add(&p->run->ops, count);
    if (number == p->main_thread) { /* the process's main thread: this one (glibc's main arena) */
        for (size_t i = 0; i < count; i++)
            replay_call(p, &batch[i]);
        return;
    }
    struct replay_thread *t = thread_for(p, number);
    t->batch = batch;
    t->count = count;
    sem_post(&t->go);
    sem_wait(&t->done);
}

static void end_thread(struct replayer *p, uint32_t number)
{
    if (number >= p->thread_capacity || p->threads[number] == NULL) return;
    struct replay_thread *t = p->threads[number];
    t->stop = true;
    sem_post(&t->go);
    sem_wait(&t->done);
    pthread_join(t->thread, NULL);
    p->threads[number] = NULL; /* its record stays in the harness's table */
}

/* The replay's own tables (the blocks' addresses, the reader's chunks)
 * grow with the trace's live set: the harness's share of each phase's RSS
 * counts them, so that the allocator is not charged for them. */
static void count_tables(struct stress_run *r, size_t harness_before, size_t mapped_before)
{
    size_t mapped = hmem_mapped_bytes();
    r->harness_rss = harness_before + (mapped > mapped_before ? mapped - mapped_before : 0);
}

static void mark_phase(struct stress_run *r, const struct trace_record *m)
{
    char label[TRACE_LABEL_SIZE], name[32];
    trace_mark_label(m, label);
    /* "mark-N", or "N:label" for a mark the program named (a table shows 11 characters) */
    if (label[0] && m->result == TRACE_MARK_API)
        snprintf(name, sizeof name, "%llu:%s", (unsigned long long)m->extra, label);
    else
        snprintf(name, sizeof name, "mark-%llu", (unsigned long long)m->extra);
    if (r->phase_count + 2 < STRESS_MAX_PHASES) stress_phase(r, name);
}

void workload_trace(struct stress_run *r)
{
    const char *path = r->params->workload + strlen(TRACE_WORKLOAD_PREFIX);
    size_t harness_before = r->harness_rss, mapped_before = hmem_mapped_bytes();
    struct trace_reader reader;
    char err[1024];
    if (!trace_open(path, &reader, err, sizeof err)) {
        fprintf(stderr, "gauntlet: %s\n", err);
        exit(EXIT_USAGE);
    }
    static struct replayer p;
    p = (struct replayer){.run = r, .a = r->alloc, .thread_capacity = 64};
    p.threads = hmem_map(p.thread_capacity * sizeof *p.threads);
    address_map_init(&p.blocks);
    struct trace_record *batch = stress_table(r, BATCH * sizeof *batch);
    size_t count = 0;
    uint32_t batch_thread = 0;
    struct trace_record rec;
    while (trace_next(&reader, &rec)) {
        bool is_call = rec.event < TRACE_THREAD_START;
        if (count && (!is_call || rec.thread != batch_thread || count == BATCH)) {
            run_batch(&p, batch_thread, batch, count);
            count = 0;
        }
        if (is_call) {
            batch_thread = rec.thread;
            batch[count++] = rec;
        } else if (rec.event == TRACE_THREAD_START && rec.extra == reader.info.header.pid) {
            p.main_thread = rec.thread;
        } else if (rec.event == TRACE_THREAD_EXIT) {
            end_thread(&p, rec.thread);
        } else if (rec.event == TRACE_MARK) {
            count_tables(r, harness_before, mapped_before);
            mark_phase(r, &rec);
        }
    }
    run_batch(&p, batch_thread, batch, count);
    for (size_t t = 0; t < p.thread_capacity; t++)
        end_thread(&p, (uint32_t)t);
    count_tables(r, harness_before, mapped_before);
    stress_phase(r, "end");
    if (p.skipped || p.failed)
        fprintf(stderr,
                "gauntlet: trace: %llu calls replayed; %llu on pointers the trace never gave out "
                "skipped, %llu failed here\n",
                (unsigned long long)p.calls, (unsigned long long)p.skipped,
                (unsigned long long)p.failed);
    trace_close(&reader);
}
