/*
 * crash_site.c — where a crash happened, as a signature can carry it: the
 * loaded object holding the faulting instruction and its offset in that
 * object's file ("libjemalloc.so.2+0x1a2b3"), the same from run to run of
 * the same build whatever the address layout. A fault inside the C library
 * (memcpy, a mutex, abort) says where every such crash ends, not which bug
 * led there: the site is then the return address into the object that
 * called it, the first word on the stack that points into code outside the
 * C library. Called from a signal handler: it reads /proc/self/maps with
 * open/read into static memory and calls nothing that allocates or locks.
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MAX_CODE_MAPPINGS 512
#define PATH_POOL         (64 * 1024)
#define STACK_WORDS       256 /* how far above the stack pointer a caller is looked for */

/* An executable mapping of a file, or the stack's mapping. */
struct mapping {
    uintptr_t start, end, offset;
    unsigned path;    /* into path_pool */
    unsigned library; /* the object: mappings of one file share it */
};

static struct mapping code[MAX_CODE_MAPPINGS];
static unsigned code_count;
static char path_pool[PATH_POOL];
static unsigned pool_used;
static uintptr_t stack_end; /* the end of the mapping holding the stack pointer */

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

/* One line of /proc/self/maps: "start-end perms offset dev inode path". */
static void take_line(const char *line, uintptr_t sp)
{
    uintptr_t start, end, offset;
    const char *s = hex_field(line, &start);
    if (*s != '-') return;
    s = hex_field(s + 1, &end);
    s = skip_field(s);
    bool executable = s[2] == 'x';
    s = skip_field(s);
    hex_field(s, &offset);
    s = skip_field(skip_field(skip_field(s))); /* offset, dev, inode */
    size_t path_len = strcspn(s, "\n");
    if (sp >= start && sp < end) stack_end = end;
    if (!executable || s[0] != '/' || code_count == MAX_CODE_MAPPINGS ||
        pool_used + path_len + 1 > PATH_POOL)
        return;
    struct mapping *m = &code[code_count];
    *m = (struct mapping){start, end, offset, pool_used, code_count};
    for (unsigned i = 0; i < code_count; i++)
        if (strncmp(path_pool + code[i].path, s, path_len) == 0 &&
            path_pool[code[i].path + path_len] == '\0')
            m->library = code[i].library;
    memcpy(path_pool + pool_used, s, path_len);
    path_pool[pool_used + path_len] = '\0';
    pool_used += (unsigned)path_len + 1;
    code_count++;
}

static void read_mappings(uintptr_t sp)
{
    static char buffer[8192];
    code_count = pool_used = 0;
    stack_end = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    size_t held = 0;
    for (;;) {
        ssize_t got = read(fd, buffer + held, sizeof buffer - 1 - held);
        if (got <= 0) break;
        held += (size_t)got;
        buffer[held] = '\0';
        char *line = buffer, *newline;
        while ((newline = strchr(line, '\n')) != NULL) {
            take_line(line, sp);
            line = newline + 1;
        }
        held = (size_t)(buffer + held - line);
        memmove(buffer, line, held);
        if (held == sizeof buffer - 1) held = 0; /* a line longer than the buffer */
    }
    close(fd);
}

static const struct mapping *code_at(uintptr_t address)
{
    for (unsigned i = 0; i < code_count; i++)
        if (address >= code[i].start && address < code[i].end) return &code[i];
    return NULL;
}

/* The object's name, without its directories; spaces as '_' (a signature
 * is one word); then +0xOFFSET. */
static void write_site(const struct mapping *m, uintptr_t address, char *out, size_t len)
{
    const char *path = path_pool + m->path, *name = path;
    for (const char *c = path; *c; c++)
        if (*c == '/') name = c + 1;
    size_t j = 0;
    for (; *name && j + 1 < len; name++)
        out[j++] = *name == ' ' ? '_' : *name;
    static const char digits[] = "0123456789abcdef";
    uintptr_t offset = address - m->start + m->offset;
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

bool crash_site_of(uintptr_t pc, uintptr_t sp, uintptr_t libc_pc, char *out, size_t len)
{
    read_mappings(sp);
    const struct mapping *at = code_at(pc), *libc = code_at(libc_pc);
    if (at == NULL) return false;
    if (libc && at->library == libc->library) {
        /* The caller's return address, in the words above the stack pointer
         * that the stack's own mapping holds. */
        at = NULL;
        uintptr_t limit = sp + STACK_WORDS * sizeof(uintptr_t);
        if (stack_end && limit > stack_end) limit = stack_end;
        for (uintptr_t w = sp; stack_end && w + sizeof(uintptr_t) <= limit && !at;
             w += sizeof(uintptr_t)) {
            uintptr_t value;
            memcpy(&value, (const void *)w, sizeof value);
            const struct mapping *m = code_at(value);
            if (m && m->library != libc->library) {
                at = m;
                pc = value;
            }
        }
        if (at == NULL) return false;
    }
    write_site(at, pc, out, len);
    return true;
}
