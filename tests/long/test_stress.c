/*
 * test_stress.c — the stress drivers' contract: every workload runs on every
 * allocator and its figures hold together; the driver's peak RSS agrees with
 * the kernel's as /usr/bin/time reports it; content checks catch a corrupting
 * allocator; --baseline flags the leaking and the bloating defective
 * allocators against the unmodified wrapper's baseline and does not flag the
 * wrapper itself; bad baselines are input errors; pictures are drawn; and
 * `upgrade` gives its verdict.
 */
#include "command.h"
#include <jansson.h>
#include <stdbool.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct spawned r;

static json_t *load_json(const char *path)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    ck_assert_msg(doc != NULL, "%s: %s", path, e.text);
    return doc;
}

static double number(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_number(v), "no number \"%s\"", key);
    return json_number_value(v);
}

static const json_t *phase_named(const json_t *run, const char *name)
{
    size_t i;
    const json_t *ph;
    json_array_foreach(json_object_get(run, "phases"), i, ph)
    {
        if (strcmp(json_string_value(json_object_get(ph, "name")), name) == 0) return ph;
    }
    ck_abort_msg("no phase %s", name);
    return NULL;
}

/* `gauntlet stress ARGS... --json F` in a fresh directory; it must succeed.
 * Returns the results document, and the path of F in json (256 bytes). */
static json_t *stress_results(const char *const args[], char *json)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(json, 256, "%s/results.json", dir);
    const char *argv[32] = {"gauntlet", "stress"};
    size_t n = 2;
    for (; args[n - 2] != NULL && n < 29; n++)
        argv[n] = args[n - 2];
    argv[n++] = "--json";
    argv[n++] = json;
    argv[n] = NULL;
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    return load_json(json);
}

/* Each workload's phases, as the README documents them (scale 0.02). */
static size_t expected_phases(const char *workload)
{
    static const struct {
        const char *name;
        size_t phases;
    } table[] = {{"server", 11},      {"fragment", 4},       {"producer-consumer", 4},
                 {"thread-churn", 5}, {"realloc-growth", 3}, {"spike", 5},
                 {"replay", 5}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(table[i].name, workload) == 0) return table[i].phases;
    ck_abort_msg("unknown workload %s", workload);
    return 0;
}

static void check_run(const json_t *run)
{
    const char *alloc = json_string_value(json_object_get(run, "allocator"));
    const char *workload = json_string_value(json_object_get(run, "workload"));
    ck_assert_msg(strcmp(json_string_value(json_object_get(run, "status")), "ok") == 0,
                  "%s × %s: %s", alloc, workload,
                  json_string_value(json_object_get(run, "detail")));
    ck_assert_uint_eq(json_array_size(json_object_get(run, "phases")), expected_phases(workload));
    double peak = number(run, "peak_rss"), live = number(run, "peak_live_bytes");
    double harness = number(json_object_get(run, "harness"), "rss_before_allocator");
    ck_assert_msg(peak > harness && live > 0, "%s × %s: peak %g, harness %g, live %g", alloc,
                  workload, peak, harness, live);
    /* Every block is written in full (replay's too: the oracle's fill_whole),
     * so its pages are resident: a fragmentation below 1 would be a lie. */
    ck_assert_msg(peak >= live, "%s × %s: peak RSS %g below live bytes %g", alloc, workload, peak,
                  live);
    ck_assert_msg(json_array_size(json_object_get(json_object_get(run, "series"), "rss")) >= 1,
                  "%s × %s: no samples", alloc, workload);
    const json_t *first = json_array_get(json_object_get(run, "phases"), 0);
    ck_assert_msg(json_object_size(json_object_get(first, "allocator_stats")) > 0,
                  "%s: no allocator statistics", alloc);
    if (strcmp(workload, "spike") == 0) {
        ck_assert_msg(json_is_string(json_object_get(run, "release_call")), "%s: no release",
                      alloc);
        ck_assert_msg(number(phase_named(run, "released"), "rss") <
                          number(phase_named(run, "spike"), "rss"),
                      "%s: RSS after release not below the spike", alloc);
    }
}

START_TEST(every_workload_runs_on_every_allocator)
{
    char json[256];
    const char *args[] = {"--alloc", "all",      "--workload", "all", "--scale",
                          "0.02",    "--settle", "0.1",        NULL};
    json_t *doc = stress_results(args, json);
    ck_assert_ptr_nonnull(strstr(r.out, "server: RSS at start-up and after N requests"));
    ck_assert_str_eq(json_string_value(json_object_get(doc, "schema")),
                     "gauntlet-stress/1"); /* SCHEMA.md */
    const json_t *runs = json_object_get(doc, "runs");
    ck_assert_uint_eq(json_array_size(runs), 7 * 4);
    size_t i;
    const json_t *run;
    json_array_foreach(runs, i, run) check_run(run);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "summary")), 7 * 4);
    json_decref(doc);
}
END_TEST

/* /usr/bin/time -v reports the kernel's maximum resident set size of the
 * whole process tree; the driver's peak (no per-phase resets, which the
 * kernel's counter would follow) must agree within 2%. */
static void check_fidelity(const char *alloc, const char *workload)
{
    char dir[128], json[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(json, sizeof json, "%s/f.json", dir);
    const char *argv[] = {"/usr/bin/time",
                          "-v",
                          gauntlet_path(),
                          "stress",
                          "--alloc",
                          alloc,
                          "--workload",
                          workload,
                          "--scale",
                          "0.25",
                          "--settle",
                          "0",
                          "--no-phase-reset",
                          "--json",
                          json,
                          NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    const char *line = strstr(r.err, "Maximum resident set size (kbytes): ");
    ck_assert_ptr_nonnull(line);
    double kernel = atof(line + strlen("Maximum resident set size (kbytes): ")) * 1024;
    json_t *doc = load_json(json);
    double driver = number(json_array_get(json_object_get(doc, "runs"), 0), "peak_rss");
    double ratio = driver / kernel;
    ck_assert_msg(ratio > 0.98 && ratio < 1.02, "%s × %s: driver %g, /usr/bin/time %g (%.3f)",
                  alloc, workload, driver, kernel, ratio);
    json_decref(doc);
}

START_TEST(peak_rss_agrees_with_usr_bin_time)
{
    check_fidelity("glibc", "spike");
    check_fidelity("jemalloc", "fragment");
    check_fidelity("mimalloc", "server");
}
END_TEST

START_TEST(phase_resets_give_per_phase_peaks)
{
    char json[256];
    const char *args[] = {"--alloc", "glibc",    "--workload", "spike", "--scale",
                          "0.25",    "--settle", "0",          NULL};
    json_t *doc = stress_results(args, json);
    const json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    double spike = number(phase_named(run, "spike"), "peak_rss");
    double settled = number(phase_named(run, "settled"), "peak_rss");
    double freed = number(phase_named(run, "freed"), "rss");
    /* The idle phase starts where "freed" ended: its own peak is that RSS,
     * not the spike's, when VmHWM was reset at its start. */
    ck_assert_msg(settled < spike && settled <= freed * 1.02 + (1 << 20),
                  "settled peak %g, freed RSS %g, spike peak %g: VmHWM was not reset", settled,
                  freed, spike);
    ck_assert_double_eq(number(run, "peak_rss"), spike);
    json_decref(doc);
}
END_TEST

/* scribble flips byte 0 of the block allocated last: in server's requests
 * that is a different block every time, so sampled checks meet one soon. */
START_TEST(content_checks_catch_a_corrupting_allocator)
{
    char alloc[512], dir[128], json[256];
    defective_library(alloc, sizeof alloc, "scribble");
    make_temp_dir(dir, sizeof dir);
    snprintf(json, sizeof json, "%s/s.json", dir);
    const char *argv[] = {"gauntlet", "stress", "--alloc", alloc, "--workload", "server",
                          "--scale",  "0.02",   "--json",  json,  NULL};
    spawn_run(argv, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "VIOLATION of `contents`"));
    ck_assert_ptr_nonnull(strstr(r.err, "reproduce: gauntlet stress --alloc"));
    json_t *doc = load_json(json);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(doc, "runs"), 0), "status")),
                     "finding");
    json_decref(doc);
}
END_TEST

/* Figures of the same allocator at the same settings: the leaking and the
 * bloating wrappers must be flagged, the unmodified wrapper must not. */
static void stress_against(const char *defect, const char *baseline, const char *json)
{
    char alloc[512];
    defective_library(alloc, sizeof alloc, defect);
    const char *argv[] = {"gauntlet",
                          "stress",
                          "--alloc",
                          alloc,
                          "--workload",
                          "server,fragment,producer-consumer",
                          "--scale",
                          "0.05",
                          "--repeat",
                          "3",
                          baseline ? "--baseline" : "--json",
                          baseline ? baseline : json,
                          NULL};
    spawn_run(argv, &r);
}

START_TEST(baseline_flags_leak_and_bloat_not_the_wrapper)
{
    char dir[128], base[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(base, sizeof base, "%s/none.json", dir);
    stress_against("none", NULL, base);
    ck_assert_msg(r.status == 0, "baseline run: %d %s", r.status, r.err);
    stress_against("leak", base, NULL);
    ck_assert_msg(r.status == 1, "leak not flagged: %s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "REGRESSED"));
    stress_against("bloat", base, NULL);
    ck_assert_msg(r.status == 1, "bloat not flagged: %s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "REGRESSED"));
    stress_against("none", base, NULL);
    const char *verdicts = strstr(r.out, "against the baseline");
    ck_assert_msg(r.status == 0, "the unmodified wrapper was flagged: %s",
                  verdicts ? verdicts : r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "no memory regression"));

    /* compare says the same of two saved documents. */
    char bloat[256];
    snprintf(bloat, sizeof bloat, "%s/bloat.json", dir);
    stress_against("bloat", NULL, bloat);
    const char *same[] = {"gauntlet", "compare", base, base, NULL};
    spawn_run(same, &r);
    ck_assert_int_eq(r.status, 0);
    const char *worse[] = {"gauntlet", "compare", base, bloat, NULL};
    spawn_run(worse, &r);
    ck_assert_int_eq(r.status, 1);
}
END_TEST

START_TEST(bad_baselines_are_input_errors)
{
    char dir[128], corrupt[256], other[256], small[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.json", dir);
    snprintf(other, sizeof other, "%s/other.json", dir);
    snprintf(small, sizeof small, "%s/small.json", dir);
    write_file(corrupt, "{\"schema\": \"gauntlet-stress/1\", \"runs\": [");
    write_file(other, "{\"schema\": \"gauntlet-stress/0\", \"runs\": [], \"summary\": []}");
    const struct {
        const char *path, *message;
    } cases[] = {{"/nonexistent/base.json", "cannot read"},
                 {corrupt, "not a results document"},
                 {other, "gauntlet-stress/0"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *argv[] = {"gauntlet",   "stress",      "--alloc", "glibc",
                              "--workload", "fragment",    "--scale", "0.01",
                              "--baseline", cases[i].path, NULL};
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 2, "%s: exit %d", cases[i].path, r.status);
        ck_assert_msg(strstr(r.err, cases[i].message) != NULL, "%s: %s", cases[i].path, r.err);
    }
    /* A baseline measured at another scale is not comparable. */
    const char *make[] = {"gauntlet", "stress", "--alloc", "glibc", "--workload", "fragment",
                          "--scale",  "0.01",   "--json",  small,   NULL};
    spawn_run(make, &r);
    ck_assert_int_eq(r.status, 0);
    const char *mismatch[] = {"gauntlet", "stress", "--alloc",    "glibc", "--workload", "fragment",
                              "--scale",  "0.02",   "--baseline", small,   NULL};
    spawn_run(mismatch, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "not comparable"));
    /* So is one measured under other allocator settings (--alloc-env). */
    const char *tuned[] = {"gauntlet",    "stress",
                           "--alloc",     "glibc",
                           "--workload",  "fragment",
                           "--scale",     "0.01",
                           "--alloc-env", "GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
                           "--baseline",  small,
                           NULL};
    spawn_run(tuned, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "not comparable") && strstr(r.err, "alloc_env"),
                  "exit %d: %s", r.status, r.err);
}
END_TEST

static void check_picture(const char *dir, const char *name, const char *magic)
{
    char path[512], head[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    ck_assert_msg(n > 8 && memmem(head, n, magic, strlen(magic)) != NULL, "%s: not a picture",
                  path);
}

START_TEST(plot_draws_pictures)
{
    char dir[128], plots[256];
    make_temp_dir(dir, sizeof dir);
    snprintf(plots, sizeof plots, "%s/plots", dir);
    const char *argv[] = {"gauntlet",     "stress",  "--alloc", "glibc,mimalloc", "--workload",
                          "server,spike", "--scale", "0.02",    "--settle",       "0.1",
                          "--plot",       plots,     NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    check_picture(plots, "rss-server.png", "PNG");
    check_picture(plots, "rss-spike.svg", "<svg");
    check_picture(plots, "peak-rss.png", "PNG");
    check_picture(plots, "fragmentation.svg", "<svg");
    check_picture(plots, "phases-server.png", "PNG");
    check_picture(plots, "phases-spike.svg", "<svg");
    /* The server's chart is the seed's question: a point per phase, startup first. */
    char dat[512];
    snprintf(dat, sizeof dat, "%s/phases-server.dat", plots);
    FILE *f = fopen(dat, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    unsigned points = 0;
    bool startup_first = false;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#' && line[0] != '\n')
            startup_first |= points++ == 0 && strstr(line, "\"startup\"") != NULL;
    fclose(f);
    ck_assert_uint_eq(points, 11);
    ck_assert(startup_first);
}
END_TEST

/* `gauntlet plot` draws a document made earlier; a missing one is an input error. */
START_TEST(plot_command_redraws_a_document)
{
    char json[256], plots[300];
    const char *args[] = {"--alloc", "glibc", "--workload", "server", "--scale", "0.02", NULL};
    json_decref(stress_results(args, json));
    snprintf(plots, sizeof plots, "%s.plots", json);
    const char *argv[] = {"gauntlet", "plot", json, plots, NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    check_picture(plots, "phases-server.png", "PNG");
    check_picture(plots, "rss-server.svg", "<svg");
    const char *missing[] = {"gauntlet", "plot", "/nonexistent.json", plots, NULL};
    spawn_run(missing, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot read"));
}
END_TEST

/* Children run with a fixed address layout unless --aslr: the same replay
 * then holds the same RSS every time, and --aslr is recorded, and kept apart
 * in comparisons. */
START_TEST(children_run_with_a_fixed_layout_unless_asked)
{
    char fixed_json[256], random_json[256];
    const char *fixed[] = {"--alloc", "glibc",    "--workload", "replay", "--scale",
                           "0.05",    "--repeat", "3",          NULL};
    json_t *doc = stress_results(fixed, fixed_json);
    ck_assert(json_is_false(json_object_get(json_object_get(doc, "settings"), "aslr")));
    const json_t *runs = json_object_get(doc, "runs");
    ck_assert_uint_eq(json_array_size(runs), 3);
    for (size_t i = 0; i < 3; i++) {
        const json_t *run = json_array_get(runs, i);
        ck_assert(json_is_false(json_object_get(run, "address_randomization")));
        ck_assert_msg(number(run, "peak_live_bytes") ==
                          number(json_array_get(runs, 0), "peak_live_bytes"),
                      "replay's live bytes are the program's: the same in every run");
    }
    const char *randomized[] = {"--alloc", "glibc", "--workload", "replay",
                                "--scale", "0.05",  "--aslr",     NULL};
    json_t *other = stress_results(randomized, random_json);
    ck_assert(json_is_true(json_object_get(json_object_get(other, "settings"), "aslr")));
    ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(other, "runs"), 0),
                                           "address_randomization")));
    const char *compare[] = {"gauntlet", "compare", fixed_json, random_json, NULL};
    spawn_run(compare, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "aslr"));
    json_decref(doc);
    json_decref(other);
}
END_TEST

/* --requests N: the server serves exactly N, in ten batches, and a baseline
 * measured with another N is refused before anything runs. */
START_TEST(server_serves_the_requests_asked)
{
    char json[256];
    const char *args[] = {"--alloc", "glibc",      "--workload", "server", "--scale",
                          "0.02",    "--requests", "130",        NULL};
    json_t *doc = stress_results(args, json);
    const json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    const json_t *phases = json_object_get(run, "phases");
    ck_assert_uint_eq(json_array_size(phases), 11);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phases, 1), "name")),
                     "requests:13");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(phases, 10), "name")),
                     "requests:130");
    json_decref(doc);

    const char *other[] = {"gauntlet",   "stress",  "--alloc", "glibc",      "--workload",
                           "server",     "--scale", "0.02",    "--requests", "140",
                           "--baseline", json,      NULL};
    spawn_run(other, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "requests"));
    ck_assert_ptr_null(strstr(r.out, "requests:140")); /* refused before running */
}
END_TEST

static void upgrade(const char *new_defect, const char *fuzz_seconds, const char *out)
{
    char old_alloc[512], new_alloc[512];
    defective_library(old_alloc, sizeof old_alloc, "none");
    defective_library(new_alloc, sizeof new_alloc, new_defect);
    const char *argv[] = {"gauntlet", "upgrade", "--old",      old_alloc,    "--new",
                          new_alloc,  "--time",  fuzz_seconds, "--workload", "server,fragment",
                          "--scale",  "0.05",    "--repeat",   "2",          "--out",
                          out,        NULL};
    spawn_run(argv, &r);
}

START_TEST(upgrade_gives_one_verdict)
{
    char dir[128];
    make_temp_dir(dir, sizeof dir);
    upgrade("bloat", "2", dir);
    ck_assert_msg(r.status == 1, "bloat: exit %d %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "regression corpus      PASS"));
    ck_assert_ptr_nonnull(strstr(r.out, "fuzz campaign          PASS"));
    ck_assert_ptr_nonnull(strstr(r.out, "REGRESSED"));
    ck_assert_ptr_nonnull(strstr(r.out, "verdict: NOT SAFE"));
    upgrade("scribble", "0", dir);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "regression corpus      FAIL"));
    ck_assert_ptr_nonnull(strstr(r.out, "stress content checks  FAIL"));
    const char *same[] = {"gauntlet", "upgrade", "--old", "glibc", "--new", "glibc", NULL};
    spawn_run(same, &r);
    ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(stress_commands_have_help)
{
    const char *commands[] = {"stress", "stress-one", "compare", "upgrade", "stress-bench", "plot"};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const char *argv[] = {"gauntlet", commands[i], "--help", NULL};
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 0, "%s --help exited %d", commands[i], r.status);
        ck_assert_ptr_nonnull(strstr(r.out, "usage: gauntlet"));
    }
    const char *unknown[] = {"gauntlet",   "stress", "--alloc", "glibc",
                             "--workload", "nosuch", NULL};
    spawn_run(unknown, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown workload"));
}
END_TEST

Suite *stress_suite(void)
{
    Suite *s = suite_create("stress");
    TCase *t = tcase_create("stress");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, every_workload_runs_on_every_allocator);
    tcase_add_test(t, peak_rss_agrees_with_usr_bin_time);
    tcase_add_test(t, phase_resets_give_per_phase_peaks);
    tcase_add_test(t, content_checks_catch_a_corrupting_allocator);
    tcase_add_test(t, baseline_flags_leak_and_bloat_not_the_wrapper);
    tcase_add_test(t, bad_baselines_are_input_errors);
    tcase_add_test(t, plot_draws_pictures);
    tcase_add_test(t, server_serves_the_requests_asked);
    tcase_add_test(t, children_run_with_a_fixed_layout_unless_asked);
    tcase_add_test(t, plot_command_redraws_a_document);
    tcase_add_test(t, upgrade_gives_one_verdict);
    tcase_add_test(t, stress_commands_have_help);
    suite_add_tcase(s, t);
    return s;
}
