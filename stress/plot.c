/*
 * plot.c — the pictures of a results document (stress/SCHEMA.md), as files:
 * what each chart shows is plot_charts.c's. It writes the data files (.dat) and one
 * gnuplot script (plot.gp) into the directory, so a person can re-run or
 * tweak them (`gnuplot plot.gp` there), then runs gnuplot in it. Every file
 * appears atomically: written as NAME.tmp, then renamed.
 */
#include "plot.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void plot_add_unique(json_t *list, json_t *name)
{
    if (!json_is_string(name)) return;
    for (size_t i = 0; i < json_array_size(list); i++)
        if (json_equal(json_array_get(list, i), name)) return;
    json_array_append(list, name);
}

/* File names come from document strings: keep them to a harmless alphabet. */
void plot_safe_name(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; *in && n + 1 < len; in++)
        out[n++] = isalnum((unsigned char)*in) || strchr("._-", *in) ? *in : '_';
    out[n] = '\0';
}

/* A gnuplot single-quoted string (no backslash escapes there, a quote is
 * doubled), so "so:/a/lib_x.so" or any name reads back as is; control
 * characters become spaces, a name too long for `out` is cut. */
const char *plot_quoted(const char *s, char *out, size_t len)
{
    size_t n = 0;
    out[n++] = '\'';
    for (; *s && n + 4 < len; s++) {
        if (*s == '\'') out[n++] = '\'';
        out[n++] = (unsigned char)*s < 0x20 ? ' ' : *s;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return out;
}

FILE *plot_open_tmp(struct plot *p, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tmp", p->dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) snprintf(p->err, p->err_len, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

/* Closes NAME.tmp and renames it to NAME, or removes it (keep false, or a
 * write error: err set). */
bool plot_close_tmp(struct plot *p, FILE *f, const char *name, bool keep)
{
    char path[4096], tmp[4100];
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    bool ok = f == NULL || !ferror(f);
    if (f != NULL && fclose(f) != 0) ok = false;
    ok = ok && keep;
    if (ok && rename(tmp, path) == 0) return true;
    if (keep) snprintf(p->err, p->err_len, "%s: cannot write: %s", path, strerror(errno));
    unlink(tmp);
    return false;
}

/* Each picture goes to PNG, then the same plot again to SVG (replot). The
 * script adds `suffix` to output names: empty by hand, ".tmp" from here. */
void plot_begin_picture(struct plot *p, const char *name, const char *title)
{
    char q[400];
    fprintf(p->gp,
            "\nreset\nset terminal pngcairo noenhanced size 1200,700 font 'sans,11'\n"
            "set output '%s.png'.suffix\nset grid\nset key below reverse Left\n"
            "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\nset title %s\n",
            name, plot_quoted(title, q, sizeof q));
    json_array_append_new(p->outputs, json_string(name));
}

void plot_end_picture(struct plot *p, const char *name)
{
    fprintf(p->gp,
            "\nset terminal svg noenhanced size 1200,700 font 'sans,11' background 'white'\n"
            "set output '%s.svg'.suffix\nreplot\nunset output\n",
            name);
}

/* The last non-empty line gnuplot wrote to stderr: its error, since it stops at the first. */
static void last_line(const char *text, char *last, size_t len)
{
    for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
        size_t n = strcspn(line, "\n");
        if (n > 0) snprintf(last, len, "%.*s", (int)n, line);
    }
}

/* gnuplot plot.gp, in the directory so the script's names are relative;
 * posix_spawn reports a missing gnuplot itself (glibc runs the exec in a
 * vfork-like child and passes its errno back). */
static bool run_gnuplot(struct plot *p)
{
    const char *argv[] = {"gnuplot", "-e", "suffix='.tmp'", "plot.gp", NULL};
    char err[4096], last[256] = "no message";
    struct process gnuplot = {
        .argv = argv, .quiet = true, .err = err, .err_size = sizeof err, .directory = p->dir};
    int status = process_run(&gnuplot, 0);
    process_honour_stop(&gnuplot);
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    if (status == -1 && errno == ENOENT) {
        snprintf(p->err, p->err_len, "gnuplot not found (make installs gnuplot-nox)");
    } else if (status == -1) {
        snprintf(p->err, p->err_len, "cannot run gnuplot in %s: %s", p->dir, strerror(errno));
    } else {
        last_line(err, last, sizeof last);
        snprintf(p->err, p->err_len, "gnuplot failed on %s/plot.gp (%s %d): %s", p->dir,
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), last);
    }
    return false;
}

bool stress_plot(const json_t *doc, const char *dir, char *err, size_t err_len)
{
    /* What compare refuses is not drawn either (a negative figure would fall below the axes). */
    if (!stress_summary_valid("the", doc, err, err_len)) return false;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot make the directory: %s", dir, strerror(errno));
        return false;
    }
    struct plot p = {doc, dir, json_array(), json_array(), json_array(), NULL, err, err_len};
    json_t *lists[] = {json_object_get(doc, "runs"), json_object_get(doc, "summary")};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            plot_add_unique(p.allocators,
                            json_object_get(json_array_get(lists[l], i), "allocator"));
            plot_add_unique(p.workloads, json_object_get(json_array_get(lists[l], i), "workload"));
        }
    bool ok = (p.gp = plot_open_tmp(&p, "plot.gp")) != NULL;
    if (ok)
        fputs("# Made by gauntlet stress: run `gnuplot plot.gp` in this directory.\n"
              "if (!exists('suffix')) suffix = ''\n",
              p.gp);
    for (size_t i = 0; i < json_array_size(p.workloads) && ok; i++)
        ok = plot_rss_over_time(&p, json_string_value(json_array_get(p.workloads, i))) &&
             plot_rss_by_phase(&p, json_string_value(json_array_get(p.workloads, i)));
    ok = ok && plot_bars(&p, "peak-rss", "peak_rss", MIB, "Peak RSS (MiB, median of repeats)",
                         "peak RSS (MiB)");
    ok = ok &&
         plot_bars(&p, "fragmentation", "fragmentation", 1.0, "Fragmentation (median of repeats)",
                   "(peak RSS - harness RSS) / peak live bytes");
    if (ok && json_array_size(p.outputs) == 0)
        snprintf(err, err_len,
                 "nothing to plot: no run with status ok and a series, and no "
                 "summary with a peak_rss or fragmentation median");
    ok = plot_close_tmp(&p, p.gp, "plot.gp", ok && json_array_size(p.outputs) > 0);
    /* gnuplot drew NAME.{png,svg}.tmp: rename them into place, or drop them. */
    bool drew = ok && run_gnuplot(&p);
    for (size_t i = 0; i < json_array_size(p.outputs); i++)
        for (int e = 0; e < 2; e++) {
            char name[300];
            snprintf(name, sizeof name, "%s.%s", json_string_value(json_array_get(p.outputs, i)),
                     e ? "svg" : "png");
            drew = plot_close_tmp(&p, NULL, name, drew);
        }
    json_decref(p.allocators);
    json_decref(p.workloads);
    json_decref(p.outputs);
    return drew;
}
