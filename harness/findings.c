/*
 * findings.c — what tells two findings apart: a violation's signature
 * (gauntlet.h says how it reads), the known ones a run passes over
 * (--known), and the versions a regression says have its bug (# affects:). The bands are coarse on
 * purpose: one bug in one size range is one finding, while the same invariant broken by small and
 * by huge requests, or only across threads, are two.
 */
#include "internal.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

enum size_band { BAND_ZERO, BAND_SMALL, BAND_MEDIUM, BAND_LARGE, BAND_HUGE, BAND_IMPOSSIBLE };
static const char *const band_names[] = {"zero", "small", "medium", "large", "huge", "impossible"};

static enum size_band band_of(size_t bytes, bool impossible)
{
    if (impossible) return BAND_IMPOSSIBLE;
    if (bytes == 0) return BAND_ZERO;
    if (bytes <= 1024) return BAND_SMALL;
    if (bytes <= 64 * 1024) return BAND_MEDIUM;
    if (bytes <= 4 * 1024 * 1024) return BAND_LARGE;
    return BAND_HUGE;
}

/* rules.h's failure names, as a signature spells them: F_USABLE_SHORT is
 * `usable-short`. */
static const char *const failure_names[] = {
#define FAILURE_NAME(f, excuse, harms, note) #f,
    GAUNTLET_FAILURES(FAILURE_NAME)
#undef FAILURE_NAME
};

struct finding_key finding_key_of(const struct op *op, const struct shadow_block *block,
                                  unsigned thread, const struct breach *b)
{
    struct finding_key key = {
        .invariant = (uint8_t)b->invariant, .failure = (uint8_t)b->failure, .kind = op->kind};
    enum op_kind kind = (enum op_kind)op->kind;
    size_t bytes = 0;
    bool impossible = false;
    /* Damage found in a block says nothing of the call that found it: the
     * block's size is the site (the operation is written `-`). */
    if (b->invariant == INV_CONTENTS && block) {
        key.kind = OP_KIND_COUNT;
        bytes = block->requested;
    } else if (op_allocates(kind) || op_resizes(kind))
        impossible =
            rule_request_is_impossible(op_uses_count(kind) ? op->count : 1, op->size, &bytes);
    else if (block)
        bytes = block->requested;
    key.band = (uint8_t)band_of(bytes, impossible);
    key.cross = block && block->thread != thread;
    return key;
}

void finding_signature(const struct finding_key *key, char *out, size_t len)
{
    char failure[40];
    const char *from = failure_names[key->failure] + 2; /* past "F_" */
    size_t i = 0;
    for (; from[i] && i + 1 < sizeof failure; i++)
        failure[i] = from[i] == '_' ? '-' : (char)(from[i] - 'A' + 'a');
    failure[i] = '\0';
    snprintf(out, len, "%s/%s/%s/%s%s", invariant_name((enum invariant)key->invariant), failure,
             key->kind == OP_KIND_COUNT ? "-" : op_kind_name((enum op_kind)key->kind),
             band_names[key->band], key->cross ? "/cross" : "");
}

/* ---- known findings ---- */

static bool add_pattern(struct known_findings *k, const char *start, size_t n, char *error,
                        size_t error_len)
{
    if (k->count == KNOWN_FINDINGS_MAX) {
        snprintf(error, error_len, "more than %d known signatures", KNOWN_FINDINGS_MAX);
        return false;
    }
    if (n >= FINDING_SIGNATURE_MAX) {
        snprintf(error, error_len, "a signature longer than %d characters: %.*s",
                 FINDING_SIGNATURE_MAX - 1, (int)n, start);
        return false;
    }
    memcpy(k->patterns[k->count], start, n);
    k->patterns[k->count++][n] = '\0';
    return true;
}

/* The first word at or after `from` on the line ending at `eol`. */
static const char *word_at(const char *from, const char *eol, size_t *n)
{
    while (from < eol && (*from == ' ' || *from == '\t'))
        from++;
    *n = 0;
    while (from + *n < eol && !strchr(" \t\r", from[*n]))
        (*n)++;
    return from;
}

bool known_findings_parse(const char *text, size_t len, struct known_findings *k, char *error,
                          size_t error_len)
{
    static const char tag[] = "signature: ";
    const char *end = text + len;
    /* A saved report: only its signature lines count. */
    bool report = memmem(text, len, tag, sizeof tag - 1) != NULL;
    for (const char *line = text, *eol; line < end; line = eol + 1) {
        eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL) eol = end;
        const char *at = memmem(line, (size_t)(eol - line), tag, sizeof tag - 1);
        size_t n, rest;
        const char *word = word_at(at ? at + sizeof tag - 1 : line, eol, &n);
        if (at) {
            if (n && !add_pattern(k, word, n, error, error_len)) return false;
            continue;
        }
        if (report || n == 0 || *word == '#') continue;
        word_at(word + n, eol, &rest);
        if (rest != 0 || memchr(word, '/', n) == NULL) {
            snprintf(error, error_len,
                     "not a signature (INVARIANT/FAILURE/OPERATION/BAND, or a pattern of "
                     "them): %.*s",
                     (int)((eol - line) > 80 ? 80 : (eol - line)), line);
            return false;
        }
        if (!add_pattern(k, word, n, error, error_len)) return false;
    }
    return true;
}

bool affects_line_parse(const char *line, char *named, size_t named_len)
{
    if (strncmp(line, AFFECTS_TAG, strlen(AFFECTS_TAG)) != 0 || named_len == 0) return false;
    const char *from = line + strlen(AFFECTS_TAG);
    while (*from == ' ' || *from == '\t')
        from++;
    size_t n = strcspn(from, "\r\n");
    while (n > 0 && (from[n - 1] == ' ' || from[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= named_len) return false;
    memcpy(named, from, n);
    named[n] = '\0';
    return true;
}

bool version_names(const char *version, const char *named)
{
    size_t n = strlen(named);
    for (const char *at = version; (at = strstr(at, named)) != NULL; at++) {
        char next = at[n];
        if (!(next >= '0' && next <= '9') && next != '.') return true;
    }
    return false;
}

bool program_file_affects(const char *path, const char *version)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    char line[512], named[256];
    bool affects = false;
    while (!affects && fgets(line, sizeof line, f))
        affects = affects_line_parse(line, named, sizeof named) && version_names(version, named);
    fclose(f);
    return affects;
}

bool known_findings_match(const struct known_findings *k, const char *signature)
{
    for (unsigned i = 0; i < k->count; i++)
        if (fnmatch(k->patterns[i], signature, 0) == 0) return true;
    return false;
}
