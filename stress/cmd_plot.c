/*
 * cmd_plot.c — `gauntlet plot RESULTS.json DIR`: the pictures of a results
 * document made earlier (a CI artifact, a baseline, an upgrade's
 * stress.json), as `gauntlet stress --plot DIR` draws them (plot.c).
 */
#include "cli.h"
#include "stress.h"

#include <stdio.h>
#include <string.h>

static const char plot_help[] =
    "usage: gauntlet plot RESULTS.json DIR\n"
    "\n"
    "Draws the pictures of a stress results document (gauntlet stress --json) into DIR,\n"
    "PNG and SVG, as `gauntlet stress --plot DIR` does: RSS at each phase end and RSS\n"
    "over time per workload (a document saved with --no-series has no time series),\n"
    "peak RSS and fragmentation bars. DIR also gets the data files and plot.gp.\n"
    "Exit status: 0 drawn; 2 usage error, unreadable document, or gnuplot failed.\n";

int cmd_plot(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(plot_help, stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            usage_error("plot", "unknown option '%s'", argv[i]);
        if (count == 2) usage_error("plot", "RESULTS.json and DIR only (got '%s' too)", argv[i]);
        paths[count++] = argv[i];
    }
    if (count < 2) usage_error("plot", "RESULTS.json and DIR are required");
    char err[1024];
    json_t *doc = stress_results_load(paths[0], err, sizeof err);
    bool drawn = doc && stress_plot(doc, paths[1], err, sizeof err);
    json_decref(doc);
    if (!drawn) {
        fprintf(stderr, "gauntlet plot: %s\n", err);
        return EXIT_USAGE;
    }
    fprintf(stderr, "gauntlet plot: pictures in %s/\n", paths[1]);
    return 0;
}
