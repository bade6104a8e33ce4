/*
 * command.c — running commands from tests (see command.h).
 */
#include "command.h"

#include <check.h>

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *gauntlet_path(void)
{
    const char *p = getenv("GAUNTLET");
    return p ? p : "build/gauntlet";
}

const char *defective_dir(void)
{
    const char *p = getenv("DEFECTIVE_DIR");
    return p ? p : "build/defective";
}

void defective_library(char *buf, size_t len, const char *defect)
{
    snprintf(buf, len, "so:%s/libdefect_%s.so", defective_dir(), defect);
}

/* Temporary directories go when the test's process ends (Check runs each
 * test in a child of its own), so CI machines do not fill up. */
static char made[64][128];
static int made_count;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_temp_dirs(void)
{
    for (int i = 0; i < made_count; i++)
        nftw(made[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void make_temp_dir(char *path, size_t len)
{
    snprintf(path, len, "/tmp/gauntlet-test-XXXXXX");
    if (mkdtemp(path) == NULL) abort();
    if (made_count == 0) atexit(remove_temp_dirs);
    if (made_count < 64) snprintf(made[made_count++], sizeof made[0], "%s", path);
}

static void slurp(int fd, char *buf, size_t len)
{
    size_t used = 0;
    lseek(fd, 0, SEEK_SET);
    ssize_t n;
    while (used + 1 < len && (n = read(fd, buf + used, len - used - 1)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
}

void spawn_run(const char *const argv[], struct spawned *result)
{
    const char *args[64];
    size_t n = 0;
    for (; argv[n] && n < 63; n++)
        args[n] = argv[n];
    args[n] = NULL;
    if (strcmp(args[0], "gauntlet") == 0) args[0] = gauntlet_path();
    FILE *out = tmpfile(), *err = tmpfile();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fileno(out), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fileno(err), STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    /* A group of its own, killed whole once it ended: nothing a hostile
     * allocator forked outlives the test. */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    int status = 0;
    if (posix_spawnp(&pid, args[0], &actions, &attr, (char *const *)args, environ) != 0) {
        result->status = 127;
    } else {
        waitpid(pid, &status, 0);
        kill(-pid, SIGKILL);
        result->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    slurp(fileno(out), result->out, sizeof result->out);
    slurp(fileno(err), result->err, sizeof result->err);
    fclose(out);
    fclose(err);
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

void write_binary_program(const char *path, const char *text)
{
    char source[4096];
    snprintf(source, sizeof source, "%s.txt", path);
    write_file(source, text);
    const char *encode[] = {"gauntlet", "encode", source, "-o", path, NULL};
    struct spawned r;
    spawn_run(encode, &r);
    ck_assert_msg(r.status == 0, "encode %s: %s", source, r.err);
    unlink(source);
}

bool allocator_unavailable(const char *name)
{
    static struct spawned listed;
    const char *list[] = {"gauntlet", "list", NULL};
    spawn_run(list, &listed);
    size_t n = strlen(name);
    for (const char *line = listed.out; *line; line += strcspn(line, "\n"), line += *line == '\n')
        if (strncmp(line, name, n) == 0 && line[n] == ' ')
            return strncmp(line + n + strspn(line + n, " "), "not available", 13) == 0;
    return true; /* not listed at all */
}
