/*
 * history.c — a crash file that does not fail alone, replayed with the
 * inputs its process ran before it. The fuzz targets keep each process's
 * last inputs in OUT/history/ (GAUNTLET_HISTORY, harness/input_history.c);
 * a process that died leaves its file, whose newest input is the crash
 * file's. The earlier inputs and the crash are joined into one program that
 * runs as that process ran them, and `gauntlet run` judges it: first with
 * the last input before the crash, then the last 2, 4, … and all of them,
 * so that what is saved is as short as the history allows.
 */
#include "campaign.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The history whose newest input holds the crash's bytes and which has the
 * most inputs before it (a sanitized replay of the file alone leaves one
 * too); NULL when no process left one. */
static struct input_history *history_of(const struct campaign *c, const uint8_t *crash,
                                        size_t crash_len)
{
    if (crash_len > INPUT_HISTORY_INPUT_MAX) crash_len = INPUT_HISTORY_INPUT_MAX;
    DIR *d = opendir(c->history_dir);
    struct input_history *best = NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "history-", 8) != 0) continue;
        char path[8400];
        path_printf(path, sizeof path, "%s/%s", c->history_dir, e->d_name);
        struct input_history *h = input_history_open(path);
        size_t len;
        const uint8_t *newest =
            h && input_history_count(h) ? input_history_input(h, 0, &len) : NULL;
        bool same = newest && len == crash_len && memcmp(newest, crash, len) == 0;
        if (same && (best == NULL || input_history_count(h) > input_history_count(best))) {
            input_history_close(best);
            best = h;
        } else {
            input_history_close(h);
        }
    }
    if (d) closedir(d);
    return best;
}

/* The last `earlier` inputs before the crash and the crash, as one program. */
static void join_history(const struct input_history *h, size_t earlier, struct program *joined)
{
    struct program inputs[2];
    program_init(&inputs[0]);
    program_init(&inputs[1]);
    size_t len;
    const uint8_t *bytes = input_history_input(h, earlier, &len);
    program_append_binary(bytes, len, &inputs[earlier % 2]);
    for (size_t age = earlier; age > 0; age--) {
        struct program *this = &inputs[age % 2], *next = &inputs[(age - 1) % 2];
        program_clear(next);
        bytes = input_history_input(h, age - 1, &len);
        program_append_binary(bytes, len, next);
        input_history_join(joined, this, next);
    }
    for (size_t i = 0; i < inputs[0].count; i++)
        program_append(joined, &inputs[0].ops[i]);
    program_release(&inputs[0]);
    program_release(&inputs[1]);
}

/* The next number of earlier inputs to try: doubling, then all of them. */
static size_t longer(size_t earlier, size_t all)
{
    return earlier == all ? all + 1 : earlier * 2 > all ? all : earlier * 2;
}

unsigned replay_with_history(struct campaign *c, const uint8_t *crash, size_t crash_len,
                             const char *path, const struct run_options *options,
                             struct child_verdict *r)
{
    struct input_history *h = history_of(c, crash, crash_len);
    size_t before = h ? input_history_count(h) - 1 : 0;
    unsigned found = 0;
    for (size_t earlier = 1; earlier <= before && !found && !process_interrupted();
         earlier = longer(earlier, before)) {
        struct program joined;
        program_init(&joined);
        join_history(h, earlier, &joined);
        write_program_binary(path, &joined);
        program_release(&joined);
        if (!child_run_file(options, path, r)) {
            fprintf(stderr, "gauntlet fuzz: cannot start `gauntlet run` to replay %s\n", path);
            exit(EXIT_USAGE);
        }
        if (r->status == VERDICT_ERROR) {
            fprintf(stderr, "gauntlet fuzz: `gauntlet run` could not replay %s (exit 2): %s\n",
                    path, r->message);
            exit(EXIT_USAGE);
        }
        if (r->status == VERDICT_FAIL) found = (unsigned)earlier;
    }
    input_history_close(h);
    return found;
}
