/*
 * cmd_run.c — `gauntlet run`: programs against an allocator (or all of the
 * installed ones). One allocator and one file run in this process, so a
 * debugger sees it; several run each in a child of their own, so one
 * program's corruption or crash cannot touch the next, and every finding
 * reproduces from its file alone.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char run_help[] =
    "usage: gauntlet run --alloc NAME[,NAME...]|all [options] FILE...\n"
    "\n"
    "Runs each program (text or binary, auto-detected; - for stdin) against the\n"
    "allocator, checking every result against the oracle (see README).\n"
    "\n"
    "  --alloc NAME     glibc, jemalloc, mimalloc, tcmalloc, so:PATH, a comma-separated\n"
    "                   list, or all (every installed named allocator)\n"
    "  --mode MODE      lockstep (default: deterministic, one operation at a time on\n"
    "                   the thread the program names) or free (threads run at once)\n"
    "  --cap SIZE       live-bytes cap, default 256MiB; larger possible requests are skipped\n"
    "  --timeout SECONDS  an allocator call making no progress this long is a hang (10)\n"
    "  --strict         the allocator's known deviations count as violations\n"
    "  --format F       auto (default), text or binary\n"
    "  --quiet          print nothing when a program passes\n"
    "\n"
    "Exit status: 0 every program passed; 1 an invariant was violated (report on\n"
    "stderr); 2 usage, input or set-up error.\n";

struct run_options {
    const char *allocs[16];
    unsigned alloc_count;
    struct run_config config;
    enum input_format format;
    bool quiet;
};

static int parse_options(int argc, char **argv, struct run_options *o)
{
    run_config_default(&o->config);
    /* The options that shape a run are the ones minimize and triage pass on
     * to it: one parser validates them (replay.c). */
    struct replay_options shaping = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(arg)) {
            fputs(run_help, stdout);
            exit(0);
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            o->alloc_count = add_allocator_names("run", argv[++i], o->allocs, o->alloc_count, 16);
        } else if (parse_replay_option("run", argc, argv, &i, &shaping)) {
            continue;
        } else if (strcmp(arg, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(arg, "--format") == 0 && value) {
            o->format = parse_format_arg("run", argv[++i]);
        } else if (strcmp(arg, "--") == 0) {
            i++;
            break;
        } else {
            usage_error("run", "unknown option or missing value: %s", arg);
        }
    }
    if (o->alloc_count == 0) usage_error("run", "--alloc NAME is required");
    if (i == argc) usage_error("run", "no program FILE given");
    uint64_t seconds;
    if (shaping.mode)
        o->config.mode = strcmp(shaping.mode, "free") == 0 ? MODE_FREE : MODE_LOCKSTEP;
    if (shaping.timeout && parse_u64_arg(shaping.timeout, &seconds))
        o->config.watchdog_seconds = (unsigned)seconds;
    if (shaping.cap) parse_size_arg(shaping.cap, &o->config.live_cap);
    o->config.strict = shaping.strict;
    return i;
}

static void print_summary(const char *alloc, const char *path, const struct program *p,
                          const struct run_stats *s)
{
    printf("PASS %-10s %s: %zu ops, %u threads, %llu calls, peak live %zu B", alloc, path, p->count,
           program_thread_count(p), (unsigned long long)s->calls, s->peak_live_bytes);
    uint64_t missing = 0;
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        missing += s->skipped_missing[k];
    if (s->cross_thread) printf(", %llu cross-thread", (unsigned long long)s->cross_thread);
    if (s->restarts) printf(", %llu restarts", (unsigned long long)s->restarts);
    if (s->failed_requests)
        printf(", %llu failed as required", (unsigned long long)s->failed_requests);
    if (missing) {
        printf(", skipped (allocator lacks it):");
        for (unsigned k = 0; k < OP_KIND_COUNT; k++)
            if (s->skipped_missing[k])
                printf(" %s×%llu", op_kind_name(k), (unsigned long long)s->skipped_missing[k]);
    }
    if (s->declined_sized_frees)
        printf(", %llu sized frees declined by the adapter",
               (unsigned long long)s->declined_sized_frees);
    if (s->skipped_over_cap)
        printf(", %llu over cap skipped", (unsigned long long)s->skipped_over_cap);
    if (s->sampled_checks) printf(", %llu sampled checks", (unsigned long long)s->sampled_checks);
    if (s->known_deviations)
        printf(", %llu known deviations", (unsigned long long)s->known_deviations);
    printf("\n");
    fflush(stdout);
}

/* Runs one file against one allocator in this process; returns only on a pass. */
static void run_one(const char *alloc_name, const char *path, const struct run_options *o)
{
    struct allocator alloc;
    char err[1024];
    if (!allocator_open(alloc_name, &alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet run: %s\n", err);
        exit(EXIT_USAGE);
    }
    struct program p;
    load_program(path, o->format, &p);
    struct run_config config = o->config;
    config.program_path = path;
    struct run_stats stats;
    run_program(&p, &alloc, &config, &stats);
    if (!o->quiet) print_summary(alloc_name, path, &p, &stats);
    program_release(&p);
}

static int run_in_child(const char *alloc_name, const char *path, const struct run_options *o)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "gauntlet run: fork: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (pid == 0) {
        run_one(alloc_name, path, o);
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    fprintf(stderr, "gauntlet run: %s on %s: the run died of signal %d\n", path, alloc_name,
            WTERMSIG(status));
    return EXIT_FINDING;
}

int cmd_run(int argc, char **argv)
{
    struct run_options o = {.format = FORMAT_AUTO};
    int first = parse_options(argc, argv, &o);
    int files = argc - first;
    /* Input errors first, before anything runs: every file must load. */
    for (int f = first; f < argc; f++) {
        if (strcmp(argv[f], "-") == 0 && files > 1)
            usage_error("run", "- (stdin) must be the only FILE");
        if (strcmp(argv[f], "-") != 0) {
            struct program p;
            load_program(argv[f], o.format, &p);
            program_release(&p);
        }
    }
    for (unsigned a = 0; a < o.alloc_count; a++) {
        char err[1024];
        if (!allocator_installed(o.allocs[a], err, sizeof err)) {
            fprintf(stderr, "gauntlet run: %s\n", err);
            return EXIT_USAGE;
        }
    }
    report_install_crash_handlers();
    if (o.alloc_count == 1 && files == 1) {
        run_one(o.allocs[0], argv[first], &o);
        return 0;
    }
    bool finding = false, error = false;
    for (unsigned a = 0; a < o.alloc_count; a++)
        for (int f = first; f < argc; f++) {
            int status = run_in_child(o.allocs[a], argv[f], &o);
            finding |= status == EXIT_FINDING;
            error |= status != 0 && status != EXIT_FINDING;
        }
    return finding ? EXIT_FINDING : error ? EXIT_USAGE : 0;
}
