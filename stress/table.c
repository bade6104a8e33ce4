/*
 * table.c — what `gauntlet stress` prints: one row per allocator × workload
 * (RSS at the first phase's end, peak, at the last phase's end,
 * fragmentation, speed; medians over the repeats), then, when the server
 * workload ran, the seed's question as a table of its own: RSS at start-up
 * and after N requests, per allocator; for a real program (--cmd), RSS at
 * ready and after each load step, the peak, and the warnings of its rows.
 */
#include "stress.h"

#include <stdio.h>
#include <string.h>

void format_bytes(double bytes, char *out, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    double v = bytes < 0 ? -bytes : bytes;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, len, "%s%.*f %s", bytes < 0 ? "-" : "", u == 0 ? 0 : 1, v, units[u]);
}

static double median_of(const json_t *entry, const char *figure)
{
    double median = 0;
    figure_median(entry, figure, &median);
    return median;
}

static void phase_figure(const json_t *entry, const char *figure, size_t phase, char *out,
                         size_t len)
{
    const char *name = json_string_value(json_array_get(json_object_get(entry, "phases"), phase));
    char key[96];
    snprintf(key, sizeof key, "%s:%s", figure, name ? name : "");
    format_bytes(median_of(entry, key), out, len);
}

/* A ratio or speed median, "-" when the row has none (a real program's). */
static void optional_figure(const json_t *e, const char *figure, double unit, int decimals,
                            char *out, size_t len)
{
    double median;
    if (figure_median(e, figure, &median))
        snprintf(out, len, "%.*f", decimals, median / unit);
    else
        snprintf(out, len, "-");
}

static void print_row(const json_t *e, int name_width, FILE *out)
{
    const char *status = json_string_value(json_object_get(e, "status"));
    const json_t *phases = json_object_get(e, "phases");
    char start[32], peak[32], end[32], frag[32], speed[32];
    phase_figure(e, "rss", 0, start, sizeof start);
    format_bytes(median_of(e, "peak_rss"), peak, sizeof peak);
    phase_figure(e, "rss", json_array_size(phases) - 1, end, sizeof end);
    optional_figure(e, "fragmentation", 1, 2, frag, sizeof frag);
    optional_figure(e, "ops_per_second", 1e6, 3, speed, sizeof speed);
    const char *last = json_string_value(json_array_get(phases, json_array_size(phases) - 1));
    if (json_array_size(phases) == 0) {
        fprintf(out, "%-*s %-18s  %s\n", name_width,
                json_string_value(json_object_get(e, "allocator")),
                json_string_value(json_object_get(e, "workload")), status);
        return;
    }
    fprintf(out, "%-*s %-18s %11s %11s %11s %-15.15s %6s %9s %s\n", name_width,
            json_string_value(json_object_get(e, "allocator")),
            json_string_value(json_object_get(e, "workload")), start, peak, end, last ? last : "",
            frag, speed, status);
}

/* The phases a phase table shows: the server's start-up, first batch,
 * middle and end; every phase of a real program (at most 10: spread evenly,
 * the first and the last kept). */
static size_t phase_picks(bool every, size_t n, size_t *picks)
{
    if (!every) {
        size_t four[] = {0, 1, n / 2, n - 1};
        memcpy(picks, four, sizeof four);
        return 4;
    }
    size_t count = n < 10 ? n : 10;
    for (size_t k = 0; k < count; k++)
        picks[k] = count == 1 ? 0 : k * (n - 1) / (count - 1);
    return count;
}

/* The seed's question for the rows of one workload: RSS at each chosen
 * phase end per allocator, then (real programs) the peak, and the growth. */
static void print_phase_table(const json_t *summary, const char *workload, const char *figure,
                              const char *title, bool every, int name_width, FILE *out)
{
    size_t i;
    const json_t *e;
    bool header = false;
    json_array_foreach(summary, i, e)
    {
        const json_t *phases = json_object_get(e, "phases");
        size_t n = json_array_size(phases), picks[10];
        if (strcmp(json_string_value(json_object_get(e, "workload")), workload) != 0 ||
            n < (every ? 1 : 2))
            continue;
        size_t count = phase_picks(every, n, picks);
        int w = 11; /* wide enough for figures; names up to 16 characters whole */
        for (size_t k = 0; k < count; k++) {
            size_t len = strlen(json_string_value(json_array_get(phases, picks[k])));
            if ((int)len > w) w = len > 16 ? 16 : (int)len;
        }
        bool with_peak = every && strcmp(figure, "rss") == 0; /* the peak is the process's */
        if (!header) {
            fprintf(out, "\n%s\n%-*s", title, name_width, "allocator");
            for (size_t k = 0; k < count; k++)
                fprintf(out, " %*.*s", w, w, json_string_value(json_array_get(phases, picks[k])));
            fprintf(out, "%s %*s\n", with_peak ? "        peak" : "", w, "growth");
            header = true;
        }
        fprintf(out, "%-*s", name_width, json_string_value(json_object_get(e, "allocator")));
        for (size_t k = 0; k < count; k++) {
            char v[32];
            phase_figure(e, figure, picks[k], v, sizeof v);
            fprintf(out, " %*s", w, v);
        }
        char key0[96], keyn[96], growth[32], peak[32];
        format_bytes(median_of(e, "peak_rss"), peak, sizeof peak);
        if (with_peak) fprintf(out, " %11s", peak);
        snprintf(key0, sizeof key0, "%s:%s", figure, json_string_value(json_array_get(phases, 0)));
        snprintf(keyn, sizeof keyn, "%s:%s", figure,
                 json_string_value(json_array_get(phases, n - 1)));
        format_bytes(median_of(e, keyn) - median_of(e, key0), growth, sizeof growth);
        fprintf(out, " %*s\n", w, growth);
    }
}

/* A real program's rows: which allocator served it, when the mappings
 * said another one was there too (real_process.c). */
static void print_warnings(const json_t *doc, FILE *out)
{
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        const char *warning = json_string_value(json_object_get(run, "warning"));
        if (warning && json_integer_value(json_object_get(run, "repeat")) == 0)
            fprintf(out, "warning: %s × %s: %s\n",
                    json_string_value(json_object_get(run, "allocator")),
                    json_string_value(json_object_get(run, "workload")), warning);
    }
}

/* Allocator names are printed whole: two builds of one library differ only
 * at the end of their paths. */
static int name_width(const json_t *summary)
{
    int width = (int)strlen("allocator");
    size_t i;
    const json_t *e;
    json_array_foreach(summary, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "allocator"));
        if (name && (int)strlen(name) > width) width = (int)strlen(name);
    }
    return width;
}

void stress_print_table(const json_t *doc, FILE *out)
{
    const json_t *summary = json_object_get(doc, "summary");
    int width = name_width(summary);
    fprintf(out, "%-*s %-18s %11s %11s %11s %-15s %6s %9s %s\n", width, "allocator", "workload",
            "start RSS", "peak RSS", "end RSS", "(end phase)", "frag", "Mops/s", "status");
    size_t i;
    const json_t *e;
    json_array_foreach(summary, i, e) print_row(e, width, out);
    const json_t *real = json_object_get(json_object_get(doc, "settings"), "cmd");
    const char *real_name = json_string_value(json_object_get(real, "name"));
    print_phase_table(summary, "server", "rss",
                      "server: RSS at start-up and after N requests (medians)", false, width, out);
    json_array_foreach(summary, i, e)
    {
        const char *w = json_string_value(json_object_get(e, "workload"));
        bool first = true; /* one table per trace, at its first row */
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(w, json_string_value(
                                  json_object_get(json_array_get(summary, k), "workload"))) != 0;
        if (first && strncmp(w, TRACE_WORKLOAD_PREFIX, strlen(TRACE_WORKLOAD_PREFIX)) == 0) {
            char title[512];
            snprintf(title, sizeof title,
                     "%s: the allocator's RSS at each of its marks (the process's less the "
                     "replay's own share; medians)",
                     w);
            print_phase_table(summary, w, "heap_rss", title, true, width, out);
        }
    }
    if (real_name) {
        char title[256];
        snprintf(title, sizeof title, "%s: RSS at each phase end%s (medians)", real_name,
                 json_object_get(real, "load") && !json_is_null(json_object_get(real, "load"))
                     ? ", after each load step"
                     : "");
        print_phase_table(summary, real_name, "rss", title, true, width, out);
    }
    fprintf(out, "\nRSS: the whole process (harness included: see \"harness\" in the JSON); "
                 "frag: (peak RSS - harness RSS) / peak live bytes.\n");
    if (real_name)
        fprintf(out,
                "%s: RSS is the sum of VmRSS over its process group, read from /proc; no "
                "live bytes, so no frag or speed (-).\n",
                real_name);
    print_warnings(doc, out);
}
