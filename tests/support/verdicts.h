/*
 * verdicts.h — what the agreement tests compare: how `gauntlet run` and a
 * compiled reproducer judged one program on one allocator, read from their
 * output (the report's lines, gauntlet.h; the reproducer's one-line
 * message), and the reproducer built and run exactly as its header says.
 */
#ifndef GAUNTLET_TEST_VERDICTS_H
#define GAUNTLET_TEST_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>

struct judged {
    bool passed;
    char invariant[64]; /* "crash" for a signal, "hang" for the watchdog */
    long long index;    /* the operation; -1: the end of the program */
    char text[320];     /* what was read, for messages */
};

/* How both judge: the allocator, the watchdog's bound, --strict. */
struct judging {
    const char *alloc;
    unsigned timeout;
    bool strict;
    const char *rounds;   /* NULL: once; else --rounds (the reuse rule) */
    const char *settings; /* NULL: none; else space-separated NAME=VALUE, each an --alloc-env */
};

/* The fewest rounds the reuse rule judges, as an argument (rules.h). */
#define REUSE_ROUNDS_TEXT         REUSE_ROUNDS_QUOTE(RULE_REUSE_ROUNDS_MIN)
#define REUSE_ROUNDS_QUOTE(n)     REUSE_ROUNDS_QUOTE_NOW(n) /* n expanded first */
#define REUSE_ROUNDS_QUOTE_NOW(n) #n
/* The rounds a run needs for `invariant` to be judged at all (the reuse rule
 * judges only a program made in rounds), or NULL. */
const char *rounds_for_invariant(const char *invariant);

/* `gauntlet run --alloc ALLOC --timeout S [--rounds N] [--strict] FILE`. */
void judge_by_run(const struct judging *j, const char *file, struct judged *out);
/* `gauntlet reproducer --alloc ALLOC [--rounds N] [--strict] FILE`, compiled and run in
 * DIR by the command its header gives (with -DWATCHDOG_SECONDS=S). False
 * when the allocator's library cannot be linked here (the caller skips). */
bool judge_by_reproducer(const struct judging *j, const char *file, const char *dir,
                         struct judged *out);
/* The same for a reproducer already written to DIR/repro.c. */
bool judge_reproducer_file(const char *dir, unsigned timeout, struct judged *out);
/* One program to judge both ways. */
struct agreement_case {
    struct judging judging;
    char file[512];
};
#define AGREEMENT_CASES_MAX 256
/* Judges each case by `gauntlet run` and by its reproducer (written to a
 * directory of its own under WORK, then all built as many at a time as
 * there are processors: compiling is most of the time) and asserts
 * that they agree; returns how many were compared, stopping at the first
 * allocator whose library cannot be linked here (the caller skips). */
unsigned assert_cases_agree(const struct agreement_case cases[], unsigned n, const char *work);
/* A failing run's report, followed as a user would: its "reproduce:" line,
 * run as printed, must fail (status 1) with `expect` in its output; its "C
 * program:" line writes DIR/repro.c, judged into *out (judge_reproducer_file,
 * whose false it returns). The two lines are left in reproduce and
 * c_program (len bytes each) for the caller's own checks. */
bool follow_report_commands(const char *report, const char *expect, const char *dir,
                            unsigned timeout, char *reproduce, char *c_program, size_t len,
                            struct judged *out);
/* The line of a report (or any output) after `prefix`, up to its end. */
void report_line(const char *text, const char *prefix, char *line, size_t len);
/* Fails the test, naming both, unless they agree: both passed, or the same
 * invariant at the same operation. */
void assert_same_verdict(const char *what, const struct judged *run, const struct judged *repro);

#endif
