/*
 * plot.h — shared by the picture modules of the stress side: plot.c (the
 * directory, the script file, the atomic renames, running gnuplot) and
 * plot_charts.c (what each chart shows). Not for other modules: they call
 * stress_plot() (stress.h).
 */
#ifndef GAUNTLET_STRESS_PLOT_H
#define GAUNTLET_STRESS_PLOT_H

#include "stress.h"

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

/* Appends name to list unless it is there (or not a string). */
void plot_add_unique(json_t *list, json_t *name);
/* File names come from document strings: keep them to a harmless alphabet. */
void plot_safe_name(const char *in, char *out, size_t len);
/* A gnuplot single-quoted string of s (returns out). */
const char *plot_quoted(const char *s, char *out, size_t len);
/* DIR/NAME.tmp for writing, or NULL with err set. */
FILE *plot_open_tmp(struct plot *p, const char *name);
/* Closes NAME.tmp and renames it to NAME, or removes it (keep false, or a
 * write error: err set). */
bool plot_close_tmp(struct plot *p, FILE *f, const char *name, bool keep);
/* Starts a picture NAME in the script (PNG), titled; end_picture repeats it as SVG. */
void plot_begin_picture(struct plot *p, const char *name, const char *title);
void plot_end_picture(struct plot *p, const char *name);

/* plot_charts.c: each writes its data file(s) and script lines; false only
 * on a write error (err set); nothing when the document has no figures for it. */
bool plot_rss_over_time(struct plot *p, const char *workload);
bool plot_rss_by_phase(struct plot *p, const char *workload);
bool plot_bars(struct plot *p, const char *name, const char *figure, double unit, const char *title,
               const char *ylabel);

#endif
