/*
 * cmd_bench.c — `gauntlet bench`: what the oracle costs. For each allocator
 * and size mix, one generated single-thread program is run checked (the
 * whole oracle, lock-step executor) and replayed raw (the same calls, no
 * checks, no pattern writes) in the same process, alternately, several
 * times; the figure is the median of the ratios of each pair. A benchmark,
 * not a test: it prints, it does not judge.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPEAT 21

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The same calls as the checked run makes for a generated program (which
 * never reaches the live-bytes cap), without any check. A fair baseline:
 * the same dispatch on the operation's kind as the executor, the missing
 * calls looked up once per run as the executor does (run.c), and only the
 * bookkeeping the calls themselves need (the slot's block, and what a sized
 * free is given). */
/* The raw replay's thread heap: made at the first heap_malloc, as the
 * checked run makes it, and ended by heap_delete or heap_destroy (whose
 * blocks are then gone) or at the end. */
struct raw_heap {
    void *heap;
    bool in_heap[GAUNTLET_MAX_SLOTS];
};

static void raw_heap_op(struct raw_heap *h, const struct op *op, const struct allocator *a,
                        void **block)
{
    static struct heap_listing seen;
    if (h->heap == NULL) return; /* skipped by the checked run too */
    if (op->kind == OP_HEAP_VISIT) {
        rule_heap_visit(&a->heap_visit, h->heap, &seen);
        return;
    }
    rule_heap_end(op->kind == OP_HEAP_DELETE ? &a->heap_delete : &a->heap_destroy, h->heap);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) {
        if (h->in_heap[s] && op->kind == OP_HEAP_DESTROY) block[s] = NULL;
        h->in_heap[s] = false;
    }
    h->heap = NULL;
}

static void replay_raw(const struct program *p, const struct allocator *a)
{
    static struct raw_heap heap;
    static void *block[GAUNTLET_MAX_SLOTS];
    static size_t size[GAUNTLET_MAX_SLOTS], align[GAUNTLET_MAX_SLOTS];
    static bool resized[GAUNTLET_MAX_SLOTS];
    volatile size_t sink = 0;
    uint32_t missing = 0;
    for (unsigned k = 0; k < OP_KIND_COUNT; k++)
        if (!allocator_has(a, (enum op_kind)k)) missing |= UINT32_C(1) << k;
    for (size_t i = 0; i < p->count; i++) {
        const struct op *op = &p->ops[i];
        unsigned s = op->slot;
        void *q = NULL;
        size_t bytes = op->size, alignment = 0;
        if (missing & (UINT32_C(1) << op->kind)) continue;
        switch (op->kind) {
        case OP_MALLOC: q = a->malloc(op->size); break;
        case OP_CALLOC:
            q = a->calloc(op->count, op->size);
            bytes = op->count * op->size;
            break;
        case OP_ALIGNED_ALLOC:
            q = a->aligned_alloc(op->align, op->size);
            alignment = op->align;
            break;
        case OP_MEMALIGN:
            q = a->memalign(op->align, op->size);
            alignment = op->align;
            break;
        case OP_POSIX_MEMALIGN:
            if (a->posix_memalign(&q, op->align, op->size) != 0) q = NULL;
            alignment = op->align;
            break;
        case OP_MALLOC_ALIGNED_AT:
            q = rule_malloc_aligned_at(&a->aligned_at, op->size, op->align, op->count);
            break;
        case OP_HEAP_MALLOC:
            if (heap.heap == NULL) heap.heap = rule_heap_new(&a->heap_malloc);
            q = rule_heap_malloc(&a->heap_malloc, heap.heap, op->size);
            break;
        case OP_HEAP_DELETE:
        case OP_HEAP_DESTROY:
        case OP_HEAP_VISIT: raw_heap_op(&heap, op, a, block); continue;
        case OP_REALLOC_ALIGNED:
            if (block[s] && (q = rule_realloc_aligned(&a->realloc_aligned, block[s], op->size,
                                                      op->align)) != NULL) {
                heap.in_heap[s] &= q == block[s];
                block[s] = q;
                size[s] = op->size;
                align[s] = op->align;
            }
            continue;
        case OP_REALLOC:
        case OP_REALLOCARRAY: {
            void *r = op->kind == OP_REALLOC ? a->realloc(block[s], op->size)
                                             : a->reallocarray(block[s], op->count, op->size);
            heap.in_heap[s] &= r == block[s];
            if (r != NULL || op->size == 0 || op->count == 0) block[s] = r;
            size[s] = op->size * (op->kind == OP_REALLOC ? 1 : op->count);
            align[s] = 0;
            resized[s] = true;
            continue;
        }
        case OP_FREE:
            a->free(block[s]);
            block[s] = NULL;
            continue;
        case OP_FREE_SIZED:
            if (block[s] && a->free_sized(block[s], size[s], align[s], resized[s])) block[s] = NULL;
            continue;
        case OP_USABLE_SIZE:
            if (block[s]) sink += a->usable_size(block[s]);
            continue;
        case OP_PREDICT:
            if (block[s]) sink += rule_predict(&a->predict, size[s], align[s]);
            continue;
        case OP_COLLECT: rule_collect(&a->collect); continue;
        case OP_EXPAND:
            if (block[s] && rule_expand(&a->expand, block[s], op->size, align[s], size[s],
                                        a->usable_size ? a->usable_size(block[s]) : 0))
                size[s] = op->size;
            continue;
        default: continue;
        }
        if (block[s]) a->free(block[s]);
        block[s] = q;
        size[s] = bytes;
        align[s] = alignment;
        resized[s] = false;
        heap.in_heap[s] = op->kind == OP_HEAP_MALLOC;
    }
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++) {
        a->free(block[s]);
        block[s] = NULL;
        heap.in_heap[s] = false;
    }
    rule_heap_end(&a->heap_delete, heap.heap);
    heap.heap = NULL;
    (void)sink;
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *values, unsigned n)
{
    qsort(values, n, sizeof *values, compare_doubles);
    return values[n / 2];
}

static void bench_mix(const struct allocator *a, const char *mix, bool small, size_t ops,
                      unsigned repeat)
{
    struct gen_params params;
    gen_params_default(&params);
    params.seed = 1;
    params.ops = ops;
    params.small_only = small;
    struct program p;
    program_init(&p);
    program_generate(&params, &p);
    struct run_config config;
    run_config_default(&config);
    config.program_path = "(bench)";
    double checked[MAX_REPEAT], raw[MAX_REPEAT];
    struct run_stats stats;
    for (unsigned r = 0; r < repeat; r++) {
        /* Every repeat meets the same known deviations: note them once. */
        config.quiet_notes = r > 0;
        double t0 = now_seconds();
        run_program(&p, a, &config, &stats);
        double t1 = now_seconds();
        replay_raw(&p, a); /* on this thread, as the checked run's t0 */
        double t2 = now_seconds();
        checked[r] = t1 - t0;
        raw[r] = t2 - t1;
    }
    /* The ratio of each checked run to the raw replay right after it, then
     * the median: on a shared machine the two runs of a pair meet the same
     * load, where the medians of each side may come from different moments. */
    double ratios[MAX_REPEAT];
    for (unsigned r = 0; r < repeat; r++)
        ratios[r] = checked[r] / raw[r];
    double c = median(checked, repeat), w = median(raw, repeat);
    printf("%-10s %-8s %9zu %12.2f %12.2f %8.2fx%s\n", a->name, mix, p.count,
           (double)p.count / c / 1e6, (double)p.count / w / 1e6, median(ratios, repeat),
           stats.skipped_over_cap ? "  (cap reached: not comparable)" : "");
    fflush(stdout);
    program_release(&p);
}

struct bench_job {
    const char *name;
    bool small, default_mix;
    size_t ops;
    unsigned repeat;
};

/* One allocator's bench, in a child of its own. */
static int bench_one(void *arg)
{
    const struct bench_job *job = arg;
    struct allocator a;
    char err[1024];
    if (!allocator_open(job->name, &a, err, sizeof err)) {
        fprintf(stderr, "gauntlet bench: %s\n", err);
        return EXIT_USAGE;
    }
    if (job->small) bench_mix(&a, "small", true, job->ops, job->repeat);
    if (job->default_mix) bench_mix(&a, "default", false, job->ops, job->repeat);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    char list[1024] = "all";
    bool run_small = true, run_default = true;
    uint64_t ops = 200000, repeat = 9;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(argv[i])) {
            puts("usage: gauntlet bench [--alloc NAME[,NAME...]|all] [--mix small|default|all] "
                 "[--ops N] [--repeat R]\n\n"
                 "Checked operations per second (the whole oracle) against raw calls of the\n"
                 "same generated single-thread program, for small blocks (<= 1 KiB) and the\n"
                 "default size mix: rates are medians of R alternated runs, the ratio the\n"
                 "median of each pair's ratio (default R = 9, N = 200000).");
            return 0;
        } else if (strcmp(argv[i], "--alloc") == 0 && value) {
            snprintf(list, sizeof list, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--mix") == 0 && value) {
            const char *mix = argv[++i];
            run_small = strcmp(mix, "small") == 0 || strcmp(mix, "all") == 0;
            run_default = strcmp(mix, "default") == 0 || strcmp(mix, "all") == 0;
            if (!run_small && !run_default)
                usage_error("bench", "--mix needs small, default or all");
        } else if (strcmp(argv[i], "--ops") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &ops) || ops == 0)
                usage_error("bench", "--ops needs N > 0");
        } else if (strcmp(argv[i], "--repeat") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &repeat) || repeat == 0 || repeat > MAX_REPEAT)
                usage_error("bench", "--repeat needs 1..%d", MAX_REPEAT);
        } else {
            usage_error("bench", "unknown option or missing value: %s", argv[i]);
        }
    }
    printf("%-10s %-8s %9s %12s %12s %9s\n", "allocator", "mix", "ops", "checked M/s", "raw M/s",
           "ratio");
    const char *names[16];
    unsigned count = add_allocator_names("bench", list, names, 0, 16);
    int status = 0;
    for (unsigned k = 0; k < count; k++) {
        char err[1024];
        if (!allocator_installed(names[k], err, sizeof err)) {
            fprintf(stderr, "gauntlet bench: %s\n", err);
            status = EXIT_USAGE;
            continue;
        }
        struct bench_job job = {names[k], run_small, run_default, (size_t)ops, (unsigned)repeat};
        struct process p = {.call = bench_one, .arg = &job};
        bool started = process_run(&p, 0) >= 0 || p.ended;
        process_honour_stop(&p);
        if (!started) {
            status = EXIT_USAGE;
        } else if (WIFSIGNALED(p.status)) {
            fprintf(stderr, "gauntlet bench: %s died of signal %d\n", names[k], WTERMSIG(p.status));
            status = EXIT_FINDING;
        } else if (WEXITSTATUS(p.status) != 0) {
            status = WEXITSTATUS(p.status);
        }
    }
    return status;
}
