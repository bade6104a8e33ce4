/*
 * direct.h — the two harness shapes that the direct programs in ci/realbugs/ share, so that each
 * FAMILY-NAME.c keeps only its own checks and messages:
 *
 *   direct_on_two_threads(check): run a check on the main thread and, if it passed, again on a
 *       freshly created thread (a fresh thread takes an allocator's first-use paths: its own
 *       heap, cache or arena), print the check's "bug: ..." line, and give the exit status;
 *   direct_in_child(body, alarm_seconds, what): run a body in a forked child, so that a crash
 *       (or, with an alarm, a hang) of the allocator is reported as a "bug: ..." line instead of
 *       ending the program, and give back the child's own exit status otherwise.
 *
 * The functions are static inline so that a program using only one of them still compiles
 * cleanly with -Wall -Wextra -Werror (no unused-function warning); the header needs only libc
 * and pthread, like the programs, and is included by a relative path ("direct.h").
 */
#ifndef DIRECT_H
#define DIRECT_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* A check takes where it runs ("main thread" or "fresh thread", for its messages) and returns
 * NULL when the allocator behaved, or a whole line to print ("bug: ...") when it did not.  The
 * line must outlive the thread that made it: a string literal or a static buffer. */
typedef const char *direct_check_fn(const char *where);

/* What the fresh thread runs and what it found; passed by address rather than by casting the
 * function pointer to void *, which ISO C does not allow. */
struct direct_thread_run {
    direct_check_fn *check;
    const char *bug;
};

static inline void *direct_thread_main(void *arg)
{
    struct direct_thread_run *run = arg;
    run->bug = run->check("fresh thread");
    return NULL;
}

/* Runs check on this thread and, if it passed, on a freshly created one.  Returns 0 when both
 * passed, 1 after printing the line of the first that failed, and 2 ("error:" line) when no
 * thread could be created, since the fresh-thread half of the proof was then never run. */
static inline int direct_on_two_threads(direct_check_fn *check)
{
    const char *bug = check("main thread");
    if (bug == NULL) {
        struct direct_thread_run run = {check, NULL};
        pthread_t t;
        if (pthread_create(&t, NULL, direct_thread_main, &run) != 0) {
            puts("error: pthread_create failed");
            return 2;
        }
        pthread_join(t, NULL);
        bug = run.bug;
    }
    if (bug != NULL) {
        puts(bug);
        return 1;
    }
    return 0;
}

/* direct_in_child's answers besides the child's own exit status (0 to 255). */
#define DIRECT_CHILD_DIED (-1) /* killed by a signal or the alarm: a "bug:" line was printed */
#define DIRECT_NO_CHILD   (-2) /* fork or waitpid failed: perror said why; nothing was checked */

/* Runs body in a forked child, with alarm(alarm_seconds) first unless that is 0, and waits.
 * Returns the child's exit status (body's return value), for the caller to map to its own
 * messages.  A child killed by a signal prints "bug: WHAT crashed (signal N)", or "bug: WHAT
 * hung (signal N)" when the signal is the alarm's, and returns DIRECT_CHILD_DIED: the bug here
 * is often a wild write or an endless loop inside the allocator, which the program could not
 * report from the inside. */
static inline int direct_in_child(int (*body)(void), unsigned alarm_seconds, const char *what)
{
    fflush(stdout); /* or the child would print the parent's buffered output a second time */
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return DIRECT_NO_CHILD;
    }
    if (pid == 0) {
        if (alarm_seconds > 0) alarm(alarm_seconds);
        int r = body();
        fflush(stdout); /* _exit does not flush, and the body's "bug:" line must get out */
        _exit(r);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) {
        perror("waitpid");
        return DIRECT_NO_CHILD;
    }
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        printf("bug: %s %s (signal %d)\n", what,
               alarm_seconds > 0 && sig == SIGALRM ? "hung" : "crashed", sig);
        return DIRECT_CHILD_DIED;
    }
    return WEXITSTATUS(st);
}

#endif /* DIRECT_H */
