/*
 * args.c — reading the command line: numbers, sizes, formats, allocator
 * lists, and the usage error every command ends a bad one with (exit 2).
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void usage_error(const char *command, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "gauntlet %s: ", command);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n(see `gauntlet %s --help`)\n", command);
    exit(EXIT_USAGE);
}

bool parse_u64_arg(const char *text, uint64_t *value)
{
    if (text == NULL || *text == '\0' || *text == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0') return false;
    *value = v;
    return true;
}

bool parse_size_arg(const char *text, size_t *value)
{
    uint64_t v;
    if (text == NULL) return false;
    if (parse_u64_arg(text, &v)) {
        *value = v;
        return true;
    }
    return size_parse(text, value); /* the program text's syntax: 4KiB, 256MiB, 2^30 */
}

size_t parse_cap_arg(const char *command, const char *text)
{
    size_t bytes;
    if (!parse_size_arg(text, &bytes) || bytes == 0)
        usage_error(command, "--cap needs a size such as 32MiB, not '%s'", text ? text : "");
    uint64_t limit = machine_memory_limit();
    if (bytes > limit)
        usage_error(command,
                    "--cap %s is more than this machine can give a process (%llu MiB: RAM and "
                    "swap, limits, cgroup): a correct ENOMEM would be judged a failure",
                    text, (unsigned long long)(limit >> 20));
    return bytes;
}

unsigned parse_timeout_arg(const char *command, const char *text)
{
    uint64_t seconds;
    if (!parse_u64_arg(text, &seconds) || seconds == 0 || seconds > 86400)
        usage_error(command, "--timeout needs a number of seconds (1..86400), not '%s'",
                    text ? text : "");
    return (unsigned)seconds;
}

unsigned parse_rounds_arg(const char *command, const char *text)
{
    uint64_t rounds;
    if (!parse_u64_arg(text, &rounds) || rounds < RULE_REUSE_ROUNDS_MIN ||
        rounds > GAUNTLET_MAX_ROUNDS)
        usage_error(command, "--rounds needs %u..%u rounds, not '%s'", RULE_REUSE_ROUNDS_MIN,
                    GAUNTLET_MAX_ROUNDS, text ? text : "");
    return (unsigned)rounds;
}

enum input_format parse_format_arg(const char *command, const char *text)
{
    if (text && strcmp(text, "text") == 0) return FORMAT_TEXT;
    if (text && strcmp(text, "binary") == 0) return FORMAT_BINARY;
    if (text && strcmp(text, "auto") == 0) return FORMAT_AUTO;
    usage_error(command, "--format must be text, binary or auto, not '%s'", text ? text : "");
}

bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}
