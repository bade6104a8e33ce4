/*
 * engine.c — one round of a fuzzing engine for `gauntlet fuzz`: the
 * command line of libFuzzer or AFL++, the process, progress every 10 s, and
 * the round's executions read back from what the engine printed. While the
 * campaign keeps going past crashes, or AFL++ runs secondaries (its main
 * instance stops at its own crashes only), the crash files are confirmed
 * every second and the engine is stopped at the first real finding. Each engine
 * leads a process group of its own, stopped whole (libFuzzer's -fork jobs,
 * AFL++'s secondaries): at the end of a round, at a signal to gauntlet fuzz
 * (forwarded), and at any exit.
 */
#include "campaign.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Inputs up to 2,048 operations: some allocator bugs need long histories
 * (pages that fill and move). libFuzzer lengthens its inputs gradually
 * (-len_control), so short programs still come first. */
#define CAMPAIGN_MAX_LEN "-max_len=24576"
/* One input in this many is run again in a young process: about one fork a
 * few milliseconds, a few per cent of the executions. */
#define CAMPAIGN_YOUNG_EVERY "16"

/* Where the log ends now: a round reads only what it appended. */
static long log_size(const char *log_path)
{
    struct stat st;
    return stat(log_path, &st) == 0 ? (long)st.st_size : 0;
}

/* The last line from `from` on that carries the engine's counters. */
static void last_status(const char *log_path, long from, char *line, size_t len)
{
    line[0] = '\0';
    FILE *f = fopen(log_path, "r");
    if (f == NULL) return;
    fseek(f, from, SEEK_SET);
    char buf[1024];
    while (fgets(buf, sizeof buf, f))
        if (strstr(buf, "exec/s") || strstr(buf, "execs_per_sec")) snprintf(line, len, "%s", buf);
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
}

/* Whether a line from `from` on starts with `start`. */
static bool log_mentions(const char *log_path, long from, const char *start)
{
    FILE *f = fopen(log_path, "r");
    if (f == NULL) return false;
    fseek(f, from, SEEK_SET);
    char buf[1024];
    bool found = false;
    while (!found && fgets(buf, sizeof buf, f))
        found = strncmp(buf, start, strlen(start)) == 0;
    fclose(f);
    return found;
}

/* libFuzzer's status lines start "#N" with the executions so far, in fork
 * mode too (where no final statistics are printed). */
static uint64_t libfuzzer_executions(const char *log_path, long from)
{
    char line[1024];
    last_status(log_path, from, line, sizeof line);
    return line[0] == '#' ? strtoull(line + 1, NULL, 10) : 0;
}

static uint64_t afl_executions(const struct campaign *c)
{
    char path[4200], line[256];
    path_printf(path, sizeof path, "%s/afl/main/fuzzer_stats", c->o->out);
    FILE *f = fopen(path, "r");
    uint64_t n = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "execs_done", 10) == 0) n = strtoull(strchr(line, ':') + 1, NULL, 10);
    if (f) fclose(f);
    return n;
}

/* ---- the engine's processes (cli/process.c: a group each, stopped whole) ---- */

/* Starts argv (searched in PATH) as the leader of a new process group, its
 * output appended to (or, truncate, replacing) out_path. Exits 2 when it
 * cannot be started. */
static void start_engine(struct process *p, const char *const argv[], const char *out_path,
                         bool truncate)
{
    /* A copy of the engine the allocator forked, left when the engine
     * ended, may be writing the crash file that says so. */
    *p = (struct process){
        .argv = argv, .out_path = out_path, .truncate_out = truncate, .grace_ms = 3000};
    if (!process_start(p)) {
        fprintf(stderr, "gauntlet fuzz: cannot start %s: %s\n", argv[0], strerror(errno));
        exit(EXIT_USAGE);
    }
}

int run_once(const char *const argv[], const char *out_path, unsigned seconds, bool *timed_out)
{
    struct process p = {.argv = argv, .out_path = out_path, .truncate_out = true};
    int status = process_run(&p, seconds);
    if (status == -1 && !p.ended) {
        fprintf(stderr, "gauntlet fuzz: cannot start %s: %s\n", argv[0], strerror(errno));
        exit(EXIT_USAGE);
    }
    *timed_out = p.timed_out;
    return status;
}

/* One round: the engine until it ends, the campaign stops it (a confirmed
 * finding while keeping going or from an engine that does not stop at its
 * helpers' crashes, a signal) or it overruns its own limit. Its whole group
 * is stopped before this returns. */
static void run_engine(struct campaign *c, const char *const argv[], const char *log_path,
                       bool watch_crash_files)
{
    long from = log_size(log_path);
    struct process engine;
    start_engine(&engine, argv, log_path, false);
    time_t start = time(NULL);
    bool stop = false;
    unsigned confirmed_before = c->confirmed;
    while (!stop && !process_await(&engine, 1.0) && !engine.stop_signal) {
        time_t elapsed = time(NULL) - start;
        if (elapsed % 10 == 0) {
            char line[1024];
            last_status(log_path, from, line, sizeof line);
            fprintf(stderr, "gauntlet fuzz: %lds of %us  %s\n", (long)elapsed, c->o->seconds, line);
        }
        if (watch_crash_files) {
            collect_findings(c, false);
            /* A new finding: the next round's target passes over it. */
            stop = c->confirmed > confirmed_before;
        }
        if (elapsed > (time_t)c->o->seconds + 120) /* the engine ignored its own limit */
            stop = true;
    }
    /* Ended on its own or not, nothing of the engine outlives the round:
     * libFuzzer's -fork jobs are its children, AFL++'s target its own. */
    c->engine_stopped = !engine.ended;
    process_stop(&engine);
    c->engine_status = engine.status;
    c->engine_seconds += (double)(time(NULL) - start);
    c->round_log_from = from;
}

void run_libfuzzer(struct campaign *c, const char *target, const char *log_path)
{
    const struct fuzz_options *o = c->o;
    char total[64], prefix[4096], dict[4096], fork[64], seed[64], runs[64], timeout[64];
    snprintf(total, sizeof total, "-max_total_time=%u", o->seconds);
    path_printf(prefix, sizeof prefix, "-artifact_prefix=%s/artifacts/", o->out);
    path_printf(dict, sizeof dict, "-dict=%s", c->dict_path);
    snprintf(fork, sizeof fork, "-fork=%u", o->jobs);
    /* libFuzzer's own default (1200 s) would outlast most campaigns: a hang
     * must be a finding, which `gauntlet run`'s watchdog then names. */
    snprintf(timeout, sizeof timeout, "-timeout=%u", o->hang_seconds);
    const char *argv[20] = {
        target, o->corpus, total, prefix, timeout, "-print_final_stats=1", CAMPAIGN_MAX_LEN};
    int n = 7;
    if (access(dict + 6, R_OK) == 0) argv[n++] = dict;
    if (o->jobs > 1 || c->keep_going) argv[n++] = fork;
    if (c->keep_going) {
        argv[n++] = "-ignore_crashes=1";
        argv[n++] = "-ignore_timeouts=1";
        argv[n++] = "-ignore_ooms=1";
    }
    snprintf(seed, sizeof seed, "-seed=%llu", (unsigned long long)o->seed);
    snprintf(runs, sizeof runs, "-runs=%llu", (unsigned long long)o->runs);
    if (o->seed) argv[n++] = seed;
    if (o->runs) argv[n++] = runs;
    argv[n] = NULL;
    /* libFuzzer runs every input in one long-lived process: some are also
     * run in a young one (fuzzers/young_process.c). */
    setenv("GAUNTLET_YOUNG", CAMPAIGN_YOUNG_EVERY, 1);
    run_engine(c, argv, log_path, c->keep_going);
    unsetenv("GAUNTLET_YOUNG");
    c->round_executions = libfuzzer_executions(log_path, c->round_log_from);
    c->executions += c->round_executions;
    /* libFuzzer ends by itself with status 0 only after its closing line:
     * "Done N runs" (one process) or "INFO: exiting:" (-fork). One that
     * never began running inputs did not fuzz: a set-up error, not this. */
    long from = c->round_log_from;
    bool began = c->round_executions > 0 || log_mentions(log_path, from, "INFO: seed corpus:") ||
                 log_mentions(log_path, from, "INFO: -fork=");
    c->ended_silently = began && !c->engine_stopped && WIFEXITED(c->engine_status) &&
                        WEXITSTATUS(c->engine_status) == 0 &&
                        !log_mentions(log_path, from, "Done ") &&
                        !log_mentions(log_path, from, "INFO: exiting:");
}

/* AFL++ loads the structure-aware mutator from the library beside its
 * target; --mutator bytes leaves it out (AFL++'s own mutations only). */
static void choose_afl_mutator(const struct fuzz_options *o)
{
    static bool warned;
    char library[4200];
    path_printf(library, sizeof library, "%s/afl-mutator.so", fuzz_targets_dir());
    if (strcmp(o->mutator, "structure") == 0 && access(library, R_OK) == 0) {
        setenv("AFL_CUSTOM_MUTATOR_LIBRARY", library, 1);
        return;
    }
    unsetenv("AFL_CUSTOM_MUTATOR_LIBRARY");
    if (strcmp(o->mutator, "structure") == 0 && !warned) {
        fprintf(stderr, "gauntlet fuzz: note: %s is missing: AFL++'s byte mutations only\n",
                library);
        warned = true;
    }
}

void run_afl(struct campaign *c, const char *target, const char *log_path)
{
    const struct fuzz_options *o = c->o;
    char afl_out[4096], limit[32], seed[32];
    path_printf(afl_out, sizeof afl_out, "%s/afl", o->out);
    snprintf(limit, sizeof limit, "%u", o->seconds);
    setenv("AFL_NO_UI", "1", 1);
    setenv("AFL_SKIP_CPUFREQ", "1", 1);
    setenv("AFL_BENCH_UNTIL_CRASH", "1", 1); /* stop at the first finding */
    setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
    choose_afl_mutator(o);
    /* Secondary instances run in the background, each in a group of its own,
     * stopped when the main one (waited for) ends. */
    static struct process secondaries[64];
    unsigned started = 0;
    for (unsigned j = 1; j < o->jobs; j++) {
        char name[32], log[4200];
        snprintf(name, sizeof name, "secondary%u", j);
        path_printf(log, sizeof log, "%s/afl-%s.log", o->out, name);
        const char *argv[] = {"afl-fuzz", "-S",  name, "-i",         o->corpus, "-o",   afl_out,
                              "-V",       limit, "-x", c->dict_path, "--",      target, NULL};
        start_engine(&secondaries[started++], argv, log, true);
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *argv[18] = {"afl-fuzz", "-M", "main", "-i", o->corpus, "-o", afl_out, "-V", limit};
    int n = 9;
    argv[n++] = "-x", argv[n++] = c->dict_path;
    if (o->seed) argv[n++] = "-s", argv[n++] = seed;
    argv[n++] = "--";
    argv[n++] = target;
    argv[n] = NULL;
    uint64_t before = afl_executions(c);
    /* The main instance stops at its own first crash, not at a secondary's:
     * theirs are watched for, or they would wait for the main's time limit. */
    run_engine(c, argv, log_path, c->keep_going || started > 0);
    for (unsigned j = 0; j < started; j++)
        process_stop(&secondaries[j]);
    /* A resumed AFL++ carries its counter over from the round before. */
    uint64_t after = afl_executions(c);
    c->round_executions = after >= before ? after - before : after;
    c->executions += c->round_executions;
    afl_queue_to_corpus(afl_out, o->corpus);
}
