/*
 * compare.c — regression flags: judges the summaries (stress/SCHEMA.md,
 * SUMMARY) of a fresh results document against an older one and prints a
 * table of what moved. Used by `gauntlet compare` (cmd_compare.c).
 *
 * Pairing. Each summary entry of the new document (allocator × workload) is
 * compared with the first entry of the old one with the same allocator name
 * and workload. Exception: when each document holds exactly one allocator
 * name, entries are paired by workload alone even if the names differ (the
 * user chose the file on purpose: an upgrade, old library vs new, a wrapper vs
 * what it wraps), and a line says so. Otherwise a new entry with no old entry
 * of its allocator and workload is listed as "no baseline" and not judged;
 * it is never compared with another allocator's figures.
 *
 * Figures. Only figures present in both entries are compared, by their
 * medians. A side's spread is (max - min) / median (0 when the median is 0 or
 * min/max are absent). Each figure has a floor, the least move that counts:
 *   memory  min_change_bytes;
 *   ratio   0.05, or what min_change_bytes is as fragmentation when larger:
 *           fragmentation is net RSS over peak live bytes, so a move smaller
 *           than min_change_bytes / live is a memory change below the memory
 *           floor (on a small run 0.05 is a fifth of a MiB). The live bytes
 *           are estimated as peak RSS / fragmentation (at least the real
 *           ones: a lower floor);
 *   speed   none: "slower" or "faster" beyond the widened tolerance below,
 *           shown, never counted.
 * A memory or ratio median that moved by less than the option's tolerance or
 * the floor is "ok". One that moved beyond both is REGRESSED (or "better")
 * when it moved beyond the widened tolerance too, the larger of the option's
 * and the sum of both spreads (either median may sit anywhere in its side's
 * range), and the sides' values do not interleave: every new value beyond
 * every old one by the option's tolerance. Otherwise the repeats did not pin
 * the figure down (a figure that lands in one of two modes run by run, a
 * side wider than the tolerance) and it is "too noisy" to judge: listed and
 * counted apart, neither a regression nor ok; `gauntlet upgrade` measures
 * such workloads again (compare_counts.flagged).
 *
 * Like with like. A phase's figures are compared only when both sides
 * asked their allocator the same kind of thing just before it (SUMMARY
 * "actions": nothing, a release call, or a release call the allocator does
 * not have, "none"): a library that exports no malloc_trim measured after
 * nothing is not worse than glibc measured after malloc_trim. Such figures
 * are listed as "not comparable" and counted apart.
 *
 * Status. A new entry whose status is "finding" counts as one regression
 * (correctness before memory; its figures are still compared); status
 * "error" is shown and counted apart: a run that did not run is not a
 * finding, but a gate must not pass on it either. A paired old entry whose
 * status is not "ok" and that gave no figure to compare is shown as "not
 * compared".
 *
 * Missing. With list_missing, each old entry that no new entry was paired
 * with is listed as "missing" (an allocator or workload the new document
 * lacks); `gauntlet stress --baseline` turns it off, as its new document
 * holds exactly the runs asked for.
 *
 * Output: the pairing line if any, an aligned table of the flagged rows
 * (REGRESSED, too noisy, not comparable, slower, FINDING, error, not
 * compared, no baseline, missing) or of every row with show_all, then one
 * summary line ("N memory figures regressed (of M compared)", "no memory
 * regression (M figures compared)" or "nothing compared", M counting memory and ratio figures, then
 * too noisy, not comparable, findings, run errors, slower, unpaired and missing counts). The return
 * value is regressed memory and ratio figures plus findings, the counts in compare_counts; -1
 * (nothing printed) for a malformed summary (stress_summary_valid, results.c) or a figure whose
 * kind differs between the documents.
 *
 * Exit status (compare_exit_status, for every caller): 1 when anything
 * regressed or a finding was made; otherwise 2 when a new entry's runs
 * errored or not one memory or ratio figure was compared (nothing was
 * judged: a broken run must not pass a gate); otherwise 0. Missing entries
 * are listed, not counted.
 */
#include "cli.h"
#include "stress.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATIO_FLOOR 0.05 /* fragmentation moves below this are noise, whatever the % */

void compare_options_default(struct compare_options *o)
{
    *o = (struct compare_options){
        .tolerance = 0.10, .min_change_bytes = (size_t)1 << 20, .list_missing = true};
}

struct figure {
    enum figure_kind kind;
    double median, min, max, spread;
};

struct row {
    const char *alloc, *workload, *figure, *verdict; /* strings of the documents */
    char old[24], new[24], change[16], tol[16];
};

/* The rows to print: only flagged ones unless show_all. They are kept so the
 * table is printed aligned, and only once the whole comparison succeeded. */
struct table {
    struct row *rows;
    size_t count, capacity;
    int regressed, findings, errors, slower, compared, no_baseline, missing, noisy, unlike;
    struct compare_counts *counts; /* where the flagged workloads go, or NULL */
};

static const char *field(const json_t *e, const char *key)
{
    return json_string_value(json_object_get(e, key));
}

/* The document's allocator name when it holds exactly one, else NULL. */
static const char *sole_allocator(const json_t *summary)
{
    const char *sole = NULL;
    for (size_t i = 0; i < json_array_size(summary); i++) {
        const char *a = field(json_array_get(summary, i), "allocator");
        if (sole && strcmp(sole, a) != 0) return NULL;
        sole = a;
    }
    return sole;
}

static struct figure read_figure(const json_t *f)
{
    double median = json_number_value(json_object_get(f, "median"));
    struct figure r = {figure_kind(f), median, median, median, 0};
    const json_t *min = json_object_get(f, "min"), *max = json_object_get(f, "max");
    if (min && max) {
        r.min = json_number_value(min);
        r.max = json_number_value(max);
        if (r.median > 0) r.spread = (r.max - r.min) / r.median;
    }
    return r;
}

static void format_value(char *out, size_t len, enum figure_kind kind, double v)
{
    static const char *const rates[] = {"/s", "k/s", "M/s", "G/s"};
    unsigned u = 0;
    if (kind == KIND_RATIO) {
        snprintf(out, len, "%.2f", v);
    } else if (kind == KIND_MEMORY) {
        format_bytes(v, out, len);
    } else {
        for (; fabs(v) >= 1000 && u < 3; u++)
            v /= 1000;
        snprintf(out, len, u ? "%.2f %s" : "%.0f %s", v, rates[u]);
    }
}

static void format_change(char *out, size_t len, double old, double new)
{
    if (old == 0)
        snprintf(out, len, new == 0 ? "+0.0%%" : "from 0");
    else
        snprintf(out, len, "%+.1f%%", (new - old) / old * 100);
}

/* Plain malloc: no allocator under test lives in this process. Running out
 * is a set-up failure, as for harness memory (hmem.c): exit 2. */
static struct row *add_row(struct table *t, const json_t *e, const char *figure,
                           const char *verdict)
{
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? 2 * t->capacity : 64;
        struct row *rows = realloc(t->rows, capacity * sizeof *rows);
        if (rows == NULL) {
            fputs("gauntlet: out of memory for the comparison table\n", stderr);
            exit(2);
        }
        t->rows = rows;
        t->capacity = capacity;
    }
    struct row *r = &t->rows[t->count++];
    *r = (struct row){
        field(e, "allocator"), field(e, "workload"), figure, verdict, "-", "-", "", ""};
    return r;
}

/* base is the option's tolerance, tol that widened by the spreads. A median
 * that moved beyond base (and the floor) is judged: REGRESSED (or better)
 * when it moved beyond tol too and the sides' values do not interleave,
 * every new one beyond every old one by base; otherwise the repeats did not
 * pin the figure down (a figure with two modes, a side wider than the
 * tolerance) and it is "too noisy", neither REGRESSED nor ok. */
static const char *judge(const struct figure *o, const struct figure *n, double tol, double base,
                         double floor)
{
    double diff = n->median - o->median;
    if (n->kind == KIND_SPEED)
        return n->median < o->median / (1 + tol)   ? "slower"
               : n->median > o->median * (1 + tol) ? "faster"
                                                   : "ok";
    if (n->median > o->median * (1 + base) && diff >= floor)
        return n->median > o->median * (1 + tol) && n->min > o->max * (1 + base) ? "REGRESSED"
                                                                                 : "too noisy";
    if (n->median < o->median / (1 + base) && -diff >= floor)
        return n->median < o->median / (1 + tol) && n->max * (1 + base) < o->min ? "better"
                                                                                 : "too noisy";
    return "ok";
}

/* What the entry's runs asked of the allocator before the figure's phase
 * ("rss:released" → the action of "released"): NULL when nothing. */
static const char *action_before(const json_t *e, const char *figure)
{
    const char *phase = strchr(figure, ':');
    return phase ? field(json_object_get(e, "actions"), phase + 1) : NULL;
}

/* Figures are alike when both sides asked their allocator the same kind of
 * thing first: nothing, a release call (each allocator's own), or a
 * release call it does not have ("none"). Repeats that differed ("mixed")
 * are alike with nothing, not even another "mixed". */
static bool same_action(const char *old, const char *new)
{
    if (old == NULL || new == NULL) return old == new;
    if (strcmp(old, "mixed") == 0 || strcmp(new, "mixed") == 0) return false;
    return (strcmp(old, "none") == 0) == (strcmp(new, "none") == 0);
}

/* Remembers a workload to measure again, once. */
static void flag_workload(struct table *t, const char *workload)
{
    struct compare_counts *c = t->counts;
    if (c == NULL) return;
    for (unsigned i = 0; i < c->flagged_count; i++)
        if (strcmp(c->flagged[i], workload) == 0) return;
    if (c->flagged_count < COMPARE_MAX_FLAGGED) c->flagged[c->flagged_count++] = workload;
}

/* The least fragmentation move flagged in the new entry e (see the header). */
static double ratio_floor(const json_t *e, double fragmentation, const struct compare_options *opt)
{
    double peak_rss;
    if (fragmentation <= 0 || !figure_median(e, "peak_rss", &peak_rss) || peak_rss <= 0)
        return RATIO_FLOOR;
    return fmax(RATIO_FLOOR, (double)opt->min_change_bytes * fragmentation / peak_rss);
}

static void compare_figure(struct table *t, const json_t *base, const json_t *e, const char *name,
                           const json_t *of, const json_t *nf, const struct compare_options *opt)
{
    struct figure o = read_figure(of), n = read_figure(nf);
    const char *old_action = action_before(base, name), *new_action = action_before(e, name);
    if (!same_action(old_action, new_action)) {
        t->unlike++;
        struct row *r = add_row(t, e, name, "not comparable");
        snprintf(r->old, sizeof r->old, "%.20s", old_action ? old_action : "nothing");
        snprintf(r->new, sizeof r->new, "%.20s", new_action ? new_action : "nothing");
        return;
    }
    double tol = fmax(opt->tolerance, o.spread + n.spread);
    double floor = n.kind == KIND_MEMORY  ? (double)opt->min_change_bytes
                   : n.kind == KIND_RATIO ? ratio_floor(e, n.median, opt)
                                          : 0;
    const char *verdict = judge(&o, &n, tol, opt->tolerance, floor);
    bool regressed = strcmp(verdict, "REGRESSED") == 0, slower = strcmp(verdict, "slower") == 0;
    bool noisy = strcmp(verdict, "too noisy") == 0;
    t->regressed += regressed;
    t->noisy += noisy;
    t->slower += slower;
    t->compared += n.kind != KIND_SPEED;
    /* Only what may be a regression is worth measuring again. */
    if (regressed || (noisy && n.median > o.median)) flag_workload(t, field(e, "workload"));
    bool headline = opt->show_headlines && strchr(name, ':') == NULL;
    if (!regressed && !noisy && !slower && !opt->show_all && !headline) return;
    struct row *r = add_row(t, e, name, verdict);
    format_value(r->old, sizeof r->old, o.kind, o.median);
    format_value(r->new, sizeof r->new, n.kind, n.median);
    format_change(r->change, sizeof r->change, o.median, n.median);
    snprintf(r->tol, sizeof r->tol, "%.1f%%", tol * 100);
}

/* Compares the figures both entries have, in the new entry's order. */
static bool compare_entries(struct table *t, const json_t *base, const json_t *e,
                            const struct compare_options *opt, char *err, size_t len)
{
    const json_t *old_figures = json_object_get(base, "figures");
    const char *name;
    const json_t *nf;
    json_object_foreach((json_t *)json_object_get(e, "figures"), name, nf)
    {
        const json_t *of = json_object_get(old_figures, name);
        if (of == NULL) continue;
        if (figure_kind(of) != figure_kind(nf)) {
            snprintf(err, len,
                     "figure %s of %s × %s has kind %s in the old document, %s in the new", name,
                     field(e, "allocator"), field(e, "workload"), field(of, "kind"),
                     field(nf, "kind"));
            return false;
        }
        compare_figure(t, base, e, name, of, nf, opt);
    }
    return true;
}

/* The rows of one new entry: its status, then its figures or "no baseline". */
static bool compare_entry(struct table *t, const json_t *old_summary, const char *sole,
                          const json_t *e, const struct compare_options *opt, char *err, size_t len)
{
    const char *status = field(e, "status");
    const json_t *base =
        summary_entry(old_summary, sole ? sole : field(e, "allocator"), field(e, "workload"));
    bool finding = status && strcmp(status, "finding") == 0;
    bool error = status && strcmp(status, "error") == 0;
    t->findings += finding;
    t->errors += error;
    if (finding || error) {
        struct row *r = add_row(t, e, "status", finding ? "FINDING" : "error");
        snprintf(r->old, sizeof r->old, "%s",
                 base && field(base, "status") ? field(base, "status") : "-");
        snprintf(r->new, sizeof r->new, "%s", status);
    }
    if (base) {
        int compared = t->compared;
        if (!compare_entries(t, base, e, opt, err, len)) return false;
        const char *old_status = field(base, "status");
        if (t->compared == compared && !finding && !error && old_status &&
            strcmp(old_status, "ok") != 0) { /* the old side has no figures to judge by */
            struct row *r = add_row(t, e, "status", "not compared");
            snprintf(r->old, sizeof r->old, "%s", old_status);
            snprintf(r->new, sizeof r->new, "%s", status ? status : "ok");
        }
        return true;
    }
    t->no_baseline++;
    add_row(t, e, "-", "no baseline");
    return true;
}

static void print_cells(FILE *out, const int w[8], const char *const c[8])
{
    fprintf(out, "%-*s  %-*s  %-*s  %*s  %*s  %*s  %*s  %s\n", w[0], c[0], w[1], c[1], w[2], c[2],
            w[3], c[3], w[4], c[4], w[5], c[5], w[6], c[6], c[7]);
}

static void row_cells(const struct row *r, const char *c[8])
{
    const char *const cells[8] = {r->alloc, r->workload, r->figure, r->old,
                                  r->new,   r->change,   r->tol,    r->verdict};
    memcpy(c, cells, sizeof cells);
}

/* Text columns left-aligned, figures right-aligned, each as wide as its widest cell. */
static void print_table(const struct table *t, FILE *out)
{
    static const char *const head[8] = {"allocator", "workload", "figure",    "old",
                                        "new",       "change",   "tolerance", "verdict"};
    const char *c[8];
    int w[8];
    for (int k = 0; k < 8; k++)
        w[k] = (int)strlen(head[k]);
    for (size_t i = 0; i < t->count; i++) {
        row_cells(&t->rows[i], c);
        for (int k = 0; k < 8; k++)
            if ((int)strlen(c[k]) > w[k]) w[k] = (int)strlen(c[k]);
    }
    print_cells(out, w, head);
    for (size_t i = 0; i < t->count; i++) {
        row_cells(&t->rows[i], c);
        print_cells(out, w, c);
    }
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

static void print_summary(const struct table *t, FILE *out)
{
    if (t->regressed)
        fprintf(out, "%d memory figure%s regressed (of %d compared)", t->regressed,
                plural(t->regressed), t->compared);
    else if (t->compared)
        fprintf(out, "no memory regression (%d figure%s compared)", t->compared,
                plural(t->compared));
    else
        fputs("nothing compared (no memory figure in both documents)", out);
    if (t->noisy) fprintf(out, "; %d too noisy to judge (the repeats interleave)", t->noisy);
    if (t->unlike)
        fprintf(out, "; %d not comparable (the sides asked their allocator different things)",
                t->unlike);
    if (t->findings)
        fprintf(out, "; %d finding%s (counted as regression%s)", t->findings, plural(t->findings),
                plural(t->findings));
    if (t->errors) fprintf(out, "; %d run error%s (not judged)", t->errors, plural(t->errors));
    if (t->slower)
        fprintf(out, "; %d speed figure%s slower (not counted)", t->slower, plural(t->slower));
    if (t->no_baseline) fprintf(out, "; %d without a baseline", t->no_baseline);
    if (t->missing) fprintf(out, "; %d missing from the new document", t->missing);
    fputc('\n', out);
}

/* Old entries no new entry was paired with (by name and workload, or by
 * workload alone when both documents hold one allocator). */
static void list_missing(struct table *t, const json_t *old_summary, const json_t *new_summary,
                         const char *sole)
{
    for (size_t i = 0; i < json_array_size(old_summary); i++) {
        const json_t *e = json_array_get(old_summary, i);
        bool paired = false;
        for (size_t k = 0; k < json_array_size(new_summary) && !paired; k++) {
            const json_t *n = json_array_get(new_summary, k);
            paired = strcmp(field(n, "workload"), field(e, "workload")) == 0 &&
                     (sole || strcmp(field(n, "allocator"), field(e, "allocator")) == 0);
        }
        if (paired || summary_entry(old_summary, field(e, "allocator"), field(e, "workload")) != e)
            continue; /* paired, or a duplicate of an earlier entry */
        t->missing++;
        struct row *r = add_row(t, e, "-", "missing");
        snprintf(r->old, sizeof r->old, "%s", field(e, "status") ? field(e, "status") : "present");
    }
}

int compare_exit_status(const struct compare_counts *c, const char **why)
{
    *why = NULL;
    if (c->regressed + c->findings > 0) return EXIT_FINDING;
    if (c->errors > 0)
        *why = "a run failed to run (error): nothing judged for it, so no verdict";
    else if (c->compared == 0)
        *why = "nothing compared: no memory figure of the new document has one in the old";
    return *why ? EXIT_USAGE : 0;
}

int stress_compare(const json_t *old, const json_t *fresh, const struct compare_options *o,
                   FILE *out, struct compare_counts *counts, char *err, size_t err_len)
{
    if (!stress_summary_valid("old", old, err, err_len) ||
        !stress_summary_valid("new", fresh, err, err_len) ||
        !stress_settings_comparable(old, fresh, err, err_len))
        return -1;
    const json_t *old_summary = json_object_get(old, "summary");
    const json_t *new_summary = json_object_get(fresh, "summary");
    const char *sole_old = sole_allocator(old_summary), *sole_new = sole_allocator(new_summary);
    const char *sole = sole_old && sole_new ? sole_old : NULL;
    struct table t = {.counts = counts};
    if (counts) counts->flagged_count = 0;
    for (size_t i = 0; i < json_array_size(new_summary); i++) {
        if (!compare_entry(&t, old_summary, sole, json_array_get(new_summary, i), o, err,
                           err_len)) {
            free(t.rows);
            return -1;
        }
    }
    if (o->list_missing) list_missing(&t, old_summary, new_summary, sole);
    if (out && sole && strcmp(sole_old, sole_new) != 0)
        fprintf(out, "comparing %s against the baseline of %s\n", sole_new, sole_old);
    if (out && t.count) print_table(&t, out);
    if (out) print_summary(&t, out);
    free(t.rows);
    if (counts) {
        counts->regressed = t.regressed;
        counts->findings = t.findings;
        counts->errors = t.errors;
        counts->compared = t.compared;
        counts->missing = t.missing;
        counts->noisy = t.noisy;
        counts->unlike = t.unlike;
    }
    return t.regressed + t.findings;
}

/* "10" and "10%" both mean 10%: a tolerance is always given in percent. */
static bool parse_percent(const char *text, double *fraction)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno != 0) return false;
    if (*end == '%') end++;
    if (*end != '\0' || !isfinite(v) || v < 0) return false;
    *fraction = v / 100;
    return true;
}

bool parse_compare_option(const char *command, int argc, char **argv, int *i,
                          struct compare_options *o)
{
    const char *arg = argv[*i], *value = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (value == NULL) return false;
    if (strcmp(arg, "--tolerance") == 0) {
        if (!parse_percent(value, &o->tolerance))
            usage_error(command, "--tolerance takes a percentage (10 or 10%%), not '%s'", value);
    } else if (strcmp(arg, "--min-change") == 0) {
        if (!parse_size_arg(value, &o->min_change_bytes))
            usage_error(command, "--min-change takes a size (1MiB, 65536), not '%s'", value);
    } else {
        return false;
    }
    (*i)++;
    return true;
}
