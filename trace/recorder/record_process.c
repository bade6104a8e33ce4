/*
 * record_process.c — the recorded process's life: start (the constructor
 * sets up thread ends and marks), fork (the child runs unrecorded, and the
 * trace says a fork happened), exec (the buffers are written out first; the
 * new image goes on numbering from the shared counter) and exit, by
 * exit() or _exit() (every
 * buffer written out, then the end record, which says how many events the
 * process numbered, so that a reader can tell a complete trace).
 */
#include "recorder.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdbool.h>

static bool ended;

static void forked_parent(void)
{
    struct trace_record r = {.event = TRACE_FORK};
    record_event(&r);
}

static void forked_child(void)
{
    settings.active = false; /* the buffers it inherited are the parent's to write */
}

/* The file name of the library whose malloc this process calls. */
static const char *serving_library(void)
{
    Dl_info where;
    if (!dladdr((void *)real.malloc, &where) || where.dli_fname == NULL) return "?";
    const char *slash = strrchr(where.dli_fname, '/');
    return slash ? slash + 1 : where.dli_fname;
}

/* Asked without a trace: one line, "PID LIBRARY", appended at once. */
static void say_served_by(const char *path)
{
    char line[300];
    int n = snprintf(line, sizeof line, "%d %s\n", (int)getpid(), serving_library());
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (write(fd, line, (size_t)n) != n) { /* the asker then finds no line, and says so */
    }
    close(fd);
}

/* Which library serves malloc: a program linked against an allocator keeps
 * it whatever was asked, and a reader must not take it for another. */
static void record_allocator(void)
{
    const char *name = serving_library();
    struct trace_record r = {.event = TRACE_ALLOCATOR, .time_ns = record_now_ns()};
    char text[32] = {0};
    strncpy(text, name, sizeof text - 1);
    memcpy(&r.ptr_in, text, sizeof text); /* ptr_in, ptr_out, size and extra */
    r.seq = record_next_seq();
    /* Alone and at once: a reader finds the last image's from the chunk
     * headers, without reading the records. */
    record_write_one(&r, TRACE_WRITER_ALONE);
}

__attribute__((constructor)) static void recorder_start(void)
{
    recorder_ready();
    const char *served_by = getenv(TRACE_ENV_SERVED_BY);
    if (served_by) say_served_by(served_by);
    if (!settings.active) return;
    record_buffers_setup();
    record_marks_setup();
    pthread_atfork(NULL, forked_parent, forked_child);
    record_allocator();
}

__attribute__((destructor)) static void recorder_end(void)
{
    if (!settings.active || ended) return;
    ended = true;
    settings.unbuffered = true; /* first: what other threads record from now is written at once */
    record_flush_all();
    struct trace_record end = {.event = TRACE_END, .time_ns = record_now_ns()};
    end.seq = record_next_seq();
    end.size = end.seq + 1;
    record_write_one(&end, TRACE_WRITER_ALONE);
    /* Calls after this (later destructors) are written one by one. */
}

/* Programs that end through _exit (shells do) skip the destructors: the
 * end is recorded here first. */
RECORDER_EXPORT _Noreturn void _exit(int status)
{
    if (recorder_ready()) recorder_end();
    real._exit(status);
    __builtin_unreachable();
}

RECORDER_EXPORT _Noreturn void _Exit(int status)
{
    _exit(status);
}

static void before_exec(void)
{
    if (recorder_ready()) record_flush_all();
}

RECORDER_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    before_exec();
    return real.execve(path, argv, envp);
}

RECORDER_EXPORT int execv(const char *path, char *const argv[])
{
    before_exec();
    return real.execv(path, argv);
}

RECORDER_EXPORT int execvp(const char *file, char *const argv[])
{
    before_exec();
    return real.execvp(file, argv);
}
