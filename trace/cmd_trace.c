/*
 * cmd_trace.c — `gauntlet trace [--info] TRACE [-o PROGRAM | --seeds DIR]`: a recorded
 * trace turned into a program of the harness (text form), which `gauntlet
 * run` checks against any allocator, and `minimize`, `reproducer` and
 * `fuzz` (as a seed) take like any program; or, with --info, what the
 * trace holds. Whatever the conversion changed or left out is said.
 * Exit 0: converted (a trace cut short converts up to its last whole
 * record, with a warning); 2: usage error, or not a readable trace.
 */
#include "cli.h"
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_help(void)
{
    printf("usage: gauntlet trace TRACE [-o PROGRAM]\n"
           "       gauntlet trace --info TRACE\n"
           "\n"
           "Converts a trace written by `gauntlet record` into a program (text form; stdout\n"
           "without -o), one operation per allocation call, in the order the process made\n"
           "them, on the thread that made it: `gauntlet run --alloc NAME PROGRAM` then checks\n"
           "the real program's calls against any allocator. A program has %d threads and %d\n"
           "slots: threads beyond %d alive at once share one; when more than %d blocks are\n"
           "live, slots are reclaimed in turn (the block is freed early, the process's later\n"
           "calls on it left out). Frees of pointers the trace never gave out are skipped.\n"
           "Each of these is counted on stderr. Marks become comments.\n"
           "\n"
           "  -o PROGRAM   where the program goes (written atomically)\n"
           "  --limit N    the first N operations only (a program `run` holds whole)\n"
           "  --seeds DIR  fuzz seeds instead: the program cut into pieces of %d operations,\n"
           "               in binary form, for `gauntlet fuzz --corpus DIR`\n"
           "  --seed-count K  at most K seeds, from the trace's start (32)\n"
           "  --info       what the trace holds: calls by kind, threads, marks with the RSS\n"
           "               at each, whether it is complete; converts nothing\n"
           "\n"
           "Exit status: 0 fine (a trace cut short is read to its last whole record, with a\n"
           "warning); 2 usage error, or TRACE is not a readable trace.\n",
           GAUNTLET_MAX_THREADS, GAUNTLET_MAX_SLOTS, GAUNTLET_MAX_THREADS, GAUNTLET_MAX_SLOTS,
           TRACE_SEED_OPERATIONS);
}

static void open_or_die(const char *path, struct trace_reader *r)
{
    char err[1024];
    if (!trace_open(path, r, err, sizeof err)) {
        fprintf(stderr, "gauntlet trace: %s\n", err);
        exit(EXIT_USAGE);
    }
}

/* What makes a trace less than the whole process: said before anything. */
static void warn_incomplete(const struct trace_reader *r)
{
    const struct trace_info *i = &r->info;
    uint64_t missing = i->numbered > i->events ? i->numbered - i->events : 0;
    if (i->cut)
        fprintf(stderr,
                "gauntlet trace: warning: %s is cut short at byte %llu (its writer was killed, or "
                "the disk filled): read up to its last whole record\n",
                r->path, (unsigned long long)i->cut_at);
    if (missing)
        fprintf(stderr,
                "gauntlet trace: warning: %llu of the %llu events the process numbered are not in "
                "the trace (threads still running when it ended, or it was killed)\n",
                (unsigned long long)missing, (unsigned long long)i->numbered);
    else if (!i->ended && !i->cut)
        fprintf(stderr,
                "gauntlet trace: warning: %s has no end record: the process did not exit "
                "normally (or is still running)\n",
                r->path);
}

struct conversion_job {
    struct trace_reader *reader;
    uint64_t limit;
    struct trace_conversion *stats;
};

static bool write_program(int fd, const void *context)
{
    const struct conversion_job *job = context;
    return trace_convert(job->reader, fd, job->limit, job->stats);
}

static void print_conversion(const struct trace_conversion *c)
{
    fprintf(stderr, "gauntlet trace: %llu calls from %llu threads → %llu operations; %llu marks\n",
            (unsigned long long)c->calls, (unsigned long long)c->threads,
            (unsigned long long)c->operations, (unsigned long long)c->marks);
    if (c->unmatched_frees)
        fprintf(stderr,
                "gauntlet trace: %llu frees or reallocs of pointers the trace never gave out were "
                "skipped (the first: event %llu, pointer 0x%llx): blocks from before recording "
                "began, or from calls the recorder does not see\n",
                (unsigned long long)c->unmatched_frees, (unsigned long long)c->first_unmatched_seq,
                (unsigned long long)c->first_unmatched_ptr);
    if (c->evictions)
        fprintf(stderr,
                "gauntlet trace: up to %llu blocks were live at once, more than the %d slots: %llu "
                "freed early to make room, %llu later calls on them left out\n",
                (unsigned long long)c->max_live_blocks, GAUNTLET_MAX_SLOTS,
                (unsigned long long)c->evictions, (unsigned long long)c->left_out);
    if (c->folded_threads)
        fprintf(stderr,
                "gauntlet trace: more than %d threads alive at once: %llu calls made on a shared "
                "program thread\n",
                GAUNTLET_MAX_THREADS, (unsigned long long)c->folded_threads);
    if (c->limited)
        fprintf(stderr, "gauntlet trace: stopped after %llu operations, as asked\n",
                (unsigned long long)c->operations);
    if (c->restarts)
        fprintf(stderr, "gauntlet trace: %llu program threads restarted for later threads\n",
                (unsigned long long)c->restarts);
}

/* --info: one pass over the events, counting. */
static int print_info(const char *path)
{
    struct trace_reader r;
    open_or_die(path, &r);
    warn_incomplete(&r);
    uint64_t by_event[TRACE_EVENT_COUNT] = {0}, rss = 0, peak = 0, first = 0, last = 0;
    const struct trace_info *i = &r.info;
    printf("trace:    %s (format %u)\ncommand:  %s\n", path, i->header.version, i->header.command);
    if (i->allocator[0]) printf("served by: %s\n", i->allocator);
    struct trace_record rec;
    while (trace_next(&r, &rec)) {
        if (rec.event < TRACE_EVENT_COUNT) by_event[rec.event]++;
        if (first == 0) first = rec.time_ns;
        if (rec.time_ns > last) last = rec.time_ns;
        if (rec.event == TRACE_RSS) {
            rss = rec.size;
            if (rss > peak) peak = rss;
        }
        if (rec.event == TRACE_MARK) {
            char label[TRACE_LABEL_SIZE];
            trace_mark_label(&rec, label);
            printf("mark %-4llu at %.3f s, event %llu, RSS %.1f MiB (%llu bytes)%s%s\n",
                   (unsigned long long)rec.extra, (double)(rec.time_ns - i->header.start_ns) / 1e9,
                   (unsigned long long)rec.seq, (double)rec.size / 1048576.0,
                   (unsigned long long)rec.size, label[0] ? ": " : "", label);
        }
    }
    printf("duration: %.3f s\n", last > first ? (double)(last - first) / 1e9 : 0.0);
    printf("events:   %llu numbered, %llu in the trace%s\n", (unsigned long long)i->numbered,
           (unsigned long long)i->events,
           i->ended && i->numbered == i->events && !i->cut ? " (complete)" : " (NOT complete)");
    for (unsigned e = 0; e < TRACE_EVENT_COUNT; e++)
        if (by_event[e])
            printf("  %-20s %llu\n", trace_event_name(e), (unsigned long long)by_event[e]);
    if (by_event[TRACE_RSS])
        printf("RSS:      last %.1f MiB, peak %.1f MiB (sampled)\n", (double)rss / 1048576.0,
               (double)peak / 1048576.0);
    trace_close(&r);
    return 0;
}

int cmd_trace(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *seeds = NULL;
    bool info = false;
    uint64_t limit = 0, seed_count = 32;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            print_help();
            return 0;
        } else if (strcmp(argv[i], "--info") == 0) {
            info = true;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (!parse_u64_arg(argv[++i], &limit) || limit == 0)
                usage_error("trace", "--limit needs a number of operations above 0");
        } else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            seeds = argv[++i];
        } else if (strcmp(argv[i], "--seed-count") == 0 && i + 1 < argc) {
            if (!parse_u64_arg(argv[++i], &seed_count) || seed_count == 0 || seed_count > 100000)
                usage_error("trace", "--seed-count needs 1..100000");
        } else if (argv[i][0] == '-') {
            usage_error("trace", "unknown option '%s' (or it lacks its value)", argv[i]);
        } else if (in) {
            usage_error("trace", "one trace at a time ('%s' and '%s')", in, argv[i]);
        } else {
            in = argv[i];
        }
    }
    if (in == NULL) usage_error("trace", "no trace given (gauntlet trace TRACE [-o PROGRAM])");
    if (info) return print_info(in);
    if (seeds && out) usage_error("trace", "-o and --seeds: one output at a time");
    struct trace_reader r;
    open_or_die(in, &r);
    warn_incomplete(&r);
    struct trace_conversion c;
    if (seeds) {
        char temporary[4096];
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        path_printf(temporary, sizeof temporary, "%s/gauntlet-trace-XXXXXX", tmp);
        int fd = mkstemp(temporary);
        if (fd < 0) usage_error("trace", "cannot create a file in %s: %s", tmp, strerror(errno));
        bool written = trace_convert(&r, fd, seed_count * TRACE_SEED_OPERATIONS, &c);
        close(fd);
        trace_close(&r);
        print_conversion(&c);
        int status = written ? trace_write_seeds(temporary, in, seeds) : EXIT_USAGE;
        unlink(temporary);
        return status;
    }
    struct conversion_job job = {&r, limit, &c};
    write_output_with(out, write_program, &job);
    trace_close(&r);
    print_conversion(&c);
    return 0;
}
