/*
 * replay.c — running one program file in a fresh child process
 * (`gauntlet run`) and reading its verdict: the one way minimize, triage and
 * fuzz judge a program, so that every verdict comes from the file alone and a
 * corrupted or crashed heap cannot touch the next one.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Takes what the report says from one line of the child's stderr. */
static void scan_line(const char *line, struct replay *r)
{
    const char *v = strstr(line, "VIOLATION of `");
    if (r->message[0] == '\0') snprintf(r->message, sizeof r->message, "%s", line);
    if (v && r->invariant[0] == '\0') {
        v += strlen("VIOLATION of `");
        size_t n = strcspn(v, "`");
        snprintf(r->invariant, sizeof r->invariant, "%.*s", (int)n, v);
    } else if (strstr(line, "the process died of signal") && r->invariant[0] == '\0') {
        snprintf(r->invariant, sizeof r->invariant, "crash");
    }
    static const char op_prefix[] = "  operation: ";
    if (strncmp(line, op_prefix, strlen(op_prefix)) != 0 || r->operation[0] != '\0') return;
    const char *text = line + strlen(op_prefix);
    if (text[0] == '#') { /* "#N of M: TEXT" */
        const char *colon = strstr(text, ": ");
        text = colon ? colon + 2 : text;
    } else if (strncmp(text, "end of program: ", 16) == 0) {
        text += 16;
    }
    snprintf(r->operation, sizeof r->operation, "%s", text);
}

/* The kind of an operation line: "t0 malloc s1 100" → malloc, "barrier" → barrier. */
static void operation_kind(const char *text, char *kind, size_t len)
{
    if (text[0] == '\0') {
        snprintf(kind, len, "?");
        return;
    }
    if (text[0] == 't' && text[1] >= '0' && text[1] <= '9') text += strcspn(text, " \t");
    text += strspn(text, " \t");
    size_t n = strcspn(text, " \t(");
    snprintf(kind, len, "%.*s", (int)(n ? n : 1), n ? text : "?");
}

/* Reads the child's stderr line by line until EOF or the deadline. */
static bool read_report(int fd, time_t deadline, struct replay *r)
{
    char line[1024];
    size_t used = 0;
    for (;;) {
        int wait_ms = (int)(deadline - time(NULL)) * 1000;
        if (wait_ms <= 0) return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        size_t kept = strlen(r->report), room = sizeof r->report - 1 - kept;
        memcpy(r->report + kept, chunk, (size_t)n < room ? (size_t)n : room);
        r->report[kept + ((size_t)n < room ? (size_t)n : room)] = '\0';
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] != '\n' && used + 1 < sizeof line) line[used++] = chunk[i];
            if (chunk[i] != '\n') continue;
            line[used] = '\0';
            scan_line(line, r);
            used = 0;
        }
    }
    line[used] = '\0';
    if (used) scan_line(line, r);
    return true;
}

static pid_t spawn_run(const struct replay_options *o, const char *path, int err_fd)
{
    const char *argv[16] = {"/proc/self/exe", "run", "--quiet", "--alloc", o->alloc};
    int n = 5;
    if (o->mode) argv[n++] = "--mode", argv[n++] = o->mode;
    if (o->timeout) argv[n++] = "--timeout", argv[n++] = o->timeout;
    if (o->strict) argv[n++] = "--strict";
    if (o->format) argv[n++] = "--format", argv[n++] = o->format;
    if (o->cap) argv[n++] = "--cap", argv[n++] = o->cap;
    argv[n++] = "--";
    argv[n++] = path;
    argv[n] = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

/* Turns the child's end into a verdict. */
static void classify(int wait_status, bool killed, struct replay *r)
{
    if (killed) {
        r->status = REPLAY_FAIL;
        snprintf(r->invariant, sizeof r->invariant, "hang");
    } else if (WIFSIGNALED(wait_status)) {
        r->status = REPLAY_FAIL;
        snprintf(r->invariant, sizeof r->invariant, "crash");
    } else if (WEXITSTATUS(wait_status) == 0) {
        r->status = REPLAY_PASS;
    } else if (WEXITSTATUS(wait_status) == EXIT_FINDING) {
        r->status = REPLAY_FAIL;
        if (r->invariant[0] == '\0') snprintf(r->invariant, sizeof r->invariant, "crash");
    } else {
        r->status = REPLAY_ERROR;
    }
    if (r->status != REPLAY_FAIL) r->invariant[0] = r->operation[0] = '\0';
    operation_kind(r->operation, r->kind, sizeof r->kind);
}

bool replay_program_file(const struct replay_options *o, const char *path, struct replay *out)
{
    memset(out, 0, sizeof *out);
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
    pid_t pid = spawn_run(o, path, pipe_fds[1]);
    close(pipe_fds[1]);
    if (pid < 0) {
        close(pipe_fds[0]);
        return false;
    }
    /* The run's own watchdog reports a hang; this bound is for a child too
     * wedged to report anything. */
    unsigned watchdog = o->timeout ? (unsigned)atoi(o->timeout) : 10;
    time_t deadline = time(NULL) + 3 * (time_t)watchdog + 30;
    bool finished = read_report(pipe_fds[0], deadline, out);
    if (!finished) kill(pid, SIGKILL);
    close(pipe_fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return false;
    classify(status, !finished, out);
    return true;
}

bool parse_replay_option(const char *command, int argc, char **argv, int *i,
                         struct replay_options *o)
{
    const char *arg = argv[*i], *value = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t seconds;
    size_t bytes;
    if (strcmp(arg, "--strict") == 0) {
        o->strict = true;
        return true;
    }
    if (value == NULL) return false;
    if (strcmp(arg, "--mode") == 0) {
        if (strcmp(value, "lockstep") != 0 && strcmp(value, "free") != 0)
            usage_error(command, "--mode must be lockstep or free, not '%s'", value);
        o->mode = value;
    } else if (strcmp(arg, "--timeout") == 0) {
        if (!parse_u64_arg(value, &seconds) || seconds == 0 || seconds > 86400)
            usage_error(command, "--timeout needs a number of seconds (1..86400)");
        o->timeout = value;
    } else if (strcmp(arg, "--cap") == 0) {
        if (!parse_size_arg(value, &bytes) || bytes == 0)
            usage_error(command, "--cap needs a size such as 32MiB, not '%s'", value);
        o->cap = value;
    } else {
        return false;
    }
    (*i)++;
    return true;
}
