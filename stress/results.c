/*
 * results.c — reading results documents (stress/SCHEMA.md): a baseline or
 * either side of `gauntlet compare`. Writing them is the job of the commands
 * that make them (run_one.c, cmd_stress.c).
 */
#include "cli.h"
#include "stress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *stress_results_load(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadf(f, 0, &jerr);
    fclose(f);
    if (doc == NULL) {
        snprintf(err, err_len, "%s:%d:%d: not a results document: %s", path, jerr.line, jerr.column,
                 jerr.text);
        return NULL;
    }
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    if (schema == NULL || strcmp(schema, STRESS_SCHEMA) != 0) {
        snprintf(err, err_len,
                 "%s: schema is %s%s%s, this gauntlet reads %s (refresh the file with the "
                 "command in the README, \"Baselines\")",
                 path, schema ? "\"" : "", schema ? schema : "missing", schema ? "\"" : "",
                 STRESS_SCHEMA);
        json_decref(doc);
        return NULL;
    }
    if (!json_is_array(json_object_get(doc, "summary")) ||
        !json_is_array(json_object_get(doc, "runs"))) {
        snprintf(err, err_len,
                 "%s: no \"summary\" or \"runs\" array: not a complete results "
                 "document",
                 path);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Figures measured with another workload size, seed or check setting
 * differ for that reason alone: comparing them would flag nothing real. */
bool stress_settings_comparable(const json_t *old, const json_t *fresh, char *err, size_t err_len)
{
    static const char *const keys[] = {"scale",       "seed",     "checks",  "settle_seconds",
                                       "phase_reset", "requests", "program", "aslr",
                                       "cmd",         "alloc_env"};
    const json_t *a = json_object_get(old, "settings"), *b = json_object_get(fresh, "settings");
    if (a == NULL || b == NULL) return true; /* made by one command (upgrade): alike */
    json_t *none = json_array(); /* no alloc_env: a document from before it was recorded */
    bool comparable = true;
    for (size_t i = 0; comparable && i < sizeof keys / sizeof *keys; i++) {
        const json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
        if (strcmp(keys[i], "alloc_env") == 0) {
            x = x ? x : none;
            y = y ? y : none;
        }
        if (x && y && !json_equal(x, y) &&
            !(json_is_number(x) && json_is_number(y) &&
              json_number_value(x) == json_number_value(y))) {
            char *xs = json_dumps(x, JSON_ENCODE_ANY), *ys = json_dumps(y, JSON_ENCODE_ANY);
            snprintf(err, err_len,
                     "not comparable: the baseline was measured with %s = %s, this run with "
                     "%s = %s (run with the baseline's settings, or refresh it)",
                     keys[i], xs ? xs : "?", keys[i], ys ? ys : "?");
            free(xs);
            free(ys);
            comparable = false;
        }
    }
    json_decref(none);
    return comparable;
}

enum figure_kind figure_kind(const json_t *f)
{
    const char *k = json_string_value(json_object_get(f, "kind"));
    if (k == NULL) return KIND_UNKNOWN;
    if (strcmp(k, "memory") == 0) return KIND_MEMORY;
    if (strcmp(k, "ratio") == 0) return KIND_RATIO;
    if (strcmp(k, "speed") == 0) return KIND_SPEED;
    return KIND_UNKNOWN;
}

static bool fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t len, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(err, len, fmt, args);
    va_end(args);
    return false;
}

/* Absent, or a number no figure can be below: memory, ratios and speeds are never negative. */
static bool optional_amount(const json_t *f, const char *key)
{
    const json_t *v = json_object_get(f, key);
    return v == NULL || (json_is_number(v) && json_number_value(v) >= 0);
}

static bool figure_valid(const json_t *f)
{
    return json_is_object(f) && figure_kind(f) != KIND_UNKNOWN &&
           json_is_number(json_object_get(f, "median")) && optional_amount(f, "median") &&
           optional_amount(f, "min") && optional_amount(f, "max");
}

static bool entry_valid(const char *side, size_t i, const json_t *e, char *err, size_t len)
{
    const json_t *figures = json_object_get(e, "figures"), *actions = json_object_get(e, "actions");
    if (!json_is_object(e) || !json_is_string(json_object_get(e, "allocator")) ||
        !json_is_string(json_object_get(e, "workload")) || !json_is_object(figures))
        return fail(err, len, "%s document: summary[%zu] lacks allocator, workload or figures",
                    side, i);
    const json_t *status = json_object_get(e, "status");
    if (status && !json_is_string(status))
        return fail(err, len, "%s document: summary[%zu].status is not a string", side, i);
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)figures, name, v)
    {
        if (!figure_valid(v))
            return fail(err, len,
                        "%s document: summary[%zu].figures.%s is not an object with a known "
                        "kind and a median (and min, max) that are numbers of at least 0",
                        side, i, name);
    }
    if (actions && !json_is_object(actions))
        return fail(err, len, "%s document: summary[%zu].actions is not an object", side, i);
    json_object_foreach((json_t *)actions, name, v)
    {
        if (!json_is_string(v))
            return fail(err, len, "%s document: summary[%zu].actions.%s is not a string", side, i,
                        name);
    }
    return true;
}

bool stress_summary_valid(const char *side, const json_t *doc, char *err, size_t len)
{
    const json_t *summary = json_object_get(doc, "summary");
    if (!json_is_array(summary)) return fail(err, len, "%s document: no \"summary\" array", side);
    for (size_t i = 0; i < json_array_size(summary); i++)
        if (!entry_valid(side, i, json_array_get(summary, i), err, len)) return false;
    return true;
}

json_t *summary_entry(const json_t *summary, const char *alloc, const char *workload)
{
    for (size_t i = 0; i < json_array_size(summary); i++) {
        json_t *e = json_array_get(summary, i);
        const char *a = json_string_value(json_object_get(e, "allocator"));
        const char *w = json_string_value(json_object_get(e, "workload"));
        if (a && w && strcmp(a, alloc) == 0 && strcmp(w, workload) == 0) return e;
    }
    return NULL;
}

bool figure_median(const json_t *entry, const char *figure, double *median)
{
    const json_t *m =
        json_object_get(json_object_get(json_object_get(entry, "figures"), figure), "median");
    if (!json_is_number(m)) return false;
    *median = json_number_value(m);
    return true;
}

bool stress_json_write(const char *path, const json_t *doc, size_t flags)
{
    char *text = json_dumps(doc, flags);
    if (text == NULL) return false;
    write_output(path, (const uint8_t *)text, strlen(text));
    free(text);
    return true;
}
