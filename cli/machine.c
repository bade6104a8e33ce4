/*
 * machine.c — what this machine can give a run: the memory a process may
 * have at most (RAM and swap, the resource limits, the memory cgroup's
 * limit). A live-bytes cap above it would make a correct ENOMEM look like
 * an allocator's unexpected failure, so options that set the cap are
 * checked against it.
 */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* A "Key:   N kB" line of /proc/meminfo, in bytes; 0 when absent. */
static uint64_t meminfo_bytes(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL) return 0;
    char line[256];
    unsigned long long kib = 0;
    size_t key_len = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, key_len) == 0 && line[key_len] == ':')
            sscanf(line + key_len + 1, "%llu", &kib);
    fclose(f);
    return (uint64_t)kib * 1024;
}

/* The first number in FILE, or UINT64_MAX ("max", absent, unreadable). */
static uint64_t number_in(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return UINT64_MAX;
    unsigned long long n;
    bool read = fscanf(f, "%llu", &n) == 1;
    fclose(f);
    return read ? (uint64_t)n : UINT64_MAX;
}

/* The memory cgroup's limit (v2 memory.max, or v1 memory.limit_in_bytes). */
static uint64_t cgroup_limit(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL) return UINT64_MAX;
    char line[1024], path[1200];
    uint64_t limit = UINT64_MAX;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *where = NULL;
        if (strncmp(line, "0::", 3) == 0) {
            where = line + 3;
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", where);
        } else if (strstr(line, ":memory:")) {
            where = strstr(line, ":memory:") + 8;
            snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", where);
        }
        if (where == NULL) continue;
        uint64_t n = number_in(path);
        if (n < limit) limit = n;
    }
    fclose(f);
    return limit;
}

uint64_t machine_memory_limit(void)
{
    uint64_t limit = meminfo_bytes("MemTotal") + meminfo_bytes("SwapTotal");
    if (limit == 0) limit = UINT64_MAX;
    static const int resources[] = {RLIMIT_AS, RLIMIT_DATA};
    for (size_t i = 0; i < sizeof resources / sizeof *resources; i++) {
        struct rlimit rl;
        if (getrlimit(resources[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (uint64_t)rl.rlim_cur < limit)
            limit = rl.rlim_cur;
    }
    uint64_t cgroup = cgroup_limit();
    return cgroup < limit ? cgroup : limit;
}
