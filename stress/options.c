/*
 * options.c — the options that shape a stress run, shared by `gauntlet
 * stress` (which passes them on) and `gauntlet stress-one` (which runs
 * with them): parsing, and turning them back into a child's arguments.
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool stress_parse_double(const char *text, double *value)
{
    char *end;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && *value >= 0;
}

bool parse_stress_option(const char *command, int argc, char **argv, int *i,
                         struct stress_params *p)
{
    const char *arg = argv[*i], *value = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t n;
    if (strcmp(arg, "--no-phase-reset") == 0) {
        p->phase_reset = false;
        return true;
    }
    if (strcmp(arg, "--aslr") == 0) {
        p->aslr = true;
        return true;
    }
    if (value == NULL) return false;
    if (strcmp(arg, "--seed") == 0) {
        if (!parse_u64_arg(value, &p->seed)) usage_error(command, "--seed needs a number");
    } else if (strcmp(arg, "--scale") == 0) {
        if (!stress_parse_double(value, &p->scale) || p->scale <= 0 || p->scale > 100)
            usage_error(command, "--scale needs a factor in (0, 100], e.g. 0.1");
    } else if (strcmp(arg, "--checks") == 0) {
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
            usage_error(command, "--checks is on or off");
        p->checks = strcmp(value, "on") == 0;
    } else if (strcmp(arg, "--sampler-hz") == 0) {
        if (!parse_u64_arg(value, &n) || n > 10000)
            usage_error(command, "--sampler-hz needs a rate in 0..10000 (0: no sampler)");
        p->sampler_hz = (unsigned)n;
    } else if (strcmp(arg, "--settle") == 0) {
        if (!stress_parse_double(value, &p->settle_seconds) || p->settle_seconds > 3600)
            usage_error(command, "--settle needs seconds in 0..3600");
    } else if (strcmp(arg, "--requests") == 0) {
        if (!parse_u64_arg(value, &p->requests) || p->requests < 10 || p->requests > 100000000)
            usage_error(command, "--requests needs a count in 10..100000000");
    } else if (strcmp(arg, "--program") == 0) {
        p->program_path = value;
    } else if (strcmp(arg, "--workload") == 0) {
        p->workload = value;
    } else if (strcmp(arg, "--alloc-env") == 0) {
        settings_add(command, &p->alloc_env, value);
    } else {
        return false;
    }
    (*i)++;
    return true;
}

unsigned stress_child_args(const struct stress_params *p, char text[][64], const char **argv)
{
    unsigned n = 0, t = 0;
#define ARG(...) (snprintf(text[t], 64, __VA_ARGS__), argv[n++] = text[t++])
    argv[n++] = "--workload";
    argv[n++] = p->workload;
    argv[n++] = "--seed";
    ARG("%llu", (unsigned long long)p->seed);
    argv[n++] = "--scale";
    ARG("%.17g", p->scale);
    argv[n++] = "--checks";
    argv[n++] = p->checks ? "on" : "off";
    argv[n++] = "--sampler-hz";
    ARG("%u", p->sampler_hz);
    argv[n++] = "--settle";
    ARG("%.17g", p->settle_seconds);
    if (!p->phase_reset) argv[n++] = "--no-phase-reset";
    if (p->aslr) argv[n++] = "--aslr";
    if (p->requests) {
        argv[n++] = "--requests";
        ARG("%llu", (unsigned long long)p->requests);
    }
    if (p->program_path) {
        argv[n++] = "--program";
        argv[n++] = p->program_path;
    }
#undef ARG
    return n;
}
