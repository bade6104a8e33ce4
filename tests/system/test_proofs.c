/*
 * test_proofs.c — proof that the oracle works: every deliberately defective
 * allocator of tests/defective is caught with the invariant it breaks (by its
 * hand-written program, and by generated programs within a bounded number of
 * seeds), the correct wrapper and the real allocators pass, and every program
 * of corpus/ runs clean against every installed allocator, but for the real
 * bugs kept as regressions: each fails exactly where its `# affects:` line
 * says.
 */
#include "command.h"
#include "gauntlet.h"
#include "runner.h"
#include "verdicts.h"

#include <check.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEFECTS 64
#define GEN_SEEDS   12

struct defect {
    char name[64];
    char invariant[64];
};
/* The defects that break an invariant or end the process (stress-only ones
 * have "-"), and of those the ones generated programs can find: the
 * invariants', but the hang's; the hang and the hostile ends are made by
 * one exact size (or count) that only their own programs ask for. */
static struct defect defects[MAX_DEFECTS], generated[MAX_DEFECTS];
static int defect_count, generated_count;
static bool list_read;
static struct spawned r;

static void load_defects(void)
{
    FILE *f = fopen("tests/defective/defects.list", "r");
    if (f == NULL) return;
    list_read = true;
    char line[512];
    while (fgets(line, sizeof line, f) && defect_count < MAX_DEFECTS) {
        struct defect *d = &defects[defect_count];
        if (line[0] == '#' || sscanf(line, "%63s %63s", d->name, d->invariant) != 2) continue;
        if (strcmp(d->invariant, "-") == 0) continue;
        defect_count++;
        static const char *const ends[] = {"hang", "crash", "exit", "forked"};
        bool by_generation = true;
        for (size_t e = 0; e < sizeof ends / sizeof *ends; e++)
            by_generation &= strcmp(d->invariant, ends[e]) != 0;
        if (by_generation) generated[generated_count++] = *d;
    }
    fclose(f);
}

/* The loops below register one run per defect: a list that could not be
 * read would register none and pass having proved nothing. */
START_TEST(defects_are_loaded)
{
    ck_assert_msg(list_read, "cannot read tests/defective/defects.list (run from the root)");
    ck_assert_int_ge(defect_count, 15);
    ck_assert_int_ge(generated_count, 15);
}
END_TEST

/* A violation of the invariant, or a process that ended so (crash, exit,
 * forked: the report's FINDING line). */
static bool reported(const char *invariant)
{
    char want[128], ended[128];
    snprintf(want, sizeof want, "%s%s`", REPORT_VIOLATION, invariant);
    snprintf(ended, sizeof ended, "%s%s`", REPORT_ENDED, invariant);
    return strstr(r.err, want) != NULL || strstr(r.err, ended) != NULL;
}

START_TEST(each_defect_is_caught_by_its_program)
{
    const struct defect *d = &defects[_i];
    char lib[512], program[256];
    defective_library(lib, sizeof lib, d->name);
    snprintf(program, sizeof program, "tests/defective/programs/%s.txt", d->name);
    /* The reuse rule judges a program made in rounds, and only then. */
    const char *rounds = rounds_for_invariant(d->invariant);
    const char *argv[10] = {"gauntlet", "run", "--timeout", "2", "--alloc", lib};
    int n = 6;
    if (rounds) argv[n++] = "--rounds", argv[n++] = rounds;
    argv[n++] = program;
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1 && reported(d->invariant), "%s: exit %d, want `%s`:\n%s", d->name,
                  r.status, d->invariant, r.err);
    /* The same program against the correct wrapper: no false alarm. */
    defective_library(lib, sizeof lib, "none");
    argv[3] = "10"; /* run's own bound: the wrapper is slow only when the machine is */
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "%s program on libdefect_none: %s", d->name, r.err);
}
END_TEST

/* Writes GEN_SEEDS generated programs (seeds 1..GEN_SEEDS, 400 operations,
 * fail_maps among them; threads: the given number, or 0 for 1 and 4
 * alternately) and appends their
 * paths to argv from index n, NULL-terminated. */
static void add_generated_programs(const char **argv, int n, int threads)
{
    static char dir[64], paths[GEN_SEEDS][128];
    make_temp_dir(dir, sizeof dir);
    for (int seed = 1; seed <= GEN_SEEDS; seed++) {
        char s[16], t[16];
        snprintf(s, sizeof s, "%d", seed);
        snprintf(t, sizeof t, "%d", threads ? threads : seed % 2 ? 1 : 4);
        snprintf(paths[seed - 1], sizeof paths[seed - 1], "%s/%d.bin", dir, seed);
        const char *gen[] = {"gauntlet",  "gen", "--seed",      s,    "--ops",         "400",
                             "--threads", t,     "--fail-maps", "-o", paths[seed - 1], NULL};
        spawn_run(gen, &r);
        ck_assert_int_eq(r.status, 0);
        argv[n++] = paths[seed - 1];
    }
    argv[n] = NULL;
}

/* Generated programs find the defect within GEN_SEEDS seeds (the hang needs
 * one exact size, which only its own program asks for). */
START_TEST(each_defect_is_caught_by_generated_programs)
{
    const struct defect *d = &generated[_i];
    char lib[512];
    const char *rounds = rounds_for_invariant(d->invariant);
    const char *argv[GEN_SEEDS + 10] = {
        "gauntlet", "run", "--quiet", "--alloc", lib, "--rounds", rounds ? rounds : "1"};
    defective_library(lib, sizeof lib, d->name);
    add_generated_programs(argv, rounds ? 7 : 5, 0);
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1 && reported(d->invariant),
                  "%s: not caught by %d generated programs", d->name, GEN_SEEDS);
}
END_TEST

/* The cross-thread defect is invisible to single-thread programs: rule 10
 * needs its own proof, not a side effect of another invariant's. */
START_TEST(cross_thread_defect_needs_cross_thread_frees)
{
    char lib[512];
    defective_library(lib, sizeof lib, "cross_thread");
    const char *argv[GEN_SEEDS + 8] = {"gauntlet", "run", "--quiet", "--alloc", lib};
    add_generated_programs(argv, 5, 1);
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "single-thread programs tripped the cross-thread defect:\n%s",
                  r.err);
}
END_TEST

/* The watchdog of the free-running executor names the hung call too. */
START_TEST(hang_is_caught_in_free_running_mode)
{
    char lib[512];
    defective_library(lib, sizeof lib, "hang");
    const char *argv[] = {"gauntlet", "run",       "--mode",
                          "free",     "--timeout", "1",
                          "--alloc",  lib,         "tests/defective/programs/hang.txt",
                          NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 1 && reported("hang"), "exit %d:\n%s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "malloc s"));
}
END_TEST

/* Thread 0 is the thread that loaded the allocator, which the report says,
 * unless the program restarts thread 0: then it is a fresh thread, where
 * loader_thread_misalign's mallocs are correct, before the restart as after. */
START_TEST(t0_is_the_loader_thread_unless_restarted)
{
    char dir[64], kept[128], restarted[128], lib[512];
    make_temp_dir(dir, sizeof dir);
    snprintf(kept, sizeof kept, "%s/kept.txt", dir);
    snprintf(restarted, sizeof restarted, "%s/restarted.txt", dir);
    write_file(kept, "t1 malloc s0 16\nt0 malloc s1 4000\n");
    write_file(restarted, "t0 malloc s1 4000\nt0 restart\nt0 malloc s2 4000\n");
    defective_library(lib, sizeof lib, "loader_thread_misalign");
    const char *run_kept[] = {"gauntlet", "run", "--alloc", lib, kept, NULL};
    spawn_run(run_kept, &r);
    ck_assert_msg(r.status == 1 && reported("alignment"), "exit %d:\n%s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "thread:    t0 (the thread that loaded the allocator)"), "%s",
                  r.err);
    const char *run_restarted[] = {"gauntlet", "run", "--alloc", lib, restarted, NULL};
    spawn_run(run_restarted, &r);
    ck_assert_msg(r.status == 0, "exit %d:\n%s", r.status, r.err);
}
END_TEST

static void run_all_allocators_on(const char *const files[], const char *mode)
{
    const char *allocs[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc", NULL};
    for (const char **a = allocs; *a; a++) {
        const char *argv[80] = {"gauntlet", "run", "--quiet", "--mode", mode, "--alloc", *a};
        int n = 7;
        for (int i = 0; files[i] && n < 78; i++)
            argv[n++] = files[i];
        argv[n] = NULL;
        spawn_run(argv, &r);
        ck_assert_msg(r.status == 0, "%s (%s mode) raised an alarm:\n%s", *a, mode, r.err);
    }
}

START_TEST(real_allocators_pass_generated_programs)
{
    static char paths[40][128];
    const char *files[41] = {0};
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    for (int i = 0; i < 40; i++) {
        char seed[16], threads[8];
        snprintf(seed, sizeof seed, "%d", 1000 + i);
        snprintf(threads, sizeof threads, "%d", 1 + i % 8);
        snprintf(paths[i], sizeof paths[i], "%s/%d.bin", dir, i);
        const char *gen[] = {"gauntlet",  "gen",   "--seed", seed,     "--ops", "1500",
                             "--threads", threads, "-o",     paths[i], NULL};
        spawn_run(gen, &r);
        files[i] = paths[i];
    }
    run_all_allocators_on(files, "lockstep");
    files[12] = NULL; /* free-running: the threaded ones among the first dozen */
    run_all_allocators_on(files + 1, "free");
    /* The correct wrapper, judged by the permissive so: table, passes too. */
    char lib[512];
    defective_library(lib, sizeof lib, "none");
    const char *argv[] = {"gauntlet", "run",    "--quiet", "--alloc", lib,
                          paths[0],   paths[3], paths[5],  NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "libdefect_none raised an alarm:\n%s", r.err);
}
END_TEST

/* A correct library whose realloc(NULL, n) calls its own malloc through
 * the PLT passes: loaded beside glibc, that call would reach glibc's malloc
 * and the library's next call on the block would crash (a false alarm on
 * jemalloc 5.1.0), unless the library is bound to itself as a preloaded
 * one is. */
START_TEST(a_library_calling_itself_passes)
{
    char dir[64], program[128], lib[512];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/self.txt", dir);
    FILE *f = fopen(program, "w");
    ck_assert_ptr_nonnull(f);
    fputs("t0 realloc s0 90\nt0 usable_size s0\nt0 realloc s0 300\nt0 free s0\n"
          "t1 realloc s1 100\nt0 free s1\n",
          f);
    fclose(f);
    defective_library(lib, sizeof lib, "self_call");
    const char *argv[] = {"gauntlet", "run", "--alloc", lib, program, NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "a library calling itself raised an alarm:\n%s", r.err);
    const char *generated[] = {"gauntlet",  "gen", "--seed", "5",     "--ops", "1500",
                               "--threads", "3",   "-o",     program, NULL};
    spawn_run(generated, &r);
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "a library calling itself raised an alarm:\n%s", r.err);
}
END_TEST

/* The first version a corpus file says it fails on (`# affects: NAME
 * VERSION`), or false when it names none. */
static bool affected_version(const char *path, char *named, size_t len)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = affects_line_parse(line, named, len);
    fclose(f);
    return found;
}

START_TEST(corpus_runs_clean_on_every_allocator)
{
    glob_t g;
    ck_assert_int_eq(glob("corpus/*/*", 0, NULL, &g), 0);
    ck_assert_int_gt((int)g.gl_pathc, 0);
    const char *files[80] = {0};
    int n = 0;
    for (size_t i = 0; i < g.gl_pathc && n < 79; i++) {
        char named[256];
        if (!affected_version(g.gl_pathv[i], named, sizeof named)) files[n++] = g.gl_pathv[i];
    }
    run_all_allocators_on(files, "lockstep");
    globfree(&g);
}
END_TEST

/* The line `gauntlet list` gives the allocator (its name, then its version). */
static void listed_version(const char *alloc, char *line, size_t len)
{
    const char *list[] = {"gauntlet", "list", NULL};
    spawn_run(list, &r);
    const char *entry = strstr(r.out, alloc);
    ck_assert_msg(entry != NULL, "gauntlet list does not name %s:\n%s", alloc, r.out);
    snprintf(line, len, "%.*s", (int)strcspn(entry, "\n"), entry);
}

/* A real bug kept as a regression fails on the version it names, with a
 * report naming that version, and passes on every other allocator here. */
START_TEST(regressions_fail_only_where_they_say)
{
    glob_t g;
    ck_assert_int_eq(glob("corpus/regressions/*", 0, NULL, &g), 0);
    const char *allocs[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};
    unsigned judged = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char named[256];
        if (!affected_version(g.gl_pathv[i], named, sizeof named)) continue;
        for (size_t a = 0; a < sizeof allocs / sizeof *allocs; a++) {
            const char *argv[] = {"gauntlet", "run", "--alloc", allocs[a], g.gl_pathv[i], NULL};
            spawn_run(argv, &r);
            const char *line = strstr(r.err, "allocator: ");
            /* Any of the file's `# affects:` lines: the rule campaigns use. */
            bool here = line && program_file_affects(g.gl_pathv[i], line);
            if (r.status == 1) {
                ck_assert_msg(here, "%s fails on %s, which it does not name:\n%s", g.gl_pathv[i],
                              allocs[a], r.err);
            } else {
                ck_assert_msg(r.status == 0, "%s on %s: exit %d:\n%s", g.gl_pathv[i], allocs[a],
                              r.status, r.err);
                char version[512];
                listed_version(allocs[a], version, sizeof version);
                ck_assert_msg(!program_file_affects(g.gl_pathv[i], version),
                              "%s passes on %s, which it says it fails on", g.gl_pathv[i], version);
            }
            judged++;
        }
    }
    globfree(&g);
    ck_assert_uint_gt(judged, 0);
}
END_TEST

Suite *proofs_suite(void)
{
    load_defects();
    Suite *s = suite_create("proofs");
    TCase *tc = tcase_create("defects");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, defects_are_loaded);
    tcase_add_loop_test(tc, each_defect_is_caught_by_its_program, 0, defect_count);
    tcase_add_loop_test(tc, each_defect_is_caught_by_generated_programs, 0, generated_count);
    tcase_add_test(tc, hang_is_caught_in_free_running_mode);
    tcase_add_test(tc, cross_thread_defect_needs_cross_thread_frees);
    tcase_add_test(tc, t0_is_the_loader_thread_unless_restarted);
    tcase_add_test(tc, a_library_calling_itself_passes);
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("real allocators");
    tcase_set_tags(real, TEST_TAG_SLOW); /* generated programs on every allocator */
    tcase_set_timeout(real, 600);
    tcase_add_test(real, real_allocators_pass_generated_programs);
    tcase_add_test(real, corpus_runs_clean_on_every_allocator);
    tcase_add_test(real, regressions_fail_only_where_they_say);
    suite_add_tcase(s, real);
    return s;
}
