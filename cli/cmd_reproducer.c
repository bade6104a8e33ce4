/*
 * cmd_reproducer.c — `gauntlet reproducer`: a finding as a standalone C
 * program (reproducer.c writes it) for the allocator's maintainers.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char reproducer_help[] =
    "usage: gauntlet reproducer --alloc NAME [--cap SIZE] [--strict] [--format F] FILE\n"
    "                           [-o OUT.c]\n"
    "\n"
    "Writes a standalone C program that makes the same allocator calls as FILE, from\n"
    "the same threads in the same order (lock-step), and judges each by Gauntlet's\n"
    "own rules (it carries them). Its header comment gives the command that\n"
    "compiles and runs it against NAME. It judges as `gauntlet run` does with the\n"
    "same --alloc, --cap and --strict: the allocator's table (a so: library of a\n"
    "known family gets that family's known deviations) and its sized free.\n";

struct reproducer_job {
    const struct program *program;
    struct reproducer_options options;
};

static bool write_reproducer(int fd, const void *context)
{
    const struct reproducer_job *job = context;
    return reproducer_write(job->program, &job->options, fd);
}

int cmd_reproducer(int argc, char **argv)
{
    const char *alloc = NULL, *in = NULL, *out = NULL;
    size_t cap = GAUNTLET_DEFAULT_CAP;
    bool strict = false;
    enum input_format format = FORMAT_AUTO;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(argv[i])) {
            fputs(reproducer_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--alloc") == 0 && value) {
            alloc = argv[++i];
        } else if (strcmp(argv[i], "--cap") == 0 && value) {
            if (!parse_size_arg(argv[++i], &cap) || cap == 0)
                usage_error("reproducer", "--cap needs a size such as 32MiB");
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = true;
        } else if (strcmp(argv[i], "--format") == 0 && value) {
            format = parse_format_arg("reproducer", argv[++i]);
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
    /* A so: library by its absolute path: the header's command may be run
     * from another directory. */
    char resolved[4200];
    if (strncmp(alloc, "so:", 3) == 0 && alloc[3] != '\0') {
        char *real = realpath(alloc + 3, NULL);
        if (real == NULL) {
            fprintf(stderr, "gauntlet reproducer: %s: %s\n", alloc + 3, strerror(errno));
            return EXIT_USAGE;
        }
        path_printf(resolved, sizeof resolved, "so:%s", real);
        free(real);
        alloc = resolved;
    }
    struct program p;
    load_program(in, format, &p);
    /* The allocator is opened, as `gauntlet run` opens it, for the policy and
     * the sized free run would use: a so: library's family shows only then. */
    struct allocator a;
    char err[1024];
    if (!allocator_open(alloc, &a, err, sizeof err)) {
        fprintf(stderr, "gauntlet reproducer: %s\n", err);
        return EXIT_USAGE;
    }
    struct reproducer_job job = {&p, {alloc, a.policy, cap, strict, a.sized_free}};
    write_output_with(out, write_reproducer, &job);
    program_release(&p);
    return 0;
}
