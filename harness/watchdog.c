/*
 * watchdog.c — the calling thread's wait while a program's threads run, in
 * either executor: it sleeps until a thread posts that it is done, waking
 * once a second to see whether any operation began or ended meanwhile. An
 * operation that makes no progress for the bound is a `hang`, reported as
 * rules.h words it.
 */
#include "internal.h"

#include <errno.h>
#include <time.h>

void watchdog_join(pthread_t thread, struct run *run, unsigned number, size_t index)
{
    unsigned bound = run->config->watchdog_seconds;
    if (bound == 0) {
        pthread_join(thread, NULL);
        return;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += bound;
    int status;
    while ((status = pthread_timedjoin_np(thread, NULL, &deadline)) == EINTR)
        ;
    if (status != ETIMEDOUT) return;
    struct op exiting = {.kind = OP_RESTART, .thread = (uint8_t)number};
    struct op_context c = {run, index, &exiting, number, &run->stats[number]};
    struct breach b = rule_hang(bound);
    oracle_breach(&c, -1, NULL, &b, RULE_THREAD_EXIT_HANG_NOTE);
}

void watchdog_wait(const struct watchdog *w)
{
    uint64_t last = atomic_load(w->ticks);
    unsigned quiet_seconds = 0, posted = 0;
    while (posted < w->posts) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 1;
        if (sem_timedwait(w->done, &deadline) == 0) {
            posted++;
            continue;
        }
        if (errno == EINTR) continue;
        uint64_t now = atomic_load(w->ticks);
        quiet_seconds = now == last ? quiet_seconds + 1 : 0;
        last = now;
        if (w->bound_seconds == 0 || quiet_seconds < w->bound_seconds) continue;
        struct op teardown_free = {.kind = OP_FREE};
        struct op_context c;
        w->hung(w->context, &c, &teardown_free);
        struct breach b = rule_hang(w->bound_seconds);
        oracle_breach(&c, op_uses_slot((enum op_kind)c.op->kind) ? c.op->slot : -1, NULL, &b, NULL);
    }
}
