/*
 * cmd_upgrade.c — `gauntlet upgrade --old A --new B`: is it safe to move
 * from allocator A to B (a new release, a patched build)? One command, one
 * verdict: B must pass the regression corpus and the seeds, a short fuzz
 * campaign, and every stress workload's content checks; and no memory
 * figure of B may regress beyond the tolerance against A, both measured
 * here, now, alternately (stress_collect interleaves them). A workload with
 * a figure that moved or was too noisy to judge is measured again, as many
 * repeats more, before the verdict (measure_again). A figure still too
 * noisy, or measured after unlike actions, is listed and does not decide.
 * Only B's findings count against it (A's are shown); a run that failed to
 * run leaves no verdict (exit 2) unless B already failed (exit 1).
 * Exit 0: safe; 1: B failed a check or regressed; 2: usage or set-up error,
 * a run that failed to run, or nothing compared.
 */
#include "cli.h"
#include "stress.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char upgrade_help[] =
    "usage: gauntlet upgrade --old NAME --new NAME [--time SECONDS] [--repeat N]\n"
    "                        [--workload LIST] [--out DIR] [stress options]\n"
    "\n"
    "Validates an allocator upgrade: NEW replays the regression corpus and the seeds\n"
    "(a known bug of NEW's version that OLD has too is shown, not counted), is fuzzed\n"
    "for --time seconds (60; 0 skips it), and runs every stress workload\n"
    "next to OLD (--repeat 3 each, interleaved). One verdict table: correctness\n"
    "(pass/fail with findings), then each memory and speed figure, old vs new. A\n"
    "workload with a figure that moved or was too noisy to judge is measured again,\n"
    "--repeat times more, before the verdict.\n"
    "  --out DIR          made first: DIR/fuzz (findings), DIR/fuzz.log,\n"
    "                     DIR/stress.json and DIR/pictures (default: build/upgrade-out\n"
    "                     of the repository)\n"
    "  --tolerance PCT, --min-change SIZE   as `gauntlet compare`\n" STRESS_TIMEOUT_HELP
        STRESS_OPTIONS_HELP
    "Exit status: 0 safe; 1 NEW failed a check (a finding of OLD's is shown, not held\n"
    "against NEW) or a memory figure regressed; 2 usage or set-up error, a stress run\n"
    "that failed to run, or nothing compared (no verdict). 1 outranks 2.\n";

struct check {
    const char *name;
    bool ran, passed;
    char detail[512];
};

/* A real bug the program says the new allocator's version has (`# affects:`,
 * matched against the report's allocator line) that the old one has too:
 * known before the upgrade, not brought by it. */
static bool known_before(const char *old_alloc, const struct settings *env, const char *path,
                         const struct child_verdict *r)
{
    if (!program_file_affects(path, r->report)) return false;
    struct run_options o = {.alloc = old_alloc, .settings = *env};
    struct child_verdict before;
    return child_run_file(&o, path, &before) && before.status == VERDICT_FAIL;
}

/* Every program of corpus/regressions and corpus/seeds against the new allocator. */
static void check_corpus(const char *old_alloc, const char *alloc, const struct settings *env,
                         struct check *c)
{
    static const char *const dirs[] = {"corpus/regressions", "corpus/seeds"};
    struct run_options o = {.alloc = alloc, .settings = *env};
    unsigned total = 0, failed = 0;
    c->ran = true;
    c->detail[0] = '\0';
    for (size_t d = 0; d < 2; d++) {
        char dir[4096];
        path_printf(dir, sizeof dir, "%s/%s", data_dir(), dirs[d]);
        DIR *dh = opendir(dir);
        if (dh == NULL) {
            fprintf(stderr, "gauntlet upgrade: cannot read %s\n", dir);
            exit(EXIT_USAGE);
        }
        for (struct dirent *e; (e = readdir(dh)) != NULL;) {
            if (e->d_name[0] == '.') continue;
            char path[8192];
            path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
            struct child_verdict r;
            total++;
            if (!child_run_file(&o, path, &r) || r.status == VERDICT_ERROR) {
                fprintf(stderr, "gauntlet upgrade: cannot replay %s: %s\n", path, r.message);
                exit(EXIT_USAGE);
            }
            if (r.status == VERDICT_FAIL && known_before(old_alloc, env, path, &r)) {
                fprintf(stderr,
                        "gauntlet upgrade: %s fails %s, a bug it says this version has, and so "
                        "does the old allocator: not counted\n",
                        alloc, path);
            } else if (r.status == VERDICT_FAIL) {
                if (failed++ == 0)
                    snprintf(c->detail, sizeof c->detail, "%.200s: %s (%s)", e->d_name, r.invariant,
                             r.kind);
                fprintf(stderr, "gauntlet upgrade: %s fails %s:\n%s", alloc, path, r.report);
            }
        }
        closedir(dh);
    }
    c->passed = failed == 0;
    if (c->passed)
        snprintf(c->detail, sizeof c->detail, "%u programs", total);
    else {
        char first[512];
        snprintf(first, sizeof first, "%s", c->detail);
        snprintf(c->detail, sizeof c->detail, "%u of %u programs fail; first %.400s", failed, total,
                 first);
    }
}

/* A fuzz campaign in a child `gauntlet fuzz`; its summary line is the detail. */
static void check_fuzz(const char *alloc, const struct settings *env, unsigned seconds,
                       const char *out, struct check *c)
{
    char time_text[16], fuzz_out[4096], log_path[4096];
    snprintf(time_text, sizeof time_text, "%u", seconds);
    path_printf(fuzz_out, sizeof fuzz_out, "%s/fuzz", out);
    path_printf(log_path, sizeof log_path, "%s/fuzz.log", out);
    const char *argv[12 + 2 * SETTINGS_COUNT_MAX] = {self_path(), "fuzz",  "--alloc", alloc,
                                                     "--san",     "none",  "--time",  time_text,
                                                     "--out",     fuzz_out};
    settings_add_args(env, argv, 10);
    fprintf(stderr, "gauntlet upgrade: fuzzing %s for %u s (log: %s)...\n", alloc, seconds,
            log_path);
    unlink(log_path);
    struct process campaign = {.argv = argv, .out_path = log_path};
    int status = process_run(&campaign, 0);
    process_honour_stop(&campaign);
    int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != 0 && code != EXIT_FINDING) {
        fprintf(stderr, "gauntlet upgrade: the fuzz campaign could not run (status %d); see %s\n",
                code, log_path);
        exit(EXIT_USAGE);
    }
    c->ran = true;
    c->passed = code == 0;
    /* The last "summary:" or "finding:" line of the log says what happened. */
    FILE *log = fopen(log_path, "r");
    char line[512];
    snprintf(c->detail, sizeof c->detail, "see %.400s", log_path);
    while (log && fgets(line, sizeof line, log))
        if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "finding:", 8) == 0)
            snprintf(c->detail, sizeof c->detail, "%.*s", (int)strcspn(line, "\n"), line);
    if (log) fclose(log);
}

static bool run_of(const json_t *run, const char *alloc)
{
    const char *name = json_string_value(json_object_get(run, "allocator"));
    return name && strcmp(name, alloc) == 0;
}

/* One allocator's runs: how many, and how many caught a defect or failed to run. */
struct run_counts {
    unsigned runs, findings, errors;
};
static struct run_counts count_runs(const json_t *doc, const char *alloc)
{
    struct run_counts c = {0};
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        if (!run_of(run, alloc)) continue;
        const char *status = json_string_value(json_object_get(run, "status"));
        c.runs++;
        c.findings += status && strcmp(status, "finding") == 0;
        c.errors += !status || (strcmp(status, "ok") != 0 && strcmp(status, "finding") != 0);
    }
    return c;
}

/* The part of a stress document that concerns one allocator, as a document. */
static json_t *one_allocator(const json_t *doc, const char *alloc)
{
    json_t *runs = json_array();
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        if (run_of(run, alloc)) json_array_append(runs, (json_t *)run);
    }
    return json_pack("{s:s, s:o, s:o}", "schema", STRESS_SCHEMA, "summary", stress_summarize(runs),
                     "runs", runs);
}

/* The workloads whose figures moved beyond the tolerance or were too noisy
 * to judge are measured again, as many repeats more, both sides
 * interleaved, and their runs added to doc: a figure that lands in one of
 * two modes run by run (jemalloc's clock-driven purging) can draw all of
 * one side's repeats from one mode by chance, and an upgrade must not be
 * NOT SAFE on that draw. Returns how many workloads were measured again. */
static unsigned measure_again(json_t *doc, const struct stress_plan *plan,
                              const struct compare_options *compare, const char *command)
{
    json_t *old_doc = one_allocator(doc, plan->allocs[0]);
    json_t *new_doc = one_allocator(doc, plan->allocs[1]);
    struct compare_counts judged;
    char err[1024];
    const char *again[COMPARE_MAX_FLAGGED];
    unsigned count = 0;
    if (stress_compare(old_doc, new_doc, compare, NULL, &judged, err, sizeof err) >= 0)
        for (unsigned f = 0; f < judged.flagged_count; f++)
            for (unsigned w = 0; w < plan->workload_count; w++)
                if (strcmp(plan->workloads[w], judged.flagged[f]) == 0)
                    again[count++] = plan->workloads[w];
    json_decref(old_doc);
    json_decref(new_doc);
    if (count == 0) return 0;
    fprintf(stderr,
            "gauntlet upgrade: %u workload(s) moved or were too noisy to judge in %u "
            "repeats; measuring them %u times more:",
            count, plan->repeat, plan->repeat);
    for (unsigned w = 0; w < count; w++)
        fprintf(stderr, " %s", again[w]);
    fputc('\n', stderr);
    struct stress_plan more = *plan;
    more.workloads = again;
    more.workload_count = count;
    more.first_repeat = plan->repeat;
    struct collect_counts counts;
    json_t *extra = stress_collect(&more, command, &counts);
    json_t *runs = json_object_get(doc, "runs");
    json_array_extend(runs, json_object_get(extra, "runs"));
    json_object_set_new(doc, "summary", stress_summarize(runs));
    json_decref(extra);
    return count;
}

static void print_check(const struct check *c)
{
    printf("  %-22s %-5s %s\n", c->name, !c->ran ? "skip" : c->passed ? "PASS" : "FAIL", c->detail);
}

int cmd_upgrade(int argc, char **argv)
{
    const char *old_name = NULL, *new_name = NULL, *out = NULL;
    static const char *names[32];
    const char *allocs[2];
    unsigned fuzz_seconds = 60;
    struct stress_plan plan = {.allocs = allocs, .alloc_count = 2, .workloads = names, .repeat = 3};
    stress_params_default(&plan.params);
    struct compare_options compare;
    compare_options_default(&compare);
    char all[] = "all", *workload_list = all;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            fputs(upgrade_help, stdout);
            return 0;
        } else if (strcmp(arg, "--old") == 0 && value) {
            old_name = argv[++i];
        } else if (strcmp(arg, "--new") == 0 && value) {
            new_name = argv[++i];
        } else if (strcmp(arg, "--out") == 0 && value) {
            out = argv[++i];
        } else if (strcmp(arg, "--time") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n > 86400)
                usage_error("upgrade", "--time needs seconds in 0..86400");
            fuzz_seconds = (unsigned)n;
        } else if (strcmp(arg, "--repeat") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n == 0 || n > 99)
                usage_error("upgrade", "--repeat needs a count in 1..99");
            plan.repeat = (unsigned)n;
        } else if (strcmp(arg, "--workload") == 0 && value) {
            workload_list = argv[++i];
        } else if (!parse_timeout_option("upgrade", argc, argv, &i, &plan) &&
                   !parse_compare_option("upgrade", argc, argv, &i, &compare) &&
                   !parse_stress_option("upgrade", argc, argv, &i, &plan.params)) {
            usage_error("upgrade", "unknown or incomplete option '%s'", arg);
        }
    }
    if (old_name == NULL || new_name == NULL)
        usage_error("upgrade", "--old and --new are both required");
    settings_apply("upgrade", &plan.params.alloc_env);
    if (strcmp(old_name, new_name) == 0)
        usage_error("upgrade", "--old and --new name the same allocator");
    char err[1024];
    for (int k = 0; k < 2; k++)
        if (!allocator_installed(k ? new_name : old_name, err, sizeof err)) {
            fprintf(stderr, "gauntlet upgrade: %s\n", err);
            return EXIT_USAGE;
        }
    allocs[0] = old_name;
    allocs[1] = new_name;
    plan.workload_count = parse_workload_list("upgrade", workload_list, names, 32);
    /* The output directory, before anything long runs: by default
     * upgrade-out under the output root (locations.c), wherever the command
     * is run from. */
    char default_out[4096];
    if (out == NULL) {
        path_printf(default_out, sizeof default_out, "%s/upgrade-out", output_root());
        out = default_out;
    }
    if (!make_directories(out) || access(out, W_OK | X_OK) != 0) {
        fprintf(stderr, "gauntlet upgrade: cannot make or write the output directory %s: %s\n", out,
                strerror(errno));
        return EXIT_USAGE;
    }

    struct check corpus = {.name = "regression corpus"}, fuzz = {.name = "fuzz campaign"},
                 stress = {.name = "stress content checks"};
    fprintf(stderr, "gauntlet upgrade: replaying the corpus against %s...\n", new_name);
    check_corpus(old_name, new_name, &plan.params.alloc_env, &corpus);
    if (fuzz_seconds > 0)
        check_fuzz(new_name, &plan.params.alloc_env, fuzz_seconds, out, &fuzz);
    else
        snprintf(fuzz.detail, sizeof fuzz.detail, "--time 0");

    char command[256];
    snprintf(command, sizeof command, "gauntlet upgrade (stress part)");
    struct collect_counts counts;
    json_t *doc = stress_collect(&plan, command, &counts);
    unsigned measured_again = measure_again(doc, &plan, &compare, command);
    bool error = false;
    char json_path[4096], pictures[4096];
    path_printf(json_path, sizeof json_path, "%s/stress.json", out);
    if (!stress_json_write(json_path, doc, JSON_INDENT(1))) {
        fprintf(stderr, "gauntlet upgrade: cannot encode the stress results for %s\n", json_path);
        error = true;
    }
    /* The pictures are an extra: without them the verdict stands. */
    path_printf(pictures, sizeof pictures, "%s/pictures", out);
    if (stress_plot(doc, pictures, err, sizeof err))
        fprintf(stderr, "gauntlet upgrade: pictures in %s/\n", pictures);
    else
        fprintf(stderr, "gauntlet upgrade: no pictures: %s\n", err);

    /* Only the new allocator's findings judge it; the old one's are shown. */
    struct run_counts old_runs = count_runs(doc, old_name), new_runs = count_runs(doc, new_name);
    stress.ran = true;
    stress.passed = new_runs.findings == 0;
    int n = snprintf(stress.detail, sizeof stress.detail, "%u runs, %u caught a defect",
                     new_runs.runs, new_runs.findings);
    if (new_runs.errors)
        n += snprintf(stress.detail + n, sizeof stress.detail - (size_t)n, ", %u failed to run",
                      new_runs.errors);
    snprintf(stress.detail + n, sizeof stress.detail - (size_t)n, " (JSON: %.300s)", json_path);

    printf("\nupgrade: %s -> %s\n", old_name, new_name);
    for (unsigned i = 0; i < plan.params.alloc_env.count; i++)
        printf("  with --alloc-env %s (both)\n", plan.params.alloc_env.list[i]);
    printf("\ncorrectness of %s\n", new_name);
    print_check(&corpus);
    print_check(&fuzz);
    print_check(&stress);
    if (old_runs.findings || old_runs.errors)
        printf("  (%s, the old allocator: %u of %u runs caught a defect, %u failed to run; not "
               "held against %s)\n",
               old_name, old_runs.findings, old_runs.runs, old_runs.errors, new_name);
    printf("\nmemory and speed, %s (old) vs %s (new), medians of %u", old_name, new_name,
           plan.repeat);
    if (measured_again)
        printf(" (of %u for the %u workload(s) measured again)", 2 * plan.repeat, measured_again);
    putchar('\n');
    json_t *old_doc = one_allocator(doc, old_name), *new_doc = one_allocator(doc, new_name);
    compare.show_headlines = true;
    struct compare_counts judged = {0};
    const char *why = NULL;
    int regressions = stress_compare(old_doc, new_doc, &compare, stdout, &judged, err, sizeof err);
    if (regressions < 0) {
        fprintf(stderr, "gauntlet upgrade: %s\n", err);
        error = true;
    } else if (compare_exit_status(&judged, &why) == EXIT_USAGE && judged.errors == 0) {
        fprintf(stderr, "gauntlet upgrade: %s\n", why);
        error = true;
    }
    error |= old_runs.errors + new_runs.errors > 0;
    bool failed = !corpus.passed || (fuzz.ran && !fuzz.passed) || !stress.passed || regressions > 0;
    if (failed)
        printf("\nverdict: NOT SAFE (see the FAIL and REGRESSED lines above)\n");
    else if (error)
        printf("\nverdict: none: %u stress run(s) failed to run or nothing could be compared "
               "(see above)\n",
               old_runs.errors + new_runs.errors);
    else {
        printf("\nverdict: SAFE (no failed check, no memory regression");
        if (judged.noisy) printf("; %d figure(s) too noisy to judge", judged.noisy);
        if (judged.unlike) printf("; %d not comparable", judged.unlike);
        printf(judged.noisy + judged.unlike ? ": see above)\n" : ")\n");
    }
    json_decref(old_doc);
    json_decref(new_doc);
    json_decref(doc);
    return failed ? EXIT_FINDING : error ? EXIT_USAGE : 0;
}
