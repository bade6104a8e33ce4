/*
 * cli.h — what the `gauntlet` subcommands (cmd_*.c) share: reading programs
 * from files, writing outputs atomically, parsing numbers, and usage errors.
 * Exit statuses are a contract: 0 fine, 1 a finding, 2 usage/input/set-up.
 */
#ifndef GAUNTLET_CLI_H
#define GAUNTLET_CLI_H

#include "gauntlet.h"

#define EXIT_FINDING 1
#define EXIT_USAGE   2

enum input_format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_BINARY };

/* Loads FILE (or "-" for stdin) as a program; on error prints why and exits 2. */
void load_program(const char *path, enum input_format format, struct program *out);
/* Reads a whole file into harness memory; false with errno on failure. */
bool read_whole_file(const char *path, uint8_t **bytes, size_t *len, size_t *mapped);
/* Writes bytes to PATH atomically (temporary file, fsync, rename), or to
 * stdout when path is NULL or "-". Exits 2 with a message on failure. */
void write_output(const char *path, const uint8_t *bytes, size_t len);
/* The same for output produced by a writer (true on success). */
typedef bool (*output_writer)(int fd, const void *context);
void write_output_with(const char *path, output_writer writer, const void *context);

_Noreturn void usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses a size with the program text's syntax (100, 4KiB, 2^20, …). */
bool parse_size_arg(const char *text, size_t *value);
bool parse_u64_arg(const char *text, uint64_t *value);
enum input_format parse_format_arg(const char *command, const char *text);
bool is_help(const char *arg);

/* Commands: each returns the process exit status. */
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_reproducer(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Allocator names a user may pass to --alloc, with "all" expanded to the
 * installed named allocators. */
bool allocator_installed(const char *name, char *err, size_t err_len);

#endif
