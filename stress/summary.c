/*
 * summary.c — the figures a baseline keeps and a comparison judges: per
 * allocator × workload, each figure's median, minimum, maximum and values
 * over the repeats (only runs that completed count). Medians, because the
 * machines are shared and noisy; the range, because the tolerance of a
 * comparison grows with the spread it measured. Also what each phase
 * asked of the allocator (a release call), so that a comparison can tell
 * figures of like actions from unlike.
 */
#include "stress.h"

#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *figure(const char *kind, json_t *values)
{
    size_t n = json_array_size(values);
    double sorted[n ? n : 1];
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_number_value(json_array_get(values, i));
    qsort(sorted, n, sizeof *sorted, by_value);
    double median = n == 0 ? 0 : n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return json_pack("{s:s, s:f, s:f, s:f, s:o}", "kind", kind, "median", median, "min",
                     n ? sorted[0] : 0.0, "max", n ? sorted[n - 1] : 0.0, "values", values);
}

/* Appends value to figures[name].values (collected first, summarised after). */
static void collect(json_t *values_by_name, json_t *kinds, const char *name, const char *kind,
                    const json_t *value)
{
    if (!json_is_number(value)) return;
    json_t *values = json_object_get(values_by_name, name);
    if (values == NULL) {
        values = json_array();
        json_object_set_new(values_by_name, name, values);
        json_object_set_new(kinds, name, json_string(kind));
    }
    json_array_append_new(values, json_real(json_number_value(value)));
}

static void collect_run(json_t *values, json_t *kinds, const json_t *run)
{
    const char *workload = json_string_value(json_object_get(run, "workload"));
    bool replays_trace =
        workload && strncmp(workload, TRACE_WORKLOAD_PREFIX, strlen(TRACE_WORKLOAD_PREFIX)) == 0;
    collect(values, kinds, "peak_rss", "memory", json_object_get(run, "peak_rss"));
    collect(values, kinds, "fragmentation", "ratio", json_object_get(run, "fragmentation"));
    collect(values, kinds, "ops_per_second", "speed", json_object_get(run, "ops_per_second"));
    size_t i;
    const json_t *phase;
    json_array_foreach(json_object_get(run, "phases"), i, phase)
    {
        const char *name = json_string_value(json_object_get(phase, "name"));
        if (name == NULL) continue;
        char key[96];
        snprintf(key, sizeof key, "rss:%s", name);
        collect(values, kinds, key, "memory", json_object_get(phase, "rss"));
        snprintf(key, sizeof key, "peak_rss:%s", name);
        collect(values, kinds, key, "memory", json_object_get(phase, "peak_rss"));
        if (replays_trace) {
            /* A replay's own tables grow with the trace's live blocks: the
             * allocator's part is what they leave. */
            snprintf(key, sizeof key, "heap_rss:%s", name);
            json_t *heap = json_integer(json_integer_value(json_object_get(phase, "rss")) -
                                        json_integer_value(json_object_get(phase, "harness_rss")));
            collect(values, kinds, key, "memory", heap);
            json_decref(heap);
        }
    }
}

/* The run's phase actions ({phase: action}), merged into the entry's:
 * repeats that asked different things make the phase's action "mixed". */
static void merge_actions(json_t *e, const json_t *run)
{
    json_t *mine = json_object();
    size_t i;
    const json_t *phase;
    json_array_foreach(json_object_get(run, "phases"), i, phase)
    {
        const json_t *name = json_object_get(phase, "name"),
                     *action = json_object_get(phase, "action");
        if (json_is_string(name) && json_is_string(action))
            json_object_set(mine, json_string_value(name), (json_t *)action);
    }
    json_t *kept = json_object_get(e, "actions");
    if (kept == NULL) {
        json_object_set_new(e, "actions", mine);
        return;
    }
    const char *name;
    json_t *action;
    json_object_foreach(mine, name, action) if (!json_equal(action, json_object_get(kept, name)))
        json_object_set_new(kept, name, json_string("mixed"));
    json_object_foreach(kept, name, action) if (json_object_get(mine, name) == NULL)
        json_object_set_new(kept, name, json_string("mixed"));
    json_decref(mine);
}

json_t *stress_summarize(const json_t *runs)
{
    json_t *summary = json_array();
    size_t i;
    const json_t *run;
    json_array_foreach(runs, i, run)
    {
        const char *alloc = json_string_value(json_object_get(run, "allocator"));
        const char *workload = json_string_value(json_object_get(run, "workload"));
        const char *status = json_string_value(json_object_get(run, "status"));
        if (!alloc || !workload || !status) continue;
        json_t *e = summary_entry(summary, alloc, workload);
        if (e == NULL) {
            e = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "allocator", alloc, "workload",
                          workload, "repeats", (json_int_t)0, "status", "ok", "phases",
                          json_array(), "values", json_object(), "kinds", json_object());
            json_array_append_new(summary, e);
        }
        if (strcmp(status, "ok") != 0) {
            /* A finding outranks an error: it is what the user must see. */
            if (strcmp(json_string_value(json_object_get(e, "status")), "finding") != 0)
                json_object_set_new(e, "status", json_string(status));
            continue;
        }
        json_object_set_new(e, "repeats",
                            json_integer(json_integer_value(json_object_get(e, "repeats")) + 1));
        if (json_object_get(run, "version"))
            json_object_set(e, "version", json_object_get(run, "version"));
        json_t *names = json_object_get(e, "phases");
        if (json_array_size(names) == 0) {
            size_t k;
            const json_t *phase;
            json_array_foreach(json_object_get(run, "phases"), k, phase)
                json_array_append(names, json_object_get(phase, "name"));
        }
        collect_run(json_object_get(e, "values"), json_object_get(e, "kinds"), run);
        merge_actions(e, run);
    }
    /* Turn the collected values into figures. */
    json_t *e;
    json_array_foreach(summary, i, e)
    {
        json_t *figures = json_object(), *values = json_object_get(e, "values");
        json_t *kinds = json_object_get(e, "kinds");
        const char *name;
        json_t *list;
        json_object_foreach(values, name, list) json_object_set_new(
            figures, name,
            figure(json_string_value(json_object_get(kinds, name)), json_incref(list)));
        json_object_del(e, "values");
        json_object_del(e, "kinds");
        json_object_set_new(e, "figures", figures);
    }
    return summary;
}
