/*
 * cmd_list.c — `gauntlet list`, and the question "is this allocator usable
 * here?" asked by the other commands. Each allocator is opened in a child
 * process: loading some pairs into one process aborts (gperftools' two
 * libraries), and the parent must stay clean for the runs it forks.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Opens NAME in a child; its report (version or error) comes back in `said`. */
static bool probe(const char *name, char *said, size_t said_len)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        snprintf(said, said_len, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        struct allocator a;
        char err[1024];
        bool ok = allocator_open(name, &a, err, sizeof err);
        char line[1400];
        int n = ok ? snprintf(line, sizeof line, "%s\t%s", a.version, a.policy->notes)
                   : snprintf(line, sizeof line, "%s", err);
        if (write(pipe_fds[1], line, (size_t)n) < 0) _exit(3);
        _exit(ok ? 0 : 1);
    }
    close(pipe_fds[1]);
    size_t used = 0;
    ssize_t n;
    while (used + 1 < said_len && (n = read(pipe_fds[0], said + used, said_len - used - 1)) > 0)
        used += (size_t)n;
    said[used] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return false;
    if (WIFSIGNALED(status))
        snprintf(said, said_len, "%s: loading it killed the process (signal %d)", name,
                 WTERMSIG(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool allocator_installed(const char *name, char *err, size_t err_len)
{
    return probe(name, err, err_len);
}

unsigned add_allocator_names(const char *command, char *list, const char **names, unsigned count,
                             unsigned capacity)
{
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        if (strcmp(name, "all") == 0) {
            char err[512];
            for (const char *const *n = named_allocators; *n; n++)
                if (count < capacity && allocator_installed(*n, err, sizeof err))
                    names[count++] = *n;
            continue;
        }
        if (count == capacity) usage_error(command, "at most %u allocators at once", capacity);
        names[count++] = name;
    }
    return count;
}

int cmd_list(int argc, char **argv)
{
    if (argc > 1 && is_help(argv[1])) {
        puts("usage: gauntlet list\n\nThe allocators available here, with their versions and the "
             "behaviours\ntheir table allows (see README, \"Per-allocator table\").\n"
             "so:PATH loads any library exporting the standard malloc API.");
        return 0;
    }
    if (argc > 1) usage_error("list", "takes no arguments");
    int available = 0;
    for (const char *const *name = named_allocators; *name; name++) {
        char said[1400];
        bool ok = probe(*name, said, sizeof said);
        char *tab = strchr(said, '\t');
        if (tab) *tab = '\0';
        if (ok) {
            printf("%-9s %s\n          %s\n", *name, said, tab ? tab + 1 : "");
            available++;
        } else {
            printf("%-9s not available: %s\n", *name, said);
        }
    }
    printf("so:PATH   any shared library exporting malloc/free (e.g. "
           "so:/opt/je/lib/libjemalloc.so.2)\n");
    return available > 0 ? 0 : EXIT_USAGE;
}
