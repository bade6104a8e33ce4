/*
 * measure.c — what the kernel says of the process's memory: resident set
 * (statm), its peak (VmHWM) and the reset of that peak (clear_refs), plus
 * the machine settings a memory figure depends on, and the address layout
 * every stress child is started with. Reads go through file
 * descriptors and stack buffers: no allocation while measuring.
 */
#include "cli.h"
#include "stress.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/personality.h>
#include <unistd.h>

static size_t read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

size_t statm_resident_bytes(const char *statm)
{
    unsigned long size, resident;
    if (sscanf(statm, "%lu %lu", &size, &resident) != 2) return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

size_t proc_rss_bytes(void)
{
    char buf[128];
    if (read_file("/proc/self/statm", buf, sizeof buf) == 0) return 0;
    return statm_resident_bytes(buf);
}

size_t proc_peak_bytes(void)
{
    char buf[4096];
    if (read_file("/proc/self/status", buf, sizeof buf) == 0) return 0;
    const char *line = strstr(buf, "\nVmHWM:");
    if (line == NULL) return 0;
    return (size_t)strtoull(line + 7, NULL, 10) * 1024;
}

bool proc_reset_peak(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void thp_setting(char *out, size_t len)
{
    char buf[256];
    snprintf(out, len, "?");
    if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) == 0) return;
    /* "always [madvise] never": the bracketed word is the setting */
    const char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
    if (close) snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

/* glibc's RSS depends on where the kernel puts the mappings: the same
 * replay, the same calls, took 178 MiB instead of 132 in 3 runs of 32 with
 * randomization, and 132 in every run without. A baseline must compare like
 * with like, so stress children run with a fixed layout unless --aslr asks
 * otherwise (the personality flag is inherited, and takes effect at exec). */
int layout_fix(const struct stress_params *p)
{
    int saved = personality(0xffffffff);
    if (saved != -1 && !p->aslr) personality((unsigned long)saved | ADDR_NO_RANDOMIZE);
    return saved;
}

void layout_restore(int saved)
{
    if (saved != -1) personality((unsigned long)saved);
}

int spawn_stress_child(const char *const argv[], const char *log_path,
                       const struct stress_params *p, double seconds, bool *timed_out,
                       bool *leftovers)
{
    int saved = layout_fix(p);
    struct process child = {.argv = argv, .out_path = log_path};
    int status = process_run(&child, seconds);
    layout_restore(saved);
    process_honour_stop(&child);
    *timed_out = child.timed_out;
    *leftovers = child.leftovers;
    return status;
}

bool layout_randomized(void)
{
    int current = personality(0xffffffff);
    return current == -1 || !(current & ADDR_NO_RANDOMIZE);
}
