/*
 * plot_charts.c — what each picture of a results document shows: RSS over
 * time per workload (one line per allocator, from its first completed run,
 * with the phase ends marked), RSS at each phase end per workload (medians
 * of the repeats: for the server, memory at start-up and after N requests),
 * and clustered bars of a summary figure per workload × allocator.
 */
#include "plot.h"

#include <stdio.h>
#include <string.h>

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
static void write_point(FILE *f, const json_t *seconds, const json_t *rss, const json_t *live)
{
    if (!json_is_number(seconds) || !json_is_number(rss)) return;
    fprintf(f, "%.6f %.4f ", json_number_value(seconds), json_number_value(rss) / MIB);
    json_is_number(live) ? fprintf(f, "%.4f\n", json_number_value(live) / MIB) : fputs("NaN\n", f);
}

/* One data set (gnuplot index) of the .dat: seconds, RSS MiB, live MiB. The
 * phase ends are measured points too, merged in by time: a short run has few
 * samples (100 Hz), and its line then still passes through every phase. */
static void write_series(FILE *f, const char *alloc, const json_t *run)
{
    const json_t *series = json_object_get(run, "series"), *phases = json_object_get(run, "phases");
    json_t *t = json_object_get(series, "seconds"), *rss = json_object_get(series, "rss");
    json_t *live = json_object_get(series, "live_bytes");
    char q[400];
    fprintf(f, "# allocator %s\n# seconds rss_mib live_mib\n", plot_quoted(alloc, q, sizeof q));
    size_t i = 0, k = 0,
           samples = json_array_size(t) < json_array_size(rss) ? json_array_size(t)
                                                               : json_array_size(rss);
    while (i < samples || k < json_array_size(phases)) {
        const json_t *ph = json_array_get(phases, k);
        const json_t *end = json_object_get(ph, "end_seconds");
        bool phase_first =
            k < json_array_size(phases) &&
            (i == samples || json_number_value(end) <= json_number_value(json_array_get(t, i)));
        if (phase_first) {
            write_point(f, end, json_object_get(ph, "rss"), json_object_get(ph, "live_bytes"));
            k++;
        } else {
            write_point(f, json_array_get(t, i), json_array_get(rss, i), json_array_get(live, i));
            i++;
        }
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
                x, x, plot_quoted(name, q, sizeof q), x);
    }
}

/* rss-<workload>: a line per allocator from its first ok run, nothing when
 * none has one. False only on a write error (err set). */
bool plot_rss_over_time(struct plot *p, const char *workload)
{
    char safe[180], pic[190], dat[200], title[300], q[400];
    plot_safe_name(workload, safe, sizeof safe);
    snprintf(pic, sizeof pic, "rss-%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", pic);
    const json_t *first = NULL; /* the first allocator's run: live bytes, phases */
    for (size_t i = 0; i < json_array_size(p->allocators) && first == NULL; i++)
        first = first_ok_run(p->doc, json_string_value(json_array_get(p->allocators, i)), workload);
    FILE *f = first ? plot_open_tmp(p, dat) : NULL;
    if (f == NULL) return first == NULL;
    fprintf(f, "# RSS over time of workload %s: a data set (gnuplot index) per allocator\n",
            plot_quoted(workload, q, sizeof q));
    snprintf(title, sizeof title, "%s: RSS over time (MiB)", workload);
    plot_begin_picture(p, pic, title);
    fputs("set xlabel 'time (s)'\nset ylabel 'RSS (MiB)'\n", p->gp);
    write_phase_marks(p->gp, first);
    fputs("plot ", p->gp);
    unsigned index = 0;
    for (size_t i = 0; i < json_array_size(p->allocators); i++) {
        const char *alloc = json_string_value(json_array_get(p->allocators, i));
        const json_t *run = first_ok_run(p->doc, alloc, workload);
        if (run == NULL) continue;
        write_series(f, alloc, run);
        fprintf(p->gp, "%s'%s' index %u using 1:2 with lines lw 2 title %s",
                index ? ", \\\n  " : "", dat, index, plot_quoted(alloc, q, sizeof q));
        index++;
    }
    /* The workload is the same for every allocator: one live-bytes line. */
    if (json_array_size(json_object_get(json_object_get(first, "series"), "live_bytes")) > 0)
        fprintf(p->gp, ", \\\n  '%s' index 0 using 1:3 with lines dt 2 lw 2 lc rgb 'gray50' %s",
                dat, "title 'live bytes (requested)'");
    plot_end_picture(p, pic);
    return plot_close_tmp(p, f, dat, true);
}

/* The median of allocator × workload's figure in the document's summary. */
static bool median_in(const json_t *doc, const json_t *alloc, const char *workload,
                      const char *figure, double *out)
{
    const char *a = json_string_value(alloc);
    return a && workload &&
           figure_median(summary_entry(json_object_get(doc, "summary"), a, workload), figure, out);
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
        fprintf(f, " %s", plot_quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
    for (size_t j = 0; j < json_array_size(rows); j++) {
        plot_safe_name(json_string_value(json_array_get(rows, j)), q, sizeof q);
        fprintf(f, "\n%s", q);
        for (size_t i = 0; i < json_array_size(cols); i++) {
            double v;
            bool have = median_in(p->doc, json_array_get(cols, i),
                                  json_string_value(json_array_get(rows, j)), figure, &v);
            have ? fprintf(f, " %.6g", v / unit) : fputs(" NaN", f);
        }
    }
    fputs("\n", f);
}

/* Only allocators and workloads with at least one value take part; no
 * picture when none has. False only on a write error (err set). */
bool plot_bars(struct plot *p, const char *name, const char *figure, double unit, const char *title,
               const char *ylabel)
{
    json_t *cols = json_array(), *rows = json_array();
    double v;
    for (size_t i = 0; i < json_array_size(p->allocators); i++)
        for (size_t j = 0; j < json_array_size(p->workloads); j++)
            if (median_in(p->doc, json_array_get(p->allocators, i),
                          json_string_value(json_array_get(p->workloads, j)), figure, &v))
                plot_add_unique(cols, json_array_get(p->allocators, i)),
                    plot_add_unique(rows, json_array_get(p->workloads, j));
    char dat[100], q[400];
    snprintf(dat, sizeof dat, "%s.dat", name);
    FILE *f = json_array_size(cols) > 0 ? plot_open_tmp(p, dat) : NULL;
    bool ok = json_array_size(cols) == 0;
    if (f != NULL) {
        write_table(f, p, cols, rows, figure, unit);
        plot_begin_picture(p, name, title);
        fprintf(p->gp,
                "set ylabel '%s'\nset style data histograms\nset style histogram clustered gap 1\n"
                "set style fill solid 0.85 border -1\nset xtics nomirror\nset grid noxtics\n"
                "set xrange [-0.5:%zu.5]\nplot ",
                ylabel, json_array_size(rows) - 1);
        for (size_t i = 0; i < json_array_size(cols); i++)
            fprintf(p->gp, "%s'%s' using %zu%s title %s", i ? ", \\\n  " : "", i ? "" : dat, i + 2,
                    i ? "" : ":xtic(1)",
                    plot_quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
        plot_end_picture(p, name);
        ok = plot_close_tmp(p, f, dat, true);
    }
    json_decref(cols);
    json_decref(rows);
    return ok;
}

/* The phase names of the workload's first summary entry that has some: the
 * same workload has the same phases on every allocator. */
static const json_t *phase_names(const json_t *doc, const char *workload)
{
    const json_t *summary = json_object_get(doc, "summary");
    for (size_t i = 0; i < json_array_size(summary); i++) {
        const json_t *s = json_array_get(summary, i);
        const char *w = json_string_value(json_object_get(s, "workload"));
        if (w && strcmp(w, workload) == 0 && json_array_size(json_object_get(s, "phases")) > 0)
            return json_object_get(s, "phases");
    }
    return NULL;
}

/* phases-<workload>: RSS at each phase end, a line per allocator (medians).
 * For the server this is the seed's question: start-up, then after N requests. */
bool plot_rss_by_phase(struct plot *p, const char *workload)
{
    const json_t *names = phase_names(p->doc, workload);
    /* a trace's replay: the allocator's part (its own tables grow with the trace) */
    bool heap = strncmp(workload, TRACE_WORKLOAD_PREFIX, strlen(TRACE_WORKLOAD_PREFIX)) == 0;
    const char *figure = heap ? "heap_rss" : "rss";
    json_t *cols = json_array();
    char key[120], q[400], safe[180], pic[190], dat[200], title[300];
    double v;
    for (size_t i = 0; i < json_array_size(p->allocators); i++)
        for (size_t k = 0; k < json_array_size(names); k++) {
            snprintf(key, sizeof key, "%s:%s", figure, json_string_value(json_array_get(names, k)));
            if (median_in(p->doc, json_array_get(p->allocators, i), workload, key, &v))
                plot_add_unique(cols, json_array_get(p->allocators, i));
        }
    plot_safe_name(workload, safe, sizeof safe);
    snprintf(pic, sizeof pic, "phases-%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", pic);
    FILE *f = json_array_size(cols) > 0 ? plot_open_tmp(p, dat) : NULL;
    bool ok = json_array_size(cols) == 0;
    if (f != NULL) {
        fprintf(f, "# RSS (MiB) at each phase end of workload %s, medians; columns:\n# index phase",
                plot_quoted(workload, q, sizeof q));
        for (size_t i = 0; i < json_array_size(cols); i++)
            fprintf(f, " %s", plot_quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
        for (size_t k = 0; k < json_array_size(names); k++) {
            const char *phase = json_string_value(json_array_get(names, k));
            fprintf(f, "\n%zu \"", k);
            for (const char *c = phase; *c; c++) /* a data-file string: no quote, no control */
                fputc(*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '_' : *c, f);
            fputc('"', f);
            snprintf(key, sizeof key, "%s:%s", figure, phase);
            for (size_t i = 0; i < json_array_size(cols); i++)
                median_in(p->doc, json_array_get(cols, i), workload, key, &v)
                    ? fprintf(f, " %.6g", v / MIB)
                    : fputs(" NaN", f);
        }
        fputs("\n", f);
        if (strcmp(workload, "server") == 0)
            snprintf(title, sizeof title,
                     "server: RSS at start-up and after N requests (MiB, median of repeats)");
        else if (heap)
            snprintf(title, sizeof title,
                     "%s: the allocator's RSS at each mark (MiB, median of repeats)", workload);
        else
            snprintf(title, sizeof title, "%s: RSS at each phase end (MiB, median of repeats)",
                     workload);
        plot_begin_picture(p, pic, title);
        fprintf(p->gp,
                "set ylabel 'RSS (MiB)'\nset key outside right top reverse Left\nset xtics rotate "
                "by -30\n"
                "set xrange [-0.3:%zu.3]\nplot ",
                json_array_size(names) - 1);
        for (size_t i = 0; i < json_array_size(cols); i++)
            fprintf(p->gp, "%s'%s' using 1:%zu%s with linespoints lw 2 pt 7 title %s",
                    i ? ", \\\n  " : "", dat, i + 3, i ? "" : ":xtic(2)",
                    plot_quoted(json_string_value(json_array_get(cols, i)), q, sizeof q));
        plot_end_picture(p, pic);
        ok = plot_close_tmp(p, f, dat, true);
    }
    json_decref(cols);
    return ok;
}
