/*
 * cmd_fuzz.c — `gauntlet fuzz`: a fuzzing campaign against one allocator.
 * It builds the engine's target when missing (fuzzers/build.sh), runs
 * libFuzzer or AFL++ with the allocator named in GAUNTLET_ALLOC, shows
 * progress, and stops at the time limit or the first finding (rounds of the
 * engine: cmd_fuzz_engine.c; confirming crash files: cmd_fuzz_findings.c). Every finding
 * is re-run in a fresh process by `gauntlet run` before it is reported, and
 * saved (atomically) with its report, its decoded program and the command
 * that replays it.
 */
#include "campaign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char fuzz_help[] =
    "usage: gauntlet fuzz --alloc NAME [--engine libfuzzer|afl] [--san asan|tsan|none]\n"
    "                     [--time SECONDS] [--timeout SECONDS] [--jobs N]\n"
    "                     [--corpus DIR] [--out DIR]\n"
    "\n"
    "Fuzzes the allocator with the harness's binary programs until the time limit\n"
    "(default 60 s). Builds the target when missing. Findings are confirmed in a\n"
    "fresh process and saved in OUT/findings/ with the report, the decoded program\n"
    "and the command that replays them. Each new finding's signature joins\n"
    "OUT/known.txt, which the target then passes over, so the campaign goes on to\n"
    "the next bug instead of finding the first one again; a crash file whose\n"
    "finding is already known is counted as a repeat (kept in OUT/repeats/).\n"
    "  --known FILE  findings to pass over from the start (signatures, shell\n"
    "                patterns, or saved reports); the reports already in\n"
    "                OUT/findings/ are known too, and so are the regressions whose\n"
    "                `# affects:` line names this version (by how they fail here)\n"
    "  --stop-at-first  stop at the first new finding\n"
    "  --closing S   the last S seconds of --time judge the corpus the engine grew by\n"
    "                what one run of a program cannot show: each made 32 times in one\n"
    "                process (memory never reused), the threaded ones free-running 5\n"
    "                times (races), each under the settings `gauntlet list` suggests for\n"
    "                the allocator's family (without --alloc-env); largest programs\n"
    "                first (default: a tenth of --time from 60 s on, else 0; 0: "
    "none)\n" SETTINGS_HELP
    "  --timeout S   an input running S seconds is a hang, for libFuzzer and for\n"
    "                the replays that confirm a finding (default 10)\n"
    "  --mode M      lockstep (default; free with --san tsan) or free: the program's\n"
    "                threads run at once, so races inside the allocator can happen; a\n"
    "                crash file is confirmed by up to 20 runs (`run --repeat 20`)\n"
    "  --mutator M   structure (default: whole operations inserted, deleted, repeated,\n"
    "                moved, handed to another thread, sized at a class edge, with\n"
    "                the engine's byte mutations mixed in) or bytes (the engine's\n"
    "                own byte-level mutations only)\n"
    "  --engine E    libfuzzer (default) or afl (AFL++, persistent mode)\n"
    "  --san S       none (default; the build so:PATH libraries run in), asan\n"
    "                (AddressSanitizer+UBSan on the harness) or tsan (threads run free)\n"
    "  --jobs N      parallel workers (libFuzzer -fork=N; AFL++ one -M and N-1 -S)\n"
    "  --seed N      the engine's random seed (with --runs: a repeatable campaign)\n"
    "  --runs N      stop after N executions (libFuzzer)\n"
    "  --cap SIZE    live-bytes cap of the programs (default 32MiB: three times the\n"
    "                executions of run's 256MiB; findings replay with the same cap)\n"
    "  --corpus DIR  the corpus to grow (default OUT/corpus, seeded from corpus/seeds)\n"
    "  --out DIR     where artifacts and findings go (default build/fuzz-out/NAME in\n"
    "                a source tree, ./gauntlet-out/fuzz-out/NAME when installed)\n"
    "SIGINT or SIGTERM stops the engine (every process of it) and prints the summary\n"
    "so far. Exit status: 0 nothing found; 1 a finding; 2 usage or set-up error,\n"
    "including an engine that did not run and a crash file no replay could judge.\n";

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
        } else if (strcmp(arg, "--closing") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n > 7 * 86400)
                usage_error("fuzz", "--closing needs seconds (0..604800)");
            o->closing_seconds = (unsigned)n;
            o->closing_given = true;
        } else if (strcmp(arg, "--timeout") == 0 && value) {
            o->hang_seconds = parse_timeout_arg("fuzz", argv[++i]);
            o->timeout = value;
        } else if (strcmp(arg, "--alloc-env") == 0 && value) {
            settings_add("fuzz", &o->settings, argv[++i]);
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
            parse_cap_arg("fuzz", argv[++i]);
            o->cap = value;
        } else if (strcmp(arg, "--corpus") == 0 && value) {
            o->corpus = argv[++i];
        } else if (strcmp(arg, "--out") == 0 && value) {
            o->out = argv[++i];
        } else if (strcmp(arg, "--known") == 0 && value) {
            static struct known_findings check; /* refused early when unreadable */
            load_known_findings("fuzz", argv[++i], &check);
            o->known = value;
        } else if (strcmp(arg, "--stop-at-first") == 0) {
            o->stop_at_first = true;
        } else if (strcmp(arg, "--mutator") == 0 && value) {
            o->mutator = argv[++i];
            if (strcmp(o->mutator, "structure") != 0 && strcmp(o->mutator, "bytes") != 0)
                usage_error("fuzz", "--mutator must be structure or bytes, not '%s'", o->mutator);
        } else if (strcmp(arg, "--mode") == 0 && value) {
            if (strcmp(value, "free") != 0 && strcmp(value, "lockstep") != 0)
                usage_error("fuzz", "--mode must be lockstep or free, not '%s'", value);
            o->free_running = strcmp(argv[++i], "free") == 0;
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
    if (!o->closing_given)
        o->closing_seconds = o->seconds >= CLOSING_FROM_SECONDS && !o->runs ? o->seconds / 10 : 0;
    if (o->closing_seconds >= o->seconds)
        usage_error("fuzz", "--closing %u leaves the engine no time of --time %u",
                    o->closing_seconds, o->seconds);
}

/* ---- the target, the corpus, the engine ---- */

static void target_path(const struct fuzz_options *o, char *path, size_t len)
{
    if (strcmp(o->engine, "afl") == 0)
        path_printf(path, len, "%s/afl", fuzz_targets_dir());
    else
        path_printf(path, len, "%s/libfuzzer-%s", fuzz_targets_dir(), o->san);
}

/* A source tree builds a missing target; an installation has them all. */
static void ensure_target(const char *target)
{
    if (access(target, X_OK) == 0) return;
    if (!in_source_tree()) {
        fprintf(stderr,
                "gauntlet fuzz: %s is missing from this installation (make install builds every "
                "target AFL++ and clang allow where it runs)\n",
                target);
        exit(EXIT_USAGE);
    }
    char script[4096];
    path_printf(script, sizeof script, "%s/fuzzers/build.sh", data_dir());
    fprintf(stderr, "gauntlet fuzz: building the fuzz targets (%s)...\n", script);
    const char *argv[] = {"bash", script, NULL};
    struct process build = {.argv = argv};
    int status = process_run(&build, 0);
    process_honour_stop(&build);
    if (access(target, X_OK) != 0) {
        fprintf(stderr, "gauntlet fuzz: %s is missing after the build (status %d)\n", target,
                status);
        exit(EXIT_USAGE);
    }
}

/* The default --out: one directory per allocator, a so: library's named
 * after its whole path (two builds of one family must not share findings). */
/* One directory per library: a so: path is made absolute and resolved, so
 * that two spellings of one file share it and two files never do. */
static void default_out_dir(const char *alloc, char *out, size_t len)
{
    char name[4200], resolved[PATH_MAX];
    if (strncmp(alloc, "so:", 3) == 0 && realpath(alloc + 3, resolved))
        snprintf(name, sizeof name, "so:%s", resolved);
    else
        snprintf(name, sizeof name, "%s", alloc);
    for (char *c = name; *c; c++)
        if (*c == '/' || *c == ':' || *c == ' ') *c = '_';
    path_printf(out, len, "%s/fuzz-out/%s", output_root(), name);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    if (ftw->level > 0) remove(path);
    return 0;
}

/* One campaign per OUT at a time: a second one would take the first one's
 * crash files for its own. The lock lives as long as this process. */
static void lock_out_dir(const char *out)
{
    char path[4200], holder[32] = "";
    path_printf(path, sizeof path, "%s/.lock", out);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "gauntlet fuzz: cannot create %s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        /* The holder writes its pid just after taking the lock. */
        ssize_t n = 0;
        for (int tries = 0; tries < 20 && (n = pread(fd, holder, sizeof holder - 1, 0)) <= 0;
             tries++)
            usleep(50 * 1000);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        fprintf(stderr,
                "gauntlet fuzz: %s is in use by another campaign (pid %s); give each campaign "
                "its own --out\n",
                out, holder[0] ? holder : "?");
        exit(EXIT_USAGE);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        fprintf(stderr, "gauntlet fuzz: cannot write %s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
}

void require_room(const char *path)
{
    uint64_t left = free_bytes_at(path);
    if (left >= CAMPAIGN_MIN_ROOM) return;
    fprintf(stderr,
            "gauntlet fuzz: the file system holding %s is full (%llu KiB left): the engine's "
            "corpus and crash files cannot be written whole. Stopping; the findings so far "
            "are kept\n",
            path, (unsigned long long)(left >> 10));
    exit(EXIT_USAGE);
}

/* Removes what DIR holds (not DIR itself). */
static void empty_directory(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the summary ---- */

/* The last value of `key` in the file (the engines' statistics), or leaves value. */
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

/* The engine did not run (it exited with an error or a signal, or made no
 * executions) and left no crash file: a set-up error, with the end of its log. */
static _Noreturn void engine_failed(const struct campaign *c)
{
    int s = c->engine_status;
    char how[96];
    if (WIFSIGNALED(s))
        snprintf(how, sizeof how, "died of signal %d (%s)", WTERMSIG(s), strsignal(WTERMSIG(s)));
    else if (WIFEXITED(s) && WEXITSTATUS(s) != 0)
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(s));
    else
        snprintf(how, sizeof how, "exited with status 0");
    fprintf(stderr,
            "gauntlet fuzz: the engine (%s) %s after %llu executions without leaving a crash "
            "file: it did not fuzz. The end of its log (%s):\n",
            c->target, how, (unsigned long long)c->round_executions, c->log_path);
    /* The last lines the round appended. */
    char tail[12][240];
    unsigned lines = 0;
    FILE *f = fopen(c->log_path, "r");
    if (f && fseek(f, c->round_log_from, SEEK_SET) == 0) {
        char buf[240];
        bool line_start = true;
        while (fgets(buf, sizeof buf, f)) {
            if (line_start) snprintf(tail[lines++ % 12], sizeof tail[0], "%s", buf);
            line_start = strchr(buf, '\n') != NULL; /* the rest of a long line is dropped */
        }
    }
    if (f) fclose(f);
    if (lines == 0) fprintf(stderr, "    (nothing)\n");
    for (unsigned i = lines > 12 ? lines - 12 : 0; i < lines; i++)
        fprintf(stderr, "    %.*s\n", (int)strcspn(tail[i % 12], "\n"), tail[i % 12]);
    exit(EXIT_USAGE);
}

/* Executions and their rate over every round; coverage as the engine last said. */
static void print_summary(const struct campaign *c, const char *log_path)
{
    char coverage[64] = "?";
    if (strcmp(c->o->engine, "afl") == 0) {
        char stats[4200];
        path_printf(stats, sizeof stats, "%s/afl/main/fuzzer_stats", c->o->out);
        stat_value(stats, "bitmap_cvg", coverage, sizeof coverage);
    } else {
        stat_value(log_path, "cov:", coverage, sizeof coverage);
    }
    double rate = c->engine_seconds > 0 ? (double)c->executions / c->engine_seconds : 0;
    printf("summary: %s on %s (%s, san %s): %llu executions, %.0f exec/s, coverage %s, corpus %zu, "
           "findings %u new, %u repeats of known ones, %u history-dependent (failed, but not "
           "alone), closing: %u programs in rounds, %u free-running, %u under a suggested "
           "setting; log %s\n",
           c->o->engine, c->o->alloc, c->o->engine, c->o->san, (unsigned long long)c->executions,
           rate, coverage, count_files(c->o->corpus, ""), c->confirmed, c->repeats, c->unconfirmed,
           c->closing_rounds, c->closing_free, c->closing_settings, log_path);
}

int cmd_fuzz(int argc, char **argv)
{
    struct fuzz_options o = {.engine = "libfuzzer",
                             .mutator = "structure",
                             .san = "none",
                             .cap = "32MiB",
                             .seconds = 60,
                             .hang_seconds = GAUNTLET_DEFAULT_WATCHDOG_SECONDS,
                             .jobs = 1};
    parse_options(argc, argv, &o);
    settings_apply("fuzz", &o.settings);
    char default_out[4400], default_corpus[4500], target[4200], log_path[4600];
    char err[1024];
    if (!allocator_installed(o.alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet fuzz: %s\n", err);
        return EXIT_USAGE;
    }
    if (o.out == NULL) {
        default_out_dir(o.alloc, default_out, sizeof default_out);
        o.out = default_out;
    }
    if (o.corpus == NULL) {
        path_printf(default_corpus, sizeof default_corpus, "%s/corpus", o.out);
        o.corpus = default_corpus;
    }
    char artifacts[4500], findings[4500], unconfirmed[4500], engine_tmp[4500], repeats[4500];
    path_printf(artifacts, sizeof artifacts, "%s/artifacts", o.out);
    path_printf(engine_tmp, sizeof engine_tmp, "%s/tmp", o.out);
    path_printf(findings, sizeof findings, "%s/findings", o.out);
    path_printf(unconfirmed, sizeof unconfirmed, "%s/unconfirmed", o.out);
    path_printf(repeats, sizeof repeats, "%s/repeats", o.out);
    if (!make_directories(o.corpus) || !make_directories(artifacts) ||
        !make_directories(findings) || !make_directories(unconfirmed) ||
        !make_directories(repeats) || !make_directories(engine_tmp)) {
        fprintf(stderr, "gauntlet fuzz: cannot create %s: %s\n", o.out, strerror(errno));
        return EXIT_USAGE;
    }
    require_room(o.out);
    require_room(o.corpus);
    lock_out_dir(o.out);
    target_path(&o, target, sizeof target);
    ensure_target(target);
    path_printf(log_path, sizeof log_path, "%s/fuzz.log", o.out);
    setenv("GAUNTLET_ALLOC", o.alloc, 1);
    setenv("GAUNTLET_CAP", o.cap, 1);
    setenv("GAUNTLET_MUTATOR", o.mutator, 1);
    /* The target pins a lock-step process to the CPU it starts on; parallel
     * jobs could all start on one. */
    if (o.jobs > 1) setenv("GAUNTLET_CPU", "none", 1);
    if (strcmp(o.san, "tsan") == 0) o.free_running = true;
    if (o.free_running) setenv("GAUNTLET_MODE", "free", 1);
    /* libFuzzer -fork keeps its jobs' corpora in TMPDIR and removes them only
     * when it ends by itself: a stopped engine's are removed after its round. */
    setenv("TMPDIR", engine_tmp, 1);
    char closing[96] = "";
    if (o.closing_seconds)
        snprintf(closing, sizeof closing, ", the last %u s judging its corpus (--closing)",
                 o.closing_seconds);
    fprintf(stderr, "gauntlet fuzz: %s on %s for %u s (%u job%s%s), corpus %s, log %s\n", o.engine,
            o.alloc, o.seconds, o.jobs, o.jobs > 1 ? "s" : "", closing, o.corpus, log_path);
    fflush(stdout);
    /* An engine stops at its first crash. One that does not reproduce from
     * its file alone (it needed an earlier input's heap state) is set aside,
     * and the campaign goes on for the time that is left, from then on past
     * such crashes (struct campaign, keep_going). */
    struct campaign c = {.target = target, .log_path = log_path, .o = &o};
    /* Each target process keeps its last inputs there; a process that
     * died leaves them for history.c. Emptied after every round: the
     * histories of the processes that ran it are judged by then. */
    path_printf(c.history_dir, sizeof c.history_dir, "%s/history", o.out);
    if (!make_directories(c.history_dir)) {
        fprintf(stderr, "gauntlet fuzz: cannot create %s: %s\n", c.history_dir, strerror(errno));
        return EXIT_USAGE;
    }
    empty_directory(c.history_dir);
    setenv("GAUNTLET_HISTORY", c.history_dir, 1);
    write_campaign_dictionary(&c);
    start_known(&c);
    if (count_files(o.corpus, "") == 0) write_seed_corpus("fuzz", o.corpus, c.alloc.version);
    setenv("GAUNTLET_KNOWN", c.known_path, 1);
    time_t deadline = time(NULL) + o.seconds, engine_deadline = deadline - o.closing_seconds;
    o.seconds -= o.closing_seconds;
    setenv("AFL_AUTORESUME", "1", 1);
    process_defer_stop_signals(); /* a stopped campaign still prints its summary */
    for (;;) {
        unsigned before = c.unconfirmed, confirmed_before = c.confirmed, repeats = c.repeats;
        if (strcmp(o.engine, "afl") == 0)
            run_afl(&c, target, log_path);
        else
            run_libfuzzer(&c, target, log_path);
        empty_directory(engine_tmp);
        require_room(o.out);
        require_room(o.corpus);
        /* The engine has stopped: every file it left, complete, is judged. */
        collect_findings(&c, true);
        empty_directory(c.history_dir);
        if (process_interrupted()) {
            fprintf(stderr, "gauntlet fuzz: stopped by signal %d (%s); the summary so far:\n",
                    process_interrupted(), strsignal(process_interrupted()));
            break;
        }
        bool left_files =
            c.confirmed != confirmed_before || c.unconfirmed != before || c.repeats != repeats;
        if (c.ended_silently && !left_files) {
            c.silent_ends++;
            break;
        }
        bool failed = !WIFEXITED(c.engine_status) || WEXITSTATUS(c.engine_status) != 0;
        /* Zero executions is judged over the campaign: a later round (libFuzzer
         * -fork, its corpus merged first) may spend a short time left on that. */
        if (!c.engine_stopped && !left_files &&
            (failed || (c.executions == 0 && c.confirmed + c.unconfirmed == 0)))
            engine_failed(&c);
        time_t now = time(NULL);
        if ((o.stop_at_first && c.confirmed) || !left_files || now + 1 >= engine_deadline) break;
        o.seconds = (unsigned)(engine_deadline - now);
        c.keep_going = true;
        fprintf(stderr,
                "gauntlet fuzz: going on for the %u s left, past %u known finding%s "
                "(%s) and crashes that need earlier inputs\n",
                o.seconds, c.known->count, c.known->count == 1 ? "" : "s", c.known_path);
    }
    time_t closing_end = time(NULL) + o.closing_seconds;
    if (o.closing_seconds && !process_interrupted() && !(o.stop_at_first && c.confirmed))
        judge_corpus_closing(&c, closing_end < deadline ? closing_end : deadline);
    /* Crash files that failed in the campaign but not alone in a fresh
     * process: a crash of this allocator all the same, which needed the
     * heap state earlier inputs left. */
    if (c.unconfirmed)
        printf("finding: history-dependent crash\n  %u crash file%s failed in the campaign, none "
               "alone in a fresh process (the heap state of earlier inputs); kept in "
               "%s/unconfirmed/\n",
               c.unconfirmed, c.unconfirmed == 1 ? "" : "s", o.out);
    if (c.silent_ends)
        printf("finding: silent end\n  the engine exited with status 0 before its time, without "
               "its closing line and without a crash file: something in the target ended the "
               "process with no crash and no exit() the harness sees (an allocator calling _exit, "
               "say). The input is not known: libFuzzer keeps none for a process that exits 0. "
               "Log: %s\n",
               log_path);
    print_summary(&c, log_path);
    if (c.confirmed || c.unconfirmed || c.silent_ends) return EXIT_FINDING;
    if (process_interrupted()) die_of_signal(process_interrupted());
    return 0;
}
