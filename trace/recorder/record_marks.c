/*
 * record_marks.c — phase marks: the points of the program's life a trace's
 * reader measures at (start-up done, after N requests). A mark comes from
 * the mark signal (`kill -USR2 PID`), from every K events (--mark-every),
 * or from the program itself through gauntlet_mark(label).
 */
#include "recorder.h"

#include <signal.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t next_mark_number(void)
{
    return atomic_fetch_add((_Atomic uint32_t *)&settings.shared->next_mark, 1) + 1;
}

static void put_label(struct trace_record *r, const char *label)
{
    char text[16] = {0};
    strncpy(text, label, sizeof text - 1);
    memcpy(&r->ptr_in, text, sizeof text); /* ptr_in and ptr_out: the label */
}

/* The process's resident bytes now, from /proc/self/statm, with calls a
 * signal handler may make (a sample from outside may be 10 ms old, and an
 * allocator can give back megabytes in that time). 0 when unreadable. */
static uint64_t resident_now(void)
{
    char text[128];
    int saved = errno; /* the program's, whatever open and read do */
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (fd >= 0) close(fd);
    errno = saved;
    if (n <= 0) return 0;
    text[n] = '\0';
    const char *c = strchr(text, ' '); /* size, then resident, in pages */
    uint64_t pages = 0;
    for (c = c ? c + 1 : text + n; *c >= '0' && *c <= '9'; c++)
        pages = pages * 10 + (uint64_t)(*c - '0');
    return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

void record_mark(enum trace_mark_source source, const char *label)
{
    if (!settings.active) return;
    struct trace_record r = {.event = TRACE_MARK, .result = (uint16_t)source};
    r.extra = next_mark_number();
    r.size = resident_now();
    put_label(&r, label ? label : "");
    record_event(&r);
}

/* Only async-signal-safe calls: the mark is written alone, at once. */
static void on_mark_signal(int signal_number)
{
    (void)signal_number;
    struct trace_record r = {.event = TRACE_MARK, .result = TRACE_MARK_SIGNAL};
    r.seq = record_next_seq();
    r.time_ns = record_now_ns();
    r.extra = next_mark_number();
    r.size = resident_now();
    put_label(&r, "signal");
    record_write_one(&r, TRACE_WRITER_ALONE);
}

void record_marks_setup(void)
{
    const char *name = getenv(TRACE_ENV_MARK_SIGNAL);
    int number = name ? atoi(name) : 0;
    if (!settings.active || number <= 0) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_mark_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(number, &sa, NULL);
}

/* The program's own marks: `void gauntlet_mark(const char *label)`, found
 * with dlsym(RTLD_DEFAULT, "gauntlet_mark") so that the program runs
 * unchanged without the recorder. */
RECORDER_EXPORT void gauntlet_mark(const char *label)
{
    if (recorder_ready()) record_mark(TRACE_MARK_API, label);
}
