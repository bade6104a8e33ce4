/*
 * cmd_fuzz_engine.c — one round of a fuzzing engine for `gauntlet fuzz`: the
 * command line of libFuzzer or AFL++, the process, progress every 10 s, and
 * the round's executions read back from what the engine printed. While the
 * campaign keeps going past crashes, or AFL++ runs secondaries (its main
 * instance stops at its own crashes only), the crash files are confirmed
 * every second and the engine is stopped at the first real finding. Each engine
 * leads a process group of its own, stopped whole (libFuzzer's -fork jobs,
 * AFL++'s secondaries): at the end of a round, at a signal to gauntlet fuzz
 * (forwarded), and at any exit.
 */
#include "cmd_fuzz.h"

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

/* ---- engine process groups ---- */

/* The groups of the engines now running (each leader's pid is its group's
 * id), read by the signal handler and the atexit handler. */
#define MAX_GROUPS 72
static volatile sig_atomic_t groups[MAX_GROUPS];
static volatile sig_atomic_t interrupted;

static void forward_signal(int signal_number)
{
    interrupted = signal_number;
    int forwarded = signal_number == SIGHUP ? SIGTERM : signal_number;
    for (int i = 0; i < MAX_GROUPS; i++)
        if (groups[i] > 0) kill(-(pid_t)groups[i], forwarded);
}

int engine_interrupted(void)
{
    return interrupted;
}

static void remember_group(pid_t pgid, bool keep)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (keep ? groups[i] == 0 : groups[i] == pgid) {
            groups[i] = keep ? pgid : 0;
            return;
        }
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Reaps what is left of the group; true when no member remains. gauntlet
 * fuzz is the subreaper of its engines, so a job whose parent died is its
 * child too; *leader_status gets the leader's status if it is reaped here. */
static bool group_gone(pid_t pgid, int *leader_status)
{
    int status;
    pid_t done;
    while ((done = waitpid(-pgid, &status, WNOHANG)) > 0)
        if (done == pgid && leader_status) *leader_status = status;
    return done < 0 && errno == ECHILD && kill(-pgid, 0) != 0 && errno == ESRCH;
}

/* SIGTERM to the whole group, at most 5 s for it to end, then SIGKILL. */
static void stop_group(pid_t pgid, int *leader_status)
{
    kill(-pgid, SIGTERM);
    for (int waited = 0; !group_gone(pgid, leader_status); waited += 50) {
        if (waited == 5000) kill(-pgid, SIGKILL);
        if (waited >= 10000) break; /* unkillable (uninterruptible sleep): left to init */
        pause_ms(50);
    }
    remember_group(pgid, false);
}

static void stop_all_groups(void)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (groups[i] > 0) stop_group((pid_t)groups[i], NULL);
}

void engine_setup(void)
{
    /* Jobs orphaned by a stopped engine become this process's children, so
     * they can be waited for (an init that does not reap would otherwise
     * keep them as zombies in the group). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    atexit(stop_all_groups);
    struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* Starts argv (searched in PATH) as the leader of a new process group, its
 * output appended to (or, truncate, replacing) out_path. Exits 2 when it
 * cannot be started. */
static pid_t spawn_group(const char *const argv[], const char *out_path, bool truncate)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path,
                                     O_WRONLY | O_CREAT | (truncate ? O_TRUNC : O_APPEND), 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, none, blocked, saved;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    /* A signal between the start and the group's record would miss it. */
    blocked = defaults;
    sigprocmask(SIG_BLOCK, &blocked, &saved);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, (char *const *)argv, environ);
    if (rc == 0) remember_group(pid, true);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "gauntlet fuzz: cannot start %s: %s\n", argv[0], strerror(rc));
        exit(EXIT_USAGE);
    }
    return pid;
}

int run_once(const char *const argv[], const char *out_path, unsigned seconds, bool *timed_out)
{
    pid_t pid = spawn_group(argv, out_path, true);
    int status = 0;
    bool gone;
    *timed_out = false;
    for (long waited = 0; !(gone = group_gone(pid, &status)); waited += 50) {
        if (waited >= (long)seconds * 1000 || interrupted) {
            *timed_out = !interrupted;
            break;
        }
        pause_ms(50);
    }
    if (gone)
        remember_group(pid, false);
    else
        stop_group(pid, &status);
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
    pid_t pid = spawn_group(argv, log_path, false);
    time_t start = time(NULL);
    int status = 0;
    bool stop = false, reaped = false;
    while (!stop) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            reaped = true;
            break;
        }
        if (interrupted) break;
        sleep(1);
        time_t elapsed = time(NULL) - start;
        if (elapsed % 10 == 0) {
            char line[1024];
            last_status(log_path, from, line, sizeof line);
            fprintf(stderr, "gauntlet fuzz: %lds of %us  %s\n", (long)elapsed, c->o->seconds, line);
        }
        if (watch_crash_files) {
            collect_findings(c, false);
            stop = c->confirmed > 0;
        }
        if (elapsed > (time_t)c->o->seconds + 120) /* the engine ignored its own limit */
            stop = true;
    }
    /* Ended on its own or not, nothing of the engine outlives the round:
     * libFuzzer's -fork jobs are its children, AFL++'s target its own. */
    c->engine_stopped = !reaped;
    if (reaped && group_gone(pid, NULL))
        remember_group(pid, false);
    else
        stop_group(pid, reaped ? NULL : &status);
    c->engine_status = status;
    c->engine_seconds += (double)(time(NULL) - start);
    c->round_log_from = from;
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
    run_engine(c, argv, log_path, c->keep_going);
    c->round_executions = libfuzzer_executions(log_path, c->round_log_from);
    c->executions += c->round_executions;
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
    /* Secondary instances run in the background, each in a group of its own,
     * stopped when the main one (waited for) ends. */
    pid_t secondaries[64];
    unsigned started = 0;
    for (unsigned j = 1; j < o->jobs; j++) {
        char name[32], log[4200];
        snprintf(name, sizeof name, "secondary%u", j);
        path_printf(log, sizeof log, "%s/afl-%s.log", o->out, name);
        const char *argv[] = {"afl-fuzz", "-S", name,  "-i", o->corpus, "-o",
                              afl_out,    "-V", limit, "--", target,    NULL};
        secondaries[started++] = spawn_group(argv, log, true);
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *argv[16] = {"afl-fuzz", "-M", "main", "-i", o->corpus, "-o", afl_out, "-V", limit};
    int n = 9;
    if (o->seed) argv[n++] = "-s", argv[n++] = seed;
    argv[n++] = "--";
    argv[n++] = target;
    argv[n] = NULL;
    uint64_t before = afl_executions(c);
    /* The main instance stops at its own first crash, not at a secondary's:
     * theirs are watched for, or they would wait for the main's time limit. */
    run_engine(c, argv, log_path, c->keep_going || started > 0);
    for (unsigned j = 0; j < started; j++)
        stop_group(secondaries[j], NULL);
    /* A resumed AFL++ carries its counter over from the round before. */
    uint64_t after = afl_executions(c);
    c->round_executions = after >= before ? after - before : after;
    c->executions += c->round_executions;
}
