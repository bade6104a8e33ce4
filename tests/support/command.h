/*
 * command.h — running build/gauntlet (or any command) from a test and
 * capturing its exit status and output.
 */
#ifndef GAUNTLET_TEST_COMMAND_H
#define GAUNTLET_TEST_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct spawned {
    int status;      /* exit status; 128+N when killed by signal N */
    char out[65536]; /* stdout, truncated */
    char err[65536]; /* stderr, truncated */
};

/* Runs argv (NULL-terminated) with "$GAUNTLET" substituted for a leading
 * "gauntlet"; fills *result. */
void spawn_run(const char *const argv[], struct spawned *result);
/* The gauntlet binary and the defective libraries' directory. */
const char *gauntlet_path(void);
const char *defective_dir(void);
/* "so:DIR/libdefect_NAME.so": the allocator name of one defective library. */
void defective_library(char *buf, size_t len, const char *defect);
/* Writes text to path (the test fails when it cannot). */
void write_file(const char *path, const char *text);
/* Writes a text program to path in the binary form (what an engine keeps),
 * through `gauntlet encode` and a PATH.txt it removes. */
void write_binary_program(const char *path, const char *text);
/* Whether `gauntlet list` says the named allocator is not available here
 * (its library not installed): a test then skips rather than fails. */
bool allocator_unavailable(const char *name);
/* A fresh temporary directory for a test's files. */
void make_temp_dir(char *path, size_t len);

#endif
