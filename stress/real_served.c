/*
 * real_served.c — which library served a real program's malloc under
 * `gauntlet stress --cmd`. The mappings say which allocators a process
 * holds, not which one its calls reach (Debian's redis-server keeps its
 * linked jemalloc when nothing is preloaded, and maps it beside a
 * preloaded one). So the recording library is preloaded first, without a
 * trace: each process appends "PID LIBRARY" to a file (trace_format.h,
 * TRACE_ENV_SERVED_BY) and records nothing.
 */
#include "cli.h"
#include "stress.h"
#include "trace_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void real_served_environment(const char *path, char *preload, size_t len)
{
    char rest[8192];
    snprintf(rest, sizeof rest, "%s", preload);
    if (access(recorder_path(), R_OK) != 0) return; /* then only the mappings tell */
    snprintf(preload, len, "%s%s%s", recorder_path(), rest[0] ? ":" : "", rest);
    setenv(TRACE_ENV_SERVED_BY, path, 1);
}

bool real_served_read(const char *path, int leader, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[512], name[300];
    int pid;
    bool found = false, leader_found = false;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%d %299s", &pid, name) != 2) continue;
        /* the group's leader (the program, when CMD execs it) over any other */
        if (pid == leader || !leader_found) snprintf(out, len, "%s", name);
        leader_found = leader_found || pid == leader;
        found = true;
    }
    if (f) fclose(f);
    return found;
}
