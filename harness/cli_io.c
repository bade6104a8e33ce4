/*
 * cli_io.c — files in and out for the commands: programs read whole (text
 * or binary, auto-detected), outputs written atomically so that a killed
 * process never leaves half a program, corpus entry or report behind.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

bool read_whole_file(const char *path, uint8_t **bytes, size_t *len, size_t *mapped)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return false;
    }
    size_t capacity = 1 << 16, used = 0;
    uint8_t *buf = hmem_map(capacity);
    for (;;) {
        if (used == capacity) {
            buf = hmem_remap(buf, capacity, capacity * 2);
            capacity *= 2;
        }
        ssize_t n = read(fd, buf + used, capacity - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            if (fd != STDIN_FILENO) close(fd);
            hmem_unmap(buf, capacity);
            errno = saved;
            return false;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    if (fd != STDIN_FILENO) close(fd);
    *bytes = buf;
    *len = used;
    *mapped = capacity;
    return true;
}

void load_program(const char *path, enum input_format format, struct program *out)
{
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(path, &bytes, &len, &mapped)) {
        fprintf(stderr, "gauntlet: cannot read %s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
    program_init(out);
    bool text =
        format == FORMAT_TEXT || (format == FORMAT_AUTO && program_looks_like_text(bytes, len));
    if (text) {
        char err[512];
        if (!program_parse_text((const char *)bytes, len, path, out, err, sizeof err)) {
            fprintf(stderr, "gauntlet: %s\n", err);
            exit(EXIT_USAGE);
        }
    } else {
        program_decode_binary(bytes, len, out);
    }
    hmem_unmap(bytes, mapped);
}

static bool write_all(int fd, const uint8_t *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes += n;
        len -= (size_t)n;
    }
    return true;
}

void write_output_with(const char *path, output_writer writer, const void *context)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        if (!writer(STDOUT_FILENO, context)) {
            fprintf(stderr, "gauntlet: cannot write to standard output: %s\n", strerror(errno));
            exit(EXIT_USAGE);
        }
        return;
    }
    /* Beside the destination, so that rename() stays within one file system. */
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp.%d", path, (int)getpid()) >=
        (int)sizeof temporary) {
        fprintf(stderr, "gauntlet: output path too long: %s\n", path);
        exit(EXIT_USAGE);
    }
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "gauntlet: cannot create %s: %s\n", temporary, strerror(errno));
        exit(EXIT_USAGE);
    }
    if (!writer(fd, context) || fsync(fd) != 0 || close(fd) != 0 || rename(temporary, path) != 0) {
        fprintf(stderr, "gauntlet: cannot write %s: %s\n", path, strerror(errno));
        unlink(temporary);
        exit(EXIT_USAGE);
    }
}

struct byte_span {
    const uint8_t *bytes;
    size_t len;
};

static bool write_span(int fd, const void *context)
{
    const struct byte_span *span = context;
    return write_all(fd, span->bytes, span->len);
}

void write_output(const char *path, const uint8_t *bytes, size_t len)
{
    struct byte_span span = {bytes, len};
    write_output_with(path, write_span, &span);
}

void path_printf(char *out, size_t len, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out, len, fmt, args);
    va_end(args);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "gauntlet: path too long: %.200s...\n", out);
        exit(EXIT_USAGE);
    }
}

_Noreturn void usage_error(const char *command, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "gauntlet %s: ", command);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n(see `gauntlet %s --help`)\n", command);
    exit(EXIT_USAGE);
}

bool parse_u64_arg(const char *text, uint64_t *value)
{
    if (text == NULL || *text == '\0' || *text == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0') return false;
    *value = v;
    return true;
}

bool parse_size_arg(const char *text, size_t *value)
{
    if (text == NULL) return false;
    uint64_t v;
    if (parse_u64_arg(text, &v)) {
        *value = v;
        return true;
    }
    /* The program text's size syntax (4KiB, 256MiB, 2^30) through a one-line program. */
    char line[256];
    if (snprintf(line, sizeof line, "t0 malloc s0 %s\n", text) >= (int)sizeof line) return false;
    struct program p;
    program_init(&p);
    char err[256];
    bool ok =
        program_parse_text(line, strlen(line), "argument", &p, err, sizeof err) && p.count == 1;
    if (ok) *value = p.ops[0].size;
    program_release(&p);
    return ok;
}

enum input_format parse_format_arg(const char *command, const char *text)
{
    if (text && strcmp(text, "text") == 0) return FORMAT_TEXT;
    if (text && strcmp(text, "binary") == 0) return FORMAT_BINARY;
    if (text && strcmp(text, "auto") == 0) return FORMAT_AUTO;
    usage_error(command, "--format must be text, binary or auto, not '%s'", text ? text : "");
}

bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* The repository root: build/gauntlet lives in ROOT/build/. */
void repository_root(char *root, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", root, len - 1);
    if (n <= 0) {
        snprintf(root, len, ".");
        return;
    }
    root[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(root, '/');
        if (slash) *slash = '\0';
    }
}

static void log_actions(posix_spawn_file_actions_t *actions, const char *log_path)
{
    posix_spawn_file_actions_init(actions);
    if (log_path) {
        posix_spawn_file_actions_addopen(actions, STDOUT_FILENO, log_path,
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(actions, STDOUT_FILENO, STDERR_FILENO);
    }
}

int spawn_wait(const char *const argv[], const char *log_path)
{
    posix_spawn_file_actions_t actions;
    log_actions(&actions, log_path);
    pid_t pid;
    int status = -1;
    if (posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ) == 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            continue;
    posix_spawn_file_actions_destroy(&actions);
    return status;
}

/* Kills the child's whole process group (it leads it: its pid names the
 * group until it is reaped) and reaps the child. */
static int kill_and_reap(pid_t pid)
{
    int status = -1;
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    return status;
}

/* SIGCHLD and the stop signals are blocked while the child runs and taken
 * with sigtimedwait: no handler, no race between the child's end and the
 * wait for it. The child gets the caller's mask back. */
int spawn_wait_deadline(const char *const argv[], const char *log_path, double seconds,
                        bool *timed_out, int *stop_signal)
{
    *timed_out = false;
    *stop_signal = 0;
    sigset_t wanted, saved;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGCHLD);
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        struct sigaction now;
        if (sigaction(stops[i], NULL, &now) == 0 && now.sa_handler != SIG_IGN) /* nohup, & */
            sigaddset(&wanted, stops[i]);
    }
    sigprocmask(SIG_BLOCK, &wanted, &saved);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &saved);
    posix_spawn_file_actions_t actions;
    log_actions(&actions, log_path);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)seconds;
    end.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (end.tv_nsec >= 1000000000L) end.tv_sec++, end.tv_nsec -= 1000000000L;
    pid_t pid;
    int status = -1;
    if (posix_spawnp(&pid, argv[0], &actions, &attr, (char *const *)argv, environ) == 0) {
        for (;;) {
            pid_t done = waitpid(pid, &status, WNOHANG);
            if (done == pid) break;
            if (done < 0 && errno != EINTR) {
                status = -1;
                break;
            }
            struct timespec now, left = {0, 0};
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (seconds > 0) {
                left.tv_sec = end.tv_sec - now.tv_sec;
                left.tv_nsec = end.tv_nsec - now.tv_nsec;
                if (left.tv_nsec < 0) left.tv_sec--, left.tv_nsec += 1000000000L;
                if (left.tv_sec < 0) {
                    *timed_out = true;
                    status = kill_and_reap(pid);
                    break;
                }
            }
            int sig = sigtimedwait(&wanted, NULL, seconds > 0 ? &left : NULL);
            if (sig > 0 && sig != SIGCHLD) {
                *stop_signal = sig;
                status = kill_and_reap(pid);
                break;
            }
            /* SIGCHLD (maybe another child's), the deadline, or EINTR: look again. */
        }
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return status;
}

_Noreturn void die_of_signal(int signal_number)
{
    signal(signal_number, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signal_number);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    raise(signal_number);
    _exit(128 + signal_number);
}

bool make_directories(const char *path)
{
    char partial[4096];
    if (snprintf(partial, sizeof partial, "%s", path) >= (int)sizeof partial) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(partial, 0755) != 0 && errno != EEXIST) return false;
            *p = '/';
        }
    struct stat st;
    if (mkdir(partial, 0755) == 0) return true;
    if (errno != EEXIST) return false;
    if (stat(partial, &st) == 0 && S_ISDIR(st.st_mode)) return true;
    errno = ENOTDIR;
    return false;
}
