/*
 * run_one.c — `gauntlet stress-one`: one workload on one allocator, in this
 * process, measured; the result is written as one RUN object of
 * stress/SCHEMA.md. `gauntlet stress` runs one such child per allocator ×
 * workload × repeat, so that no allocator measures in another's process.
 *
 * Order matters for what is counted as whose: the sampler and the harness's
 * buffers exist before the harness's RSS is read; the allocator is opened
 * (and initialised: opening asks its version) after, so its start-up is the
 * allocator's. The JSON is built only once measuring is over.
 */
#include "cli.h"
#include "stress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char one_help[] =
    "usage: gauntlet stress-one --alloc NAME --workload W --json OUT [options]\n"
    "\n"
    "One measured stress run in this process (what `gauntlet stress` runs per\n"
    "allocator and workload). Options as `gauntlet stress`, plus:\n"
    "  --json OUT         where the run's result goes (stress/SCHEMA.md, RUN)\n"
    "  --repeat-index N   which repeat this is (recorded)\n";

void stress_params_default(struct stress_params *p)
{
    *p = (struct stress_params){
        .workload = "server",
        .seed = 1,
        .scale = 1.0,
        .checks = true,
        .sampler_hz = 100,
        .phase_reset = true,
        .settle_seconds = 12.0,
    };
}

static json_t *stats_object(const struct phase_record *ph)
{
    json_t *o = json_object();
    for (unsigned i = 0; i < ph->stat_count; i++)
        json_object_set_new(o, ph->stats[i].name, json_real(ph->stats[i].value));
    return o;
}

static json_t *phases_array(const struct stress_run *r)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < r->phase_count; i++) {
        const struct phase_record *ph = &r->phases[i];
        size_t net = ph->rss > ph->harness_rss ? ph->rss - ph->harness_rss : 0;
        json_array_append_new(
            a, json_pack("{s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "name", ph->name,
                         "end_seconds", ph->end_seconds, "rss", (json_int_t)ph->rss, "peak_rss",
                         (json_int_t)ph->peak_rss, "harness_rss", (json_int_t)ph->harness_rss,
                         "live_bytes", (json_int_t)ph->live_bytes, "peak_live_bytes",
                         (json_int_t)ph->peak_live_bytes, "rss_per_live",
                         ph->live_bytes ? json_real((double)net / (double)ph->live_bytes)
                                        : json_null(),
                         "allocator_stats", stats_object(ph)));
        if (ph->action[0])
            json_object_set_new(json_array_get(a, i), "action", json_string(ph->action));
    }
    return a;
}

json_t *stress_series_object(const struct stress_run *r, bool with_live_bytes)
{
    json_t *t = json_array(), *rss = json_array(), *live = json_array();
    size_t count = 0;
    const struct sample *s = r->sampler ? sampler_samples(r->sampler, &count) : NULL;
    for (size_t i = 0; i < count; i++) {
        json_array_append_new(t, json_real(s[i].seconds));
        json_array_append_new(rss, json_integer((json_int_t)s[i].rss));
        json_array_append_new(live, json_integer((json_int_t)s[i].live_bytes));
    }
    json_t *o = json_pack("{s:o, s:o}", "seconds", t, "rss", rss);
    if (with_live_bytes)
        json_object_set_new(o, "live_bytes", live);
    else
        json_decref(live);
    return o;
}

static json_t *run_object(const struct stress_run *r, double seconds, unsigned repeat_index)
{
    size_t peak = 0, harness_at_peak = r->harness_rss;
    for (unsigned i = 0; i < r->phase_count; i++) {
        if (r->phases[i].peak_rss > peak) {
            peak = r->phases[i].peak_rss;
            harness_at_peak = r->phases[i].harness_rss;
        }
    }
    size_t peak_live = atomic_load(&r->peak_live_bytes);
    size_t net_peak = peak > harness_at_peak ? peak - harness_at_peak : 0;
    uint64_t ops = atomic_load(&r->ops);
    size_t samples = 0;
    if (r->sampler) sampler_samples(r->sampler, &samples);
    const struct stress_params *p = r->params;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:f, s:b, s:s, s:f, s:I, s:f, s:{s:I, s:I, s:I}, s:I, s:I, s:I, "
        "s:o, s:o, s:{s:I, s:I, s:f, s:f}}",
        "allocator", r->alloc->name, "version", r->alloc->version, "workload", p->workload,
        "repeat", (json_int_t)repeat_index, "seed", (json_int_t)p->seed, "scale", p->scale,
        "checks", p->checks, "status", "ok", "seconds", seconds, "ops", (json_int_t)ops,
        "ops_per_second", seconds > 0 ? (double)ops / seconds : 0.0, "harness",
        "rss_before_allocator", (json_int_t)r->rss_before_allocator, "rss",
        (json_int_t)r->harness_rss, "mapped_bytes", (json_int_t)hmem_mapped_bytes(), "peak_rss",
        (json_int_t)peak, "final_rss",
        (json_int_t)(r->phase_count ? r->phases[r->phase_count - 1].rss : 0), "peak_live_bytes",
        (json_int_t)peak_live, "fragmentation",
        peak_live ? json_real((double)net_peak / (double)peak_live) : json_null(), "release_call",
        r->release_call ? json_string(r->release_call) : json_null(), "sampler", "hz",
        (json_int_t)p->sampler_hz, "samples", (json_int_t)samples, "cpu_seconds",
        r->sampler ? sampler_cpu_seconds(r->sampler) : 0.0, "wall_seconds",
        r->sampler ? sampler_wall_seconds(r->sampler) : 0.0);
    json_object_set_new(o, "address_randomization", json_boolean(layout_randomized()));
    json_object_set_new(o, "phases", phases_array(r));
    json_object_set_new(o, "series", stress_series_object(r, true));
    return o;
}

static void reproduce_command(const struct stress_params *p, const char *alloc, char *out,
                              size_t len)
{
    /* The same options the parent passed to this child: every one that shapes the run. */
    char text[16][64];
    const char *args[32];
    unsigned count = stress_child_args(p, text, args);
    size_t n = (size_t)snprintf(out, len, "gauntlet stress --alloc %s", alloc);
    for (unsigned i = 0; i < count && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, " %s", args[i]);
}

int cmd_stress_one(int argc, char **argv)
{
    static struct stress_params params;
    stress_params_default(&params);
    const char *alloc_name = NULL, *json_path = NULL;
    unsigned repeat_index = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            fputs(one_help, stdout);
            return 0;
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            alloc_name = argv[++i];
        } else if (strcmp(arg, "--json") == 0 && value) {
            json_path = argv[++i];
        } else if (strcmp(arg, "--repeat-index") == 0 && value && parse_u64_arg(value, &n)) {
            repeat_index = (unsigned)n;
            i++;
        } else if (!parse_stress_option("stress-one", argc, argv, &i, &params)) {
            usage_error("stress-one", "unknown or incomplete option '%s'", arg);
        }
    }
    if (alloc_name == NULL || json_path == NULL)
        usage_error("stress-one", "--alloc and --json are required");
    settings_apply("stress-one", &params.alloc_env);
    const struct workload *w = workload_find(params.workload);
    if (w == NULL) usage_error("stress-one", "unknown workload '%s'", params.workload);

    static struct stress_run run;
    static struct allocator alloc;
    static char command[1024], crash_context[2048];
    reproduce_command(&params, alloc_name, command, sizeof command);
    run.params = &params;
    run.command_line = command;
    run.started = monotonic_seconds();
    if (params.sampler_hz) run.sampler = sampler_start(&run, params.sampler_hz);
    run.rss_before_allocator = run.harness_rss = proc_rss_bytes();

    char err[512];
    if (!allocator_open(alloc_name, &alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet stress: %s\n", err);
        return EXIT_USAGE;
    }
    run.alloc = &alloc;
    snprintf(crash_context, sizeof crash_context,
             "  allocator: %s — %s\n  workload:  %s (stress)\n  reproduce: %s\n", alloc.name,
             alloc.version, params.workload, command);
    report_set_crash_context(crash_context);
    report_install_crash_handlers();

    if (params.phase_reset && !proc_reset_peak()) {
        fprintf(stderr,
                "gauntlet stress: cannot reset the peak RSS through /proc/self/clear_refs (%s); "
                "per-phase peaks need it (--no-phase-reset measures whole-run peaks)\n",
                strerror(errno));
        return EXIT_USAGE;
    }
    double began = monotonic_seconds();
    w->run(&run);
    double seconds = monotonic_seconds() - began;
    if (run.sampler) sampler_stop(run.sampler);

    json_t *result = run_object(&run, seconds, repeat_index);
    if (!stress_json_write(json_path, result, JSON_COMPACT)) {
        fprintf(stderr, "gauntlet stress: cannot encode the result\n");
        return EXIT_USAGE;
    }
    return 0;
}
