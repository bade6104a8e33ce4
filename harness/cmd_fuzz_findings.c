/*
 * cmd_fuzz_findings.c — what `gauntlet fuzz` makes of the engines' crash and
 * hang files: each is replayed by `gauntlet run` in a fresh process, with
 * the campaign's allocator, mode and cap. A finding is saved atomically in
 * OUT/findings/ as the binary program, its text and the report with the
 * command that replays it; a file that does not fail on its own (it needed
 * an earlier input's heap state) is set aside in OUT/unconfirmed/ and taken
 * out of the corpus.
 */
#include "cmd_fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

static bool write_program_text(int fd, const void *program)
{
    return program_write_text(program, fd);
}

static void save_finding(struct campaign *c, const char *file, const struct replay *r)
{
    const char *invariant = r->invariant[0] ? r->invariant : "crash";
    char base[8192];
    const char *slash = strrchr(file, '/');
    path_printf(base, sizeof base, "%s/findings/%s-%s", c->o->out, invariant,
                slash ? slash + 1 : file);
    for (char *p = strrchr(base, '/') + 1; *p; p++)
        if (*p == ':' || *p == ',') *p = '_'; /* AFL++'s id:000000,sig:06 names */
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(file, &bytes, &len, &mapped)) return;
    char path[8300];
    path_printf(path, sizeof path, "%s.bin", base);
    write_output(path, bytes, len);
    struct program p;
    program_decode_binary(bytes, len, &p);
    path_printf(path, sizeof path, "%s.txt", base);
    write_output_with(path, write_program_text, &p);
    program_release(&p);
    hmem_unmap(bytes, mapped);
    char text[16384];
    int n = snprintf(text, sizeof text,
                     "%s\nreplay: %s/build/gauntlet run --alloc %s%s --cap %s %s.bin\n", r->report,
                     c->root, c->o->alloc, strcmp(c->o->san, "tsan") == 0 ? " --mode free" : "",
                     c->o->cap, base);
    path_printf(path, sizeof path, "%s.report", base);
    write_output(path, (const uint8_t *)text,
                 (size_t)(n < (int)sizeof text ? n : (int)sizeof text - 1));
    printf("finding: %s (%s)\n  saved: %s.{bin,txt,report}\n", invariant, file, base);
}

static bool same_contents(const char *a, const char *b)
{
    uint8_t *x, *y;
    size_t xl, yl, xm, ym;
    if (!read_whole_file(a, &x, &xl, &xm)) return false;
    bool same = false;
    if (read_whole_file(b, &y, &yl, &ym)) {
        same = xl == yl && memcmp(x, y, xl) == 0;
        hmem_unmap(y, ym);
    }
    hmem_unmap(x, xm);
    return same;
}

/* An input that failed only after earlier inputs would fail again at the
 * same point of the next round's corpus replay: it leaves the corpus too. */
static void drop_from_corpus(const struct campaign *c, const char *file)
{
    DIR *d = opendir(c->o->corpus);
    if (d == NULL) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[8192];
        path_printf(path, sizeof path, "%s/%s", c->o->corpus, e->d_name);
        if (same_contents(path, file)) unlink(path);
    }
    closedir(d);
}

static void confirm(struct campaign *c, const char *file)
{
    struct replay_options options = {
        .alloc = c->o->alloc,
        .mode = strcmp(c->o->san, "tsan") == 0 ? "free" : NULL,
        .format = "binary", /* the engines' files have no text header to detect */
        .cap = c->o->cap,
    };
    struct replay r;
    /* After SIGINT/SIGTERM the campaign only stops; a replay that the signal
     * cut short (Ctrl-C reaches it too) would be read as a crash. */
    if (engine_interrupted()) return;
    bool replayed = replay_program_file(&options, file, &r);
    if (engine_interrupted()) return;
    if (replayed && r.status == REPLAY_FAIL) {
        c->confirmed++;
        save_finding(c, file, &r);
        unlink(file); /* saved as OUT/findings/...bin: not confirmed twice */
    } else {
        /* Out of the engine's way, so the next round does not check it again. */
        c->unconfirmed++;
        const char *slash = strrchr(file, '/');
        char kept[8192];
        path_printf(kept, sizeof kept, "%s/unconfirmed/%s", c->o->out, slash ? slash + 1 : file);
        drop_from_corpus(c, file);
        rename(file, kept);
        /* A campaign that keeps going past such crashes may meet hundreds. */
        if (c->unconfirmed <= 3)
            printf("not reproduced in a fresh process (depends on earlier inputs?): kept as %s%s\n",
                   kept, c->unconfirmed == 3 ? " (further ones: counted in the summary)" : "");
    }
}

/* What a crash file looked like at the previous poll: a file the engine may
 * still be writing (libFuzzer writes with fopen and fwrite, not atomically)
 * is judged only once it is non-empty and unchanged over a poll. */
struct seen_file {
    char *path;
    off_t size;
    struct timespec mtime;
    bool present;
};
static struct seen_file *seen;
static size_t seen_count, seen_room;

static bool settled(const char *path, const struct stat *st)
{
    for (size_t i = 0; i < seen_count; i++) {
        if (strcmp(seen[i].path, path) != 0) continue;
        bool same = seen[i].size == st->st_size && seen[i].mtime.tv_sec == st->st_mtim.tv_sec &&
                    seen[i].mtime.tv_nsec == st->st_mtim.tv_nsec;
        seen[i].size = st->st_size;
        seen[i].mtime = st->st_mtim;
        seen[i].present = true;
        return same && st->st_size > 0;
    }
    if (seen_count == seen_room) {
        seen_room = seen_room ? 2 * seen_room : 16;
        seen = realloc(seen, seen_room * sizeof *seen);
        if (seen == NULL) abort();
    }
    char *copy = strdup(path);
    if (copy == NULL) abort();
    seen[seen_count++] = (struct seen_file){copy, st->st_size, st->st_mtim, true};
    return false;
}

/* Forgets the files not met by this poll (judged, or gone). */
static void forget_absent(void)
{
    size_t kept = 0;
    for (size_t i = 0; i < seen_count; i++) {
        if (seen[i].present) {
            seen[i].present = false;
            seen[kept++] = seen[i];
        } else {
            free(seen[i].path);
        }
    }
    seen_count = kept;
}

static void confirm_all_in(struct campaign *c, const char *dir, bool engine_prefixes, bool final)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    static const char *const prefixes[] = {"crash-", "timeout-", "oom-", "leak-", "id:"};
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        bool wanted = false;
        for (size_t i = engine_prefixes ? 0 : 4; i < 5; i++)
            wanted |= strncmp(e->d_name, prefixes[i], strlen(prefixes[i])) == 0;
        if (!wanted) continue;
        char path[8192];
        path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (!settled(path, &st) && !final) continue;
        confirm(c, path);
    }
    closedir(d);
}

void collect_findings(struct campaign *c, bool final)
{
    char dir[4200];
    path_printf(dir, sizeof dir, "%s/artifacts", c->o->out);
    confirm_all_in(c, dir, true, final);
    path_printf(dir, sizeof dir, "%s/afl", c->o->out);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        for (int kind = 0; kind < 2; kind++) {
            char sub[8400];
            path_printf(sub, sizeof sub, "%s/%s/%s", dir, e->d_name, kind ? "hangs" : "crashes");
            confirm_all_in(c, sub, false, final);
        }
    }
    if (d) closedir(d);
    forget_absent();
}
