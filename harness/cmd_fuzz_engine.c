/*
 * cmd_fuzz_engine.c — one round of a fuzzing engine for `gauntlet fuzz`: the
 * command line of libFuzzer or AFL++, the process, progress every 10 s, and
 * the round's executions read back from what the engine printed. While the
 * campaign keeps going past crashes, the crash files are confirmed every
 * second and the engine is stopped at the first real finding.
 */
#include "cmd_fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

static int run_engine(struct campaign *c, const char *const argv[], const char *log_path)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path,
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    long from = log_size(log_path);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ) != 0) {
        fprintf(stderr, "gauntlet fuzz: cannot start %s: %s\n", argv[0], strerror(errno));
        exit(EXIT_USAGE);
    }
    posix_spawn_file_actions_destroy(&actions);
    time_t start = time(NULL);
    int status;
    bool stopping = false;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        sleep(1);
        time_t elapsed = time(NULL) - start;
        if (elapsed % 10 == 0) {
            char line[1024];
            last_status(log_path, from, line, sizeof line);
            fprintf(stderr, "gauntlet fuzz: %lds of %us  %s\n", (long)elapsed, c->o->seconds, line);
        }
        if (c->keep_going && !stopping) {
            collect_findings(c);
            stopping = c->confirmed > 0;
            if (stopping) kill(pid, SIGTERM); /* its fork jobs end by their own time limit */
        }
        if (elapsed > (time_t)c->o->seconds + 120) /* the engine ignored its own limit */
            kill(pid, SIGTERM);
    }
    c->engine_seconds += (double)(time(NULL) - start);
    return from;
}

void run_libfuzzer(struct campaign *c, const char *target, const char *log_path)
{
    const struct fuzz_options *o = c->o;
    char total[64], prefix[4096], dict[4096], fork[64], seed[64], runs[64], timeout[64];
    snprintf(total, sizeof total, "-max_total_time=%u", o->seconds);
    path_printf(prefix, sizeof prefix, "-artifact_prefix=%s/artifacts/", o->out);
    path_printf(dict, sizeof dict, "-dict=%s/fuzzers/gauntlet.dict", c->root);
    snprintf(fork, sizeof fork, "-fork=%u", o->jobs);
    /* libFuzzer's own default (1200 s) would outlast most campaigns: a hang
     * must be a finding, which `gauntlet run`'s watchdog then names. */
    snprintf(timeout, sizeof timeout, "-timeout=%u", GAUNTLET_DEFAULT_WATCHDOG_SECONDS);
    const char *argv[20] = {
        target, o->corpus, total, prefix, timeout, "-print_final_stats=1", "-max_len=4096"};
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
    long from = run_engine(c, argv, log_path);
    c->executions += libfuzzer_executions(log_path, from);
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
    /* Secondary instances run in the background; the main one is waited for. */
    for (unsigned j = 1; j < o->jobs; j++) {
        char name[32], log[4200];
        snprintf(name, sizeof name, "secondary%u", j);
        path_printf(log, sizeof log, "%s/afl-%s.log", o->out, name);
        const char *argv[] = {"afl-fuzz", "-S", name,  "-i", o->corpus, "-o",
                              afl_out,    "-V", limit, "--", target,    NULL};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
        pid_t pid;
        posix_spawnp(&pid, "afl-fuzz", &actions, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&actions);
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *argv[16] = {"afl-fuzz", "-M", "main", "-i", o->corpus, "-o", afl_out, "-V", limit};
    int n = 9;
    if (o->seed) argv[n++] = "-s", argv[n++] = seed;
    argv[n++] = "--";
    argv[n++] = target;
    argv[n] = NULL;
    uint64_t before = afl_executions(c);
    run_engine(c, argv, log_path);
    while (waitpid(-1, NULL, 0) > 0)
        continue; /* the secondaries end by their own limit */
    /* A resumed AFL++ carries its counter over from the round before. */
    uint64_t after = afl_executions(c);
    c->executions += after >= before ? after - before : after;
}
