/*
 * internal.h — what the library's modules share with each other and with
 * no one else: a section per file, in the order data flows (allocators,
 * oracle, executors, report). The rest of the tree sees gauntlet.h and
 * rules.h only; the unit tests may look in here.
 */
#ifndef GAUNTLET_INTERNAL_H
#define GAUNTLET_INTERNAL_H

#include "gauntlet.h"

#include <pthread.h>
#include <semaphore.h>

/* Loops over block contents and addresses: their comparisons are data no
 * fuzzer can steer, and libFuzzer's build traces every comparison with a
 * call (which cost more than the loops themselves). Excluded from coverage
 * instrumentation; the checks are the same. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* Four words, a GCC/clang vector: with AVX2 one instruction. Loops over
 * them are compiled twice (target clones), AVX2 and the baseline, where
 * the compiler splits a quad into SSE2 pairs. GCC only: clang (the fuzz
 * targets' compiler) refuses clones beside its no_sanitize("coverage"). */
typedef uint64_t word_quad __attribute__((vector_size(32)));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* ---- prng.c: the seeded PRNG of the generator and the mutator ---- */

struct prng {
    uint64_t s[4];
};
void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
uint32_t prng_below(struct prng *r, uint32_t n); /* 0 .. n-1 */
bool prng_percent(struct prng *r, unsigned percent);
unsigned prng_weighted(struct prng *r, const unsigned *weights, unsigned n); /* an index */

/* ---- codec_binary.c: the 12-byte record (FORMAT.md, "Binary form") ---- */

enum record_field {
    REC_OPCODE,
    REC_THREAD,
    REC_SLOT,
    REC_ALIGN,
    REC_SIZE_WORD = 4,
    REC_COUNT_WORD = 8,
};
#define REC_THREAD_PRESENT 0x80 /* a thread byte below this means thread 0 */

/* The opcode byte a kind is written with: its first in the opcode table
 * (codec_binary.c). */
uint8_t record_opcode(enum op_kind kind);

void record_decode(const uint8_t *rec, struct op *op);
/* False for a value with no encoding; fields the kind does not use are
 * left as they were (they decode to 0 whatever they hold). */
bool record_encode(const struct op *op, uint8_t *rec);
void record_put_word(uint8_t *rec, unsigned at, uint32_t word);

/* ---- gen.c and mutate.c: the fill, one shape both make ---- */

/* A fill (gen.c, mutate.c's fill edit): blocks of one size of 1 KiB or
 * more, about this many bytes in all, enough to fill several pages or
 * slabs of their class; at least FILL_MIN_BLOCKS of them. */
#define FILL_BYTES      ((size_t)256 << 10)
#define FILL_MIN_BLOCKS 8

/* ---- mutate.c: the structure-aware mutator's edits ---- */

/* X(id, name, function, weight): each edit, and how often it is drawn. */
#define GAUNTLET_MUTATIONS(X)                                                                      \
    X(MUT_INSERT_GENERATED, "insert-generated", insert_generated, 6)                               \
    X(MUT_DELETE_RUN, "delete-run", delete_run, 4)                                                 \
    X(MUT_REPEAT_RUN, "repeat-run", repeat_run, 3)                                                 \
    X(MUT_MOVE, "move", move_one, 3)                                                               \
    X(MUT_OTHER_THREAD, "other-thread", other_thread, 3)                                           \
    X(MUT_HANDOFF, "handoff", handoff, 2)                                                          \
    X(MUT_FILL, "fill", fill, 2)                                                                   \
    X(MUT_CLASS_EDGE, "class-edge", class_edge_size, 5)                                            \
    X(MUT_OTHER_KIND, "other-kind", other_kind, 3)                                                 \
    X(MUT_OTHER_SLOT, "other-slot", other_slot, 3)                                                 \
    X(MUT_REFUSE_AROUND, "refuse-around", refuse_around, 3)                                        \
    X(MUT_SHRINK_SIZED_FREE, "shrink-sized-free", shrink_sized_free, 2)                            \
    X(MUT_RECORD_BYTES, "record-bytes", record_bytes, 10)                                          \
    X(MUT_ENGINE_BYTES, "engine-bytes", engine_bytes, 45)

enum mutation {
#define MUTATION_ID(id, name, fn, weight) id,
    GAUNTLET_MUTATIONS(MUTATION_ID)
#undef MUTATION_ID
        MUTATION_COUNT
};
const char *mutation_name(enum mutation m);
/* One given edit (for the tests); *applied false when it found nothing to
 * act on (the input is then unchanged). */
size_t program_mutate_as(enum mutation m, uint8_t *data, size_t size, size_t max_size,
                         uint64_t seed, const struct mutate_params *params, bool *applied);

/* ---- registry.c: every named allocator, once ---- */

/* An allocator's C++ new and delete: none (glibc), its own code throughout,
 * or code calling its C entry points through the PLT (jemalloc's), made only
 * when those calls reach the library (allocator.calls_itself), not the
 * blocks of another malloc. */
enum cxx_layer { CXX_NONE, CXX_OWN, CXX_THROUGH_PLT };

struct allocator_entry {
    const char *name;      /* as given to --alloc */
    const char *soname;    /* the library opened (glibc: reached through its own handle) */
    const char *marker;    /* a symbol only this family defines: tells a so: build's family */
    const char *link_flag; /* a reproducer's linker flag ("" for glibc) */
    enum sized_free sized_free;
    const struct alloc_policy *policy;         /* the named allocator's table */
    const struct alloc_policy *library_policy; /* a so: build of this family's */
    /* Whether its C++ new and delete are made as operations. */
    enum cxx_layer cxx;
    /* Fills the allocator's calls (name already set); false with a message. */
    bool (*open)(struct allocator *a, char *err, size_t err_len);
    /* Settings that move it onto paths its defaults never take, each with
     * what it changes; {NULL} ends the list. */
    struct suggested_settings {
        const char *settings; /* space-separated NAME=VALUE */
        const char *why;
    } suggested[SUGGESTED_SETTINGS_MAX];
    /* The environment variables it reads its settings from, space-separated;
     * a trailing '*' names a prefix (setting_environment.c). */
    const char *reads;
};

const struct allocator_entry *registry_find(const char *name);
/* Keeps the library's C++ calls only where its family's run its own code. */
void registry_limit_cxx(const struct allocator_entry *family, struct allocator *a);
/* The entry of the family whose marker the library defines, or NULL. */
const struct allocator_entry *registry_family_of(void *handle);
/* Whether some named allocator reads its settings from variable `name`. */
bool registry_reads_variable(const char *name, size_t name_len);

/* ---- adapter_bind.c: binding a library's standard entry points ---- */

/* dlsym restricted to symbols the library itself defines (not its dependencies). */
void *adapter_own_symbol(void *handle, const char *name);
/* Binds the standard calls; fails only when malloc or free is missing. */
bool adapter_bind_standard(struct allocator *a, void *handle, char *err, size_t err_len);
/* dlopen, then the library bound to itself (calls_itself: adapter_bind_to_itself's answer). */
void *adapter_open_library(const char *path, const char *label, bool *calls_itself, char *err,
                           size_t err_len);
/* Binds the sized free the registry names, when the library defines it. */
void adapter_bind_sized_free(struct allocator *a, enum sized_free how);

/* ---- adapter_self_bind.c: a loaded library's calls to itself ---- */

/* Points the library's references to functions it defines at its own
 * definitions (the executable's come first), as for a preloaded library;
 * true when every such reference now reaches the library. */
bool adapter_bind_to_itself(void *handle);

/* ---- adapter_named.c, adapter_so.c: opening each kind of allocator ---- */

bool adapter_open_glibc(struct allocator *a, char *err, size_t err_len);
/* jemalloc, mimalloc, tcmalloc: their soname from the registry entry of a->name. */
bool adapter_open_named(struct allocator *a, char *err, size_t err_len);
bool adapter_open_so(struct allocator *a, const char *path, char *err, size_t err_len);
/* Fills a->version from whatever the library reveals (mallctl, mi_version, …). */
void adapter_describe_version(struct allocator *a);

/* ---- policy.c: the per-allocator tables ---- */

extern const struct alloc_policy glibc_policy, jemalloc_policy, mimalloc_policy, tcmalloc_policy;
/* so:PATH: every choice the standards allow; of a known family, plus its
 * known deviations. */
extern const struct alloc_policy any_conforming_policy, jemalloc_library_policy,
    mimalloc_library_policy, tcmalloc_library_policy;

/* ---- pattern.c: rules.h's pattern, written and read fast ---- */

void pattern_fill(void *block, size_t size, uint64_t seed);
/* Verifies bytes [0, limit) of what pattern_fill(block, size, seed) wrote
 * (the same sampling as the fill). */
bool pattern_verify(const void *block, size_t size, size_t limit, uint64_t seed,
                    struct pattern_mismatch *mismatch);
/* First non-zero byte of [0, size), or false when all are zero. */
bool first_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value);

/* ---- zero_check.c: the same answer, reading only the pages that exist ---- */

bool find_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value);

/* ---- shadow_map.c: the live blocks' ranges, for the overlap check ---- */

/* The live ranges packed at the front of two arrays, in no order; every
 * entry past the last is {0, 0}, which meets nothing. Zeroed memory is an
 * empty map; a map whose every range was removed is empty again (nothing
 * to rewrite between runs). */
struct shadow_map {
    uintptr_t start[GAUNTLET_MAX_SLOTS], end[GAUNTLET_MAX_SLOTS]; /* [start, end) */
    uint8_t index_of[GAUNTLET_MAX_SLOTS];                         /* by slot */
    uint8_t slot_of[GAUNTLET_MAX_SLOTS];                          /* by index */
    uint32_t count;
};

/* Inserts [start, end) for slot `id` (not in the map); when it meets
 * ranges already there, inserts nothing and returns the lowest of their
 * slots; else returns -1. */
int32_t shadow_map_insert(struct shadow_map *m, int32_t id, uintptr_t start, uintptr_t end);
void shadow_map_remove(struct shadow_map *m, int32_t id);
uint32_t shadow_map_count(const struct shadow_map *m);

/* ---- oracle.c: the shadow model of every live block ---- */

struct shadow_block {
    void *ptr;
    size_t requested;
    size_t usable; /* 0 when the allocator has no usable-size call */
    size_t align;  /* the alignment it was requested with; 0 for plain calls */
    uint64_t seed;
    size_t made_at;  /* operation index */
    uint8_t made_by; /* enum op_kind */
    uint8_t thread;  /* allocating thread */
    bool live;       /* in the slot, to be used, checked and freed */
    bool counted;    /* in the overlap map and the live bytes (the oracle's books) */
    bool misplaced;  /* placed off the plain alignment rules (rules.h, rule_stays_misplaced) */
    uint32_t heap;   /* the run's number of the thread heap it is in (rules.h); 0: none */
    struct zero_books zero; /* its zeros, for a rezalloc (rules.h, rule_zero_books) */
};

#define RECENT_FREES 16

/* ---- findings.c: a violation's signature, and the run's distinct findings ---- */

/* What a signature is made of (gauntlet.h says how it reads). */
struct finding_key {
    uint8_t invariant; /* enum invariant */
    uint8_t failure;   /* enum failure */
    uint8_t kind;      /* enum op_kind */
    uint8_t band;      /* the request's size band */
    bool cross;        /* the block was made by another thread */
};
#define RUN_FINDINGS_MAX 32
/* One distinct finding of a run, as first met. */
struct run_finding {
    struct finding_key key;
    bool known;         /* passed over (run_config.known) */
    uint64_t count;     /* occurrences */
    size_t first_index; /* the operation (SIZE_MAX: the end of the program) */
};
struct finding_key finding_key_of(const struct op *op, const struct shadow_block *block,
                                  unsigned thread, const struct breach *b);
void finding_signature(const struct finding_key *key, char *out, size_t len);

struct oracle {
    const struct alloc_policy *policy;
    size_t live_bytes, peak_live_bytes, cap;
    uint64_t generation;
    bool strict;
    bool concurrent;           /* free-running: the map and counters are shared */
    pthread_mutex_t lock;      /* guards map, counters and generation when concurrent */
    uint32_t deviations_noted; /* bit per table entry: that known deviation was noted */
    struct held_choices held;  /* rules.h: the choices this run's calls showed */
    struct run_finding findings[RUN_FINDINGS_MAX]; /* distinct, in order met */
    unsigned finding_count;
    unsigned set_aside; /* harmed blocks set aside (they may still be in a heap) */
    /* The addresses freed last, for the fuzz feedback (fuzz_feedback.c). */
    struct recent_free {
        uintptr_t ptr;
        uint8_t freed_by;
        bool cross; /* freed by a thread other than its allocator */
    } recent_frees[RECENT_FREES];
    unsigned recent_next;
    /* Last: a finished run leaves every block dead and the map empty, so a
     * run reusing this memory need not clear them (run.c). */
    struct shadow_block blocks[GAUNTLET_MAX_SLOTS];
    struct shadow_map map;
};

/* ---- run.c / exec_*.c: one program against one allocator ---- */

/* The program threads' own heaps (rules.h, heap operations): made by a
 * thread's first heap_malloc, ended by heap_delete or heap_destroy, or by
 * the allocator when the thread ends (a restart), or at the end of the run
 * by the thread that made it. */
struct run_heaps {
    void *heap[GAUNTLET_MAX_THREADS];
    uint32_t number[GAUNTLET_MAX_THREADS]; /* its number in the run, from 1; 0: none */
    pthread_t maker[GAUNTLET_MAX_THREADS];
    uint32_t made;
};

/* Lives in harness memory (hmem.c), kept from one run to the next. */
struct run {
    const struct program *program;
    const struct allocator *alloc;
    const struct run_config *config;
    uint32_t missing; /* bit per enum op_kind: the allocator lacks the call */
    unsigned rounds;  /* made in all: config's, or more (rules.h, rule_reuse_rounds_planned) */
    struct run_stats stats[GAUNTLET_MAX_THREADS];   /* per thread; summed at the end */
    pthread_mutex_t slot_locks[GAUNTLET_MAX_SLOTS]; /* free-running mode only (exec_free.c) */
    struct run_heaps heaps;
    struct oracle oracle; /* last (see struct oracle) */
};

/* Where an operation is being performed: what the oracle and the report need. */
struct op_context {
    struct run *run;
    size_t index; /* SIZE_MAX during the end-of-program teardown */
    const struct op *op;
    unsigned thread;
    struct run_stats *stats;
};

/* exec_op.c: one operation on the calling thread (not restart/barrier). */
void exec_op(struct op_context *c);
/* Verifies and frees every live block (end of program), on the calling
 * thread, then ends the thread heap it made, if any. */
void exec_teardown(struct run *run, unsigned thread);

/* exec_heap.c: the program threads' own heaps. */
/* Program thread c->thread's heap, made on its first use; NULL when the
 * allocator could not make one. */
void *exec_heap_of(struct op_context *c);
/* heap_delete, heap_destroy and heap_visit (op_is_heap_wide). */
void exec_heap_op(struct op_context *c);
/* Program thread `thread` ends (a restart, the end of the program): the
 * calling thread deletes its heap if it made it; the run forgets it. */
void exec_heap_finish(struct run *run, unsigned thread);

/* Whether thread 0 is the thread that loaded the allocator (lock-step, and
 * the program never restarts it: rules.h, rule_restarts_loader_thread). */
bool run_t0_is_loader_thread(const struct run *run);
/* exec_lockstep.c / exec_free.c: run the whole program; return normally when
 * every operation passed (a violation never returns). */
void exec_lockstep(struct run *run);
void exec_free_running(struct run *run);

/* watchdog.c: the calling thread's wait while the program's threads run,
 * for `posts` posts of `done`. The bound counts whole seconds in which
 * `ticks` (operations begun or ended) did not move; then the operation in
 * progress, as `hung` names it, is reported as a `hang`. */
struct watchdog {
    sem_t *done;
    unsigned posts;
    unsigned bound_seconds; /* 0: no bound */
    atomic_uint_fast64_t *ticks;
    /* Fills *c with the operation making no progress (`teardown_free` is
     * storage for the end-of-program free it may name). */
    void (*hung)(void *context, struct op_context *c, struct op *teardown_free);
    void *context;
};
void watchdog_wait(const struct watchdog *w);
/* Joins program thread `number` as it exits (after its last operation, or
 * at the `restart` at `index`; SIZE_MAX: the end of the program), within the
 * run's watchdog bound: an allocator whose thread-exit path makes no
 * progress is a `hang` there, not a run that never ends. */
void watchdog_join(pthread_t thread, struct run *run, unsigned number, size_t index);

/* oracle.c: `o` arrives zeroed up to its blocks; its blocks and map are
 * zeroed too, or as a finished run left them (all dead, the map empty). */
void oracle_init(struct oracle *o, const struct alloc_policy *policy, size_t cap, bool strict,
                 bool concurrent);
void oracle_release(struct oracle *o);
/* The live bytes now (under the oracle's lock when concurrent). */
static inline size_t oracle_live_bytes(struct oracle *o)
{
    if (!o->concurrent) return o->live_bytes;
    pthread_mutex_lock(&o->lock);
    size_t live = o->live_bytes;
    pthread_mutex_unlock(&o->lock);
    return live;
}
/* A new block, as the executor found it right after the call. */
struct new_block {
    void *p;
    size_t requested;
    size_t usable;     /* the allocator's usable size of it */
    bool usable_known; /* the allocator has a usable-size call */
    bool misplaced;    /* placed off the plain rules (excused, at an offset, or kept in a resize) */
    uint32_t heap;     /* the thread heap it is in (rules.h, rule_heap_of_block); 0: none */
};
/* A new block's first check (rules.h): its alignment. The executor asks the
 * usable size only after it passed; *misplaced: it passed only by a known
 * deviation's excuse. */
bool oracle_check_alignment(struct op_context *c, unsigned slot, const void *p,
                            const struct verdict *v, bool *misplaced);
/* The other checks of a new block in `slot`, in rules.h's order (usable
 * size, calloc's zeroes, overlap, the bytes a realloc kept from
 * `previous`), then records it with a fresh pattern. False on a violation. */
bool oracle_accept_block(struct op_context *c, unsigned slot, const struct new_block *n,
                         const struct verdict *v, const struct shadow_block *previous);
/* Verifies bytes [0, limit) of the slot's block. */
bool oracle_verify_contents(struct op_context *c, unsigned slot, size_t limit,
                            enum invariant invariant);
/* Takes the block out of the overlap map and the live count, and marks it
 * dead (before the allocator may reuse its memory). The oracle is the one
 * writer of a block's liveness. */
void oracle_release_block(struct op_context *c, unsigned slot);
/* A harmed block leaves the oracle's books and its slot: never used,
 * checked or freed again (the allocator may be inconsistent about it, or
 * have freed it under the program). */
void oracle_set_aside(struct op_context *c, unsigned slot);
/* Puts a released block back (a failed realloc, a declined sized free). */
bool oracle_restore_block(struct op_context *c, unsigned slot);
bool oracle_check_usable(struct op_context *c, unsigned slot, size_t usable_now);
/* Known deviations that excused something: counted, each noted the first
 * time it does in a run. */
void oracle_note_excuses(struct op_context *c, uint32_t entries);
/* rules.h's rule_hold_choice on the run's held choices (under the oracle's
 * lock when concurrent). */
struct verdict oracle_hold_choice(struct op_context *c, struct verdict v, rule_judge judge,
                                  const struct call_result *r);
/* Judges a call by rules.h with the allocator's known deviations (each
 * noted once per run and entry, and counted). Inline: the judge is then a
 * direct call the compiler can inline too, on every operation's path. */
static inline struct verdict oracle_judge(struct op_context *c, rule_judge judge,
                                          const struct call_result *r)
{
    const struct oracle *o = &c->run->oracle;
    uint32_t entries;
    struct verdict v = rule_judge_excused(judge, c->op, r, &o->policy->choices,
                                          o->policy->deviations, o->strict, &entries);
    if (entries) oracle_note_excuses(c, entries);
    bool yes;
    if (rule_shown_choice(judge, c->op, r, &yes) >= 0) v = oracle_hold_choice(c, v, judge, r);
    return v;
}
/* True when the verdict found no breach; else reports it. */
bool oracle_verdict_holds(struct op_context *c, const struct verdict *v);
/* Reports a breach of rules.h by the operation in `c`, about `slot`'s
 * block (or none: -1); `block` is the shadow of the block involved, if any.
 * Then the process ends with status 1, or (run_config.keep_going) the run
 * goes on with the slot's block set aside when the breach harmed it. */
void oracle_breach(struct op_context *c, int slot, const struct shadow_block *block,
                   const struct breach *b, const char *note);

/* fuzz_feedback.c: called by the oracle, under its lock, when a block is
 * freed and when one is accepted; nothing happens outside fuzz targets. */
void feedback_block_freed(struct op_context *c, uintptr_t ptr, unsigned allocated_by);
void feedback_block_accepted(struct op_context *c, uintptr_t ptr, size_t requested, bool zeroed);

/* ---- map_faults.c (map_faults.c.in): the OS refusing an allocator memory ---- */

/* The allocator's next `count` OS mapping calls fail (SIZE_MAX: every one
 * until lifted); 0 lifts. Calls from this executable are never refused. */
void map_faults_arm(size_t count);
/* Refusals made since the process started: a call whose figure moved was
 * refused memory. */
unsigned long long map_faults_refused(void);
/* False in sanitizer builds, where nothing can be refused. */
bool map_faults_available(void);

/* ---- crash_site.c: where a crash happened (async-signal-safe) ---- */

/* "OBJECT+0xOFFSET" for the instruction at pc, in out; when pc is in the
 * object holding libc_pc (the C library, whose instruction says nothing of
 * which bug led there), for its caller's return address, found in the stack
 * above sp. False when neither is in an executable file mapping. */
bool crash_site_of(uintptr_t pc, uintptr_t sp, uintptr_t libc_pc, char *out, size_t len);

/* ---- report.c ---- */

struct violation {
    enum invariant invariant;
    int slot;                         /* -1 when none */
    const struct shadow_block *block; /* the block involved, or NULL */
    char expected[256];
    char actual[256];
    char detail[256]; /* e.g. how the contents were checked */
    char signature[FINDING_SIGNATURE_MAX];
};
/* Prints the report, and the run record when one is wanted. */
void report_violation(const struct op_context *c, const struct violation *v);
void report_note(const struct op_context *c, const char *message);
/* At the end of a run that went on past a violation or a known finding:
 * each distinct finding once, with its count and first occurrence. */
void report_findings(const struct run *run);
/* What a crash report names: the operation in progress on this thread (NULL
 * between operations), copied; and its run, until report_run_ended(). */
void report_set_current(const struct op_context *c);
void report_run_ended(void);
void run_stats_sum(const struct run *run, struct run_stats *total);

/* ---- sanitizer hooks (header-only) ----
 * TSan cannot see an allocator recycle memory between threads (glibc,
 * mimalloc and tcmalloc hand a block freed by one thread to another without
 * a lock TSan intercepts), so the oracle's writes to a recycled block look
 * like a race with the previous owner's. A release on one global before
 * every free or realloc, and an acquire on it after every allocation
 * returns, give TSan the happens-before edge the allocator really provides.
 * Outside TSan builds both expand to nothing. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GAUNTLET_UNDER_TSAN 1
#endif
#endif
#if !defined(GAUNTLET_UNDER_TSAN) && defined(__SANITIZE_THREAD__)
#define GAUNTLET_UNDER_TSAN 1
#endif

#ifdef GAUNTLET_UNDER_TSAN
/* The runtime's documented entry points (sanitizer/tsan_interface.h). */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
/* One synchronisation object for the whole process: weak, so that every
 * translation unit shares it. */
__attribute__((weak)) char gauntlet_tsan_recycling;
#define GAUNTLET_TSAN_ACQUIRE() __tsan_acquire(&gauntlet_tsan_recycling)
#define GAUNTLET_TSAN_RELEASE() __tsan_release(&gauntlet_tsan_recycling)
#else
#define GAUNTLET_TSAN_ACQUIRE() ((void)0)
#define GAUNTLET_TSAN_RELEASE() ((void)0)
#endif

#endif
