/*
 * reproducer_check.c — the C reproducer a command writes, and whether it
 * reproduces: written with the options `gauntlet run` judges by (the
 * allocator opened as run opens it, for its table and sized free), compiled
 * as its header says, and run in a fresh process against the allocator.
 * minimize accepts a finding only when this fails as the run did.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool reproducer_options_for(const char *alloc, size_t cap, bool strict, char *resolved,
                            size_t resolved_len, struct reproducer_options *out, char *err,
                            size_t err_len)
{
    /* A so: library by its absolute path: the header's command may be run
     * from another directory. */
    snprintf(resolved, resolved_len, "%s", alloc);
    if (strncmp(alloc, "so:", 3) == 0 && alloc[3] != '\0') {
        char *real = realpath(alloc + 3, NULL);
        if (real == NULL) {
            snprintf(err, err_len, "%s: %s", alloc + 3, strerror(errno));
            return false;
        }
        path_printf(resolved, resolved_len, "so:%s", real);
        free(real);
    }
    /* The allocator is opened, as `gauntlet run` opens it, for the policy and
     * the sized free run would use: a so: library's family shows only then. */
    struct allocator a;
    if (!allocator_open(resolved, &a, err, err_len)) return false;
    *out = (struct reproducer_options){.allocator = resolved,
                                       .policy = a.policy,
                                       .live_cap = cap,
                                       .strict = strict,
                                       .sized_free = a.sized_free,
                                       .cxx = a.own.cxx.new_plain != NULL,
                                       .rounds = 1};
    return true;
}

struct reproducer_job {
    const struct program *program;
    const struct reproducer_options *options;
};

static bool write_reproducer(int fd, const void *context)
{
    const struct reproducer_job *job = context;
    return reproducer_write(job->program, job->options, fd);
}

void reproducer_write_file(const char *path, const struct program *p,
                           const struct reproducer_options *o)
{
    struct reproducer_job job = {p, o};
    write_output_with(path, write_reproducer, &job);
}

/* What reproducer_reproduces() writes in its directory. */
enum { REPRO_SOURCE, REPRO_BINARY, REPRO_LOG, REPRO_FILES };
static const char *const repro_file[REPRO_FILES] = {"repro.c", "repro", "repro.log"};

void reproducer_remove_files(const char *dir)
{
    for (unsigned i = 0; i < REPRO_FILES; i++) {
        char path[4200];
        path_printf(path, sizeof path, "%s/%s", dir, repro_file[i]);
        unlink(path);
    }
}

enum reproduction reproducer_reproduces(const struct program *p, const struct reproducer_options *o,
                                        const char *dir, char *why, size_t why_len)
{
    char source[4200], binary[4200], log[4200];
    path_printf(source, sizeof source, "%s/%s", dir, repro_file[REPRO_SOURCE]);
    path_printf(binary, sizeof binary, "%s/%s", dir, repro_file[REPRO_BINARY]);
    path_printf(log, sizeof log, "%s/%s", dir, repro_file[REPRO_LOG]);
    reproducer_write_file(source, p, o);
    struct reproducer_recipe recipe = reproducer_recipe(o->allocator);
    const char *compile[] = {"cc",
                             "-std=c17",
                             "-O1",
                             "-pthread",
                             REPRODUCER_EXPORT_MAPS,
                             source,
                             "-o",
                             binary,
                             recipe.link_flag[0] ? REPRODUCER_KEEP_LINKED : NULL,
                             recipe.link_flag,
                             NULL};
    struct process cc = {.argv = compile, .out_path = log, .truncate_out = true};
    int status = process_run(&cc, 120);
    if (status != 0) {
        snprintf(why, why_len, "it did not compile (cc exit %d; see %s)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
        return REPRODUCTION_UNKNOWN;
    }
    char preload[4200] = "";
    if (recipe.preload) path_printf(preload, sizeof preload, "LD_PRELOAD=%s", recipe.preload);
    const char *preloaded[] = {"env", preload, binary, NULL}, *plain[] = {binary, NULL};
    struct process repro = {
        .argv = recipe.preload ? preloaded : plain, .out_path = log, .truncate_out = true};
    status = process_run(&repro, 3.0 * GAUNTLET_DEFAULT_WATCHDOG_SECONDS + 30);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 1) return REPRODUCTION_FAILS;
    if (code == 0) {
        snprintf(why, why_len, "it passes on %s (its output: %s)", o->allocator, log);
        return REPRODUCTION_PASSES;
    }
    snprintf(why, why_len, "it could not judge (exit %d; see %s)", code, log);
    return REPRODUCTION_UNKNOWN;
}
