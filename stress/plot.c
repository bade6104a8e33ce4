/*
 * plot.c — the pictures of a results document (stress/SCHEMA.md): RSS over
 * time per workload (one line per allocator), and peak RSS and fragmentation
 * as bars per workload × allocator. It writes the data files (.dat) and one
 * gnuplot script (plot.gp) into the directory, so a person can re-run or
 * tweak them (`gnuplot plot.gp` there), then runs gnuplot in it. Every file
 * appears atomically: written as NAME.tmp, then renamed.
 */
#include "stress.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB 1048576.0

struct plot {
    const json_t *doc;
    const char *dir;
    json_t *allocators; /* names, in order of first appearance */
    json_t *workloads;
    json_t *outputs; /* picture names without extension, for the final renames */
    FILE *gp;        /* plot.gp.tmp */
    char *err;
    size_t err_len;
};

static void add_unique(json_t *list, json_t *name)
{
    if (!json_is_string(name)) return;
    for (size_t i = 0; i < json_array_size(list); i++)
        if (json_equal(json_array_get(list, i), name)) return;
    json_array_append(list, name);
}

/* File names come from document strings: keep them to a harmless alphabet. */
static void safe_name(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; *in && n + 1 < len; in++)
        out[n++] = isalnum((unsigned char)*in) || strchr("._-", *in) ? *in : '_';
    out[n] = '\0';
}

/* A gnuplot single-quoted string (no backslash escapes there, a quote is
 * doubled), so "so:/a/lib_x.so" or any name reads back as is; control
 * characters become spaces, a name too long for `out` is cut. */
static const char *quoted(const char *s, char *out, size_t len)
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

static FILE *open_tmp(struct plot *p, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tmp", p->dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) snprintf(p->err, p->err_len, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

/* Closes NAME.tmp and renames it to NAME, or removes it (keep false, or a
 * write error: err set). */
static bool close_tmp(struct plot *p, FILE *f, const char *name, bool keep)
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
static void begin_picture(struct plot *p, const char *name, const char *title)
{
    char q[400];
    fprintf(p->gp,
            "\nreset\nset terminal pngcairo noenhanced size 1200,700 font 'sans,11'\n"
            "set output '%s.png'.suffix\nset grid\nset key below\n"
            "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\nset title %s\n",
            name, quoted(title, q, sizeof q));
    json_array_append_new(p->outputs, json_string(name));
}

static void end_picture(struct plot *p, const char *name)
{
    fprintf(p->gp,
            "\nset terminal svg noenhanced size 1200,700 font 'sans,11' background 'white'\n"
            "set output '%s.svg'.suffix\nreplot\nunset output\n",
            name);
}

static const json_t *first_ok_run(const json_t *doc, const char *alloc, const char *workload)
{
    json_t *runs = json_object_get(doc, "runs");
    for (size_t i = 0; i < json_array_size(runs); i++) {
        json_t *run = json_array_get(runs, i), *series = json_object_get(run, "series");
        const char *a = json_string_value(json_object_get(run, "allocator"));
        const char *w = json_string_value(json_object_get(run, "workload"));
        const char *st = json_string_value(json_object_get(run, "status"));
        if (a && w && st && !strcmp(a, alloc) && !strcmp(w, workload) && !strcmp(st, "ok") &&
            json_array_size(json_object_get(series, "seconds")) > 0 &&
            json_array_size(json_object_get(series, "rss")) > 0)
            return run;
    }
    return NULL;
}

/* One data set (gnuplot index) of the .dat: seconds, RSS MiB, live MiB. */
static void write_series(FILE *f, const char *alloc, const json_t *series)
{
    json_t *t = json_object_get(series, "seconds"), *rss = json_object_get(series, "rss");
    json_t *live = json_object_get(series, "live_bytes");
    char q[400];
    fprintf(f, "# allocator %s\n# seconds rss_mib live_mib\n", quoted(alloc, q, sizeof q));
    for (size_t i = 0; i < json_array_size(t) && i < json_array_size(rss); i++) {
        json_t *x = json_array_get(t, i), *y = json_array_get(rss, i), *l = json_array_get(live, i);
        if (!json_is_number(x) || !json_is_number(y)) continue;
        fprintf(f, "%.6f %.4f ", json_number_value(x), json_number_value(y) / MIB);
        json_is_number(l) ? fprintf(f, "%.4f\n", json_number_value(l) / MIB) : fputs("NaN\n", f);
    }
    fputs("\n\n", f); /* two blank lines end a gnuplot data set */
}

/* Phase ends of the reference run: a dotted line and the phase's name. */
static void write_phase_marks(FILE *gp, const json_t *run)
{
    json_t *phases = json_object_get(run, "phases");
    for (size_t i = 0; i < json_array_size(phases); i++) {
        json_t *end = json_object_get(json_array_get(phases, i), "end_seconds");
        const char *name = json_string_value(json_object_get(json_array_get(phases, i), "name"));
        if (!json_is_number(end) || name == NULL) continue;
        double x = json_number_value(end);
        char q[100];
        fprintf(gp,
                "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead dt 3 lc rgb 'gray60'\n"
                "set label %s at %.6f, graph 0.98 rotate by 90 right font ',8' tc rgb 'gray40'\n",
                x, x, quoted(name, q, sizeof q), x);
    }
}

/* rss-<workload>: a line per allocator from its first ok run, nothing when
 * none has one. False only on a write error (err set). */
static bool write_rss(struct plot *p, const char *workload)
{
    char safe[180], pic[190], dat[200], title[300], q[400];
    safe_name(workload, safe, sizeof safe);
    snprintf(pic, sizeof pic, "rss-%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", pic);
    const json_t *first = NULL; /* the first allocator's run: live bytes, phases */
    for (size_t i = 0; i < json_array_size(p->allocators) && first == NULL; i++)
        first = first_ok_run(p->doc, json_string_value(json_array_get(p->allocators, i)), workload);
    FILE *f = first ? open_tmp(p, dat) : NULL;
    if (f == NULL) return first == NULL;
    fprintf(f, "# RSS over time of workload %s: a data set (gnuplot index) per allocator\n",
            quoted(workload, q, sizeof q));
    snprintf(title, sizeof title, "%s: RSS over time (MiB)", workload);
    begin_picture(p, pic, title);
    fputs("set xlabel 'time (s)'\nset ylabel 'RSS (MiB)'\n", p->gp);
    write_phase_marks(p->gp, first);
    fputs("plot ", p->gp);
    unsigned index = 0;
    for (size_t i = 0; i < json_array_size(p->allocators); i++) {
        const char *alloc = json_string_value(json_array_get(p->allocators, i));
        const json_t *run = first_ok_run(p->doc, alloc, workload);
        if (run == NULL) continue;
        write_series(f, alloc, json_object_get(run, "series"));
        fprintf(p->gp, "%s'%s' index %u using 1:2 with lines lw 2 title %s",
                index ? ", \\\n  " : "", dat, index, quoted(alloc, q, sizeof q));
        index++;
    }
    /* The workload is the same for every allocator: one live-bytes line. */
    if (json_array_size(json_object_get(json_object_get(first, "series"), "live_bytes")) > 0)
        fprintf(p->gp, ", \\\n  '%s' index 0 using 1:3 with lines dt 2 lw 2 lc rgb 'gray50' %s",
                dat, "title 'live bytes (requested)'");
    end_picture(p, pic);
    return close_tmp(p, f, dat, true);
}

static bool figure_median(const json_t *doc, json_t *alloc, json_t *workload, const char *figure,
                          double *out)
{
    json_t *summary = json_object_get(doc, "summary");
    for (size_t i = 0; i < json_array_size(summary); i++) {
        json_t *s = json_array_get(summary, i);
        json_t *m =
            json_object_get(json_object_get(json_object_get(s, "figures"), figure), "median");
        if (json_equal(json_object_get(s, "allocator"), alloc) &&
            json_equal(json_object_get(s, "workload"), workload) && json_is_number(m)) {
            *out = json_number_value(m);
            return true;
        }
    }
    return false;
}

/* NAME.dat: a row per workload, a column per allocator, of the figure's
 * medians / unit, drawn as clustered bars. */
static void write_table(FILE *f, const struct plot *p, json_t *cols, json_t *rows,
                        const char *figure, double unit)
{
    char q[400];
    fprintf(f, "# median of summary figure %s / %.0f; a row per workload; columns:\n# workload",
            figure, unit);
    for (size_t i = 0; i < json_array_size(cols); i++)
        fprintf(f, " %s", quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
    for (size_t j = 0; j < json_array_size(rows); j++) {
        safe_name(json_string_value(json_array_get(rows, j)), q, sizeof q);
        fprintf(f, "\n%s", q);
        for (size_t i = 0; i < json_array_size(cols); i++) {
            double v;
            bool have =
                figure_median(p->doc, json_array_get(cols, i), json_array_get(rows, j), figure, &v);
            have ? fprintf(f, " %.6g", v / unit) : fputs(" NaN", f);
        }
    }
    fputs("\n", f);
}

/* Only allocators and workloads with at least one value take part; no
 * picture when none has. False only on a write error (err set). */
static bool write_bars(struct plot *p, const char *name, const char *figure, double unit,
                       const char *title, const char *ylabel)
{
    json_t *cols = json_array(), *rows = json_array();
    double v;
    for (size_t i = 0; i < json_array_size(p->allocators); i++)
        for (size_t j = 0; j < json_array_size(p->workloads); j++)
            if (figure_median(p->doc, json_array_get(p->allocators, i),
                              json_array_get(p->workloads, j), figure, &v))
                add_unique(cols, json_array_get(p->allocators, i)),
                    add_unique(rows, json_array_get(p->workloads, j));
    char dat[100], q[400];
    snprintf(dat, sizeof dat, "%s.dat", name);
    FILE *f = json_array_size(cols) > 0 ? open_tmp(p, dat) : NULL;
    bool ok = json_array_size(cols) == 0;
    if (f != NULL) {
        write_table(f, p, cols, rows, figure, unit);
        begin_picture(p, name, title);
        fprintf(p->gp,
                "set ylabel '%s'\nset style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.85 border -1\nset xtics nomirror\nset grid noxtics\n"
                "set xrange [-0.5:%zu.5]\nplot ",
                ylabel, json_array_size(rows) - 1);
        for (size_t i = 0; i < json_array_size(cols); i++)
            fprintf(p->gp, "%s'%s' using %zu%s title %s", i ? ", \\\n  " : "", i ? "" : dat, i + 2,
                    i ? "" : ":xtic(1)",
                    quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
        end_picture(p, name);
        ok = close_tmp(p, f, dat, true);
    }
    json_decref(cols);
    json_decref(rows);
    return ok;
}

/* The last non-empty line gnuplot wrote to stderr: its error, since it stops at the first. */
static void read_last_line(int fd, char *last, size_t len)
{
    char buf[512], line[256];
    size_t n = 0;
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) != 0 && (got > 0 || errno == EINTR)) {
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] != '\n' && n + 1 < sizeof line) line[n++] = buf[i];
            if (buf[i] != '\n') continue;
            if (n > 0) line[n] = '\0', snprintf(last, len, "%s", line);
            n = 0;
        }
    }
    if (n > 0) line[n] = '\0', snprintf(last, len, "%s", line);
}

/* gnuplot plot.gp, in the directory so the script's names are relative;
 * posix_spawn reports a missing gnuplot itself (glibc runs the exec in a
 * vfork-like child and passes its errno back). */
static bool run_gnuplot(struct plot *p)
{
    char *argv[] = {"gnuplot", "-e", "suffix='.tmp'", "plot.gp", NULL}, last[256] = "no message";
    int fds[2], status = 0, rc = 0;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    if (pipe2(fds, O_CLOEXEC) != 0 || (rc = posix_spawn_file_actions_init(&fa)) != 0) {
        snprintf(p->err, p->err_len, "cannot run gnuplot: %s", strerror(rc ? rc : errno));
        return false;
    }
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addchdir_np(&fa, p->dir);
    rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc == 0) read_last_line(fds[0], last, sizeof last);
    close(fds[0]);
    while (rc == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    if (rc == ENOENT)
        snprintf(p->err, p->err_len, "gnuplot not found (make installs gnuplot-nox)");
    else if (rc != 0)
        snprintf(p->err, p->err_len, "cannot run gnuplot in %s: %s", p->dir, strerror(rc));
    else
        snprintf(p->err, p->err_len, "gnuplot failed on %s/plot.gp (%s %d): %s", p->dir,
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), last);
    return false;
}

bool stress_plot(const json_t *doc, const char *dir, char *err, size_t err_len)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot make the directory: %s", dir, strerror(errno));
        return false;
    }
    struct plot p = {doc, dir, json_array(), json_array(), json_array(), NULL, err, err_len};
    json_t *lists[] = {json_object_get(doc, "runs"), json_object_get(doc, "summary")};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            add_unique(p.allocators, json_object_get(json_array_get(lists[l], i), "allocator"));
            add_unique(p.workloads, json_object_get(json_array_get(lists[l], i), "workload"));
        }
    bool ok = (p.gp = open_tmp(&p, "plot.gp")) != NULL;
    if (ok)
        fputs("# Made by gauntlet stress: run `gnuplot plot.gp` in this directory.\n"
              "if (!exists('suffix')) suffix = ''\n",
              p.gp);
    for (size_t i = 0; i < json_array_size(p.workloads) && ok; i++)
        ok = write_rss(&p, json_string_value(json_array_get(p.workloads, i)));
    ok = ok && write_bars(&p, "peak-rss", "peak_rss", MIB, "Peak RSS (MiB, median of repeats)",
                          "peak RSS (MiB)");
    ok = ok &&
         write_bars(&p, "fragmentation", "fragmentation", 1.0, "Fragmentation (median of repeats)",
                    "(peak RSS - harness RSS) / peak live bytes");
    if (ok && json_array_size(p.outputs) == 0)
        snprintf(err, err_len,
                 "nothing to plot: no run with status ok and a series, and no "
                 "summary with a peak_rss or fragmentation median");
    ok = close_tmp(&p, p.gp, "plot.gp", ok && json_array_size(p.outputs) > 0);
    /* gnuplot drew NAME.{png,svg}.tmp: rename them into place, or drop them. */
    bool drew = ok && run_gnuplot(&p);
    for (size_t i = 0; i < json_array_size(p.outputs); i++)
        for (int e = 0; e < 2; e++) {
            char name[300];
            snprintf(name, sizeof name, "%s.%s", json_string_value(json_array_get(p.outputs, i)),
                     e ? "svg" : "png");
            drew = close_tmp(&p, NULL, name, drew);
        }
    json_decref(p.allocators);
    json_decref(p.workloads);
    json_decref(p.outputs);
    return drew;
}
