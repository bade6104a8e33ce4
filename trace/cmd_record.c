/*
 * cmd_record.c — `gauntlet record [-o TRACE] [options] -- CMD [ARGS...]`:
 * runs CMD with the recording library preloaded (its own allocator still
 * serves it), samples its RSS from outside at 100 Hz into the same trace,
 * and says at the end what the trace holds and whether it is complete.
 * Exit 0: the program ran and its trace is whole (whatever its own exit
 * status, which is printed); 2: usage error, the program could not start,
 * or it ended without its trace being complete (killed, crashed): the
 * trace is kept, readable up to its last whole record.
 */
#include "cli.h"
#include "trace.h"
#include "trace_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_PER_CHUNK 128

static void print_help(void)
{
    printf("usage: gauntlet record [-o TRACE] [--alloc NAME] [--mark-signal SIG] [--mark-every K]\n"
           "                       [--rss-hz N] -- CMD [ARGS...]\n"
           "\n"
           "Runs CMD (searched in PATH, no shell) and records every allocation call it makes:\n"
           "thread, order, time, the call, its sizes and alignment, the pointers in and out,\n"
           "the result and errno; thread starts and ends, forks, phase marks, and the\n"
           "process's RSS sampled from outside. CMD's own allocator serves it, or the one\n"
           "--alloc names (preloaded). Standard input and output are CMD's.\n"
           "Only the process started is recorded (and what it execs into), not its children.\n"
           "The trace's format: trace/TRACE.md. `gauntlet trace` reads it.\n"
           "\n"
           "  -o TRACE           where the trace goes (gauntlet.trace)\n"
           "  --alloc NAME       run CMD on this allocator (jemalloc, mimalloc, tcmalloc,\n"
           "                     so:PATH; glibc: CMD's own): its RSS samples are then the\n"
           "                     real process's figures under NAME\n"
           "  --mark-signal SIG  a phase mark each time CMD gets SIG (USR2, or a number):\n"
           "                     `kill -USR2 PID`, to CMD or to gauntlet record\n"
           "  --mark-every K     a phase mark every K events\n"
           "  --rss-hz N         RSS samples per second (100; 0: none)\n"
           "CMD may mark phases itself: dlsym(RTLD_DEFAULT, \"gauntlet_mark\") gives\n"
           "void gauntlet_mark(const char *label) while it is recorded.\n"
           "\n"
           "Exit status: 0 the trace is whole (CMD's own status is printed); 2 usage error, CMD\n"
           "could not start, or CMD ended before its trace was whole (the trace is kept).\n");
}

struct record_options {
    const char *out;
    const char *preload;  /* --alloc's library to preload, or NULL */
    const char *expected; /* the library --alloc means to serve malloc, or NULL (none asked) */
    int mark_signal;
    uint64_t mark_every, rss_hz;
    char **command;
};

static int parse_signal(const char *text)
{
    static const struct {
        const char *name;
        int number;
    } names[] = {{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP}, {"WINCH", SIGWINCH}};
    const char *name = strncmp(text, "SIG", 3) == 0 ? text + 3 : text;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i].name) == 0) return names[i].number;
    uint64_t n;
    if (parse_u64_arg(text, &n) && n > 0 && n < 65 && n != SIGKILL && n != SIGSTOP) return (int)n;
    usage_error("record",
                "--mark-signal '%s' is not a signal a mark can use (USR1, USR2, HUP, "
                "WINCH or a number)",
                text);
}

/* The library LD_PRELOAD needs for NAME (NULL for glibc: the process's own). */
static const char *allocator_preload(const char *name)
{
    if (strncmp(name, "so:", 3) == 0) {
        static char path[4096];
        if (realpath(name + 3, path) == NULL)
            usage_error("record", "--alloc %s: %s", name, strerror(errno));
        return path;
    }
    if (!allocator_is_named(name))
        usage_error("record",
                    "--alloc '%s': not an allocator (glibc, jemalloc, mimalloc, tcmalloc, "
                    "so:PATH)",
                    name);
    return strcmp(name, "glibc") == 0 ? NULL : allocator_soname(name);
}

static void parse(int argc, char **argv, struct record_options *o)
{
    *o = (struct record_options){.out = "gauntlet.trace", .rss_hz = 100};
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (is_help(a)) {
            print_help();
            exit(0);
        } else if (strcmp(a, "-o") == 0 && has_value) {
            o->out = argv[++i];
        } else if (strcmp(a, "--alloc") == 0 && has_value) {
            o->preload = allocator_preload(argv[++i]);
            o->expected = o->preload ? o->preload : allocator_soname("glibc");
        } else if (strcmp(a, "--mark-signal") == 0 && has_value) {
            o->mark_signal = parse_signal(argv[++i]);
        } else if (strcmp(a, "--mark-every") == 0 && has_value) {
            if (!parse_u64_arg(argv[++i], &o->mark_every) || o->mark_every == 0)
                usage_error("record", "--mark-every needs a count above 0");
        } else if (strcmp(a, "--rss-hz") == 0 && has_value) {
            if (!parse_u64_arg(argv[++i], &o->rss_hz) || o->rss_hz > 1000)
                usage_error("record", "--rss-hz needs 0..1000");
        } else if (a[0] == '-') {
            usage_error("record", "unknown option '%s' (or it lacks its value)", a);
        } else {
            break; /* the command, without a "--" */
        }
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) usage_error("record", "no command to record (gauntlet record -- CMD ARGS...)");
    o->command = argv + i;
}

/* ---- the trace's file, header and shared counters ---- */

static int create_trace(const struct record_options *o, uint64_t start_ns)
{
    int fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) usage_error("record", "cannot create %s: %s", o->out, strerror(errno));
    struct trace_file_header h = {
        .version = TRACE_VERSION, .record_size = sizeof(struct trace_record), .start_ns = start_ns};
    memcpy(h.magic, TRACE_MAGIC, TRACE_MAGIC_LEN);
    size_t used = 0;
    for (char **a = o->command; *a && used + 1 < sizeof h.command; a++)
        used += (size_t)snprintf(h.command + used, sizeof h.command - used, "%s%s",
                                 a == o->command ? "" : " ", *a);
    if (write(fd, &h, sizeof h) != (ssize_t)sizeof h)
        usage_error("record", "cannot write %s: %s", o->out, strerror(errno));
    return fd;
}

static struct trace_shared *create_shared(char *path, size_t path_len)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    path_printf(path, path_len, "%s/gauntlet-record-XXXXXX", dir);
    int fd = mkstemp(path);
    /* Sparse: a ring's pages are taken as it is used. */
    if (fd < 0 || ftruncate(fd, sizeof(struct trace_shared)) != 0)
        usage_error("record", "cannot create the rings' file in %s: %s", dir, strerror(errno));
    void *map = mmap(NULL, sizeof(struct trace_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) usage_error("record", "cannot map %s: %s", path, strerror(errno));
    return map;
}

/* ---- the program ---- */

struct launch {
    const struct record_options *options;
    const char *trace_path, *shared_path;
};

static void set_env_number(const char *name, uint64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)value);
    setenv(name, text, 1);
}

/* In the forked child: the environment the recorder reads, then CMD. */
static int launch_program(void *arg)
{
    const struct launch *l = arg;
    /* The recorder first, so that it stands in front of the allocator. */
    const char *preload = getenv("LD_PRELOAD"), *alloc = l->options->preload;
    char value[8192];
    snprintf(value, sizeof value, "%s%s%s%s%s", recorder_path(), alloc ? ":" : "",
             alloc ? alloc : "", preload && *preload ? ":" : "", preload ? preload : "");
    setenv("LD_PRELOAD", value, 1);
    setenv(TRACE_ENV_PATH, l->trace_path, 1);
    setenv(TRACE_ENV_SHARED, l->shared_path, 1);
    set_env_number(TRACE_ENV_PID, (uint64_t)getpid());
    if (l->options->mark_signal)
        set_env_number(TRACE_ENV_MARK_SIGNAL, (uint64_t)l->options->mark_signal);
    if (l->options->mark_every) set_env_number(TRACE_ENV_MARK_EVERY, l->options->mark_every);
    execvp(l->options->command[0], l->options->command);
    fprintf(stderr, "gauntlet record: cannot run %s: %s\n", l->options->command[0],
            strerror(errno));
    return 127;
}

static volatile sig_atomic_t program_pid;

/* A mark signal sent to gauntlet record goes on to the program. */
static void forward_mark(int signal_number)
{
    if (program_pid > 0) kill((pid_t)program_pid, signal_number);
}

/* ---- RSS from outside ---- */

struct sampler {
    int fd;
    pid_t pid;
    const struct trace_shared *shared;
    struct trace_record samples[SAMPLES_PER_CHUNK];
    uint32_t count;
};

static void write_samples(struct sampler *s)
{
    if (s->count == 0) return;
    struct trace_chunk_header h;
    static uint8_t packed[SAMPLES_PER_CHUNK * TRACE_PACKED_MAX];
    trace_pack_chunk(&h, s->samples, s->count, TRACE_WRITER_SAMPLER, 0, packed);
    /* One write: the program's threads append to the same file meanwhile. */
    struct iovec v[2] = {{&h, sizeof h}, {packed, h.bytes}};
    if (writev(s->fd, v, 2) != (ssize_t)(v[0].iov_len + v[1].iov_len))
        fprintf(stderr, "gauntlet record: cannot write RSS samples: %s\n", strerror(errno));
    s->count = 0;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sample(struct sampler *s)
{
    char path[64], text[128];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)s->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return;
    text[n] = '\0';
    unsigned long long size_pages, resident_pages;
    if (sscanf(text, "%llu %llu", &size_pages, &resident_pages) != 2) return;
    struct trace_record *r = &s->samples[s->count++];
    *r = (struct trace_record){.event = TRACE_RSS,
                               .seq = __atomic_load_n(&s->shared->next_seq, __ATOMIC_RELAXED),
                               .time_ns = monotonic_ns(),
                               .size = resident_pages * (uint64_t)sysconf(_SC_PAGESIZE)};
    if (s->count == SAMPLES_PER_CHUNK) write_samples(s);
}

/* ---- while the program runs ---- */

/* Empties the rings as the program fills them and samples its RSS, until
 * it ends (then empties them once more: nothing it put into them is lost)
 * or a stop signal comes. Between rounds that found nothing it sleeps,
 * longer each time up to 1 ms, so that an idle program costs little and a
 * busy one rarely finds its ring full. */
static void follow(struct process *p, struct sampler *s, struct trace_shared *shared,
                   uint64_t rss_hz)
{
    uint64_t period_ns = rss_hz ? 1000000000u / rss_hz : 0, next_sample = monotonic_ns();
    long idle_ns = 20000;
    for (;;) {
        bool ended = process_await(p, 0);
        if (!ended && p->stop_signal) break;
        uint64_t taken = record_drain(shared, s->fd);
        if (ended) {
            record_drain(shared, s->fd);
            break;
        }
        if (period_ns && monotonic_ns() >= next_sample) {
            sample(s);
            next_sample += period_ns;
        }
        if (taken) {
            idle_ns = 20000;
            continue;
        }
        struct timespec pause = {0, idle_ns};
        nanosleep(&pause, NULL);
        idle_ns = idle_ns * 2 > 1000000 ? 1000000 : idle_ns * 2;
    }
    write_samples(s);
}

/* ---- the end: what the trace holds ---- */

static void describe_end(int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fprintf(stderr, "gauntlet record: the program exited with status %d\n",
                WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        fprintf(stderr, "gauntlet record: the program was killed by signal %d (%s)\n",
                WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* True when the trace is whole: every numbered event there, and the end. */
/* Says which library served malloc (in the last image: the program a
 * wrapper exec'd into), and warns when it is not the one --alloc asked for:
 * a program linked against an allocator keeps it, and its figures are then
 * that allocator's. */
static void say_allocator(const struct trace_info *i, const char *expected)
{
    if (i->allocator[0] == '\0') return;
    fprintf(stderr, "gauntlet record: malloc served by %s\n", i->allocator);
    const char *slash = expected ? strrchr(expected, '/') : NULL;
    const char *want = slash ? slash + 1 : expected;
    if (want && strcmp(i->allocator, want) != 0)
        fprintf(stderr,
                "gauntlet record: warning: not %s, which was asked for: the program brings its "
                "own allocator, and the trace's RSS is that allocator's\n",
                want);
}

static bool summarize(const char *path, int status, const char *program, const char *expected)
{
    struct trace_reader r;
    char err[512];
    if (!trace_open(path, &r, err, sizeof err)) {
        fprintf(stderr, "gauntlet record: %s\n", err);
        return false;
    }
    const struct trace_info *i = &r.info;
    if (i->events == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fprintf(stderr, "gauntlet record: %s could not start; nothing recorded\n", program);
        trace_close(&r);
        return false;
    }
    describe_end(status);
    say_allocator(i, expected);
    uint64_t missing = i->numbered > i->events ? i->numbered - i->events : 0;
    fprintf(stderr, "gauntlet record: %s: %llu events, %llu RSS samples", path,
            (unsigned long long)i->events, (unsigned long long)i->rss_samples);
    if (i->ended && missing == 0 && !i->cut)
        fprintf(stderr, "; complete\n");
    else
        fprintf(stderr, "; NOT complete: %s%llu of %llu numbered events missing%s\n",
                i->ended ? "" : "no end record (the process did not exit normally), ",
                (unsigned long long)missing, (unsigned long long)i->numbered,
                i->cut ? ", the file is cut short" : "");
    bool whole = i->ended && missing == 0 && !i->cut;
    trace_close(&r);
    return whole;
}

int cmd_record(int argc, char **argv)
{
    struct record_options o;
    parse(argc, argv, &o);
    if (access(recorder_path(), R_OK) != 0)
        usage_error("record", "the recording library %s is missing (make builds it)",
                    recorder_path());
    char shared_path[4096];
    struct sampler s = {.fd = create_trace(&o, monotonic_ns())};
    struct trace_shared *shared = create_shared(shared_path, sizeof shared_path);
    s.shared = shared;
    struct launch l = {&o, o.out, shared_path};
    struct process p = {.call = launch_program, .arg = &l, .keeps_stdin = true};
    if (!process_start(&p)) {
        unlink(shared_path);
        usage_error("record", "cannot start %s: %s", o.command[0], strerror(errno));
    }
    s.pid = p.pid;
    program_pid = p.pid;
    if (o.mark_signal) signal(o.mark_signal, forward_mark);
    fprintf(stderr, "gauntlet record: recording %s as PID %d into %s\n", o.command[0], (int)p.pid,
            o.out);
    if (o.mark_signal)
        fprintf(stderr, "gauntlet record: a mark: kill -%d %d (or the same to PID %d)\n",
                o.mark_signal, (int)p.pid, (int)getpid());
    follow(&p, &s, shared, o.rss_hz);
    unlink(shared_path);
    if (p.stop_signal) {
        process_stop(&p);
        record_drain(shared, s.fd);
        close(s.fd);
        fprintf(stderr, "gauntlet record: stopped by signal %d; the trace is kept\n",
                p.stop_signal);
        summarize(o.out, p.status, o.command[0], o.expected);
        process_honour_stop(&p);
        return EXIT_USAGE;
    }
    close(s.fd);
    return summarize(o.out, p.status, o.command[0], o.expected) ? 0 : EXIT_USAGE;
}
