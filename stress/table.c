/*
 * table.c — what `gauntlet stress` prints: one row per allocator × workload
 * (RSS at the first phase's end, peak, at the last phase's end,
 * fragmentation, speed; medians over the repeats), then, when the server
 * workload ran, the seed's question as a table of its own: RSS at start-up
 * and after N requests, per allocator.
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

static void phase_figure(const json_t *entry, size_t phase, char *out, size_t len)
{
    const char *name = json_string_value(json_array_get(json_object_get(entry, "phases"), phase));
    char key[96];
    snprintf(key, sizeof key, "rss:%s", name ? name : "");
    format_bytes(median_of(entry, key), out, len);
}

static void print_row(const json_t *e, int name_width, FILE *out)
{
    const char *status = json_string_value(json_object_get(e, "status"));
    const json_t *phases = json_object_get(e, "phases");
    char start[32], peak[32], end[32];
    phase_figure(e, 0, start, sizeof start);
    format_bytes(median_of(e, "peak_rss"), peak, sizeof peak);
    phase_figure(e, json_array_size(phases) - 1, end, sizeof end);
    const char *last = json_string_value(json_array_get(phases, json_array_size(phases) - 1));
    if (json_array_size(phases) == 0) {
        fprintf(out, "%-*s %-18s  %s\n", name_width,
                json_string_value(json_object_get(e, "allocator")),
                json_string_value(json_object_get(e, "workload")), status);
        return;
    }
    fprintf(out, "%-*s %-18s %11s %11s %11s %-15.15s %6.2f %9.3f %s\n", name_width,
            json_string_value(json_object_get(e, "allocator")),
            json_string_value(json_object_get(e, "workload")), start, peak, end, last ? last : "",
            median_of(e, "fragmentation"), median_of(e, "ops_per_second") / 1e6, status);
}

/* The seed's question: the service's memory at start-up and after N requests. */
static void print_server(const json_t *summary, int name_width, FILE *out)
{
    size_t i;
    const json_t *e;
    bool header = false;
    json_array_foreach(summary, i, e)
    {
        const json_t *phases = json_object_get(e, "phases");
        if (strcmp(json_string_value(json_object_get(e, "workload")), "server") != 0 ||
            json_array_size(phases) < 2)
            continue;
        size_t n = json_array_size(phases), picks[] = {0, 1, n / 2, n - 1};
        if (!header) {
            fprintf(out, "\nserver: RSS at start-up and after N requests (medians)\n%-*s",
                    name_width, "allocator");
            for (size_t k = 0; k < 4; k++)
                fprintf(out, " %14.14s", json_string_value(json_array_get(phases, picks[k])));
            fprintf(out, " %14s\n", "growth");
            header = true;
        }
        fprintf(out, "%-*s", name_width, json_string_value(json_object_get(e, "allocator")));
        for (size_t k = 0; k < 4; k++) {
            char v[32];
            phase_figure(e, picks[k], v, sizeof v);
            fprintf(out, " %14s", v);
        }
        char key0[96], keyn[96], growth[32];
        snprintf(key0, sizeof key0, "rss:%s", json_string_value(json_array_get(phases, 0)));
        snprintf(keyn, sizeof keyn, "rss:%s", json_string_value(json_array_get(phases, n - 1)));
        format_bytes(median_of(e, keyn) - median_of(e, key0), growth, sizeof growth);
        fprintf(out, " %14s\n", growth);
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
    print_server(summary, width, out);
    fprintf(out, "\nRSS: the whole process (harness included: see \"harness\" in the JSON); "
                 "frag: (peak RSS - harness RSS) / peak live bytes.\n");
}
