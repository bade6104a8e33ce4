/*
 * cmd_build_alloc.c — `gauntlet build-alloc`: an allocator built from source
 * (a Debian source package or the user's checkout), instrumented as asked,
 * for `--alloc so:PATH`. The fetching and building live in
 * alloc-builds/build-alloc.sh (installed with the data), which this runs.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_build_alloc(int argc, char **argv)
{
    char script[4200];
    path_printf(script, sizeof script, "%s/alloc-builds/build-alloc.sh", data_dir());
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "gauntlet build-alloc: %s: %s\n", script, strerror(errno));
        return EXIT_USAGE;
    }
    const char *args[64] = {"bash", script};
    int n = 2;
    for (int i = 1; i < argc && n < 63; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    fflush(stdout);
    execvp("bash", (char *const *)args);
    fprintf(stderr, "gauntlet build-alloc: cannot run bash: %s\n", strerror(errno));
    return EXIT_USAGE;
}
