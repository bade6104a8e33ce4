/*
 * test_nightly.c — ci/nightly.sh and the GitHub workflows kept in ci/github/.
 * A stand-in build (a shell-script gauntlet whose fuzz runs end as a plan file
 * says, and a libFuzzer merge that copies files) checks the script's
 * bookkeeping: every stored status of a night counts, nights are kept apart,
 * a set-up error is reported as one, options are checked, a killed run's
 * corpus and AFL++ queues reach the persistent corpus, progress is shown. One
 * short night with the real gauntlet and libFuzzer checks the whole path.
 * ci/check-workflows.py passes the committed workflows and catches each kind
 * of breakage it is there for.
 */
#include "command.h"
#include "runner.h"

#include <check.h>
#include <jansson.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct spawned r;

/* ROOT/build/gauntlet: `list` names two allocators, alpha and beta; `fuzz`
 * records its run in ROOT/fuzzed, adds a find to its corpus (AFL++ runs: to
 * two instances' queues, beside AFL++'s own state), and ends as ROOT/plan
 * says for its run: ok (the default), finding, error, or kill (the nightly
 * itself is killed, an unmerged find left in the run's corpus). */
static const char standin_gauntlet[] =
    "#!/bin/sh\n"
    "root=$(dirname \"$0\")/..\n"
    "case $1 in\n"
    "  list) printf 'alpha     stand-in\\nbeta      stand-in\\nso:PATH   any library\\n'; exit 0 "
    ";;\n"
    "  fuzz) shift ;;\n"
    "  *) exit 2 ;;\n"
    "esac\n"
    "while [ $# -gt 0 ]; do\n"
    "  case $1 in --alloc) a=$2 ;; --engine) e=$2 ;; --san) s=$2 ;; --out) out=$2 ;;\n"
    "    --corpus) corpus=$2 ;; esac\n"
    "  shift 2\n"
    "done\n"
    "name=$a-$e-$s\n"
    "echo \"$name\" >> \"$root/fuzzed\"\n"
    "how=$(awk -v n=\"$name\" '$1 == n {print $2}' \"$root/plan\" 2>/dev/null)\n"
    "echo \"find of $name\" > \"$corpus/find-$name\"\n"
    "if [ \"$e\" = afl ]; then\n"
    "  mkdir -p \"$out/afl/main/queue/.state\" \"$out/afl/secondary1/queue\"\n"
    "  echo 'afl main find' > \"$out/afl/main/queue/id:000000,time:0\"\n"
    "  echo 'afl secondary find' > \"$out/afl/secondary1/queue/id:000000,time:0\"\n"
    "  echo 'afl state' > \"$out/afl/main/queue/.state/variable_behavior\"\n"
    "fi\n"
    "case $how in\n"
    "  kill) echo \"unmerged find of $name\" > \"$corpus/unmerged\"; kill -KILL $PPID; exit 0 ;;\n"
    "  error) echo 'gauntlet fuzz: stand-in engine could not start' >&2; exit 2 ;;\n"
    "  finding) mkdir -p \"$out/findings\"; echo report > \"$out/findings/crash-1.report\";\n"
    "    echo 'finding: alignment'; n=1 ;;\n"
    "esac\n"
    "echo \"summary: $e on $a ($e, san $s): 1234 executions, 56 exec/s, coverage 78, corpus 2, "
    "findings ${n:-0} new, 0 repeats of known ones, 0 history-dependent (failed, but not alone); "
    "log $out/fuzz.log\"\n"
    "[ \"$how\" = finding ] && exit 1\n"
    "exit 0\n";

/* ROOT/build/fuzz/libfuzzer-none as the nightly runs it (-merge=1 ... DEST
 * SRC...): copies every input of the sources into DEST, or fails while
 * ROOT/merge-fails exists. */
static const char standin_merge[] =
    "#!/bin/sh\n"
    "root=$(dirname \"$0\")/../..\n"
    "[ -e \"$root/merge-fails\" ] && { echo 'stand-in merge: cannot run' >&2; exit 1; }\n"
    "dest=\n"
    "for a; do\n"
    "  case $a in -*) ;; *) if [ -z \"$dest\" ]; then dest=$a; else cp \"$a\"/* \"$dest\"/ "
    "2>/dev/null; fi ;; esac\n"
    "done\n"
    "exit 0\n";

static char root[64], dir[128];

static void make_executable(const char *path, const char *text)
{
    write_file(path, text);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

/* A fresh ROOT with the stand-in build; the nightly's DIR is ROOT/d. */
static void standin_root(void)
{
    char path[256];
    make_temp_dir(root, sizeof root);
    snprintf(path, sizeof path, "%s/build/fuzz", root);
    const char *mkdir_argv[] = {"mkdir", "-p", path, NULL};
    spawn_run(mkdir_argv, &r);
    ck_assert_int_eq(r.status, 0);
    snprintf(path, sizeof path, "%s/build/gauntlet", root);
    make_executable(path, standin_gauntlet);
    snprintf(path, sizeof path, "%s/build/fuzz/libfuzzer-none", root);
    make_executable(path, standin_merge);
    snprintf(dir, sizeof dir, "%s/d", root);
}

static void set_plan(const char *plan)
{
    char path[128];
    snprintf(path, sizeof path, "%s/plan", root);
    write_file(path, plan);
}

/* ci/nightly.sh on the stand-in build for one night, with more options after
 * these (a later option overrides an earlier one). */
static void nightly(const char *night, const char *configs, const char *const more[])
{
    char build[128];
    snprintf(build, sizeof build, "%s/build", root);
    const char *argv[40] = {"bash", "ci/nightly.sh", "--build", build,       "--dir",
                            dir,    "--night",       night,     "--configs", configs};
    int n = 10;
    for (int i = 0; more && more[i] && n < 39; i++)
        argv[n++] = more[i];
    argv[n] = NULL;
    spawn_run(argv, &r);
}

static const char *const alpha_only[] = {"--allocs", "alpha", NULL};

/* How many times the stand-in fuzzed run NAME. */
static int times_fuzzed(const char *name)
{
    char path[128], line[256];
    snprintf(path, sizeof path, "%s/fuzzed", root);
    FILE *f = fopen(path, "r");
    int count = 0;
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        count += strcmp(line, name) == 0;
    }
    fclose(f);
    return count;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* DIR/report.json, parsed; the caller frees it. */
static json_t *report(void)
{
    char path[160];
    json_error_t e;
    snprintf(path, sizeof path, "%s/report.json", dir);
    json_t *doc = json_load_file(path, 0, &e);
    ck_assert_msg(doc != NULL, "%s: %s (line %d)", path, e.text, e.line);
    return doc;
}

/* The report's row of one run, which must be there. */
static json_t *row(json_t *doc, const char *alloc, const char *engine, const char *san)
{
    json_t *runs = json_object_get(doc, "runs"), *run;
    size_t i;
    json_array_foreach(runs, i, run)
    {
        if (strcmp(json_string_value(json_object_get(run, "allocator")), alloc) == 0 &&
            strcmp(json_string_value(json_object_get(run, "engine")), engine) == 0 &&
            strcmp(json_string_value(json_object_get(run, "sanitizer")), san) == 0)
            return run;
    }
    ck_abort_msg("no row %s-%s-%s in report.json", alloc, engine, san);
    return NULL;
}

static const char *text(json_t *run, const char *key)
{
    const char *s = json_string_value(json_object_get(run, key));
    return s ? s : "(not a string)";
}

/* Whether some file under DIR holds `content` (grep -r). */
static bool holds(const char *where, const char *content)
{
    const char *argv[] = {"grep", "-rqF", content, where, NULL};
    struct spawned g;
    spawn_run(argv, &g);
    ck_assert_msg(g.status <= 1, "grep %s: exit %d", where, g.status);
    return g.status == 0;
}

/* A night started again after a finding or a set-up error, with one more run
 * that goes well: the stored status of the earlier run still decides (it was
 * read back, not fuzzed again), and its row says when it was done. */
static const struct {
    const char *how, *word;
    int status;
} stored[] = {{"finding", "finding", 1}, {"error", "error", 2}};

START_TEST(resumed_night_keeps_stored_status)
{
    standin_root();
    char plan[64];
    snprintf(plan, sizeof plan, "alpha-libfuzzer-none %s\n", stored[_i].how);
    set_plan(plan);
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == stored[_i].status, "first start: exit %d\n%s", r.status, r.err);
    nightly("2030-01-01", "libfuzzer:none libfuzzer:asan", alpha_only);
    ck_assert_msg(r.status == stored[_i].status, "second start: exit %d\n%s\n%s", r.status, r.out,
                  r.err);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 1);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-asan"), 1);
    json_t *doc = report();
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "exit_status")), stored[_i].status);
    json_t *earlier = row(doc, "alpha", "libfuzzer", "none");
    ck_assert_str_eq(text(earlier, "status"), stored[_i].word);
    ck_assert_msg(json_is_true(json_object_get(earlier, "reused")), "not marked reused");
    ck_assert(json_is_false(json_object_get(row(doc, "alpha", "libfuzzer", "asan"), "reused")));
    char when[128];
    snprintf(when, sizeof when, "%s (done by an earlier start)", text(earlier, "finished"));
    ck_assert_msg(strstr(r.out, when) != NULL, "no `%s` in:\n%s", when, r.out);
    json_decref(doc);
    /* Started once more with nothing left to fuzz: the same answer. */
    nightly("2030-01-01", "libfuzzer:none libfuzzer:asan", alpha_only);
    ck_assert_msg(r.status == stored[_i].status, "third start: exit %d\n%s", r.status, r.err);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 1);
}
END_TEST

/* A finding and a set-up error in one night: 1, as --help says, and the
 * report lists both. */
START_TEST(finding_outranks_setup_error)
{
    standin_root();
    set_plan("alpha-libfuzzer-none error\nbeta-libfuzzer-none finding\n");
    nightly("2030-01-01", "libfuzzer:none", NULL);
    ck_assert_msg(r.status == 1, "exit %d\n%s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "| alpha | libfuzzer | none | error |"));
    ck_assert_ptr_nonnull(strstr(r.out, "| beta | libfuzzer | none | finding |"));
    ck_assert_ptr_nonnull(strstr(r.out, "beta-libfuzzer-none: alignment"));
    const char *help[] = {"bash", "ci/nightly.sh", "--help", NULL};
    spawn_run(help, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "1 if any run found something; otherwise 2 if any run could not"),
                  "--help does not state the rule:\n%s", r.out);
}
END_TEST

/* A new night fuzzes every run again and dates its report by itself; the
 * earlier night's runs stay where they were. */
START_TEST(new_night_fuzzes_again)
{
    standin_root();
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    nightly("2030-01-02", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 2);
    json_t *doc = report();
    ck_assert_str_eq(text(doc, "night"), "2030-01-02");
    ck_assert(json_is_false(json_object_get(row(doc, "alpha", "libfuzzer", "none"), "reused")));
    json_decref(doc);
    ck_assert_ptr_nonnull(strstr(r.out, "night 2030-01-02"));
    char earlier[192];
    snprintf(earlier, sizeof earlier, "%s/runs/2030-01-01/alpha-libfuzzer-none.done", dir);
    ck_assert_msg(exists(earlier), "%s is gone", earlier);
}
END_TEST

/* `gauntlet fuzz` exiting 2: an error row, no findings count, exit 2. */
START_TEST(setup_error_is_an_error_row)
{
    standin_root();
    set_plan("alpha-libfuzzer-none error\n");
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 2, "exit %d\n%s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "| alpha | libfuzzer | none | error |"));
    ck_assert_ptr_nonnull(strstr(r.out, "stand-in engine could not start"));
    json_t *doc = report();
    json_t *run = row(doc, "alpha", "libfuzzer", "none");
    ck_assert_str_eq(text(run, "status"), "error");
    ck_assert_msg(json_is_null(json_object_get(run, "findings")), "findings is not null");
    ck_assert(json_is_null(json_object_get(run, "executions")));
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "exit_status")), 2);
    json_decref(doc);
}
END_TEST

/* Wrong options: exit 2 with a message naming the problem, before anything
 * is fuzzed or reported. Each is added after valid ones (a later option wins;
 * a last option lacks its value). */
static const struct {
    const char *args[3], *message;
} bad_options[] = {
    {{"--budget"}, "--budget needs a value"},
    {{"--budget", "abc"}, "--budget needs a whole number"},
    {{"--budget", "0"}, "--budget needs a whole number"},
    {{"--run-seconds", "0"}, "--run-seconds needs 1..604800"},
    {{"--configs", ""}, "--configs needs at least one"},
    {{"--configs", "libfuzzer:msan"}, "is not ENGINE:SAN"},
    {{"--configs", "honggfuzz:none"}, "is not ENGINE:SAN"},
    {{"--configs", "libfuzzer"}, "is not ENGINE:SAN"},
    {{"--configs", "afl:asan"}, "unsanitized"},
    {{"--configs", "afl:none afl:none"}, "listed twice"},
    {{"--allocs", "gamma"}, "allocator 'gamma' is not available"},
    {{"--allocs", ""}, "--allocs needs at least one"},
    {{"--night", "2030-13-45"}, "--night needs a date"},
    {{"--dir"}, "--dir needs a value"},
    {{"--bogus"}, "unknown argument '--bogus'"},
};

START_TEST(bad_option_is_a_usage_error)
{
    standin_root();
    nightly("2030-01-01", "libfuzzer:none", bad_options[_i].args);
    ck_assert_msg(r.status == 2, "%s: exit %d\n%s", bad_options[_i].message, r.status, r.err);
    ck_assert_msg(strstr(r.err, bad_options[_i].message) != NULL, "want `%s` in:\n%s",
                  bad_options[_i].message, r.err);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/report.json", dir);
    ck_assert_msg(!exists(path), "a report was written");
}
END_TEST

/* A nightly killed mid-run: started again, it merges what that run had found
 * into the persistent corpus before replacing the run's corpus. While the
 * merge fails nothing is removed and the run is an error, not fuzzed again;
 * a later start merges it. */
START_TEST(killed_run_keeps_its_corpus)
{
    standin_root();
    char persistent[160], unmerged[192], merge_fails[96];
    snprintf(persistent, sizeof persistent, "%s/corpus/alpha", dir);
    snprintf(unmerged, sizeof unmerged, "%s/runs/2030-01-01/alpha-libfuzzer-none/corpus/unmerged",
             dir);
    snprintf(merge_fails, sizeof merge_fails, "%s/merge-fails", root);
    set_plan("alpha-libfuzzer-none kill\n");
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 128 + 9, "the stand-in did not kill the nightly: exit %d\n%s",
                  r.status, r.err);
    ck_assert(exists(unmerged));

    set_plan("");
    write_file(merge_fails, "");
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 2, "failed merge: exit %d\n%s", r.status, r.err);
    ck_assert_msg(exists(unmerged), "the unmerged corpus was removed");
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 1);
    ck_assert_ptr_nonnull(strstr(r.out, "could not be merged"));

    ck_assert_int_eq(unlink(merge_fails), 0);
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 2, "the stored error still counts: exit %d\n%s", r.status, r.err);
    ck_assert_msg(holds(persistent, "unmerged find of alpha-libfuzzer-none"),
                  "the killed run's find is not in %s\n%s", persistent, r.err);

    /* Killed, then started again with the merge working: the find merged,
     * the run fuzzed again and well. */
    standin_root();
    snprintf(persistent, sizeof persistent, "%s/corpus/alpha", dir);
    set_plan("alpha-libfuzzer-none kill\n");
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_int_eq(r.status, 128 + 9);
    set_plan("");
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    ck_assert_int_eq(times_fuzzed("alpha-libfuzzer-none"), 2);
    ck_assert_ptr_nonnull(strstr(r.err, "merging the corpus of the unfinished run"));
    ck_assert_msg(holds(persistent, "unmerged find of alpha-libfuzzer-none"),
                  "the killed run's find is not in %s", persistent);
    ck_assert(holds(persistent, "find of alpha-libfuzzer-none"));
}
END_TEST

/* An AFL++ run's finds (every instance's queue) reach the persistent corpus;
 * AFL++'s own state does not. */
START_TEST(afl_queues_reach_the_persistent_corpus)
{
    standin_root();
    nightly("2030-01-01", "afl:none", alpha_only);
    ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.err);
    char persistent[160];
    snprintf(persistent, sizeof persistent, "%s/corpus/alpha", dir);
    ck_assert_msg(holds(persistent, "afl main find"), "the main queue was not merged");
    ck_assert_msg(holds(persistent, "afl secondary find"), "the secondary queue was not merged");
    ck_assert_msg(!holds(persistent, "afl state"), "AFL++'s state went into the corpus");
}
END_TEST

/* A line on stderr as each run starts and ends, with the time and the runs
 * left; a run done by an earlier start says so. */
START_TEST(progress_is_shown)
{
    standin_root();
    nightly("2030-01-01", "libfuzzer:none", alpha_only);
    ck_assert_int_eq(r.status, 0);
    nightly("2030-01-01", "libfuzzer:none libfuzzer:asan", alpha_only);
    ck_assert_int_eq(r.status, 0);
    static const char *const lines[] = {
        "[1/2] alpha-libfuzzer-none: done by an earlier start",
        "[2/2] alpha-libfuzzer-asan: started",
        "elapsed, 0 left after it",
        "[2/2] alpha-libfuzzer-asan: finished, no finding, in 0m",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        ck_assert_msg(strstr(r.err, lines[i]) != NULL, "no `%s` in:\n%s", lines[i], r.err);
}
END_TEST

/* One short night with the real gauntlet and libFuzzer: fuzzed, merged into
 * the persistent corpus, reported. */
START_TEST(real_short_night)
{
    char path[256], build[256], merger[300], persistent[160];
    snprintf(path, sizeof path, "%s", gauntlet_path());
    snprintf(build, sizeof build, "%s", dirname(path));
    snprintf(merger, sizeof merger, "%s/fuzz/libfuzzer-none", build);
    if (access(merger, X_OK) != 0) {
        test_skip("real_short_night", "no build/fuzz/libfuzzer-none (make fuzz-build)");
        return;
    }
    make_temp_dir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/d", root);
    const char *argv[] = {
        "bash",  "ci/nightly.sh", "--build",        build,           "--dir", dir, "--allocs",
        "glibc", "--configs",     "libfuzzer:none", "--run-seconds", "3",     NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    json_t *doc = report();
    json_t *run = row(doc, "glibc", "libfuzzer", "none");
    ck_assert_str_eq(text(run, "status"), "ok");
    ck_assert_msg(json_integer_value(json_object_get(run, "executions")) > 0, "no executions");
    ck_assert_int_eq(json_integer_value(json_object_get(run, "findings")), 0);
    json_decref(doc);
    snprintf(persistent, sizeof persistent, "%s/corpus/glibc", dir);
    const char *count[] = {"sh", "-c", "ls \"$0\" | wc -l", persistent, NULL};
    spawn_run(count, &r);
    ck_assert_msg(atoi(r.out) > 0, "the persistent corpus %s is empty", persistent);
}
END_TEST

/* The committed workflows pass ci/check-workflows.py. */
START_TEST(workflows_are_well_formed)
{
    const char *argv[] = {"/usr/bin/python3", "ci/check-workflows.py", NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "nightly.yml: ok"));
    ck_assert_ptr_nonnull(strstr(r.out, "cflite_pr.yml: ok"));
    ck_assert_ptr_nonnull(strstr(r.out, "cflite_batch.yml: ok"));
}
END_TEST

/* A copy of ci/github/ with one workflow changed: the check fails with the
 * status and the message given. */
static const struct {
    const char *file, *from, *to, *message;
    int status;
} breakages[] = {
    {"nightly.yml", "      - name: save the corpus\n        if: always()\n",
     "      - name: save the corpus\n", "the corpus save step does not run if: always()", 1},
    {"nightly.yml", "uses: actions/cache/restore@v4", "uses: actions/cache@v4",
     "uses actions/cache, whose save is skipped", 1},
    {"nightly.yml", "      - name: upload the report and findings\n        if: always()\n",
     "      - name: upload the report and findings\n", "the upload step does not run", 1},
    {"nightly.yml", "build/nightly/report.json\n", "", "does not include report.json", 1},
    {"cflite_pr.yml", "mode: code-change", "mode: batch", "no run_fuzzers step in mode code-change",
     1},
    {"cflite_batch.yml", "mode: batch", "mode: code-change", "no run_fuzzers step in mode batch",
     1},
    {"cflite_pr.yml", "sanitizer: [address, undefined]", "sanitizer: [address, memory]",
     "['memory'] cannot work here", 1},
    {"cflite_batch.yml", "language: c\n          sanitizer", "language: c++\n          sanitizer",
     "build_fuzzers language is not c", 1},
    {"cflite_pr.yml", "run_fuzzers@v1", "run_fuzzers", "has no @version", 1},
    {"nightly.yml", "jobs:\n", "jobs: [\n", "cannot read it as YAML", 2},
};

START_TEST(broken_workflow_is_caught)
{
    char tmp[64], path[160];
    make_temp_dir(tmp, sizeof tmp);
    const char *copy[] = {"sh", "-c", "cp ci/github/*.yml \"$0\"", tmp, NULL};
    spawn_run(copy, &r);
    ck_assert_int_eq(r.status, 0);
    snprintf(path, sizeof path, "%s/%s", tmp, breakages[_i].file);
    static char workflow[65536], changed[65536];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    workflow[fread(workflow, 1, sizeof workflow - 1, f)] = '\0';
    fclose(f);
    char *at = strstr(workflow, breakages[_i].from);
    ck_assert_msg(at != NULL, "%s no longer holds `%s`", breakages[_i].file, breakages[_i].from);
    snprintf(changed, sizeof changed, "%.*s%s%s", (int)(at - workflow), workflow, breakages[_i].to,
             at + strlen(breakages[_i].from));
    write_file(path, changed);
    const char *argv[] = {"/usr/bin/python3", "ci/check-workflows.py", tmp, NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == breakages[_i].status, "%s: exit %d, want %d\n%s",
                  breakages[_i].message, r.status, breakages[_i].status, r.err);
    ck_assert_msg(strstr(r.err, breakages[_i].message) != NULL, "want `%s` in:\n%s",
                  breakages[_i].message, r.err);
}
END_TEST

Suite *nightly_suite(void)
{
    Suite *s = suite_create("nightly");
    TCase *tc = tcase_create("nightly");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, resumed_night_keeps_stored_status, 0,
                        (int)(sizeof stored / sizeof *stored));
    tcase_add_test(tc, finding_outranks_setup_error);
    tcase_add_test(tc, new_night_fuzzes_again);
    tcase_add_test(tc, setup_error_is_an_error_row);
    tcase_add_loop_test(tc, bad_option_is_a_usage_error, 0,
                        (int)(sizeof bad_options / sizeof *bad_options));
    tcase_add_test(tc, killed_run_keeps_its_corpus);
    tcase_add_test(tc, afl_queues_reach_the_persistent_corpus);
    tcase_add_test(tc, progress_is_shown);
    tcase_add_test(tc, real_short_night);
    suite_add_tcase(s, tc);
    TCase *workflows = tcase_create("workflows");
    tcase_add_test(workflows, workflows_are_well_formed);
    tcase_add_loop_test(workflows, broken_workflow_is_caught, 0,
                        (int)(sizeof breakages / sizeof *breakages));
    suite_add_tcase(s, workflows);
    return s;
}
