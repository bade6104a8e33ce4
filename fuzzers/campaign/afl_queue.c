/*
 * afl_queue.c — what AFL++ kept, into the campaign's corpus. libFuzzer grows
 * --corpus itself; AFL++ keeps its inputs in each instance's queue under
 * OUT/afl/, which `-i` never reads back. After every AFL++ round the queued
 * inputs are copied into the corpus, named by a hash of their bytes
 * ("afl-" and 16 hex digits), so that a rerun adds nothing twice and the
 * next campaign, with either engine, starts from them.
 */
#include "campaign.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* FNV-1a: enough to tell inputs apart in one corpus (a collision drops one input). */
static uint64_t content_hash(const uint8_t *bytes, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ bytes[i]) * 0x100000001b3ull;
    return h;
}

/* One queued input into the corpus, unless it is there already. */
static unsigned copy_input(const char *path, const char *corpus)
{
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(path, &bytes, &len, &mapped)) {
        fprintf(stderr, "gauntlet fuzz: cannot read AFL++'s queued input %s: %s\n", path,
                strerror(errno));
        exit(EXIT_USAGE);
    }
    char name[4200];
    path_printf(name, sizeof name, "%s/afl-%016llx", corpus,
                (unsigned long long)content_hash(bytes, len));
    unsigned added = 0;
    if (len > 0 && access(name, F_OK) != 0) {
        write_output(name, bytes, len); /* atomic; a write error exits 2 with the path */
        added = 1;
    }
    hmem_unmap(bytes, mapped);
    return added;
}

/* The "id:" files of one instance's queue (its .state/ and the rest are AFL++'s own). */
static unsigned copy_queue(const char *queue, const char *corpus)
{
    DIR *d = opendir(queue);
    if (d == NULL) return 0;
    unsigned added = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "id:", 3) != 0) continue;
        char path[4200];
        struct stat st;
        path_printf(path, sizeof path, "%s/%s", queue, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) added += copy_input(path, corpus);
    }
    closedir(d);
    return added;
}

unsigned afl_queue_to_corpus(const char *afl_out, const char *corpus)
{
    DIR *d = opendir(afl_out);
    if (d == NULL) return 0;
    unsigned added = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char queue[4200];
        path_printf(queue, sizeof queue, "%s/%s/queue", afl_out, e->d_name);
        added += copy_queue(queue, corpus);
    }
    closedir(d);
    return added;
}
