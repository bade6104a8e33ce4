/*
 * recorder.h — the one internal header of the recording library
 * (libgauntlet-record.so, preloaded by `gauntlet record`), a section per
 * file. The library sits between the program and the allocator that serves
 * it (the next definition of each call, so the program's own allocator is
 * unchanged), numbers every call and hands it to the trace through
 * per-thread buffers and rings that `gauntlet record` empties
 * (trace_format.h; trace/TRACE.md).
 *
 * Nothing here may call malloc: the library's memory is static or mmap'd,
 * and the calls it makes (clock_gettime, writev, open, mmap) allocate
 * nothing.
 */
#ifndef GAUNTLET_RECORDER_H
#define GAUNTLET_RECORDER_H

#include "trace_format.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define RECORDER_EXPORT __attribute__((visibility("default")))

/* ---- record_init.c: the real calls, start-up, settings ---- */

struct real_calls {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    void (*free_sized)(void *, size_t);
    void (*free_aligned_sized)(void *, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execv)(const char *, char *const[]);
    int (*execvp)(const char *, char *const[]);
    void (*_exit)(int);
};
extern struct real_calls real;

struct recorder_settings {
    bool active; /* this process is the one recorded, and the trace is open */
    int fd;      /* the trace, opened for appending */
    struct trace_shared *shared;
    unsigned long mark_every; /* 0: no marks by count */
    bool unbuffered;          /* after the end record: each record written at once */
};
extern struct recorder_settings settings;

/* True once the real calls are known; false only while they are being
 * looked up (then the calling thread is served from the start-up arena).
 * Inline: every call of the program passes here. */
enum { RECORDER_NOT_STARTED, RECORDER_LOOKING_UP, RECORDER_READY };
extern _Atomic int recorder_state;
bool recorder_start_up(void);
static inline bool recorder_ready(void)
{
    return atomic_load_explicit(&recorder_state, memory_order_acquire) == RECORDER_READY ||
           recorder_start_up();
}
/* The start-up arena: memory for the calls the lookup itself makes. */
void *bootstrap_alloc(size_t size, size_t align);
bool bootstrap_owns(const void *p);
size_t bootstrap_size(const void *p);

/* ---- record_buffers.c: per-thread buffers and the trace file ---- */

/* Appends one record for the calling thread (its buffer, or a write of
 * its own when none is free); fills seq, time and thread. Keeps errno. */
void record_event(struct trace_record *r);
/* The same for a call, its fields given: written straight into the
 * thread's buffer when it has one (a record built on the stack and copied
 * stalled on store forwarding: a tenth of a call's cost). */
void record_call_event(uint8_t event, uint64_t ptr_in, uint64_t ptr_out, uint64_t size,
                       uint64_t extra, uint16_t result, uint8_t err);
/* Writes out every buffer's records (the process is about to exit or
 * exec). */
void record_flush_all(void);
/* The calling thread ends: its exit is recorded and its buffer written out. */
void record_thread_exit(void *unused);
/* The key whose destructor tells a thread's exit. */
void record_buffers_setup(void);
/* A record written out at once, alone (signal handler, end). */
void record_write_one(struct trace_record *r, enum trace_writer writer);
uint64_t record_now_ns(void);
uint64_t record_next_seq(void);

/* ---- record_marks.c: phase marks ---- */

void record_mark(enum trace_mark_source source, const char *label);
void record_marks_setup(void); /* the mark signal's handler */

#endif
