/*
 * cmd_triage.c — `gauntlet triage DIR`: the distinct findings of a fuzzing
 * campaign. Collects the engines' finding files (libFuzzer's crash-, timeout-,
 * oom- and leak- files in DIR; AFL++'s id: files in DIR/INSTANCE/crashes;
 * .txt and .bin files in DIR/findings), replays each in a fresh process
 * (child_run_file, child_run.c), and groups them by allocator and
 * signature (gauntlet.h), so that a thousand crash files of one bug read as
 * one line.
 */
#include "cli.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char triage_help[] =
    "usage: gauntlet triage --alloc NAME[,NAME...]|all [options] DIR\n"
    "\n"
    "Replays every finding of a campaign directory in a fresh process and lists the\n"
    "distinct ones, keyed by allocator and the finding's signature (invariant,\n"
    "failure, operation, size band), with a count and one representative file.\n"
    "Findings are:\n"
    "  DIR/crash-*, DIR/timeout-*, DIR/oom-*, DIR/leak-*     (libFuzzer)\n"
    "  DIR/*/crashes/id:*                                    (AFL++)\n"
    "  DIR/findings/*.txt, DIR/findings/*.bin\n"
    "\n"
    "  --alloc NAME       the allocator(s) to replay against (required)\n" RUN_OPTIONS_HELP "\n"
    "Exit status: 0 no finding reproduces; 1 at least one does; 2 usage error.\n";

#define MAX_FILES    4096
#define MAX_ALLOCS   16
#define MAX_KEYS     512
#define PATH_MAX_LEN 4096

struct finding_key {
    const char *alloc;
    char invariant[64];
    char kind[32];
    char signature[FINDING_SIGNATURE_MAX];
    unsigned count;
    char representative[PATH_MAX_LEN];
    char operation[256];
};

struct triage {
    struct run_options run;
    const char *allocs[MAX_ALLOCS];
    unsigned alloc_count;
    const char *dir;
    char (*files)[PATH_MAX_LEN]; /* harness memory: large */
    size_t file_count;
    bool truncated;
    struct finding_key *keys;
    size_t key_count;
    bool any_reproduced;
};

static void parse_triage_options(int argc, char **argv, struct triage *t)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(arg)) {
            fputs(triage_help, stdout);
            exit(0);
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            t->alloc_count =
                add_allocator_names("triage", argv[++i], t->allocs, t->alloc_count, MAX_ALLOCS);
        } else if (parse_run_option("triage", argc, argv, &i, &t->run)) {
            continue;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            usage_error("triage", "unknown option or missing value: %s", arg);
        } else if (t->dir) {
            usage_error("triage", "one DIR at a time (got '%s' and '%s')", t->dir, arg);
        } else {
            t->dir = arg;
        }
    }
    if (t->alloc_count == 0) usage_error("triage", "--alloc NAME is required");
    if (t->dir == NULL) usage_error("triage", "no campaign DIR given");
    settings_adopt_environment("triage", &t->run.settings);
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_prefix(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcmp(name + n - s, suffix) == 0;
}

static void add_file(struct triage *t, const char *dir, const char *name)
{
    char path[PATH_MAX_LEN];
    path_printf(path, sizeof path, "%s/%s", dir, name);
    if (!is_regular_file(path)) return;
    if (t->file_count == MAX_FILES) {
        t->truncated = true;
        return;
    }
    memcpy(t->files[t->file_count++], path, sizeof path);
}

/* Adds the files of DIR whose names the predicate accepts. */
static void collect(struct triage *t, const char *dir, bool (*wanted)(const char *name))
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && wanted(e->d_name)) add_file(t, dir, e->d_name);
    closedir(d);
}

static bool libfuzzer_finding(const char *name)
{
    return has_prefix(name, "crash-") || has_prefix(name, "timeout-") || has_prefix(name, "oom-") ||
           has_prefix(name, "leak-");
}

static bool afl_finding(const char *name)
{
    return has_prefix(name, "id:");
}

/* A finding is saved as NAME.bin and NAME.txt: the program once, as .bin
 * (a .txt alone is taken too: a program a person wrote there). */
static bool findings_file(const char *name)
{
    return has_suffix(name, ".bin") || has_suffix(name, ".txt");
}

/* Drops NAME.txt where NAME.bin is listed too (the list is sorted). */
static void drop_text_twins(struct triage *t)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->file_count; i++) {
        const char *path = t->files[i];
        size_t n = strlen(path);
        bool twin = false;
        if (has_suffix(path, ".txt"))
            for (size_t j = 0; j < t->file_count && !twin; j++)
                twin = strlen(t->files[j]) == n && has_suffix(t->files[j], ".bin") &&
                       strncmp(t->files[j], path, n - 4) == 0;
        if (!twin) memmove(t->files[kept++], path, n + 1);
    }
    t->file_count = kept;
}

/* AFL++ keeps one directory per instance, each with crashes/ (and hangs/,
 * which are not findings of an invariant). */
static void collect_afl(struct triage *t)
{
    DIR *d = opendir(t->dir);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char crashes[PATH_MAX_LEN];
        if (e->d_name[0] == '.') continue;
        path_printf(crashes, sizeof crashes, "%s/%s/crashes", t->dir, e->d_name);
        if (is_directory(crashes)) collect(t, crashes, afl_finding);
    }
    closedir(d);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void collect_findings(struct triage *t)
{
    if (!is_directory(t->dir)) usage_error("triage", "%s is not a directory", t->dir);
    t->files = hmem_map(MAX_FILES * sizeof *t->files);
    collect(t, t->dir, libfuzzer_finding);
    collect_afl(t);
    char findings[PATH_MAX_LEN];
    path_printf(findings, sizeof findings, "%s/findings", t->dir);
    collect(t, findings, findings_file);
    /* Sorted, so that the representative and the listing are reproducible. */
    qsort(t->files, t->file_count, sizeof *t->files, compare_paths);
    drop_text_twins(t);
}

static struct finding_key *key_for(struct triage *t, const char *alloc,
                                   const struct child_verdict *r)
{
    for (size_t k = 0; k < t->key_count; k++) {
        struct finding_key *key = &t->keys[k];
        if (strcmp(key->alloc, alloc) == 0 && strcmp(key->signature, r->signature) == 0) return key;
    }
    if (t->key_count == MAX_KEYS) return NULL;
    struct finding_key *key = &t->keys[t->key_count++];
    key->alloc = alloc;
    snprintf(key->invariant, sizeof key->invariant, "%s", r->invariant);
    snprintf(key->kind, sizeof key->kind, "%s", r->kind);
    snprintf(key->signature, sizeof key->signature, "%s", r->signature);
    return key;
}

static void record(struct triage *t, const char *alloc, const char *path,
                   const struct child_verdict *r)
{
    struct finding_key *key = key_for(t, alloc, r);
    if (key == NULL) return;
    if (key->count++ == 0) {
        snprintf(key->representative, sizeof key->representative, "%s", path);
        snprintf(key->operation, sizeof key->operation, "%s", r->operation);
    }
}

/* Replays every file on every allocator; prints what did not reproduce (or
 * could not run) as it goes, and returns how many reproduced. */
static size_t replay_all(struct triage *t)
{
    size_t reproduced = 0;
    bool heading = false;
    for (unsigned a = 0; a < t->alloc_count; a++) {
        t->run.alloc = t->allocs[a];
        for (size_t f = 0; f < t->file_count; f++) {
            /* Engines' files have no header: read as binary, unless told. */
            struct run_options options = t->run;
            if (options.format == NULL && !has_suffix(t->files[f], ".txt"))
                options.format = "binary";
            struct child_verdict r;
            bool ran = child_run_file(&options, t->files[f], &r);
            if (ran && r.status == VERDICT_FAIL) {
                record(t, t->allocs[a], t->files[f], &r);
                reproduced++;
                continue;
            }
            if (!heading) printf("did not reproduce in a fresh process:\n");
            heading = true;
            printf("  %-10s %s%s%s\n", t->allocs[a], t->files[f],
                   !ran || r.status == VERDICT_ERROR ? " — could not be run: " : "",
                   !ran                        ? "spawn failed"
                   : r.status == VERDICT_ERROR ? r.message
                                               : "");
        }
    }
    return reproduced;
}

static void print_keys(const struct triage *t)
{
    if (t->key_count) printf("distinct findings (allocator, signature):\n");
    for (size_t k = 0; k < t->key_count; k++) {
        const struct finding_key *key = &t->keys[k];
        printf("  %4u×  %-10s %s: `%s` at %s — e.g. %s (%s)\n", key->count, key->alloc,
               key->signature, key->invariant, key->kind, key->representative,
               key->operation[0] ? key->operation : "no operation named");
    }
}

int cmd_triage(int argc, char **argv)
{
    struct triage t = {0};
    parse_triage_options(argc, argv, &t);
    for (unsigned a = 0; a < t.alloc_count; a++) {
        char err[1024];
        if (!allocator_installed(t.allocs[a], err, sizeof err)) {
            fprintf(stderr, "gauntlet triage: %s\n", err);
            return EXIT_USAGE;
        }
    }
    collect_findings(&t);
    t.keys = hmem_map(MAX_KEYS * sizeof *t.keys);
    printf("gauntlet triage %s: %zu finding files%s\n", t.dir, t.file_count,
           t.truncated ? " (more were left out: at most 4096)" : "");
    size_t reproduced = replay_all(&t);
    print_keys(&t);
    printf("%zu of %zu replays reproduced: %zu distinct\n", reproduced,
           t.file_count * t.alloc_count, t.key_count);
    fflush(stdout);
    return reproduced ? EXIT_FINDING : 0;
}
