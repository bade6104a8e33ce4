/*
 * trace.h — the one internal header of trace/: recording a program
 * (`gauntlet record`), reading a trace, and turning it into a program of
 * the harness (`gauntlet trace`). A section per file. The layout of the
 * file itself is trace_format.h, which the recording library shares.
 */
#ifndef GAUNTLET_TRACE_H
#define GAUNTLET_TRACE_H

#include "gauntlet.h"
#include "trace_format.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- trace_read.c: a trace's events, in the order the process numbered them ---- */

/* What a trace holds, known once it is opened (its chunks are indexed
 * then; the records themselves are read as they are asked for). */
struct trace_info {
    struct trace_file_header header;
    uint64_t events;      /* records of the recorded process (calls, threads, marks, end) */
    uint64_t rss_samples; /* records of the sampler */
    uint64_t numbered;    /* events the process numbered: highest sequence number + 1 */
    bool ended;           /* the end record is there: the process exited normally */
    bool cut;             /* the file ends inside a chunk, or with bytes that are not one */
    uint64_t cut_at;      /* where (byte offset) */
    uint64_t chunks;
    char allocator[33]; /* the library that served malloc in the last image ("": not said) */
};

struct trace_chunk_index; /* trace_read.c */
struct trace_cursor;

struct trace_reader {
    int fd;
    const char *path;
    struct trace_info info;
    struct trace_chunk_index *chunks; /* sorted by first sequence number */
    size_t chunk_count, chunk_capacity, next_chunk;
    struct trace_cursor **heap; /* the chunks being read, smallest next event first */
    size_t heap_count, heap_capacity;
#define TRACE_SPARE_CURSORS 64
    struct trace_cursor *spare[TRACE_SPARE_CURSORS]; /* read, kept for the next chunks */
    size_t spare_count;
};

/* Opens and indexes PATH; false with a message naming the file and what is
 * wrong (not a trace, another format version, too short to be one). A cut
 * trace opens: info.cut says where it ends. */
bool trace_open(const char *path, struct trace_reader *r, char *err, size_t err_len);
/* The next event in sequence order (the sampler's samples among them, each
 * before the event numbered after it was taken); false at the end. */
bool trace_next(struct trace_reader *r, struct trace_record *out);
void trace_close(struct trace_reader *r);
const char *trace_event_name(unsigned event);
/* A mark's label (at most 15 characters), NUL-terminated in out. */
#define TRACE_LABEL_SIZE 17
void trace_mark_label(const struct trace_record *mark, char out[TRACE_LABEL_SIZE]);
/* The library an allocator event names (a static buffer, until the next call). */
const char *trace_allocator_name(const struct trace_record *allocator);

/* valloc and pvalloc, as the aligned calls they are: a page's alignment
 * (the machines traced here have 4 KiB pages), pvalloc's size rounded up to
 * whole pages (at least one). */
#define TRACE_PAGE 4096
static inline uint64_t trace_pvalloc_size(uint64_t size)
{
    return size == 0 ? TRACE_PAGE : (size + TRACE_PAGE - 1) & ~(uint64_t)(TRACE_PAGE - 1);
}

/* ---- trace_addresses.c: the blocks a trace holds, by the address it gave them ---- */

/* Open addressing with linear probing; grows as the process's live set
 * does (its memory is the converter's only one that is not constant). */
struct address_entry {
    uint64_t ptr;   /* 0: empty */
    uint64_t block; /* a replay: the block standing for it */
    uint64_t size;  /* a replay: its requested size */
    int16_t slot;   /* a conversion: the program's slot, or ADDRESS_LEFT_OUT */
    uint8_t thread; /* a conversion: the program thread that made it */
};
#define ADDRESS_LEFT_OUT (-1)
struct address_map {
    struct address_entry *entries;
    size_t capacity, count;
};
void address_map_init(struct address_map *m);
void address_map_release(struct address_map *m);
struct address_entry *address_find(struct address_map *m, uint64_t ptr);
/* The entry for ptr, added when missing (ptr != 0). */
struct address_entry *address_add(struct address_map *m, uint64_t ptr);
void address_remove(struct address_map *m, uint64_t ptr);

/* ---- trace_convert.c: a trace as a program of the harness ---- */

/* What converting left out or changed, so that a reader of the program
 * knows how it differs from the process. */
struct trace_conversion {
    uint64_t calls;               /* allocation calls read */
    uint64_t operations;          /* operations written */
    uint64_t unmatched_frees;     /* free/realloc of a pointer the trace never gave out */
    uint64_t first_unmatched_seq; /* the first of them (when unmatched_frees) */
    uint64_t first_unmatched_ptr;
    uint64_t null_frees;     /* free(NULL): nothing to do */
    uint64_t evictions;      /* blocks freed early to make room in the slots */
    uint64_t left_out;       /* calls on evicted or unmatched blocks, skipped */
    uint64_t folded_threads; /* threads that had to share a program thread */
    uint64_t restarts;       /* program threads reused by a later thread */
    uint64_t marks;
    uint64_t max_live_blocks; /* most blocks the process held at once */
    uint64_t threads;         /* threads the process had */
    bool limited;             /* it stopped at max_operations */
};

/* Writes the program of r's events, as text, to fd, stopping after
 * max_operations of them (0: none); false on a write error. */
bool trace_convert(struct trace_reader *r, int fd, uint64_t max_operations,
                   struct trace_conversion *c);

/* ---- trace_seeds.c: a converted trace as fuzz seeds ---- */

/* Operations per seed: with the binary form's header, within the campaign's
 * input length (fuzzers/campaign/engine.c). */
#define TRACE_SEED_OPERATIONS 2000
/* Cuts the program in PROGRAM_PATH (text) into seeds in DIR, named after
 * the trace; says how many on stderr. Returns the exit status. */
int trace_write_seeds(const char *program_path, const char *trace_path, const char *dir);

/* ---- record_drain.c: gauntlet record empties the program's rings into the trace ---- */

/* Appends what every ring holds to the trace (fd); returns how many bytes
 * it took. */
uint64_t record_drain(struct trace_shared *shared, int fd);

/* ---- the commands (cmd_record.c, cmd_trace.c) are declared in cli.h ---- */

#endif
