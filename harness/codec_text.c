/*
 * codec_text.c — the text program form (FORMAT.md, "Text form"): parsing it,
 * printing values and operations canonically, writing a whole program, and
 * telling text from binary.
 *
 * No malloc and no stdio here: the allocator under test may be the process's
 * own malloc, and a reproducer must still print after it has corrupted its
 * heap. Output goes through small fixed buffers and write(2).
 *
 * The parser accepts only values the binary form can express, so a program
 * that parses always encodes: decode → print → parse → encode → decode is the
 * identity.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* ---- bounded string building (a tiny snprintf that never allocates) ---- */

struct text_out {
    char *buf;
    size_t cap; /* bytes available, including the final NUL */
    size_t len; /* bytes written so far, never above cap - 1 */
};

static struct text_out text_out_on(char *buf, size_t cap)
{
    struct text_out o = {buf, cap, 0};
    if (cap) buf[0] = '\0';
    return o;
}

static void put_bytes(struct text_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
        o->buf[o->len++] = s[i];
    if (o->cap) o->buf[o->len] = '\0';
}

static void put_str(struct text_out *o, const char *s)
{
    put_bytes(o, s, strlen(s));
}

static void put_char(struct text_out *o, char c)
{
    put_bytes(o, &c, 1);
}

static void put_decimal(struct text_out *o, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put_char(o, digits[--n]);
}

static void put_hex(struct text_out *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    put_str(o, "0x");
    unsigned shift = 60;
    while (shift && (v >> shift) == 0)
        shift -= 4;
    for (;; shift -= 4) {
        put_char(o, hex[(v >> shift) & 15]);
        if (shift == 0) break;
    }
}

/* "+d" or "-d"; nothing for a zero offset. */
static void put_offset(struct text_out *o, bool below, uint64_t distance)
{
    if (distance == 0) return;
    put_char(o, below ? '-' : '+');
    put_decimal(o, distance);
}

/* ---- canonical printing ---- */

#define NEAR_ANCHOR   ((size_t)1 << 24)
#define NEAR_RELATIVE ((size_t)0x10000)
#define FOUR_GIB      ((size_t)1 << 32)
#define KIB           ((size_t)1 << 10)

static size_t distance(size_t a, size_t b)
{
    return a > b ? a - b : b - a;
}

static unsigned highest_bit(size_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

/* Values at or above 2^32: a power of two with an offset when one is near,
 * else hex, which is what such a value most likely was written as. */
static void put_large(struct text_out *o, size_t v)
{
    unsigned p = highest_bit(v);
    if (p < 63 && distance(v, (size_t)1 << (p + 1)) < distance(v, (size_t)1 << p)) p++;
    size_t power = (size_t)1 << p;
    if (distance(v, power) >= NEAR_ANCHOR) {
        put_hex(o, v);
        return;
    }
    put_str(o, "2^");
    put_decimal(o, p);
    put_offset(o, v < power, distance(v, power));
}

static void put_small(struct text_out *o, size_t v)
{
    static const struct {
        unsigned shift;
        const char *name;
    } units[] = {{30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
    if (v >= KIB) {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (v % ((size_t)1 << units[i].shift) == 0) {
                put_decimal(o, v >> units[i].shift);
                put_str(o, units[i].name);
                return;
            }
        }
    }
    put_decimal(o, v);
}

static void put_size(struct text_out *o, size_t v)
{
    if (SIZE_MAX - v < NEAR_ANCHOR) {
        put_str(o, "SIZE_MAX");
        put_offset(o, true, SIZE_MAX - v);
    } else if (distance(v, PTRDIFF_MAX) < NEAR_ANCHOR) {
        put_str(o, "PTRDIFF_MAX");
        put_offset(o, v < PTRDIFF_MAX, distance(v, PTRDIFF_MAX));
    } else if (v >= FOUR_GIB) {
        put_large(o, v);
    } else {
        put_small(o, v);
    }
}

/* Counts near the overflow limits for this element size print relative to
 * them, which says what the count is for. */
static void put_count(struct text_out *o, size_t n, size_t m)
{
    if (m >= 2 && distance(n, SIZE_MAX / m) <= NEAR_RELATIVE) {
        put_str(o, "SIZE_MAX/m");
        put_offset(o, n < SIZE_MAX / m, distance(n, SIZE_MAX / m));
    } else if (m >= 2 && distance(n, PTRDIFF_MAX / m) <= NEAR_RELATIVE) {
        put_str(o, "PTRDIFF_MAX/m");
        put_offset(o, n < PTRDIFF_MAX / m, distance(n, PTRDIFF_MAX / m));
    } else {
        put_size(o, n);
    }
}

static void put_align(struct text_out *o, size_t align)
{
    if (align < FOUR_GIB)
        put_decimal(o, align);
    else
        put_size(o, align);
}

void size_format(size_t value, char *buf, size_t buf_len)
{
    struct text_out o = text_out_on(buf, buf_len);
    put_size(&o, value);
}

static void put_op(struct text_out *o, const struct op *op)
{
    enum op_kind kind = op->kind;
    if (kind == OP_BARRIER) {
        put_str(o, "barrier");
        return;
    }
    put_char(o, 't');
    put_decimal(o, op->thread);
    put_char(o, ' ');
    put_str(o, op_kind_name(kind));
    if (op_uses_slot(kind)) {
        put_str(o, " s");
        put_decimal(o, op->slot);
    }
    if (op_uses_count(kind)) {
        put_char(o, ' ');
        put_count(o, op->count, op->size);
        put_str(o, " x");
    }
    if (op_uses_size(kind)) {
        put_char(o, ' ');
        put_size(o, op->size);
    }
    if (op_uses_align(kind)) {
        put_str(o, " align ");
        put_align(o, op->align);
    }
    if (op_uses_offset(kind)) {
        put_str(o, " offset ");
        put_size(o, op->count);
    }
}

void op_format(const struct op *op, char *buf, size_t buf_len)
{
    struct text_out o = text_out_on(buf, buf_len);
    put_op(&o, op);
}

/* ---- writing a program ---- */

#define WRITE_BUFFER 4096
#define LINE_MAX_LEN 192 /* longer than any formatted operation */

bool program_write_text(const struct program *p, int fd)
{
    char buf[WRITE_BUFFER];
    struct text_out o = text_out_on(buf, sizeof buf);
    put_str(&o, "# gauntlet program: ");
    put_decimal(&o, p->count);
    put_str(&o, " operations, ");
    put_decimal(&o, program_thread_count(p));
    put_str(&o, " threads\n");
    if (p->rounds) {
        put_str(&o, ROUNDS_TAG " ");
        put_decimal(&o, p->rounds);
        put_char(&o, '\n');
    }
    for (size_t i = 0; i < p->count; i++) {
        if (o.cap - o.len < LINE_MAX_LEN) {
            if (!fd_write_all(fd, buf, o.len)) return false;
            o = text_out_on(buf, sizeof buf);
        }
        put_op(&o, &p->ops[i]);
        put_char(&o, '\n');
    }
    return fd_write_all(fd, buf, o.len);
}

/* ---- text or binary ---- */

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The length of the UTF-8 character at bytes[i] (2 to 4), or 0 when it is
 * not one (overlong and surrogate forms are accepted: a text file's prose,
 * not a validator's). */
static size_t utf8_length(const uint8_t *bytes, size_t len, size_t i)
{
    uint8_t c = bytes[i];
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (n == 0 || i + n > len) return 0;
    for (size_t k = 1; k < n; k++)
        if ((bytes[i + k] & 0xC0) != 0x80) return 0;
    return n;
}

enum program_form program_form_of(const uint8_t *bytes, size_t len, size_t *not_text_at)
{
    if (len >= PROGRAM_BINARY_HEADER_LEN &&
        memcmp(bytes, PROGRAM_BINARY_HEADER, PROGRAM_BINARY_HEADER_LEN) == 0)
        return FORM_BINARY;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = bytes[i];
        if ((c >= 0x20 && c <= 0x7E) || is_blank(c)) continue;
        size_t n = c >= 0x80 ? utf8_length(bytes, len, i) : 0;
        if (n == 0) {
            *not_text_at = i;
            return FORM_NEITHER;
        }
        i += n - 1;
    }
    return FORM_TEXT;
}

/* ---- parsing ---- */

struct token {
    const char *s;
    size_t len;
    size_t col; /* 1-based */
};

struct parser {
    const char *filename;
    const char *line;  /* start of the current line */
    size_t line_len;   /* up to the comment or the newline */
    size_t line_no;    /* 1-based */
    size_t pos;        /* next byte of the line to read */
    size_t after_last; /* column just after the last token read, for "missing" errors */
    char *err;
    size_t err_len;
};

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool next_token(struct parser *ps, struct token *t)
{
    while (ps->pos < ps->line_len && is_separator(ps->line[ps->pos]))
        ps->pos++;
    if (ps->pos == ps->line_len) return false;
    size_t start = ps->pos;
    while (ps->pos < ps->line_len && !is_separator(ps->line[ps->pos]))
        ps->pos++;
    *t = (struct token){ps->line + start, ps->pos - start, start + 1};
    ps->after_last = ps->pos + 1;
    return true;
}

static bool token_is(const struct token *t, const char *word)
{
    return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* Starts an error message with its "FILE:LINE:COL: " prefix. */
static struct text_out error_at(const struct parser *ps, size_t col)
{
    struct text_out o = text_out_on(ps->err, ps->err_len);
    put_str(&o, ps->filename);
    put_char(&o, ':');
    put_decimal(&o, ps->line_no);
    put_char(&o, ':');
    put_decimal(&o, col);
    put_str(&o, ": ");
    return o;
}

#define QUOTED_MAX 40

/* A token in backquotes, shortened and with unprintable bytes shown as '?'
 * so that a binary file read as text cannot garble the terminal. */
static void put_quoted(struct text_out *o, const struct token *t)
{
    put_char(o, '`');
    for (size_t i = 0; i < t->len && i < QUOTED_MAX; i++) {
        unsigned char c = (unsigned char)t->s[i];
        put_char(o, c >= 0x20 && c <= 0x7E ? (char)c : '?');
    }
    if (t->len > QUOTED_MAX) put_str(o, "...");
    put_char(o, '`');
}

static bool fail_token(struct parser *ps, const struct token *t, const char *before,
                       const char *after)
{
    struct text_out o = error_at(ps, t->col);
    put_str(&o, before);
    put_quoted(&o, t);
    put_str(&o, after);
    return false;
}

static bool fail_missing(struct parser *ps, const char *what)
{
    struct text_out o = error_at(ps, ps->after_last);
    put_str(&o, "missing ");
    put_str(&o, what);
    return false;
}

/* Reads the next token, reporting "missing WHAT" at the end of the line. */
static bool expect_token(struct parser *ps, struct token *t, const char *what)
{
    return next_token(ps, t) || fail_missing(ps, what);
}

static bool expect_keyword(struct parser *ps, const char *keyword, const char *what)
{
    struct token t;
    if (!expect_token(ps, &t, what)) return false;
    if (token_is(&t, keyword)) return true;
    struct text_out o = error_at(ps, t.col);
    put_str(&o, "expected `");
    put_str(&o, keyword);
    put_str(&o, "`, got ");
    put_quoted(&o, &t);
    return false;
}

/* ---- numbers ---- */

struct cursor {
    const char *p;
    const char *end;
};

static bool match_word(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return false;
    c->p += n;
    return true;
}

static int digit_value(char ch, unsigned radix)
{
    int v = -1;
    if (ch >= '0' && ch <= '9')
        v = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
        v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
        v = ch - 'A' + 10;
    return v >= 0 && (unsigned)v < radix ? v : -1;
}

/* A decimal or 0x-hex literal. Sets *overflow when it does not fit 64 bits. */
static bool read_literal(struct cursor *c, size_t *value, bool *overflow)
{
    unsigned radix = match_word(c, "0x") ? 16 : 10;
    const char *first = c->p;
    size_t v = 0;
    int d;
    while (c->p < c->end && (d = digit_value(*c->p, radix)) >= 0) {
        if (__builtin_mul_overflow(v, (size_t)radix, &v) ||
            __builtin_add_overflow(v, (size_t)d, &v))
            *overflow = true;
        c->p++;
    }
    *value = v;
    return c->p > first;
}

enum value_base { ABSOLUTE, PER_M_OF_SIZE_MAX, PER_M_OF_PTRDIFF_MAX };

/* A value as written: for the per-m bases, `amount` is the wrapping offset
 * added to SIZE_MAX/m or PTRDIFF_MAX/m once m is known. */
struct value_expr {
    enum value_base base;
    size_t amount;
};

static void read_unit(struct cursor *c, size_t *value, bool *overflow)
{
    static const struct {
        const char *name;
        unsigned shift;
    } units[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (match_word(c, units[i].name)) {
            if (*value >> (64 - units[i].shift)) *overflow = true;
            *value <<= units[i].shift;
            return;
        }
    }
}

/* The part before the offset. Returns a reason when it is not a number. */
static const char *read_base(struct cursor *c, bool allow_per_m, struct value_expr *v)
{
    bool overflow = false;
    v->amount = 0;
    v->base = ABSOLUTE;
    if (match_word(c, "SIZE_MAX/m"))
        v->base = PER_M_OF_SIZE_MAX;
    else if (match_word(c, "PTRDIFF_MAX/m"))
        v->base = PER_M_OF_PTRDIFF_MAX;
    else if (match_word(c, "SIZE_MAX"))
        v->amount = SIZE_MAX;
    else if (match_word(c, "PTRDIFF_MAX"))
        v->amount = PTRDIFF_MAX;
    else if (match_word(c, "2^")) {
        size_t exponent;
        if (!read_literal(c, &exponent, &overflow)) return "";
        if (overflow || exponent > 63) return " (the exponent of 2^N must be 0..63)";
        v->amount = (size_t)1 << exponent;
    } else {
        if (!read_literal(c, &v->amount, &overflow)) return "";
        read_unit(c, &v->amount, &overflow);
        if (overflow) return " (above 2^64-1)";
    }
    if (v->base != ABSOLUTE && !allow_per_m)
        return " (`SIZE_MAX/m` and `PTRDIFF_MAX/m` are counts)";
    return NULL;
}

static const char *read_offset(struct cursor *c, struct value_expr *v)
{
    if (c->p == c->end) return NULL;
    bool negative = *c->p == '-';
    if (!negative && *c->p != '+') return "";
    c->p++;
    size_t offset;
    bool overflow = false;
    if (!read_literal(c, &offset, &overflow)) return "";
    if (overflow) return " (offset above 2^64-1)";
    v->amount = negative ? v->amount - offset : v->amount + offset; /* wraps like size_t */
    return c->p == c->end ? NULL : "";
}

static bool parse_value(struct parser *ps, const struct token *t, bool allow_per_m,
                        struct value_expr *v)
{
    struct cursor c = {t->s, t->s + t->len};
    const char *problem = read_base(&c, allow_per_m, v);
    if (!problem) problem = read_offset(&c, v);
    return !problem || fail_token(ps, t, "bad number ", problem);
}

bool size_parse(const char *text, size_t *value)
{
    struct cursor c = {text, text + strlen(text)};
    struct value_expr v;
    if (c.p == c.end || read_base(&c, false, &v) || read_offset(&c, &v)) return false;
    *value = v.amount;
    return true;
}

static size_t evaluate(const struct value_expr *v, size_t m)
{
    switch (v->base) {
    case PER_M_OF_SIZE_MAX: return SIZE_MAX / m + v->amount;
    case PER_M_OF_PTRDIFF_MAX: return PTRDIFF_MAX / m + v->amount;
    default: return v->amount;
    }
}

/* ---- encodability ---- */

static bool fail_unencodable(struct parser *ps, const struct token *t, const char *what,
                             size_t value, const char *why)
{
    struct text_out o = error_at(ps, t->col);
    put_str(&o, what);
    put_char(&o, ' ');
    put_decimal(&o, value);
    put_str(&o, " has no binary encoding (");
    put_str(&o, why);
    put_char(&o, ')');
    return false;
}

static bool parse_size(struct parser *ps, const char *what, size_t *size)
{
    struct token t;
    struct value_expr v;
    uint32_t word;
    if (!expect_token(ps, &t, what) || !parse_value(ps, &t, false, &v)) return false;
    *size = v.amount;
    return size_word_encode(*size, &word) ||
           fail_unencodable(ps, &t, "size", *size,
                            "from 2^26 on, a size needs at most 26 significant bits, or must lie "
                            "within 127 of an edge size, or within 2^23 of SIZE_MAX, "
                            "PTRDIFF_MAX or a power of two");
}

static bool parse_align(struct parser *ps, size_t *align)
{
    struct token t;
    struct value_expr v;
    uint8_t byte;
    if (!expect_keyword(ps, "align", "`align N` after the size") ||
        !expect_token(ps, &t, "alignment after `align`") || !parse_value(ps, &t, false, &v))
        return false;
    *align = v.amount;
    return align_byte_encode(*align, &byte) ||
           fail_unencodable(ps, &t, "alignment", *align,
                            "alignments are 0, 2^k, 3*2^k or 2^k+1 for k < 24, or 2^32 .. 2^63");
}

/* `COUNT x SIZE`: the count is evaluated once the element size is known. */
static bool parse_count_and_size(struct parser *ps, size_t *count, size_t *size)
{
    struct token t;
    struct value_expr v;
    uint32_t word;
    if (!expect_token(ps, &t, "count") || !parse_value(ps, &t, true, &v) ||
        !expect_keyword(ps, "x", "`x SIZE` after the count") ||
        !parse_size(ps, "element size after `x`", size))
        return false;
    if (v.base != ABSOLUTE && *size == 0)
        return fail_token(ps, &t, "", " needs a non-zero element size m");
    *count = evaluate(&v, *size);
    return count_word_encode(*count, *size, &word) ||
           fail_unencodable(ps, &t, "count", *count,
                            "counts encode like sizes but without the forms near SIZE_MAX, "
                            "PTRDIFF_MAX and 2^N, or as SIZE_MAX/m or PTRDIFF_MAX/m "
                            "within 65535");
}

/* `offset N` (malloc_aligned_at): kept in the count, and encoded as one. */
static bool parse_offset(struct parser *ps, struct op *op)
{
    struct token t;
    struct value_expr v;
    uint32_t word;
    if (!expect_keyword(ps, "offset", "`offset N` after the alignment") ||
        !expect_token(ps, &t, "offset after `offset`") || !parse_value(ps, &t, false, &v))
        return false;
    op->count = v.amount;
    return count_word_encode(op->count, op->size, &word) ||
           fail_unencodable(ps, &t, "offset", op->count,
                            "offsets encode as counts: like sizes but without the forms near "
                            "SIZE_MAX, PTRDIFF_MAX and 2^N");
}

/* ---- operation lines ---- */

/* The digits after a one-letter prefix; saturates, since any value that
 * large is out of range anyway. */
static bool read_index_number(const struct token *t, size_t *value)
{
    if (t->len < 2) return false;
    size_t v = 0;
    for (size_t i = 1; i < t->len; i++) {
        int d = digit_value(t->s[i], 10);
        if (d < 0) return false;
        v = v > (SIZE_MAX - 9) / 10 ? SIZE_MAX : v * 10 + (size_t)d;
    }
    *value = v;
    return true;
}

/* `pN` with N in 0..limit-1, for threads (t) and slots (s). */
static bool parse_index(struct parser *ps, const struct token *t, char prefix, size_t limit,
                        const char *name, uint8_t *out)
{
    size_t n;
    if (t->s[0] != prefix || !read_index_number(t, &n)) {
        struct text_out o = error_at(ps, t->col);
        put_str(&o, "expected a ");
        put_str(&o, name);
        put_str(&o, " `");
        put_char(&o, prefix);
        put_str(&o, "N`, got ");
        put_quoted(&o, t);
        return false;
    }
    if (n >= limit) {
        struct text_out o = error_at(ps, t->col);
        put_str(&o, name);
        put_char(&o, ' ');
        put_quoted(&o, t);
        put_str(&o, " out of range (0..");
        put_decimal(&o, limit - 1);
        put_char(&o, ')');
        return false;
    }
    *out = (uint8_t)n;
    return true;
}

static bool lookup_kind(const struct token *t, enum op_kind *kind)
{
    for (enum op_kind k = 0; k < OP_KIND_COUNT; k++) {
        if (token_is(t, op_kind_name(k))) {
            *kind = k;
            return true;
        }
    }
    return false;
}

static bool parse_kind(struct parser *ps, struct op *op)
{
    struct token t;
    enum op_kind kind;
    if (!expect_token(ps, &t, "operation after the thread")) return false;
    if (!lookup_kind(&t, &kind)) {
        char expected[512];
        struct text_out o = text_out_on(expected, sizeof expected);
        put_str(&o, " (expected ");
        for (enum op_kind k = 0; k < OP_KIND_COUNT; k++) {
            put_str(&o, k == 0 ? "" : k + 1 == OP_KIND_COUNT ? " or " : ", ");
            put_str(&o, op_kind_name(k));
        }
        put_str(&o, ")");
        return fail_token(ps, &t, "unknown operation ", expected);
    }
    op->kind = (uint8_t)kind;
    return true;
}

static bool parse_operands(struct parser *ps, struct op *op)
{
    enum op_kind kind = op->kind;
    if (op_uses_slot(kind)) {
        struct token t;
        if (!expect_token(ps, &t, "slot `sN`") ||
            !parse_index(ps, &t, 's', GAUNTLET_MAX_SLOTS, "slot", &op->slot))
            return false;
    }
    if (op_uses_count(kind)) {
        if (!parse_count_and_size(ps, &op->count, &op->size)) return false;
    } else if (op_uses_size(kind)) {
        if (!parse_size(ps, "size", &op->size)) return false;
    }
    if (op_uses_align(kind) && !parse_align(ps, &op->align)) return false;
    return !op_uses_offset(kind) || parse_offset(ps, op);
}

static bool expect_line_end(struct parser *ps)
{
    struct token t;
    return !next_token(ps, &t) || fail_token(ps, &t, "trailing garbage ", " after the operation");
}

/* The line's first token: a thread, or `barrier` on its own. */
static bool parse_thread(struct parser *ps, const struct token *t, struct op *op)
{
    enum op_kind kind;
    if (lookup_kind(t, &kind)) {
        struct text_out o = error_at(ps, t->col);
        put_str(&o, "missing thread: write `tN ");
        put_str(&o, op_kind_name(kind));
        put_str(&o, "` (N 0..7)");
        return false;
    }
    return parse_index(ps, t, 't', GAUNTLET_MAX_THREADS, "thread", &op->thread);
}

/* Parses one line; a blank or comment line adds nothing. */
static bool parse_line(struct parser *ps, struct program *out)
{
    struct token first;
    struct op op = {0};
    if (!next_token(ps, &first)) return true;
    if (token_is(&first, "barrier")) {
        op.kind = OP_BARRIER;
    } else {
        if (!parse_thread(ps, &first, &op) || !parse_kind(ps, &op)) return false;
        if (op.kind == OP_BARRIER && op.thread != 0)
            return fail_token(ps, &first, "barrier has no thread: drop ", "");
        if (!parse_operands(ps, &op)) return false;
    }
    if (!expect_line_end(ps)) return false;
    program_append(out, &op);
    return true;
}

/* Points the parser at the line starting at `start`; returns where the next
 * line starts. */
static size_t enter_line(struct parser *ps, const char *text, size_t len, size_t start)
{
    size_t end = start;
    while (end < len && text[end] != '\n')
        end++;
    size_t content = start;
    while (content < end && text[content] != '#')
        content++;
    ps->line = text + start;
    ps->line_len = content - start;
    ps->line_no++;
    ps->pos = 0;
    ps->after_last = 1;
    return end < len ? end + 1 : end;
}

/* A `# rounds: N` line (a whole line, blanks before it allowed): N within
 * what the reuse rule judges, given once. */
static bool parse_rounds_line(struct parser *ps, const char *line, size_t len, struct program *out)
{
    size_t at = strlen(ROUNDS_TAG);
    while (at < len && is_separator(line[at]))
        at++;
    size_t digits = at;
    unsigned long long n = 0;
    while (at < len && line[at] >= '0' && line[at] <= '9' && n <= GAUNTLET_MAX_ROUNDS)
        n = n * 10 + (unsigned)(line[at++] - '0');
    while (at < len && is_separator(line[at]))
        at++;
    if (out->rounds) {
        struct text_out o = error_at(ps, 1);
        put_str(&o, "a second `" ROUNDS_TAG "` line");
        return false;
    }
    if (at == digits || at < len || n < RULE_REUSE_ROUNDS_MIN || n > GAUNTLET_MAX_ROUNDS) {
        struct text_out o = error_at(ps, 1);
        put_str(&o, "`" ROUNDS_TAG "` needs a number of rounds, ");
        put_decimal(&o, RULE_REUSE_ROUNDS_MIN);
        put_str(&o, "..");
        put_decimal(&o, GAUNTLET_MAX_ROUNDS);
        put_str(&o, ", and nothing after it");
        return false;
    }
    out->rounds = (unsigned)n;
    return true;
}

bool program_parse_text(const char *text, size_t len, const char *filename, struct program *out,
                        char *err, size_t err_len)
{
    struct parser ps = {.filename = filename ? filename : "<text>", .err = err, .err_len = err_len};
    program_init(out);
    if (err_len) err[0] = '\0';
    for (size_t at = 0; at < len;) {
        size_t start = at;
        at = enter_line(&ps, text, len, at);
        size_t line_len = at - start;
        while (line_len && text[start + line_len - 1] == '\n')
            line_len--;
        while (line_len && is_separator(text[start])) {
            start++;
            line_len--;
        }
        bool rounds_line = line_len >= strlen(ROUNDS_TAG) &&
                           memcmp(text + start, ROUNDS_TAG, strlen(ROUNDS_TAG)) == 0;
        if (!(rounds_line ? parse_rounds_line(&ps, text + start, line_len, out)
                          : parse_line(&ps, out))) {
            program_release(out);
            return false;
        }
    }
    return true;
}
