/*
 * cmd_list.c — `gauntlet list`, and the question "is this allocator usable
 * here?" asked by the other commands (allocator_installed, add_allocator_names).
 * Each allocator is opened in a child process: loading some pairs into one
 * process aborts (gperftools' two libraries), and the parent must stay clean
 * for the runs it starts.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's part of probe(): opens the allocator and says who it is, or why not. */
static int say_who(void *arg)
{
    const char *name = arg;
    struct allocator a;
    char err[1024];
    if (!allocator_open(name, &a, err, sizeof err)) {
        fputs(err, stderr);
        return 1;
    }
    const char *sized = sized_free_plain_symbol(a.sized_free);
    const char *collect = own_call_symbol(OP_COLLECT, a.own.collect.how, false);
    const char *expand = own_call_symbol(OP_EXPAND, a.own.expand.how, false);
    const char *aligned = own_call_symbol(OP_REALLOC_ALIGNED, a.own.realloc_aligned.how, false);
    const char *at = own_call_symbol(OP_MALLOC_ALIGNED_AT, a.own.aligned_at.how, false);
    const char *heap = own_call_symbol(OP_HEAP_MALLOC, a.own.heap_malloc.how, false);
    const char *predict = own_call_symbol(OP_PREDICT, a.own.predict.how, false);
    const char *zalloc = own_call_symbol(OP_ZALLOC, a.own.zalloc.how, false);
    const char *rezalloc = own_call_symbol(OP_REZALLOC, a.own.rezalloc.how, false);
    fprintf(stderr,
            "%s\t%s\n          own calls: sized free %s, collect %s, expand %s, "
            "realloc_aligned %s, malloc_aligned_at %s, heaps %s, predict %s, zalloc %s, "
            "rezalloc %s, C++ new %s",
            a.version, a.policy->notes, sized ? sized : "none", collect ? collect : "none",
            expand ? expand : "none", aligned ? aligned : "none", at ? at : "none",
            heap ? heap : "none", predict ? predict : "none", zalloc ? zalloc : "none",
            rezalloc ? rezalloc : "none", a.own.cxx.new_plain ? "yes" : "none");
    return 0;
}

/* Opens NAME in a child; its report (version or error) comes back in `said`. */
static bool probe(const char *name, char *said, size_t said_len)
{
    struct process p = {.call = say_who, .arg = (void *)name, .err = said, .err_size = said_len};
    said[0] = '\0';
    if (process_run(&p, 60) < 0 && !p.ended) {
        snprintf(said, said_len, "cannot start a child: %s", strerror(errno));
        return false;
    }
    if (WIFSIGNALED(p.status))
        snprintf(said, said_len, "%s: loading it killed the process (signal %d)", name,
                 WTERMSIG(p.status));
    return WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0;
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
            for (size_t k = 0; allocator_named(k); k++)
                if (count < capacity && allocator_installed(allocator_named(k), err, sizeof err))
                    names[count++] = allocator_named(k);
            continue;
        }
        if (count == capacity) usage_error(command, "at most %u allocators at once", capacity);
        names[count++] = name;
    }
    return count;
}

/* The settings worth a run besides the allocator's defaults, as options. */
static void print_settings(const char *name)
{
    const char *why;
    for (size_t i = 0; allocator_suggested_settings(name, i, &why); i++) {
        printf("          settings worth a run:");
        char settings[512];
        snprintf(settings, sizeof settings, "%s", allocator_suggested_settings(name, i, NULL));
        for (char *one = strtok(settings, " "); one; one = strtok(NULL, " "))
            printf(" --alloc-env %s", one);
        printf("\n            (%s)\n", why);
    }
}

int cmd_list(int argc, char **argv)
{
    if (argc > 1 && is_help(argv[1])) {
        puts("usage: gauntlet list [--registry]\n\nThe allocators available here, with their "
             "versions and the behaviours\ntheir table allows (see README, \"Per-allocator "
             "table\").\nso:PATH loads any library exporting the standard malloc API.\n"
             "--registry: every named allocator and its library, one \"NAME SONAME\" a line,\n"
             "installed or not (for scripts).\n"
             "--settings: the settings worth a run besides each named allocator's defaults,\n"
             "one \"NAME<TAB>NAME=VALUE...\" a line (space-separated: each an --alloc-env).");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--registry") == 0) {
        for (size_t k = 0; allocator_named(k); k++)
            printf("%s %s\n", allocator_named(k), allocator_soname(allocator_named(k)));
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--settings") == 0) {
        for (size_t k = 0; allocator_named(k); k++)
            for (size_t i = 0; allocator_suggested_settings(allocator_named(k), i, NULL); i++)
                printf("%s\t%s\n", allocator_named(k),
                       allocator_suggested_settings(allocator_named(k), i, NULL));
        return 0;
    }
    if (argc > 1) usage_error("list", "unexpected argument: %s", argv[1]);
    int available = 0;
    for (size_t k = 0; allocator_named(k); k++) {
        const char *name = allocator_named(k);
        char said[1400];
        bool ok = probe(name, said, sizeof said);
        char *tab = strchr(said, '\t');
        if (tab) *tab = '\0';
        if (ok) {
            printf("%-9s %s\n          %s\n", name, said, tab ? tab + 1 : "");
            print_settings(name);
            available++;
        } else {
            printf("%-9s not available: %s\n", name, said);
        }
    }
    printf("so:PATH   any shared library exporting malloc/free (e.g. "
           "so:/opt/je/lib/libjemalloc.so.2)\n");
    return available > 0 ? 0 : EXIT_USAGE;
}
