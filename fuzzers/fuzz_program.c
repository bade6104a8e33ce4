/*
 * fuzz_program.c — the one coverage-guided fuzz target: each input is a
 * program in the binary form (every byte string is one), run by the whole
 * harness against one allocator. Built for libFuzzer (plain, ASan+UBSan,
 * TSan), for AFL++ (afl_main.c) and for replay (replay_main.c) by
 * fuzzers/build.sh.
 *
 * Settings come from the environment, read once at start-up:
 *   GAUNTLET_ALLOC  glibc, jemalloc, mimalloc, tcmalloc or so:PATH (default:
 *                   GAUNTLET_DEFAULT_ALLOC, glibc unless the build says otherwise,
 *                   as the ClusterFuzzLite build does for one binary per allocator)
 *   GAUNTLET_MODE   lockstep (default: findings replay from their file) or
 *                   free (free-running threads, for the TSan build)
 *   GAUNTLET_CAP    live-bytes cap (e.g. 64MiB); default `gauntlet run`'s,
 *                   so that a finding replays with the same cap
 *   GAUNTLET_CPU    lock-step only: the CPU the process is pinned to
 *                   (default: the one it started on), or "none"
 *   GAUNTLET_KNOWN  a --known file: violations it names are passed over (the
 *                   campaign lists there what it has already found)
 *   GAUNTLET_HISTORY  a directory: each process keeps there the last inputs
 *                   it ran (history-PID.bin, input_history.c), removed when
 *                   it exits normally; a process that dies leaves it, so
 *                   that a crash needing earlier inputs replays with them
 *   GAUNTLET_YOUNG  N: one input in N is also run in a young process
 *                   (young_process.c; lock-step, not under TSan)
 * A violation is reported on stderr, then abort()s so that the engine keeps
 * the input as a crash.
 */
#include "fuzz_program.h"

#include "gauntlet.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GAUNTLET_DEFAULT_ALLOC
#define GAUNTLET_DEFAULT_ALLOC "glibc"
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FUZZ_UNDER_TSAN 1
#endif
#endif

const char *fuzz_input_name;
bool fuzz_exit_on_violation;

static struct allocator allocator;
static struct run_config config;
static bool ready;

/* libFuzzer reads counters in this section as coverage (other engines and
 * the replay driver ignore it). */
__attribute__((
    section("__libfuzzer_extra_counters"))) static uint8_t block_sizes[2][SIZE_COVERAGE_CLASSES];
__attribute__((
    section("__libfuzzer_extra_counters"))) static uint8_t address_reuse[REUSE_COVERAGE_CLASSES];

/* report.c calls this after the report (run_config.after_violation);
 * returning lets it _exit(1). */
static void on_violation(void)
{
    if (!fuzz_exit_on_violation) abort();
}

static _Noreturn void setup_error(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_program: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

/* Lock-step mode runs one thread at a time, so its threads lose nothing by
 * sharing one CPU; and a hand-off between two threads on one CPU is a direct
 * switch instead of a cross-CPU wake-up, which dominated the cost of a short
 * program. Free-running mode wants real parallelism and is left alone. Threads
 * created later inherit the mask. */
static void pin_to_one_cpu(void)
{
    const char *want = getenv("GAUNTLET_CPU");
    if (want && strcmp(want, "none") == 0) return;
    int cpu = want ? atoi(want) : sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0 && want)
        fprintf(stderr, "fuzz_program: cannot pin to CPU %d; running unpinned\n", cpu);
}

/* The history of this process's inputs. Made at its first input, by pid:
 * AFL++'s fork server runs inputs in children of the process that set up. */
static const char *history_dir;
static struct input_history *history;
static pid_t history_pid;
static char history_path[4200];

static void discard_history(void)
{
    if (history && history_pid == getpid()) unlink(history_path);
}

static void record_input(const uint8_t *data, size_t size)
{
    if (history_dir == NULL) return;
    if (history == NULL || history_pid != getpid()) {
        history_pid = getpid();
        snprintf(history_path, sizeof history_path, "%s/history-%ld.bin", history_dir,
                 (long)history_pid);
        char err[4400];
        history = input_history_create(history_path, err, sizeof err);
        if (history == NULL) setup_error("GAUNTLET_HISTORY", err);
    }
    input_history_record(history, data, size);
}

static void load_known(const char *path)
{
    static struct known_findings known;
    static char text[KNOWN_FINDINGS_MAX * FINDING_SIGNATURE_MAX * 2];
    FILE *f = fopen(path, "r");
    if (f == NULL) setup_error("cannot read GAUNTLET_KNOWN", path);
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    char error[256];
    if (!known_findings_parse(text, len, &known, error, sizeof error))
        setup_error("GAUNTLET_KNOWN: not a --known file:", error);
    config.known = &known;
    config.known_path = path;
}

static void run_input(const uint8_t *data, size_t size);

static void setup(char **argv)
{
    allocator_prepare_process(argv);
    run_config_default(&config);
    /* The engine's -timeout finds hangs (`gauntlet run` names them when the
     * finding is confirmed); without a watchdog, single-thread programs run
     * on the fuzzing thread itself. */
    config.watchdog_seconds = 0;

    const char *mode = getenv("GAUNTLET_MODE");
    if (mode == NULL || strcmp(mode, "lockstep") == 0)
        config.mode = MODE_LOCKSTEP;
    else if (strcmp(mode, "free") == 0)
        config.mode = MODE_FREE;
    else
        setup_error("GAUNTLET_MODE must be lockstep or free, not", mode);

    const char *cap = getenv("GAUNTLET_CAP");
    if (cap && (!size_parse(cap, &config.live_cap) || config.live_cap == 0))
        setup_error("GAUNTLET_CAP needs a size such as 64MiB, not", cap);

    /* The campaign's known findings (gauntlet fuzz keeps OUT/known.txt):
     * passed over, so that the engine goes on to new ones. */
    const char *known_path = getenv("GAUNTLET_KNOWN");
    if (known_path && *known_path) load_known(known_path);

    /* The allocator's settings this target was started with (by a campaign,
     * or by hand): its reports' commands carry them. */
    static char settings_text[SETTINGS_TEXT_MAX];
    static const char *settings[SETTINGS_COUNT_MAX + 1];
    bool complete;
    if (settings_in_environment(NULL, settings_text, sizeof settings_text, settings,
                                SETTINGS_COUNT_MAX, &complete) > 0)
        config.settings = settings;

    history_dir = getenv("GAUNTLET_HISTORY");
    if (history_dir && *history_dir == '\0') history_dir = NULL;
    if (history_dir) atexit(discard_history);

    const char *name = getenv("GAUNTLET_ALLOC");
    char err[512];
    if (!allocator_open(name && *name ? name : GAUNTLET_DEFAULT_ALLOC, &allocator, err, sizeof err))
        setup_error("cannot open the allocator", err);
    /* Pinned only once the allocator has set itself up: an allocator sizes
     * itself by the CPUs it may run on (jemalloc gives a one-CPU process a
     * single arena, so that threads never meet in different arenas), and the
     * target must see the heap `gauntlet run` sees. */
    allocator.free(allocator.malloc(1));
    if (config.mode == MODE_LOCKSTEP) pin_to_one_cpu();
    static const struct run_feedback feedback = {block_sizes, address_reuse};
    config.after_violation = on_violation;
    config.quiet_notes = true;
    report_catch_exit();
    config.feedback = &feedback;
    ready = true;
#if !defined(FUZZ_UNDER_TSAN) && !defined(__SANITIZE_THREAD__)
    /* TSan's runtime has threads of its own: no fork from here. */
    if (config.mode == MODE_LOCKSTEP) young_start(run_input);
#endif
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_UNDER_ASAN 1
#endif
#endif
#if defined(FUZZ_UNDER_ASAN) || defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's built-in suppressions. gperftools registers its
 * MallocExtension with operator new from libstdc++ at start-up and never
 * frees it: 8 bytes reported at exit (the frame naming it is seen only with
 * fast_unwind_on_malloc=0, so the library is named too). No other C++ code
 * allocates through ASan's malloc here: the harness is C and libFuzzer
 * carries its own. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:MallocExtension::Register\nleak:libstdc++.so\n";
}
#endif

#if defined(FUZZ_UNDER_TSAN) || defined(__SANITIZE_THREAD__)
/* libFuzzer's coverage counters are plain byte increments, and clang 14
 * instruments them for TSan: threads running the same harness code "race"
 * on them. They live in __sancov_cntrs, which TSan names after the nearest
 * symbol: __TMC_END__, or, since block_sizes put a section before them,
 * __stop___libfuzzer_extra_counters (checked with clang 14 on this machine). */
const char *__tsan_default_suppressions(void);
/* Called while the runtime starts: uninstrumented, or it crashes. */
__attribute__((no_sanitize("thread"))) const char *__tsan_default_suppressions(void)
{
    return "race:__TMC_END__\nrace:__stop___libfuzzer_extra_counters\n";
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    setup(argv ? *argv : NULL);
    return 0;
}

/* The engine's own children (libFuzzer keeps llvm-symbolizer running once
 * it has named a new function of an instrumented allocator): read from
 * /proc only when some child is running. */
#define CHILDREN_MAX 64
struct children {
    unsigned count;
    long pids[CHILDREN_MAX];
};

static void list_children(struct children *c)
{
    c->count = 0;
    DIR *tasks = opendir("/proc/self/task");
    for (struct dirent *t; tasks && (t = readdir(tasks)) != NULL;) {
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", t->d_name);
        FILE *f = t->d_name[0] == '.' ? NULL : fopen(path, "r");
        for (long pid; f && c->count < CHILDREN_MAX && fscanf(f, "%ld", &pid) == 1;)
            c->pids[c->count++] = pid;
        if (f) fclose(f);
    }
    if (tasks) closedir(tasks);
}

static bool some_child_runs(void)
{
    return waitpid(-1, NULL, WNOHANG) == 0; /* else no child, or one that ended */
}

/* A process the allocator started (fork) that outlives its input: a
 * finding, made a crash the engine keeps (`gauntlet run` names it when it
 * confirms the file). One system call an input while no child runs. */
static void check_no_process_left(const struct children *before)
{
    if (!some_child_runs()) return;
    struct children now;
    list_children(&now);
    unsigned new_ones = 0;
    for (unsigned i = 0; i < now.count; i++) {
        bool known = false;
        for (unsigned j = 0; j < before->count; j++)
            known |= now.pids[i] == before->pids[j];
        new_ones += !known;
    }
    if (new_ones == 0) return;
    fputs("gauntlet: FINDING `forked`: the allocator started a process that outlived the "
          "program\n",
          stderr);
    on_violation();
    _exit(1);
}

/* One input's program, run; also what a young process runs. */
static void run_input(const uint8_t *data, size_t size)
{
    /* One program's storage for every input: mapping and unmapping it for
     * each cost more than a short program. */
    static struct program program;
    program_clear(&program);
    program_append_binary(data, size, &program);
    if (program.count == 0) return;
    /* The report's reproduce line names the file; under an engine the file
     * is the crash file it is about to write. */
    config.program_path = fuzz_input_name ? fuzz_input_name : "CRASH_FILE";
    struct run_stats stats;
    struct children before = {0};
    if (some_child_runs()) list_children(&before);
    run_program(&program, &allocator, &config, &stats);
    check_no_process_left(&before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) setup(NULL);
    if (size > (size_t)FUZZ_MAX_OPS * GAUNTLET_RECORD_SIZE)
        size = (size_t)FUZZ_MAX_OPS * GAUNTLET_RECORD_SIZE;
    record_input(data, size);
    run_input(data, size);
    if (young_run_fails(data, size, config.known)) {
        on_violation();
        _exit(1);
    }
    return 0;
}
