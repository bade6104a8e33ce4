/*
 * test_stress_cmd.c — `gauntlet stress --cmd`: a real program measured from
 * outside under each allocator. A python3 server is measured at ready and
 * after each load step (its cache grows, so must its RSS), left running by
 * no run, and its document works with compare, --baseline and --plot;
 * sqlite3 runs a script to its end; the preloaded library is found in the
 * command's mappings and another allocator mapped by the program is
 * warned about; a command that cannot start, is never ready, dies during a
 * step or whose load fails is a failed row naming the allocator, with
 * exit 1 for a signal and 2 otherwise; bad option sets are usage errors.
 */
#include "command.h"
#include "runner.h"

#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static struct spawned r;

/* A port of this test's own: tests of several runners may overlap. Below
 * the kernel's ephemeral range (32768 and up), so that no outgoing
 * connection of another process holds it. */
static unsigned test_port(unsigned offset)
{
    return 20000 + (unsigned)getpid() % 1200 * 10 + offset;
}

static bool port_accepts(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static bool have_programs(const char *test)
{
    if (access(PYTHON, X_OK) != 0 || access("/usr/bin/sqlite3", X_OK) != 0) {
        test_skip(test, "needs /usr/bin/python3 and /usr/bin/sqlite3 (make install-deps)");
        return false;
    }
    return true;
}

/* A server that keeps every line it is sent (its memory grows with the
 * requests) and dies of SIGSEGV on "crash". */
static const char server_py[] =
    "import os, signal, socket, sys\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(64)\n"
    "cache = {}\n"
    "while True:\n"
    "    c, _ = s.accept(); data = c.recv(65536)\n"
    "    if data.startswith(b'crash'): os.kill(os.getpid(), signal.SIGSEGV)\n"
    "    for line in data.split(b'\\n'): cache[line] = line * 20\n"
    "    c.sendall(b'ok'); c.close()\n";
static const char load_py[] =
    "import socket, sys\n"
    "port, n, what = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
    "for i in range(n):\n"
    "    c = socket.create_connection(('127.0.0.1', port))\n"
    "    c.sendall(what.encode() if what == 'crash' else\n"
    "              b'\\n'.join(b'%s-%d-%d' % (what.encode(), i, j) for j in range(50)))\n"
    "    c.shutdown(socket.SHUT_WR); c.recv(10); c.close()\n";

struct scripts {
    char dir[128], server[256], load[256], json[256];
};

static void write_scripts(struct scripts *s)
{
    make_temp_dir(s->dir, sizeof s->dir);
    snprintf(s->server, sizeof s->server, "%s/server.py", s->dir);
    snprintf(s->load, sizeof s->load, "%s/load.py", s->dir);
    snprintf(s->json, sizeof s->json, "%s/r.json", s->dir);
    write_file(s->server, server_py);
    write_file(s->load, load_py);
}

static json_t *load_json(const char *path)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    ck_assert_msg(doc != NULL, "%s: %s; stderr: %.2000s", path, e.text, r.err);
    return doc;
}

static const char *text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    ck_assert_msg(s != NULL, "no string \"%s\"", key);
    return s;
}

static double number(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_number(v), "no number \"%s\"", key);
    return json_number_value(v);
}

/* gauntlet stress --alloc ALLOC --cmd "exec python3 server.py PORT" --ready
 * PORT --load LOAD plus extra arguments. */
static void run_server_with(const struct scripts *s, const char *alloc, unsigned port,
                            const char *load, const char *const *extra)
{
    char cmd[512], port_text[16];
    snprintf(cmd, sizeof cmd, "PYTHONMALLOC=malloc exec %s %s %u", PYTHON, s->server, port);
    snprintf(port_text, sizeof port_text, "%u", port);
    const char *argv[32] = {"gauntlet", "stress",  "--alloc", alloc, "--cmd",  cmd,
                            "--ready",  port_text, "--load",  load,  "--json", s->json};
    unsigned k = 12;
    for (unsigned i = 0; extra && extra[i] && k < 31; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    spawn_run(argv, &r);
}

/* The same with the load "python3 load.py PORT N WHAT". */
static void run_server(const struct scripts *s, const char *alloc, unsigned port, unsigned n,
                       const char *what, const char *const *extra)
{
    char load[512];
    snprintf(load, sizeof load, "%s %s %u %u %s", PYTHON, s->load, port, n, what);
    run_server_with(s, alloc, port, load, extra);
}

START_TEST(a_server_is_measured_at_ready_and_after_each_step)
{
    if (!have_programs("a_server_is_measured_at_ready_and_after_each_step")) return;
    struct scripts s;
    write_scripts(&s);
    unsigned port = test_port(0);
    const char *extra[] = {"--steps", "3", "--plot", s.dir, NULL};
    run_server(&s, "glibc,mimalloc", port, 300, "key", extra);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    ck_assert_msg(!port_accepts(port), "the server was left running");
    ck_assert_ptr_nonnull(strstr(r.out, "cmd:python3: RSS at each phase end, after each load"));
    json_t *doc = load_json(s.json);
    const json_t *runs = json_object_get(doc, "runs");
    ck_assert_uint_eq(json_array_size(runs), 2);
    static const char *const names[] = {"ready", "step-1", "step-2", "step-3"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *run = json_array_get(runs, i), *phases = json_object_get(run, "phases");
        ck_assert_str_eq(text(run, "status"), "ok");
        ck_assert_str_eq(text(run, "workload"), "cmd:python3");
        ck_assert_uint_eq(json_array_size(phases), 4);
        for (size_t k = 0; k < 4; k++)
            ck_assert_str_eq(text(json_array_get(phases, k), "name"), names[k]);
        double ready = number(json_array_get(phases, 0), "rss");
        double last = number(json_array_get(phases, 3), "rss");
        /* 900 requests of 50 lines, each kept 20 times over: megabytes more */
        ck_assert_msg(ready > 1 << 20 && last > ready + (4 << 20), "ready %g, step-3 %g", ready,
                      last);
        ck_assert_msg(number(run, "peak_rss") >= last, "peak below step-3");
        ck_assert_uint_ge(json_array_size(json_object_get(json_object_get(run, "series"), "rss")),
                          2);
    }
    const json_t *glibc = json_array_get(runs, 0), *mimalloc = json_array_get(runs, 1);
    ck_assert(json_is_null(json_object_get(glibc, "preload")));
    ck_assert_uint_eq(json_array_size(json_object_get(glibc, "mapped_allocators")), 0);
    ck_assert_str_eq(text(mimalloc, "preload"), "libmimalloc.so.2");
    const char *mapped =
        json_string_value(json_array_get(json_object_get(mimalloc, "mapped_allocators"), 0));
    ck_assert_msg(mapped && strncmp(mapped, "libmimalloc.so", 14) == 0, "mapped: %s",
                  mapped ? mapped : "nothing");
    char png[300];
    snprintf(png, sizeof png, "%s/phases-cmd_python3.png", s.dir);
    ck_assert_msg(access(png, F_OK) == 0, "no %s", png);
    json_decref(doc);
}
END_TEST

/* The document compares with itself and serves as a baseline of the same
 * command; a baseline of another command is refused before any run. */
START_TEST(a_command_document_compares_and_is_a_baseline)
{
    if (!have_programs("a_command_document_compares_and_is_a_baseline")) return;
    struct scripts s;
    write_scripts(&s);
    unsigned port = test_port(1);
    run_server(&s, "glibc", port, 100, "key", NULL);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    char base[300];
    snprintf(base, sizeof base, "%s/base.json", s.dir);
    ck_assert_int_eq(rename(s.json, base), 0);
    const char *compare[] = {"gauntlet", "compare", "--all", base, base, NULL};
    spawn_run(compare, &r);
    ck_assert_msg(r.status == 0, "compare exit %d: %.2000s%.2000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "rss:step-1"));
    const char *extra[] = {"--baseline", base, "--min-change", "64MiB", NULL};
    run_server(&s, "glibc", port, 100, "key", extra);
    ck_assert_msg(r.status == 0, "exit %d: %.2000s%.2000s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "against the baseline"));
    run_server(&s, "glibc", port, 100, "other", extra); /* another load: not comparable */
    ck_assert_msg(r.status == 2, "exit %d", r.status);
    ck_assert_ptr_nonnull(strstr(r.err, "not comparable"));
}
END_TEST

START_TEST(a_program_runs_to_its_end)
{
    if (!have_programs("a_program_runs_to_its_end")) return;
    char dir[128], sql[256], json[256], cmd[512];
    make_temp_dir(dir, sizeof dir);
    snprintf(sql, sizeof sql, "%s/s.sql", dir);
    snprintf(json, sizeof json, "%s/r.json", dir);
    write_file(sql, "create table t(a, b);\n"
                    "with recursive c(x) as (select 1 union all select x+1 from c where x < "
                    "100000) insert into t select x, hex(randomblob(40)) from c;\n"
                    "create index i on t(b);\nselect count(*) from t;\n");
    snprintf(cmd, sizeof cmd, "/usr/bin/sqlite3 :memory: < %s", sql);
    const char *argv[] = {"gauntlet", "stress", "--alloc",  "glibc,jemalloc",
                          "--cmd",    cmd,      "--repeat", "2",
                          "--json",   json,     NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    json_t *doc = load_json(json);
    size_t i;
    const json_t *run;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
    {
        ck_assert_str_eq(text(run, "status"), "ok");
        ck_assert_str_eq(text(run, "workload"), "cmd:sqlite3");
        const json_t *phases = json_object_get(run, "phases");
        ck_assert_uint_eq(json_array_size(phases), 1);
        ck_assert_str_eq(text(json_array_get(phases, 0), "name"), "end");
        /* 100,000 rows of 80 hex digits and their index: well over 10 MiB */
        ck_assert_msg(number(run, "peak_rss") > 10 << 20, "peak %g", number(run, "peak_rss"));
    }
    const json_t *summary = json_object_get(doc, "summary");
    ck_assert_uint_eq(json_array_size(summary), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(summary, 1), "repeats")), 2);
    json_decref(doc);
}
END_TEST

START_TEST(another_allocator_mapped_by_the_program_is_warned_about)
{
    if (!have_programs("another_allocator_mapped_by_the_program_is_warned_about")) return;
    const char *argv[] = {"gauntlet",
                          "stress",
                          "--alloc",
                          "glibc",
                          "--cmd",
                          PYTHON
                          " -c 'import ctypes, time; ctypes.CDLL(\"libtcmalloc_minimal.so.4\"); "
                          "time.sleep(0.3)'",
                          NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "warning: glibc × cmd:python3: the command maps "
                                "libtcmalloc_minimal.so.4") &&
                      strstr(r.out, "libc.so.6 serves malloc and free"),
                  "%.3000s", r.out);
    /* A program that brings its own allocator (here: one preloaded by the
     * command itself) is measured under it, whatever the row asked: said. */
    const char *own[] = {"gauntlet",
                         "stress",
                         "--alloc",
                         "glibc",
                         "--cmd",
                         "LD_PRELOAD=\"$LD_PRELOAD:libjemalloc.so.2\" exec " PYTHON
                         " -c 'import time; time.sleep(0.3)'",
                         NULL};
    spawn_run(own, &r);
    ck_assert_msg(r.status == 0, "exit %d: %.3000s", r.status, r.err);
    ck_assert_msg(strstr(r.out, "warning: glibc × cmd:python3: malloc was served by "
                                "libjemalloc.so.2, not by libc.so.6"),
                  "%.3000s", r.out);
}
END_TEST

START_TEST(a_command_that_cannot_start_is_an_error)
{
    const char *argv[] = {
        "gauntlet", "stress", "--alloc", "jemalloc", "--cmd", "/no/such/program --flag", NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 2, "exit %d: %.2000s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "jemalloc × cmd:program: cannot start"));
    ck_assert_ptr_nonnull(strstr(r.err, "exit status 127"));
}
END_TEST

START_TEST(a_command_never_ready_is_an_error_and_is_stopped)
{
    unsigned port = test_port(2);
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%u", port);
    const char *argv[] = {"gauntlet",        "stress",  "--alloc", "mimalloc",        "--cmd",
                          "exec sleep 1234", "--ready", port_text, "--ready-timeout", "1",
                          "--load",          "true",    NULL};
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 2, "exit %d: %.2000s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "mimalloc × cmd:sleep: never ready"));
    ck_assert_ptr_nonnull(strstr(r.err, "within 1 s (--ready-timeout)"));
    FILE *ps = popen("pgrep -f '^sleep 1234$'", "r");
    char line[64] = "";
    ck_assert_ptr_nonnull(ps);
    bool left = fgets(line, sizeof line, ps) != NULL;
    pclose(ps);
    ck_assert_msg(!left, "the command was left running: pid %s", line);
}
END_TEST

START_TEST(a_command_dying_during_a_step_is_a_finding)
{
    if (!have_programs("a_command_dying_during_a_step_is_a_finding")) return;
    struct scripts s;
    write_scripts(&s);
    run_server(&s, "tcmalloc", test_port(3), 1, "crash", NULL);
    ck_assert_msg(r.status == 1, "exit %d: %.3000s", r.status, r.err);
    json_t *doc = load_json(s.json);
    const json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    ck_assert_str_eq(text(run, "status"), "finding");
    const char *detail = text(run, "detail");
    ck_assert_msg(strstr(detail, "tcmalloc × cmd:python3: the command ended during load step 1 "
                                 "of 1: signal 11"),
                  "detail: %s", detail);
    json_decref(doc);
}
END_TEST

START_TEST(a_failing_load_is_an_error)
{
    if (!have_programs("a_failing_load_is_an_error")) return;
    struct scripts s;
    write_scripts(&s);
    unsigned port = test_port(4);
    const char *extra[] = {"--steps", "2", NULL};
    run_server_with(&s, "glibc", port, "echo the load broke >&2; exit 3", extra);
    ck_assert_msg(r.status == 2, "exit %d: %.3000s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "the load command failed at step 1 of 2: exit status 3"));
    ck_assert_ptr_nonnull(strstr(r.err, "the load broke"));
    ck_assert_msg(!port_accepts(port), "the server was left running");
}
END_TEST

static void expect_usage_error(const char *const *argv, const char *message)
{
    spawn_run(argv, &r);
    ck_assert_msg(r.status == 2, "exit %d", r.status);
    ck_assert_msg(strstr(r.err, message), "stderr: %.1000s", r.err);
}

START_TEST(bad_command_options_are_usage_errors)
{
    const char *no_ready[] = {"gauntlet", "stress", "--alloc", "glibc", "--cmd",
                              "true",     "--load", "true",    NULL};
    expect_usage_error(no_ready, "--load needs --ready");
    const char *bare_seconds[] = {"gauntlet", "stress",  "--alloc", "glibc", "--cmd",
                                  "true",     "--ready", "0.5",     NULL};
    expect_usage_error(bare_seconds, "seconds with an s");
    const char *workload[] = {"gauntlet", "stress",     "--alloc", "glibc", "--cmd",
                              "true",     "--workload", "server",  NULL};
    expect_usage_error(workload, "no --workload");
    const char *steps[] = {"gauntlet", "stress",  "--alloc", "glibc", "--cmd",
                           "true",     "--steps", "2",       NULL};
    expect_usage_error(steps, "--steps goes with --load");
}
END_TEST

Suite *stress_cmd_suite(void)
{
    Suite *s = suite_create("stress-cmd");
    TCase *t = tcase_create("stress-cmd");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, a_server_is_measured_at_ready_and_after_each_step);
    tcase_add_test(t, a_command_document_compares_and_is_a_baseline);
    tcase_add_test(t, a_program_runs_to_its_end);
    tcase_add_test(t, another_allocator_mapped_by_the_program_is_warned_about);
    tcase_add_test(t, a_command_that_cannot_start_is_an_error);
    tcase_add_test(t, a_command_never_ready_is_an_error_and_is_stopped);
    tcase_add_test(t, a_command_dying_during_a_step_is_a_finding);
    tcase_add_test(t, a_failing_load_is_an_error);
    tcase_add_test(t, bad_command_options_are_usage_errors);
    suite_add_tcase(s, t);
    return s;
}
