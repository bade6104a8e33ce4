/*
 * cli.h — what the `gauntlet` subcommands (cmd_*.c) share: reading programs
 * from files, writing outputs atomically, parsing numbers, and usage errors.
 * Exit statuses are a contract: 0 fine, 1 a finding, 2 usage/input/set-up.
 */
#ifndef GAUNTLET_CLI_H
#define GAUNTLET_CLI_H

#include "gauntlet.h"

#define EXIT_FINDING 1
#define EXIT_USAGE   2

enum input_format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_BINARY };

/* Loads FILE (or "-" for stdin) as a program; on error prints why and exits 2. */
void load_program(const char *path, enum input_format format, struct program *out);
/* Reads a whole file into harness memory; false with errno on failure. */
bool read_whole_file(const char *path, uint8_t **bytes, size_t *len, size_t *mapped);
/* Writes bytes to PATH atomically (temporary file, fsync, rename), or to
 * stdout when path is NULL or "-". Exits 2 with a message on failure. */
void write_output(const char *path, const uint8_t *bytes, size_t len);
/* The same for output produced by a writer (true on success). */
typedef bool (*output_writer)(int fd, const void *context);
void write_output_with(const char *path, output_writer writer, const void *context);

/* Runs argv (argv[0] searched in PATH) and waits; with log_path, its stdout
 * and stderr are appended to that file. Returns the wait status (-1: not
 * started). */
int spawn_wait(const char *const argv[], const char *log_path);
/* spawn_wait with a deadline: the child leads a process group of its own,
 * killed whole (SIGKILL) when `seconds` pass (0: no deadline; *timed_out
 * says so) or when this process gets SIGINT, SIGTERM or SIGHUP meanwhile
 * (*stop_signal names it: the caller cleans up, then die_of_signal()). */
int spawn_wait_deadline(const char *const argv[], const char *log_path, double seconds,
                        bool *timed_out, int *stop_signal);
/* Ends the process by that signal's default action (exit 128+N if it survives). */
_Noreturn void die_of_signal(int signal_number);
/* mkdir -p: true when PATH is a directory afterwards; false with errno. */
bool make_directories(const char *path);
/* The repository root: build/gauntlet lives in ROOT/build/ (corpus, fuzzers). */
void repository_root(char *root, size_t len);
/* snprintf for paths: a path that does not fit is an input error (exit 2),
 * never a silently truncated file name. */
void path_printf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn void usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses a size with the program text's syntax (100, 4KiB, 2^20, …). */
bool parse_size_arg(const char *text, size_t *value);
bool parse_u64_arg(const char *text, uint64_t *value);
enum input_format parse_format_arg(const char *command, const char *text);
bool is_help(const char *arg);

/* replay.c: one program file run by `gauntlet run` in a fresh child process. */
struct replay_options {
    const char *alloc;
    const char *mode;    /* NULL: run's default (lockstep) */
    const char *timeout; /* NULL: run's default watchdog */
    const char *format;  /* NULL: auto-detected; "binary" for engines' crash files */
    const char *cap;     /* NULL: run's default live-bytes cap */
    bool strict;
};

enum replay_status { REPLAY_PASS = 0, REPLAY_FAIL = 1, REPLAY_ERROR = 2 };

struct replay {
    enum replay_status status;
    char invariant[64];  /* as reported; "crash" for a signal, "hang" when killed */
    char operation[256]; /* the operation's text from the report, "" if none */
    char kind[32];       /* its operation kind ("malloc", …), "?" if none */
    char message[256];   /* first line of stderr, for errors */
    char report[8192];   /* the child's whole stderr (truncated), for saving */
};

/* Takes argv[*i] if it is one of the options that shape a replay (--mode,
 * --timeout, --strict, --cap), advancing *i past its value; usage errors
 * name `command`. */
bool parse_replay_option(const char *command, int argc, char **argv, int *i,
                         struct replay_options *o);
#define REPLAY_OPTIONS_HELP                                                                        \
    "  --mode MODE        lockstep (default) or free\n"                                            \
    "  --timeout SECONDS  the watchdog bound of each run (10)\n"                                   \
    "  --strict           the allocator's known deviations count as violations\n"                  \
    "  --cap SIZE         the live-bytes cap of each run (as the campaign used)\n"
/* Runs PATH against o->alloc; false only when the child could not be started. */
bool replay_program_file(const struct replay_options *o, const char *path, struct replay *out);

/* Commands: each returns the process exit status. */
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_reproducer(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_minimize(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_stress_one(int argc, char **argv);
int cmd_stress_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);

/* Allocator names a user may pass to --alloc, with "all" expanded to the
 * installed named allocators. */
bool allocator_installed(const char *name, char *err, size_t err_len);
/* Appends the names of a --alloc list ("a,b", "all": every installed named
 * allocator) to names[count..capacity); returns the new count. */
unsigned add_allocator_names(const char *command, char *list, const char **names, unsigned count,
                             unsigned capacity);

#endif
