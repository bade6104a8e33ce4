/*
 * cmd_run.c — `gauntlet run`: programs against an allocator (or all of the
 * installed ones). Each (allocator, file) runs in a child of its own, so one
 * program's corruption or crash cannot touch the next, every finding
 * reproduces from its file alone, and an allocator that ends or forks the
 * process is caught by its parent (child_run.c). When a parent already
 * supervises this process (its run record is wanted), or with --no-fork for
 * a debugger, the one program runs here.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
    "  --rounds N       make each program N times (32..256) in the one process, nothing\n"
    "                   live between rounds: the resident memory must stop growing by\n"
    "                   the second half (freed memory is reused: the `reuse` rule); a\n"
    "                   half that grew in every round is made longer, to 256 rounds,\n"
    "                   before that is called a leak; a text program's own\n"
    "                   `# rounds: N` line does the same, unless --rounds is given\n" SETTINGS_HELP
    "  --keep-going     go on past violations (the harmed block set aside): each\n"
    "                   distinct one is reported once, and the end lists them all with\n"
    "                   counts; a hang or a crash still ends the program\n"
    "  --known FILE     pass over violations whose signature matches a line of FILE (a\n"
    "                   shell pattern such as alignment/*/memalign/*, or a saved report's\n"
    "                   `signature:` lines): a known bug never hides a new one\n"
    "  --format F       auto (default: text, or binary with gauntlet's header), text or\n"
    "                   binary (an engine's crash file)\n"
    "  --quiet          print nothing when a program passes\n"
    "  --no-fork        run the one program in this process (for a debugger)\n"
    "\n"
    "Exit status: 0 every program passed; 1 an invariant was violated (report on\n"
    "stderr); 2 usage, input or set-up error.\n";

struct run_command {
    const char *allocs[16];
    unsigned alloc_count;
    unsigned long repeat; /* runs of each program, each in a fresh child */
    struct run_config config;
    struct settings settings; /* config.settings points into it */
    enum input_format format;
    bool quiet, no_fork;
};

static int parse_options(int argc, char **argv, struct run_command *o)
{
    run_config_default(&o->config);
    /* The options that shape a run are the ones minimize and triage pass on
     * to it: one parser validates them (child_run.c). */
    struct run_options shaping = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(arg)) {
            fputs(run_help, stdout);
            exit(0);
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            o->alloc_count = add_allocator_names("run", argv[++i], o->allocs, o->alloc_count, 16);
        } else if (parse_run_option("run", argc, argv, &i, &shaping)) {
            continue;
        } else if (strcmp(arg, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(arg, "--no-fork") == 0) {
            o->no_fork = true;
        } else if (strcmp(arg, "--keep-going") == 0) {
            o->config.keep_going = true;
        } else if (strcmp(arg, "--") == 0) {
            i++;
            break;
        } else {
            usage_error("run", "unknown option or missing value: %s", arg);
        }
    }
    if (o->alloc_count == 0) usage_error("run", "--alloc NAME is required");
    if (i == argc) usage_error("run", "no program FILE given");
    if (shaping.mode)
        o->config.mode = strcmp(shaping.mode, "free") == 0 ? MODE_FREE : MODE_LOCKSTEP;
    if (shaping.timeout) o->config.watchdog_seconds = parse_timeout_arg("run", shaping.timeout);
    if (shaping.cap) parse_size_arg(shaping.cap, &o->config.live_cap);
    if (shaping.format) {
        o->format = parse_format_arg("run", shaping.format);
        if (o->format != FORMAT_AUTO) o->config.program_format = shaping.format;
    }
    o->config.strict = shaping.strict;
    if (shaping.rounds) o->config.rounds = parse_rounds_arg("run", shaping.rounds);
    settings_apply("run", &shaping.settings);
    o->settings = shaping.settings;
    o->config.settings = o->settings.count ? o->settings.list : NULL;
    uint64_t repeat = 1;
    if (shaping.repeat) parse_u64_arg(shaping.repeat, &repeat);
    o->repeat = (unsigned long)repeat;
    o->config.known = shaping.known_findings;
    o->config.known_path = shaping.known;
    return i;
}

static void print_summary(FILE *out, const char *alloc, const char *path, const struct program *p,
                          const struct run_config *config, const struct run_stats *s)
{
    unsigned rounds = s->rounds;
    fprintf(out, "%s %-10s %s: %zu ops, %u threads", s->violations ? "FAIL" : "PASS", alloc, path,
            p->count, program_thread_count(p));
    for (const char *const *setting = config->settings; setting && *setting; setting++)
        fprintf(out, ", %s", *setting);
    /* The counts below are over every round. */
    if (rounds > 1) fprintf(out, ", %u rounds (memory reused)", rounds);
    fprintf(out, ", %llu calls, peak live %zu B", (unsigned long long)s->calls, s->peak_live_bytes);
    if (s->violations)
        fprintf(out, ", %llu violations (%llu distinct)", (unsigned long long)s->violations,
                (unsigned long long)s->distinct_violations);
    if (s->known_findings)
        fprintf(out, ", %llu known passed over", (unsigned long long)s->known_findings);
    uint64_t missing = 0;
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        missing += s->skipped_missing[k];
    if (s->cross_thread) fprintf(out, ", %llu cross-thread", (unsigned long long)s->cross_thread);
    if (s->restarts) fprintf(out, ", %llu restarts", (unsigned long long)s->restarts);
    if (s->failed_requests)
        fprintf(out, ", %llu failed as required", (unsigned long long)s->failed_requests);
    if (s->refused_calls)
        fprintf(out, ", %llu refused memory (fail_maps)", (unsigned long long)s->refused_calls);
    if (missing) {
        fprintf(out, ", skipped (allocator lacks it):");
        for (unsigned k = 0; k < OP_KIND_COUNT; k++)
            if (s->skipped_missing[k])
                fprintf(out, " %s×%llu", op_kind_name(k),
                        (unsigned long long)s->skipped_missing[k]);
    }
    if (s->skipped_new_resizes)
        fprintf(out, ", %llu resizes of blocks made by new skipped",
                (unsigned long long)s->skipped_new_resizes);
    if (s->declined_sized_frees)
        fprintf(out, ", %llu sized frees declined by the adapter",
                (unsigned long long)s->declined_sized_frees);
    if (s->skipped_over_cap)
        fprintf(out, ", %llu over cap skipped", (unsigned long long)s->skipped_over_cap);
    if (s->sampled_checks)
        fprintf(out, ", %llu sampled checks", (unsigned long long)s->sampled_checks);
    if (s->known_deviations)
        fprintf(out, ", %llu known deviations", (unsigned long long)s->known_deviations);
    fprintf(out, "\n");
    fflush(out);
}

/* Runs one file against one allocator in this process: 0 passed, 1 a
 * violation (more than one, with --keep-going). The summary line goes to
 * `out`. */
static int run_one(const char *alloc_name, const char *path, const struct run_command *o, FILE *out)
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
    if (!config.rounds) config.rounds = p.rounds; /* --rounds wins over the file's line */
    struct run_stats stats;
    run_program(&p, &alloc, &config, &stats);
    if (!o->quiet || stats.violations) print_summary(out, alloc_name, path, &p, &config, &stats);
    program_release(&p);
    if (stats.violations) return EXIT_FINDING;
    report_record_pass();
    return 0;
}

/* A child's summary line waits in a page it shares with the parent: a PASS
 * the child saw is no pass when the child then turns out to have left a
 * process behind or a copy that went on, and the parent alone knows. */
#define SUMMARY_BYTES 8192

struct one_run {
    const char *alloc, *path;
    const struct run_command *o;
    char *summary; /* SUMMARY_BYTES, shared */
};

static int run_one_call(void *arg)
{
    const struct one_run *r = arg;
    FILE *out = fmemopen(r->summary, SUMMARY_BYTES, "w");
    int status = run_one(r->alloc, r->path, r->o, out ? out : stdout);
    if (out) fclose(out);
    return status;
}

#define PROGRESS_SECONDS 10

/* One program in a child: 0 passed, 1 a finding, 2 an error. A child that
 * ended without its record gets the report the harness could not write.
 * A repeat prints its pass quietly (`show_pass` false), and a failure only
 * when none was shown before (`show_failure`). */
static int run_in_child(const char *alloc_name, const char *path, const struct run_command *o,
                        bool show_pass, bool show_failure)
{
    char *summary = mmap(NULL, SUMMARY_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0); /* zeroed */
    if (summary == MAP_FAILED) {
        fprintf(stderr, "gauntlet run: cannot map a page for the child's summary: %s\n",
                strerror(errno));
        return EXIT_USAGE;
    }
    struct one_run r = {alloc_name, path, o, summary};
    struct process p = {.call = run_one_call, .arg = &r, .want_record = true};
    /* A repeat's stderr is held, and shown only for its failure's sake. */
    static char held[1 << 16];
    if (!show_pass) p.err = held, p.err_size = sizeof held;
    if (!process_start(&p)) {
        fprintf(stderr, "gauntlet run: cannot start a child: %s\n", strerror(errno));
        munmap(summary, SUMMARY_BYTES);
        return EXIT_USAGE;
    }
    /* A long program is not silent: a line every PROGRESS_SECONDS. */
    unsigned waited = 0;
    while (!process_await(&p, PROGRESS_SECONDS) && !p.stop_signal) {
        waited += PROGRESS_SECONDS;
        fprintf(stderr, "gauntlet run: %s on %s: still running after %u s\n", path, alloc_name,
                waited);
    }
    process_stop(&p); /* a stop signal: the group ends */
    process_honour_stop(&p);
    struct child_verdict v;
    child_verdict_read(&p, &v);
    bool show = v.status == VERDICT_PASS ? show_pass : show_failure;
    if (show && (v.status == VERDICT_PASS || strncmp(summary, "FAIL", 4) == 0)) {
        fputs(summary, stdout);
        fflush(stdout);
    }
    munmap(summary, SUMMARY_BYTES);
    if (show && v.report[0]) fprintf(stderr, "%s  program: %s on %s\n", v.report, path, alloc_name);
    return (int)v.status;
}

/* The program o->repeat times, each in a fresh child: the first run as
 * always, then only the first failure's report; with repeats, a line says
 * in how many runs it failed. */
static int run_repeatedly(const char *alloc_name, const char *path, const struct run_command *o)
{
    unsigned long failed = 0;
    for (unsigned long k = 0; k < o->repeat; k++) {
        int status = run_in_child(alloc_name, path, o, k == 0, failed == 0);
        if (status != 0 && status != EXIT_FINDING) return EXIT_USAGE;
        failed += status == EXIT_FINDING;
    }
    if (o->repeat > 1 && (failed || !o->quiet))
        printf("%s %-10s %s: failed %lu of %lu runs (%.0f %%)\n", failed ? "FAIL" : "PASS",
               alloc_name, path, failed, o->repeat, 100.0 * (double)failed / (double)o->repeat);
    return failed ? EXIT_FINDING : 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_command o = {.format = FORMAT_AUTO};
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
    bool supervised = getenv(RUN_RECORD_ENV) != NULL;
    if (o.alloc_count == 1 && files == 1 && (supervised || (o.no_fork && o.repeat == 1)))
        return run_one(o.allocs[0], argv[first], &o, stdout);
    bool finding = false, error = false;
    for (unsigned a = 0; a < o.alloc_count; a++)
        for (int f = first; f < argc; f++) {
            int status = run_repeatedly(o.allocs[a], argv[f], &o);
            finding |= status == EXIT_FINDING;
            error |= status != 0 && status != EXIT_FINDING;
        }
    return finding ? EXIT_FINDING : error ? EXIT_USAGE : 0;
}
