/*
 * cmd_fuzz.c — `gauntlet fuzz`: a fuzzing campaign against one allocator.
 * It builds the engine's target when missing (fuzzers/build.sh), runs
 * libFuzzer or AFL++ with the allocator named in GAUNTLET_ALLOC, shows
 * progress, and stops at the time limit or the first finding. Every finding
 * is re-run in a fresh process by `gauntlet run` before it is reported, and
 * saved (atomically) with its report, its decoded program and the command
 * that replays it.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char fuzz_help[] =
    "usage: gauntlet fuzz --alloc NAME [--engine libfuzzer|afl] [--san asan|tsan|none]\n"
    "                     [--time SECONDS] [--jobs N] [--corpus DIR] [--out DIR]\n"
    "\n"
    "Fuzzes the allocator with the harness's binary programs until the time limit\n"
    "(default 60 s) or the first finding. Builds the target when missing. Findings\n"
    "are confirmed in a fresh process and saved in OUT/findings/ with the report,\n"
    "the decoded program and the command that replays them.\n"
    "  --engine E    libfuzzer (default) or afl (AFL++, persistent mode)\n"
    "  --san S       none (default; the build so:PATH libraries run in), asan\n"
    "                (AddressSanitizer+UBSan on the harness) or tsan (threads run free)\n"
    "  --jobs N      parallel workers (libFuzzer -fork=N; AFL++ one -M and N-1 -S)\n"
    "  --seed N      the engine's random seed (with --runs: a repeatable campaign)\n"
    "  --runs N      stop after N executions (libFuzzer)\n"
    "  --cap SIZE    live-bytes cap of the programs (default 32MiB: three times the\n"
    "                executions of run's 256MiB; findings replay with the same cap)\n"
    "  --corpus DIR  the corpus to grow (default OUT/corpus, seeded from corpus/seeds)\n"
    "  --out DIR     where artifacts and findings go (default build/fuzz-out/NAME)\n"
    "Exit status: 0 nothing found; 1 a finding; 2 usage or set-up error.\n";

struct fuzz_options {
    const char *alloc, *engine, *san, *corpus, *out, *cap;
    unsigned seconds, jobs;
    uint64_t seed, runs; /* 0: the engine's choice / no bound */
};

static bool make_directory(const char *path)
{
    char partial[4096];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(partial, 0755);
            *p = '/';
        }
    return mkdir(partial, 0755) == 0 || errno == EEXIST;
}

static void parse_options(int argc, char **argv, struct fuzz_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            fputs(fuzz_help, stdout);
            exit(0);
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            o->alloc = argv[++i];
        } else if (strcmp(arg, "--engine") == 0 && value) {
            o->engine = argv[++i];
        } else if (strcmp(arg, "--san") == 0 && value) {
            o->san = argv[++i];
        } else if (strcmp(arg, "--time") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n == 0 || n > 7 * 86400)
                usage_error("fuzz", "--time needs seconds (1..604800)");
            o->seconds = (unsigned)n;
        } else if (strcmp(arg, "--jobs") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n == 0 || n > 64)
                usage_error("fuzz", "--jobs needs 1..64");
            o->jobs = (unsigned)n;
        } else if (strcmp(arg, "--seed") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &o->seed) || o->seed == 0 || o->seed > UINT32_MAX)
                usage_error("fuzz", "--seed needs 1..4294967295");
        } else if (strcmp(arg, "--runs") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &o->runs) || o->runs == 0)
                usage_error("fuzz", "--runs needs a number of executions");
        } else if (strcmp(arg, "--cap") == 0 && value) {
            size_t bytes;
            if (!parse_size_arg(argv[++i], &bytes) || bytes == 0)
                usage_error("fuzz", "--cap needs a size such as 32MiB, not '%s'", value);
            o->cap = value;
        } else if (strcmp(arg, "--corpus") == 0 && value) {
            o->corpus = argv[++i];
        } else if (strcmp(arg, "--out") == 0 && value) {
            o->out = argv[++i];
        } else {
            usage_error("fuzz", "unknown option or missing value: %s", arg);
        }
    }
    if (o->alloc == NULL) usage_error("fuzz", "--alloc NAME is required");
    if (strcmp(o->engine, "libfuzzer") != 0 && strcmp(o->engine, "afl") != 0)
        usage_error("fuzz", "--engine must be libfuzzer or afl, not '%s'", o->engine);
    if (strcmp(o->san, "none") != 0 && strcmp(o->san, "asan") != 0 && strcmp(o->san, "tsan") != 0)
        usage_error("fuzz", "--san must be none, asan or tsan, not '%s'", o->san);
    if (strcmp(o->engine, "afl") == 0 && o->runs)
        usage_error("fuzz", "--runs is for libFuzzer; AFL++ campaigns are bounded by --time");
    if (strcmp(o->engine, "afl") == 0 && strcmp(o->san, "none") != 0)
        usage_error("fuzz", "the AFL++ build is unsanitized: use --san none with --engine afl");
    if (strncmp(o->alloc, "so:", 3) == 0 && strcmp(o->san, "none") != 0)
        usage_error("fuzz", "so:PATH libraries run in the unsanitized build (--san none)");
}

/* ---- the target, the corpus, the engine ---- */

static void target_path(const char *root, const struct fuzz_options *o, char *path, size_t len)
{
    if (strcmp(o->engine, "afl") == 0)
        snprintf(path, len, "%s/build/fuzz/afl", root);
    else
        snprintf(path, len, "%s/build/fuzz/libfuzzer-%s", root, o->san);
}

static void ensure_target(const char *root, const char *target)
{
    if (access(target, X_OK) == 0) return;
    char script[4096];
    path_printf(script, sizeof script, "%s/fuzzers/build.sh", root);
    fprintf(stderr, "gauntlet fuzz: building the fuzz targets (%s)...\n", script);
    const char *argv[] = {"bash", script, NULL};
    int status = spawn_wait(argv, NULL);
    if (access(target, X_OK) != 0) {
        fprintf(stderr, "gauntlet fuzz: %s is missing after the build (status %d)\n", target,
                status);
        exit(EXIT_USAGE);
    }
}

static size_t count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

/* An empty corpus starts from the hand-written seeds and regressions, as binary. */
static void seed_corpus(const char *root, const char *corpus)
{
    if (count_files(corpus, "") > 0) return;
    const char *const sources[] = {"corpus/seeds", "corpus/regressions"};
    for (size_t s = 0; s < 2; s++) {
        char dir[4096];
        path_printf(dir, sizeof dir, "%s/%s", root, sources[s]);
        DIR *d = opendir(dir);
        if (d == NULL) continue;
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (e->d_name[0] == '.') continue;
            char in[8192], out[8192];
            path_printf(in, sizeof in, "%s/%s", dir, e->d_name);
            path_printf(out, sizeof out, "%s/%s-%s.bin", corpus, sources[s] + 7, e->d_name);
            struct program p;
            load_program(in, FORMAT_AUTO, &p);
            uint8_t *bytes;
            size_t len;
            char err[512];
            if (program_encode_binary(&p, &bytes, &len, err, sizeof err)) {
                write_output(out, bytes, len);
                hmem_unmap(bytes, len);
            }
            program_release(&p);
        }
        closedir(d);
    }
}

/* The last line of the log that carries the engine's counters. */
static void last_status(const char *log_path, char *line, size_t len)
{
    line[0] = '\0';
    FILE *f = fopen(log_path, "r");
    if (f == NULL) return;
    char buf[1024];
    while (fgets(buf, sizeof buf, f))
        if (strstr(buf, "exec/s") || strstr(buf, "execs_per_sec")) snprintf(line, len, "%s", buf);
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
}

static int run_engine(const char *const argv[], const char *log_path, unsigned seconds)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path,
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ) != 0) {
        fprintf(stderr, "gauntlet fuzz: cannot start %s: %s\n", argv[0], strerror(errno));
        exit(EXIT_USAGE);
    }
    posix_spawn_file_actions_destroy(&actions);
    time_t start = time(NULL);
    int status;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        sleep(1);
        time_t elapsed = time(NULL) - start;
        if (elapsed % 10 == 0) {
            char line[1024];
            last_status(log_path, line, sizeof line);
            fprintf(stderr, "gauntlet fuzz: %lds of %us  %s\n", (long)elapsed, seconds, line);
        }
        if (elapsed > (time_t)seconds + 120) { /* the engine ignored its own limit */
            kill(pid, SIGTERM);
        }
    }
    return status;
}

static int run_libfuzzer(const char *root, const char *target, const struct fuzz_options *o,
                         const char *corpus, const char *log_path)
{
    char total[64], prefix[4096], dict[4096], fork[64], seed[64], runs[64], timeout[64];
    snprintf(total, sizeof total, "-max_total_time=%u", o->seconds);
    /* libFuzzer's own default (1200 s) would outlast most campaigns: a hang
     * must be a finding, which `gauntlet run`'s watchdog then names. */
    snprintf(timeout, sizeof timeout, "-timeout=%u", GAUNTLET_DEFAULT_WATCHDOG_SECONDS);
    path_printf(prefix, sizeof prefix, "-artifact_prefix=%s/artifacts/", o->out);
    path_printf(dict, sizeof dict, "-dict=%s/fuzzers/gauntlet.dict", root);
    snprintf(fork, sizeof fork, "-fork=%u", o->jobs);
    const char *argv[16] = {target,         corpus, total, prefix, timeout, "-print_final_stats=1",
                            "-max_len=4096"};
    int n = 7;
    if (access(dict + 6, R_OK) == 0) argv[n++] = dict;
    if (o->jobs > 1) argv[n++] = fork;
    snprintf(seed, sizeof seed, "-seed=%llu", (unsigned long long)o->seed);
    snprintf(runs, sizeof runs, "-runs=%llu", (unsigned long long)o->runs);
    if (o->seed) argv[n++] = seed;
    if (o->runs) argv[n++] = runs;
    argv[n] = NULL;
    return run_engine(argv, log_path, o->seconds);
}

static int run_afl(const char *target, const struct fuzz_options *o, const char *corpus,
                   const char *log_path)
{
    char afl_out[4096], limit[32], seed[32];
    path_printf(afl_out, sizeof afl_out, "%s/afl", o->out);
    snprintf(limit, sizeof limit, "%u", o->seconds);
    setenv("AFL_NO_UI", "1", 1);
    setenv("AFL_SKIP_CPUFREQ", "1", 1);
    setenv("AFL_BENCH_UNTIL_CRASH", "1", 1); /* stop at the first finding */
    setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
    /* Secondary instances run in the background; the main one is waited for. */
    for (unsigned j = 1; j < o->jobs; j++) {
        char name[32], log[4200];
        snprintf(name, sizeof name, "secondary%u", j);
        path_printf(log, sizeof log, "%s/afl-%s.log", o->out, name);
        const char *argv[] = {"afl-fuzz", "-S", name,  "-i", corpus, "-o",
                              afl_out,    "-V", limit, "--", target, NULL};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
        pid_t pid;
        posix_spawnp(&pid, "afl-fuzz", &actions, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&actions);
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *argv[16] = {"afl-fuzz", "-M", "main", "-i", corpus, "-o", afl_out, "-V", limit};
    int n = 9;
    if (o->seed) argv[n++] = "-s", argv[n++] = seed;
    argv[n++] = "--";
    argv[n++] = target;
    argv[n] = NULL;
    int status = run_engine(argv, log_path, o->seconds);
    while (waitpid(-1, NULL, 0) > 0)
        continue; /* the secondaries end by their own limit */
    return status;
}

/* ---- findings: confirmed in a fresh process, saved with what replays them ---- */

struct campaign {
    const char *root;
    const struct fuzz_options *o;
    unsigned confirmed, unconfirmed;
};

static bool write_program_text(int fd, const void *program)
{
    return program_write_text(program, fd);
}

static void save_finding(struct campaign *c, const char *file, const struct replay *r)
{
    const char *invariant = r->invariant[0] ? r->invariant : "crash";
    char base[8192];
    const char *slash = strrchr(file, '/');
    path_printf(base, sizeof base, "%s/findings/%s-%s", c->o->out, invariant,
                slash ? slash + 1 : file);
    for (char *p = strrchr(base, '/') + 1; *p; p++)
        if (*p == ':' || *p == ',') *p = '_'; /* AFL++'s id:000000,sig:06 names */
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(file, &bytes, &len, &mapped)) return;
    char path[8300];
    path_printf(path, sizeof path, "%s.bin", base);
    write_output(path, bytes, len);
    struct program p;
    program_decode_binary(bytes, len, &p);
    path_printf(path, sizeof path, "%s.txt", base);
    write_output_with(path, write_program_text, &p);
    program_release(&p);
    hmem_unmap(bytes, mapped);
    char text[16384];
    int n = snprintf(text, sizeof text,
                     "%s\nreplay: %s/build/gauntlet run --alloc %s%s --cap %s %s.bin\n", r->report,
                     c->root, c->o->alloc, strcmp(c->o->san, "tsan") == 0 ? " --mode free" : "",
                     c->o->cap, base);
    path_printf(path, sizeof path, "%s.report", base);
    write_output(path, (const uint8_t *)text,
                 (size_t)(n < (int)sizeof text ? n : (int)sizeof text - 1));
    printf("finding: %s (%s)\n  saved: %s.{bin,txt,report}\n", invariant, file, base);
}

static bool same_contents(const char *a, const char *b)
{
    uint8_t *x, *y;
    size_t xl, yl, xm, ym;
    if (!read_whole_file(a, &x, &xl, &xm)) return false;
    bool same = false;
    if (read_whole_file(b, &y, &yl, &ym)) {
        same = xl == yl && memcmp(x, y, xl) == 0;
        hmem_unmap(y, ym);
    }
    hmem_unmap(x, xm);
    return same;
}

/* An input that failed only after earlier inputs would fail again at the
 * same point of the next round's corpus replay: it leaves the corpus too. */
static void drop_from_corpus(const struct campaign *c, const char *file)
{
    DIR *d = opendir(c->o->corpus);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[8192];
        path_printf(path, sizeof path, "%s/%s", c->o->corpus, e->d_name);
        if (same_contents(path, file)) unlink(path);
    }
    closedir(d);
}

static void confirm(struct campaign *c, const char *file)
{
    struct replay_options options = {
        .alloc = c->o->alloc,
        .mode = strcmp(c->o->san, "tsan") == 0 ? "free" : NULL,
        .format = "binary", /* the engines' files have no text header to detect */
        .cap = c->o->cap,
    };
    struct replay r;
    if (replay_program_file(&options, file, &r) && r.status == REPLAY_FAIL) {
        c->confirmed++;
        save_finding(c, file, &r);
    } else {
        /* Out of the engine's way, so the next round does not check it again. */
        c->unconfirmed++;
        const char *slash = strrchr(file, '/');
        char kept[8192];
        path_printf(kept, sizeof kept, "%s/unconfirmed/%s", c->o->out, slash ? slash + 1 : file);
        drop_from_corpus(c, file);
        rename(file, kept);
        printf("not reproduced in a fresh process (depends on earlier inputs?): kept as %s\n",
               kept);
    }
}

static void confirm_all_in(struct campaign *c, const char *dir, bool engine_prefixes)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    static const char *const prefixes[] = {"crash-", "timeout-", "oom-", "leak-", "id:"};
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        bool wanted = false;
        for (size_t i = engine_prefixes ? 0 : 4; i < 5; i++)
            wanted |= strncmp(e->d_name, prefixes[i], strlen(prefixes[i])) == 0;
        if (!wanted) continue;
        char path[8192];
        path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
        confirm(c, path);
    }
    closedir(d);
}

static void collect_findings(struct campaign *c)
{
    char dir[4200];
    path_printf(dir, sizeof dir, "%s/artifacts", c->o->out);
    confirm_all_in(c, dir, true);
    path_printf(dir, sizeof dir, "%s/afl", c->o->out);
    DIR *d = opendir(dir);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        for (int kind = 0; kind < 2; kind++) {
            char sub[8400];
            path_printf(sub, sizeof sub, "%s/%s/%s", dir, e->d_name, kind ? "hangs" : "crashes");
            confirm_all_in(c, sub, false);
        }
    }
    closedir(d);
}

/* ---- the summary ---- */

static void stat_value(const char *path, const char *key, char *value, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *at = strstr(line, key);
        if (at == NULL) continue;
        at += strlen(key);
        at += strspn(at, " :");
        snprintf(value, len, "%.*s", (int)strcspn(at, " \n"), at);
    }
    fclose(f);
}

static void print_summary(const struct campaign *c, const char *log_path, const char *corpus)
{
    char execs[64] = "?", rate[64] = "?", coverage[64] = "?";
    if (strcmp(c->o->engine, "afl") == 0) {
        char stats[4200];
        path_printf(stats, sizeof stats, "%s/afl/main/fuzzer_stats", c->o->out);
        stat_value(stats, "execs_done", execs, sizeof execs);
        stat_value(stats, "execs_per_sec", rate, sizeof rate);
        stat_value(stats, "bitmap_cvg", coverage, sizeof coverage);
    } else {
        stat_value(log_path, "stat::number_of_executed_units", execs, sizeof execs);
        stat_value(log_path, "stat::average_exec_per_sec", rate, sizeof rate);
        stat_value(log_path, "cov:", coverage, sizeof coverage);
    }
    printf("summary: %s on %s (%s, san %s): %s executions, %s exec/s, coverage %s, corpus %zu, "
           "findings %u confirmed, %u not reproduced; log %s\n",
           c->o->engine, c->o->alloc, c->o->engine, c->o->san, execs, rate, coverage,
           count_files(corpus, ""), c->confirmed, c->unconfirmed, log_path);
}

int cmd_fuzz(int argc, char **argv)
{
    struct fuzz_options o = {
        .engine = "libfuzzer", .san = "none", .cap = "32MiB", .seconds = 60, .jobs = 1};
    parse_options(argc, argv, &o);
    char root[4096], default_out[4400], default_corpus[4500], target[4200], log_path[4600];
    repository_root(root, sizeof root);
    char err[1024];
    if (!allocator_installed(o.alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet fuzz: %s\n", err);
        return EXIT_USAGE;
    }
    if (o.out == NULL) {
        path_printf(default_out, sizeof default_out, "%s/build/fuzz-out/%s", root,
                    strncmp(o.alloc, "so:", 3) == 0 ? "so" : o.alloc);
        o.out = default_out;
    }
    if (o.corpus == NULL) {
        path_printf(default_corpus, sizeof default_corpus, "%s/corpus", o.out);
        o.corpus = default_corpus;
    }
    char artifacts[4500], findings[4500], unconfirmed[4500];
    path_printf(artifacts, sizeof artifacts, "%s/artifacts", o.out);
    path_printf(findings, sizeof findings, "%s/findings", o.out);
    path_printf(unconfirmed, sizeof unconfirmed, "%s/unconfirmed", o.out);
    if (!make_directory(o.corpus) || !make_directory(artifacts) || !make_directory(findings) ||
        !make_directory(unconfirmed)) {
        fprintf(stderr, "gauntlet fuzz: cannot create %s: %s\n", o.out, strerror(errno));
        return EXIT_USAGE;
    }
    target_path(root, &o, target, sizeof target);
    ensure_target(root, target);
    seed_corpus(root, o.corpus);
    path_printf(log_path, sizeof log_path, "%s/fuzz.log", o.out);
    setenv("GAUNTLET_ALLOC", o.alloc, 1);
    setenv("GAUNTLET_CAP", o.cap, 1);
    /* The target pins a lock-step process to the CPU it starts on; parallel
     * jobs could all start on one. */
    if (o.jobs > 1) setenv("GAUNTLET_CPU", "none", 1);
    if (strcmp(o.san, "tsan") == 0) setenv("GAUNTLET_MODE", "free", 1);
    fprintf(stderr, "gauntlet fuzz: %s on %s for %u s (%u job%s), corpus %s, log %s\n", o.engine,
            o.alloc, o.seconds, o.jobs, o.jobs > 1 ? "s" : "", o.corpus, log_path);
    fflush(stdout);
    /* An engine stops at its first crash; one that does not reproduce from
     * its file alone (it needed an earlier input's heap state) is set aside
     * and the campaign goes on for the time that is left. */
    struct campaign c = {root, &o, 0, 0};
    time_t deadline = time(NULL) + o.seconds;
    setenv("AFL_AUTORESUME", "1", 1);
    for (;;) {
        unsigned before = c.unconfirmed;
        if (strcmp(o.engine, "afl") == 0)
            run_afl(target, &o, o.corpus, log_path);
        else
            run_libfuzzer(root, target, &o, o.corpus, log_path);
        collect_findings(&c);
        time_t now = time(NULL);
        if (c.confirmed || c.unconfirmed == before || now + 1 >= deadline) break;
        o.seconds = (unsigned)(deadline - now);
        fprintf(stderr, "gauntlet fuzz: going on for the %u s left\n", o.seconds);
    }
    print_summary(&c, log_path, o.corpus);
    return c.confirmed ? EXIT_FINDING : 0;
}
