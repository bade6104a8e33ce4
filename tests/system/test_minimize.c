/*
 * test_minimize.c — `gauntlet minimize` and `gauntlet triage`: a generated
 * program failing on a defective allocator shrinks to a few operations that
 * fail the same way from their file alone; a passing program is refused; and
 * triage groups findings that fail the same way into one line.
 */
#include "command.h"
#include "gauntlet.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static struct spawned r;

static void generate(const char *path, const char *seed)
{
    const char *gen[] = {"gauntlet", "gen", "--seed", seed, "--ops", "400", "-o", path, NULL};
    spawn_run(gen, &r);
    ck_assert_int_eq(r.status, 0);
}

/* The invariant a failing run reports, or "" when none. */
static void reported_invariant(char *buf, size_t len)
{
    buf[0] = '\0';
    const char *v = strstr(r.err, "VIOLATION of `");
    if (v == NULL) return;
    v += strlen("VIOLATION of `");
    snprintf(buf, len, "%.*s", (int)strcspn(v, "`"), v);
}

/* Operation lines of a text program (not comments, not blank). */
static int count_operations(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int ops = 0;
    while (fgets(line, sizeof line, f)) {
        const char *s = line + strspn(line, " \t");
        if (*s != '#' && *s != '\n' && *s != '\0') ops++;
    }
    fclose(f);
    return ops;
}

static void minimize_keeps_invariant(const char *defect)
{
    char dir[64], program[128], minimal[128], lib[512], invariant[64];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/big.bin", dir);
    snprintf(minimal, sizeof minimal, "%s/min.txt", dir);
    defective_library(lib, sizeof lib, defect);
    generate(program, "7");
    const char *run[] = {"gauntlet", "run", "--quiet", "--alloc", lib, program, NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1, "the generated program does not fail on %s", defect);
    reported_invariant(invariant, sizeof invariant);
    ck_assert_str_ne(invariant, "");

    const char *min[] = {"gauntlet", "minimize", "--alloc", lib, program, "-o", minimal, NULL};
    spawn_run(min, &r);
    ck_assert_msg(r.status == 0, "minimize exit %d:\n%s", r.status, r.err);
    int ops = count_operations(minimal);
    ck_assert_msg(ops >= 1 && ops <= 10, "%s: %d operations left of 400", defect, ops);
    /* Accepted only with a C reproducer that fails too, alone in a fresh process. */
    const char *cat[] = {"cat", minimal, NULL};
    spawn_run(cat, &r);
    ck_assert_msg(strstr(r.out, "# C reproducer: fails on "), "%s", r.out);

    const char *again[] = {"gauntlet", "run", "--quiet", "--alloc", lib, minimal, NULL};
    spawn_run(again, &r);
    char now[64];
    reported_invariant(now, sizeof now);
    ck_assert_msg(r.status == 1 && strcmp(now, invariant) == 0,
                  "minimal program: exit %d, `%s` instead of `%s`", r.status, now, invariant);
}

START_TEST(minimize_calloc_dirty_to_a_few_operations)
{
    minimize_keeps_invariant("calloc_dirty");
}
END_TEST

START_TEST(minimize_scribble_to_a_few_operations)
{
    minimize_keeps_invariant("scribble");
}
END_TEST

START_TEST(minimize_refuses_a_passing_program)
{
    char dir[64], program[128];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/ok.bin", dir);
    generate(program, "3");
    const char *min[] = {"gauntlet", "minimize", "--alloc", "glibc", program, NULL};
    spawn_run(min, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "does not fail"));
    ck_assert_str_eq(r.out, "");
}
END_TEST

START_TEST(minimize_needs_alloc)
{
    const char *min[] = {"gauntlet", "minimize", "corpus/seeds/every-operation.txt", NULL};
    spawn_run(min, &r);
    ck_assert_int_eq(r.status, 2);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* An engine's file (records without gauntlet's header) read with --format
 * binary: its candidates, written as text, are run as text. */
START_TEST(minimize_takes_an_engines_file)
{
    char dir[64], with_header[128], engine_file[128], minimal[128], lib[512], strip[512];
    make_temp_dir(dir, sizeof dir);
    snprintf(with_header, sizeof with_header, "%s/header.bin", dir);
    snprintf(engine_file, sizeof engine_file, "%s/crash-1", dir);
    snprintf(minimal, sizeof minimal, "%s/min.txt", dir);
    write_binary_program(with_header, "t0 malloc s0 100\nt0 calloc s1 50 x 2\nt0 free s0\n");
    snprintf(strip, sizeof strip, "tail -c +%d %s > %s", PROGRAM_BINARY_HEADER_LEN + 1, with_header,
             engine_file);
    const char *sh[] = {"sh", "-c", strip, NULL};
    spawn_run(sh, &r);
    ck_assert_int_eq(r.status, 0);
    defective_library(lib, sizeof lib, "calloc_dirty");
    const char *min[] = {"gauntlet", "minimize",  "--format", "binary", "--alloc",
                         lib,        engine_file, "-o",       minimal,  NULL};
    spawn_run(min, &r);
    ck_assert_msg(r.status == 0, "minimize exit %d:\n%s", r.status, r.err);
    ck_assert_int_eq(count_operations(minimal), 1);
}
END_TEST

/* crash_nth's 50th request of whole thousands crashes at one instruction,
 * whichever call makes it: a program whose malloc makes it and one whose
 * realloc does are one finding, signed by the crash's site, not two signed
 * by the call. */
static void write_crash_nth(const char *path, const char *last)
{
    char text[2048] = "";
    size_t used = 0;
    for (int i = 0; i < 49; i++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "t0 malloc s%d 1000\nt0 free s%d\n", i % 4, i % 4);
    snprintf(text + used, sizeof text - used, "%s\n", last);
    write_text(path, text);
}

/* A leak shows only over rounds: a program that says its rounds (`# rounds:`)
 * fails by itself, and its minimized form keeps the line and fails alone too;
 * --rounds still wins over the line. */
START_TEST(a_programs_rounds_go_with_it)
{
    char dir[64], program[128], minimal[128], lib[512], invariant[64];
    make_temp_dir(dir, sizeof dir);
    snprintf(program, sizeof program, "%s/leak.txt", dir);
    snprintf(minimal, sizeof minimal, "%s/min.txt", dir);
    defective_library(lib, sizeof lib, "leak");
    FILE *f = fopen(program, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# rounds: 32\n", f);
    for (int i = 0; i < 40; i++)
        fprintf(f, "t0 malloc s%d %d\nt0 free s%d\n", i % 4, 20000 + 100 * i, i % 4);
    fclose(f);
    const char *run[] = {"gauntlet", "run", "--alloc", lib, program, NULL};
    spawn_run(run, &r);
    reported_invariant(invariant, sizeof invariant);
    ck_assert_msg(r.status == 1 && strcmp(invariant, "reuse") == 0,
                  "the program's rounds were not made: exit %d\n%s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "--rounds "));
    const char *own[] = {"gauntlet", "run", "--alloc", "glibc", program, NULL};
    spawn_run(own, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, ", 32 rounds") != NULL, "%s%s", r.out, r.err);
    const char *given[] = {"gauntlet", "run", "--alloc", "glibc", "--rounds", "64", program, NULL};
    spawn_run(given, &r);
    ck_assert_msg(r.status == 0 && strstr(r.out, ", 64 rounds") != NULL, "%s%s", r.out, r.err);

    const char *minimize[] = {"gauntlet", "minimize", "--alloc", lib, program, "-o", minimal, NULL};
    spawn_run(minimize, &r);
    ck_assert_msg(r.status == 0, "minimize: exit %d\n%s", r.status, r.err);
    ck_assert_int_lt(count_operations(minimal), 80);
    FILE *m = fopen(minimal, "r");
    ck_assert_ptr_nonnull(m);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, m);
    fclose(m);
    text[n] = '\0';
    ck_assert_msg(strstr(text, "\n# rounds: 32\n") != NULL, "%s", text);
    const char *again[] = {"gauntlet", "run", "--alloc", lib, minimal, NULL};
    spawn_run(again, &r);
    reported_invariant(invariant, sizeof invariant);
    ck_assert_msg(r.status == 1 && strcmp(invariant, "reuse") == 0,
                  "the minimized program passes alone: exit %d\n%s", r.status, r.err);
}
END_TEST

START_TEST(triage_signs_a_crash_by_its_site)
{
    char dir[64], path[256], lib[512];
    make_temp_dir(dir, sizeof dir);
    defective_library(lib, sizeof lib, "crash_nth");
    snprintf(path, sizeof path, "%s/findings", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/findings/by-malloc.txt", dir);
    write_crash_nth(path, "t0 malloc s1 2000");
    snprintf(path, sizeof path, "%s/findings/by-realloc.txt", dir);
    write_crash_nth(path, "t0 realloc s1 2000");
    const char *triage[] = {"gauntlet", "triage", "--alloc", lib, dir, NULL};
    spawn_run(triage, &r);
    ck_assert_msg(r.status == 1, "triage exit %d:\n%s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "2 of 2 replays reproduced: 1 distinct"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "crash/signal-11/libdefect_crash_nth.so+0x"), "%s", r.out);
}
END_TEST

/* abort_malloc calls abort(): the faulting instruction is the C library's,
 * where every abort ends; the site is the caller's return address, in the
 * defective library. */
START_TEST(crash_in_the_c_library_is_signed_by_its_caller)
{
    char lib[512];
    defective_library(lib, sizeof lib, "abort_malloc");
    const char *run[] = {
        "gauntlet", "run", "--alloc", lib, "tests/defective/programs/abort_malloc.txt", NULL};
    spawn_run(run, &r);
    ck_assert_msg(r.status == 1 && strstr(r.err, "(Aborted) at libdefect_abort_malloc.so+0x"),
                  "exit %d:\n%s", r.status, r.err);
}
END_TEST

START_TEST(triage_groups_findings_that_fail_the_same_way)
{
    char dir[64], path[256], lib[512];
    make_temp_dir(dir, sizeof dir);
    defective_library(lib, sizeof lib, "calloc_dirty");
    /* Three findings failing the same way (calloc-zero at a calloc), one that
     * no longer reproduces, and a file that is no finding at all. */
    static const char dirty[] = "t0 malloc s0 100\nt0 calloc s1 10 x 10\n";
    snprintf(path, sizeof path, "%s/crash-one", dir);
    write_binary_program(path, dirty); /* engines' files are binary */
    snprintf(path, sizeof path, "%s/findings", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/findings/two.txt", dir);
    write_text(path, "t1 calloc s3 1000 x 1\n");
    /* A saved finding is NAME.bin and NAME.txt: one finding, counted once. */
    snprintf(path, sizeof path, "%s/findings/three.bin", dir);
    write_binary_program(path, "t0 calloc s2 50 x 2\n");
    snprintf(path, sizeof path, "%s/findings/three.txt", dir);
    write_text(path, "t0 calloc s2 50 x 2\n");
    snprintf(path, sizeof path, "%s/timeout-passes", dir);
    write_binary_program(path, "t0 malloc s0 100\nt0 free s0\n");
    snprintf(path, sizeof path, "%s/README", dir);
    copy_file("corpus/seeds/every-operation.txt", path);

    const char *triage[] = {"gauntlet", "triage", "--alloc", lib, dir, NULL};
    spawn_run(triage, &r);
    ck_assert_msg(r.status == 1, "triage exit %d:\n%s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "3×") && strstr(r.out, "`calloc-zero` at calloc"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "1 distinct"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "did not reproduce") && strstr(r.out, "timeout-passes"), "%s",
                  r.out);
    ck_assert_msg(strstr(r.out, "README") == NULL, "not a finding, but replayed:\n%s", r.out);

    /* Against a correct allocator nothing reproduces: exit 0. */
    const char *clean[] = {"gauntlet", "triage", "--alloc", "glibc", dir, NULL};
    spawn_run(clean, &r);
    ck_assert_msg(r.status == 0, "triage on glibc exit %d:\n%s", r.status, r.out);
}
END_TEST

Suite *minimize_suite(void)
{
    Suite *s = suite_create("minimize");
    TCase *tc = tcase_create("minimize and triage");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, minimize_calloc_dirty_to_a_few_operations);
    tcase_add_test(tc, minimize_scribble_to_a_few_operations);
    tcase_add_test(tc, minimize_refuses_a_passing_program);
    tcase_add_test(tc, minimize_takes_an_engines_file);
    tcase_add_test(tc, minimize_needs_alloc);
    tcase_add_test(tc, triage_groups_findings_that_fail_the_same_way);
    tcase_add_test(tc, a_programs_rounds_go_with_it);
    tcase_add_test(tc, triage_signs_a_crash_by_its_site);
    tcase_add_test(tc, crash_in_the_c_library_is_signed_by_its_caller);
    suite_add_tcase(s, tc);
    return s;
}
