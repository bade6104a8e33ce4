/*
 * verdicts.c — reading the verdicts of `gauntlet run` and of a reproducer
 * (verdicts.h).
 */
#include "verdicts.h"

#include "command.h"
#include "gauntlet.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct spawned result;

/* The first line of `text` that starts with `prefix` (after spaces), or NULL. */
static const char *line_starting(const char *text, const char *prefix)
{
    for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
        const char *start = line + strspn(line, " ");
        if (strncmp(start, prefix, strlen(prefix)) == 0) return start;
    }
    return NULL;
}

/* The verdict of a command that ended with `status`: true when it passed. */
static bool passed(int status, struct judged *out)
{
    memset(out, 0, sizeof *out);
    out->index = -1;
    out->passed = status == 0;
    snprintf(out->text, sizeof out->text, "%s", out->passed ? "PASS" : "");
    return out->passed;
}

const char *rounds_for_invariant(const char *invariant)
{
    return strcmp(invariant, "reuse") == 0 ? REUSE_ROUNDS_TEXT : NULL;
}

/* Appends --alloc-env, --rounds and --strict as j asks, then file,
 * NULL-terminated (argv has room for 8 + 2 * SETTINGS_ROOM more). */
#define SETTINGS_ROOM 8
static void add_judging_flags(const struct judging *j, const char *file, const char **argv, int n)
{
    static char settings[512];
    snprintf(settings, sizeof settings, "%s", j->settings ? j->settings : "");
    int room = SETTINGS_ROOM;
    for (char *one = strtok(settings, " "); one && room--; one = strtok(NULL, " "))
        argv[n++] = "--alloc-env", argv[n++] = one;
    if (j->rounds) argv[n++] = "--rounds", argv[n++] = j->rounds;
    if (j->strict) argv[n++] = "--strict";
    argv[n++] = file;
    argv[n] = NULL;
}

void judge_by_run(const struct judging *j, const char *file, struct judged *out)
{
    char seconds[16];
    const char *alloc = j->alloc;
    snprintf(seconds, sizeof seconds, "%u", j->timeout);
    const char *argv[16 + 2 * SETTINGS_ROOM] = {"gauntlet", "run",       "--alloc",
                                                alloc,      "--timeout", seconds};
    add_judging_flags(j, file, argv, 6);
    spawn_run(argv, &result);
    if (passed(result.status, out)) return;
    ck_assert_msg(result.status == 1, "gauntlet run --alloc %s %s: status %d\n%.2000s", alloc, file,
                  result.status, result.err);
    const char *v = line_starting(result.err, REPORT_VIOLATION);
    const char *ended = line_starting(result.err, REPORT_ENDED);
    const char *op = line_starting(result.err, REPORT_OPERATION);
    ck_assert_msg(v || ended, "no report from gauntlet run:\n%.2000s", result.err);
    v = v ? v + strlen(REPORT_VIOLATION) : ended + strlen(REPORT_ENDED);
    snprintf(out->invariant, sizeof out->invariant, "%.*s", (int)strcspn(v, "`"), v);
    if (op) {
        op += strlen(REPORT_OPERATION);
        if (op[0] == '#') out->index = strtoll(op + 1, NULL, 10);
    }
    snprintf(out->text, sizeof out->text, "%s at %.*s", out->invariant,
             op ? (int)strcspn(op, "\n") : 14, op ? op : "(no operation)");
}

/* The build-and-run command of the reproducer's header comment. */
static void header_command(const char *source, unsigned timeout, char *command, size_t len)
{
    const char *cc = strstr(source, "cc -std=c17 ");
    ck_assert_ptr_nonnull(cc);
    size_t line = strcspn(cc, "\n");
    snprintf(command, len, "cc -std=c17 -DWATCHDOG_SECONDS=%u %.*s", timeout,
             (int)(line - strlen("cc -std=c17 ")), cc + strlen("cc -std=c17 "));
}

/* The reproducer of `file`, written to DIR/repro.c. */
static void write_reproducer(const struct judging *j, const char *file, const char *dir)
{
    char c_file[512];
    const char *alloc = j->alloc;
    snprintf(c_file, sizeof c_file, "%s/repro.c", dir);
    const char *write[16 + 2 * SETTINGS_ROOM] = {"gauntlet", "reproducer", "-o",
                                                 c_file,     "--alloc",    alloc};
    add_judging_flags(j, file, write, 6);
    spawn_run(write, &result);
    ck_assert_msg(result.status == 0, "gauntlet reproducer --alloc %s %s: status %d\n%.2000s",
                  alloc, file, result.status, result.err);
}

bool judge_by_reproducer(const struct judging *j, const char *file, const char *dir,
                         struct judged *out)
{
    write_reproducer(j, file, dir);
    return judge_reproducer_file(dir, j->timeout, out);
}

/* The build and the run of DIR/repro.c, as its header gives them. */
static void reproducer_commands(const char *dir, unsigned timeout, char *build, char *run,
                                size_t len)
{
    char c_file[512];
    snprintf(c_file, sizeof c_file, "%s/repro.c", dir);
    static char source[1 << 20];
    FILE *f = fopen(c_file, "r");
    ck_assert_ptr_nonnull(f);
    source[fread(source, 1, sizeof source - 1, f)] = '\0';
    fclose(f);
    char command[1024];
    header_command(source, timeout, command, sizeof command);
    const char *build_end = strstr(command, " && ");
    ck_assert_ptr_nonnull(build_end);
    snprintf(build, len, "cd '%s' && %.*s", dir, (int)(build_end - command), command);
    snprintf(run, len, "cd '%s' && %s", dir, build_end + 4);
}

/* Builds the reproducers written to dirs[0..n) side by side (each by its
 * header's command, with its watchdog's seconds), keeping each build's
 * status and messages for judge_reproducer_file. */
static void build_reproducers(const char *const dirs[], const unsigned timeouts[], unsigned n)
{
    char list[512], build[1200], run[1200];
    ck_assert(snprintf(list, sizeof list, "%s.builds", dirs[0]) < (int)sizeof list);
    FILE *f = fopen(list, "w");
    ck_assert_ptr_nonnull(f);
    for (unsigned i = 0; i < n; i++) {
        reproducer_commands(dirs[i], timeouts[i], build, run, sizeof build);
        /* Its status and messages, for judge_reproducer_file. */
        fprintf(f, "%s > build.log 2>&1; echo $? > build.status\n", build);
    }
    fclose(f);
    char shell[600];
    snprintf(shell, sizeof shell, "xargs -d '\\n' -n 1 -P \"$(nproc)\" sh -c < '%s'", list);
    const char *argv[] = {"sh", "-c", shell, NULL};
    spawn_run(argv, &result);
    ck_assert_msg(result.status == 0, "%s: status %d\n%.2000s", shell, result.status, result.err);
    unlink(list);
}

/* Builds DIR/repro.c, or takes the build build_reproducers made: its
 * status, and its messages in result.err. */
static void build_reproducer(const char *dir, const char *build)
{
    char status_file[512], log_file[512];
    snprintf(status_file, sizeof status_file, "%s/build.status", dir);
    snprintf(log_file, sizeof log_file, "%s/build.log", dir);
    FILE *status = fopen(status_file, "r");
    if (status == NULL) {
        const char *argv[] = {"sh", "-c", build, NULL};
        spawn_run(argv, &result);
        return;
    }
    ck_assert(fscanf(status, "%d", &result.status) == 1);
    fclose(status);
    FILE *log = fopen(log_file, "r");
    ck_assert_ptr_nonnull(log);
    result.err[fread(result.err, 1, sizeof result.err - 1, log)] = '\0';
    fclose(log);
    unlink(status_file);
    unlink(log_file);
}

bool judge_reproducer_file(const char *dir, unsigned timeout, struct judged *out)
{
    char build[1200], shell[1200];
    reproducer_commands(dir, timeout, build, shell, sizeof build);
    build_reproducer(dir, build);
    if (result.status != 0 && strstr(result.err, "cannot find -l")) return false;
    ck_assert_msg(result.status == 0, "%s:\n%.2000s", build, result.err);
    const char *run[] = {"sh", "-c", shell, NULL};
    spawn_run(run, &result);
    /* Passed: exit 0 and the line that says so, never one without the other. */
    bool said_passed = strstr(result.err, " operations passed\n") != NULL;
    ck_assert_msg((result.status == 0) == said_passed, "%s: status %d against its words:\n%.2000s",
                  shell, result.status, result.err);
    if (passed(result.status, out)) return true;
    /* "reproducer: op N (TEXT): INVARIANT: …" or "reproducer: end of program (TEXT): …" */
    const char *line = result.err;
    for (;; line += strcspn(line, "\n") + 1) {
        line = strstr(line, "reproducer: ");
        ck_assert_msg(line != NULL, "%s: status %d, no verdict:\n%.2000s", shell, result.status,
                      result.err);
        const char *after = strstr(line, "): ");
        if (after == NULL || after > line + strcspn(line, "\n")) continue;
        after += 3;
        if (strncmp(after, "note: ", 6) == 0) continue;
        if (strncmp(line, "reproducer: op ", 15) == 0) out->index = strtoll(line + 15, NULL, 10);
        snprintf(out->invariant, sizeof out->invariant, "%.*s", (int)strcspn(after, ":"), after);
        break;
    }
    snprintf(out->text, sizeof out->text, "%.*s", (int)strcspn(line, "\n"), line);
    return true;
}

bool follow_report_commands(const char *report, const char *expect, const char *dir,
                            unsigned timeout, char *reproduce, char *c_program, size_t len,
                            struct judged *out)
{
    report_line(report, REPORT_REPRODUCE, reproduce, len);
    const char *again[] = {"sh", "-c", reproduce, NULL};
    spawn_run(again, &result);
    ck_assert_msg(result.status == 1 && strstr(result.err, expect), "%s: %d\n%.2000s", reproduce,
                  result.status, result.err);
    report_line(report, REPORT_C_PROGRAM, c_program, len);
    const char *into = strstr(c_program, "> repro.c");
    ck_assert_ptr_nonnull(into);
    char shell[2048];
    snprintf(shell, sizeof shell, "%.*s> '%s/repro.c'", (int)(into - c_program), c_program, dir);
    const char *write[] = {"sh", "-c", shell, NULL};
    spawn_run(write, &result);
    ck_assert_msg(result.status == 0, "%s: %d\n%.2000s", shell, result.status, result.err);
    return judge_reproducer_file(dir, timeout, out);
}

unsigned assert_cases_agree(const struct agreement_case cases[], unsigned n, const char *work)
{
    ck_assert_uint_le(n, AGREEMENT_CASES_MAX);
    static struct judged runs[AGREEMENT_CASES_MAX];
    static char dirs[AGREEMENT_CASES_MAX][300];
    const char *dir_list[AGREEMENT_CASES_MAX];
    unsigned timeouts[AGREEMENT_CASES_MAX];
    /* Every run and every reproducer's source first, then the builds side
     * by side, then each reproducer against its run. */
    for (unsigned i = 0; i < n; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/case-%u", work, i);
        ck_assert_msg(mkdir(dirs[i], 0700) == 0 || errno == EEXIST, "mkdir %s", dirs[i]);
        judge_by_run(&cases[i].judging, cases[i].file, &runs[i]);
        write_reproducer(&cases[i].judging, cases[i].file, dirs[i]);
        dir_list[i] = dirs[i];
        timeouts[i] = cases[i].judging.timeout;
    }
    if (n) build_reproducers(dir_list, timeouts, n);
    for (unsigned i = 0; i < n; i++) {
        const struct judging *j = &cases[i].judging;
        struct judged repro;
        if (!judge_reproducer_file(dirs[i], j->timeout, &repro)) return i;
        char what[1024];
        snprintf(what, sizeof what, "%s on %s%s%s%s%s%s", cases[i].file, j->alloc,
                 j->strict ? " --strict" : "", j->rounds ? " --rounds " : "",
                 j->rounds ? j->rounds : "", j->settings ? " with " : "",
                 j->settings ? j->settings : "");
        assert_same_verdict(what, &runs[i], &repro);
    }
    return n;
}

void report_line(const char *text, const char *prefix, char *line, size_t len)
{
    const char *at = line_starting(text, prefix);
    ck_assert_msg(at != NULL, "no line starting \"%s\" in:\n%.2000s", prefix, text);
    at += strlen(prefix);
    snprintf(line, len, "%.*s", (int)strcspn(at, "\n"), at);
}

/* How a process ended where the harness could not say at which operation
 * (a crash between operations, a process that ended or forked without a
 * record): a reproducer naming the operation it was at agrees. */
static bool end_without_operation(const struct judged *run)
{
    return run->index == -1 &&
           (strcmp(run->invariant, "crash") == 0 || strcmp(run->invariant, "exit") == 0 ||
            strcmp(run->invariant, "forked") == 0);
}

void assert_same_verdict(const char *what, const struct judged *run, const struct judged *repro)
{
    bool same = run->passed == repro->passed &&
                (run->passed || (strcmp(run->invariant, repro->invariant) == 0 &&
                                 (run->index == repro->index || end_without_operation(run))));
    ck_assert_msg(same, "%s: gauntlet run says %s; its reproducer says %s", what, run->text,
                  repro->text);
}
