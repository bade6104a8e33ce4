/*
 * zero_check.c — whether memory reads as zero (calloc's contract), exactly,
 * over the whole range, without faulting in pages that cannot hold anything
 * else. A page of a private anonymous mapping that is neither present nor
 * swapped out reads as zero: the kernel maps its zero page, or a fresh zeroed
 * page, on the first touch. Reading such pages only costs a fault each
 * (8 MiB of a fresh calloc: 2,048 faults, about 2 ms here), so for large
 * ranges /proc/self/pagemap says which pages exist, /proc/self/maps confirms
 * that the mapping is private, anonymous and readable, and only the pages
 * that exist are read. Everything else (small ranges, partial pages, any
 * mapping or page state not positively known, /proc unreadable) is read
 * byte for byte, as first_nonzero_byte does. None of it is instrumented for
 * coverage: which way a range is read is the harness's business, and a
 * fuzzer rewarded for reaching the page walk would dwell on large callocs.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Below this many whole pages (or pages that could be skipped), reading is
 * cheaper than asking /proc. */
#define MIN_PAGES 64
/* Pagemap entries read at a time (one 4 KiB buffer on the stack). */
#define ENTRY_BATCH 512

/* Pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). A page may
 * be skipped only when none is set: present, swapped (swap and migration
 * entries), file-page or shared-anonymous, userfaultfd write-protected, and
 * guard region (reading it would fault; the reading path reports that). */
#define PM_PRESENT       (UINT64_C(1) << 63)
#define PM_SWAP          (UINT64_C(1) << 62)
#define PM_FILE_OR_SHM   (UINT64_C(1) << 61)
#define PM_GUARD_REGION  (UINT64_C(1) << 58)
#define PM_UFFD_WP       (UINT64_C(1) << 57)
#define PM_MAY_HOLD_DATA (PM_PRESENT | PM_SWAP | PM_FILE_OR_SHM | PM_GUARD_REGION | PM_UFFD_WP)

/* /proc/self/pagemap, opened once per process: a descriptor inherited
 * across fork() describes the parent's pages, so the pid is kept with it
 * (one word: pid << 32 | descriptor, UINT32_MAX for "not to be trusted";
 * 0 before the first open). */
static _Atomic uint64_t pagemap_owner;

NO_COVERAGE static bool read_entries(int fd, uintptr_t page, size_t pages, uint64_t *entries);

/* Whether the pagemap tells the truth: a page just written must show as
 * present (or swapped). An emulated or blanked pagemap (all zeros) would
 * have every page skipped as empty; then every byte is read instead. */
NO_COVERAGE static bool pagemap_trustworthy(int fd)
{
    volatile uint8_t probe[1];
    probe[0] = 1;
    uint64_t entry;
    return read_entries(fd, (uintptr_t)probe, 1, &entry) && (entry & (PM_PRESENT | PM_SWAP)) != 0 &&
           probe[0] == 1;
}

NO_COVERAGE static int pagemap(void)
{
    uint64_t pid = (uint64_t)getpid(), seen = atomic_load(&pagemap_owner);
    if (seen >> 32 == pid) return (uint32_t)seen == UINT32_MAX ? -1 : (int)(uint32_t)seen;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    uint32_t kept = (uint32_t)fd;
    if (!pagemap_trustworthy(fd)) {
        close(fd);
        fd = -1;
        kept = UINT32_MAX;
    }
    /* A descriptor inherited from the parent (seen) is left open: this
     * process may have closed it and reused the number since (it is
     * O_CLOEXEC, and gone at the next exec). */
    if (atomic_compare_exchange_strong(&pagemap_owner, &seen, pid << 32 | kept)) return fd;
    if (fd >= 0) close(fd); /* another thread got there first: read this range instead */
    return -1;
}

NO_COVERAGE static bool read_entries(int fd, uintptr_t page, size_t pages, uint64_t *entries)
{
    size_t want = pages * sizeof *entries, done = 0;
    off_t at = (off_t)((page / (uintptr_t)getpagesize()) * sizeof *entries);
    while (done < want) {
        ssize_t n = pread(fd, (char *)entries + done, want - done, at + (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += (size_t)n;
    }
    return true;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode [path]". */
NO_COVERAGE static bool parse_vma(const char *line, uintptr_t *start, uintptr_t *end,
                                  bool *anonymous)
{
    char *rest;
    *start = (uintptr_t)strtoull(line, &rest, 16);
    if (*rest != '-') return false;
    *end = (uintptr_t)strtoull(rest + 1, &rest, 16);
    if (*rest != ' ' || strlen(rest) < 6) return false;
    const char *perms = rest + 1;
    bool private_readable = perms[0] == 'r' && perms[3] == 'p';
    strtoull(perms + 5, &rest, 16); /* offset */
    const char *dev = rest + 1;
    bool no_device = strncmp(dev, "00:00 ", 6) == 0;
    unsigned long long inode = strtoull(dev + 6, &rest, 10);
    while (*rest == ' ')
        rest++;
    bool unnamed = *rest == '\0' || *rest == '\n' || strncmp(rest, "[heap]", 6) == 0 ||
                   strncmp(rest, "[anon:", 6) == 0;
    *anonymous = private_readable && no_device && inode == 0 && unnamed;
    return true;
}

/* True when [lo, hi) lies wholly in private anonymous readable mappings
 * (possibly several adjacent ones). The file is read in chunks and left as
 * soon as the range is covered, so the kernel writes only the lines up to it. */
NO_COVERAGE static bool private_anonymous(uintptr_t lo, uintptr_t hi)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[4096 + 1];
    size_t kept = 0;
    uintptr_t covered = lo; /* [lo, covered) is known to qualify */
    bool verdict = false, finished = false;
    while (!finished) {
        ssize_t n = read(fd, buf + kept, sizeof buf - 1 - kept);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        kept += (size_t)n;
        buf[kept] = '\0';
        char *line = buf, *newline;
        while (!finished && (newline = strchr(line, '\n')) != NULL) {
            *newline = '\0';
            uintptr_t start, end;
            bool anonymous;
            if (!parse_vma(line, &start, &end, &anonymous)) finished = true;
            if (!finished && end > covered) {
                if (start > covered || !anonymous)
                    finished = true; /* a hole or another kind of mapping */
                else if ((covered = end) >= hi)
                    verdict = finished = true;
            }
            line = newline + 1;
        }
        kept = (size_t)(buf + kept - line);
        memmove(buf, line, kept);
        if (kept == sizeof buf - 1) break; /* a line longer than the buffer */
    }
    close(fd);
    return verdict;
}

/* Reads [from, to) of the block: the first nonzero byte, if any. */
NO_COVERAGE static bool read_span(const uint8_t *block, size_t from, size_t to, size_t *offset,
                                  uint8_t *value)
{
    if (!first_nonzero_byte(block + from, to - from, offset, value)) return false;
    *offset += from;
    return true;
}

/* How many pages of [lo, hi) hold nothing yet (0 when pagemap is unreadable). */
NO_COVERAGE static size_t empty_pages(int fd, uintptr_t lo, uintptr_t hi)
{
    const uintptr_t page = (uintptr_t)getpagesize();
    uint64_t entries[ENTRY_BATCH];
    size_t empty = 0;
    for (uintptr_t at = lo; at < hi;) {
        size_t pages = (hi - at) / page < ENTRY_BATCH ? (hi - at) / page : ENTRY_BATCH;
        if (!read_entries(fd, at, pages, entries)) return 0;
        for (size_t k = 0; k < pages; k++)
            empty += !(entries[k] & PM_MAY_HOLD_DATA);
        at += pages * page;
    }
    return empty;
}

/* The whole pages [lo, hi) of the block, in order: pages that may hold data
 * are read, the others skipped. Asking /proc/self/maps costs about as much
 * as faulting in MIN_PAGES pages, so it is asked only when at least that
 * many could be skipped; the page states are then read again, and each page
 * is judged on what the second reading says. */
NO_COVERAGE static bool check_pages(const uint8_t *block, uintptr_t lo, uintptr_t hi,
                                    size_t *offset, uint8_t *value)
{
    const uintptr_t base = (uintptr_t)block, page = (uintptr_t)getpagesize();
    int fd = pagemap();
    if (fd < 0 || empty_pages(fd, lo, hi) < MIN_PAGES || !private_anonymous(lo, hi))
        return read_span(block, lo - base, hi - base, offset, value);
    uint64_t entries[ENTRY_BATCH];
    for (uintptr_t at = lo; at < hi;) {
        size_t pages = (hi - at) / page < ENTRY_BATCH ? (hi - at) / page : ENTRY_BATCH;
        uintptr_t batch_end = at + pages * page;
        if (!read_entries(fd, at, pages, entries))
            return read_span(block, at - base, hi - base, offset, value);
        uintptr_t run = at; /* start of the pages still to read */
        for (size_t k = 0; k < pages; k++) {
            uintptr_t p = at + k * page;
            if (entries[k] & PM_MAY_HOLD_DATA) continue;
            if (run < p && read_span(block, run - base, p - base, offset, value)) return true;
            run = p + page;
        }
        if (run < batch_end && read_span(block, run - base, batch_end - base, offset, value))
            return true;
        at = batch_end;
    }
    return false;
}

NO_COVERAGE bool find_nonzero_byte(const void *block, size_t size, size_t *offset, uint8_t *value)
{
    const uint8_t *bytes = block;
    const uintptr_t base = (uintptr_t)block, page = (uintptr_t)getpagesize();
    uintptr_t lo = (base + page - 1) & ~(page - 1), hi = (base + size) & ~(page - 1);
    if (size < MIN_PAGES * page || base + size < base || hi < lo + MIN_PAGES * page)
        return first_nonzero_byte(block, size, offset, value);
    return read_span(bytes, 0, lo - base, offset, value) ||
           check_pages(bytes, lo, hi, offset, value) ||
           read_span(bytes, hi - base, size, offset, value);
}
