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

/* ---- the templates: the generated file's fixed parts ----
 * They are real C, kept in reproducer_head.c.in and reproducer_body.c.in and
 * turned into these arrays of lines by the build (see the Makefile). */
extern const char *const reproducer_template_head[];
extern const size_t reproducer_template_head_lines;
extern const char *const reproducer_template_body[];
extern const size_t reproducer_template_body_lines;

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
    write_lines(&o, reproducer_template_head, reproducer_template_head_lines);
    write_config(&o, p, allocator_name, f, policy, live_cap);
    write_lines(&o, reproducer_template_body, reproducer_template_body_lines);
    out_str(&o, "\nstatic const struct step program[STEPS + 1] = {\n");
    for (size_t i = 0; i < p->count; i++)
        write_step(&o, i, &p->ops[i], f);
    out_str(&o, "    END\n};\n");
    out_flush(&o);
    return o.ok;
}
