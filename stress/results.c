/*
 * results.c — reading results documents (stress/SCHEMA.md): a baseline or
 * either side of `gauntlet compare`. Writing them is the job of the commands
 * that make them (run_one.c, cmd_stress.c).
 */
#include "cli.h"
#include "stress.h"

#include <errno.h>
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
                                       "phase_reset", "requests", "program", "aslr"};
    const json_t *a = json_object_get(old, "settings"), *b = json_object_get(fresh, "settings");
    if (a == NULL || b == NULL) return true; /* made by one command (upgrade): alike */
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
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
            return false;
        }
    }
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
