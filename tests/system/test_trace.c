/*
 * test_trace.c — `gauntlet record` and `gauntlet trace` on real programs
 * from Debian's packages: sqlite3 running SQL and python3 (its own
 * allocator off) with threads, marks, a fork and an exec are recorded
 * whole, convert to a program, and that program passes `gauntlet run` on
 * real allocators. A trace cut short, a foreign file, a header alone, a
 * free the trace never saw and a program that cannot start or is killed
 * each get a clear message; a killed program keeps what it recorded.
 */
#include "command.h"
#include "runner.h"
#include "trace_codec.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SQLITE "/usr/bin/sqlite3"
#define PYTHON "/usr/bin/python3"

static struct spawned r;

static bool have(const char *test, const char *program)
{
    if (access(program, X_OK) == 0) return true;
    char why[256];
    snprintf(why, sizeof why, "%s is not installed (make installs it)", program);
    test_skip(test, why);
    return false;
}

static long long info_count(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\n  %s ", name);
    const char *at = strstr(r.out, key);
    return at ? atoll(at + strlen(key) + strspn(at + strlen(key), " ")) : 0;
}

static void record_sqlite(const char *trace)
{
    const char *sql =
        "create table t(a, b);"
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000)"
        " insert into t select x, randomblob(x % 700) from c;"
        "create index i on t(b); select count(*) from t where length(b) > 100;";
    const char *record[] = {"gauntlet", "record", "-o", trace, "--", SQLITE, ":memory:", sql, NULL};
    spawn_run(record, &r);
    ck_assert_msg(r.status == 0, "record failed: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "2496")); /* the program's own output went through */
    ck_assert_ptr_nonnull(strstr(r.err, "; complete"));
}

/* The trace cut into fuzz seeds: binary programs of the campaign's length
 * that run clean; and --limit keeps the first operations only. */
static void seeds_from(const char *dir, const char *trace)
{
    char seeds[128], seed[192], limited[128];
    snprintf(seeds, sizeof seeds, "%s/seeds", dir);
    const char *cut[] = {"gauntlet", "trace", trace, "--seeds", seeds, "--seed-count", "2", NULL};
    spawn_run(cut, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "2 seeds of up to 2000 operations"), "%s", r.err);
    snprintf(seed, sizeof seed, "%s/trace-sqlite.trace-0001.bin", seeds);
    struct stat st;
    ck_assert_int_eq(stat(seed, &st), 0);
    ck_assert_int_eq(st.st_size, 2000 * 12);
    const char *run[] = {"gauntlet", "run", "--alloc", "glibc", "--format", "binary", seed, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "2000 ops"), "%s%s", r.out, r.err);
    snprintf(limited, sizeof limited, "%s/first.txt", dir);
    const char *first[] = {"gauntlet", "trace", trace, "--limit", "100", "-o", limited, NULL};
    spawn_run(first, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "stopped after 100 operations"), "%s", r.err);
}

/* An upgrade judged on the user's own program: the same library under two
 * names must be SAFE on its trace. */
static void upgrade_judged_on_the_trace(const char *dir, const char *trace)
{
    char workload[256], out[128];
    snprintf(workload, sizeof workload, "trace:%s", trace);
    snprintf(out, sizeof out, "%s/upgrade", dir);
    const char *upgrade[] = {
        "gauntlet", "upgrade",  "--old",
        "jemalloc", "--new",    "so:/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
        "--time",   "0",        "--workload",
        workload,   "--repeat", "3",
        "--out",    out,        NULL};
    spawn_run(upgrade, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "verdict: SAFE") && strstr(r.out, workload),
                  "exit %d: %.3000s%.2000s", r.status, r.out, r.err);
}

START_TEST(sqlite_recorded_converted_and_run)
{
    if (!have("sqlite_recorded_converted_and_run", SQLITE)) return;
    char dir[64], trace[128], program[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/sqlite.trace", dir);
    snprintf(program, sizeof program, "%s/sqlite.txt", dir);
    record_sqlite(trace);
    const char *info[] = {"gauntlet", "trace", "--info", trace, NULL};
    spawn_run(info, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "(complete)"));
    ck_assert_msg(info_count("malloc") > 3000, "too few mallocs: %s", r.out);
    ck_assert_msg(info_count("free") > 3000, "too few frees: %s", r.out);
    ck_assert_int_eq(info_count("thread-start"), 1);
    const char *convert[] = {"gauntlet", "trace", trace, "-o", program, NULL};
    spawn_run(convert, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_null(strstr(r.err, "never gave out")); /* every free matched */
    seeds_from(dir, trace);
    upgrade_judged_on_the_trace(dir, trace);
    for (const char *const *a = (const char *const[]){"glibc", "jemalloc", NULL}; *a; a++) {
        const char *run[] = {"gauntlet", "run", "--alloc", *a, program, NULL};
        spawn_run(run, &r);
        ck_assert_msg(r.status == 0, "%s: %s", *a, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "PASS"));
    }
}
END_TEST

/* The trace's memory, per allocator: its marks are the phases. */
static void replayed_with_marks_as_phases(const char *dir, const char *trace)
{
    char workload[256], json[256];
    snprintf(workload, sizeof workload, "trace:%s", trace);
    snprintf(json, sizeof json, "%s/stress.json", dir);
    const char *stress[] = {"gauntlet",       "stress",     "--alloc",
                            "glibc,mimalloc", "--workload", workload,
                            "--json",         json,         NULL};
    spawn_run(stress, &r);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_msg(strstr(r.out, "glibc") && strstr(r.out, "mimalloc"), "%s", r.out);
    FILE *f = fopen(json, "r");
    ck_assert_ptr_nonnull(f);
    static char doc[1 << 22];
    size_t len = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[len] = '\0';
    ck_assert_msg(strstr(doc, "\"1:start-up\"") && strstr(doc, "\"mark-2\"") &&
                      strstr(doc, "\"3:done\""),
                  "the marks are not phases");
    ck_assert_msg(strstr(doc, "\"ops\":0,") == NULL, "a run replayed nothing");
    ck_assert_msg(strstr(doc, "\"ops\":") != NULL, "no run in the document");
}

/* python3 with its allocator off, run through env (an exec), with threads,
 * a fork, its own marks and a mark by signal. */
START_TEST(python_threads_marks_fork_and_exec)
{
    if (!have("python_threads_marks_fork_and_exec", PYTHON)) return;
    char dir[64], trace[128], script[128], program[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/py.trace", dir);
    snprintf(script, sizeof script, "%s/work.py", dir);
    snprintf(program, sizeof program, "%s/py.txt", dir);
    write_file(script,
               "import ctypes, json, os, signal, threading\n"
               "mark = ctypes.CDLL(None).gauntlet_mark\n"
               "def work(n):\n"
               "    d = {}\n"
               "    for i in range(n): d[i % 100] = json.dumps({'k': i, 'v': 'x' * (i % 90)})\n"
               "mark(b'start-up')\n"
               "ts = [threading.Thread(target=work, args=(3000,)) for _ in range(3)]\n"
               "for t in ts: t.start()\n"
               "for t in ts: t.join()\n"
               "os.kill(os.getpid(), signal.SIGUSR2)\n"
               "pid = os.fork()\n"
               "if pid == 0:\n"
               "    work(2000); os._exit(0)\n"
               "os.waitpid(pid, 0)\n"
               "mark(b'done')\n");
    const char *record[] = {"gauntlet", "record",        "-o",
                            trace,      "--mark-signal", "USR2",
                            "--",       "env",           "PYTHONMALLOC=malloc",
                            PYTHON,     script,          NULL};
    spawn_run(record, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "; complete"), "record: %s", r.err);
    const char *info[] = {"gauntlet", "trace", "--info", trace, NULL};
    spawn_run(info, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, ": start-up") && strstr(r.out, ": done") &&
                      strstr(r.out, ": signal"),
                  "marks missing: %s", r.out);
    ck_assert_msg(info_count("thread-start") >= 4, "threads: %s", r.out);
    ck_assert_int_eq(info_count("fork"), 1);
    ck_assert_msg(info_count("malloc") > 10000, "%s", r.out);
    const char *convert[] = {"gauntlet", "trace", trace, "-o", program, NULL};
    spawn_run(convert, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "3 marks"));
    const char *run[] = {"gauntlet", "run", "--alloc", "mimalloc", program, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "cross-thread") || strstr(r.out, "restarts"),
                  "no second thread ran: %s", r.out);
    replayed_with_marks_as_phases(dir, trace);
}
END_TEST

/* The trace says which library served malloc; asked for one and served by
 * another (a program bringing its own), record warns. */
START_TEST(the_allocator_that_served_is_said)
{
    if (!have("the_allocator_that_served_is_said", SQLITE)) return;
    char dir[64], trace[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/a.trace", dir);
    const char *mimalloc[] = {"gauntlet", "record", "--alloc",  "mimalloc",  "-o", trace,
                              "--",       SQLITE,   ":memory:", "select 1;", NULL};
    spawn_run(mimalloc, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "malloc served by libmimalloc.so.2") &&
                      !strstr(r.err, "warning"),
                  "%s", r.err);
    const char *info[] = {"gauntlet", "trace", "--info", trace, NULL};
    spawn_run(info, &r);
    ck_assert_ptr_nonnull(strstr(r.out, "served by: libmimalloc.so.2"));
    const char *other[] = {
        "gauntlet",
        "record",
        "--alloc",
        "glibc",
        "-o",
        trace,
        "--",
        "sh",
        "-c",
        "LD_PRELOAD=\"$LD_PRELOAD:libjemalloc.so.2\" exec " SQLITE " :memory: 'select 1;'",
        NULL};
    spawn_run(other, &r);
    ck_assert_msg(r.status == 0 && strstr(r.err, "malloc served by libjemalloc.so.2") &&
                      strstr(r.err, "warning: not libc.so.6"),
                  "%s", r.err);
}
END_TEST

START_TEST(cut_trace_converts_to_its_last_record)
{
    if (!have("cut_trace_converts_to_its_last_record", SQLITE)) return;
    char dir[64], trace[128], program[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/cut.trace", dir);
    snprintf(program, sizeof program, "%s/cut.txt", dir);
    record_sqlite(trace);
    struct stat st;
    ck_assert_int_eq(stat(trace, &st), 0);
    ck_assert_int_eq(truncate(trace, st.st_size / 2 + 7), 0); /* inside a record */
    const char *convert[] = {"gauntlet", "trace", trace, "-o", program, NULL};
    spawn_run(convert, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.err, "cut short at byte") && strstr(r.err, "last whole record"), "%s",
                  r.err);
    const char *run[] = {"gauntlet", "run", "--alloc", "glibc", program, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
}
END_TEST

START_TEST(foreign_and_empty_files_are_refused)
{
    char dir[64], path[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, "t0 malloc s1 100\n");
    const char *convert[] = {"gauntlet", "trace", path, NULL};
    spawn_run(convert, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "not a Gauntlet trace"));
    snprintf(path, sizeof path, "%s/short.trace", dir);
    write_file(path, TRACE_MAGIC);
    spawn_run(convert, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "ends inside its header"));
    const char *missing[] = {"gauntlet", "trace", "/nonexistent/x.trace", NULL};
    spawn_run(missing, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "No such file"));
}
END_TEST

/* A trace written here by hand: a malloc, a free of a pointer it never
 * gave out, and the end. */
START_TEST(unmatched_free_is_skipped_and_said)
{
    char dir[64], path[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/hand.trace", dir);
    struct trace_file_header h = {.version = TRACE_VERSION,
                                  .record_size = sizeof(struct trace_record)};
    memcpy(h.magic, TRACE_MAGIC, TRACE_MAGIC_LEN);
    strcpy(h.command, "by hand");
    struct trace_record rec[4] = {
        {.seq = 0, .thread = 1, .event = TRACE_THREAD_START},
        {.seq = 1, .thread = 1, .event = TRACE_MALLOC, .size = 100, .ptr_out = 0x1000},
        {.seq = 2, .thread = 1, .event = TRACE_FREE, .ptr_in = 0xdead0},
        {.seq = 3, .thread = 1, .event = TRACE_END, .size = 4},
    };
    struct trace_chunk_header c;
    uint8_t packed[4 * TRACE_PACKED_MAX];
    trace_pack_chunk(&c, rec, 4, TRACE_WRITER_THREAD, 1, packed);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(&h, sizeof h, 1, f);
    fwrite(&c, sizeof c, 1, f);
    fwrite(packed, c.bytes, 1, f);
    fclose(f);
    const char *convert[] = {"gauntlet", "trace", path, NULL};
    spawn_run(convert, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.err, "1 frees or reallocs of pointers the trace never gave out") &&
                      strstr(r.err, "event 2, pointer 0xdead0"),
                  "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "t0 malloc s0 100"));
    ck_assert_ptr_null(strstr(r.out, "free"));
}
END_TEST

START_TEST(program_that_cannot_start_or_is_killed)
{
    char dir[64], trace[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/x.trace", dir);
    const char *absent[] = {"gauntlet", "record", "-o", trace, "--", "/nonexistent/program", NULL};
    spawn_run(absent, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "could not start"));
    const char *killed[] = {"gauntlet", "record", "-o",         trace, "--",
                            "sh",       "-c",     "kill -9 $$", NULL};
    spawn_run(killed, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "killed by signal 9") && strstr(r.err, "NOT complete"), "%s",
                  r.err);
    const char *info[] = {"gauntlet", "trace", "--info", trace, NULL};
    spawn_run(info, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, "(NOT complete)"), "%s%s", r.out, r.err);
    const char *no_command[] = {"gauntlet", "record", "-o", trace, NULL};
    spawn_run(no_command, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no command to record"));
}
END_TEST

/* A program killed outright keeps every chunk its threads had handed
 * over: gauntlet record empties the rings after it dies. The program
 * makes 100,000 allocations, then kills itself; at most one buffer per
 * thread (1,024 records) was still its own. */
START_TEST(killed_program_keeps_what_it_handed_over)
{
    if (!have("killed_program_keeps_what_it_handed_over", PYTHON)) return;
    char dir[64], trace[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(trace, sizeof trace, "%s/k.trace", dir);
    const char *killed[] = {"gauntlet",
                            "record",
                            "-o",
                            trace,
                            "--",
                            "env",
                            "PYTHONMALLOC=malloc",
                            PYTHON,
                            "-c",
                            "import os\nx = [str(i) * 3 for i in range(100000)]\n"
                            "os.kill(os.getpid(), 9)\n",
                            NULL};
    spawn_run(killed, &r);
    ck_assert_msg(r.status == 2 && strstr(r.err, "killed by signal 9"), "%s", r.err);
    const char *info[] = {"gauntlet", "trace", "--info", trace, NULL};
    spawn_run(info, &r);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    long long mallocs = info_count("malloc");
    ck_assert_msg(mallocs >= 100000, "only %lld mallocs kept:\n%s", mallocs, r.out);
}
END_TEST

Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *t = tcase_create("record and convert");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, sqlite_recorded_converted_and_run);
    tcase_add_test(t, python_threads_marks_fork_and_exec);
    tcase_add_test(t, the_allocator_that_served_is_said);
    tcase_add_test(t, cut_trace_converts_to_its_last_record);
    tcase_add_test(t, foreign_and_empty_files_are_refused);
    tcase_add_test(t, unmatched_free_is_skipped_and_said);
    tcase_add_test(t, program_that_cannot_start_or_is_killed);
    tcase_add_test(t, killed_program_keeps_what_it_handed_over);
    suite_add_tcase(s, t);
    return s;
}
