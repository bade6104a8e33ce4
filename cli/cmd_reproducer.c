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
    "usage: gauntlet reproducer --alloc NAME [--alloc-env NAME=VALUE]... [--cap SIZE]\n"
    "                           [--rounds N] [--strict] [--format F] FILE [-o OUT.c]\n"
    "\n"
    "Writes a standalone C program that makes the same allocator calls as FILE, from\n"
    "the same threads in the same order (lock-step), and judges each by Gauntlet's\n"
    "own rules (it carries them). Its header comment gives the command that\n"
    "compiles and runs it against NAME. It judges as `gauntlet run` does with the\n"
    "same --alloc, --cap, --rounds and --strict: the allocator's table (a so:\n"
    "library of a known family gets that family's known deviations) and its sized\n"
    "free. With --rounds N (or the program's own `# rounds: N` line) it makes the\n"
    "program N times and judges, as run does, whether the memory freed in each\n"
    "round is reused. With --alloc-env it starts\n"
    "itself again with each setting in its environment, as run does, before the\n"
    "allocator makes a call.\n";

int cmd_reproducer(int argc, char **argv)
{
    const char *alloc = NULL, *in = NULL, *out = NULL;
    size_t cap = GAUNTLET_DEFAULT_CAP;
    bool strict = false;
    unsigned rounds = 0; /* 0: the program's own `# rounds:` line, else once */
    struct settings settings = {.count = 0};
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
        } else if (strcmp(argv[i], "--rounds") == 0 && value) {
            rounds = parse_rounds_arg("reproducer", argv[++i]);
        } else if (strcmp(argv[i], "--alloc-env") == 0 && value) {
            settings_add("reproducer", &settings, argv[++i]);
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
    settings_adopt_environment("reproducer", &settings);
    struct program p;
    load_program(in, format, &p);
    char resolved[4200], err[1024];
    struct reproducer_options options;
    if (!reproducer_options_for(alloc, cap, strict, resolved, sizeof resolved, &options, err,
                                sizeof err)) {
        fprintf(stderr, "gauntlet reproducer: %s\n", err);
        return EXIT_USAGE;
    }
    options.rounds = rounds ? rounds : p.rounds ? p.rounds : 1;
    options.settings = settings.count ? settings.list : NULL;
    reproducer_write_file(out, &p, &options);
    program_release(&p);
    return 0;
}
