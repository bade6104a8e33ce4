/*
 * crash_site.c — where a crash happened, as a signature can carry it: the
 * loaded object holding the faulting instruction and its offset in that
 * object's file ("libjemalloc.so.2+0x1a2b3"), the same from run to run of
 * the same build whatever the address layout. Called from a signal
 * handler: it reads /proc/self/maps with open/read into static memory and
 * calls nothing that allocates or locks.
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* One line of /proc/self/maps: "start-end perms offset dev inode path". */
struct mapping {
    uintptr_t start, end, offset;
    const char *path; /* into the line; "" for an anonymous mapping */
    size_t path_len;
};

static const char *hex_field(const char *s, uintptr_t *value)
{
    uintptr_t v = 0;
    for (;; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9')
            digit = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            digit = (unsigned)(*s - 'a' + 10);
        else
            break;
        v = v * 16 + digit;
    }
    *value = v;
    return s;
}

static const char *skip_field(const char *s)
{
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

static bool parse_mapping(const char *line, struct mapping *m)
{
    const char *s = hex_field(line, &m->start);
    if (*s != '-') return false;
    s = hex_field(s + 1, &m->end);
    s = skip_field(skip_field(s)); /* perms */
    hex_field(s, &m->offset);
    s = skip_field(skip_field(skip_field(s))); /* offset, dev, inode */
    m->path = s;
    m->path_len = strcspn(s, "\n");
    return true;
}

/* The object's name, without its directories; spaces as '_' (a signature
 * is one word). */
static void write_site(const struct mapping *m, uintptr_t pc, char *out, size_t len)
{
    const char *name = m->path;
    for (size_t i = 0; i < m->path_len; i++)
        if (m->path[i] == '/') name = m->path + i + 1;
    size_t name_len = (size_t)(m->path + m->path_len - name), j = 0;
    for (size_t i = 0; i < name_len && j + 1 < len; i++)
        out[j++] = name[i] == ' ' ? '_' : name[i];
    static const char digits[] = "0123456789abcdef";
    uintptr_t offset = pc - m->start + m->offset;
    char hex[2 * sizeof offset + 1];
    size_t n = 0;
    do {
        hex[n++] = digits[offset % 16];
        offset /= 16;
    } while (offset);
    if (j + 3 + n < len) {
        out[j++] = '+';
        out[j++] = '0';
        out[j++] = 'x';
        while (n)
            out[j++] = hex[--n];
    }
    out[j] = '\0';
}

/* Calls found(m, arg) for each mapping until it returns true. */
static bool each_mapping(bool (*found)(const struct mapping *, void *), void *arg)
{
    static char buffer[8192];
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    size_t held = 0;
    bool done = false;
    for (;;) {
        ssize_t got = read(fd, buffer + held, sizeof buffer - 1 - held);
        if (got <= 0) break;
        held += (size_t)got;
        buffer[held] = '\0';
        char *line = buffer, *newline;
        while (!done && (newline = strchr(line, '\n')) != NULL) {
            struct mapping m;
            if (parse_mapping(line, &m)) done = found(&m, arg);
            line = newline + 1;
        }
        if (done) break;
        held = (size_t)(buffer + held - line);
        memmove(buffer, line, held);
        if (held == sizeof buffer - 1) held = 0; /* a line longer than the buffer */
    }
    close(fd);
    return done;
}

/* The paths are copied: the buffer they were read into is refilled. */
struct site_query {
    uintptr_t pc, libc_pc;
    struct mapping at;
    char at_path[512], libc_path[512];
    bool have_at, have_libc;
};

static bool match_mapping(const struct mapping *m, void *arg)
{
    struct site_query *q = arg;
    if (q->pc >= m->start && q->pc < m->end && m->path_len > 0 && m->path[0] == '/' &&
        m->path_len < sizeof q->at_path) {
        q->at = *m;
        memcpy(q->at_path, m->path, m->path_len);
        q->at.path = q->at_path;
        q->have_at = true;
    }
    if (q->libc_pc >= m->start && q->libc_pc < m->end && m->path_len < sizeof q->libc_path) {
        memcpy(q->libc_path, m->path, m->path_len);
        q->libc_path[m->path_len] = '\0';
        q->have_libc = true;
    }
    return q->have_at && q->have_libc;
}

bool crash_site_of(uintptr_t pc, uintptr_t libc_pc, char *out, size_t len)
{
    struct site_query q = {.pc = pc, .libc_pc = libc_pc};
    each_mapping(match_mapping, &q);
    if (!q.have_at) return false;
    /* In the C library (abort, memcpy): the instruction says where every
     * such crash ends, not which bug led there. */
    if (q.have_libc && q.at.path_len == strlen(q.libc_path) &&
        memcmp(q.at_path, q.libc_path, q.at.path_len) == 0)
        return false;
    write_site(&q.at, pc, out, len);
    return true;
}
