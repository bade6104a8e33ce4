/*
 * main.c — the `gauntlet` command: picks the subcommand, and makes sure the
 * process can load every allocator before any runs.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char main_help[] =
    "usage: gauntlet COMMAND [options]   (gauntlet COMMAND --help for each)\n"
    "\n"
    "  list                                   allocators available here, with versions\n"
    "  run --alloc NAME [--mode lockstep|free] FILE...\n"
    "                                         run programs against an allocator\n"
    "  gen --seed N [--ops K] [--threads T] [--text] [-o FILE]\n"
    "                                         a seeded random program\n"
    "  decode FILE                            binary program → text on stdout\n"
    "  encode FILE [-o OUT]                   text program → binary\n"
    "  reproducer --alloc NAME FILE           a standalone C program making the same calls\n"
    "  bench [--alloc NAME] [--ops N]         oracle cost: checked vs raw calls\n"
    "  fuzz --alloc NAME [--engine E] [--san S] [--time S] [--jobs N]\n"
    "                                         a fuzzing campaign (libFuzzer or AFL++)\n"
    "  minimize --alloc NAME FILE [-o OUT]    a smaller program with the same finding\n"
    "  triage --alloc NAME DIR                the distinct findings of a campaign directory\n"
    "  seeds --alloc NAME -o DIR              the seed corpus a campaign on NAME starts from\n"
    "  stress --alloc LIST [--workload LIST] [--repeat N] [--json F] [--baseline F] [--plot DIR]\n"
    "                                         fragmentation and RSS per allocator, per workload\n"
    "  compare OLD.json NEW.json              memory regressions between two stress results\n"
    "  plot RESULTS.json DIR                  the pictures of a stress results document\n"
    "  upgrade --old NAME --new NAME [--time S]\n"
    "                                         is NEW safe: corpus, fuzzing, every workload\n"
    "  stress-bench [--alloc NAME]            the stress checks' and sampler's cost\n"
    "  build-alloc NAME[@SUITE]|--src DIR [--with coverage,asan,tsan,debug]\n"
    "                                         an allocator built from source, for so:PATH\n"
    "  record [-o TRACE] -- CMD [ARGS...]     every allocation call a real program makes\n"
    "  trace TRACE [-o PROGRAM]               a recorded trace as a program (--info: what it "
    "holds)\n"
    "\n"
    "NAME: glibc, jemalloc, mimalloc, tcmalloc or so:PATH.\n"
    "Exit status: 0 fine; 1 a finding; 2 usage, input or set-up error.\n";

int main(int argc, char **argv)
{
    /* stdio's buffers from harness memory, not from the process's malloc,
     * which may be the allocator under test (glibc). */
    static char out_buffer[1 << 16], err_buffer[1 << 12];
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    setvbuf(stderr, err_buffer, _IOLBF, sizeof err_buffer);
    report_set_command_name(argv[0]);
    settings_remember_argv(argv);
    process_setup();

    if (argc < 2 || is_help(argv[1])) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *command = argv[1];
    static const struct {
        const char *name;
        int (*run)(int, char **);
        bool loads_allocators;
    } commands[] = {
        {"list", cmd_list, true},
        {"run", cmd_run, true},
        {"gen", cmd_gen, true},
        {"decode", cmd_decode, false},
        {"encode", cmd_encode, false},
        {"reproducer", cmd_reproducer, true},
        {"bench", cmd_bench, true},
        {"fuzz", cmd_fuzz, true},
        {"minimize", cmd_minimize, true},
        {"triage", cmd_triage, true},
        {"seeds", cmd_seeds, true},
        {"stress", cmd_stress, true},
        {"stress-one", cmd_stress_one, true},
        {"compare", cmd_compare, false},
        {"plot", cmd_plot, false},
        {"upgrade", cmd_upgrade, true},
        {"stress-bench", cmd_stress_bench, true},
        {"build-alloc", cmd_build_alloc, false},
        {"record", cmd_record, false},
        {"trace", cmd_trace, false},
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(command, commands[i].name) != 0) continue;
        if (commands[i].loads_allocators) allocator_prepare_process(argv);
        int status = commands[i].run(argc - 1, argv + 1);
        fflush(stdout);
        return status;
    }
    fprintf(stderr, "gauntlet: unknown command '%s'\n\n%s", command, main_help);
    return EXIT_USAGE;
}
