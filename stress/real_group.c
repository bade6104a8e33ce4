/*
 * real_group.c — a command's memory seen from outside: the members of its
 * process group (every /proc entry whose process group is the command's,
 * looked up at each sample so that a short-lived child is not missed), the
 * sum of their VmRSS (once the group is gone: the sum at the last sample
 * that saw all its members, so that a program's end is not read as the
 * shell's that waited for it), the phase's peak (the most of the sampled sums and of
 * the sums of each member's VmHWM, which the kernel keeps between samples),
 * the reset of VmHWM through /proc/PID/clear_refs, and the allocator
 * libraries the members map.
 *
 * The sampler thread and the main thread (phase ends) both read: one lock.
 */
#include "cli.h"
#include "stress.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MAPPED 8

struct real_group {
    pid_t pgid;
    pthread_mutex_t lock;
    char preload[PATH_MAX]; /* so:PATH resolved, or a named allocator's soname; "" for none */
    bool preload_named;
    bool preload_mapped;
    dev_t self_dev;  /* gauntlet's executable: a member still running it has not */
    ino_t self_ino;  /* executed the command yet, and is not the command's */
    size_t last_rss; /* the sum at the last sample with the most members seen */
    size_t phase_peak;
    unsigned most_members;
    unsigned long surveys;
    char mapped[MAX_MAPPED][256];
    bool mapped_preload[MAX_MAPPED];
    unsigned mapped_count;
};

struct real_group *real_group_watch(pid_t pgid, const char *preload)
{
    struct real_group *g = calloc(1, sizeof *g);
    if (g == NULL) {
        fprintf(stderr, "gauntlet stress: out of memory\n");
        exit(EXIT_USAGE);
    }
    g->pgid = pgid;
    pthread_mutex_init(&g->lock, NULL);
    struct stat self;
    if (stat("/proc/self/exe", &self) == 0) {
        g->self_dev = self.st_dev;
        g->self_ino = self.st_ino;
    }
    g->preload_named = preload && strchr(preload, '/') == NULL;
    if (preload && (g->preload_named || realpath(preload, g->preload) == NULL))
        snprintf(g->preload, sizeof g->preload, "%s", preload);
    return g;
}

void real_group_free(struct real_group *g)
{
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static pid_t group_of(const char *pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    /* pid (comm) state ppid pgrp …: comm may hold spaces and parentheses */
    const char *close_paren = strrchr(buf, ')');
    int ppid, pgrp;
    char state;
    if (close_paren == NULL || sscanf(close_paren + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
        return -1;
    return pgrp;
}

/* VmRSS and VmHWM in bytes; false for a process without memory (a zombie). */
static bool status_memory(pid_t pid, size_t *rss, size_t *hwm)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *r = strstr(buf, "\nVmRSS:"), *h = strstr(buf, "\nVmHWM:");
    if (r == NULL || h == NULL) return false;
    *rss = (size_t)strtoull(r + 7, NULL, 10) * 1024;
    *hwm = (size_t)strtoull(h + 7, NULL, 10) * 1024;
    return true;
}

/* Whether a mapped file is the library of soname: its stem followed by
 * '.', '_' or '-' (libtcmalloc.so.4 is tcmalloc's as much as
 * libtcmalloc_minimal.so.4; the loader maps libmimalloc.so.2 as
 * libmimalloc.so.2.0, the file the link names). */
static bool file_of(const char *file, const char *soname)
{
    size_t stem = strcspn(soname, "._");
    return strncmp(file, soname, stem) == 0 && file[stem] && strchr("._-", file[stem]);
}

/* Whether a mapped file is a named allocator's library (glibc's aside). */
static bool allocator_file(const char *file)
{
    for (size_t i = 0; allocator_named(i); i++) {
        const char *soname = allocator_soname(allocator_named(i));
        if (soname && strcmp(allocator_named(i), "glibc") != 0 && file_of(file, soname))
            return true;
    }
    return false;
}

static void note_mapped(struct real_group *g, const char *what, bool preloaded)
{
    for (unsigned i = 0; i < g->mapped_count; i++)
        if (strcmp(g->mapped[i], what) == 0) return;
    if (g->mapped_count == MAX_MAPPED) return;
    g->mapped_preload[g->mapped_count] = preloaded;
    snprintf(g->mapped[g->mapped_count++], 256, "%s", what);
}

static void read_mappings(struct real_group *g, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) return;
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof line, f)) {
        char *file = strchr(line, '/');
        if (file == NULL) continue;
        file[strcspn(file, "\n")] = '\0';
        const char *base = strrchr(file, '/') + 1;
        bool preloaded = g->preload_named ? file_of(base, g->preload)
                                          : g->preload[0] && strcmp(file, g->preload) == 0;
        if (preloaded) {
            g->preload_mapped = true;
            note_mapped(g, g->preload_named ? base : file, true);
        } else if (allocator_file(base)) {
            note_mapped(g, base, false);
        }
    }
    fclose(f);
}

/* Reads a member's mappings, since a library can come late (dlopen) and a
 * sample can fall between exec and the loader's work: at every sample until
 * the preloaded library is seen (the first 50 with none), then at every
 * tenth and at phase ends (`always`); reading them costs more than the rest
 * of a sample. False for a member that is still gauntlet's fork. */
static bool check_program(struct real_group *g, pid_t pid, bool always)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    if (stat(path, &st) != 0) return true;
    if (st.st_dev == g->self_dev && st.st_ino == g->self_ino) return false;
    bool settled = g->preload[0] ? g->preload_mapped : g->surveys > 50;
    if (always || !settled || g->surveys % 10 == 0) read_mappings(g, pid);
    return true;
}

/* One pass over /proc (the lock held): sums, peaks, mappings; with `reset`
 * each member's VmHWM is reset afterwards (at a phase end). */
static size_t survey(struct real_group *g, bool phase_end, bool reset)
{
    g->surveys++;
    DIR *d = opendir("/proc");
    if (d == NULL) return g->last_rss;
    size_t rss_sum = 0, hwm_sum = 0;
    unsigned members = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || group_of(e->d_name) != g->pgid) continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        size_t rss, hwm;
        if (!check_program(g, pid, phase_end) || !status_memory(pid, &rss, &hwm)) continue;
        rss_sum += rss;
        hwm_sum += hwm > rss ? hwm : rss;
        members++;
        if (reset) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
            int fd = open(path, O_WRONLY | O_CLOEXEC);
            if (fd >= 0 && write(fd, "5", 1) != 1) fprintf(stderr, "gauntlet stress: %s\n", path);
            if (fd >= 0) close(fd);
        }
    }
    closedir(d);
    if (members == 0) return g->last_rss;
    if (members >= g->most_members) {
        g->most_members = members;
        g->last_rss = rss_sum;
    }
    if (hwm_sum > g->phase_peak) g->phase_peak = hwm_sum;
    return rss_sum;
}

size_t real_group_sample(void *group)
{
    struct real_group *g = group;
    pthread_mutex_lock(&g->lock);
    size_t rss = survey(g, false, false);
    pthread_mutex_unlock(&g->lock);
    return rss;
}

void real_group_phase(struct real_group *g, bool reset, size_t *rss, size_t *peak)
{
    pthread_mutex_lock(&g->lock);
    *rss = survey(g, true, reset);
    *peak = g->phase_peak > *rss ? g->phase_peak : *rss;
    if (reset) g->phase_peak = *rss;
    pthread_mutex_unlock(&g->lock);
}

unsigned real_group_most_members(struct real_group *g)
{
    pthread_mutex_lock(&g->lock);
    unsigned n = g->most_members;
    pthread_mutex_unlock(&g->lock);
    return n;
}

json_t *real_group_mapped(struct real_group *g, bool others_only)
{
    json_t *a = json_array();
    pthread_mutex_lock(&g->lock);
    for (unsigned i = 0; i < g->mapped_count; i++)
        if (!others_only || !g->mapped_preload[i])
            json_array_append_new(a, json_string(g->mapped[i]));
    pthread_mutex_unlock(&g->lock);
    return a;
}

bool real_group_preload_mapped(struct real_group *g)
{
    pthread_mutex_lock(&g->lock);
    bool mapped = g->preload_mapped;
    pthread_mutex_unlock(&g->lock);
    return mapped;
}
