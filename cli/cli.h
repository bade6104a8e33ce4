/*
 * cli.h — the toolkit of the `gauntlet` command (cli/, and the commands of
 * fuzzers/campaign/ and stress/): reading arguments and programs, writing
 * outputs atomically, where things are, starting processes, and running a
 * program in a child to read its verdict. A section per file.
 * Exit statuses are a contract: 0 fine, 1 a finding, 2 usage/input/set-up.
 */
#ifndef GAUNTLET_CLI_H
#define GAUNTLET_CLI_H

#include "gauntlet.h"

#include <sys/types.h>

#define EXIT_FINDING 1
#define EXIT_USAGE   2

/* ---- args.c: the command line ---- */

enum input_format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_BINARY };

_Noreturn void usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool is_help(const char *arg);
bool parse_u64_arg(const char *text, uint64_t *value);
/* A size: a number, or the program text's syntax (4KiB, 256MiB, 2^30). */
bool parse_size_arg(const char *text, size_t *value);
enum input_format parse_format_arg(const char *command, const char *text);
/* A live-bytes cap: a size above zero and within what this machine can give
 * (machine.c); anything else is a usage error naming `command`. */
size_t parse_cap_arg(const char *command, const char *text);
/* A watchdog bound: 1..86400 seconds; anything else is a usage error. */
unsigned parse_timeout_arg(const char *command, const char *text);
/* A number of rounds the reuse rule can judge (rules.h); else a usage error. */
unsigned parse_rounds_arg(const char *command, const char *text);
/* ---- settings.c: the allocator's settings (--alloc-env NAME=VALUE) ---- */

/* main() keeps its argv: a command starts again with it (settings_apply). */
void settings_remember_argv(char **argv);
/* Checks one NAME=VALUE and appends it; else a usage error naming `command`. */
void settings_add(const char *command, struct settings *s, const char *text);
/* Appends the allocator settings the environment holds that `s` does not
 * give (setting_environment.c), saying so on stderr; a usage error when one
 * cannot be carried. Once per process. */
void settings_adopt_environment(const char *command, struct settings *s);
/* Returns once the environment holds every setting, the command having
 * started itself again with them if it did not (exit 2 when it cannot);
 * then adopts the environment's own (settings_adopt_environment). */
void settings_apply(const char *command, struct settings *s);
#define SETTINGS_HELP                                                                              \
    "  --alloc-env NAME=VALUE  a setting the allocator reads from its environment\n"               \
    "                     (MALLOC_CONF=..., MIMALLOC_...=..., GLIBC_TUNABLES=..., TCMALLOC_...;\n" \
    "                     repeatable; `gauntlet list` suggests some): every run starts with\n"     \
    "                     it, and the reports' commands carry it; such a variable\n"               \
    "                     already in the environment is taken as given (and said)\n"
/* Appends "--alloc-env S" for each setting to argv[n..]; returns the new n. */
int settings_add_args(const struct settings *s, const char **argv, int n);

/* Appends the names of a --alloc list ("a,b"; "all": every installed named
 * allocator) to names[count..capacity); returns the new count. Usage errors
 * name `command`. */
unsigned add_allocator_names(const char *command, char *list, const char **names, unsigned count,
                             unsigned capacity);
/* Whether NAME opens here (tried in a child: some libraries cannot share a
 * process); else false with the reason. */
bool allocator_installed(const char *name, char *err, size_t err_len);

/* ---- files.c: files in and out ---- */

/* Loads FILE (or "-" for stdin) as a program; on error prints why and exits 2. */
void load_program(const char *path, enum input_format format, struct program *out);
/* Reads a whole file into harness memory; false with errno on failure
 * (EFBIG: more than files.c's limit, far above any program). */
bool read_whole_file(const char *path, uint8_t **bytes, size_t *len, size_t *mapped);
/* Adds a --known file's signatures to k; a usage error (exit 2, naming
 * `command`) when it cannot be read or a line is not a signature. */
void load_known_findings(const char *command, const char *path, struct known_findings *k);
/* Writes bytes to PATH atomically (temporary file, fsync, rename), or to
 * stdout when path is NULL or "-". Exits 2 with a message on failure. */
void write_output(const char *path, const uint8_t *bytes, size_t len);
/* The same for output produced by a writer (true on success). */
typedef bool (*output_writer)(int fd, const void *context);
void write_output_with(const char *path, output_writer writer, const void *context);
/* A program in the binary form, gauntlet's header first (so that it is
 * recognised), written as write_output writes; exits 2 on failure. */
void write_program_binary(const char *path, const struct program *p);
/* snprintf for paths: a path that does not fit is an input error (exit 2),
 * never a silently truncated file name. */
void path_printf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* mkdir -p: true when PATH is a directory afterwards; false with errno. */
bool make_directories(const char *path);
/* The bytes this process can still write on the file system holding PATH
 * (UINT64_MAX when it cannot tell). */
uint64_t free_bytes_at(const char *path);

/* ---- machine.c: what this machine can give ---- */

/* The most memory one process can have here, in bytes: RAM and swap, the
 * address-space and data limits, the memory cgroup's limit. */
uint64_t machine_memory_limit(void);

/* ---- locations.c: where things are (a source tree, or an installation) ---- */

const char *self_path(void);        /* the running gauntlet, as a path any shell can run */
const char *data_dir(void);         /* holds corpus/ and fuzzers/ (dictionary, options) */
const char *fuzz_targets_dir(void); /* the built fuzz targets and their seeds/ */
const char *recorder_path(void);    /* the recording library gauntlet record preloads */
const char *output_root(void);      /* where default output directories go */
bool in_source_tree(void);          /* fuzzers/build.sh is at data_dir() */

/* ---- process.c: the one way other processes are started ---- */

struct process {
    /* What to run: a program (argv[0] searched in PATH), or `call(arg)` in
     * a forked child (its return value is the exit status). */
    const char *const *argv;
    int (*call)(void *arg);
    void *arg;
    const char *out_path; /* stdout (and stderr, unless captured) appended here */
    bool truncate_out;    /* … or written afresh */
    bool quiet;           /* stdout to /dev/null */
    char *err;            /* stderr captured here (NUL-terminated, truncated), or NULL */
    size_t err_size;
    bool want_record;      /* a pipe for the run record (gauntlet.h, RUN_RECORD_ENV) */
    const char *directory; /* its working directory, or NULL */
    bool keeps_stdin;      /* reads gauntlet's standard input (else /dev/null) */
    unsigned grace_ms;     /* how long the rest of the group may go on after the leader */
    /* How it went: */
    pid_t pid;
    int status;       /* the leader's wait status; -1 when it never ran */
    bool ended;       /* the leader ended and was reaped */
    bool timed_out;   /* process_run's deadline passed: the group was stopped */
    bool leftovers;   /* the group still had members when the leader ended: stopped */
    int stop_signal;  /* SIGINT, SIGTERM or SIGHUP arrived meanwhile */
    char record[512]; /* the run record the child wrote, if any */
    size_t err_used;
    int err_fd, record_fd, pidfd;
};

/* Once, first thing in main: gauntlet becomes the subreaper of what it
 * starts; stop signals are forwarded to the groups running (or end gauntlet
 * when none runs); every group is stopped at exit. */
void process_setup(void);
/* Starts p as the leader of a new process group; false with errno. */
bool process_start(struct process *p);
/* Waits up to `seconds` (negative: without end) for the leader to end:
 * true when it did (then reaped, its output read, the rest of its group
 * stopped); false on the deadline or a stop signal (p->stop_signal). */
bool process_await(struct process *p, double seconds);
/* Stops the whole group: SIGTERM, at most 5 s, then SIGKILL. */
void process_stop(struct process *p);
/* Start, wait (`seconds` > 0: then stop it, p->timed_out), return the
 * leader's wait status (-1: could not start, errno says why). */
int process_run(struct process *p, double seconds);
/* The stop signal that arrived while a group ran (0: none). */
int process_interrupted(void);
/* From now on a stop signal never ends gauntlet by itself: a long command
 * (a fuzz campaign) polls process_interrupted() and ends in its own way. */
void process_defer_stop_signals(void);
/* After a wait: ends gauntlet by the stop signal that interrupted it,
 * unless stop signals are deferred. */
void process_honour_stop(const struct process *p);
/* Ends the process by that signal's default action (exit 128+N if it survives). */
_Noreturn void die_of_signal(int signal_number);

/* ---- child_run.c: a program file run by `gauntlet run` in a fresh process ---- */

/* The options that shape a run, as minimize, triage, fuzz and upgrade pass
 * them on to `gauntlet run`. */
struct run_options {
    const char *alloc;
    const char *mode;    /* NULL: run's default (lockstep) */
    const char *timeout; /* NULL: run's default watchdog */
    const char *format;  /* NULL: auto-detected; "binary" for engines' crash files */
    const char *cap;     /* NULL: run's default live-bytes cap */
    const char *known;   /* NULL: none; else a --known file, read when parsed into: */
    const struct known_findings *known_findings;
    const char *repeat;       /* NULL: once; else each program this many times (a race's rate) */
    const char *rounds;       /* NULL: once; else each run makes the program this many rounds */
    struct settings settings; /* the allocator's (--alloc-env) */
    bool strict;
};

/* Takes argv[*i] if it is one of the options that shape a run (--mode,
 * --timeout, --strict, --cap, --format), advancing *i past its value; usage
 * errors name `command`. */
bool parse_run_option(const char *command, int argc, char **argv, int *i, struct run_options *o);
#define RUN_OPTIONS_HELP                                                                           \
    "  --mode MODE        lockstep (default) or free\n"                                            \
    "  --timeout SECONDS  the watchdog bound of each run (10)\n"                                   \
    "  --strict           the allocator's known deviations count as violations\n"                  \
    "  --cap SIZE         the live-bytes cap of each run (as the campaign used)\n"                 \
    "  --format F         how to read the program: auto (default), text or binary (an\n"           \
    "                     engine's crash file has no header: binary)\n"                            \
    "  --known FILE       pass over violations whose signature a line of FILE matches\n"           \
    "                     (a shell pattern, or a saved report's signature: lines)\n"               \
    "  --repeat N         run each program N times, each in a fresh process: it fails when\n"      \
    "                     any run does, and says in how many (a free-running race)\n"              \
    "  --rounds N         make the program N times in one process, nothing live between\n"         \
    "                     rounds, and judge whether freed memory is reused "                       \
    "(32..256)\n" SETTINGS_HELP

enum verdict_status { VERDICT_PASS = 0, VERDICT_FAIL = 1, VERDICT_ERROR = 2 };

/* How a run in a child process ended, from its run record and its end. */
struct child_verdict {
    enum verdict_status status;
    char invariant[64];  /* as reported; "crash", "hang", "exit", "forked", "no-record" … */
    char operation[256]; /* the operation's text, "" if none */
    char kind[32];       /* its operation kind ("malloc", …), "?" if none */
    char signature[FINDING_SIGNATURE_MAX]; /* what tells it from other findings (gauntlet.h) */
    long long index;                       /* the operation's index, -1: end of program or none */
    char message[256];                     /* the first line of its stderr, for errors */
    char report[8192];                     /* its whole stderr (truncated), for saving */
};

/* Reads a child's end into a verdict: its run record when it wrote one,
 * else how it ended (a signal, an exit without a record, a timeout, a
 * process left behind). Exit status 2 with no record is a set-up error. */
void child_verdict_read(const struct process *p, struct child_verdict *v);
/* Runs PATH against o->alloc in `gauntlet run`; false only when it could
 * not be started. */
bool child_run_file(const struct run_options *o, const char *path, struct child_verdict *out);

/* ---- classes.c ---- */

/* What the allocator says of itself, and the family it is of (a so:
 * library's, told by its marker symbols); "" when unknown. */
struct allocator_identity {
    char version[256];
    char family[16];
};
/* Probes ALLOC's size classes into edges[SIZE_CLASSES_MAX] in a supervised
 * child (exit 2 when ALLOC is not installed); says how many on stderr, or
 * that the probe crashed or hung (then none). `who`, when not NULL, gets
 * the allocator's identity ("" when the probe failed). */
size_t probe_allocator_classes(const char *command, const char *alloc, size_t *edges,
                               struct allocator_identity *who);

/* ---- reproducer_check.c: the C reproducer, and whether it reproduces ---- */

/* The options `gauntlet reproducer` writes with for --alloc ALLOC: a so:
 * path made absolute (into `resolved`), the table and sized free of the
 * allocator as `gauntlet run` opens it. False with `err` when it cannot be
 * opened. */
bool reproducer_options_for(const char *alloc, size_t cap, bool strict, char *resolved,
                            size_t resolved_len, struct reproducer_options *out, char *err,
                            size_t err_len);
/* Writes the reproducer of p to path (atomically; exits 2 on failure). */
void reproducer_write_file(const char *path, const struct program *p,
                           const struct reproducer_options *o);
enum reproduction { REPRODUCTION_FAILS, REPRODUCTION_PASSES, REPRODUCTION_UNKNOWN };
/* Writes, compiles (as its header says) and runs p's reproducer in `dir`,
 * in a fresh process: FAILS when it exits 1 as a violation does; `why` says
 * what happened otherwise. */
enum reproduction reproducer_reproduces(const struct program *p, const struct reproducer_options *o,
                                        const char *dir, char *why, size_t why_len);
/* Removes what reproducer_reproduces() left in `dir`. */
void reproducer_remove_files(const char *dir);

/* Commands: each returns the process exit status. */
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_reproducer(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* bench_replay.c: the program's calls, made as the checked run makes them,
 * with no check (the bench's raw side). */
void bench_replay_raw(const struct program *p, const struct allocator *a);
int cmd_fuzz(int argc, char **argv);
int cmd_minimize(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_seeds(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_stress_one(int argc, char **argv);
int cmd_stress_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_build_alloc(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
