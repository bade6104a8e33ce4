/*
 * young_process.c — inputs run again in a young process. A libFuzzer target
 * runs every input in one long-lived process, and an allocator's state from
 * earlier inputs can hide a bug that only a young heap shows (mimalloc
 * reuses the data of exited threads, so that after a few hundred inputs a
 * fresh thread's first call no longer asks the OS for memory, and a bug on
 * that path stops showing). So at start-up, before any input, the target
 * forks a keeper that stays as it is then; one input in N (chosen by the
 * input's bytes, so that a re-run chooses alike) is handed to it, and it
 * runs the input in a fork of itself, a process as young as the target
 * was. A failure there is reported, and the target aborts so that the
 * engine keeps the input; `gauntlet run`, a young process too, confirms it.
 * A crash the campaign already knows (by the signature in the young run's
 * record) is passed over, as the run passes over known violations.
 * Enabled by GAUNTLET_YOUNG=N (the campaign sets it for libFuzzer).
 */
#include "fuzz_program.h"

#include "gauntlet.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bound of one young run: a hang there is the engine's to find. */
#define YOUNG_SECONDS 10

static unsigned every; /* one input in `every`; 0: off */
static int to_keeper = -1, from_keeper = -1;

/* What the keeper answers for one input: how its run ended, and the run
 * record (gauntlet.h) the run wrote, "" for none. */
struct answer {
    int status;
    pid_t pid;
    char record[512];
};

/* Whatever is in the (non-blocking) record pipe now. */
static void drain(int fd, char *to, size_t room)
{
    size_t used = 0;
    for (ssize_t n; used + 1 < room && (n = read(fd, to + used, room - 1 - used)) > 0;)
        used += (size_t)n;
    to[used] = '\0';
}

/* The keeper: for each input it is sent, a fork of itself runs it, with
 * its run record going to a pipe; the wait status and the record go back.
 * It ends with the target (its pipe closes). */
static _Noreturn void keep(int requests, int answers, void (*run)(const uint8_t *, size_t))
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int records[2];
    if (pipe(records) != 0 || fcntl(records[0], F_SETFL, O_NONBLOCK) != 0) _exit(0);
    char fd[16];
    snprintf(fd, sizeof fd, "%d", records[1]);
    setenv(RUN_RECORD_ENV, fd, 1);
    static uint8_t input[FUZZ_YOUNG_MAX_INPUT];
    static struct answer a;
    for (size_t len; fd_read_all(requests, &len, sizeof len) && len <= sizeof input &&
                     fd_read_all(requests, input, len);) {
        drain(records[0], a.record, sizeof a.record); /* a stray writer's, earlier */
        pid_t child = fork();
        if (child == 0) {
            close(requests);
            close(answers);
            close(records[0]);
            /* Its crashes are the harness's to report: the engine's handlers
             * would write artifacts of an input it knows nothing of. */
            signal(SIGALRM, SIG_DFL);
            report_install_crash_handlers();
            alarm(YOUNG_SECONDS);
            run(input, len);
            _exit(0);
        }
        a.status = 0;
        while (child > 0 && waitpid(child, &a.status, 0) < 0 && errno == EINTR)
            continue;
        if (child < 0) a.status = -1;
        a.pid = child;
        drain(records[0], a.record, sizeof a.record);
        if (!fd_write_all(answers, &a, sizeof a)) break;
    }
    _exit(0);
}

void young_start(void (*run)(const uint8_t *, size_t))
{
    const char *want = getenv("GAUNTLET_YOUNG");
    every = want ? (unsigned)strtoul(want, NULL, 10) : 0;
    if (every == 0) return;
    int requests[2], answers[2];
    if (pipe(requests) != 0 || pipe(answers) != 0) {
        every = 0;
        return;
    }
    fflush(NULL);
    pid_t keeper = fork();
    if (keeper == 0) {
        close(requests[1]);
        close(answers[0]);
        keep(requests[0], answers[1], run);
    }
    close(requests[0]);
    close(answers[1]);
    if (keeper < 0) {
        close(requests[1]);
        close(answers[0]);
        every = 0;
        return;
    }
    to_keeper = requests[1];
    from_keeper = answers[0];
}

/* FNV-1a: the same input is chosen on every run. */
static bool chosen(const uint8_t *data, size_t size)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * UINT64_C(0x100000001b3);
    return h % every == 0;
}

bool young_run_fails(const uint8_t *data, size_t size, const struct known_findings *known)
{
    if (every == 0 || size > FUZZ_YOUNG_MAX_INPUT || !chosen(data, size)) return false;
    static struct answer a;
    if (!fd_write_all(to_keeper, &size, sizeof size) || !fd_write_all(to_keeper, data, size) ||
        !fd_read_all(from_keeper, &a, sizeof a)) {
        fputs("fuzz_program: the young-process keeper is gone; young runs stop\n", stderr);
        every = 0;
        return false;
    }
    int status = a.status;
    if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) return false;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return false; /* the engine's to time */
    /* A crash the campaign already knows (its violations the run itself
     * passes over): a repeat, which must not end the target as a new one. */
    struct run_record r;
    if (known && run_record_read(a.record, a.pid, &r) && r.failed &&
        known_findings_match(known, r.signature)) {
        fprintf(stderr, "gauntlet: young process: a known finding (%s), passed over\n",
                r.signature);
        return false;
    }
    fprintf(stderr,
            "gauntlet: FINDING in a young process: this input fails in a copy of the target made "
            "before any input (%s %d), and not after the inputs this process ran: the "
            "allocator's state from them hid it\n",
            WIFSIGNALED(status) ? "signal" : "exit status",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return true;
}
