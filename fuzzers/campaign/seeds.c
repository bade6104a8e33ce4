/*
 * seeds.c — the corpus a campaign starts from: the hand-written seeds and
 * the regressions (corpus/), as binary, but for the regressions that say
 * they fail on the version under test (`# affects:`): a known crash there
 * would end every round at once. `gauntlet fuzz` writes it into an empty
 * corpus; `gauntlet seeds` writes it for builds that package it (the
 * ClusterFuzzLite build's seed corpus per allocator). Those regressions are
 * known findings of the campaign, by the signature they fail with here (a
 * crash's site is this build's).
 */
#include "campaign.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char seeds_help[] =
    "usage: gauntlet seeds --alloc NAME -o DIR\n"
    "\n"
    "Writes into DIR (made if missing) the seed corpus a campaign on NAME starts from:\n"
    "corpus/seeds and corpus/regressions as binary programs, without the regressions\n"
    "whose `# affects:` line names the version of NAME installed here.\n"
    "Exit status: 0 written; 2 usage or set-up error.\n";

void write_seed_corpus(const char *command, const char *corpus, const char *version)
{
    const char *const sources[] = {"corpus/seeds", "corpus/regressions"};
    for (size_t s = 0; s < 2; s++) {
        char dir[4096];
        path_printf(dir, sizeof dir, "%s/%s", data_dir(), sources[s]);
        DIR *d = opendir(dir);
        if (d == NULL) continue;
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (e->d_name[0] == '.') continue;
            char in[8192], out[8192];
            path_printf(in, sizeof in, "%s/%s", dir, e->d_name);
            if (version[0] && program_file_affects(in, version)) {
                fprintf(stderr, "gauntlet %s: seed %s left out: it fails on %s, as it says\n",
                        command, e->d_name, version);
                continue;
            }
            path_printf(out, sizeof out, "%s/%s-%s.bin", corpus, sources[s] + 7, e->d_name);
            struct program p;
            load_program(in, FORMAT_AUTO, &p);
            uint8_t *bytes;
            size_t len;
            char err[512];
            if (program_encode_binary(&p, &bytes, &len, err, sizeof err)) {
                write_output(out, bytes, len);
                hmem_unmap(bytes, len);
            }
            program_release(&p);
        }
        closedir(d);
    }
}

void know_affecting_regressions(struct campaign *c)
{
    char dir[4096];
    path_printf(dir, sizeof dir, "%s/corpus/regressions", data_dir());
    DIR *d = c->alloc.version[0] ? opendir(dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[8192];
        path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || !program_file_affects(path, c->alloc.version)) continue;
        struct run_options options = {.alloc = c->o->alloc,
                                      .cap = c->o->cap,
                                      .timeout = c->o->timeout,
                                      .settings = c->o->settings};
        struct child_verdict r;
        if (!child_run_file(&options, path, &r) || r.status != VERDICT_FAIL || !r.signature[0] ||
            known_findings_match(c->known, r.signature))
            continue;
        char line[FINDING_SIGNATURE_MAX + 1], error[256];
        int n = snprintf(line, sizeof line, "%s\n", r.signature);
        if (known_findings_parse(line, (size_t)n, c->known, error, sizeof error))
            fprintf(stderr, "gauntlet fuzz: known: %s (%s, which fails on %s, as it says)\n",
                    r.signature, e->d_name, c->alloc.version);
    }
    if (d) closedir(d);
}

int cmd_seeds(int argc, char **argv)
{
    const char *alloc = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(argv[i])) {
            fputs(seeds_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--alloc") == 0 && value) {
            alloc = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && value) {
            dir = argv[++i];
        } else {
            usage_error("seeds", "unknown option or missing value: %s", argv[i]);
        }
    }
    if (alloc == NULL || dir == NULL) usage_error("seeds", "--alloc NAME and -o DIR are required");
    char err[1024];
    if (!allocator_installed(alloc, err, sizeof err)) {
        fprintf(stderr, "gauntlet seeds: %s\n", err);
        return EXIT_USAGE;
    }
    if (!make_directories(dir)) {
        fprintf(stderr, "gauntlet seeds: cannot create %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    static size_t edges[SIZE_CLASSES_MAX];
    struct allocator_identity who;
    probe_allocator_classes("seeds", alloc, edges, &who);
    write_seed_corpus("seeds", dir, who.version);
    return 0;
}
