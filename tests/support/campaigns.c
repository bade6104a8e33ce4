/*
 * campaigns.c — what the campaign tests share: finding a process left
 * running, and a copy of the build whose fuzzing engine is a stand-in script.
 */
#include "campaigns.h"

#include "command.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct spawned r;

const char *process_mentioning(const char *text)
{
    static char found[512];
    DIR *proc = opendir("/proc");
    ck_assert_ptr_nonnull(proc);
    const char *result = NULL;
    for (struct dirent *e; result == NULL && (e = readdir(proc)) != NULL;) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == (int)getpid()) continue;
        char path[300], cmdline[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
        close(fd);
        if (n <= 0) continue;
        for (ssize_t i = 0; i < n; i++)
            if (cmdline[i] == '\0') cmdline[i] = ' ';
        cmdline[n] = '\0';
        if (strstr(cmdline, text)) {
            snprintf(found, sizeof found, "pid %.16s: %.400s", e->d_name, cmdline);
            result = found;
        }
    }
    closedir(proc);
    return result;
}

void fake_build(const char *root, const char *engine, const char *script, char *gauntlet,
                size_t len)
{
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/build/fuzz", root);
    const char *mkdir_argv[] = {"mkdir", "-p", dir, NULL};
    spawn_run(mkdir_argv, &r);
    ck_assert_int_eq(r.status, 0);
    snprintf(gauntlet, len, "%s/build/gauntlet", root);
    const char *cp_argv[] = {"cp", gauntlet_path(), gauntlet, NULL};
    spawn_run(cp_argv, &r);
    ck_assert_int_eq(r.status, 0);
    snprintf(path, sizeof path, "%s/%s", dir, engine);
    write_file(path, script);
    ck_assert_int_eq(chmod(path, 0755), 0);
}
