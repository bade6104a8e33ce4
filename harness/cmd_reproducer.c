/*
 * cmd_reproducer.c — `gauntlet reproducer`: a finding as a standalone C
 * program (reproducer.c writes it) for the allocator's maintainers.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char reproducer_help[] =
    "usage: gauntlet reproducer --alloc NAME [--cap SIZE] FILE [-o OUT.c]\n"
    "\n"
    "Writes a standalone C program that makes the same allocator calls as FILE, from\n"
    "the same threads in the same order, with the oracle's checks as asserts. Its\n"
    "header comment gives the command that compiles and runs it against NAME.\n";

struct reproducer_job {
    const struct program *program;
    const char *allocator;
    const struct alloc_policy *policy;
    size_t cap;
};

static bool write_reproducer(int fd, const void *context)
{
    const struct reproducer_job *job = context;
    return reproducer_write(job->program, job->allocator, job->policy, job->cap, fd);
}

int cmd_reproducer(int argc, char **argv)
{
    const char *alloc = NULL, *in = NULL, *out = NULL;
    size_t cap = (size_t)256 << 20;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(argv[i])) {
            fputs(reproducer_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--alloc") == 0 && value) {
            alloc = argv[++i];
        } else if (strcmp(argv[i], "--cap") == 0 && value) {
            if (!parse_size_arg(argv[++i], &cap)) usage_error("reproducer", "--cap needs a size");
        } else if (strcmp(argv[i], "-o") == 0 && value) {
            out = argv[++i];
        } else if (in == NULL && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            in = argv[i];
        } else {
            usage_error("reproducer", "unexpected argument: %s", argv[i]);
        }
    }
    if (alloc == NULL) usage_error("reproducer", "--alloc NAME is required");
    if (in == NULL) usage_error("reproducer", "FILE is required");
    bool named = false;
    for (const char *const *n = named_allocators; *n; n++)
        named |= strcmp(*n, alloc) == 0;
    if (!named && strncmp(alloc, "so:", 3) != 0)
        usage_error("reproducer",
                    "unknown allocator '%s'; available: glibc, jemalloc, mimalloc, "
                    "tcmalloc, so:PATH",
                    alloc);
    struct program p;
    load_program(in, FORMAT_AUTO, &p);
    /* The reproducer's policy is the table's; so:PATH gets the permissive one. */
    const struct alloc_policy *policy = policy_for(named ? alloc : NULL);
    struct reproducer_job job = {&p, alloc, policy, cap};
    write_output_with(out, write_reproducer, &job);
    program_release(&p);
    return 0;
}
