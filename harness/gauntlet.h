/*
 * gauntlet.h — the one internal header of the harness: the types every module
 * shares (operations, programs, allocators, policies) and the entry points of
 * each module. One module per .c file; each file's header comment says what it
 * owns.
 *
 * Data flows one way:
 *   program bytes → decoder (codec_*.c) → executor (exec_*.c, threads)
 *   → allocator adapter (adapter_*.c) → oracle (oracle*.c) → report (report.c)
 * Adapters know nothing of the oracle; the oracle knows nothing of which
 * allocator it checks (it only sees a `struct alloc_policy`).
 */
#ifndef GAUNTLET_H
#define GAUNTLET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- operations and programs (program.c, codec_binary.c, codec_text.c) ---- */

enum op_kind {
    OP_MALLOC,
    OP_CALLOC,
    OP_REALLOC,
    OP_REALLOCARRAY,
    OP_FREE,
    OP_FREE_SIZED,
    OP_ALIGNED_ALLOC,
    OP_POSIX_MEMALIGN,
    OP_MEMALIGN,
    OP_CHECK,
    OP_USABLE_SIZE,
    OP_RESTART,
    OP_BARRIER,
    OP_KIND_COUNT
};

#define GAUNTLET_MAX_THREADS 8
#define GAUNTLET_MAX_SLOTS   256
#define GAUNTLET_RECORD_SIZE 12

/*
 * One operation, in decoded values. Fields an operation does not use are 0,
 * so that binary → op → text → op → binary is exact.
 *   size:  bytes (malloc, realloc, aligned calls) or the element size m
 *          (calloc, reallocarray)
 *   count: the element count n (calloc, reallocarray)
 *   align: the alignment argument (aligned_alloc, posix_memalign, memalign)
 */
struct op {
    uint8_t kind;   /* enum op_kind */
    uint8_t thread; /* 0 .. GAUNTLET_MAX_THREADS-1; 0 for barrier */
    uint8_t slot;   /* 0 .. GAUNTLET_MAX_SLOTS-1; 0 for restart and barrier */
    size_t size;
    size_t count;
    size_t align;
};

/* A program; its array lives in harness memory (hmem.c), never in the
 * allocator under test. */
struct program {
    struct op *ops;
    size_t count;
    size_t capacity;
};

void program_init(struct program *p);
void program_append(struct program *p, const struct op *op);
void program_release(struct program *p);
void program_clear(struct program *p); /* no operations; the storage stays for reuse */
unsigned program_thread_count(const struct program *p); /* 1 + highest thread used */

const char *op_kind_name(enum op_kind kind); /* "malloc", "calloc", ... */
bool op_uses_slot(enum op_kind kind);
bool op_uses_size(enum op_kind kind);
bool op_uses_count(enum op_kind kind);
bool op_uses_align(enum op_kind kind);
bool op_allocates(enum op_kind kind); /* puts a new block into its slot */

/* codec_binary.c: every byte string decodes to a valid program. */
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

/* codec_text.c */
/* Parses the text form; on error returns false with "FILE:LINE:COL: message". */
bool program_parse_text(const char *text, size_t len, const char *filename, struct program *out,
                        char *err, size_t err_len);
/* One operation as one line of text, without the newline. */
void op_format(const struct op *op, char *buf, size_t buf_len);
void size_format(size_t value, char *buf, size_t buf_len);
/* Writes the whole program as text (with a header comment) to fd. */
bool program_write_text(const struct program *p, int fd);
/* True when the bytes look like the text form (see codec_text.c for the rule). */
bool program_looks_like_text(const uint8_t *bytes, size_t len);

/* gen.c: seeded random programs, drawn through the binary encoding's fields. */
struct gen_params {
    uint64_t seed;
    size_t ops;       /* number of operations (default 64) */
    unsigned threads; /* 1 .. GAUNTLET_MAX_THREADS (default 1) */
    unsigned slots;   /* slots in use, 1 .. GAUNTLET_MAX_SLOTS (default 32) */
    bool small_only;  /* sizes ≤ 1 KiB, plain calls only: the "small blocks" bench mix */
};
void gen_params_default(struct gen_params *params);
void program_generate(const struct gen_params *params, struct program *out);

/* ---- harness memory (hmem.c): mmap-backed, never the allocator under test ---- */

void *hmem_map(size_t bytes); /* zeroed; exits with status 2 when the OS refuses */
void hmem_unmap(void *p, size_t bytes);
void *hmem_remap(void *p, size_t old_bytes, size_t new_bytes);
size_t hmem_mapped_bytes(void); /* the harness's own share, for measurements */

/* ---- allocators (adapter_*.c, allocators.c) ---- */

/* What an allocator may legitimately do where the standards leave a choice
 * (policy.c holds the per-allocator table; the README documents it). */
enum either_behaviour { BEHAVES_NO, BEHAVES_YES, BEHAVES_EITHER };

struct alloc_policy {
    /* Plain calls: blocks of size < 16 may be aligned only to the largest
     * power of two ≤ size (C23 7.24.3; jemalloc, mimalloc, tcmalloc). */
    bool weak_small_alignment;
    enum either_behaviour realloc_zero_frees; /* realloc(p, 0) frees p and returns NULL */
    enum either_behaviour malloc_zero_null;   /* malloc(0) may return NULL */
    /* aligned_alloc / memalign with a non-power-of-two (or 0) alignment:
     * rounds it up and returns a block, instead of failing. */
    enum either_behaviour aligned_alloc_bad_align_rounds;
    enum either_behaviour memalign_bad_align_rounds;
    /* Known deviations from the standards, observed in this version: noted
     * and counted instead of failing (fatal with --strict). */
    const struct known_deviation *deviations; /* ends with invariant == NULL */
    const char *notes;                        /* one line shown by `gauntlet list` */
};

/* Which calls a known deviation covers. */
enum deviation_scope {
    DEVIATES_ALWAYS,
    DEVIATES_ON_ZERO_SIZE,
    DEVIATES_ON_BAD_ALIGN,         /* alignment 0 or not a power of two */
    DEVIATES_ON_SMALL_OVERALIGNED, /* 256 <= alignment <= size <= 1024 */
};

struct known_deviation {
    /* as reported, e.g. "alignment"; "failure-errno" excuses a failed call
     * that did not set errno to ENOMEM, whichever invariant required it */
    const char *invariant;
    uint32_t kinds; /* bit per enum op_kind */
    enum deviation_scope scope;
    const char *what;
};

/* The entry that excuses a violation of `invariant` by `op`, or NULL. */
const struct known_deviation *policy_excuse(const struct alloc_policy *policy,
                                            const char *invariant, const struct op *op);

struct allocator {
    char name[256];    /* "glibc", "jemalloc", …, or "so:PATH" */
    char version[256]; /* what the allocator says of itself */
    void *handle;      /* dlopen handle */
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
    /* Sized free; align is the alignment the block was requested with
     * (0 for plain calls), which jemalloc's sdallocx needs; resized tells a
     * block made by realloc. Returns false, freeing nothing, for a block the
     * allocator's sized free cannot take. */
    bool (*free_sized)(void *p, size_t size, size_t align, bool resized);
    const char *free_sized_name; /* "sdallocx", "mi_free_size", … */
};

/* Opens NAME ("glibc", "jemalloc", "mimalloc", "tcmalloc", "so:PATH").
 * On failure returns false with a message naming what is missing. */
bool allocator_open(const char *name, struct allocator *out, char *err, size_t err_len);
extern const char *const named_allocators[]; /* NULL-terminated */
/* Call first thing in main (before any thread): re-executes the process once
 * with GLIBC_TUNABLES reserving static TLS, which dlopen() of jemalloc (and
 * any initial-exec-TLS allocator) needs. */
void allocator_prepare_process(char **argv);
/* Whether the allocator has the call an operation kind makes. */
bool allocator_has(const struct allocator *a, enum op_kind kind);
const struct alloc_policy *policy_for(const char *allocator_name);
/* For so:PATH: permissive, plus the known deviations of the library's family
 * ("jemalloc", "mimalloc", "tcmalloc", "glibc" or NULL). */
const struct alloc_policy *policy_for_library(const char *family);

/* ---- a run: one program against one allocator (run.c, exec_*.c, oracle*.c, report.c) ---- */

enum exec_mode { MODE_LOCKSTEP, MODE_FREE };

struct run_config {
    size_t live_cap;           /* bytes; requests above it are made only when they must fail */
    unsigned watchdog_seconds; /* an allocator call taking longer is a `hang`; 0: no
                                * watchdog (then single-thread programs run inline) */
    enum exec_mode mode;
    bool strict;       /* known deviations of the allocator are violations too */
    bool keep_threads; /* lock-step threads outlive the run, for the next one (fuzz targets) */
    bool fill_whole;   /* the pattern in every byte of large blocks too (the stress replay:
                        * a program uses its memory); verification still samples them */
    const char *program_path;      /* for reports and the reproduce command */
    atomic_size_t *live_bytes_out; /* when set, kept equal to the oracle's live bytes (the
                                    * stress replay's RSS sampler reads it) */
};

struct run_stats {
    uint64_t ops;                            /* operations performed */
    uint64_t calls;                          /* allocator calls made */
    uint64_t skipped_missing[OP_KIND_COUNT]; /* the allocator lacks the call */
    uint64_t skipped_over_cap;
    uint64_t skipped_empty;        /* free_sized/check/usable_size on an empty slot */
    uint64_t declined_sized_frees; /* blocks the adapter's sized free cannot take */
    uint64_t implicit_frees;
    uint64_t failed_requests; /* NULL results (impossible ones included) */
    uint64_t cross_thread;    /* frees/reallocs of another thread's block */
    uint64_t sampled_checks;  /* content checks of large blocks, sampled */
    uint64_t known_deviations;
    uint64_t restarts;
    size_t peak_live_bytes;
};

#define GAUNTLET_DEFAULT_CAP ((size_t)256 << 20)
/* An allocator call taking longer than this is a `hang` (run's watchdog, the
 * fuzz engines' timeout). */
#define GAUNTLET_DEFAULT_WATCHDOG_SECONDS 10
void run_config_default(struct run_config *config);
/* Runs the program; returns when every operation passed. A violation reports
 * and ends the process with status 1 (see report.c). */
void run_program(const struct program *program, const struct allocator *alloc,
                 const struct run_config *config, struct run_stats *total);
void report_set_command_name(const char *argv0);
/* Installs handlers that turn a crash inside the allocator into a report. */
void report_install_crash_handlers(void);
/* Called after a violation's report, before the process ends with status 1
 * (a fuzz target sets abort, so that the engine keeps the input). */
extern void (*report_after_violation)(void);
/* What a crash outside any program's operation reports (the stress drivers
 * set their allocator, workload and reproduce command), or NULL. */
extern const char *report_crash_context;
/* No notes (known deviations) on stderr: a fuzz target runs millions of programs. */
extern bool report_quiet_notes;
/* Feedback a fuzz target gives its engine (libFuzzer's extra counters), or
 * NULL (fuzz_feedback.c says what each counts): accepted blocks by kind
 * (calloc or not) and bit length of the requested size; and accepted blocks
 * that reuse a recently freed address, [cross-thread free * 2 + allocated
 * by the freeing thread]. */
#define SIZE_COVERAGE_CLASSES  65 /* bit lengths 0..64 */
#define REUSE_COVERAGE_CLASSES 4
extern uint8_t (*size_coverage)[SIZE_COVERAGE_CLASSES]; /* [2]: other calls, calloc */
extern uint8_t *reuse_coverage;                         /* [REUSE_COVERAGE_CLASSES] */

/* reproducer.c */
/* Writes to fd a standalone C17 program making the same allocator calls as p
 * (lock-step, same threads, same order) and checking the same invariants under
 * `policy`; its header comment says how to build and run it against
 * allocator_name ("glibc", "jemalloc", "mimalloc", "tcmalloc", "so:PATH").
 * False for an unknown allocator name or a failed write. */
bool reproducer_write(const struct program *p, const char *allocator_name,
                      const struct alloc_policy *policy, size_t live_cap, int fd);

#endif
