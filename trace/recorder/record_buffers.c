/*
 * record_buffers.c — each recorded thread writes its records into a buffer
 * of its own, without a lock, and the buffer goes out as a chunk when it
 * fills, when the thread ends, and when the process exits or execs: packed
 * (trace_codec.h) into the buffer's ring, which `gauntlet record` empties
 * into the trace (trace_format.h), or written to the trace at once when the
 * ring has no room. Buffers come from a fixed pool of mmap'd blocks; a
 * thread that finds none free writes each record alone (slower, still
 * lossless). The order of events across threads is their sequence number,
 * taken from the counter every image of the process shares.
 */
#include "recorder.h"
#include "trace_codec.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RECORDS_PER_BUFFER 1024
#define MAX_BUFFERS        4096

_Static_assert(sizeof(struct trace_chunk_header) + RECORDS_PER_BUFFER * TRACE_PACKED_MAX <
                   TRACE_RING_BYTES,
               "a full buffer's chunk fits in a ring");

struct thread_buffer {
    _Atomic uint32_t count; /* records in it; only its thread adds */
    uint32_t written;       /* of those, already in the file (under the lock) */
    atomic_flag lock;       /* held while writing out */
    _Atomic int in_use;     /* a thread owns it */
    uint32_t thread;
    uint32_t ring; /* its place in the pool: the ring its chunks go to */
    struct trace_record records[RECORDS_PER_BUFFER];
    uint8_t packed[RECORDS_PER_BUFFER * TRACE_PACKED_MAX]; /* written out from here */
};

static struct thread_buffer *_Atomic pool[MAX_BUFFERS];
static __thread struct thread_buffer *mine;
static __thread uint32_t my_thread;
static __thread bool recording; /* reentry guard */
static pthread_key_t exit_key;
static bool exit_key_made;

uint64_t record_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t record_next_seq(void)
{
    return atomic_fetch_add_explicit((_Atomic uint64_t *)&settings.shared->next_seq, 1,
                                     memory_order_relaxed);
}

static void copy_in(struct trace_ring *r, uint64_t at, const void *from, size_t n)
{
    size_t start = at & (TRACE_RING_BYTES - 1);
    size_t first = n < TRACE_RING_BYTES - start ? n : TRACE_RING_BYTES - start;
    memcpy(r->bytes + start, from, first);
    memcpy(r->bytes, (const uint8_t *)from + first, n - first);
}

/* Puts a chunk into ring i (its buffer's lock held); false when it has no
 * such ring or no room. */
static bool put_in_ring(uint32_t i, const struct trace_chunk_header *h, const uint8_t *packed)
{
    if (i >= TRACE_RINGS) return false;
    struct trace_ring *r = &settings.shared->rings[i];
    uint64_t head = atomic_load_explicit((_Atomic uint64_t *)&r->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit((_Atomic uint64_t *)&r->tail, memory_order_acquire);
    size_t size = sizeof *h + h->bytes;
    if (TRACE_RING_BYTES - (head - tail) < size) return false;
    copy_in(r, head, h, sizeof *h);
    copy_in(r, head + sizeof *h, packed, h->bytes);
    _Atomic uint32_t *used = (_Atomic uint32_t *)&settings.shared->rings_used;
    uint32_t seen = atomic_load(used);
    while (seen < i + 1 && !atomic_compare_exchange_weak(used, &seen, i + 1))
        ;
    atomic_store_explicit((_Atomic uint64_t *)&r->head, head + size, memory_order_release);
    return true;
}

/* packed: room for count * TRACE_PACKED_MAX bytes. ring: where the chunk
 * goes (TRACE_RINGS: straight to the trace). */
static void write_chunk(const struct trace_record *records, uint32_t count,
                        enum trace_writer writer, uint32_t thread, uint8_t *packed, uint32_t ring)
{
    struct trace_chunk_header h;
    trace_pack_chunk(&h, records, count, writer, thread, packed);
    if (put_in_ring(ring, &h, packed)) return;
    struct iovec v[2] = {{&h, sizeof h}, {packed, h.bytes}};
    int saved = errno;
    /* A short write (a full disk) cuts the chunk: the file then ends
     * there, and the reader says so. */
    if (writev(settings.fd, v, 2) < 0) { /* nothing more to do */
    }
    errno = saved;
}

void record_write_one(struct trace_record *r, enum trace_writer writer)
{
    uint8_t packed[TRACE_PACKED_MAX];
    write_chunk(r, 1, writer, r->thread, packed, TRACE_RINGS);
}

/* Writes out what b holds that is not yet in the file. The owner also
 * empties it; another thread (exit, exec) only writes. */
static void write_out(struct thread_buffer *b, bool owner)
{
    while (atomic_flag_test_and_set_explicit(&b->lock, memory_order_acquire))
        ;
    uint32_t count = atomic_load_explicit(&b->count, memory_order_acquire);
    if (count > b->written)
        write_chunk(b->records + b->written, count - b->written, TRACE_WRITER_THREAD, b->thread,
                    b->packed, b->ring);
    b->written = count;
    if (owner) {
        atomic_store_explicit(&b->count, 0, memory_order_relaxed);
        b->written = 0;
    }
    atomic_flag_clear_explicit(&b->lock, memory_order_release);
}

static struct thread_buffer *find_buffer(void)
{
    for (unsigned i = 0; i < MAX_BUFFERS; i++) {
        struct thread_buffer *b = atomic_load(&pool[i]);
        if (b == NULL) {
            void *m =
                mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (m == MAP_FAILED) return NULL;
            struct thread_buffer *fresh = m, *none = NULL;
            fresh->in_use = 1;
            fresh->ring = i;
            if (atomic_compare_exchange_strong(&pool[i], &none, fresh)) return fresh;
            munmap(m, sizeof *b);
            b = none;
        }
        int idle = 0;
        if (atomic_compare_exchange_strong(&b->in_use, &idle, 1)) return b;
    }
    return NULL;
}

static struct thread_buffer *take_buffer(void)
{
    int saved = errno; /* mmap may set it */
    struct thread_buffer *b = find_buffer();
    errno = saved;
    return b;
}

static void append(const struct trace_record *r)
{
    if (mine == NULL || settings.unbuffered) {
        struct trace_record copy = *r;
        record_write_one(&copy, TRACE_WRITER_THREAD);
        return;
    }
    uint32_t count = atomic_load_explicit(&mine->count, memory_order_relaxed);
    mine->records[count] = *r;
    atomic_store_explicit(&mine->count, count + 1, memory_order_release);
    if (count + 1 == RECORDS_PER_BUFFER) write_out(mine, true);
}

/* A thread's first record: its number, its buffer, and the key whose
 * destructor tells its end. */
static void thread_starts(void)
{
    my_thread = atomic_fetch_add((_Atomic uint32_t *)&settings.shared->next_thread, 1) + 1;
    struct trace_record start = {.event = TRACE_THREAD_START, .extra = (uint64_t)gettid()};
    mine = take_buffer();
    if (mine) mine->thread = my_thread;
    if (exit_key_made) pthread_setspecific(exit_key, (void *)1);
    start.seq = record_next_seq();
    start.time_ns = record_now_ns();
    start.thread = my_thread;
    append(&start);
}

/* errno stays the program's: the calls that can set it (writev, mmap,
 * open) keep it themselves, so that the common path pays nothing for it. */
void record_event(struct trace_record *r)
{
    if (!settings.active || recording) return;
    recording = true;
    if (my_thread == 0) thread_starts();
    if (mine == NULL && my_thread != 0) {
        /* After its end was recorded, a thread can still call (other
         * key destructors): it gets a buffer again, and the key again. */
        mine = take_buffer();
        if (mine) mine->thread = my_thread;
        if (exit_key_made) pthread_setspecific(exit_key, (void *)1);
    }
    r->seq = record_next_seq();
    r->time_ns = record_now_ns();
    r->thread = my_thread;
    append(r);
    if (settings.mark_every && (r->seq + 1) % settings.mark_every == 0) {
        recording = false;
        record_mark(TRACE_MARK_EVERY, "");
        recording = true;
    }
    recording = false;
}

void record_call_event(uint8_t event, uint64_t ptr_in, uint64_t ptr_out, uint64_t size,
                       uint64_t extra, uint16_t result, uint8_t err)
{
    struct thread_buffer *b = mine;
    if (recording || b == NULL || settings.unbuffered || settings.mark_every) {
        struct trace_record r = {.event = event,
                                 .ptr_in = ptr_in,
                                 .ptr_out = ptr_out,
                                 .size = size,
                                 .extra = extra,
                                 .result = result,
                                 .err = err};
        record_event(&r);
        return;
    }
    recording = true; /* a signal handler's call in between is not recorded over this one */
    uint32_t count = atomic_load_explicit(&b->count, memory_order_relaxed);
    struct trace_record *slot = &b->records[count];
    slot->seq = record_next_seq();
    slot->time_ns = record_now_ns();
    slot->ptr_in = ptr_in;
    slot->ptr_out = ptr_out;
    slot->size = size;
    slot->extra = extra;
    slot->thread = my_thread;
    slot->event = event;
    slot->err = err;
    slot->result = result;
    atomic_store_explicit(&b->count, count + 1, memory_order_release);
    if (count + 1 == RECORDS_PER_BUFFER) write_out(b, true);
    recording = false;
}

void record_thread_exit(void *unused)
{
    (void)unused;
    if (!settings.active) return;
    struct trace_record end = {.event = TRACE_THREAD_EXIT};
    record_event(&end); /* a second time if calls came after the first: readers take the first */
    struct thread_buffer *b = mine;
    if (b == NULL) return; /* a thread without a buffer wrote each record at once */
    mine = NULL;
    write_out(b, true);
    atomic_store(&b->in_use, 0);
}

void record_flush_all(void)
{
    if (!settings.active) return;
    int saved = errno;
    for (unsigned i = 0; i < MAX_BUFFERS; i++) {
        struct thread_buffer *b = atomic_load(&pool[i]);
        if (b == NULL) break;
        write_out(b, b == mine);
    }
    errno = saved;
}

void record_buffers_setup(void)
{
    exit_key_made = pthread_key_create(&exit_key, record_thread_exit) == 0;
    if (exit_key_made && my_thread != 0) pthread_setspecific(exit_key, (void *)1);
}
