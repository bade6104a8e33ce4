/*
 * locations.c — where things are, for a gauntlet run from its source tree
 * (ROOT/build/gauntlet) or installed by `make install` (PREFIX/bin/gauntlet):
 *
 *                  source tree              installed
 *   data           ROOT                     PREFIX/share/gauntlet
 *                  (corpus/, fuzzers/gauntlet.dict, fuzzers/fuzz_program.options)
 *   fuzz targets   ROOT/build/fuzz          PREFIX/lib/gauntlet/fuzz
 *   recorder       ROOT/build/libgauntlet-record.so   PREFIX/lib/gauntlet/…
 *   default out    ROOT/build               ./gauntlet-out
 *
 * A source tree can build missing fuzz targets (ROOT/fuzzers/build.sh); an
 * installation has them prebuilt. Children of gauntlet are started by the
 * real path of the running binary, so that every command a report prints
 * can be run again from the user's shell.
 */
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
    bool known, source_tree;
    char self[PATH_MAX];
    char data[PATH_MAX + 32];
    char targets[PATH_MAX + 32];
    char recorder[PATH_MAX + 64];
    char out[PATH_MAX + 32];
} where;

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Cuts the last path component off (in place). */
static void parent(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash && slash != path) *slash = '\0';
}

static void find(void)
{
    if (where.known) return;
    where.known = true;
    ssize_t n = readlink("/proc/self/exe", where.self, sizeof where.self - 1);
    if (n <= 0) n = (ssize_t)snprintf(where.self, sizeof where.self, "gauntlet");
    where.self[n] = '\0';
    char dir[PATH_MAX], prefix[PATH_MAX], probe[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s", where.self);
    parent(dir); /* .../build or PREFIX/bin */
    snprintf(prefix, sizeof prefix, "%s", dir);
    parent(prefix); /* ROOT or PREFIX */
    snprintf(probe, sizeof probe, "%s/share/gauntlet", prefix);
    where.source_tree = !is_dir(probe);
    if (where.source_tree) {
        snprintf(where.data, sizeof where.data, "%s", prefix);
        snprintf(where.targets, sizeof where.targets, "%s/fuzz", dir);
        snprintf(where.out, sizeof where.out, "%s", dir);
    } else {
        snprintf(where.data, sizeof where.data, "%s", probe);
        snprintf(where.targets, sizeof where.targets, "%s/lib/gauntlet/fuzz", prefix);
        snprintf(where.out, sizeof where.out, "gauntlet-out");
    }
    /* beside the fuzz targets' folder in both layouts */
    snprintf(where.recorder, sizeof where.recorder, "%s", where.targets);
    parent(where.recorder);
    strcat(where.recorder, "/libgauntlet-record.so");
}

const char *self_path(void)
{
    find();
    return where.self;
}

const char *data_dir(void)
{
    find();
    return where.data;
}

const char *fuzz_targets_dir(void)
{
    find();
    return where.targets;
}

const char *recorder_path(void)
{
    find();
    return where.recorder;
}

const char *output_root(void)
{
    find();
    return where.out;
}

bool in_source_tree(void)
{
    find();
    return where.source_tree;
}
