/*
 * cmd_compare.c — `gauntlet compare OLD.json NEW.json`: the command line of
 * the regression flags. Parses the options, loads both results documents
 * (results.c) and leaves the judging and the table to stress_compare
 * (compare.c, whose header comment has the exact rules).
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_help[] =
    "usage: gauntlet compare [--tolerance PCT] [--min-change SIZE] [--all] OLD.json NEW.json\n"
    "\n"
    "Compares two stress results documents (`gauntlet stress --json`, stress/SCHEMA.md):\n"
    "each allocator x workload summary of NEW against OLD's, figure by figure (the\n"
    "medians over the repeats), and lists the figures that moved.\n"
    "\n"
    "Pairing: by allocator name and workload. When each file holds exactly one\n"
    "allocator, they are paired whatever their names (an upgrade, old library vs new,\n"
    "a wrapper vs the allocator it wraps). Otherwise an allocator or workload of NEW\n"
    "absent from OLD is listed as \"no baseline\" and not judged; one of OLD absent\n"
    "from NEW is listed as \"missing\".\n"
    "\n"
    "Tolerance: a figure is flagged only when its median moved by more than PCT and by\n"
    "more than its own run-to-run spread ((max - min) / median) in either file.\n"
    "A memory figure (RSS, peaks, per-phase RSS) regresses when it grew beyond that\n"
    "and by at least SIZE; fragmentation when it grew beyond that and by at least\n"
    "0.05, or by what SIZE of RSS makes in it when that is more, and only when the\n"
    "repeats of NEW all lie beyond those of OLD; a median that moved while the repeats\n"
    "interleave is \"too noisy\" to judge: listed, not counted. A phase measured after\n"
    "different requests to the allocator (a release call on one side only) is \"not\n"
    "comparable\". Lower operations per second is shown as \"slower\", never counted.\n"
    "A NEW summary whose status is \"finding\" counts as a regression.\n"
    "\n"
    "  --tolerance PCT    the least relative change flagged: 10 or 10% (default 10%)\n"
    "  --min-change SIZE  smaller memory changes are never flagged (default 1MiB)\n"
    "  --all              list every compared figure, not only the flagged ones\n"
    "\n"
    "Exit status: 0 no regression; 1 a regressed figure or a finding; 2 usage error,\n"
    "a document that cannot be read or is not a well-formed results document, a run\n"
    "of NEW that errored (failed to run), or nothing compared at all.\n";

struct compare_args {
    struct compare_options options;
    const char *old_path, *new_path;
};

static void parse_compare_options(int argc, char **argv, struct compare_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (is_help(arg)) {
            fputs(compare_help, stdout);
            exit(0);
        } else if (parse_compare_option("compare", argc, argv, &i, &a->options)) {
            continue;
        } else if (strcmp(arg, "--all") == 0) {
            a->options.show_all = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            usage_error("compare", "unknown option or missing value: %s", arg);
        } else if (a->new_path) {
            usage_error("compare", "two files only, OLD.json and NEW.json (got a third: '%s')",
                        arg);
        } else {
            *(a->old_path ? &a->new_path : &a->old_path) = arg;
        }
    }
    if (a->new_path == NULL) usage_error("compare", "OLD.json and NEW.json are required");
}

int cmd_compare(int argc, char **argv)
{
    struct compare_args a = {0};
    compare_options_default(&a.options);
    parse_compare_options(argc, argv, &a);
    char err[1024];
    json_t *old = stress_results_load(a.old_path, err, sizeof err);
    json_t *fresh = old ? stress_results_load(a.new_path, err, sizeof err) : NULL;
    if (fresh == NULL) {
        fprintf(stderr, "gauntlet compare: %s\n", err);
        json_decref(old);
        return EXIT_USAGE;
    }
    struct compare_counts counts;
    int regressions = stress_compare(old, fresh, &a.options, stdout, &counts, err, sizeof err);
    fflush(stdout);
    json_decref(old);
    json_decref(fresh);
    if (regressions < 0) {
        fprintf(stderr, "gauntlet compare: %s (old: %s, new: %s)\n", err, a.old_path, a.new_path);
        return EXIT_USAGE;
    }
    const char *why;
    int status = compare_exit_status(&counts, &why);
    if (why) fprintf(stderr, "gauntlet compare: %s (new: %s)\n", why, a.new_path);
    return status;
}
