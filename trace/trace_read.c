/*
 * trace_read.c — reading a trace in the order its events happened. The
 * file's chunks come in the order writers wrote them, which is not the
 * order of events: a thread holds its records until its buffer fills. So
 * opening a trace indexes its chunks (their headers only), sorted by their
 * first sequence number; reading merges the chunks that
 * overlap, each loaded whole when its turn comes. Memory stays bounded by
 * the index (a few bytes per thousand events) and the chunks open at once
 * (about one per thread running at the same time), whatever the length.
 */
#include "trace.h"
#include "trace_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct trace_chunk_index {
    uint64_t offset;    /* of its packed records */
    uint64_t first_seq; /* its first record's */
    uint32_t count;     /* whole records (fewer than written when the file is cut in it) */
    uint32_t writer, thread;
    uint32_t bytes; /* packed bytes to read */
};

struct trace_cursor {
    struct trace_chunk_index chunk;
    uint32_t next, filled; /* the next record to give, and how many were unpacked */
    struct trace_record *records;
};

const char *trace_event_name(unsigned event)
{
    static const char *const names[] = {
#define TRACE_EVENT_NAME(event, name) name,
        TRACE_EVENTS(TRACE_EVENT_NAME)
#undef TRACE_EVENT_NAME
    };
    return event < TRACE_EVENT_COUNT ? names[event] : "?";
}

void trace_mark_label(const struct trace_record *mark, char out[TRACE_LABEL_SIZE])
{
    memcpy(out, &mark->ptr_in, 16); /* ptr_in and ptr_out (trace_format.h) */
    out[16] = '\0';
}

const char *trace_allocator_name(const struct trace_record *allocator)
{
    static char name[33];
    memcpy(name, &allocator->ptr_in, 32); /* ptr_in, ptr_out, size and extra */
    name[32] = '\0';
    return name;
}

static bool read_at(int fd, void *buf, size_t len, uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += (size_t)n;
    }
    return true;
}

static bool check_header(struct trace_reader *r, uint64_t file_size, char *err, size_t err_len)
{
    struct trace_file_header *h = &r->info.header;
    if (file_size < sizeof *h || !read_at(r->fd, h, sizeof *h, 0) ||
        memcmp(h->magic, TRACE_MAGIC, TRACE_MAGIC_LEN) != 0) {
        size_t visible = strlen(TRACE_MAGIC); /* what a file cut in its header still shows */
        bool short_trace = file_size < sizeof *h && file_size >= visible &&
                           read_at(r->fd, h, visible, 0) &&
                           memcmp(h->magic, TRACE_MAGIC, visible) == 0;
        if (short_trace)
            snprintf(err, err_len,
                     "%s: the trace ends inside its header (%llu bytes): nothing recorded", r->path,
                     (unsigned long long)file_size);
        else
            snprintf(err, err_len,
                     "%s: not a Gauntlet trace (it does not begin with \"GAUNTLET-TRACE\"; "
                     "traces are written by gauntlet record)",
                     r->path);
        return false;
    }
    if (h->version != TRACE_VERSION || h->record_size != sizeof(struct trace_record)) {
        snprintf(err, err_len,
                 "%s: trace format version %u with %u-byte records; this gauntlet reads version %d "
                 "(%zu-byte records)",
                 r->path, h->version, h->record_size, TRACE_VERSION, sizeof(struct trace_record));
        return false;
    }
    h->command[TRACE_COMMAND_BYTES - 1] = '\0';
    return true;
}

static void add_chunk(struct trace_reader *r, const struct trace_chunk_index *c)
{
    if (r->chunk_count == r->chunk_capacity) {
        size_t bytes = r->chunk_capacity * sizeof *r->chunks;
        r->chunks = hmem_remap(r->chunks, bytes, bytes * 2);
        r->chunk_capacity *= 2;
    }
    r->chunks[r->chunk_count++] = *c;
}

static int by_first_seq(const void *a, const void *b)
{
    const struct trace_chunk_index *x = a, *y = b;
    if (x->first_seq != y->first_seq) return x->first_seq < y->first_seq ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* How many whole records the packed bytes hold (a chunk the file cuts). */
static uint32_t whole_records(const uint8_t *packed, uint32_t bytes, uint32_t count,
                              uint32_t thread)
{
    struct trace_packing s = {0, 0, 0};
    struct trace_record rec;
    const uint8_t *p = packed, *end = packed + bytes;
    uint32_t n = 0;
    while (n < count && (p = trace_unpack(p, end, &rec, &s, thread)) != NULL)
        n++;
    return n;
}

/* The allocator record of a chunk the recorder wrote alone: the last one
 * in the file is the last image's. */
static void note_allocator(struct trace_reader *r, const struct trace_chunk_index *c)
{
    uint8_t packed[TRACE_PACKED_MAX];
    struct trace_packing s = {0, 0, 0};
    struct trace_record rec;
    uint32_t bytes = c->bytes < sizeof packed ? c->bytes : (uint32_t)sizeof packed;
    if (read_at(r->fd, packed, bytes, c->offset) &&
        trace_unpack(packed, packed + bytes, &rec, &s, c->thread) && rec.event == TRACE_ALLOCATOR)
        snprintf(r->info.allocator, sizeof r->info.allocator, "%s", trace_allocator_name(&rec));
}

/* Walks the chunk headers (their first and last sequence numbers make the
 * index: no record is read); a file cut inside a chunk keeps that chunk's
 * whole records. */
static void index_chunks(struct trace_reader *r, uint64_t file_size)
{
    struct trace_info *info = &r->info;
    uint64_t at = sizeof(struct trace_file_header);
    while (at < file_size) {
        struct trace_chunk_header h;
        if (file_size - at < sizeof h || !read_at(r->fd, &h, sizeof h, at) ||
            h.magic != TRACE_CHUNK_MAGIC || h.count == 0 || h.bytes < h.count ||
            h.bytes / TRACE_PACKED_MAX > h.count) {
            info->cut = true;
            info->cut_at = at;
            return;
        }
        struct trace_chunk_index c = {.offset = at + sizeof h,
                                      .first_seq = h.first_seq,
                                      .count = h.count,
                                      .writer = h.writer,
                                      .thread = h.thread,
                                      .bytes = h.bytes};
        if (file_size - c.offset < h.bytes) {
            info->cut = true;
            info->cut_at = at;
            c.bytes = (uint32_t)(file_size - c.offset);
            uint8_t *packed = hmem_map(c.bytes + 1);
            c.count = read_at(r->fd, packed, c.bytes, c.offset)
                          ? whole_records(packed, c.bytes, c.count, c.thread)
                          : 0;
            hmem_unmap(packed, c.bytes + 1);
        }
        if (c.count > 0) {
            add_chunk(r, &c);
            info->chunks++;
            if (c.writer == TRACE_WRITER_SAMPLER) {
                info->rss_samples += c.count;
            } else {
                info->events += c.count;
                if (!info->cut && h.last_seq + 1 > info->numbered) info->numbered = h.last_seq + 1;
                if (!info->cut && (h.flags & TRACE_CHUNK_HAS_END)) info->ended = true;
                if (h.flags & TRACE_CHUNK_HAS_ALLOCATOR) note_allocator(r, &c);
            }
        }
        if (info->cut) return;
        at = c.offset + h.bytes;
    }
}

bool trace_open(const char *path, struct trace_reader *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (r->fd < 0 || fstat(r->fd, &st) != 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        if (r->fd >= 0) close(r->fd);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_len,
                 "%s: not a regular file (a trace is read twice: it cannot be a pipe)", path);
        close(r->fd);
        return false;
    }
    if (!check_header(r, (uint64_t)st.st_size, err, err_len)) {
        close(r->fd);
        return false;
    }
    r->chunk_capacity = 1024;
    r->chunks = hmem_map(r->chunk_capacity * sizeof *r->chunks);
    index_chunks(r, (uint64_t)st.st_size);
    qsort(r->chunks, r->chunk_count, sizeof *r->chunks, by_first_seq);
    r->heap_capacity = 64;
    r->heap = hmem_map(r->heap_capacity * sizeof *r->heap);
    return true;
}

/* ---- the merge: a binary heap of cursors, by (next seq, sampler first) ---- */

static uint64_t key_of(const struct trace_cursor *c)
{
    const struct trace_record *next = &c->records[c->next];
    return next->seq * 2 + (c->chunk.writer == TRACE_WRITER_SAMPLER ? 0 : 1);
}

static void heap_swap(struct trace_reader *r, size_t a, size_t b)
{
    struct trace_cursor *t = r->heap[a];
    r->heap[a] = r->heap[b];
    r->heap[b] = t;
}

static void sift_up(struct trace_reader *r, size_t i)
{
    while (i > 0 && key_of(r->heap[(i - 1) / 2]) > key_of(r->heap[i])) {
        heap_swap(r, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(struct trace_reader *r, size_t i)
{
    for (;;) {
        size_t least = i, left = 2 * i + 1, right = left + 1;
        if (left < r->heap_count && key_of(r->heap[left]) < key_of(r->heap[least])) least = left;
        if (right < r->heap_count && key_of(r->heap[right]) < key_of(r->heap[least])) least = right;
        if (least == i) return;
        heap_swap(r, i, least);
        i = least;
    }
}

/* Cursors of chunks up to the recorder's buffer size are kept for reuse:
 * unmapping in a process with other threads costs a TLB shootdown each
 * time, which dominated a replay's time. Larger ones (written by another
 * tool) are mapped for the occasion. A cursor holds the chunk's records and,
 * after them, its packed bytes. */
#define REUSED_CHUNK_RECORDS 1024

static bool reusable(uint32_t count, uint32_t bytes)
{
    return count <= REUSED_CHUNK_RECORDS && bytes <= REUSED_CHUNK_RECORDS * TRACE_PACKED_MAX;
}

static size_t cursor_bytes(uint32_t count, uint32_t bytes)
{
    if (reusable(count, bytes)) {
        count = REUSED_CHUNK_RECORDS;
        bytes = REUSED_CHUNK_RECORDS * TRACE_PACKED_MAX;
    }
    return sizeof(struct trace_cursor) + (size_t)count * sizeof(struct trace_record) + bytes;
}

static struct trace_cursor *new_cursor(struct trace_reader *r, const struct trace_chunk_index *c)
{
    if (reusable(c->count, c->bytes) && r->spare_count > 0) return r->spare[--r->spare_count];
    return hmem_map(cursor_bytes(c->count, c->bytes));
}

static void drop_cursor(struct trace_reader *r, struct trace_cursor *c)
{
    if (reusable(c->chunk.count, c->chunk.bytes) && r->spare_count < TRACE_SPARE_CURSORS)
        r->spare[r->spare_count++] = c;
    else
        hmem_unmap(c, cursor_bytes(c->chunk.count, c->chunk.bytes));
}

static void open_next_chunk(struct trace_reader *r)
{
    struct trace_chunk_index *c = &r->chunks[r->next_chunk++];
    struct trace_cursor *cur = new_cursor(r, c);
    cur->chunk = *c;
    cur->next = 0;
    cur->records = (struct trace_record *)(cur + 1);
    uint8_t *packed = (uint8_t *)(cur->records +
                                  (reusable(c->count, c->bytes) ? REUSED_CHUNK_RECORDS : c->count));
    struct trace_packing s = {0, 0, 0};
    const uint8_t *p = packed, *end = packed + c->bytes;
    uint32_t n = 0;
    if (read_at(r->fd, packed, c->bytes, c->offset))
        while (n < c->count && (p = trace_unpack(p, end, &cur->records[n], &s, c->thread)))
            n++;
    if (n == 0) {
        drop_cursor(r, cur); /* read at open; gone since: nothing to add */
        return;
    }
    cur->filled = n;
    if (r->heap_count == r->heap_capacity) {
        size_t bytes = r->heap_capacity * sizeof *r->heap;
        r->heap = hmem_remap(r->heap, bytes, bytes * 2);
        r->heap_capacity *= 2;
    }
    r->heap[r->heap_count++] = cur;
    sift_up(r, r->heap_count - 1);
}

bool trace_next(struct trace_reader *r, struct trace_record *out)
{
    /* A chunk joins the merge once nothing open comes before its first event. */
    while (r->next_chunk < r->chunk_count &&
           (r->heap_count == 0 || r->chunks[r->next_chunk].first_seq * 2 <= key_of(r->heap[0])))
        open_next_chunk(r);
    if (r->heap_count == 0) return false;
    struct trace_cursor *top = r->heap[0];
    *out = top->records[top->next++];
    if (top->next == top->filled) {
        r->heap[0] = r->heap[--r->heap_count];
        drop_cursor(r, top);
    }
    if (r->heap_count > 0) sift_down(r, 0);
    return true;
}

void trace_close(struct trace_reader *r)
{
    while (r->heap_count > 0)
        drop_cursor(r, r->heap[--r->heap_count]);
    while (r->spare_count > 0)
        hmem_unmap(r->spare[--r->spare_count], cursor_bytes(0, 0));
    if (r->heap) hmem_unmap(r->heap, r->heap_capacity * sizeof *r->heap);
    if (r->chunks) hmem_unmap(r->chunks, r->chunk_capacity * sizeof *r->chunks);
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
    r->heap = NULL;
    r->chunks = NULL;
}
