/*
 * test_reproducer.c — the reproducer (harness/reproducer.c): the C programs it
 * writes compile cleanly, pass against a correct allocator, fail with the
 * right invariant against a defective one, and write sizes exactly. Each test
 * writes a program's reproducer into a fresh /tmp directory, compiles it with
 * `cc` and runs it. The defective allocators are built here, from one small C
 * source with one defect per -D flag, so that these tests depend on nothing
 * but this file and the harness.
 */
#include "gauntlet.h"
#include "command.h"
#include "runner.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The exact flags a maintainer uses, plus the warnings the generated C must not raise. */
#define REPRO_CFLAGS "-std=c17", "-Wall", "-Wextra", "-Werror", "-O1", "-pthread", "-rdynamic"

/* A malloc replacement that forwards to glibc (RTLD_NEXT, resolved once in the
 * constructor; calls made while dlsym runs are served from a static buffer
 * that free ignores), with one defect chosen by -D. It defines malloc, free,
 * calloc, realloc and malloc_usable_size itself: an allocator under test must
 * export its own malloc and free. Built with -fno-builtin so that the compiler
 * does not turn the forwarding into calls to itself. */
static const char defective_source[] =
    "#define _GNU_SOURCE\n"
    "#include <dlfcn.h>\n"
    "#include <errno.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "#include <unistd.h>\n"
    "static void *(*next_malloc)(size_t);\n"
    "static void *(*next_calloc)(size_t, size_t);\n"
    "static void *(*next_realloc)(void *, size_t);\n"
    "static void (*next_free)(void *);\n"
    "static size_t (*next_usable)(void *);\n"
    "static _Alignas(16) unsigned char early[1 << 16];\n"
    "static size_t early_used;\n"
    "static int resolving;\n"
    "static void *early_block(size_t n)\n"
    "{\n"
    "    n = (n + 15) & ~(size_t)15;\n"
    "    if (n > sizeof early - early_used) return NULL;\n"
    "    early_used += n;\n"
    "    return early + early_used - n;\n"
    "}\n"
    "static int is_early(void *p)\n"
    "{\n"
    "    return (unsigned char *)p >= early && (unsigned char *)p < early + sizeof early;\n"
    "}\n"
    "static void resolve(void)\n"
    "{\n"
    "    if (next_free != NULL || resolving) return;\n"
    "    resolving = 1;\n"
    "    *(void **)&next_malloc = dlsym(RTLD_NEXT, \"malloc\");\n"
    "    *(void **)&next_calloc = dlsym(RTLD_NEXT, \"calloc\");\n"
    "    *(void **)&next_realloc = dlsym(RTLD_NEXT, \"realloc\");\n"
    "    *(void **)&next_usable = dlsym(RTLD_NEXT, \"malloc_usable_size\");\n"
    "    *(void **)&next_free = dlsym(RTLD_NEXT, \"free\");\n"
    "    resolving = 0;\n"
    "}\n"
    "__attribute__((constructor)) static void init(void) { resolve(); }\n"
    "void *malloc(size_t n)\n"
    "{\n"
    "    resolve();\n"
    "    if (next_free == NULL) return early_block(n);\n"
    "#ifdef CRASH_4321\n"
    "    if (n == 4321) return (void *)(uintptr_t)4096;\n"
    "#endif\n"
    "#ifdef HANG_4242\n"
    "    while (n == 4242) pause();\n"
    "#endif\n"
    "    return next_malloc(n);\n"
    "}\n"
    "void *calloc(size_t n, size_t m)\n"
    "{\n"
    "    resolve();\n"
    "    if (next_free == NULL) return n && m > SIZE_MAX / n ? NULL : early_block(n * m);\n"
    "    unsigned char *p = next_calloc(n, m);\n"
    "#ifdef POISON_CALLOC\n"
    "    size_t bytes;\n"
    "    if (p != NULL && !__builtin_mul_overflow(n, m, &bytes) && bytes > 32)\n"
    "        p[bytes - 1] = 0x55;\n"
    "#endif\n"
    "    return p;\n"
    "}\n"
    "void *realloc(void *p, size_t n)\n"
    "{\n"
    "    resolve();\n"
    "    if (is_early(p)) return NULL;\n"
    "    unsigned char *q = next_realloc(p, n);\n"
    "#ifdef LOSE_BYTE_99999\n"
    "    if (q != NULL && n == 200000) q[99999] ^= 0x20;\n"
    "#endif\n"
    "    return q;\n"
    "}\n"
    "void free(void *p)\n"
    "{\n"
    "    resolve();\n"
    "    if (p == NULL || is_early(p)) return;\n"
    "    next_free(p);\n"
    "#ifdef FREE_SETS_ERRNO\n"
    "    errno = EINVAL;\n"
    "#endif\n"
    "}\n"
    "size_t malloc_usable_size(void *p)\n"
    "{\n"
    "    resolve();\n"
    "    return p == NULL || is_early(p) ? 0 : next_usable(p);\n"
    "}\n";

/* The result of runs is large: one at a time, outside the stack. */
static struct spawned result;

struct workdir {
    char path[64];
};

static void workdir_open(struct workdir *w)
{
    make_temp_dir(w->path, sizeof w->path);
}

static void workdir_remove(struct workdir *w)
{
    const char *argv[] = {"rm", "-rf", w->path, NULL};
    spawn_run(argv, &result);
}

static void join(char *out, size_t len, const struct workdir *w, const char *name)
{
    ck_assert_int_lt(snprintf(out, len, "%s/%s", w->path, name), (int)len);
}

static void parse(const char *text, struct program *p)
{
    char err[256];
    ck_assert_msg(program_parse_text(text, strlen(text), "test", p, err, sizeof err), "%s", err);
}

/* Reads a file into `buf` (truncated); returns its length. */
static size_t read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

/* Writes the reproducer of `text` for `allocator` to DIR/name.c. A so:
 * library gets the C23 sized free, as gauntlet binds it for one that
 * defines it; no program here makes C++ calls. */
static void write_reproducer(const struct workdir *w, const char *name, const char *text,
                             const char *allocator, const struct alloc_policy *policy, size_t cap)
{
    const struct reproducer_options options = {
        allocator,
        policy,
        cap,
        false,
        strncmp(allocator, "so:", 3) == 0 ? SIZED_FREE_C23 : allocator_sized_free(allocator),
        false,
        1,
        NULL};
    struct program p;
    parse(text, &p);
    char file[128], c_name[64];
    snprintf(c_name, sizeof c_name, "%s.c", name);
    join(file, sizeof file, w, c_name);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert(reproducer_write(&p, &options, fd));
    ck_assert_int_eq(close(fd), 0);
    program_release(&p);
}

/* Compiles DIR/name.c to DIR/name with the warnings as errors; `extra` is a
 * linker or -D flag, or NULL. */
static void compile(const struct workdir *w, const char *name, const char *extra)
{
    char src[128], exe[128], c_name[64];
    snprintf(c_name, sizeof c_name, "%s.c", name);
    join(src, sizeof src, w, c_name);
    join(exe, sizeof exe, w, name);
    const char *argv[] = {"cc", REPRO_CFLAGS, src, "-o", exe, extra, NULL};
    spawn_run(argv, &result);
    ck_assert_msg(result.status == 0, "cc %s failed (%d):\n%.3000s", src, result.status,
                  result.err);
}

/* Runs DIR/name, under LD_PRELOAD=preload when given, with REPRO_TRACE=1. */
static void run(const struct workdir *w, const char *name, const char *preload)
{
    char exe[128], preload_env[160];
    join(exe, sizeof exe, w, name);
    snprintf(preload_env, sizeof preload_env, "LD_PRELOAD=%s", preload ? preload : "");
    const char *argv[] = {"env", preload_env, "REPRO_TRACE=1", exe, NULL};
    spawn_run(argv, &result);
}

/* The reproducer of `text` written (default cap), compiled with `cflags`
 * and run with `preload` (NULL: none): the outcome is in `result`. */
static void reproduce(const struct workdir *w, const char *name, const char *text,
                      const char *allocator, const struct alloc_policy *policy, const char *cflags,
                      const char *preload)
{
    write_reproducer(w, name, text, allocator, policy, GAUNTLET_DEFAULT_CAP);
    compile(w, name, cflags);
    run(w, name, preload);
}

/* Builds the defective library with one -D flag into DIR/libdefect.so. */
/* Builds the test's preload library with one defect; its path goes to lib,
 * and its allocator name ("so:PATH") to allocator. */
static void build_defective(const struct workdir *w, const char *define, char *lib, size_t len,
                            char *allocator, size_t allocator_len)
{
    char src[128];
    join(src, sizeof src, w, "defect.c");
    join(lib, len, w, "libdefect.so");
    snprintf(allocator, allocator_len, "so:%s", lib);
    write_file(src, defective_source);
    const char *argv[] = {"cc",   "-std=c17", "-O2", "-fPIC", "-shared", "-fno-builtin",
                          define, src,        "-o",  lib,     NULL};
    spawn_run(argv, &result);
    ck_assert_msg(result.status == 0, "building the defective library failed:\n%.3000s",
                  result.err);
}

/* DIR/repro, built for the test's library, passes with that library built
 * without a defect (no false alarm), and refuses to judge another allocator
 * (run without it, glibc's malloc would serve the calls). */
static void expect_correct_library_passes(const struct workdir *w, char *lib)
{
    char allocator[160];
    build_defective(w, "-DNO_DEFECT", lib, 128, allocator, sizeof allocator);
    run(w, "repro", lib);
    ck_assert_msg(result.status == 0, "status %d:\n%.4000s", result.status, result.err);
    run(w, "repro", NULL);
    ck_assert_msg(result.status == 2 && strstr(result.err, "malloc comes from"),
                  "status %d:\n%.4000s", result.status, result.err);
}

/* Writes, compiles and runs one reproducer against glibc; expects success. */
static void expect_pass_on_glibc(const char *text, size_t ops)
{
    struct workdir w;
    workdir_open(&w);
    reproduce(&w, "repro", text, "glibc", policy_for("glibc"), NULL, NULL);
    char passed[64];
    snprintf(passed, sizeof passed, "reproducer: all %zu operations passed\n", ops);
    ck_assert_msg(result.status == 0 && strstr(result.err, passed) != NULL,
                  "status %d, stderr:\n%.4000s", result.status, result.err);
    workdir_remove(&w);
}

/* ---- correct programs pass ---- */

START_TEST(test_correct_program_passes_on_glibc)
{
    /* Every kind of operation, implementation choices on glibc's side of the
     * table (realloc(p, 0) frees; bad alignments rounded up), implicit frees,
     * sampled blocks above 1 MiB, and blocks left for the end of program. */
    static const char text[] = "t0 malloc s1 100\n"
                               "t0 calloc s2 10 x 16\n"
                               "t0 realloc s1 4KiB\n"
                               "t0 reallocarray s1 4 x 100\n"
                               "t0 free_sized s2\n"
                               "t0 aligned_alloc s3 1000 align 64\n"
                               "t0 aligned_alloc s4 100 align 24\n"
                               "t0 posix_memalign s5 100 align 24\n"
                               "t0 posix_memalign s5 100 align 4096\n"
                               "t0 memalign s6 2MiB align 2MiB\n"
                               "t0 check s3\n"
                               "t0 usable_size s3\n"
                               "t0 malloc s7 0\n"
                               "t0 realloc s7 0\n"
                               "t0 realloc s8 0\n"
                               "t0 malloc s1 3MiB\n"
                               "t0 realloc s1 5MiB\n"
                               "t0 malloc s1 7\n"
                               "t0 free s9\n"
                               "barrier\n"
                               "t0 free s3\n";
    expect_pass_on_glibc(text, 21);
}
END_TEST

START_TEST(test_threaded_program_passes)
{
    /* Cross-thread frees and reallocs, a restart, a barrier, and blocks of
     * several threads left for thread 0 at the end. */
    static const char text[] = "t0 malloc s1 100\n"
                               "t1 free s1\n"
                               "t1 malloc s2 5000\n"
                               "t2 realloc s2 70000\n"
                               "t3 free s2\n"
                               "t2 calloc s3 100 x 8\n"
                               "t2 restart\n"
                               "t2 free s3\n"
                               "t3 posix_memalign s4 256 align 128\n"
                               "barrier\n"
                               "t1 realloc s4 10\n"
                               "t0 usable_size s4\n"
                               "t3 restart\n"
                               "t3 malloc s5 2MiB\n"
                               "t1 check s5\n";
    struct workdir w;
    workdir_open(&w);
    reproduce(&w, "repro", text, "glibc", policy_for("glibc"), NULL, NULL);
    ck_assert_msg(result.status == 0, "status %d:\n%.4000s", result.status, result.err);
    ck_assert_ptr_nonnull(strstr(result.err, "reproducer: all 15 operations passed\n"));
    /* Each operation ran: the trace names them in program order. */
    const char *free_s1 = strstr(result.err, "op 1 (t1 free s1): free(");
    const char *end = strstr(result.err, "end of program (t0 free s4): free(");
    ck_assert_ptr_nonnull(free_s1);
    ck_assert_ptr_nonnull(end);
    ck_assert(free_s1 < end);
    workdir_remove(&w);
}
END_TEST

START_TEST(test_impossible_requests_pass_on_glibc)
{
    static const char text[] = "t0 malloc s1 10\n"
                               "t0 malloc s2 SIZE_MAX\n"
                               "t0 malloc s3 PTRDIFF_MAX+1\n"
                               "t0 calloc s4 SIZE_MAX/m+1 x 16\n"
                               "t0 calloc s4 PTRDIFF_MAX/m+1 x 3\n"
                               "t0 realloc s1 SIZE_MAX-7\n"
                               "t0 reallocarray s1 SIZE_MAX/m+1 x 8\n"
                               "t0 aligned_alloc s5 SIZE_MAX align 64\n"
                               "t0 posix_memalign s6 SIZE_MAX-100 align 64\n"
                               "t0 memalign s7 PTRDIFF_MAX+1 align 4096\n"
                               "t0 check s1\n";
    expect_pass_on_glibc(text, 11);
}
END_TEST

/* ---- defects are found, with the invariant and the operation ---- */

START_TEST(test_defective_calloc_fails)
{
    struct workdir w;
    workdir_open(&w);
    char lib[128], allocator[160];
    build_defective(&w, "-DPOISON_CALLOC", lib, sizeof lib, allocator, sizeof allocator);
    write_reproducer(&w, "repro", "t0 malloc s1 100\nt0 calloc s2 10 x 16\nt0 free s1\n", allocator,
                     policy_for("so:"), GAUNTLET_DEFAULT_CAP);
    compile(&w, "repro", NULL);
    /* The header's command names the library. */
    static char source[1 << 18];
    char src[128];
    join(src, sizeof src, &w, "repro.c");
    read_file(src, source, sizeof source);
    char command[256];
    snprintf(command, sizeof command,
             "cc -std=c17 -O1 -pthread -rdynamic repro.c -o repro && LD_PRELOAD=%s ./repro\n", lib);
    ck_assert_msg(strstr(source, command) != NULL, "no `%s` in the header", command);

    run(&w, "repro", lib);
    ck_assert_msg(result.status == 1, "status %d:\n%.4000s", result.status, result.err);
    ck_assert_msg(strstr(result.err, "reproducer: op 1 (t0 calloc s2 10 x 16): calloc-zero: "
                                     "expected byte 159 of 160 is 0, got byte 159 is 0x55") != NULL,
                  "%.4000s", result.err);
    /* The same library without its defect passes the same program; with no
     * library at all (glibc's malloc) the reproducer refuses to judge. */
    expect_correct_library_passes(&w, lib);
    workdir_remove(&w);
}
END_TEST

/* A large block's last kept byte lost by realloc: the reproducer checks the
 * sampled block's tail, as the harness does, not stepping past it. */
START_TEST(test_sampled_block_tail_is_checked)
{
    struct workdir w;
    workdir_open(&w);
    char lib[128], allocator[160];
    build_defective(&w, "-DLOSE_BYTE_99999", lib, sizeof lib, allocator, sizeof allocator);
    reproduce(&w, "repro", "t0 malloc s1 100000\nt0 realloc s1 200000\nt0 free s1\n", allocator,
              policy_for("so:"), NULL, lib);
    ck_assert_msg(result.status == 1, "status %d:\n%.4000s", result.status, result.err);
    ck_assert_msg(strstr(result.err, "realloc") && strstr(result.err, "byte 99999 is"), "%.4000s",
                  result.err);
    expect_correct_library_passes(&w, lib);
    workdir_remove(&w);
}
END_TEST

START_TEST(test_known_deviation_is_noted_not_fatal)
{
    struct workdir w;
    workdir_open(&w);
    char lib[128], allocator[160];
    build_defective(&w, "-DFREE_SETS_ERRNO", lib, sizeof lib, allocator, sizeof allocator);
    static const char text[] = "t0 malloc s1 100\nt0 free s1\nt0 malloc s2 200\n";

    /* A table without the deviation: free-errno is a violation. */
    reproduce(&w, "strict", text, allocator, policy_for("so:"), NULL, lib);
    ck_assert_msg(result.status == 1 &&
                      strstr(result.err, "reproducer: op 1 (t0 free s1): free-errno: ") != NULL,
                  "status %d:\n%.4000s", result.status, result.err);

    /* A table that lists it: noted once, and the end-of-program frees pass. */
    static const struct known_deviation deviations[] = {
        {EXCUSE_FREE_ERRNO, OP_BIT(OP_FREE), DEVIATES_ALWAYS, "test: free sets errno"},
        {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},
    };
    struct alloc_policy lenient = *policy_for("so:");
    lenient.deviations = deviations;
    reproduce(&w, "lenient", text, allocator, &lenient, NULL, lib);
    ck_assert_msg(result.status == 0, "status %d:\n%.4000s", result.status, result.err);
    ck_assert_ptr_nonnull(strstr(result.err, "reproducer: op 1 (t0 free s1): note: known "
                                             "deviation (free-errno): test: free sets errno\n"));
    ck_assert_ptr_nonnull(strstr(result.err, "reproducer: all 3 operations passed\n"));
    workdir_remove(&w);
}
END_TEST

START_TEST(test_crash_and_hang_name_the_operation)
{
    struct workdir w;
    workdir_open(&w);
    char lib[128], allocator[160];
    build_defective(&w, "-DCRASH_4321", lib, sizeof lib, allocator, sizeof allocator);
    reproduce(&w, "crash", "t0 malloc s1 10\nt1 malloc s2 4321\n", allocator, policy_for("so:"),
              NULL, lib);
    ck_assert_msg(
        result.status == 1 &&
            strstr(result.err, "reproducer: op 1 (t1 malloc s2 4321): crash: signal 11") != NULL,
        "status %d:\n%.4000s", result.status, result.err);

    build_defective(&w, "-DHANG_4242", lib, sizeof lib, allocator, sizeof allocator);
    reproduce(&w, "hang", "t0 malloc s1 10\nt0 malloc s2 4242\n", allocator, policy_for("so:"),
              "-DWATCHDOG_SECONDS=1", lib);
    ck_assert_msg(result.status == 1 &&
                      strstr(result.err, "reproducer: op 1 (t0 malloc s2 4242): hang: ") != NULL,
                  "status %d:\n%.4000s", result.status, result.err);
    workdir_remove(&w);
}
END_TEST

/* ---- the generated text ---- */

START_TEST(test_sizes_are_written_exactly)
{
    static const char text[] = "t0 malloc s1 SIZE_MAX-7\n"
                               "t0 malloc s2 PTRDIFF_MAX+1\n"
                               "t0 malloc s3 2^40+3\n"
                               "t0 calloc s4 SIZE_MAX/m+1 x 16\n"
                               "t0 calloc s5 PTRDIFF_MAX/m-2 x 1000\n"
                               "t0 malloc s6 0x123456780000\n"
                               "t0 realloc s7 PTRDIFF_MAX-5\n"
                               "t0 aligned_alloc s8 100 align 2^63\n";
    struct workdir w;
    workdir_open(&w);
    write_reproducer(&w, "repro", text, "glibc", policy_for("glibc"), GAUNTLET_DEFAULT_CAP);
    static char source[1 << 18];
    char src[128];
    join(src, sizeof src, &w, "repro.c");
    read_file(src, source, sizeof source);
    static const char *const lines[] = {
        "    STEP(0, 0, \"t0 malloc s1 SIZE_MAX-7\", op_malloc(1, SIZE_MAX - 7)),\n",
        "    STEP(1, 0, \"t0 malloc s2 PTRDIFF_MAX+1\", op_malloc(2, (size_t)PTRDIFF_MAX + 1)),\n",
        "    STEP(2, 0, \"t0 malloc s3 2^40+3\", op_malloc(3, ((size_t)1 << 40) + 3)),\n",
        "op_calloc(4, SIZE_MAX / 16 + 1, (size_t)16)),\n",
        "op_calloc(5, (size_t)PTRDIFF_MAX / 1000 - 2, (size_t)1000)),\n",
        "op_malloc(6, (size_t)UINT64_C(0x123456780000))),\n",
        "op_realloc(7, (size_t)PTRDIFF_MAX - 5)),\n",
        "op_aligned_alloc(8, (size_t)100, (size_t)PTRDIFF_MAX + 1)),\n",
        " *     cc -std=c17 -O1 -pthread -rdynamic repro.c -o repro && ./repro\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_msg(strstr(source, lines[i]) != NULL, "no `%s` in:\n%.2000s", lines[i],
                      source + strlen(source) - (strlen(source) > 2000 ? 2000 : strlen(source)));

    /* The expressions have the values: the trace prints them in decimal. */
    compile(&w, "repro", NULL);
    run(&w, "repro", NULL);
    ck_assert_msg(result.status == 0, "status %d:\n%.4000s", result.status, result.err);
    static const char *const calls[] = {
        "malloc(18446744073709551608) = (nil)",
        "malloc(9223372036854775808) = (nil)",
        "skipped: 1099511627779 bytes",
        "calloc(1152921504606846976, 16) = (nil)",
        "skipped: 9223372036854773000 bytes", /* (PTRDIFF_MAX / 1000 - 2) * 1000 */
        "skipped: 20015998304256 bytes",
        "skipped: 9223372036854775802 bytes",
        "aligned_alloc(9223372036854775808, 100) = ",
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        ck_assert_msg(strstr(result.err, calls[i]) != NULL, "no `%s` in:\n%.4000s", calls[i],
                      result.err);
    workdir_remove(&w);
}
END_TEST

START_TEST(test_named_allocators)
{
    /* Each allocator's own table and sized free; skipped where the library is
     * not installed. */
    static const char text[] = "t0 malloc s1 100\n"
                               "t1 aligned_alloc s2 1000 align 64\n"
                               "t0 posix_memalign s3 100 align 256\n"
                               "t1 free_sized s1\n"
                               "t0 free_sized s2\n"
                               "t1 free_sized s3\n"
                               "t0 calloc s4 100 x 3\n"
                               "t1 realloc s4 5000\n"
                               "t0 reallocarray s4 10 x 10\n"
                               "t1 malloc s5 SIZE_MAX\n"
                               "t0 free_sized s4\n";
    static const char *const names[] = {"jemalloc", "mimalloc", "tcmalloc"};
    for (size_t i = 0; i < 3; i++) {
        struct workdir w;
        workdir_open(&w);
        write_reproducer(&w, "repro", text, names[i], policy_for(names[i]), GAUNTLET_DEFAULT_CAP);
        /* Built as its header says, with the warnings as errors. */
        static char source[1 << 18];
        char src[128], command[512];
        join(src, sizeof src, &w, "repro.c");
        read_file(src, source, sizeof source);
        const char *cc = strstr(source, "cc -std=c17");
        ck_assert_ptr_nonnull(cc);
        snprintf(command, sizeof command, "cd %s && %.*s -Wall -Wextra -Werror", w.path,
                 (int)(strstr(cc, " && ") - cc), cc);
        const char *argv[] = {"sh", "-c", command, NULL};
        spawn_run(argv, &result);
        if (result.status != 0 && strstr(result.err, "cannot find") != NULL) {
            test_skip("test_named_allocators", result.err); /* its -dev package is missing */
            workdir_remove(&w);
            continue;
        }
        ck_assert_msg(result.status == 0, "cc for %s failed:\n%.3000s", names[i], result.err);
        run(&w, "repro", NULL);
        ck_assert_msg(result.status == 0 &&
                          strstr(result.err, "reproducer: all 11 operations passed\n") != NULL,
                      "%s: status %d:\n%.4000s", names[i], result.status, result.err);
        /* The library itself served malloc, and the sized free was made. */
        ck_assert_msg(strstr(result.err, "malloc comes from") == NULL, "%.2000s", result.err);
        ck_assert_msg(strstr(result.err, "op 3 (t1 free_sized s1): sized free(") != NULL,
                      "%s: %.4000s", names[i], result.err);
        workdir_remove(&w);
    }
}
END_TEST

START_TEST(test_odd_names_and_errors)
{
    struct workdir w;
    workdir_open(&w);
    /* A path that would end the header comment or break the shell command. */
    write_reproducer(&w, "repro", "t0 malloc s1 1\n", "so:/tmp/x y/lib*/it's.so", policy_for("so:"),
                     GAUNTLET_DEFAULT_CAP);
    compile(&w, "repro", NULL);
    static char source[1 << 18];
    char src[128];
    join(src, sizeof src, &w, "repro.c");
    read_file(src, source, sizeof source);
    ck_assert_ptr_nonnull(strstr(source, "LD_PRELOAD='/tmp/x y/lib* /it'\\''s.so' ./repro"));

    /* An unknown allocator, a missing policy, a closed descriptor. */
    struct program p;
    parse("t0 malloc s1 1\n", &p);
    int fd = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(fd, 0);
    struct reproducer_options o = {
        "nosuch", policy_for("so:"), 1024, false, SIZED_FREE_NONE, false, 1, NULL};
    ck_assert(!reproducer_write(&p, &o, fd));
    o.allocator = "so:";
    ck_assert(!reproducer_write(&p, &o, fd));
    o.allocator = "glibc";
    o.policy = NULL;
    ck_assert(!reproducer_write(&p, &o, fd));
    o.policy = policy_for("glibc");
    ck_assert(reproducer_write(&p, &o, fd));
    close(fd);
    ck_assert(!reproducer_write(&p, &o, fd));
    program_release(&p);
    workdir_remove(&w);
}
END_TEST

Suite *reproducer_suite(void)
{
    Suite *s = suite_create("reproducer");
    TCase *pass = tcase_create("passes");
    tcase_set_timeout(pass, 60); /* each test compiles C */
    tcase_add_test(pass, test_correct_program_passes_on_glibc);
    tcase_add_test(pass, test_threaded_program_passes);
    tcase_add_test(pass, test_impossible_requests_pass_on_glibc);
    tcase_add_test(pass, test_named_allocators);
    suite_add_tcase(s, pass);
    TCase *fails = tcase_create("finds defects");
    tcase_set_timeout(fails, 60);
    tcase_add_test(fails, test_defective_calloc_fails);
    tcase_add_test(fails, test_sampled_block_tail_is_checked);
    tcase_add_test(fails, test_known_deviation_is_noted_not_fatal);
    tcase_add_test(fails, test_crash_and_hang_name_the_operation);
    suite_add_tcase(s, fails);
    TCase *text = tcase_create("text");
    tcase_set_timeout(text, 60);
    tcase_add_test(text, test_sizes_are_written_exactly);
    tcase_add_test(text, test_odd_names_and_errors);
    suite_add_tcase(s, text);
    return s;
}
