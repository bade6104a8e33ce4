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
    size_t done = 0;
    while (o->ok && done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            o->ok = false;
        else
            done += (size_t)n;
    }
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

/* ---- the allocators ---- */

struct family {
    const char *name;    /* as given to --alloc; "so:" for any library */
    const char *link;    /* linker flag, or "" */
    const char *library; /* what the path of the library serving malloc contains */
    const char *sized;   /* the sized free's definition, or NULL */
    const char *sized_doc;
};

static const struct family families[] = {
    {"glibc", "", "libc.so", NULL,
     "glibc has no sized free: free_sized operations are skipped, as in Gauntlet"},
    {"jemalloc", " -ljemalloc", "libjemalloc",
     "/* sdallocx needs the alignment flag the block was made with: MALLOCX_LG_ALIGN(la) is\n"
     " * la, the lg of the requested alignment (0 for plain calls); a wrong flag silently\n"
     " * corrupts jemalloc's bins. */\n"
     "extern void sdallocx(void *ptr, size_t size, int flags);\n"
     "static bool sized_free(void *p, size_t size, size_t align, bool resized)\n"
     "{\n"
     "    (void)resized;\n"
     "    /* 5.3.0: aligned_alloc(a, 0) makes an a-byte block but sdallocx(p, 0, ALIGN(a))\n"
     "     * files it in the 8-byte bin and the heap crashes later (a jemalloc defect):\n"
     "     * Gauntlet skips that call, and so does this program. */\n"
     "    if (size == 0 && align > 1) return false;\n"
     "    int lg = 0;\n"
     "    while (align > 1) {\n"
     "        align >>= 1;\n"
     "        lg++;\n"
     "    }\n"
     "    sdallocx(p, size, lg);\n"
     "    return true;\n"
     "}\n",
     "sdallocx(p, size, lg of the requested alignment)"},
    {"mimalloc", " -lmimalloc", "libmimalloc",
     "extern void mi_free_size(void *p, size_t size);\n"
     "static bool sized_free(void *p, size_t size, size_t align, bool resized)\n"
     "{\n"
     "    (void)align;\n"
     "    (void)resized;\n"
     "    mi_free_size(p, size);\n"
     "    return true;\n"
     "}\n",
     "mi_free_size(p, size)"},
    {"tcmalloc", " -ltcmalloc_minimal", "libtcmalloc",
     "/* tc_free_sized derives the size class from the size alone: a block of an aligned\n"
     " * call needs the aligned variant (its C++ align_val_t is a size_t); blocks made by\n"
     " * realloc or with a bad alignment have no sized free (they stay live, as in\n"
     " * Gauntlet). */\n"
     "extern void tc_free_sized(void *ptr, size_t size);\n"
     "extern void tc_delete_sized_aligned(void *ptr, size_t size, size_t align);\n"
     "static bool sized_free(void *p, size_t size, size_t align, bool resized)\n"
     "{\n"
     "    if (resized) return false;\n"
     "    if (align <= 1) {\n"
     "        tc_free_sized(p, size);\n"
     "        return true;\n"
     "    }\n"
     "    if ((align & (align - 1)) != 0) return false;\n"
     "    tc_delete_sized_aligned(p, size, align);\n"
     "    return true;\n"
     "}\n",
     "tc_free_sized(p, size), or tc_delete_sized_aligned(p, size, align) for aligned blocks"},
    {"so:", "", NULL, NULL,
     "C23 free_sized(p, size), or free_aligned_sized(p, align, size) for blocks of aligned\n"
     " * calls, when the library defines them; otherwise skipped, as in Gauntlet"},
};

static const struct family *family_of(const char *name)
{
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        const struct family *f = &families[i];
        if (strcmp(f->name, "so:") == 0 ? strncmp(name, "so:", 3) == 0 && name[3] != '\0'
                                        : strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
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

static const char *behaviour_name(enum either_behaviour b)
{
    return b == BEHAVES_YES ? "BEHAVES_YES" : b == BEHAVES_NO ? "BEHAVES_NO" : "BEHAVES_EITHER";
}

/* ---- the generated file, part by part ---- */

static void write_header(struct out *o, const struct program *p, const char *allocator,
                         const struct family *f, const struct alloc_policy *policy, size_t cap)
{
    bool so = f->library == NULL;
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
               " * threads in the same order, and checks after each call what Gauntlet checks.\n"
               " *\n"
               " * Build and run:\n"
               " *     cc -std=c17 -O1 -pthread repro.c -o repro");
    out_str(o, f->link);
    out_str(o, " && ");
    if (so) {
        /* As Gauntlet opens it: a bare file name means the file here, not a search. */
        const char *path = allocator + 3;
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
               " *     reproducer: op N (TEXT): INVARIANT: details\n"
               " * to stderr and aborts. A crash inside the allocator names the operation too.\n"
               " * REPRO_TRACE=1 ./repro prints every call and its result; -DWATCHDOG_SECONDS=N\n"
               " * changes the bound after which an operation is a hang (10 s).\n"
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
    out_comment_text(o, policy->notes ? policy->notes : "(no notes)");
    out_str(o, "\n * Live-bytes cap: ");
    out_dec(o, cap);
    out_str(o, " bytes (possible requests that would exceed it are skipped).\n"
               " * Sized free: ");
    out_str(o, f->sized_doc);
    out_str(o, ".\n"
               " *\n"
               " * Layout: this comment; includes; the allocator's table (#defines); the checking\n"
               " * code, the same in every reproducer; the program, one STEP line per operation,\n"
               " * at the end of the file.\n"
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

/* The table's known deviations, as data the checks consult (excused()). */
static void write_deviations(struct out *o, const struct alloc_policy *policy)
{
    static const char *const scopes[] = {"DEVIATES_ALWAYS", "DEVIATES_ON_ZERO_SIZE",
                                         "DEVIATES_ON_BAD_ALIGN"};
    out_str(o, "/* Known deviations of this allocator: noted, not fatal. */\n"
               "static const struct deviation deviations[] = {\n");
    for (const struct known_deviation *d = policy->deviations; d && d->invariant; d++) {
        out_str(o, "    {");
        out_c_string(o, d->invariant);
        out_str(o, ", ");
        bool first = true;
        for (unsigned k = 0; k < OP_RESTART; k++) {
            if (!(d->kinds & (1u << k))) continue;
            out_str(o, first ? "1u << K_" : " | 1u << K_");
            first = false;
            for (const char *c = op_kind_name((enum op_kind)k); *c; c++) {
                char upper = *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
                out_bytes(o, &upper, 1);
            }
        }
        if (first) out_str(o, "0");
        out_str(o, ", ");
        out_str(o, (unsigned)d->scope < 3 ? scopes[d->scope] : "DEVIATES_ALWAYS");
        out_str(o, ",\n     ");
        out_c_string(o, d->what ? d->what : "");
        out_str(o, "},\n");
    }
    out_str(o, "    {NULL, 0, DEVIATES_ALWAYS, NULL},\n};\n");
}

static void write_config(struct out *o, const struct program *p, const char *allocator,
                         const struct family *f, const struct alloc_policy *policy, size_t cap)
{
    bool so = f->library == NULL;
    out_str(o, "\n/* ======== the allocator, and what Gauntlet's table allows it ======== */\n\n"
               "#define ALLOCATOR ");
    out_c_string(o, allocator);
    out_str(o,
            "\n/* Part of the path of the library that must serve malloc (checked at start). */\n"
            "#define EXPECTED_LIBRARY ");
    if (so) {
        const char *path = allocator + 3, *base = strrchr(path, '/');
        out_c_string(o, base ? base + 1 : path);
    } else {
        out_c_string(o, f->library);
    }
    out_str(o, "\n/* Possible requests that would take the live (requested) bytes above this are "
               "skipped. */\n#define LIVE_CAP (");
    out_size(o, cap);
    out_str(o, ")\n");
    out_define(o, "WEAK_SMALL_ALIGNMENT", policy->weak_small_alignment ? "1" : "0",
               "blocks below 16 bytes may be aligned to the largest power of two <= size");
    out_define(o, "REALLOC_ZERO_FREES", behaviour_name(policy->realloc_zero_frees),
               "realloc(p, 0) frees p and returns NULL");
    out_define(o, "MALLOC_ZERO_NULL", behaviour_name(policy->malloc_zero_null),
               "a zero-byte request returns NULL");
    out_define(o, "ALIGNED_ALLOC_BAD_ALIGN_ROUNDS",
               behaviour_name(policy->aligned_alloc_bad_align_rounds),
               "a bad alignment is rounded up, not refused");
    out_define(o, "MEMALIGN_BAD_ALIGN_ROUNDS", behaviour_name(policy->memalign_bad_align_rounds),
               NULL);
    write_deviations(o, policy);
    out_str(o, "/* Sized free: ");
    out_str(o, f->sized_doc);
    out_str(o, ". */\n");
    if (so) {
        out_define(o, "SIZED_FREE_C23", "1", NULL);
    } else {
        out_define(o, "SIZED_FREE_C23", "0", NULL);
        if (f->sized) {
            out_str(o, f->sized);
            out_define(o, "SIZED_FREE", "sized_free", NULL);
        } else {
            out_define(o, "SIZED_FREE", "NULL", NULL);
        }
    }
    out_str(o, "/* The program's threads (1 + the highest thread number) and operations. */\n");
    out_str(o, "#define THREADS ");
    out_dec(o, program_thread_count(p));
    out_str(o, "\n#define STEPS ");
    out_dec(o, p->count);
    out_str(o, "\n");
}

/* One operation, one line: `STEP(n, t, "text", op_KIND(slot, ...)),`. */
static void write_step(struct out *o, size_t n, const struct op *op, const struct family *f)
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
    out_str(o, ")),");
    if (kind == OP_FREE_SIZED && f->library != NULL && f->sized == NULL) {
        out_str(o, " /* skipped: ");
        out_str(o, f->name);
        out_str(o, " has no sized free */");
    }
    out_str(o, "\n");
}

static void write_lines(struct out *o, const char *const *lines, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        out_str(o, lines[i]);
        out_str(o, "\n");
    }
}

/* ---- the templates: the generated file's fixed parts, one string per line ---- */

/* Includes and the names of the table's choices (before the table). */
static const char *const template_head[] = {
    "#define _GNU_SOURCE",
    "#include <dlfcn.h>",
    "#include <errno.h>",
    "#include <pthread.h>",
    "#include <semaphore.h>",
    "#include <signal.h>",
    "#include <stdarg.h>",
    "#include <stdbool.h>",
    "#include <stddef.h>",
    "#include <stdint.h>",
    "#include <stdio.h>",
    "#include <stdlib.h>",
    "#include <string.h>",
    "#include <time.h>",
    "#include <unistd.h>",
    "",
    "/* Where the standards leave a choice, what the allocator's table allows. */",
    "#define BEHAVES_NO     0",
    "#define BEHAVES_YES    1",
    "#define BEHAVES_EITHER 2 /* both behaviours are accepted */",
    "",
    "/* The kinds of operation, numbered as in Gauntlet (the deviation table's bits). */",
    "enum kind {",
    "    K_MALLOC, K_CALLOC, K_REALLOC, K_REALLOCARRAY, K_FREE, K_FREE_SIZED, K_ALIGNED_ALLOC,",
    "    K_POSIX_MEMALIGN, K_MEMALIGN, K_CHECK, K_USABLE_SIZE, K_RESTART, K_BARRIER, K_COUNT",
    "};",
    "",
    "/* A known deviation: a violation of `invariant` by an operation whose kind is",
    " * in `kinds`, within `scope`, is noted (once per kind) instead of failing. */",
    "enum scope { DEVIATES_ALWAYS, DEVIATES_ON_ZERO_SIZE, DEVIATES_ON_BAD_ALIGN };",
    "struct deviation {",
    "    const char *invariant;",
    "    unsigned kinds; /* 1u << K_... */",
    "    enum scope scope;",
    "    const char *what;",
    "};",
};

/* The checking code, the lock-step runner and main (after the table). */
static const char *const template_body[] = {
    "",
    "/* ======== from here to the program, the same code for every reproducer ======== */",
    "",
    "#ifndef WATCHDOG_SECONDS",
    "#define WATCHDOG_SECONDS 10 /* an operation that does not return by then is a hang */",
    "#endif",
    "/* errno before a free: a value no allocator sets, so any change shows. */",
    "#define ERRNO_SENTINEL 0x4747",
    "/* *p before posix_memalign: it must stay untouched when the call fails. */",
    "#define UNTOUCHED_POINTER ((void *)(uintptr_t)0x5a5a5a5a5a5a5a50u)",
    "/* A failure is held against the allocator only up to this alignment. */",
    "#define FAILURE_FREE_ALIGN_LIMIT ((size_t)8 << 20)",
    "/* Blocks above 64 KiB carry the pattern sampled: head, tail, 64 bytes per 64 KiB. */",
    "#define PATTERN_FULL_LIMIT  ((size_t)64 << 10)",
    "#define PATTERN_SAMPLE_EDGE ((size_t)4096)",
    "#define PATTERN_STRIPE_STEP ((size_t)64 << 10)",
    "#define PATTERN_STRIPE_SIZE ((size_t)64)",
    "#define SLOTS               256",
    "",
    "static const char *const kind_names[K_COUNT] = {",
    "    \"malloc\", \"calloc\", \"realloc\", \"reallocarray\", \"free\", \"free_sized\", "
    "\"aligned_alloc\",",
    "    \"posix_memalign\", \"memalign\", \"check\", \"usable_size\", \"restart\", \"barrier\"};",
    "",
    "/* ---- the allocator's entry points ----",
    " * Looked up by name at start-up (bind_calls), so the compiler cannot treat them",
    " * as the builtin malloc family (no elided calls, no folded huge requests), and a",
    " * call the allocator does not define itself stays NULL: its operations are",
    " * skipped, as Gauntlet skips them. */",
    "static void *(*call_malloc)(size_t);",
    "static void *(*call_calloc)(size_t, size_t);",
    "static void *(*call_realloc)(void *, size_t);",
    "static void *(*call_reallocarray)(void *, size_t, size_t);",
    "static void (*call_free)(void *);",
    "static void *(*call_aligned_alloc)(size_t, size_t);",
    "static int (*call_posix_memalign)(void **, size_t, size_t);",
    "static void *(*call_memalign)(size_t, size_t);",
    "static size_t (*call_usable_size)(void *);",
    "/* (p, requested size, requested alignment, made by realloc): false when it cannot",
    " * take the block */",
    "static bool (*call_sized_free)(void *, size_t, size_t, bool);",
    "",
    "/* ---- the shadow of every slot ---- */",
    "struct block {",
    "    unsigned char *p;",
    "    size_t requested;",
    "    size_t usable;   /* malloc_usable_size right after the call; 0 without one */",
    "    size_t align;    /* the alignment it was requested with; 0 for plain calls */",
    "    uint64_t seed;   /* its pattern: unique per block and generation */",
    "    size_t made_at;  /* operation number */",
    "    int made_by;     /* enum kind */",
    "    unsigned thread; /* allocating thread */",
    "    bool live;",
    "    bool counted; /* in the live bytes and the overlap check (not while a realloc runs) */",
    "};",
    "static struct block blocks[SLOTS];",
    "static size_t live_bytes;",
    "static uint64_t generation;",
    "",
    "/* ---- what is running: read by the messages, the crash handler and the watchdog ---- */",
    "static volatile size_t current_op;",
    "static const char *volatile current_text = \"start-up\";",
    "static volatile unsigned current_thread;",
    "static volatile int current_kind;",
    "static size_t current_count, current_size, current_align; /* the operation's fields, 0 if "
    "unused */",
    "static volatile bool in_teardown;",
    "static volatile sig_atomic_t failing;",
    "static char teardown_text[64];",
    "static bool tracing;",
    "static unsigned long long calls_made; /* allocator calls, counted as Gauntlet counts them */",
    "static bool deviation_noted[K_COUNT], missing_noted[K_COUNT];",
    "",
    "static void put(const char *s, size_t n)",
    "{",
    "    while (n > 0) {",
    "        ssize_t done = write(STDERR_FILENO, s, n);",
    "        if (done < 0 && errno == EINTR) continue;",
    "        if (done <= 0) return;",
    "        s += done;",
    "        n -= (size_t)done;",
    "    }",
    "}",
    "",
    "/* Messages are formatted on the stack and written with write(2): stdio could",
    " * call the allocator under test, which may be corrupt by then. `lead` then the",
    " * operation, then `label`, then the details. */",
    "static void vmessage(const char *lead, const char *label, const char *fmt, va_list args)",
    "{",
    "    char buf[1024];",
    "    int n;",
    "    if (in_teardown)",
    "        n = snprintf(buf, sizeof buf, \"%send of program (%s): %s\", lead, teardown_text, "
    "label);",
    "    else",
    "        n = snprintf(buf, sizeof buf, \"%sop %zu (%s): %s\", lead, current_op, current_text, "
    "label);",
    "    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;",
    "    n = vsnprintf(buf + len, sizeof buf - len, fmt, args);",
    "    len += n < 0 ? 0 : (size_t)n < sizeof buf - len ? (size_t)n : sizeof buf - len - 1;",
    "    if (len > sizeof buf - 2) len = sizeof buf - 2;",
    "    buf[len++] = '\\n';",
    "    put(buf, len);",
    "}",
    "",
    "static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));",
    "static void say(const char *fmt, ...)",
    "{",
    "    char buf[512];",
    "    va_list args;",
    "    va_start(args, fmt);",
    "    int n = vsnprintf(buf, sizeof buf, fmt, args);",
    "    va_end(args);",
    "    if (n > 0) put(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);",
    "}",
    "",
    "/* A violated invariant: `reproducer: op N (TEXT): INVARIANT: details`, then abort. */",
    "static _Noreturn void fail(const char *invariant, const char *fmt, ...)",
    "    __attribute__((format(printf, 2, 3)));",
    "static _Noreturn void fail(const char *invariant, const char *fmt, ...)",
    "{",
    "    char label[64];",
    "    snprintf(label, sizeof label, \"%s: \", invariant);",
    "    va_list args;",
    "    va_start(args, fmt);",
    "    vmessage(\"reproducer: \", label, fmt, args);",
    "    va_end(args);",
    "    failing = 1;",
    "    abort();",
    "}",
    "",
    "static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));",
    "static void trace(const char *fmt, ...)",
    "{",
    "    if (!tracing) return;",
    "    va_list args;",
    "    va_start(args, fmt);",
    "    vmessage(\"  \", \"\", fmt, args); /* indented: not a finding */",
    "    va_end(args);",
    "}",
    "",
    "/* Is this violation a known deviation of this allocator (the table above)? Noted",
    " * once per kind of operation, as Gauntlet notes it, and not fatal. */",
    "static bool excused(const char *invariant)",
    "{",
    "    for (const struct deviation *d = deviations; d->invariant != NULL; d++) {",
    "        if (strcmp(d->invariant, invariant) != 0 || !(d->kinds & (1u << current_kind))) "
    "continue;",
    "        if (d->scope == DEVIATES_ON_ZERO_SIZE &&",
    "            !(current_size == 0 ||",
    "              ((current_kind == K_CALLOC || current_kind == K_REALLOCARRAY) && current_count "
    "== 0)))",
    "            continue;",
    "        if (d->scope == DEVIATES_ON_BAD_ALIGN && current_align != 0 &&",
    "            (current_align & (current_align - 1)) == 0)",
    "            continue;",
    "        if (!deviation_noted[current_kind]) {",
    "            deviation_noted[current_kind] = true;",
    "            say(\"reproducer: op %zu (%s): note: known deviation (%s): %s\\n\", current_op,",
    "                current_text, invariant, d->what);",
    "        }",
    "        return true;",
    "    }",
    "    return false;",
    "}",
    "",
    "static const char *errno_name(int e)",
    "{",
    "    switch (e) {",
    "    case 0: return \"0\";",
    "    case ENOMEM: return \"ENOMEM\";",
    "    case EINVAL: return \"EINVAL\";",
    "    case ERRNO_SENTINEL: return \"unchanged\";",
    "    default: return \"?\";",
    "    }",
    "}",
    "",
    "static void describe(const struct block *b, char *buf, size_t len)",
    "{",
    "    snprintf(buf, len, \"%zu bytes at %p (usable %zu) from %s at op %zu by t%u%s\", "
    "b->requested,",
    "             (void *)b->p, b->usable, kind_names[b->made_by], b->made_at, b->thread,",
    "             b->thread != current_thread ? \", another thread\" : \"\");",
    "}",
    "",
    "/* ---- the pattern ----",
    " * Byte i of a block is byte i % 8 (little-endian) of base(seed) + (i / 8) * STEP:",
    " * the same bytes Gauntlet writes, so the heap holds the same contents as in the",
    " * harness run. */",
    "#define PATTERN_STEP UINT64_C(0x9E3779B97F4A7C15)",
    "",
    "static uint64_t pattern_base(uint64_t seed)",
    "{",
    "    uint64_t z = seed + UINT64_C(0x632BE59BD9B4E019);",
    "    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);",
    "    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);",
    "    return z ^ (z >> 31);",
    "}",
    "",
    "static unsigned char pattern_byte(uint64_t base, size_t i)",
    "{",
    "    uint64_t word = base + (uint64_t)(i / 8) * PATTERN_STEP;",
    "    return (unsigned char)(word >> (8 * (i % 8)));",
    "}",
    "",
    "/* The byte ranges that carry the pattern, in order; *cursor starts at 0. */",
    "static bool next_region(size_t size, size_t *cursor, size_t *start, size_t *end)",
    "{",
    "    if (*cursor >= size) return false;",
    "    if (size <= PATTERN_FULL_LIMIT) {",
    "        *start = 0;",
    "        *end = *cursor = size;",
    "        return true;",
    "    }",
    "    size_t tail = size - PATTERN_SAMPLE_EDGE;",
    "    if (*cursor == 0) {",
    "        *start = 0;",
    "        *end = *cursor = PATTERN_SAMPLE_EDGE;",
    "    } else if (*cursor + PATTERN_STRIPE_SIZE <= tail) {",
    "        *start = *cursor;",
    "        *end = *cursor + PATTERN_STRIPE_SIZE;",
    "        *cursor += PATTERN_STRIPE_STEP;",
    "    } else {",
    "        *start = tail;",
    "        *end = *cursor = size;",
    "    }",
    "    return true;",
    "}",
    "",
    "static void pattern_fill(unsigned char *p, size_t size, uint64_t seed)",
    "{",
    "    uint64_t base = pattern_base(seed);",
    "    size_t cursor = 0, start, end;",
    "    while (next_region(size, &cursor, &start, &end))",
    "        for (size_t i = start; i < end; i++) p[i] = pattern_byte(base, i);",
    "}",
    "",
    "/* Checks bytes [0, limit) of what pattern_fill(p, size, seed) wrote. */",
    "static bool pattern_verify(const unsigned char *p, size_t size, size_t limit, uint64_t seed,",
    "                           size_t *bad)",
    "{",
    "    uint64_t base = pattern_base(seed);",
    "    size_t cursor = 0, start, end;",
    "    while (next_region(size, &cursor, &start, &end) && start < limit)",
    "        for (size_t i = start; i < end && i < limit; i++)",
    "            if (p[i] != pattern_byte(base, i)) {",
    "                *bad = i;",
    "                return false;",
    "            }",
    "    return true;",
    "}",
    "",
    "/* `invariant` is \"contents\" for a block that should be untouched, \"realloc\" for",
    " * the bytes a realloc keeps. */",
    "static void verify(const struct block *b, unsigned slot, size_t limit, const char *invariant)",
    "{",
    "    size_t bad;",
    "    if (limit > b->requested) limit = b->requested;",
    "    if (pattern_verify(b->p, b->requested, limit, b->seed, &bad)) return;",
    "    char what[160];",
    "    describe(b, what, sizeof what);",
    "    fail(invariant, \"s%u (%s): byte %zu is 0x%02x, expected 0x%02x (pattern of generation "
    "%llu; %s)\",",
    "         slot, what, bad, b->p[bad], pattern_byte(pattern_base(b->seed), bad),",
    "         (unsigned long long)(b->seed / 1031),",
    "         b->requested > PATTERN_FULL_LIMIT",
    "             ? \"checked sampled: head and tail 4 KiB, 64 B every 64 KiB\"",
    "             : \"checked every byte\");",
    "}",
    "",
    "/* ---- live bytes, overlap, alignment ---- */",
    "",
    "static size_t extent(const struct block *b)",
    "{",
    "    size_t e = b->usable > b->requested ? b->usable : b->requested;",
    "    return e ? e : 1;",
    "}",
    "",
    "/* Returns the slot of a counted block overlapping [p, p + len), or -1. */",
    "static int overlapping(const unsigned char *p, size_t len)",
    "{",
    "    uintptr_t start = (uintptr_t)p, end = start + len;",
    "    for (int s = 0; s < SLOTS; s++) {",
    "        const struct block *b = &blocks[s];",
    "        if (!b->counted) continue;",
    "        uintptr_t bs = (uintptr_t)b->p, be = bs + extent(b);",
    "        if (start < be && bs < end) return s;",
    "    }",
    "    return -1;",
    "}",
    "",
    "static void uncount(struct block *b)",
    "{",
    "    b->counted = false;",
    "    live_bytes -= b->requested;",
    "}",
    "",
    "/* After a failed realloc the old block is still owned: back into the books. */",
    "static void recount(struct block *b, unsigned slot)",
    "{",
    "    int other = overlapping(b->p, extent(b));",
    "    if (other >= 0)",
    "        fail(\"overlap\", \"after a failed realloc, s%u (%p) overlaps live block s%d (%p)\", "
    "slot,",
    "             (void *)b->p, other, (void *)blocks[other].p);",
    "    b->counted = true;",
    "    live_bytes += b->requested;",
    "}",
    "",
    "/* Possible requests that would take the live bytes over the cap are skipped. */",
    "static bool over_cap(size_t bytes, size_t released)",
    "{",
    "    bool over = live_bytes - released + bytes > LIVE_CAP || bytes > LIVE_CAP;",
    "    if (over) trace(\"skipped: %zu bytes would take the live bytes over the cap\", bytes);",
    "    return over;",
    "}",
    "",
    "/* Impossible: n*m overflows size_t or is above PTRDIFF_MAX. Always made. */",
    "static bool impossible_request(size_t count, size_t size, size_t *bytes)",
    "{",
    "    if (size != 0 && count > SIZE_MAX / size) {",
    "        *bytes = SIZE_MAX;",
    "        return true;",
    "    }",
    "    *bytes = count * size;",
    "    return *bytes > (size_t)PTRDIFF_MAX;",
    "}",
    "",
    "static bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }",
    "",
    "/* 0 when it does not fit in size_t. */",
    "static size_t next_power_of_two(size_t x)",
    "{",
    "    size_t p = 1;",
    "    while (p < x && p != 0) p <<= 1;",
    "    return p;",
    "}",
    "",
    "/* Plain calls: alignof(max_align_t), or for blocks below it, where the table",
    " * allows, the largest power of two <= size. */",
    "static size_t plain_alignment(size_t size)",
    "{",
    "    const size_t fundamental = _Alignof(max_align_t);",
    "    if (!WEAK_SMALL_ALIGNMENT || size >= fundamental) return fundamental;",
    "    size_t align = 1;",
    "    while (align * 2 <= size) align *= 2;",
    "    return align;",
    "}",
    "",
    "/* ---- accepting a new block: the checks every allocation goes through ---- */",
    "",
    "static void accept_block(int kind, unsigned slot, void *p, size_t requested, size_t "
    "required_align,",
    "                         size_t align_requested, bool zeroed, const struct block *previous)",
    "{",
    "    unsigned char *q = p;",
    "    if (required_align > 1 && ((uintptr_t)q & (required_align - 1)) != 0 && "
    "!excused(\"alignment\"))",
    "        fail(\"alignment\", \"%s returned %p: expected alignment %zu, it is aligned to %zu "
    "only\",",
    "             kind_names[kind], p, required_align, (size_t)((uintptr_t)q & -(uintptr_t)q));",
    "    size_t usable = 0;",
    "    if (call_usable_size != NULL) {",
    "        usable = call_usable_size(p);",
    "        if (usable < requested)",
    "            fail(\"usable-size\", \"malloc_usable_size(%p) = %zu right after the call, below "
    "the %zu \"",
    "                 \"bytes requested\", p, usable, requested);",
    "    }",
    "    if (zeroed)",
    "        for (size_t i = 0; i < requested; i++)",
    "            if (q[i] != 0)",
    "                fail(\"calloc-zero\", \"byte %zu of %zu is 0x%02x, expected 0 (calloc memory "
    "is \"",
    "                     \"checked over the whole request)\", i, requested, q[i]);",
    "    struct block *b = &blocks[slot];",
    "    struct block fresh = {.p = q, .requested = requested, .usable = usable};",
    "    int other = overlapping(q, extent(&fresh));",
    "    if (other >= 0) {",
    "        char what[160];",
    "        describe(&blocks[other], what, sizeof what);",
    "        fail(\"overlap\", \"the new block [%p, %p) overlaps live block s%d [%p, %p): %s\", p,",
    "             (void *)(q + extent(&fresh)), other, (void *)blocks[other].p,",
    "             (void *)(blocks[other].p + extent(&blocks[other])), what);",
    "    }",
    "    uint64_t gen = ++generation;",
    "    live_bytes += requested;",
    "    if (previous != NULL) {",
    "        /* The bytes realloc kept must still carry the previous block's pattern. */",
    "        struct block kept = *previous;",
    "        kept.p = q;",
    "        verify(&kept, slot, requested, \"realloc\");",
    "    }",
    "    b->p = q;",
    "    b->requested = requested;",
    "    b->usable = usable;",
    "    b->align = align_requested;",
    "    b->seed = gen * 1031 + slot;",
    "    b->made_at = current_op;",
    "    b->made_by = kind;",
    "    b->thread = current_thread;",
    "    b->live = true;",
    "    b->counted = true;",
    "    pattern_fill(q, requested, b->seed);",
    "}",
    "",
    "/* ---- frees ---- */",
    "",
    "/* Frees the slot's block (verified first), or free(NULL) for an empty slot.",
    " * free must leave errno unchanged. */",
    "static void free_slot(unsigned slot, bool sized)",
    "{",
    "    struct block *b = &blocks[slot];",
    "    void *p = NULL;",
    "    if (b->live) {",
    "        verify(b, slot, SIZE_MAX, \"contents\");",
    "        uncount(b);",
    "        b->live = false;",
    "        p = b->p;",
    "    }",
    "    errno = ERRNO_SENTINEL;",
    "    if (!sized) {",
    "        call_free(p);",
    "    } else if (!call_sized_free(p, b->requested, b->align,",
    "                                b->made_by == K_REALLOC || b->made_by == K_REALLOCARRAY)) {",
    "        /* The sized free cannot take this block (as Gauntlet's adapter says): it stays live. "
    "*/",
    "        recount(b, slot);",
    "        b->live = true;",
    "        trace(\"skipped: the sized free cannot take s%u (alignment %zu)\", slot, b->align);",
    "        return;",
    "    }",
    "    int after = errno;",
    "    calls_made++;",
    "    trace(\"%s(%p) for s%u, errno %s\", sized ? \"sized free\" : \"free\", p, slot, "
    "errno_name(after));",
    "    if (after == ERRNO_SENTINEL || excused(\"free-errno\")) return;",
    "    fail(\"free-errno\", \"free(%p) changed errno from %d to %d (%s); free must leave it "
    "unchanged\", p,",
    "         ERRNO_SENTINEL, after, errno_name(after));",
    "}",
    "",
    "/* ---- judging failures ---- */",
    "",
    "/* A failed call must set errno to ENOMEM (\"failure-errno\" in the deviation table). */",
    "static void check_failure_errno(int kind, int saved_errno, const char *invariant)",
    "{",
    "    if (saved_errno == ENOMEM || excused(\"failure-errno\")) return;",
    "    fail(invariant, \"%s failed with errno %d (%s); a failed allocation must set errno to "
    "ENOMEM\",",
    "         kind_names[kind], saved_errno, errno_name(saved_errno));",
    "}",
    "",
    "/* What an aligned call's alignment argument allows. */",
    "enum verdict { ALIGN_VALID, ALIGN_MUST_FAIL, ALIGN_ROUNDED, ALIGN_EITHER };",
    "",
    "static enum verdict judge_alignment(int kind, size_t align)",
    "{",
    "    if (kind == K_POSIX_MEMALIGN)",
    "        return is_power_of_two(align) && align >= sizeof(void *) ? ALIGN_VALID : "
    "ALIGN_MUST_FAIL;",
    "    if (is_power_of_two(align)) return ALIGN_VALID;",
    "    int rounds =",
    "        kind == K_ALIGNED_ALLOC ? ALIGNED_ALLOC_BAD_ALIGN_ROUNDS : MEMALIGN_BAD_ALIGN_ROUNDS;",
    "    return rounds == BEHAVES_YES ? ALIGN_ROUNDED",
    "           : rounds == BEHAVES_NO ? ALIGN_MUST_FAIL",
    "                                  : ALIGN_EITHER;",
    "}",
    "",
    "/* posix_memalign reports through its return value and must leave *p alone. */",
    "static void judge_posix_memalign_failure(int status, void *untouched, enum verdict verdict,",
    "                                         bool impossible, size_t align)",
    "{",
    "    const char *invariant = verdict == ALIGN_MUST_FAIL ? \"aligned-args\" : "
    "\"impossible-request\";",
    "    if (untouched != UNTOUCHED_POINTER)",
    "        fail(invariant, \"posix_memalign returned %d and changed *p to %p; it must not write "
    "*p \"",
    "             \"when it fails\", status, untouched);",
    "    if (verdict == ALIGN_MUST_FAIL) {",
    "        if (status == EINVAL || (impossible && status == ENOMEM)) return;",
    "        fail(invariant, \"posix_memalign returned %d (%s) for an invalid alignment, expected "
    "EINVAL\",",
    "             status, errno_name(status));",
    "    }",
    "    if (status != ENOMEM)",
    "        fail(impossible ? invariant : \"unexpected-failure\",",
    "             \"posix_memalign returned %d (%s), expected ENOMEM\", status, "
    "errno_name(status));",
    "    if (!impossible && align <= FAILURE_FREE_ALIGN_LIMIT)",
    "        fail(\"unexpected-failure\", \"posix_memalign returned ENOMEM for a possible request "
    "within \"",
    "             \"the live-bytes cap\");",
    "}",
    "",
    "static void judge_failure(int kind, size_t size, size_t align, size_t bytes, bool impossible,",
    "                          enum verdict verdict, int status, void *untouched, int saved_errno)",
    "{",
    "    if (kind == K_POSIX_MEMALIGN && status == 0) return; /* a zero-byte success */",
    "    if (kind == K_POSIX_MEMALIGN) {",
    "        judge_posix_memalign_failure(status, untouched, verdict, impossible, align);",
    "        return;",
    "    }",
    "    if (verdict == ALIGN_MUST_FAIL || verdict == ALIGN_EITHER) return;",
    "    /* aligned_alloc with a size that is not a multiple of the alignment: C11 made",
    "     * it undefined, C17 allows it; a table that accepts either may refuse it. */",
    "    if (kind == K_ALIGNED_ALLOC && align != 0 && size % align != 0 &&",
    "        ALIGNED_ALLOC_BAD_ALIGN_ROUNDS == BEHAVES_EITHER)",
    "        return;",
    "    if (impossible) {",
    "        check_failure_errno(kind, saved_errno, \"impossible-request\");",
    "        return;",
    "    }",
    "    if (align > FAILURE_FREE_ALIGN_LIMIT) {",
    "        check_failure_errno(kind, saved_errno, \"unexpected-failure\");",
    "        return;",
    "    }",
    "    if (bytes == 0) {",
    "        if (MALLOC_ZERO_NULL == BEHAVES_NO)",
    "            fail(\"implementation-choice\", \"%s of 0 bytes returned NULL; this allocator's "
    "table \"",
    "                 \"says a zero-byte request returns a unique pointer\", kind_names[kind]);",
    "        return;",
    "    }",
    "    fail(\"unexpected-failure\", \"%s returned NULL (errno %d, %s) for a possible request of "
    "%zu \"",
    "         \"bytes within the live-bytes cap\", kind_names[kind], saved_errno, "
    "errno_name(saved_errno),",
    "         bytes);",
    "}",
    "",
    "/* ---- the operations ---- */",
    "",
    "/* A call the allocator does not define: its operations are skipped, as Gauntlet",
    " * skips them (noted once per kind). */",
    "static bool missing(int kind, bool has_call)",
    "{",
    "    if (has_call) return false;",
    "    trace(\"skipped: %s does not define %s\", ALLOCATOR, kind_names[kind]);",
    "    if (!missing_noted[kind])",
    "        say(\"reproducer: note: %s does not define %s: those operations are skipped, as \"",
    "            \"Gauntlet skips them\\n\", ALLOCATOR, kind == K_FREE_SIZED ? \"a sized free\"",
    "                                      : kind == K_USABLE_SIZE ? \"malloc_usable_size\"",
    "                                                              : kind_names[kind]);",
    "    missing_noted[kind] = true;",
    "    return true;",
    "}",
    "",
    "/* malloc, calloc, aligned_alloc, posix_memalign, memalign into `slot`. */",
    "static void allocate(int kind, unsigned slot, size_t count, size_t size, size_t align)",
    "{",
    "    bool has = kind == K_MALLOC           ? call_malloc != NULL",
    "               : kind == K_CALLOC         ? call_calloc != NULL",
    "               : kind == K_ALIGNED_ALLOC  ? call_aligned_alloc != NULL",
    "               : kind == K_POSIX_MEMALIGN ? call_posix_memalign != NULL",
    "                                          : call_memalign != NULL;",
    "    if (missing(kind, has)) return;",
    "    if (blocks[slot].live) free_slot(slot, false); /* the implicit free */",
    "    size_t bytes;",
    "    bool impossible = impossible_request(kind == K_CALLOC ? count : 1, size, &bytes);",
    "    if (!impossible && over_cap(bytes, 0)) return;",
    "    bool aligned_call = kind == K_ALIGNED_ALLOC || kind == K_POSIX_MEMALIGN || kind == "
    "K_MEMALIGN;",
    "    enum verdict verdict = aligned_call ? judge_alignment(kind, align) : ALIGN_VALID;",
    "",
    "    int status = 0;",
    "    void *untouched = UNTOUCHED_POINTER;",
    "    void *p;",
    "    errno = 0;",
    "    switch (kind) {",
    "    case K_MALLOC: p = call_malloc(size); break;",
    "    case K_CALLOC: p = call_calloc(count, size); break;",
    "    case K_ALIGNED_ALLOC: p = call_aligned_alloc(align, size); break;",
    "    case K_MEMALIGN: p = call_memalign(align, size); break;",
    "    default:",
    "        status = call_posix_memalign(&untouched, align, size);",
    "        p = status == 0 ? untouched : NULL;",
    "        /* POSIX lets a zero-byte request succeed with a null pointer. */",
    "        if (status == 0 && p == NULL && size == 0) untouched = UNTOUCHED_POINTER;",
    "        break;",
    "    }",
    "    int saved_errno = errno;",
    "    calls_made++;",
    "    if (kind == K_CALLOC)",
    "        trace(\"calloc(%zu, %zu) = %p, errno %d\", count, size, p, saved_errno);",
    "    else if (kind == K_MALLOC)",
    "        trace(\"malloc(%zu) = %p, errno %d\", size, p, saved_errno);",
    "    else if (kind == K_POSIX_MEMALIGN)",
    "        trace(\"posix_memalign(&p, %zu, %zu) = %d, p = %p\", align, size, status, untouched);",
    "    else",
    "        trace(\"%s(%zu, %zu) = %p, errno %d\", kind_names[kind], align, size, p, "
    "saved_errno);",
    "",
    "    if (p == NULL) {",
    "        judge_failure(kind, size, align, bytes, impossible, verdict, status, untouched,",
    "                      saved_errno);",
    "        return;",
    "    }",
    "    if (impossible)",
    "        fail(\"impossible-request\", \"%s returned a block (%p) for a request above "
    "PTRDIFF_MAX or \"",
    "             \"whose n*m overflows; expected NULL with errno ENOMEM\", kind_names[kind], p);",
    "    if (verdict == ALIGN_MUST_FAIL && !excused(\"aligned-args\"))",
    "        fail(\"aligned-args\", \"%s returned a block (%p) for the invalid alignment %zu; "
    "expected %s\",",
    "             kind_names[kind], p, align, kind == K_POSIX_MEMALIGN ? \"EINVAL\" : \"NULL\");",
    "    size_t required = aligned_call ? next_power_of_two(align) : plain_alignment(bytes);",
    "    accept_block(kind, slot, p, bytes, required, aligned_call ? align : 0, kind == K_CALLOC, "
    "NULL);",
    "}",
    "",
    "/* realloc and reallocarray of `slot` (NULL when it is empty). */",
    "static void reallocate(int kind, unsigned slot, size_t count, size_t size)",
    "{",
    "    if (missing(kind, kind == K_REALLOC ? call_realloc != NULL : call_reallocarray != NULL))",
    "        return;",
    "    struct block *old = &blocks[slot];",
    "    bool had_block = old->live;",
    "    size_t bytes;",
    "    bool impossible = impossible_request(kind == K_REALLOCARRAY ? count : 1, size, &bytes);",
    "    if (!impossible && over_cap(bytes, had_block ? old->requested : 0)) return;",
    "    if (had_block) {",
    "        verify(old, slot, SIZE_MAX, \"contents\");",
    "        uncount(old);",
    "    }",
    "    void *old_ptr = had_block ? old->p : NULL;",
    "    errno = 0;",
    "    void *q = kind == K_REALLOC ? call_realloc(old_ptr, size)",
    "                                : call_reallocarray(old_ptr, count, size);",
    "    int saved_errno = errno;",
    "    calls_made++;",
    "    if (kind == K_REALLOC)",
    "        trace(\"realloc(%p, %zu) = %p, errno %d\", old_ptr, size, q, saved_errno);",
    "    else",
    "        trace(\"reallocarray(%p, %zu, %zu) = %p, errno %d\", old_ptr, count, size, q, "
    "saved_errno);",
    "",
    "    if (q == NULL && bytes == 0 && !impossible) {",
    "        /* realloc(p, 0) and realloc(NULL, 0): the allocator's table decides. */",
    "        int allowed = had_block ? REALLOC_ZERO_FREES : MALLOC_ZERO_NULL;",
    "        if (allowed == BEHAVES_NO)",
    "            fail(\"implementation-choice\", had_block",
    "                     ? \"realloc(p, 0) returned NULL; this allocator's table says it returns "
    "a block\"",
    "                     : \"realloc(NULL, 0) returned NULL; it must behave as malloc(0)\");",
    "        old->live = false; /* freed (if it was not, it is merely leaked) */",
    "        return;",
    "    }",
    "    if (q == NULL) {",
    "        if (had_block) {",
    "            recount(old, slot);",
    "            verify(old, slot, SIZE_MAX, \"realloc\");",
    "        }",
    "        if (impossible) {",
    "            check_failure_errno(kind, saved_errno, \"impossible-request\");",
    "            return;",
    "        }",
    "        fail(\"unexpected-failure\", \"%s returned NULL (errno %d, %s) for a possible request "
    "of %zu \"",
    "             \"bytes within the live-bytes cap\", kind_names[kind], saved_errno,",
    "             errno_name(saved_errno), bytes);",
    "    }",
    "    if (impossible)",
    "        fail(\"impossible-request\", \"%s returned a block (%p) for a request above "
    "PTRDIFF_MAX or \"",
    "             \"whose n*m overflows; expected NULL with errno ENOMEM\", kind_names[kind], q);",
    "    if (had_block && bytes == 0 && REALLOC_ZERO_FREES == BEHAVES_YES)",
    "        fail(\"implementation-choice\", \"realloc(p, 0) returned a block (%p); this "
    "allocator's \"",
    "             \"table says it frees p and returns NULL\", q);",
    "    struct block previous = *old;",
    "    accept_block(kind, slot, q, bytes, plain_alignment(bytes), 0, false,",
    "                 had_block ? &previous : NULL);",
    "}",
    "",
    "/* ---- one operation ---- */",
    "",
    "/* An operation's call, as the op_ macros below write it. */",
    "struct call {",
    "    int kind; /* enum kind */",
    "    unsigned slot;",
    "    size_t count, size, align; /* the operation's fields; 0 where unused */",
    "};",
    "",
    "static void check_slot(unsigned slot)",
    "{",
    "    if (blocks[slot].live) verify(&blocks[slot], slot, SIZE_MAX, \"contents\");",
    "}",
    "",
    "static void usable_size(unsigned slot)",
    "{",
    "    if (missing(K_USABLE_SIZE, call_usable_size != NULL) || !blocks[slot].live) return;",
    "    struct block *b = &blocks[slot];",
    "    size_t now = call_usable_size(b->p);",
    "    calls_made++;",
    "    trace(\"malloc_usable_size(%p) = %zu\", (void *)b->p, now);",
    "    if (now != b->usable) {",
    "        char what[160];",
    "        describe(b, what, sizeof what);",
    "        fail(\"usable-size\", \"s%u (%s): malloc_usable_size is now %zu; it must not change "
    "while \"",
    "             \"the block lives\", slot, what, now);",
    "    }",
    "}",
    "",
    "/* Skipped when the allocator has no sized free or the slot is empty. */",
    "static void free_sized_slot(unsigned slot)",
    "{",
    "    if (missing(K_FREE_SIZED, call_sized_free != NULL)) return;",
    "    if (!blocks[slot].live) {",
    "        trace(\"skipped: s%u is empty\", slot);",
    "        return;",
    "    }",
    "    free_slot(slot, true);",
    "}",
    "",
    "/* Performs one operation on the calling thread. */",
    "static void perform(const struct call *c)",
    "{",
    "    current_kind = c->kind; /* for the deviation table's scopes */",
    "    current_count = c->count;",
    "    current_size = c->size;",
    "    current_align = c->align;",
    "    switch (c->kind) {",
    "    case K_MALLOC:",
    "    case K_CALLOC:",
    "    case K_ALIGNED_ALLOC:",
    "    case K_POSIX_MEMALIGN:",
    "    case K_MEMALIGN: allocate(c->kind, c->slot, c->count, c->size, c->align); break;",
    "    case K_REALLOC:",
    "    case K_REALLOCARRAY: reallocate(c->kind, c->slot, c->count, c->size); break;",
    "    case K_FREE: free_slot(c->slot, false); break;",
    "    case K_FREE_SIZED: free_sized_slot(c->slot); break;",
    "    case K_CHECK: check_slot(c->slot); break;",
    "    case K_USABLE_SIZE: usable_size(c->slot); break;",
    "    default: break; /* restart and barrier belong to the runner */",
    "    }",
    "}",
    "",
    "/* End of program: every live block is verified and freed, by thread 0. */",
    "static void teardown(void)",
    "{",
    "    in_teardown = true;",
    "    for (unsigned slot = 0; slot < SLOTS; slot++) {",
    "        if (!blocks[slot].live) continue;",
    "        snprintf(teardown_text, sizeof teardown_text, \"t0 free s%u\", slot);",
    "        current_kind = K_FREE;",
    "        current_count = current_size = current_align = 0;",
    "        free_slot(slot, false);",
    "    }",
    "}",
    "",
    "/* ---- finding the allocator's calls ---- */",
    "",
    "/* The symbol, if the object that defines malloc defines it too: a call the",
    " * allocator lacks would reach glibc's and mix two heaps. */",
    "static void *own_symbol(const char *name, const Dl_info *malloc_home)",
    "{",
    "    void *f = dlsym(RTLD_DEFAULT, name);",
    "    Dl_info home;",
    "    if (f == NULL || dladdr(f, &home) == 0) return NULL;",
    "    return home.dli_fbase == malloc_home->dli_fbase ? f : NULL;",
    "}",
    "",
    "#if SIZED_FREE_C23",
    "static void (*c23_free_sized)(void *, size_t);",
    "static void (*c23_free_aligned_sized)(void *, size_t, size_t);",
    "/* C23: free_sized for blocks of plain calls, free_aligned_sized for aligned ones",
    " * (none: the block stays live, as in Gauntlet). */",
    "static bool c23_sized_free(void *p, size_t size, size_t align, bool resized)",
    "{",
    "    (void)resized;",
    "    if (align == 0) {",
    "        c23_free_sized(p, size);",
    "        return true;",
    "    }",
    "    if (c23_free_aligned_sized == NULL) return false;",
    "    c23_free_aligned_sized(p, align, size);",
    "    return true;",
    "}",
    "#endif",
    "",
    "static void bind_calls(void)",
    "{",
    "    Dl_info home;",
    "    void *m = dlsym(RTLD_DEFAULT, \"malloc\");",
    "    if (m == NULL || dladdr(m, &home) == 0 || home.dli_fname == NULL) {",
    "        say(\"reproducer: cannot find malloc\\n\");",
    "        exit(2);",
    "    }",
    "    if (strstr(home.dli_fname, EXPECTED_LIBRARY) == NULL)",
    "        say(\"reproducer: warning: malloc comes from %s, not %s: check the build command "
    "above\\n\",",
    "            home.dli_fname, ALLOCATOR);",
    "    *(void **)&call_malloc = m;",
    "    *(void **)&call_free = own_symbol(\"free\", &home);",
    "    *(void **)&call_calloc = own_symbol(\"calloc\", &home);",
    "    *(void **)&call_realloc = own_symbol(\"realloc\", &home);",
    "    *(void **)&call_reallocarray = own_symbol(\"reallocarray\", &home);",
    "    *(void **)&call_aligned_alloc = own_symbol(\"aligned_alloc\", &home);",
    "    *(void **)&call_posix_memalign = own_symbol(\"posix_memalign\", &home);",
    "    *(void **)&call_memalign = own_symbol(\"memalign\", &home);",
    "    *(void **)&call_usable_size = own_symbol(\"malloc_usable_size\", &home);",
    "    if (call_free == NULL) {",
    "        say(\"reproducer: %s defines malloc but not free\\n\", home.dli_fname);",
    "        exit(2);",
    "    }",
    "#if SIZED_FREE_C23",
    "    *(void **)&c23_free_sized = own_symbol(\"free_sized\", &home);",
    "    *(void **)&c23_free_aligned_sized = own_symbol(\"free_aligned_sized\", &home);",
    "    if (c23_free_sized != NULL) call_sized_free = c23_sized_free;",
    "#else",
    "    call_sized_free = SIZED_FREE;",
    "#endif",
    "}",
    "",
    "/* ---- crashes inside the allocator name the operation ---- */",
    "",
    "static void put_number(size_t n)",
    "{",
    "    char digits[24];",
    "    size_t i = sizeof digits;",
    "    do digits[--i] = (char)('0' + n % 10);",
    "    while ((n /= 10) != 0);",
    "    put(digits + i, sizeof digits - i);",
    "}",
    "",
    "static void on_crash(int sig)",
    "{",
    "    if (failing) return; /* our own abort() after a message */",
    "    static const char head[] = \"reproducer: op \";",
    "    const char *text = in_teardown ? teardown_text : current_text;",
    "    if (in_teardown)",
    "        put(\"reproducer: end of program\", 26);",
    "    else {",
    "        put(head, sizeof head - 1);",
    "        put_number(current_op);",
    "    }",
    "    put(\" (\", 2);",
    "    put(text, strlen(text));",
    "    put(\"): crash: signal \", 17);",
    "    put_number((size_t)sig);",
    "    put(\" inside the allocator (or in a block it handed out)\\n\", 52);",
    "}",
    "",
    "static void install_crash_handlers(void)",
    "{",
    "    struct sigaction sa;",
    "    memset(&sa, 0, sizeof sa);",
    "    sa.sa_handler = on_crash;",
    "    sa.sa_flags = (int)SA_RESETHAND; /* the default action follows: a core dump */",
    "    int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};",
    "    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)",
    "        sigaction(signals[i], &sa, NULL);",
    "}",
    "",
    "/* ---- lock-step threads ----",
    " * One pthread per program thread, started when first needed; the main thread",
    " * hands each operation to its thread and waits for it, so exactly one runs at a",
    " * time, in program order. The main thread makes no allocator calls itself. */",
    "struct step {",
    "    size_t n; /* its number: the index in program[] */",
    "    unsigned thread;",
    "    const char *text; /* Gauntlet's text form; NULL ends the table */",
    "    struct call call;",
    "};",
    "static const struct step program[STEPS + 1];",
    "",
    "enum command { COMMAND_OP, COMMAND_TEARDOWN, COMMAND_EXIT };",
    "struct worker {",
    "    pthread_t thread;",
    "    bool started;",
    "    sem_t go, done;",
    "    enum command command;",
    "    size_t op;",
    "};",
    "static struct worker workers[THREADS];",
    "",
    "static void *worker_main(void *arg)",
    "{",
    "    struct worker *w = arg;",
    "    for (;;) {",
    "        while (sem_wait(&w->go) != 0) continue;",
    "        if (w->command == COMMAND_EXIT) return NULL;",
    "        if (w->command == COMMAND_TEARDOWN)",
    "            teardown();",
    "        else",
    "            perform(&program[w->op].call);",
    "        sem_post(&w->done);",
    "    }",
    "}",
    "",
    "static void start_worker(unsigned t)",
    "{",
    "    if (pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]) != 0) {",
    "        say(\"reproducer: cannot create thread t%u\\n\", t);",
    "        exit(2);",
    "    }",
    "    workers[t].started = true;",
    "}",
    "",
    "static void stop_worker(unsigned t)",
    "{",
    "    if (!workers[t].started) return;",
    "    workers[t].command = COMMAND_EXIT;",
    "    sem_post(&workers[t].go);",
    "    pthread_join(workers[t].thread, NULL);",
    "    workers[t].started = false;",
    "}",
    "",
    "static void hand_over(unsigned t, enum command command, size_t op)",
    "{",
    "    struct worker *w = &workers[t];",
    "    if (!w->started) start_worker(t);",
    "    w->command = command;",
    "    w->op = op;",
    "    sem_post(&w->go);",
    "    struct timespec deadline;",
    "    clock_gettime(CLOCK_REALTIME, &deadline);",
    "    deadline.tv_sec += WATCHDOG_SECONDS;",
    "    while (sem_timedwait(&w->done, &deadline) != 0)",
    "        if (errno != EINTR)",
    "            fail(\"hang\", \"the operation did not return within %d s\", WATCHDOG_SECONDS);",
    "}",
    "",
    "int main(void)",
    "{",
    "    install_crash_handlers();",
    "    tracing = getenv(\"REPRO_TRACE\") != NULL;",
    "    bind_calls();",
    "    for (unsigned t = 0; t < THREADS; t++) {",
    "        sem_init(&workers[t].go, 0, 0);",
    "        sem_init(&workers[t].done, 0, 0);",
    "    }",
    "    for (size_t n = 0; program[n].text != NULL; n++) {",
    "        const struct step *s = &program[n];",
    "        current_op = n;",
    "        current_text = s->text;",
    "        current_thread = s->thread;",
    "        if (s->call.kind == K_RESTART) { /* the thread exits; a new one takes its number */",
    "            trace(\"restart\");",
    "            stop_worker(s->thread);",
    "            start_worker(s->thread);",
    "        } else if (s->call.kind != K_BARRIER) { /* a barrier: nothing to wait for in "
    "lock-step */",
    "            hand_over(s->thread, COMMAND_OP, n);",
    "        }",
    "    }",
    "    current_thread = 0;",
    "    hand_over(0, COMMAND_TEARDOWN, 0);",
    "    for (unsigned t = 0; t < THREADS; t++) stop_worker(t);",
    "    if (tracing) say(\"reproducer: %llu allocator calls\\n\", calls_made);",
    "    say(\"reproducer: all %zu operations passed\\n\", (size_t)STEPS);",
    "    return 0;",
    "}",
    "",
    "/* ======== the program ========",
    " * STEP(n, t, \"text\", op_KIND(slot, ...)): operation n (numbered from 0, as",
    " * Gauntlet reports them), in Gauntlet's text form, performed on thread t. The",
    " * op_ macros read like the calls and make table entries; perform() runs them.",
    " * Arguments follow the text form: calloc and reallocarray (slot, n, m), aligned",
    " * calls (slot, size, alignment). */",
    "#define STEP(n, t, text, call) {n, t, text, call}",
    "#define RESTART(n, t, text)    {n, t, text, {K_RESTART, 0, 0, 0, 0}}",
    "#define BARRIER(n, text)       {n, 0, text, {K_BARRIER, 0, 0, 0, 0}}",
    "#define END                    {STEPS, 0, NULL, {K_BARRIER, 0, 0, 0, 0}}",
    "#define op_malloc(slot, size)                {K_MALLOC, slot, 0, size, 0}",
    "#define op_calloc(slot, n, m)                {K_CALLOC, slot, n, m, 0}",
    "#define op_realloc(slot, size)               {K_REALLOC, slot, 0, size, 0}",
    "#define op_reallocarray(slot, n, m)          {K_REALLOCARRAY, slot, n, m, 0}",
    "#define op_free(slot)                        {K_FREE, slot, 0, 0, 0}",
    "#define op_free_sized(slot)                  {K_FREE_SIZED, slot, 0, 0, 0}",
    "#define op_aligned_alloc(slot, size, align)  {K_ALIGNED_ALLOC, slot, 0, size, align}",
    "#define op_posix_memalign(slot, size, align) {K_POSIX_MEMALIGN, slot, 0, size, align}",
    "#define op_memalign(slot, size, align)       {K_MEMALIGN, slot, 0, size, align}",
    "#define op_check(slot)                       {K_CHECK, slot, 0, 0, 0}",
    "#define op_usable_size(slot)                 {K_USABLE_SIZE, slot, 0, 0, 0}",
};

bool reproducer_write(const struct program *p, const char *allocator_name,
                      const struct alloc_policy *policy, size_t live_cap, int fd)
{
    const struct family *f = allocator_name ? family_of(allocator_name) : NULL;
    if (f == NULL || policy == NULL || p == NULL) return false;
    for (size_t i = 0; i < p->count; i++)
        if (p->ops[i].kind >= OP_KIND_COUNT || p->ops[i].thread >= GAUNTLET_MAX_THREADS)
            return false;
    struct out o = {.fd = fd, .ok = true};
    write_header(&o, p, allocator_name, f, policy, live_cap);
    write_lines(&o, template_head, sizeof template_head / sizeof template_head[0]);
    write_config(&o, p, allocator_name, f, policy, live_cap);
    write_lines(&o, template_body, sizeof template_body / sizeof template_body[0]);
    out_str(&o, "\nstatic const struct step program[STEPS + 1] = {\n");
    for (size_t i = 0; i < p->count; i++)
        write_step(&o, i, &p->ops[i], f);
    out_str(&o, "    END\n};\n");
    out_flush(&o);
    return o.ok;
}
