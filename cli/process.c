/*
 * process.c — the one way gauntlet starts another process and waits for it:
 * a program (searched in PATH) or a function run in a forked child, always
 * as the leader of a process group of its own, so that the whole group can
 * be stopped (SIGTERM, 5 s, SIGKILL) and nothing it started outlives it: an
 * allocator that forks, libFuzzer's jobs, AFL++'s instances. gauntlet is the
 * subreaper of everything it starts, so orphans of a group stay its children
 * and are reaped.
 *
 * Waiting sleeps on the leader's pidfd and the child's pipes (stderr, the
 * run record) with poll: no polling interval, and a child that leaves a
 * process holding its pipes open cannot hang the wait. SIGINT, SIGTERM and
 * SIGHUP are forwarded to every running group and remembered; with no group
 * running they end gauntlet as they would have.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The descriptor a child writes its run record to. */
#define RECORD_FD 3

/* ---- the groups now running, for the signal and atexit handlers ---- */

#define MAX_GROUPS 72
static volatile sig_atomic_t groups[MAX_GROUPS];
static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t deferred; /* stop signals are the caller's to act on */

static bool any_group(void)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (groups[i] > 0) return true;
    return false;
}

static void remember_group(pid_t pgid, bool keep)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (keep ? groups[i] == 0 : groups[i] == pgid) {
            groups[i] = keep ? pgid : 0;
            return;
        }
}

static void on_stop_signal(int signal_number)
{
    if (!any_group() && !deferred) die_of_signal(signal_number);
    interrupted = signal_number;
    int forwarded = signal_number == SIGHUP ? SIGTERM : signal_number;
    for (int i = 0; i < MAX_GROUPS; i++)
        if (groups[i] > 0) kill(-(pid_t)groups[i], forwarded);
}

int process_interrupted(void)
{
    return interrupted;
}

void process_defer_stop_signals(void)
{
    deferred = 1;
}

void process_honour_stop(const struct process *p)
{
    if (p->stop_signal && !deferred) die_of_signal(p->stop_signal);
}

_Noreturn void die_of_signal(int signal_number)
{
    fflush(stdout); /* a summary printed just before must not be lost with the process */
    signal(signal_number, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signal_number);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    raise(signal_number);
    _exit(128 + signal_number);
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Reaps what is left of the group; true when no member remains. The
 * leader's status goes to *leader_status if it is reaped here. */
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
    for (int waited = 0; !group_gone(pgid, leader_status); waited += 20) {
        if (waited == 5000) kill(-pgid, SIGKILL);
        if (waited >= 10000) break; /* unkillable (uninterruptible sleep): left to init */
        pause_ms(20);
    }
    remember_group(pgid, false);
}

static void stop_all_groups(void)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (groups[i] > 0) stop_group((pid_t)groups[i], NULL);
}

void process_setup(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    atexit(stop_all_groups);
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* ---- starting ---- */

static void close_pipe(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0) close(fds[i]);
    fds[0] = fds[1] = -1;
}

/* The file stdout (and stderr, unless captured) goes to. */
static int open_out(const struct process *p)
{
    if (p->out_path == NULL) return -1;
    return open(p->out_path,
                O_WRONLY | O_CREAT | O_CLOEXEC | (p->truncate_out ? O_TRUNC : O_APPEND), 0644);
}

/* In the forked child: its group, default signals, its descriptors, death
 * with gauntlet (a `kill -9` of gauntlet must not leave an engine running);
 * then the program, or the function whose return value is the exit status.
 * A program that cannot be started says why through exec_error. */
static _Noreturn void become_child(struct process *p, pid_t parent, int out_fd, int err_pipe[2],
                                   int record_pipe[2], int exec_error)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127); /* gauntlet died before the line above */
    for (int i = 0; i < MAX_GROUPS; i++)
        groups[i] = 0; /* the parent's, not this child's to stop */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR);
    if (!p->keeps_stdin) dup2(null, STDIN_FILENO);
    if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
    if (p->quiet) dup2(null, STDOUT_FILENO);
    if (err_pipe[1] >= 0)
        dup2(err_pipe[1], STDERR_FILENO);
    else if (out_fd >= 0)
        dup2(out_fd, STDERR_FILENO);
    if (record_pipe[1] >= 0) {
        dup2(record_pipe[1], RECORD_FD);
        char value[16];
        snprintf(value, sizeof value, "%d", RECORD_FD);
        setenv(RUN_RECORD_ENV, value, 1);
    } else {
        unsetenv(RUN_RECORD_ENV); /* gauntlet's own record is not the child's */
    }
    if (p->argv == NULL) {
        close(exec_error); /* the parent reads it until it closes */
        exit(p->call(p->arg));
    }
    int err = 0;
    if (p->directory && chdir(p->directory) != 0)
        err = errno;
    else
        execvp(p->argv[0], (char *const *)p->argv);
    if (err == 0) err = errno;
    ssize_t ignored = write(exec_error, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

/* Forks the child; 0, or the errno of a program that could not start. */
static int fork_child(struct process *p, int out_fd, int err_pipe[2], int record_pipe[2])
{
    int exec_error[2];
    if (pipe2(exec_error, O_CLOEXEC) != 0) return errno;
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    p->pid = fork();
    if (p->pid == 0) {
        close(exec_error[0]);
        become_child(p, parent, out_fd, err_pipe, record_pipe, exec_error[1]);
    }
    close(exec_error[1]);
    int rc = p->pid < 0 ? errno : 0;
    if (p->pid > 0) {
        setpgid(p->pid, p->pid);
        int err;
        ssize_t n;
        while ((n = read(exec_error[0], &err, sizeof err)) < 0 && errno == EINTR)
            continue;
        if (n == (ssize_t)sizeof err) { /* exec failed: the child is gone */
            waitpid(p->pid, NULL, 0);
            rc = err;
        }
    }
    close(exec_error[0]);
    return rc;
}

bool process_start(struct process *p)
{
    p->pid = -1;
    p->status = -1;
    p->ended = p->timed_out = p->leftovers = false;
    p->stop_signal = 0;
    p->record[0] = '\0';
    p->err_used = 0;
    p->err_fd = p->record_fd = p->pidfd = -1;
    int err_pipe[2] = {-1, -1}, record_pipe[2] = {-1, -1};
    if ((p->err && pipe2(err_pipe, O_CLOEXEC) != 0) ||
        (p->want_record && pipe2(record_pipe, O_CLOEXEC) != 0))
        return false;
    int out_fd = open_out(p);
    if (p->out_path && out_fd < 0) {
        int saved = errno;
        close_pipe(err_pipe);
        close_pipe(record_pipe);
        errno = saved;
        return false;
    }
    /* A stop signal between the start and the group's record would miss it. */
    sigset_t stops, saved;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    sigprocmask(SIG_BLOCK, &stops, &saved);
    int rc = fork_child(p, out_fd, err_pipe, record_pipe);
    if (rc == 0) remember_group(p->pid, true);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    if (out_fd >= 0) close(out_fd);
    if (err_pipe[1] >= 0) close(err_pipe[1]);
    if (record_pipe[1] >= 0) close(record_pipe[1]);
    if (rc != 0) {
        close_pipe(err_pipe);
        close_pipe(record_pipe);
        p->pid = -1;
        errno = rc;
        return false;
    }
    p->err_fd = err_pipe[0];
    p->record_fd = record_pipe[0];
    p->pidfd = pidfd_open(p->pid, 0);
    if (p->err_fd >= 0) fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    if (p->record_fd >= 0) fcntl(p->record_fd, F_SETFL, O_NONBLOCK);
    return true;
}

/* ---- waiting ---- */

/* Appends what one pipe holds now to buf (NUL-terminated, the rest
 * dropped once full); closes the pipe at its end or on an error. */
static void drain_pipe(int *fd, char *buf, size_t size, size_t *used)
{
    char chunk[4096];
    ssize_t n;
    while (*fd >= 0 && (n = read(*fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            break;
        }
        size_t room = size - 1 - *used, keep = (size_t)n < room ? (size_t)n : room;
        memcpy(buf + *used, chunk, keep);
        *used += keep;
        buf[*used] = '\0';
    }
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Reads what the pipes hold now; closes each at its end. */
static void drain(struct process *p)
{
    drain_pipe(&p->err_fd, p->err, p->err_size, &p->err_used);
    size_t record_used = strlen(p->record);
    drain_pipe(&p->record_fd, p->record, sizeof p->record, &record_used);
}

/* The leader has ended: reaped, pipes read, the rest of its group given
 * grace_ms to end by itself (a copy of an engine finishing its crash file),
 * then stopped. */
static void finish(struct process *p)
{
    drain(p);
    for (unsigned waited = 0; waited < p->grace_ms && !group_gone(p->pid, &p->status); waited += 20)
        pause_ms(20);
    if (!group_gone(p->pid, &p->status)) {
        p->leftovers = true;
        stop_group(p->pid, &p->status);
    }
    remember_group(p->pid, false);
    drain(p);
    int *fds[] = {&p->err_fd, &p->record_fd, &p->pidfd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    p->ended = true;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool process_await(struct process *p, double seconds)
{
    if (p->ended) return true;
    double end = seconds < 0 ? -1 : now_seconds() + seconds;
    for (;;) {
        if (interrupted) {
            p->stop_signal = interrupted;
            return false;
        }
        int status;
        pid_t done = waitpid(p->pid, &status, WNOHANG);
        if (done == p->pid) {
            p->status = status;
            finish(p);
            return true;
        }
        double left = end < 0 ? 1.0 : end - now_seconds();
        if (left <= 0) return false;
        struct pollfd fds[3] = {
            {p->pidfd, POLLIN, 0}, {p->err_fd, POLLIN, 0}, {p->record_fd, POLLIN, 0}};
        int wait_ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
        if (p->pidfd < 0) wait_ms = wait_ms > 20 ? 20 : wait_ms; /* no pidfd: look again soon */
        if (poll(fds, 3, wait_ms) > 0) drain(p);
    }
}

void process_stop(struct process *p)
{
    if (p->ended || p->pid < 0) return;
    stop_group(p->pid, &p->status);
    finish(p);
}

int process_run(struct process *p, double seconds)
{
    if (!process_start(p)) return -1;
    if (!process_await(p, seconds > 0 ? seconds : -1)) {
        p->timed_out = p->stop_signal == 0;
        process_stop(p);
    }
    return p->status;
}
