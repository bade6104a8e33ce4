/*
 * cmd_minimize.c — `gauntlet minimize`: shrinks a failing program to a small
 * one that still fails with the same signature (delta debugging over the
 * operations, then a pass simplifying single operations). Every candidate
 * is judged by child_run_file (child_run.c) in a fresh process.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- minimize ---- */

static const char minimize_help[] =
    "usage: gauntlet minimize --alloc NAME [options] FILE [-o OUT]\n"
    "\n"
    "Shrinks a program that violates an invariant on the allocator to a small one\n"
    "that still fails with the same signature (invariant, failure, operation, size\n"
    "band: the same bug, not merely the same invariant; a crash is `crash/signal-N/SITE`,\n"
    "the faulting instruction's library and offset, or `crash/signal-N/OP` without one).\n"
    "With --known, known findings are passed over, so a program whose first finding\n"
    "is known shrinks to its new one. Every candidate is written to a file and run\n"
    "in a fresh process.\n"
    "\n"
    "  --alloc NAME       glibc, jemalloc, mimalloc, tcmalloc or so:PATH\n" RUN_OPTIONS_HELP
    "  --max-runs N       stop after N runs (2000), printing the smallest found\n"
    "  -o OUT             write the program there (atomically); default stdout\n"
    "\n"
    "Exit status: 0 a minimal program was written; 2 usage or input error, or\n"
    "FILE does not fail.\n";

struct minimize {
    struct run_options run;
    const char *input;
    const char *output;
    unsigned long max_runs;
    char dir[256];       /* private temporary directory */
    char candidate[300]; /* the file each candidate is written to */
    struct child_verdict original;
    struct op *ops; /* the current smallest failing program */
    size_t count, original_count, capacity;
    struct op *trial; /* a candidate under test */
    unsigned long runs;
    bool exhausted;
    char reproduction[600]; /* what the C reproducer of the result did */
    unsigned rounds;        /* --rounds, else the input's `# rounds:` line: the result keeps it */
    char rounds_text[16];   /* the input's, given to every run as --rounds */
};

static void parse_minimize_options(int argc, char **argv, struct minimize *m)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t number;
        if (is_help(arg)) {
            fputs(minimize_help, stdout);
            exit(0);
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            m->run.alloc = argv[++i];
        } else if (parse_run_option("minimize", argc, argv, &i, &m->run)) {
            continue;
        } else if (strcmp(arg, "--max-runs") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &number) || number == 0 || number > 1000000)
                usage_error("minimize", "--max-runs needs a number (1..1000000)");
            m->max_runs = (unsigned long)number;
        } else if (strcmp(arg, "-o") == 0 && value) {
            m->output = argv[++i];
        } else if (arg[0] == '-' && arg[1] != '\0') {
            usage_error("minimize", "unknown option or missing value: %s", arg);
        } else if (m->input) {
            usage_error("minimize", "one FILE at a time (got '%s' and '%s')", m->input, arg);
        } else {
            m->input = arg;
        }
    }
    if (m->run.alloc == NULL) usage_error("minimize", "--alloc NAME is required");
    settings_adopt_environment("minimize", &m->run.settings);
    if (strcmp(m->run.alloc, "all") == 0 || strchr(m->run.alloc, ','))
        usage_error("minimize", "--alloc takes one allocator");
    if (m->input == NULL) usage_error("minimize", "no program FILE given");
}

static void remove_temporaries(const struct minimize *m)
{
    unlink(m->candidate);
    reproducer_remove_files(m->dir);
    rmdir(m->dir);
}

static bool write_ops(int fd, const void *context)
{
    const struct program *p = context;
    return program_write_text(p, fd);
}

/* Writes ops[0..count) as text to the candidate file and runs it: true when
 * it fails with the original signature. */
static bool still_fails(struct minimize *m, const struct op *ops, size_t count)
{
    if (m->runs >= m->max_runs) {
        m->exhausted = true;
        return false;
    }
    m->runs++;
    struct program view = {.ops = (struct op *)ops, .count = count, .capacity = count};
    int fd = open(m->candidate, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool written = fd >= 0 && write_ops(fd, &view);
    if (fd >= 0) close(fd);
    /* Candidates are written as text, whatever form the input was read in. */
    struct run_options as_text = m->run;
    as_text.format = "text";
    struct child_verdict r;
    if (!written || !child_run_file(&as_text, m->candidate, &r)) {
        fprintf(stderr, "gauntlet minimize: cannot run a candidate in %s: %s\n", m->dir,
                strerror(errno));
        remove_temporaries(m);
        exit(EXIT_USAGE);
    }
    return r.status == VERDICT_FAIL && strcmp(r.signature, m->original.signature) == 0;
}

static void progress(const struct minimize *m)
{
    fprintf(stderr, "gauntlet minimize: %zu of %zu operations remain (%lu runs)\n", m->count,
            m->original_count, m->runs);
}

/* Tries the program without ops[start, start+len); keeps it when it still fails. */
static bool try_without(struct minimize *m, size_t start, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < m->count; i++)
        if (i < start || i >= start + len) m->trial[n++] = m->ops[i];
    if (!still_fails(m, m->trial, n)) return false;
    memcpy(m->ops, m->trial, n * sizeof *m->ops);
    m->count = n;
    progress(m);
    return true;
}

/* Delta debugging over chunks of operations: each pass tries removing every
 * chunk of the current size; a pass that removes nothing halves the size, so
 * it ends with a program from which no single operation can be removed (or
 * when the run budget is spent). */
static void reduce_chunks(struct minimize *m)
{
    size_t chunk = m->count / 2 ? m->count / 2 : 1;
    while (m->count > 1 && !m->exhausted) {
        bool removed = false;
        for (size_t start = 0; start < m->count && !m->exhausted;) {
            size_t len = chunk < m->count - start ? chunk : m->count - start;
            if (len < m->count && try_without(m, start, len))
                removed = true; /* the next chunk now starts here */
            else
                start += len;
        }
        if (!removed && chunk == 1) break;
        if (!removed) chunk = (chunk + 1) / 2;
        if (chunk > m->count / 2) chunk = m->count / 2 ? m->count / 2 : 1;
    }
}

/* Keeps a one-operation change when the program still fails. */
static bool try_change(struct minimize *m, size_t index, const struct op *changed)
{
    memcpy(m->trial, m->ops, m->count * sizeof *m->ops);
    m->trial[index] = *changed;
    if (!still_fails(m, m->trial, m->count)) return false;
    m->ops[index] = *changed;
    return true;
}

/* Simpler operations read better: thread 0 instead of another, and an
 * allocation of the same size made by plain malloc where the kind does not
 * matter. */
static bool simplify_operations(struct minimize *m)
{
    bool changed = false;
    for (size_t i = 0; i < m->count && !m->exhausted; i++) {
        struct op op = m->ops[i];
        if (op.thread != 0 && op.kind != OP_BARRIER) {
            op.thread = 0;
            if (try_change(m, i, &op)) changed = true;
            op = m->ops[i];
        }
        bool plain = op.kind == OP_CALLOC || op.kind == OP_ALIGNED_ALLOC ||
                     op.kind == OP_POSIX_MEMALIGN || op.kind == OP_MEMALIGN;
        size_t bytes = op.kind == OP_CALLOC ? op.size * op.count : op.size;
        bool fits = op.kind != OP_CALLOC || op.count == 0 || bytes / op.count == op.size;
        if (plain && fits) {
            struct op simple = {
                .kind = OP_MALLOC, .thread = op.thread, .slot = op.slot, .size = bytes};
            if (try_change(m, i, &simple)) changed = true;
        }
    }
    return changed;
}

struct minimized_output {
    const struct minimize *m;
};

static bool write_minimized(int fd, const void *context)
{
    const struct minimize *m = ((const struct minimized_output *)context)->m;
    char settings[SETTINGS_TEXT_MAX] = "";
    for (unsigned i = 0; i < m->run.settings.count; i++)
        snprintf(settings + strlen(settings), sizeof settings - strlen(settings),
                 "%s --alloc-env %s", i ? "" : ", with", m->run.settings.list[i]);
    char header[3072];
    int n = snprintf(header, sizeof header,
                     "# minimized by gauntlet minimize from %s\n"
                     "# allocator: %s%s%s%s%s\n"
                     "# invariant: %s (originally at: %s)\n"
                     "# signature: %s\n"
                     "# C reproducer: %s\n"
                     "# operations: %zu before, %zu after (%lu runs%s)\n",
                     m->input, m->run.alloc, m->run.mode ? ", mode " : "",
                     m->run.mode ? m->run.mode : "", m->run.strict ? ", strict" : "", settings,
                     m->original.invariant, m->original.operation[0] ? m->original.operation : "?",
                     m->original.signature, m->reproduction, m->original_count, m->count, m->runs,
                     m->exhausted ? ", run budget spent: may not be minimal" : "");
    if (n < 0 || (size_t)n >= sizeof header) n = (int)strlen(header);
    if (!fd_write_all(fd, header, (size_t)n)) return false;
    struct program view = {
        .ops = m->ops, .count = m->count, .capacity = m->count, .rounds = m->rounds};
    return program_write_text(&view, fd);
}

/* Loads FILE and learns its invariant; exits 2 when it does not fail. */
static void learn_original(struct minimize *m)
{
    struct program p;
    load_program(m->input,
                 m->run.format ? parse_format_arg("minimize", m->run.format) : FORMAT_AUTO, &p);
    char err[1024];
    if (!allocator_installed(m->run.alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet minimize: %s\n", err);
        exit(EXIT_USAGE);
    }
    m->capacity = p.count ? p.count : 1;
    m->ops = hmem_map(m->capacity * sizeof *m->ops);
    m->trial = hmem_map(m->capacity * sizeof *m->ops);
    memcpy(m->ops, p.ops, p.count * sizeof *p.ops);
    m->count = m->original_count = p.count;
    m->rounds = m->run.rounds ? parse_rounds_arg("minimize", m->run.rounds) : p.rounds;
    if (!m->run.rounds && p.rounds) {
        snprintf(m->rounds_text, sizeof m->rounds_text, "%u", p.rounds);
        m->run.rounds = m->rounds_text;
    }
    program_release(&p);
    m->runs = 1; /* the original counts against the budget too */
    if (!child_run_file(&m->run, m->input, &m->original)) {
        fprintf(stderr, "gauntlet minimize: cannot run %s: %s\n", m->input, strerror(errno));
        exit(EXIT_USAGE);
    }
    if (m->original.status == VERDICT_ERROR) {
        fprintf(stderr, "gauntlet minimize: %s could not be run: %s\n", m->input,
                m->original.message);
        exit(EXIT_USAGE);
    }
    if (m->original.status == VERDICT_PASS) {
        fprintf(stderr, "gauntlet minimize: %s does not fail on %s: nothing to minimize\n",
                m->input, m->run.alloc);
        exit(EXIT_USAGE);
    }
    fprintf(stderr, "gauntlet minimize: %s fails with %s on %s at: %s\n", m->input,
            m->original.signature, m->run.alloc,
            m->original.operation[0] ? m->original.operation : "?");
}

/* The C reproducer of the result must fail on the allocator as the run did,
 * alone in a fresh process (its heap starts as a process's does; the
 * harness's may not). When the minimized program's passes but the
 * original's fails, the original is kept: a finding whose reproducer passes
 * is not handed out as minimal. */
static enum reproduction reproduction_of(struct minimize *m, const struct op *ops, size_t count,
                                         const struct reproducer_options *options, char *why,
                                         size_t len)
{
    struct program view = {.ops = (struct op *)ops, .count = count, .capacity = count};
    return reproducer_reproduces(&view, options, m->dir, why, len);
}

static void check_reproducer(struct minimize *m)
{
    size_t cap = GAUNTLET_DEFAULT_CAP;
    if (m->run.cap) parse_size_arg(m->run.cap, &cap);
    char resolved[4200], err[1024], why[600], original_why[600];
    struct reproducer_options options;
    if (!reproducer_options_for(m->run.alloc, cap, m->run.strict, resolved, sizeof resolved,
                                &options, err, sizeof err)) {
        snprintf(m->reproduction, sizeof m->reproduction, "not checked: %s", err);
        return;
    }
    if (m->run.rounds) options.rounds = parse_rounds_arg("minimize", m->run.rounds);
    options.settings = m->run.settings.count ? m->run.settings.list : NULL;
    switch (reproduction_of(m, m->ops, m->count, &options, why, sizeof why)) {
    case REPRODUCTION_FAILS:
        snprintf(m->reproduction, sizeof m->reproduction,
                 "fails on %s as the run did (checked in a fresh process)", m->run.alloc);
        return;
    case REPRODUCTION_UNKNOWN:
        snprintf(m->reproduction, sizeof m->reproduction, "not checked: %s", why);
        return;
    case REPRODUCTION_PASSES: break;
    }
    fprintf(stderr,
            "gauntlet minimize: the C reproducer of the %zu-operation result does not "
            "reproduce: %s; trying the original program's\n",
            m->count, why);
    struct program original;
    load_program(m->input,
                 m->run.format ? parse_format_arg("minimize", m->run.format) : FORMAT_AUTO,
                 &original);
    switch (reproduction_of(m, original.ops, original.count, &options, original_why,
                            sizeof original_why)) {
    case REPRODUCTION_FAILS:
        memcpy(m->ops, original.ops, original.count * sizeof *original.ops);
        m->count = original.count;
        snprintf(m->reproduction, sizeof m->reproduction,
                 "the minimized program's passes (%s): the original program is kept, whose "
                 "reproducer fails on %s",
                 why, m->run.alloc);
        break;
    case REPRODUCTION_PASSES:
        snprintf(m->reproduction, sizeof m->reproduction,
                 "PASSES on %s, for the original program too (%s): reproduce with `gauntlet run`",
                 m->run.alloc, why);
        break;
    case REPRODUCTION_UNKNOWN:
        snprintf(m->reproduction, sizeof m->reproduction,
                 "PASSES on %s (%s); the original's could not be checked (%s)", m->run.alloc, why,
                 original_why);
        break;
    }
    program_release(&original);
    fprintf(stderr, "gauntlet minimize: C reproducer: %s\n", m->reproduction);
}

static void make_private_dir(struct minimize *m)
{
    const char *tmp = getenv("TMPDIR");
    path_printf(m->dir, sizeof m->dir, "%s/gauntlet-minimize-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(m->dir) == NULL) {
        fprintf(stderr, "gauntlet minimize: cannot create %s: %s\n", m->dir, strerror(errno));
        exit(EXIT_USAGE);
    }
    path_printf(m->candidate, sizeof m->candidate, "%s/candidate.txt", m->dir);
}

int cmd_minimize(int argc, char **argv)
{
    struct minimize m = {.max_runs = 2000};
    parse_minimize_options(argc, argv, &m);
    learn_original(&m);
    make_private_dir(&m);
    /* The text form of the whole program must fail the same way, or every
     * candidate (text) would be judged against the wrong baseline. */
    if (!still_fails(&m, m.ops, m.count)) {
        fprintf(stderr,
                "gauntlet minimize: %s, rerun from its text form, no longer fails with %s "
                "(a flaky finding?)\n",
                m.input, m.original.signature);
        remove_temporaries(&m);
        return EXIT_USAGE;
    }
    reduce_chunks(&m);
    if (simplify_operations(&m)) reduce_chunks(&m);
    check_reproducer(&m);
    remove_temporaries(&m);
    if (m.exhausted)
        fprintf(stderr,
                "gauntlet minimize: stopped after %lu runs (--max-runs); the result "
                "still fails but may not be minimal\n",
                m.runs);
    fprintf(stderr, "gauntlet minimize: %zu → %zu operations, %s, %lu runs\n", m.original_count,
            m.count, m.original.signature, m.runs);
    struct minimized_output out = {&m};
    write_output_with(m.output, write_minimized, &out);
    return 0;
}
