/*
 * closing.c — the campaign's last seconds: the corpus the engine grew,
 * judged by what one execution of a program cannot see. A fuzz target runs
 * each input once, lock-step, on the allocator's defaults; memory an
 * allocator never gives back shows only when a program is made again and
 * again in one process (run's --rounds, rules.h's reuse rule), a race only
 * when the threads run at once (--mode free), and the paths a setting opens
 * only under it. So each corpus program, the largest first, is run by
 * `gauntlet run --rounds 32`, the threaded ones free-running too, and each
 * under every setting the registry suggests for the allocator's family (when
 * the campaign has no --alloc-env of its own), until the time limit. A
 * failure is replayed once more from OUT/findings/ (the file its report
 * names) before it is saved, as the engines' crash files are.
 */
#include "campaign.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The rounds each program is made (the reuse rule's least: the rule makes
 * more itself before it calls growth a leak), and how many free-running
 * runs a threaded one gets, and its confirming replay (20, as the
 * campaign's own free-running findings). */
#define CLOSING_ROUNDS      "32"
#define CLOSING_FREE_REPEAT "5"
#define CONFIRM_FREE_REPEAT "20"
#define CLOSING_FILES_MAX   4096
#define CLOSING_NAME_MAX    512

struct corpus_file {
    char name[CLOSING_NAME_MAX];
    off_t size;
};

static int larger_first(const void *x, const void *y)
{
    const struct corpus_file *a = x, *b = y;
    if (a->size != b->size) return a->size < b->size ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* The corpus's files, largest first (longer programs hold more of what
 * rounds and threads can show), at most CLOSING_FILES_MAX. */
static size_t list_corpus(const char *dir, struct corpus_file *files)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && n < CLOSING_FILES_MAX && (e = readdir(d)) != NULL;) {
        char path[4800];
        struct stat st;
        if (e->d_name[0] == '.' || strlen(e->d_name) >= CLOSING_NAME_MAX) continue;
        path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
        files[n++].size = st.st_size;
    }
    if (d) closedir(d);
    qsort(files, n, sizeof *files, larger_first);
    return n;
}

/* One way of judging: the options of its runs, and what it is called. */
struct closing_judge {
    struct run_options options;
    char how[SETTING_LENGTH_MAX + 64];
};

/* A judge for each setting the registry suggests for the campaign's
 * allocator family (a line of space-separated NAME=VALUE each), when the
 * campaign runs on the allocator's defaults; the settings' texts in text. */
static unsigned setting_judges(const struct campaign *c, const struct run_options *base,
                               struct closing_judge *judges, unsigned max, char *text, size_t len)
{
    if (c->o->settings.count > 0 || c->alloc.family[0] == '\0') return 0;
    unsigned n = 0;
    size_t used = 0;
    const char *line;
    for (size_t i = 0; n < max && (line = allocator_suggested_settings(c->alloc.family, i, NULL));
         i++) {
        struct closing_judge *j = &judges[n++];
        j->options = *base;
        snprintf(j->how, sizeof j->how, "lock-step under %s", line);
        for (const char *at = line; *at && j->options.settings.count < SETTINGS_COUNT_MAX;) {
            size_t word = strcspn(at, " ");
            if (word > 0 && used + word < len) {
                memcpy(text + used, at, word);
                text[used + word] = '\0';
                j->options.settings.list[j->options.settings.count++] = text + used;
                used += word + 1;
            }
            at += word + strspn(at + word, " ");
        }
        j->options.settings.list[j->options.settings.count] = NULL;
    }
    return n;
}

static bool threaded(const char *path)
{
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(path, &bytes, &len, &mapped)) return false;
    struct program p;
    program_decode_binary(bytes, len, &p);
    bool more = program_thread_count(&p) > 1;
    program_release(&p);
    hmem_unmap(bytes, mapped);
    return more;
}

/* `gauntlet run` of `file` with `options`, into r; a run that cannot judge
 * it says nothing of it: a set-up error. */
static void run_judged(const struct run_options *options, const char *file, struct child_verdict *r)
{
    if (!child_run_file(options, file, r) || r->status == VERDICT_ERROR) {
        fprintf(stderr, "gauntlet fuzz: `gauntlet run` could not judge %s: %s\n", file, r->message);
        exit(EXIT_USAGE);
    }
}

/* A failure of `file` under `judge`: copied to OUT/findings/ and replayed
 * there, so that the report names the copy; saved when that fails too with
 * a finding the campaign does not know. */
static void confirm_closing(struct campaign *c, const char *file, const struct run_options *judge,
                            const char *how)
{
    char base[8192], kept[8300], known[8300];
    finding_base(c, file, base, sizeof base);
    path_printf(kept, sizeof kept, "%s.bin", base);
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(file, &bytes, &len, &mapped)) return;
    write_output(kept, bytes, len);
    hmem_unmap(bytes, mapped);
    struct run_options options = *judge;
    options.known = snapshot_known(c, base, known, sizeof known) ? known : NULL;
    if (options.mode) options.repeat = CONFIRM_FREE_REPEAT;
    struct child_verdict r;
    run_judged(&options, kept, &r);
    if (r.status != VERDICT_FAIL || known_findings_match(c->known, r.signature) ||
        process_interrupted()) {
        printf("closing: %s failed (%s) the first time only: not kept\n", file, how);
        unlink(kept);
        unlink(known);
        return;
    }
    c->confirmed++;
    char flag[128];
    snprintf(flag, sizeof flag, " [the campaign's closing judges: %s]", how);
    save_finding(base, &r, NULL, flag);
    learn_finding(c, r.signature);
}

/* Runs `file` under `judge`; a new finding is confirmed and saved. */
static void judge_file(struct campaign *c, const char *file, const struct run_options *judge,
                       const char *how)
{
    struct run_options options = *judge;
    options.known = c->known_path;
    struct child_verdict r;
    run_judged(&options, file, &r);
    if (process_interrupted() || r.status != VERDICT_FAIL ||
        known_findings_match(c->known, r.signature))
        return;
    confirm_closing(c, file, judge, how);
}

void judge_corpus_closing(struct campaign *c, time_t deadline)
{
    struct corpus_file *files = hmem_map(CLOSING_FILES_MAX * sizeof *files);
    size_t n = list_corpus(c->o->corpus, files);
    struct run_options rounds = {
        .alloc = c->o->alloc,
        .format = "binary",
        .cap = c->o->cap,
        .timeout = c->o->timeout,
        .settings = c->o->settings,
        .rounds = CLOSING_ROUNDS,
    };
    struct run_options free_running = rounds;
    free_running.rounds = NULL;
    free_running.mode = "free";
    free_running.repeat = CLOSING_FREE_REPEAT;
    struct run_options once = rounds;
    once.rounds = NULL;
    static struct closing_judge settings[SUGGESTED_SETTINGS_MAX];
    static char settings_text[SETTINGS_TEXT_MAX];
    unsigned setting_count = setting_judges(c, &once, settings, SUGGESTED_SETTINGS_MAX,
                                            settings_text, sizeof settings_text);
    fprintf(stderr,
            "gauntlet fuzz: closing: the corpus's %zu programs, largest first, each made %s "
            "times in one process (reuse)%s, and under %u setting%s the registry suggests for "
            "%s, for %lld s\n",
            n, CLOSING_ROUNDS,
            c->o->free_running ? ""
                               : ", the threaded ones free-running " CLOSING_FREE_REPEAT " times",
            setting_count, setting_count == 1 ? "" : "s",
            c->alloc.family[0] ? c->alloc.family : "an allocator of no known family",
            (long long)(deadline - time(NULL)));
    for (size_t i = 0; i < n && time(NULL) < deadline && !process_interrupted(); i++) {
        if (c->o->stop_at_first && c->confirmed) break;
        char path[4800];
        path_printf(path, sizeof path, "%s/%s", c->o->corpus, files[i].name);
        judge_file(c, path, &rounds, "made " CLOSING_ROUNDS " times or more in one process");
        c->closing_rounds++;
        if (!c->o->free_running && threaded(path) && time(NULL) < deadline) {
            judge_file(c, path, &free_running,
                       "free-running, " CLOSING_FREE_REPEAT " runs, then " CONFIRM_FREE_REPEAT);
            c->closing_free++;
        }
        for (unsigned k = 0; k < setting_count && time(NULL) < deadline; k++) {
            judge_file(c, path, &settings[k].options, settings[k].how);
            c->closing_settings++;
        }
    }
    hmem_unmap(files, CLOSING_FILES_MAX * sizeof *files);
}
