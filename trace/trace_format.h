/*
 * trace_format.h — the layout of a trace file (trace/TRACE.md says it in
 * words), shared by the recorder that writes it (trace/recorder/) and the
 * reader (trace_read.c), so that the two cannot disagree. Plain C, no
 * Gauntlet headers: the recorder is a library of its own.
 *
 * A trace is a file header, then chunks appended by any number of writers
 * (each recorded thread, the signal handler, `gauntlet record` itself),
 * each chunk a header and its records, packed (trace_codec.h). All
 * integers are little-endian.
 */
#ifndef GAUNTLET_TRACE_FORMAT_H
#define GAUNTLET_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC         "GAUNTLET-TRACE\n" /* 15 bytes and its NUL */
#define TRACE_MAGIC_LEN     16
#define TRACE_VERSION       2
#define TRACE_CHUNK_MAGIC   0x4b4e4843u /* "CHNK" */
#define TRACE_COMMAND_BYTES 472

/* Written once by `gauntlet record` before the program starts. */
struct trace_file_header {
    char magic[TRACE_MAGIC_LEN];
    uint32_t version;
    uint32_t record_size;              /* sizeof(struct trace_record), checked by the reader */
    uint64_t pid;                      /* the recorded process */
    uint64_t start_ns;                 /* CLOCK_MONOTONIC when recording began */
    char command[TRACE_COMMAND_BYTES]; /* the command line, cut to fit, NUL-terminated */
};

enum trace_writer {
    TRACE_WRITER_THREAD = 0,  /* a recorded thread's buffer */
    TRACE_WRITER_ALONE = 1,   /* a record written alone: a signal mark, the end */
    TRACE_WRITER_SAMPLER = 2, /* `gauntlet record`: RSS samples */
};

#define TRACE_CHUNK_HAS_END       1u /* flags: the end record is in it */
#define TRACE_CHUNK_HAS_ALLOCATOR 2u /* flags: an allocator record is in it */

struct trace_chunk_header {
    uint32_t magic;  /* TRACE_CHUNK_MAGIC */
    uint32_t count;  /* records that follow */
    uint32_t writer; /* enum trace_writer */
    uint32_t thread; /* the writer's thread number (0 for the sampler) */
    uint32_t bytes;  /* the packed records' length */
    uint32_t flags;
    uint64_t first_seq, last_seq; /* of its records: the reader's index needs no record */
};

/* What a record says happened. The calls keep their C names' order. */
#define TRACE_EVENTS(X)                                                                            \
    X(TRACE_MALLOC, "malloc")                                                                      \
    X(TRACE_CALLOC, "calloc")                                                                      \
    X(TRACE_REALLOC, "realloc")                                                                    \
    X(TRACE_REALLOCARRAY, "reallocarray")                                                          \
    X(TRACE_FREE, "free")                                                                          \
    X(TRACE_FREE_SIZED, "free_sized")                                                              \
    X(TRACE_FREE_ALIGNED_SIZED, "free_aligned_sized")                                              \
    X(TRACE_ALIGNED_ALLOC, "aligned_alloc")                                                        \
    X(TRACE_POSIX_MEMALIGN, "posix_memalign")                                                      \
    X(TRACE_MEMALIGN, "memalign")                                                                  \
    X(TRACE_VALLOC, "valloc")                                                                      \
    X(TRACE_PVALLOC, "pvalloc")                                                                    \
    X(TRACE_USABLE_SIZE, "malloc_usable_size")                                                     \
    X(TRACE_THREAD_START, "thread-start")                                                          \
    X(TRACE_THREAD_EXIT, "thread-exit")                                                            \
    X(TRACE_FORK, "fork")                                                                          \
    X(TRACE_MARK, "mark")                                                                          \
    X(TRACE_RSS, "rss")                                                                            \
    X(TRACE_END, "end")                                                                            \
    X(TRACE_ALLOCATOR, "allocator")

enum trace_event {
#define TRACE_EVENT_ENUM(event, name) event,
    TRACE_EVENTS(TRACE_EVENT_ENUM)
#undef TRACE_EVENT_ENUM
        TRACE_EVENT_COUNT
};

/* Where a mark came from (the record's result field). */
enum trace_mark_source { TRACE_MARK_SIGNAL = 1, TRACE_MARK_EVERY = 2, TRACE_MARK_API = 3 };

/* One event, as the recorder and the reader hold it (the file has it
 * packed). What each field holds per event is in TRACE.md; in short:
 * calls: ptr_in the pointer given, ptr_out the pointer returned, size the
 * byte count (calloc, reallocarray: the element size), extra the count
 * (calloc, reallocarray), the alignment (aligned calls, free_aligned_sized)
 * or the usable size returned; result posix_memalign's return; err errno
 * after a failed call. mark: extra its number, result its source, size the
 * process's resident bytes then, ptr_in and ptr_out its label (16 bytes).
 * rss: size the bytes resident. thread-start: extra the kernel's thread id.
 * end: size the events the process numbered. allocator (each image's
 * first): the 32 bytes from ptr_in on, the file name of the library whose
 * malloc serves the process.
 */
struct trace_record {
    uint64_t seq;     /* the event's place in the process's order (dense from 0) */
    uint64_t time_ns; /* CLOCK_MONOTONIC */
    uint64_t ptr_in;
    uint64_t ptr_out;
    uint64_t size;
    uint64_t extra;
    uint32_t thread; /* the recorder's number for the thread, from 1 */
    uint8_t event;   /* enum trace_event */
    uint8_t err;
    uint16_t result;
};

_Static_assert(sizeof(struct trace_record) == 56, "the record is 56 bytes on every build");
_Static_assert(sizeof(struct trace_chunk_header) == 40, "the chunk header is 40 bytes");
_Static_assert(sizeof(struct trace_file_header) == 512, "the file header is 512 bytes");

/* Where a recorded thread's chunks go: a stream of bytes of its own (a
 * ring) in a file it shares with `gauntlet record`, which appends them to
 * the trace. So the program pays for packing a chunk and copying it in,
 * and gauntlet record, on another core, for the file system's write. The
 * thread whose buffer is the ring's i-th writes to ring i (one at a time:
 * a thread's buffer is locked while it is written out). A chunk that does
 * not fit (gauntlet record is behind, or gone) is written to the trace by
 * the thread itself. head and tail count bytes since the ring was made:
 * writers alone move head, gauntlet record alone moves tail. */
#define TRACE_RING_BYTES (256u << 10) /* a power of two, above the largest chunk */
#define TRACE_RINGS      256u         /* buffers with a ring; others write their chunks */

struct trace_ring {
    _Alignas(64) uint64_t head; /* atomic: bytes put in (whole chunks only) */
    _Alignas(64) uint64_t tail; /* atomic: bytes taken out (its own cache line) */
    _Alignas(64) uint8_t bytes[TRACE_RING_BYTES];
};

/* The file every recorded image of the process maps, with `gauntlet
 * record`: the counters (so that numbering goes on across an exec and the
 * sampler can place its samples in the order) and the rings. It is
 * sparse: a ring's pages are taken as it is used. */
struct trace_shared {
    _Alignas(64) uint64_t next_seq;    /* atomic; alone on its cache line: every call takes one */
    _Alignas(64) uint32_t next_thread; /* atomic */
    uint32_t next_mark;                /* atomic */
    uint32_t rings_used;               /* atomic: one more than the highest ring written to */
    struct trace_ring rings[TRACE_RINGS];
};

/* The environment `gauntlet record` gives the program. */
#define TRACE_ENV_PATH        "GAUNTLET_TRACE_FILE"   /* the trace, opened for appending */
#define TRACE_ENV_SHARED      "GAUNTLET_TRACE_SHARED" /* the counters and rings (trace_shared) */
#define TRACE_ENV_PID         "GAUNTLET_TRACE_PID"    /* only this process is recorded */
#define TRACE_ENV_MARK_SIGNAL "GAUNTLET_TRACE_MARK_SIGNAL"
#define TRACE_ENV_MARK_EVERY  "GAUNTLET_TRACE_MARK_EVERY"
/* Without a trace: each process that loads the library appends "PID LIBRARY"
 * (the file name of the library serving its malloc) to this file, and
 * records nothing (`gauntlet stress --cmd` asks it which allocator served). */
#define TRACE_ENV_SERVED_BY "GAUNTLET_SERVED_BY"

#endif
