/*
 * run_record.c — reading the run record (gauntlet.h) a process running a
 * program writes for its parent, and the signature of the finding it names.
 * report.c writes the record; this is its one reader, shared by the CLI's
 * child runs and the fuzz target's young-process runs, so that a finding is
 * signed alike wherever it is judged.
 */
#include "gauntlet.h"

#include <stdio.h>
#include <string.h>

/* The first record line written by `writer` (past its tag and pid) or, with
 * `other`, by any other process (the allocator forked one that went on). */
static const char *line_of(const char *records, long writer, bool other)
{
    for (const char *line = records; (line = strstr(line, RUN_RECORD_TAG)) != NULL;) {
        line += strlen(RUN_RECORD_TAG);
        long pid;
        if (sscanf(line, "%ld", &pid) == 1 && (pid == writer) != other)
            return line + strcspn(line, " ");
    }
    return NULL;
}

bool run_record_by_other(const char *records, long writer)
{
    return line_of(records, writer, true) != NULL;
}

/* A crash recorded as "N:SITE" signs by its site, a bare "N" by the
 * operation's kind; any other end by the kind. */
void run_record_end_signature(const char *what, const char *detail, const char *kind, char *out,
                              size_t len)
{
    if (strcmp(what, "crash") != 0) {
        snprintf(out, len, "%s/-/%s", what, kind);
        return;
    }
    const char *site = strchr(detail, ':');
    snprintf(out, len, "crash/signal-%.*s/%s",
             (int)(site ? site - detail : (ptrdiff_t)strlen(detail)), detail,
             site ? site + 1 : kind);
}

bool run_record_read(const char *records, long writer, struct run_record *r)
{
    memset(r, 0, sizeof *r);
    r->index = -1;
    snprintf(r->kind, sizeof r->kind, "?");
    const char *line = line_of(records, writer, false);
    if (line == NULL) return false;
    char what[32] = "", detail[FINDING_SIGNATURE_MAX] = "", kind[32] = "";
    long long index = -1;
    int used = 0;
    int fields = sscanf(line, " %31s %95s %lld %31s %n", what, detail, &index, kind, &used);
    if (fields < 2) return false;
    if (fields >= 3) r->index = index;
    if (fields >= 4) {
        snprintf(r->kind, sizeof r->kind, "%s", kind);
        snprintf(r->operation, sizeof r->operation, "%.*s", (int)strcspn(line + used, "\n"),
                 line + used);
    }
    if (strcmp(what, "pass") == 0) return true;
    r->failed = true;
    if (strcmp(what, "violation") == 0) {
        snprintf(r->signature, sizeof r->signature, "%s", detail);
        snprintf(r->invariant, sizeof r->invariant, "%.*s", (int)strcspn(detail, "/"), detail);
    } else if (strcmp(what, "crash") == 0 || strcmp(what, "exit") == 0) {
        snprintf(r->invariant, sizeof r->invariant, "%s", what);
        run_record_end_signature(what, detail, r->kind, r->signature, sizeof r->signature);
    } else {
        return false; /* forked: its parent judges the run by the leader's record */
    }
    return true;
}
