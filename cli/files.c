/*
 * files.c — files in and out for the commands: programs read whole (text
 * or binary, told apart by their form; bounded, so a device is an error),
 * outputs written atomically so that a killed process never leaves half a
 * program, corpus entry or report behind, and the room left to write in.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* No program or report gauntlet reads comes near this; a device such as
 * /dev/zero would otherwise be read until memory runs out. */
#define READ_LIMIT ((size_t)256 << 20)

bool read_whole_file(const char *path, uint8_t **bytes, size_t *len, size_t *mapped)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return false;
    }
    size_t capacity = 1 << 16, used = 0;
    uint8_t *buf = hmem_map(capacity);
    for (;;) {
        if (used == capacity) {
            buf = hmem_remap(buf, capacity, capacity * 2);
            capacity *= 2;
        }
        ssize_t n = read(fd, buf + used, capacity - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            if (fd != STDIN_FILENO) close(fd);
            hmem_unmap(buf, capacity);
            errno = saved;
            return false;
        }
        if (n == 0) break;
        used += (size_t)n;
        if (used > READ_LIMIT) {
            if (fd != STDIN_FILENO) close(fd);
            hmem_unmap(buf, capacity);
            errno = EFBIG;
            return false;
        }
    }
    if (fd != STDIN_FILENO) close(fd);
    *bytes = buf;
    *len = used;
    *mapped = capacity;
    return true;
}

void load_known_findings(const char *command, const char *path, struct known_findings *k)
{
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(path, &bytes, &len, &mapped))
        usage_error(command, "cannot read --known %s: %s", path, strerror(errno));
    char error[256];
    bool parsed = known_findings_parse((const char *)bytes, len, k, error, sizeof error);
    hmem_unmap(bytes, mapped);
    if (!parsed) usage_error(command, "--known %s: %s", path, error);
}

void load_program(const char *path, enum input_format format, struct program *out)
{
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(path, &bytes, &len, &mapped)) {
        if (errno == EFBIG)
            fprintf(stderr, "gauntlet: %s holds more than %zu MiB: not a program (a device?)\n",
                    path, READ_LIMIT >> 20);
        else
            fprintf(stderr, "gauntlet: cannot read %s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
    program_init(out);
    size_t not_text_at = 0;
    enum program_form form = format == FORMAT_TEXT     ? FORM_TEXT
                             : format == FORMAT_BINARY ? FORM_BINARY
                                                       : program_form_of(bytes, len, &not_text_at);
    if (form == FORM_NEITHER) {
        fprintf(stderr,
                "gauntlet: %s is neither a text program (byte %zu is 0x%02x, not text) nor a "
                "binary one (those gauntlet writes begin with its header); a fuzzing engine's "
                "file: --format binary\n",
                path, not_text_at, bytes[not_text_at]);
        exit(EXIT_USAGE);
    }
    if (form == FORM_TEXT) {
        char err[512];
        if (!program_parse_text((const char *)bytes, len, path, out, err, sizeof err)) {
            fprintf(stderr, "gauntlet: %s\n", err);
            exit(EXIT_USAGE);
        }
    } else {
        program_decode_binary(bytes, len, out);
    }
    hmem_unmap(bytes, mapped);
}

void write_output_with(const char *path, output_writer writer, const void *context)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        if (!writer(STDOUT_FILENO, context)) {
            fprintf(stderr, "gauntlet: cannot write to standard output: %s\n", strerror(errno));
            exit(EXIT_USAGE);
        }
        return;
    }
    /* Beside the destination, so that rename() stays within one file system. */
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp.%d", path, (int)getpid()) >=
        (int)sizeof temporary) {
        fprintf(stderr, "gauntlet: output path too long: %s\n", path);
        exit(EXIT_USAGE);
    }
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "gauntlet: cannot create %s: %s\n", temporary, strerror(errno));
        exit(EXIT_USAGE);
    }
    if (!writer(fd, context) || fsync(fd) != 0 || close(fd) != 0 || rename(temporary, path) != 0) {
        fprintf(stderr, "gauntlet: cannot write %s: %s\n", path, strerror(errno));
        unlink(temporary);
        exit(EXIT_USAGE);
    }
}

struct byte_span {
    const uint8_t *bytes;
    size_t len;
};

static bool write_span(int fd, const void *context)
{
    const struct byte_span *span = context;
    return fd_write_all(fd, span->bytes, span->len);
}

void write_output(const char *path, const uint8_t *bytes, size_t len)
{
    struct byte_span span = {bytes, len};
    write_output_with(path, write_span, &span);
}

void write_program_binary(const char *path, const struct program *p)
{
    uint8_t *records;
    size_t len;
    char err[512];
    if (!program_encode_binary(p, &records, &len, err, sizeof err)) {
        fprintf(stderr, "gauntlet: %s\n", err);
        exit(EXIT_USAGE);
    }
    uint8_t *file = hmem_map(PROGRAM_BINARY_HEADER_LEN + len);
    memcpy(file, PROGRAM_BINARY_HEADER, PROGRAM_BINARY_HEADER_LEN);
    memcpy(file + PROGRAM_BINARY_HEADER_LEN, records, len);
    write_output(path, file, PROGRAM_BINARY_HEADER_LEN + len);
    hmem_unmap(file, PROGRAM_BINARY_HEADER_LEN + len);
    hmem_unmap(records, len);
}

uint64_t free_bytes_at(const char *path)
{
    struct statvfs s;
    if (statvfs(path, &s) != 0) return UINT64_MAX;
    /* root may write into the blocks kept back for it */
    uint64_t blocks = geteuid() == 0 ? s.f_bfree : s.f_bavail;
    return blocks * s.f_frsize;
}

void path_printf(char *out, size_t len, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out, len, fmt, args);
    va_end(args);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "gauntlet: path too long: %.200s...\n", out);
        exit(EXIT_USAGE);
    }
}

bool make_directories(const char *path)
{
    char partial[4096];
    if (snprintf(partial, sizeof partial, "%s", path) >= (int)sizeof partial) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = partial + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(partial, 0755) != 0 && errno != EEXIST) return false;
            *p = '/';
        }
    struct stat st;
    if (mkdir(partial, 0755) == 0) return true;
    if (errno != EEXIST) return false;
    if (stat(partial, &st) == 0 && S_ISDIR(st.st_mode)) return true;
    errno = ENOTDIR;
    return false;
}
