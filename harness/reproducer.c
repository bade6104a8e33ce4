/*
 * reproducer.c — `gauntlet reproducer`'s output: a program as a standalone
 * C17 file that an allocator's maintainers compile and run without Gauntlet.
 * It makes the same allocator calls as the executor (exec_op.c, lock-step
 * mode), from the same threads in the same order, and checks what the oracle
 * (oracle.c, oracle_calls.c) checks, by the rules of SEMANTICS.md.
 *
 * The generated file is, in order: a header comment (what it is, the command
 * that builds and runs it), includes, the allocator's table as #defines, the
 * checking code (the same for every reproducer: the two templates below), and
 * the program, one STEP line per operation with its text form.
 *
 * Written with write(2) from a stack buffer: no malloc and no stdio here, so
 * that a reproducer can be written from a process whose heap is suspect.
 */
#include "gauntlet.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* ---- output: a buffer on the stack, flushed with write(2) ---- */

struct out {
    int fd;
    bool ok; /* false after a failed write: the rest is dropped */
    size_t len;
    char buf[8192];
};

static void out_flush(struct out *o)
{
    o->ok = o->ok && fd_write_all(o->fd, o->buf, o->len);
    o->len = 0;
}

static void out_bytes(struct out *o, const char *s, size_t n)
{
    while (n > 0) {
        if (o->len == sizeof o->buf) out_flush(o);
        size_t room = sizeof o->buf - o->len;
        size_t part = n < room ? n : room;
        memcpy(o->buf + o->len, s, part);
        o->len += part;
        s += part;
        n -= part;
    }
}

static void out_str(struct out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

static void out_dec(struct out *o, uint64_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    do
        digits[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    out_bytes(o, digits + i, sizeof digits - i);
}

static void out_hex(struct out *o, uint64_t v)
{
    char digits[16];
    size_t i = sizeof digits;
    do
        digits[--i] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    out_str(o, "0x");
    out_bytes(o, digits + i, sizeof digits - i);
}

/* A C string literal. `?` is escaped too: `??x` would be a trigraph in -std=c17. */
static void out_c_string(struct out *o, const char *s)
{
    out_str(o, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '?') out_str(o, "\\");
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) continue;
        out_bytes(o, s, 1);
    }
    out_str(o, "\"");
}

/* Text inside a block comment: a space goes between `*` and `/` (either way
 * round), which would end the comment or open a nested one. `prev` carries the
 * last character written across calls. */
static void out_comment_char(struct out *o, char c, char *prev)
{
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) return;
    if ((*prev == '*' && c == '/') || (*prev == '/' && c == '*')) out_bytes(o, " ", 1);
    out_bytes(o, &c, 1);
    *prev = c;
}

static void out_comment_text(struct out *o, const char *s)
{
    char prev = ' ';
    for (; *s; s++)
        out_comment_char(o, *s, &prev);
}

/* ---- values as C expressions ----
 * Sizes near the edges are written as what they are (SIZE_MAX - 7,
 * (size_t)PTRDIFF_MAX + 1, ((size_t)1 << 40) + 3) so that a reader sees why a
 * request is impossible; other large values in hex. All arithmetic is size_t. */

#define NEAR ((uint64_t)1 << 24)

static void out_offset(struct out *o, uint64_t base, uint64_t v)
{
    if (v > base) {
        out_str(o, " + ");
        out_dec(o, v - base);
    } else if (v < base) {
        out_str(o, " - ");
        out_dec(o, base - v);
    }
}

static void out_size(struct out *o, size_t value)
{
    uint64_t v = value;
    if (SIZE_MAX - value < NEAR) {
        out_str(o, "SIZE_MAX");
        out_offset(o, SIZE_MAX, v);
        return;
    }
    uint64_t pmax = PTRDIFF_MAX;
    if ((v >= pmax ? v - pmax : pmax - v) < NEAR) {
        out_str(o, "(size_t)PTRDIFF_MAX");
        out_offset(o, pmax, v);
        return;
    }
    if (v > UINT32_MAX) {
        for (unsigned p = 32; p < 64; p++) {
            uint64_t power = (uint64_t)1 << p;
            if ((v >= power ? v - power : power - v) < NEAR) {
                out_str(o, "((size_t)1 << ");
                out_dec(o, p);
                out_str(o, ")");
                out_offset(o, power, v);
                return;
            }
        }
        out_str(o, "(size_t)UINT64_C(");
        out_hex(o, v);
        out_str(o, ")");
        return;
    }
    out_str(o, "(size_t)");
    out_dec(o, v);
}

/* An element count: relative to SIZE_MAX / m or PTRDIFF_MAX / m when it sits
 * just around the overflow (as the text form writes it), else as a size. */
static void out_count(struct out *o, size_t n, size_t m)
{
    const size_t window = 0x10000;
    const char *names[2] = {"SIZE_MAX / ", "(size_t)PTRDIFF_MAX / "};
    const size_t limits[2] = {SIZE_MAX, PTRDIFF_MAX};
    for (int i = 0; m >= 2 && i < 2; i++) {
        size_t q = limits[i] / m;
        if (q < window || (n >= q ? n - q : q - n) > window) continue;
        out_str(o, names[i]);
        if (m <= UINT32_MAX) {
            out_dec(o, m);
        } else {
            out_str(o, "(");
            out_size(o, m);
            out_str(o, ")");
        }
        out_offset(o, q, n);
        return;
    }
    out_size(o, n);
}

/* A path for the shell, inside the header comment: quoted unless plainly safe. */
static void out_shell_word(struct out *o, const char *s)
{
    bool plain = *s != '\0';
    for (const char *c = s; *c; c++)
        plain &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 strchr("/._+-=:,@%", *c) != NULL;
    char prev = ' ';
    if (!plain) out_comment_char(o, '\'', &prev);
    for (const char *c = s; *c; c++) {
        if (*c == '\'' && !plain)
            for (const char *q = "'\\''"; *q; q++)
                out_comment_char(o, *q, &prev);
        else
            out_comment_char(o, *c, &prev);
    }
    if (!plain) out_comment_char(o, '\'', &prev);
}

/* ---- identifiers of rules.h's enumerations, from its own X-macros ---- */

#define IDENTIFIER(e, ...) [e] = #e,
static const char *const kind_identifiers[] = {GAUNTLET_OPERATIONS(IDENTIFIER)};
static const char *const excuse_identifiers[] = {GAUNTLET_EXCUSES(IDENTIFIER)};
static const char *const scope_identifiers[] = {GAUNTLET_DEVIATION_SCOPES(IDENTIFIER)};
static const char *const behaviour_identifiers[] = {GAUNTLET_BEHAVIOURS(IDENTIFIER)};
static const char *const sized_free_identifiers[] = {GAUNTLET_SIZED_FREES(IDENTIFIER)};
#undef IDENTIFIER

#define COUNT_OF(a) (sizeof(a) / sizeof *(a))

/* An enumerator's identifier, or "?" for a value outside the table (the C
 * compiler then says so, instead of a reproducer judging by wrong data). */
static const char *identifier(const char *const *names, size_t count, unsigned value)
{
    return value < count && names[value] ? names[value] : "?";
}

/* ---- the generated file, part by part ---- */

static bool is_so(const char *allocator)
{
    return strncmp(allocator, "so:", 3) == 0;
}

struct reproducer_recipe reproducer_recipe(const char *allocator)
{
    struct reproducer_recipe r = {.link_flag = "", .preload = NULL};
    if (is_so(allocator))
        r.preload = allocator + 3;
    else
        r.link_flag = allocator_link_flag(allocator);
    return r;
}

static void write_header(struct out *o, const struct program *p,
                         const struct reproducer_options *opt)
{
    const char *allocator = opt->allocator;
    out_str(o, "/*\n * Gauntlet reproducer for ");
    out_comment_text(o, allocator);
    out_str(o, ": ");
    out_dec(o, p->count);
    out_str(o, p->count == 1 ? " operation on " : " operations on ");
    out_dec(o, program_thread_count(p));
    out_str(o, program_thread_count(p) == 1 ? " thread.\n" : " threads.\n");
    out_str(o, " *\n"
               " * A standalone C17 program (it needs nothing from Gauntlet) that makes the same\n"
               " * allocator calls as the Gauntlet program it was written from, from the same\n"
               " * threads in the same order, and judges each by Gauntlet's own rules (rules.h,\n"
               " * copied below).\n"
               " *\n"
               " * Build and run:\n"
               " *     cc -std=c17 -O1 -pthread " REPRODUCER_EXPORT_MAPS " repro.c -o repro");
    struct reproducer_recipe recipe = reproducer_recipe(allocator);
    if (recipe.link_flag[0]) {
        out_str(o, " " REPRODUCER_KEEP_LINKED " ");
        out_str(o, recipe.link_flag);
    }
    out_str(o, " && ");
    if (recipe.preload) {
        /* As Gauntlet opens it: a bare file name means the file here, not a search. */
        const char *path = recipe.preload;
        out_str(o, "LD_PRELOAD=");
        if (path[0] != '/' && path[0] != '.') out_str(o, "./");
        out_shell_word(o, path);
        out_str(o, " ");
    }
    out_str(o, "./repro\n"
               " *\n"
               " * It prints \"reproducer: all ");
    out_dec(o, p->count);
    out_str(o, " operations passed\" and exits 0, or at the first\n"
               " * violated invariant prints\n"
               " *     reproducer: op N (TEXT): INVARIANT: expected ..., got ... (note)\n"
               " * to stderr (Gauntlet's report in one line) and exits 1. A crash, an exit or a\n"
               " * fork inside the allocator names the operation too (a first process keeps the\n"
               " * one running the program, to say how it ended). REPRO_TRACE=1 ./repro prints\n"
               " * every call and its result; -DWATCHDOG_SECONDS=N changes the bound after which\n"
               " * an operation is a hang (10 s).\n"
               " *\n"
               " * How it runs (Gauntlet's lock-step mode): one pthread per program thread; the\n"
               " * main thread hands each operation to its thread and waits for it, so one runs\n"
               " * at a time; `restart` joins the thread and starts a new one with its number;\n"
               " * at the end thread 0 verifies and frees every live block. Each new block is\n"
               " * filled with a pattern unique to it and its generation, checked at check,\n"
               " * free, realloc and the end. Operations are numbered from 0, as in Gauntlet's\n"
               " * reports.\n"
               " *\n"
               " * Gauntlet's table for this allocator: ");
    out_comment_text(o, opt->policy->notes ? opt->policy->notes : "(no notes)");
    out_str(o, opt->strict ? " (--strict: known deviations are violations)" : "");
    out_str(o, "\n * Live-bytes cap: ");
    out_dec(o, opt->live_cap);
    out_str(o, " bytes (possible requests that would exceed it are skipped).\n");
    if (opt->settings && opt->settings[0]) {
        out_str(o, " * The allocator's settings (it starts itself again with them in its\n"
                   " * environment, as `gauntlet run --alloc-env` does):");
        for (const char *const *setting = opt->settings; *setting; setting++) {
            out_str(o, " ");
            out_comment_text(o, *setting);
        }
        out_str(o, ".\n");
    }
    out_str(o, " * Sized free: ");
    out_comment_text(o, sized_free_calls(opt->sized_free));
    out_str(o, ".\n"
               " *\n"
               " * Layout: this comment; includes; Gauntlet's rules; the allocator's table; the\n"
               " * checking code, the same in every reproducer; the program, one STEP line per\n"
               " * operation, at the end of the file.\n"
               " */\n");
}

static void out_define(struct out *o, const char *name, const char *value, const char *why)
{
    out_str(o, "#define ");
    out_str(o, name);
    out_str(o, " ");
    out_str(o, value);
    if (why) {
        out_str(o, " /* ");
        out_str(o, why);
        out_str(o, " */");
    }
    out_str(o, "\n");
}

static void write_choices(struct out *o, const struct alloc_choices *choices)
{
    out_str(o, "/* Where the standards leave a choice: what this allocator does. */\n"
               "static const struct alloc_choices choices = {\n");
#define CHOICE(field, what)                                                                        \
    out_str(o, "    ." #field " = ");                                                              \
    out_str(o, identifier(behaviour_identifiers, COUNT_OF(behaviour_identifiers),                  \
                          (unsigned)choices->field));                                              \
    out_str(o, ", /* " what " */\n");
    GAUNTLET_CHOICES(CHOICE)
#undef CHOICE
    out_str(o, "};\n");
}

/* The table's known deviations, as data the checks consult (rules.h). */
static void write_deviations(struct out *o, const struct known_deviation *table, bool strict)
{
    out_str(o, "/* Known deviations of this allocator: noted, not fatal");
    out_str(o, strict ? " (none: --strict)" : "");
    out_str(o, ". */\nstatic const struct known_deviation deviations[] = {\n");
    for (const struct known_deviation *d = table; !strict && d && d->excuses != EXCUSE_NONE; d++) {
        out_str(o, "    {");
        out_str(o, identifier(excuse_identifiers, COUNT_OF(excuse_identifiers), d->excuses));
        out_str(o, ", ");
        bool first = true;
        for (unsigned k = 0; k < OP_KIND_COUNT; k++) {
            if (!(d->kinds & OP_BIT(k))) continue;
            out_str(o, first ? "OP_BIT(" : " | OP_BIT(");
            out_str(o, identifier(kind_identifiers, COUNT_OF(kind_identifiers), k));
            out_str(o, ")");
            first = false;
        }
        if (first) out_str(o, "0");
        out_str(o, ", ");
        out_str(o, identifier(scope_identifiers, COUNT_OF(scope_identifiers), d->scope));
        out_str(o, ",\n     ");
        out_c_string(o, d->what ? d->what : "");
        out_str(o, "},\n");
    }
    out_str(o, "    {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},\n};\n");
}

/* Part of the path of the library that must serve malloc: a named
 * allocator's soname up to ".so", or a so: library's file name. */
static void out_expected_library(struct out *o, const char *allocator)
{
    char part[256];
    if (is_so(allocator)) {
        const char *path = allocator + 3, *base = strrchr(path, '/');
        snprintf(part, sizeof part, "%s", base ? base + 1 : path);
    } else {
        const char *soname = allocator_soname(allocator), *so = strstr(soname, ".so");
        snprintf(part, sizeof part, "%.*s", (int)(so ? so + 3 - soname : (long)strlen(soname)),
                 soname);
    }
    out_c_string(o, part);
}

static void write_config(struct out *o, const struct program *p,
                         const struct reproducer_options *opt)
{
    out_str(o, "\n/* ======== the allocator, and what Gauntlet's table allows it ======== */\n\n"
               "#define ALLOCATOR ");
    out_c_string(o, opt->allocator);
    out_str(o,
            "\n/* Part of the path of the library that must serve malloc (checked at start). */\n"
            "#define EXPECTED_LIBRARY ");
    out_expected_library(o, opt->allocator);
    out_str(o, "\n/* Possible requests that would take the live (requested) bytes above this are "
               "skipped. */\n#define LIVE_CAP (");
    out_size(o, opt->live_cap);
    out_str(o, ")\n");
    out_define(o, "STRICT", opt->strict ? "1" : "0",
               "1: the known deviations below are violations too");
    out_str(o, "#ifndef WATCHDOG_SECONDS\n");
    out_define(o, "WATCHDOG_SECONDS", "10", "an operation that does not return by then is a hang");
    out_str(o, "#endif\n");
    write_choices(o, &opt->policy->choices);
    write_deviations(o, opt->policy->deviations, opt->strict);
    out_str(o, "/* The sized free Gauntlet calls for this allocator: ");
    out_comment_text(o, sized_free_calls(opt->sized_free));
    out_str(o, ". */\nstatic const enum sized_free sized_free_kind = ");
    out_str(o,
            identifier(sized_free_identifiers, COUNT_OF(sized_free_identifiers), opt->sized_free));
    out_str(o, ";\n");
    out_define(o, "CXX_CALLS", opt->cxx ? "1" : "0",
               "1: Gauntlet calls the library's C++ new and delete (rules.h, GAUNTLET_CXX_CALLS)");
    out_str(o,
            "/* The program is made this many times, nothing live between rounds; from\n"
            " * RULE_REUSE_ROUNDS_MIN rounds on, the resident memory is judged (rule_reuse). */\n"
            "#define ROUNDS ");
    out_dec(o, opt->rounds > 1 ? opt->rounds : 1);
    out_str(o, "\n/* The allocator's settings: main() starts the process again with them in its\n"
               " * environment when they are not (rules.h, rule_settings_apply). */\n"
               "static const char *const settings[] = {");
    for (const char *const *s = opt->settings; s && *s; s++) {
        out_c_string(o, *s);
        out_str(o, ", ");
    }
    out_str(o, "NULL};\n");
    out_str(o, "/* The program's threads (1 + the highest thread number) and operations. */\n");
    out_str(o, "#define THREADS ");
    out_dec(o, program_thread_count(p));
    out_str(o, "\n#define STEPS ");
    out_dec(o, p->count);
    out_str(o, "\n");
}

/* One operation, one line: `STEP(n, t, "text", op_KIND(slot, ...)),`. */
static void write_step(struct out *o, size_t n, const struct op *op, bool has_sized_free)
{
    char text[256];
    op_format(op, text, sizeof text);
    enum op_kind kind = op->kind;
    out_str(o, kind == OP_BARRIER   ? "    BARRIER("
               : kind == OP_RESTART ? "    RESTART("
                                    : "    STEP(");
    out_dec(o, n);
    if (kind != OP_BARRIER) {
        out_str(o, ", ");
        out_dec(o, op->thread);
    }
    out_str(o, ", ");
    out_c_string(o, text);
    if (kind == OP_BARRIER || kind == OP_RESTART) {
        out_str(o, "),\n");
        return;
    }
    out_str(o, ", op_");
    out_str(o, op_kind_name(kind));
    out_str(o, "(");
    out_dec(o, op->slot);
    if (op_uses_count(kind)) {
        out_str(o, ", ");
        out_count(o, op->count, op->size);
    }
    if (op_uses_size(kind)) {
        out_str(o, ", ");
        out_size(o, op->size);
    }
    if (op_uses_align(kind)) {
        out_str(o, ", ");
        out_size(o, op->align);
    }
    if (op_uses_offset(kind)) {
        out_str(o, ", ");
        out_size(o, op->count);
    }
    out_str(o, ")),");
    if (kind == OP_FREE_SIZED && !has_sized_free) out_str(o, " /* skipped: no sized free */");
    out_str(o, "\n");
}

static void write_lines(struct out *o, const char *const *lines, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        out_str(o, lines[i]);
        out_str(o, "\n");
    }
}

/* ---- the embedded texts: the generated file's fixed parts ----
 * Real C, kept in reproducer_head.c.in, include/rules.h and
 * reproducer_body.c.in, and turned into arrays of lines by the build. */
extern const char *const embedded_reproducer_head[];
extern const size_t embedded_reproducer_head_lines;
extern const char *const embedded_rules[];
extern const size_t embedded_rules_lines;
extern const char *const embedded_map_faults[];
extern const size_t embedded_map_faults_lines;
extern const char *const embedded_reproducer_body[];
extern const size_t embedded_reproducer_body_lines;

bool reproducer_write(const struct program *p, const struct reproducer_options *opt, int fd)
{
    if (p == NULL || opt == NULL || opt->policy == NULL || opt->allocator == NULL) return false;
    if (!allocator_is_named(opt->allocator) &&
        !(is_so(opt->allocator) && opt->allocator[3] != '\0'))
        return false;
    for (size_t i = 0; i < p->count; i++)
        if (p->ops[i].kind >= OP_KIND_COUNT || p->ops[i].thread >= GAUNTLET_MAX_THREADS)
            return false;
    struct out o = {.fd = fd, .ok = true};
    write_header(&o, p, opt);
    write_lines(&o, embedded_reproducer_head, embedded_reproducer_head_lines);
    out_str(&o,
            "\n/* ======== Gauntlet's rules (harness/include/rules.h), verbatim ======== */\n\n");
    write_lines(&o, embedded_rules, embedded_rules_lines);
    write_config(&o, p, opt);
    out_str(
        &o,
        "\n/* ======== the OS refusing memory (harness/map_faults.c.in), verbatim ======== */\n\n");
    write_lines(&o, embedded_map_faults, embedded_map_faults_lines);
    write_lines(&o, embedded_reproducer_body, embedded_reproducer_body_lines);
    out_str(&o, "\nstatic const struct step program[STEPS + 1] = {\n");
    for (size_t i = 0; i < p->count; i++)
        write_step(&o, i, &p->ops[i], opt->sized_free != SIZED_FREE_NONE);
    out_str(&o, "    END\n};\n");
    out_flush(&o);
    return o.ok;
}
