/*
 * gauntlet.h — the public header of libgauntlet (harness/): programs and
 * their two forms, the generator, the allocators, running a program under
 * the oracle, and the reproducer. The command (cli/), the fuzz targets and
 * their campaign driver (fuzzers/) and the stress drivers (stress/) use
 * this header and rules.h only; the library's own modules share
 * harness/internal.h besides.
 *
 * Data flows one way:
 *   program bytes → decoder (codec_*.c) → executor (exec_*.c, threads)
 *   → allocator adapter (adapter_*.c) → oracle (oracle*.c) → report (report.c)
 * Adapters know nothing of the oracle; the oracle knows nothing of which
 * allocator it checks (it only sees a `struct alloc_policy`).
 */
#ifndef GAUNTLET_H
#define GAUNTLET_H

#include "rules.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- programs (program.c) ---- */

#define GAUNTLET_RECORD_SIZE 12

/* A program; its array lives in harness memory (hmem.c), never in the
 * allocator under test. */
struct program {
    struct op *ops;
    size_t count;
    size_t capacity;
    /* The text form's `# rounds: N` line (ROUNDS_TAG): the program is judged
     * made N times in one process, as `run --rounds N` makes it (a leak
     * shows only so); 0 when it has none. The binary form has no room for it. */
    unsigned rounds;
};
#define ROUNDS_TAG "# rounds:"

void program_init(struct program *p);
void program_append(struct program *p, const struct op *op);
void program_release(struct program *p);
void program_clear(struct program *p); /* no operations; the storage stays for reuse */
unsigned program_thread_count(const struct program *p); /* 1 + highest thread used */
/* Only thread 0, never restarted: such a program may run on the calling thread. */
bool program_is_single_thread(const struct program *p);
bool op_same(const struct op *a, const struct op *b); /* every field alike (not padding) */

/* ---- the binary form (codec_binary.c): every byte string is a program ---- */

/* What binary files gauntlet writes begin with (one record's room), so that
 * they are recognised; the decoder skips it wherever it reads. */
#define PROGRAM_BINARY_HEADER     "\x7fGAUNTLET\x01\x00\x00"
#define PROGRAM_BINARY_HEADER_LEN 12

void program_decode_binary(const uint8_t *bytes, size_t len, struct program *out);
/* The same, appended to p (a fuzz target reuses one program's storage). */
void program_append_binary(const uint8_t *bytes, size_t len, struct program *p);
/* Fails (returns false, message in err) only for a value with no encoding. */
bool program_encode_binary(const struct program *p, uint8_t **out, size_t *out_len, char *err,
                           size_t err_len);
size_t size_word_decode(uint32_t word);
bool size_word_encode(size_t value, uint32_t *word);
size_t count_word_decode(uint32_t word, size_t element_size);
bool count_word_encode(size_t count, size_t element_size, uint32_t *word);
size_t align_byte_decode(uint8_t byte);
bool align_byte_encode(size_t align, uint8_t *byte);

/* edge_values.c: the deliberate edge sizes the encoding reaches. */
extern const size_t edge_sizes[];
extern const size_t edge_size_count;

/* Programs longer than this many operations are cut by the fuzz targets:
 * long inputs only slow the engines down. */
#define FUZZ_MAX_OPS 4096

/* ---- input history (input_history.c): what a fuzz target's process ran ---- */

/* The inputs kept, newest last, and the bytes kept of each. */
#define INPUT_HISTORY_INPUTS    32
#define INPUT_HISTORY_INPUT_MAX (FUZZ_MAX_OPS * GAUNTLET_RECORD_SIZE)

struct input_history;
/* The writer: a new history file at path (NULL, message in err, when it
 * cannot be made), and each input copied into it before it runs. */
struct input_history *input_history_create(const char *path, char *err, size_t err_len);
void input_history_record(struct input_history *h, const uint8_t *data, size_t len);
/* The reader: NULL when path is not a history file. Inputs by age: 0 is the
 * newest (the input a crashed process died of). */
struct input_history *input_history_open(const char *path);
void input_history_close(struct input_history *h);
size_t input_history_count(const struct input_history *h);
const uint8_t *input_history_input(const struct input_history *h, size_t age, size_t *len);
/* Appends to joined the earlier input's operations, then what ends its run
 * and starts the next one's (teardown frees by thread 0, nothing refused, new
 * threads), so that joined, followed by next, runs as one process ran both. */
void input_history_join(struct program *joined, const struct program *earlier,
                        const struct program *next);

/* ---- the text form (codec_text.c) ---- */

/* Parses the text form; on error returns false with "FILE:LINE:COL: message". */
bool program_parse_text(const char *text, size_t len, const char *filename, struct program *out,
                        char *err, size_t err_len);
/* One operation as one line of text, without the newline. */
void op_format(const struct op *op, char *buf, size_t buf_len);
void size_format(size_t value, char *buf, size_t buf_len);
/* A size in the text form's syntax (100, 4KiB, 2^20, SIZE_MAX-7, …). */
bool size_parse(const char *text, size_t *value);
/* Writes the whole program as text (with a header comment) to fd. */
bool program_write_text(const struct program *p, int fd);
/* Which form a file's bytes are in: binary when they begin with the
 * header; text when every byte is printable ASCII, a tab, a line end or
 * part of a UTF-8 character (the parser then says what is wrong with it);
 * else neither, *not_text_at the offset of the first byte that is not text. */
enum program_form { FORM_TEXT, FORM_BINARY, FORM_NEITHER };
enum program_form program_form_of(const uint8_t *bytes, size_t len, size_t *not_text_at);

/* ---- the generator (gen.c): seeded programs, drawn through the binary fields ---- */

struct gen_params {
    uint64_t seed;
    size_t ops;       /* number of operations (default 64) */
    unsigned threads; /* 1 .. GAUNTLET_MAX_THREADS (default 1) */
    unsigned slots;   /* slots in use, 1 .. GAUNTLET_MAX_SLOTS (default 32) */
    bool small_only;  /* sizes ≤ 1 KiB, plain calls only: the "small blocks" bench mix */
    bool fail_maps;   /* about 1 % of the operations are fail_maps (off: none) */
    /* An allocator's class edges (size_classes_probe), or none: 4 % of the
     * sizes are then one of them -1, 0, +1 or +2. */
    const size_t *class_edges;
    size_t class_edge_count;
};
void gen_params_default(struct gen_params *params);
void program_generate(const struct gen_params *params, struct program *out);
/* The same operations as binary records (params->ops of them, into
 * records), for the mutator's inserted runs. */
void gen_records(const struct gen_params *params, uint8_t *records);

/* ---- the structure-aware mutator (mutate.c): whole operations edited ---- */

/* What a mutation may draw on beyond the input: the allocator's probed
 * class edges (or none: the format's edge table), and the engine's own
 * byte-level mutator (libFuzzer's LLVMFuzzerMutate, with its dictionary
 * and comparison feedback) applied within one record, or NULL. */
struct mutate_params {
    const size_t *class_edges;
    size_t class_edge_count;
    size_t (*byte_mutate)(uint8_t *data, size_t size, size_t max_size);
};
/* Mutates the binary program data[0, size) in place into at most max_size
 * bytes, whole records only; returns the new size (a whole number of
 * records, never 0 when max_size holds one). The same seed and input give
 * the same output. */
size_t program_mutate(uint8_t *data, size_t size, size_t max_size, uint64_t seed,
                      const struct mutate_params *params);
/* A's operations up to a record boundary, then B's from one: into out
 * (at most max_size bytes, whole records); returns its size. */
size_t program_splice(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size,
                      uint8_t *out, size_t max_size, uint64_t seed);

/* ---- size classes (size_classes.c) ---- */

/* The last byte of each of the allocator's size classes up to `limit` (a
 * block's usable size), ascending; where classes are dense, one in each
 * sixteenth of a doubling. 0 when it has no usable-size call. */
struct allocator;
size_t size_classes_probe(const struct allocator *a, size_t limit, size_t *edges, size_t max_edges);
#define SIZE_CLASSES_LIMIT ((size_t)8 << 20)
#define SIZE_CLASSES_MAX   512

/* ---- harness memory (hmem.c): mmap-backed, never the allocator under test ---- */

void *hmem_map(size_t bytes); /* zeroed; exits with status 2 when the OS refuses */
void hmem_unmap(void *p, size_t bytes);
void *hmem_remap(void *p, size_t old_bytes, size_t new_bytes);
size_t hmem_mapped_bytes(void); /* the harness's own share, for measurements */

/* ---- whole reads and writes on a descriptor (fd_io.c) ---- */

/* False when the descriptor fails or (reading) ends before `len` bytes. */
bool fd_write_all(int fd, const void *buf, size_t len);
bool fd_read_all(int fd, void *buf, size_t len);

/* ---- allocators (registry.c, adapter_*.c, policy.c) ---- */

/* What an allocator may do where the standards leave a choice, and the
 * standard violations known in its version (policy.c; the README prints it). */
struct alloc_policy {
    struct alloc_choices choices;
    const struct known_deviation *deviations; /* ends with EXCUSE_NONE; NULL: none */
    const char *notes;                        /* one line shown by `gauntlet list` */
};

struct allocator {
    char name[256];     /* "glibc", "jemalloc", …, or "so:PATH" */
    char version[256];  /* what the allocator says of itself */
    const char *family; /* "glibc", "jemalloc", "mimalloc", "tcmalloc", or NULL (unknown) */
    void *handle;       /* dlopen handle */
    /* Every call the library makes to a function it defines reaches it: none
     * went to a definition the executable makes first (a sanitizer's). */
    bool calls_itself;
    const struct alloc_policy *policy;
    /* Standard calls; NULL where the allocator lacks one (skipped, counted). */
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    void *(*aligned_alloc)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*memalign)(size_t, size_t);
    size_t (*usable_size)(void *);
    /* Sized free; align is the alignment the block was requested with (0
     * for plain calls), resized tells a block made by realloc. Returns
     * false, freeing nothing, for a block it cannot take
     * (rule_sized_free_takes). NULL when the allocator has none. */
    bool (*free_sized)(void *p, size_t size, size_t align, bool resized);
    enum sized_free sized_free;
    /* Its own calls (rules.h): the operations that make one it lacks are skipped. */
    struct own_calls own;
};

/* Opens NAME ("glibc", "jemalloc", "mimalloc", "tcmalloc", "so:PATH").
 * On failure returns false with a message naming what is missing. A so:
 * library of a known family (told by its marker symbols) gets that family's
 * known deviations. */
bool allocator_open(const char *name, struct allocator *out, char *err, size_t err_len);
/* The i-th named allocator, in the order `all` means; NULL past the last. */
const char *allocator_named(size_t i);
bool allocator_is_named(const char *name);
/* The library a named allocator is (its soname), its linker flag for a
 * reproducer (e.g. "-ljemalloc"), and part of the path of the library that
 * must serve malloc; NULL for unknown names. */
const char *allocator_soname(const char *name);
const char *allocator_link_flag(const char *name);
#define SUGGESTED_SETTINGS_MAX 3
/* The i-th setting of the named allocator worth a run besides its defaults
 * (space-separated NAME=VALUE, each an --alloc-env: rules.h's settings),
 * with what it changes in `why`; NULL past the last. */
const char *allocator_suggested_settings(const char *name, size_t i, const char **why);
/* The allocator settings the environment already holds (variables a named
 * allocator reads: MALLOC_CONF, MIMALLOC_*, TCMALLOC_*, GLIBC_TUNABLES'
 * glibc.malloc and glibc.mem tunables, glibc's MALLOC_*_): a process started
 * with one runs under it, so its reports must carry it. Each is written as
 * NAME=VALUE into `text` and pointed at from `found`, sorted by name; a
 * variable that `given` (NULL-terminated NAME=VALUE settings, or NULL)
 * names already is left out, and so are tunables a given GLIBC_TUNABLES
 * holds. Returns how many there are; `*complete` is false when more than
 * `max` or longer than `text` holds (those are not written). */
size_t settings_in_environment(const char *const *given, char *text, size_t text_len,
                               const char **found, size_t max, bool *complete);
/* The sized free gauntlet binds for a named allocator (when its library
 * defines it); SIZED_FREE_NONE for other names. */
enum sized_free allocator_sized_free(const char *name);
/* A symbol the allocator's library defines itself (not its dependencies), or NULL. */
void *allocator_symbol(const struct allocator *a, const char *symbol);
/* Call first thing in main (before any thread): re-executes the process once
 * with GLIBC_TUNABLES reserving static TLS, which dlopen() of jemalloc (and
 * any initial-exec-TLS allocator) needs. */
void allocator_prepare_process(char **argv);
/* Whether the allocator has the call an operation kind makes. */
bool allocator_has(const struct allocator *a, enum op_kind kind);
/* The policy of a named allocator; any other name gets the permissive one. */
const struct alloc_policy *policy_for(const char *allocator_name);

/* ---- findings and their signatures (findings.c) ----
 * A violation's signature tells two bugs apart without naming the run:
 *   INVARIANT/FAILURE/OPERATION/SIZE-BAND[/cross]
 * e.g. `contents/pattern/free/small/cross`. The band is the request's
 * (zero, small <= 1 KiB, medium <= 64 KiB, large <= 4 MiB, huge, impossible);
 * `cross` marks a block another thread made. A process that ends inside the
 * allocator has `crash/signal-N/SITE` (the faulting instruction's object and
 * offset, or its caller's when it is the C library's: crash_site.c) or,
 * where there is none, `crash/signal-N/OPERATION`; `exit/-/OPERATION`, ... */
#define FINDING_SIGNATURE_MAX 96
#define KNOWN_FINDINGS_MAX    256
/* Signatures to pass over (--known): shell patterns (fnmatch), one a line. */
struct known_findings {
    unsigned count;
    char patterns[KNOWN_FINDINGS_MAX][FINDING_SIGNATURE_MAX];
};
/* Reads a --known file's text: one pattern a line (`#` starts a comment), or
 * any text with `signature: SIG` lines (a saved report). Adds to k; false with
 * `error` filled when a line is neither, or there are too many. */
bool known_findings_parse(const char *text, size_t len, struct known_findings *k, char *error,
                          size_t error_len);
bool known_findings_match(const struct known_findings *k, const char *signature);

/* A real bug kept as a regression says which shipped version has it, in a
 * program's comment line `# affects: ALLOCATOR VERSION`. */
#define AFFECTS_TAG "# affects:"
/* The version a line names (trimmed into `named`), or false when the line
 * is not such a comment. */
bool affects_line_parse(const char *line, char *named, size_t named_len);
/* Whether an allocator's version text names that version: `named` followed
 * by neither a digit nor a dot (5.3.0 is not 5.3.01). */
bool version_names(const char *version, const char *named);
/* True when one of the program file's `# affects:` lines names a version
 * that `version` (an allocator's version text) names: a real bug of that
 * version, proved, kept as a regression for the versions after it. */
bool program_file_affects(const char *path, const char *version);

/* ---- a run: one program against one allocator (run.c, exec_*.c, oracle*.c, report.c) ---- */

enum exec_mode { MODE_LOCKSTEP, MODE_FREE };

/* What a fuzz target tells its engine beyond the harness's code coverage
 * (fuzz_feedback.c says what each counts): accepted blocks by kind (calloc
 * or not) and bit length of the requested size; accepted blocks that reuse a
 * recently freed address, [cross-thread free * 2 + allocated by the freeing
 * thread]. */
#define SIZE_COVERAGE_CLASSES  65 /* bit lengths 0..64 */
#define REUSE_COVERAGE_CLASSES 4
struct run_feedback {
    uint8_t (*block_sizes)[SIZE_COVERAGE_CLASSES]; /* [2]: other calls, calloc */
    uint8_t *address_reuse;                        /* [REUSE_COVERAGE_CLASSES] */
};

struct run_config {
    size_t live_cap;           /* bytes; requests above it are made only when they must fail */
    unsigned watchdog_seconds; /* an allocator call taking longer is a `hang`; 0: no
                                * watchdog (then single-thread programs run inline) */
    enum exec_mode mode;
    bool strict;     /* known deviations of the allocator are violations too */
    bool keep_going; /* a violation is reported and the run goes on, the harmed block set
                      * aside (a hang still ends it); else the first one ends the process */
    const struct known_findings *known; /* violations whose signature matches are counted and
                                         * passed over (set aside), never ending the run */
    const char *known_path;             /* the file they came from, for the reproduce command */
    bool fill_whole;            /* the pattern in every byte of large blocks too (the stress replay:
                                 * a program uses its memory); verification still samples them */
    bool quiet_notes;           /* no notes (known deviations) and no findings list on stderr: fuzz
                                 * targets run millions */
    const char *program_path;   /* for reports and the reproduce command */
    const char *program_format; /* "text" or "binary" when the file was read as told, not as
                                 * detected: the reproduce commands say so too */
    unsigned rounds; /* the program run this many times in the process, nothing live between
                      * rounds, the resident memory judged by the reuse rule (0 or 1: once) */
    const char *const *settings;         /* the allocator's settings the process was started with
                                          * ("NAME=VALUE", NULL-terminated; rules.h), or NULL: the
                                          * reproduce commands carry them */
    atomic_size_t *live_bytes_out;       /* when set, kept equal to the oracle's live bytes (the
                                          * stress replay's RSS sampler reads it) */
    const struct run_feedback *feedback; /* fuzz targets only, else NULL */
    /* Called after a violation's report, before the process ends with
     * status 1 (a fuzz target aborts, so that the engine keeps the input). */
    void (*after_violation)(void);
};

struct run_stats {
    uint64_t ops;                            /* operations performed */
    uint64_t calls;                          /* allocator calls made */
    uint64_t skipped_missing[OP_KIND_COUNT]; /* the allocator lacks the call */
    uint64_t skipped_over_cap;
    uint64_t skipped_empty;        /* free_sized/check/usable_size on an empty slot */
    uint64_t declined_sized_frees; /* blocks the adapter's sized free cannot take */
    uint64_t skipped_new_resizes;  /* resizes of blocks made by new (C++ has none) */
    uint64_t implicit_frees;
    uint64_t failed_requests; /* NULL results (impossible ones included) */
    uint64_t refused_calls;   /* calls during which the OS refused memory (fail_maps) */
    uint64_t cross_thread;    /* frees/reallocs of another thread's block */
    uint64_t sampled_checks;  /* content checks of large blocks, sampled */
    uint64_t known_deviations;
    uint64_t restarts;
    uint64_t violations;          /* reported (more than one only with keep_going) */
    uint64_t distinct_violations; /* of them, distinct by signature */
    uint64_t known_findings;      /* violations passed over as known (run_config.known) */
    size_t peak_live_bytes;
    unsigned rounds; /* made: run_config's, or more when the reuse rule asked for them */
};

void run_config_default(struct run_config *config);
/* Runs the program. A violation is reported (report.c) and ends the
 * process with status 1, unless config->keep_going: then the run goes on
 * and total->violations counts them. */
void run_program(const struct program *program, const struct allocator *alloc,
                 const struct run_config *config, struct run_stats *total);

/* ---- reports (report.c) ---- */

/* The report's lines begin so (the rest of each line is for people). */
#define REPORT_VIOLATION "gauntlet: VIOLATION of `" /* then the invariant and "`" */
#define REPORT_ENDED                                                                               \
    "gauntlet: FINDING `" /* then crash, exit, forked or hang, "`: the process …" */
#define REPORT_OPERATION "operation: "
#define REPORT_REPRODUCE "reproduce: "
#define REPORT_C_PROGRAM "C program: "
#define REPORT_SIGNATURE "signature: "
#define REPORT_FINDINGS  "gauntlet: FINDINGS: "

/*
 * The run record: how a process running a program tells its parent how the
 * run ended. With GAUNTLET_RECORD_FD=N in its environment, report.c writes
 * one line to descriptor N: RUN_RECORD_TAG, the writer's pid (a process the
 * allocator forked cannot speak for the run), then
 *   pass -                                         every operation passed
 *   violation SIGNATURE INDEX KIND TEXT            INDEX -1: the end of the program; the
 *                                                  signature begins with the invariant
 *   crash SIGNAL[:SITE] INDEX KIND TEXT | crash SIGNAL[:SITE]
 *                                                  died of a signal (in an operation or not)
 *   exit - INDEX KIND TEXT | exit -                exit() was called during the run
 *   forked - INDEX KIND TEXT                       an operation returned in a forked copy
 * A process that ends with no record ended without a word from the harness.
 */
#define RUN_RECORD_ENV "GAUNTLET_RECORD_FD"
#define RUN_RECORD_TAG "gauntlet-record 1 "
void report_record_pass(void);
/* A record as read back (run_record.c). */
struct run_record {
    bool failed;                           /* anything but pass */
    char invariant[64];                    /* crash, exit or the violated invariant */
    char signature[FINDING_SIGNATURE_MAX]; /* the finding's signature (findings above) */
    char kind[32];                         /* the operation's kind, "?" if none */
    char operation[256];                   /* its text, "" if none */
    long long index;                       /* its index; -1: end of program or none */
};
/* The record `writer` (a pid) wrote among `records`; false when it wrote
 * none that reads as one. */
bool run_record_read(const char *records, long writer, struct run_record *r);
/* Whether a process other than `writer` wrote a record among `records`. */
bool run_record_by_other(const char *records, long writer);
/* The signature of a process's end (`what`: crash or exit; `detail` as
 * recorded; `kind` the operation's), as its record reads. */
void run_record_end_signature(const char *what, const char *detail, const char *kind, char *out,
                              size_t len);

/* The command a report tells the user to run again (argv[0] of `gauntlet`). */
void report_set_command_name(const char *path);
/* Installs handlers that turn a crash inside the allocator, an exit()
 * during a run, or an operation that returns in a copy of the process the
 * allocator forked, into a report and a record. */
void report_install_crash_handlers(void);
/* Only the exit() and fork parts (a fuzz target: its engine handles
 * signals); after the report, run_config.after_violation runs (a fuzz target
 * aborts, so that the engine keeps the input). */
void report_catch_exit(void);
/* What a crash outside any program's operation reports (the stress drivers
 * set their allocator, workload and reproduce command), or NULL. */
void report_set_crash_context(const char *text);

/* ---- block contents for the stress drivers (pattern.c): rules.h's pattern ---- */

struct pattern_mismatch {
    size_t offset;
    uint8_t expected, actual;
};
/* Bytes [start, end) of the pattern of `seed`, unsampled: the stress drivers
 * write whole blocks (a program uses its memory) and choose what to verify. */
void pattern_fill_span(void *block, size_t start, size_t end, uint64_t seed);
bool pattern_verify_span(const void *block, size_t start, size_t end, uint64_t seed,
                         struct pattern_mismatch *mismatch);

/* ---- the reproducer (reproducer.c) ---- */

/* The allocator's settings a command carries: at most SETTINGS_COUNT_MAX,
 * each at most SETTING_LENGTH_MAX characters, so that " --alloc-env S" for
 * each fits in SETTINGS_TEXT_MAX (the command line refuses longer ones). */
#define SETTINGS_COUNT_MAX 8
#define SETTING_LENGTH_MAX 240
#define SETTINGS_TEXT_MAX  (SETTINGS_COUNT_MAX * (SETTING_LENGTH_MAX + 16))
/* The settings a command was given (--alloc-env), in the order given. */
struct settings {
    const char *list[SETTINGS_COUNT_MAX + 1]; /* NULL-terminated, as rules.h takes them */
    unsigned count;
};

struct reproducer_options {
    const char *allocator; /* as given to --alloc: a named allocator or so:PATH */
    const struct alloc_policy *policy;
    size_t live_cap;
    bool strict;                 /* the allocator's known deviations are violations */
    enum sized_free sized_free;  /* the one Gauntlet binds for it (struct allocator) */
    bool cxx;                    /* Gauntlet calls its C++ new and delete (struct allocator) */
    unsigned rounds;             /* the program's rounds, judged by the reuse rule (0, 1: once) */
    const char *const *settings; /* the allocator's settings (rules.h), NULL-terminated, or NULL */
};
/* How a reproducer for `allocator` is built and run: `cc -std=c17 -O1
 * -pthread repro.c -o repro`, then REPRODUCER_KEEP_LINKED and link_flag when
 * link_flag is not empty (the program names none of the library's symbols:
 * without it a linker with --as-needed drops the library); run with
 * LD_PRELOAD=preload when preload is not NULL (so:PATH). */
#define REPRODUCER_KEEP_LINKED "-Wl,--no-as-needed"
/* So that the allocator's mapping calls reach the reproducer's own (fail_maps). */
#define REPRODUCER_EXPORT_MAPS "-rdynamic"
struct reproducer_recipe {
    const char *link_flag;
    const char *preload;
};
struct reproducer_recipe reproducer_recipe(const char *allocator);
/* Writes to fd a standalone C17 program making the same allocator calls as p
 * (lock-step, same threads, same order) and judging them by rules.h, which
 * it carries verbatim; its header comment says how to build and run it.
 * False for an unknown allocator name or a failed write. */
bool reproducer_write(const struct program *p, const struct reproducer_options *o, int fd);

#endif
