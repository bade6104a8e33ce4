/*
 * stress.h — the one internal header of the stress side (stress/): the types
 * its modules share and each module's entry points.
 *
 * A stress run measures one workload on one allocator, in a process of its
 * own (`gauntlet stress-one`, run_one.c): the workload (workload_*.c) makes
 * its allocations through the checked block helpers (blocks.c), which fill
 * every block with the harness's content pattern and count the live bytes;
 * the workload marks its phase ends (phase.c), where the RSS, its peak
 * since the previous phase (VmHWM, reset through /proc/self/clear_refs), the
 * live bytes and the allocator's own statistics (alloc_stats.c) are taken; a
 * sampler thread (sampler.c) records RSS and live bytes over time. The
 * parent (`gauntlet stress`, cmd_stress.c) runs every allocator × workload ×
 * repeat as such a child, gathers the results (results.c: the JSON schema of
 * stress/SCHEMA.md), prints the table (table.c), compares with a baseline
 * (compare.c) and draws (plot.c).
 *
 * Everything the stress side keeps while measuring lives in harness memory
 * (hmem), never in the allocator under test.
 */
#ifndef GAUNTLET_STRESS_H
#define GAUNTLET_STRESS_H

#include "gauntlet.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>

#define STRESS_SCHEMA "gauntlet-stress/1"

/* ---- what a child run is asked to do ---- */

struct stress_params {
    const char *workload;
    uint64_t seed;
    double scale;              /* multiplies the workload's counts (1.0: the documented size) */
    bool checks;               /* content pattern written and verified; off: plain memset */
    unsigned sampler_hz;       /* 0: no sampler */
    bool phase_reset;          /* reset VmHWM at each phase start (per-phase peaks) */
    double settle_seconds;     /* spike: the quiet window before "settled" */
    const char *program_path;  /* replay: the program (NULL: a generated one) */
    uint64_t requests;         /* server: requests served (0: 2,000 × scale) */
    bool aslr;                 /* children with address-space randomization (measure.c) */
    struct settings alloc_env; /* the allocator's settings (--alloc-env): the command starts
                                * with them, so every child and real program has them */
};
void stress_params_default(struct stress_params *p);
/* options.c: takes argv[*i] if it is one of the run-shaping options (--seed,
 * --scale, --checks, --sampler-hz, --settle, --no-phase-reset, --program,
 * --requests, --aslr, --workload), advancing *i past its value. Bad values are usage errors. */
bool parse_stress_option(const char *command, int argc, char **argv, int *i,
                         struct stress_params *p);
#define STRESS_OPTIONS_HELP                                                                        \
    "  --seed N           the workloads' seed (1)\n"                                               \
    "  --scale F          multiplies every workload's counts (1.0; make check uses 0.02)\n"        \
    "  --checks on|off    content pattern written and verified (on); off: memset only\n"           \
    "  --sampler-hz N     RSS samples per second (100; 0: none)\n"                                 \
    "  --settle SECONDS   spike: the quiet window before \"settled\" (12)\n"                       \
    "  --no-phase-reset   peaks over the whole run instead of per phase (see README)\n"            \
    "  --program FILE     replay: the program to replay (default: a generated "                    \
    "one)\n" SETTINGS_HELP /* cli.h */                                                             \
    "                     (recorded: results under other settings are not comparable)\n"           \
    "  --requests N       server: requests served, in 10 batches (2000 × scale)\n"                \
    "  --aslr             children with address-space randomization (off: figures repeat)\n"
/* A number of at least 0, the whole text. */
bool stress_parse_double(const char *text, double *value);
/* The options of p as a child's arguments (texts in text[], at most 16). */
unsigned stress_child_args(const struct stress_params *p, char text[][64], const char **argv);

/* ---- measurement (measure.c) ---- */

size_t proc_rss_bytes(void);                    /* VmRSS, from /proc/self/statm */
size_t statm_resident_bytes(const char *statm); /* the same, from a statm line already read */
size_t proc_peak_bytes(void);                   /* VmHWM, from /proc/self/status */
bool proc_reset_peak(void);                     /* writes 5 to /proc/self/clear_refs */
/* Every stress child starts here (cli.h, process_run), with a fixed
 * address layout unless p->aslr; a stop signal ends gauntlet (its group
 * stopped first). *leftovers: the child's group had members after it ended
 * (the allocator forked). */
int spawn_stress_child(const char *const argv[], const char *log_path,
                       const struct stress_params *p, double seconds, bool *timed_out,
                       bool *leftovers);
/* Sets the address layout the process's next exec gets (fixed unless
 * p->aslr, as every stress child has it); returns what layout_restore
 * puts back. */
int layout_fix(const struct stress_params *p);
void layout_restore(int saved);
/* Whether this process runs with address-space randomization. */
bool layout_randomized(void);
double monotonic_seconds(void);
/* Transparent huge pages setting ("always", "madvise", "never", "?"). */
void thp_setting(char *out, size_t len);

/* ---- allocator statistics and release (alloc_stats.c) ---- */

#define STRESS_MAX_STATS 12
struct alloc_stat {
    const char *name; /* e.g. "stats.resident", "mallinfo2.uordblks" */
    double value;
};
/* The allocator's own view of its memory, by whatever API its family has;
 * returns how many were read (0 when it has none). */
unsigned alloc_stats_read(const struct allocator *a, struct alloc_stat *out, unsigned capacity);
/* Asks the allocator to return its free memory to the system; returns the
 * call made ("mallctl arena.4096.purge", "mi_collect(true)", …) or NULL. */
const char *alloc_release(const struct allocator *a);

/* ---- one child run's state (phase.c, blocks.c, sampler.c) ---- */

#define STRESS_MAX_PHASES 40

struct phase_record {
    char name[32];
    double end_seconds; /* since the run started (the sampler's clock; the allocator opens after) */
    size_t rss;         /* at the phase's end */
    size_t peak_rss;    /* VmHWM over the phase (over the run so far without phase resets) */
    size_t live_bytes;
    size_t peak_live_bytes; /* over the phase */
    size_t harness_rss;     /* the harness's share of rss: its tables made so far count */
    char action[64]; /* what the workload asked of the allocator just before (empty: nothing) */
    unsigned stat_count;
    struct alloc_stat stats[STRESS_MAX_STATS];
};

struct sample {
    double seconds;
    size_t rss, live_bytes;
};

struct sampler; /* sampler.c */

struct stress_run {
    const struct allocator *alloc;
    const struct stress_params *params;
    const char *command_line; /* how to run this again, for findings */
    atomic_size_t live_bytes;
    atomic_size_t peak_live_bytes; /* over the whole run */
    atomic_size_t phase_peak_live; /* since the current phase started */
    atomic_uint_fast64_t ops;      /* allocator calls */
    double started;                /* monotonic seconds when the run (and its sampler) started */
    size_t rss_before_allocator;   /* the binary, libc and the harness's buffers */
    size_t harness_rss;            /* that, plus the workload's tables made resident since */
    struct phase_record phases[STRESS_MAX_PHASES];
    unsigned phase_count;
    const char *release_call; /* what alloc_release made (spike), or NULL */
    struct sampler *sampler;
};

/* Ends the current phase: records its figures under `name` and starts the
 * next one (resetting VmHWM when the params ask for it). */
void stress_phase(struct stress_run *r, const char *name);
/* The same, for a phase that ends right after the workload asked the
 * allocator for something beyond malloc and free (a release call): `action`
 * names the call, or "none" when the allocator has no such call. A
 * comparison judges that phase's figures only between runs that did the
 * same (compare.c). */
void stress_phase_after(struct stress_run *r, const char *name, const char *action);
/* A workload's bookkeeping (block tables): harness memory, made resident at
 * once and added to the harness's share of the RSS. */
void *stress_table(struct stress_run *r, size_t bytes);

/* sampler.c: a thread recording (time, RSS, live bytes) at `hz`. */
struct sampler *sampler_start(struct stress_run *r, unsigned hz);
/* The same with the RSS from read_rss(context) instead of this process's
 * (a command measured from outside: real_process.c). */
struct sampler *sampler_start_reading(struct stress_run *r, unsigned hz,
                                      size_t (*read_rss)(void *context), void *context);
/* Stops the thread; the samples stay readable until the process ends. */
void sampler_stop(struct sampler *s);
const struct sample *sampler_samples(const struct sampler *s, size_t *count);
double sampler_cpu_seconds(const struct sampler *s);  /* the sampler thread's own CPU time */
double sampler_wall_seconds(const struct sampler *s); /* how long the thread ran */

/* run_one.c: the run's "series" (stress/SCHEMA.md); without live bytes
 * for a command measured from outside, which has none to count. */
json_t *stress_series_object(const struct stress_run *r, bool with_live_bytes);

/* ---- checked blocks (blocks.c) ---- */

/* A block the workload holds: its address, requested size and pattern tag. */
struct sblock {
    void *p;
    size_t size;
    uint64_t tag;
};

/* malloc through the adapter; the block is written in full (pattern or
 * memset) and counted live. A NULL result is a finding (the process ends). */
void sblock_alloc(struct stress_run *r, struct sblock *b, size_t size, uint64_t tag);
/* The live bytes change (and their peaks follow). */
void stress_count_live(struct stress_run *r, size_t added, size_t removed);
/* Verifies the contents (sampled), frees, uncounts. No-op on an empty block. */
void sblock_free(struct stress_run *r, struct sblock *b);
/* realloc through the adapter: the kept prefix is verified, the grown tail written. */
void sblock_resize(struct stress_run *r, struct sblock *b, size_t new_size);
/* Reports a stress finding like the harness's reports, then exits 1. */
_Noreturn void stress_finding(struct stress_run *r, const char *invariant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- deterministic randomness (rng.c) ---- */

struct rng {
    uint64_t state;
};
struct rng rng_seeded(uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *g);
uint64_t rng_below(struct rng *g, uint64_t bound); /* [0, bound) */
/* Log-uniform in [lo, hi]: as many small sizes per octave as large ones. */
size_t rng_log_size(struct rng *g, size_t lo, size_t hi);
/* A count scaled by the params' scale, at least `minimum`. */
size_t scaled(const struct stress_run *r, size_t count, size_t minimum);

/* ---- workloads (workload_*.c, workloads.c) ---- */

struct workload {
    const char *name;
    const char *models; /* the real program it models, one line */
    void (*run)(struct stress_run *r);
};
extern const struct workload workloads[];
extern const size_t workload_count;
const struct workload *workload_find(const char *name);

void workload_server(struct stress_run *r);
void workload_fragment(struct stress_run *r);
void workload_producer_consumer(struct stress_run *r);
void workload_thread_churn(struct stress_run *r);
void workload_realloc_growth(struct stress_run *r);
void workload_spike(struct stress_run *r);
void workload_replay(struct stress_run *r);
/* `trace:FILE` (workload_trace.c): the file is the name's rest. */
#define TRACE_WORKLOAD_PREFIX "trace:"
void workload_trace(struct stress_run *r);

/* ---- the parent: plans, collection, summary, table (collect.c, summary.c, table.c) ---- */

/* `gauntlet stress --cmd`: a real program measured from outside (real_*.c). */
struct real_command {
    const char *cmd;     /* run by /bin/sh -c, the allocator preloaded */
    const char *load;    /* run by /bin/sh -c `steps` times once ready; NULL: CMD runs to its end */
    unsigned steps;      /* load runs (1) */
    unsigned ready_port; /* ready when 127.0.0.1:PORT accepts a connection (0: not a port) */
    double ready_seconds; /* … or when this long has passed (0 with no port: no ready phase) */
    double ready_timeout; /* a command not ready after this long is an error (30) */
    const char *name;     /* the rows' workload name: --name, or cmd:<CMD's first word> */
};
/* real_options.c: takes argv[*i] if it is one of --cmd, --load, --steps,
 * --ready, --ready-timeout, --name, advancing *i past its value. */
bool parse_real_option(const char *command, int argc, char **argv, int *i, struct real_command *c);
/* Checks a --cmd's options together and names its rows; usage errors. */
void real_command_finish(const char *command, struct real_command *c);
#define REAL_OPTIONS_HELP                                                                          \
    "  --cmd \"CMD\"        measure a real program instead of workloads (see below)\n"             \
    "  --load \"LOADCMD\"   run after CMD is ready, --steps times; RSS taken after each\n"         \
    "  --steps N          load runs (1)\n"                                                         \
    "  --ready PORT|Ns    CMD is ready when 127.0.0.1:PORT accepts a connection, or after\n"       \
    "                     N seconds (2s, 0.5s); needed with --load\n"                              \
    "  --ready-timeout S  a CMD not ready after S seconds is an error (30)\n"                      \
    "  --name NAME        the rows' workload name (cmd:<CMD's first word>)\n"
/* real_group.c: a command's process group seen from outside. */
struct real_group;
/* Starts watching the group; `preload` is the library preloaded (NULL:
 * none; a path, or a soname the loader finds), to be found among the
 * mappings. */
struct real_group *real_group_watch(pid_t pgid, const char *preload);
/* The sampler's reader: the sum of the members' VmRSS now (once none is
 * left: the sum at the last sample that saw the most members), and the
 * phase's peak kept up to date. */
size_t real_group_sample(void *group);
/* Ends a phase: the RSS now (as above) and the phase's peak; with `reset`,
 * each member's VmHWM is reset for the next phase. */
void real_group_phase(struct real_group *g, bool reset, size_t *rss, size_t *peak);
/* The most members seen at once. */
unsigned real_group_most_members(struct real_group *g);
/* The allocator libraries seen mapped in any member: named allocators'
 * files ("libjemalloc.so.2") and the preloaded library; with others_only,
 * all but the preloaded one. */
json_t *real_group_mapped(struct real_group *g, bool others_only);

/* real_served.c: which library served the command's malloc. In the forked
 * leader: the recording library first in preload (a colon list, edited in
 * place) and told to say into PATH. */
void real_served_environment(const char *path, char *preload, size_t len);
/* The library the leader's malloc went to (else the last process's); false
 * when no process said. */
bool real_served_read(const char *path, int leader, char *out, size_t len);
/* Whether the preloaded library was seen mapped. */
bool real_group_preload_mapped(struct real_group *g);
void real_group_free(struct real_group *g);
/* The settings object's "cmd" (stress/SCHEMA.md). */
json_t *real_command_object(const struct real_command *c);
/* real_process.c: CMD under one allocator, measured; its RUN object
 * (a failed one: an error or a finding). `dir` holds its logs. */
json_t *real_process_run(const struct real_command *c, const char *alloc,
                         const struct stress_params *p, unsigned repeat, double timeout,
                         const char *dir);

struct stress_plan {
    const char *const *allocs;
    unsigned alloc_count;
    const char *const *workloads;
    unsigned workload_count;
    unsigned repeat;
    unsigned first_repeat;       /* the index of the first repeat (more of an earlier plan) */
    struct stress_params params; /* .workload is set per run */
    double timeout_seconds;      /* a child still running after this long is a hang (0: default) */
    const struct real_command *real; /* --cmd: the one "workload" of the plan, or NULL */
};
/* The deadline of each child run of a plan (collect.c): timeout_seconds, or
 * 60 s + the settle time + 600 s × the work (the scale, or --requests / 2000). */
double stress_run_timeout(const struct stress_plan *plan);
/* Takes argv[*i] if it is --timeout SECONDS, into plan; a bad value is a usage error. */
bool parse_timeout_option(const char *command, int argc, char **argv, int *i,
                          struct stress_plan *plan);
#define STRESS_TIMEOUT_HELP                                                                        \
    "  --timeout SECONDS  a run still going after this long is killed, a hang finding\n"           \
    "                     (default 60 + settle + 600 × scale)\n"
struct collect_counts {
    unsigned findings, errors;
};
/* A --workload list ("a,b" or "all") into names; unknown names are usage errors. */
unsigned parse_workload_list(const char *command, char *list, const char **names,
                             unsigned capacity);
/* The document's "settings" object for a plan (stress/SCHEMA.md). */
json_t *stress_settings_object(const struct stress_plan *plan);
/* A RUN object for a run that did not complete (stress/SCHEMA.md): the
 * report's first line is its detail. */
json_t *stress_failed_run(const char *alloc, const char *workload, unsigned repeat,
                          const char *status, const char *report);
/* Makes s valid UTF-8 in place (JSON strings must be). */
void utf8_repair(char *s);
/* Runs the plan, one child per run, and returns its results document. */
json_t *stress_collect(const struct stress_plan *plan, const char *command_line,
                       struct collect_counts *counts);
/* The SUMMARY array of a document's runs: medians per allocator × workload. */
json_t *stress_summarize(const json_t *runs);
/* The terminal table of a document (and the server's after-N-requests table). */
void stress_print_table(const json_t *doc, FILE *out);
/* "45.2 MiB" and the like. */
void format_bytes(double bytes, char *out, size_t len);

/* ---- results documents (results.c; stress/SCHEMA.md) ---- */

/* Loads and checks a results document (a baseline, or compare's inputs):
 * NULL with a message naming the file when it is missing, is not JSON, or is
 * from another schema version. */
json_t *stress_results_load(const char *path, char *err, size_t err_len);
/* Writes doc to path atomically (write_output); false when jansson cannot
 * encode it (nothing written). */
bool stress_json_write(const char *path, const json_t *doc, size_t flags);
/* False, with the setting named in err, when two documents were measured
 * with different workload settings (scale, seed, checks, settle, resets). */
bool stress_settings_comparable(const json_t *old, const json_t *fresh, char *err, size_t err_len);
/* False, with the entry and figure named in err, when the document's
 * "summary" is malformed: not an array; an entry without string allocator
 * and workload or a figures object; a figure that is not an object with
 * kind memory/ratio/speed and a median (min and max when present) that is
 * a number of at least 0; "actions" that are not strings. `side` names the
 * document in err ("old", "new", "the"). compare and plot both require it. */
bool stress_summary_valid(const char *side, const json_t *doc, char *err, size_t len);
enum figure_kind { KIND_MEMORY, KIND_RATIO, KIND_SPEED, KIND_UNKNOWN };
/* A summary figure's "kind", KIND_UNKNOWN for anything else. */
enum figure_kind figure_kind(const json_t *figure);
/* The entry of allocator × workload in a "summary" array, or NULL (entries
 * without string allocator and workload are passed over). */
json_t *summary_entry(const json_t *summary, const char *alloc, const char *workload);
/* The median of an entry's figure: false when the entry lacks that figure. */
bool figure_median(const json_t *entry, const char *figure, double *median);

/* ---- regression flags (compare.c) ---- */

struct compare_options {
    double tolerance;        /* the least relative change flagged (0.10: 10%) */
    size_t min_change_bytes; /* memory changes smaller than this are never flagged */
    bool show_all;           /* list every figure, not only the flagged ones */
    bool show_headlines;     /* list the whole-run figures (not per phase) too */
    bool list_missing;       /* list old entries the new document lacks (default on) */
};
#define COMPARE_MAX_FLAGGED 32
/* What a comparison found (besides the table it printed). */
struct compare_counts {
    int regressed; /* memory and ratio figures REGRESSED */
    int findings;  /* new entries with status "finding" */
    int errors;    /* new entries with status "error" */
    int compared;  /* memory and ratio figures compared */
    int missing;   /* old entries the new document lacks (when listed) */
    int noisy;     /* memory and ratio figures too noisy to judge (not counted as regressed) */
    int unlike;    /* figures not compared: the sides asked their allocator different things */
    /* Workloads with a REGRESSED figure or one too noisy that grew (names
     * in the new document), for a caller that can measure them again. */
    const char *flagged[COMPARE_MAX_FLAGGED];
    unsigned flagged_count;
};
/* The exit status a comparison's counts call for: 1 for a regression or a
 * finding; else 2 for a run error or when nothing was compared (why says
 * which); else 0. */
int compare_exit_status(const struct compare_counts *c, const char **why);
void compare_options_default(struct compare_options *o);
/* Takes argv[*i] if it is --tolerance PCT or --min-change SIZE, advancing *i. */
bool parse_compare_option(const char *command, int argc, char **argv, int *i,
                          struct compare_options *o);
/* Compares each allocator × workload summary of `fresh` with the same
 * allocator's in `old` (README, "Regression flags"), printing a table of
 * old, new and change to `out` (NULL: nothing printed, counts only).
 * Returns the number of regressed memory figures plus findings (counts,
 * when not NULL, has the details), or -1 with a message in err for a
 * malformed document. */
int stress_compare(const json_t *old, const json_t *fresh, const struct compare_options *o,
                   FILE *out, struct compare_counts *counts, char *err, size_t err_len);

/* ---- fidelity (fidelity.c) ---- */

/* Runs each allocator × workload once under /usr/bin/time -v and prints the
 * driver's peak RSS beside the kernel's maximum resident set size. Returns
 * 0, EXIT_FINDING when a run failed, or EXIT_USAGE when time is missing. */
int stress_fidelity_table(const char *const *allocs, unsigned alloc_count,
                          const char *const *workload_names, unsigned workload_count,
                          const struct stress_params *base);

/* ---- pictures (plot.c) ---- */

/* Writes DIR/phases-<workload>.{png,svg} (RSS at each phase end),
 * DIR/rss-<workload>.{png,svg} (RSS over time, one line per
 * allocator) and DIR/peak-rss.{png,svg}, DIR/fragmentation.{png,svg} (bars
 * per allocator × workload) with gnuplot. False with a message on failure. */
bool stress_plot(const json_t *doc, const char *dir, char *err, size_t err_len);

#endif
