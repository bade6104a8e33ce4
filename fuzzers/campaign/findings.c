/*
 * findings.c — what `gauntlet fuzz` makes of the engines' crash and
 * hang files: each is replayed by `gauntlet run` in a fresh process, with
 * the campaign's allocator, mode and cap. A finding is saved atomically in
 * OUT/findings/ as the binary program, its text and the report with the
 * command that replays it; a file that does not fail on its own (it needed
 * an earlier input's heap state) is run joined with the inputs its process
 * ran before it (history.c), and when no such program fails either it is
 * set aside in OUT/unconfirmed/ and taken out of the corpus. In a sanitized
 * campaign a file the oracle's replay passes is run once more by the
 * campaign's own sanitized target, alone in a fresh process: a sanitizer
 * report in the harness itself (which the uninstrumented `gauntlet run`
 * cannot see) is a finding too.
 */
#include "campaign.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Where a crash file's finding is kept: OUT/findings/NAME, the engine's
 * name for it with the odd characters of AFL++'s names (id:000000,sig:06)
 * made plain. The invariant is in its report and the summary: the file is
 * replayed under this name, so the report's commands name it. */
void finding_base(const struct campaign *c, const char *file, char *base, size_t len)
{
    const char *slash = strrchr(file, '/');
    path_printf(base, len, "%s/findings/%s", c->o->out, slash ? slash + 1 : file);
    char *to = strrchr(base, '/') + 1;
    for (const char *from = to; *from; from++) {
        bool odd = *from == ':' || *from == ',' || *from == ' ';
        if (!odd || to[-1] != '_') *to++ = odd ? '_' : *from;
    }
    *to = '\0';
    /* One input can fail again in a later round with another finding (the
     * first one known by then): it gets a name of its own. */
    size_t used = strlen(base);
    char bin[8300];
    for (unsigned n = 2; used + 16 < len; n++) {
        path_printf(bin, sizeof bin, "%s.bin", base);
        if (access(bin, F_OK) != 0) break;
        snprintf(base + used, len - used, "-%u", n);
    }
}

/* A confirmed finding: the program (already at BASE.bin, the file the
 * replay ran, so its report's commands name it), its text, and the report,
 * followed by `note` when there is one (how it was confirmed, when not by
 * `gauntlet run` on the engine's file alone). `flag`: said after the
 * signature on the finding's line. */
void save_finding(const char *base, const struct child_verdict *r, const char *note,
                  const char *flag)
{
    const char *invariant = r->invariant[0] ? r->invariant : "crash";
    uint8_t *bytes;
    size_t len, mapped;
    char path[8300];
    path_printf(path, sizeof path, "%s.bin", base);
    if (!read_whole_file(path, &bytes, &len, &mapped)) return;
    struct program p;
    program_decode_binary(bytes, len, &p);
    path_printf(path, sizeof path, "%s.txt", base);
    write_output_with(path, write_program_text, &p);
    program_release(&p);
    hmem_unmap(bytes, mapped);
    char text[16384];
    int n = snprintf(text, sizeof text, "%s%s", r->report, note ? note : "");
    path_printf(path, sizeof path, "%s.report", base);
    write_output(path, (const uint8_t *)text,
                 (size_t)(n < (int)sizeof text ? n : (int)sizeof text - 1));
    path_printf(path, sizeof path, "%s.known", base);
    bool with_known = access(path, F_OK) == 0;
    printf("finding: %s%s\n  saved: %s.{bin,txt,report%s}\n",
           r->signature[0] ? r->signature : invariant, flag ? flag : "", base,
           with_known ? ",known" : "");
}

/* The note of a finding confirmed by the campaign's sanitized target. */
static void sanitized_note(const struct campaign *c, const char *base, char *note, size_t len)
{
    snprintf(note, len,
             "\nconfirmed by the sanitized fuzz target %s on this file alone, in a fresh "
             "process: a sanitizer report in the harness itself, which `gauntlet run` (not "
             "instrumented) does not see\nreplay: GAUNTLET_ALLOC=%s GAUNTLET_CAP=%s%s %s %s.bin\n",
             c->target, c->o->alloc, c->o->cap, c->o->free_running ? " GAUNTLET_MODE=free" : "",
             c->target, base);
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

/* The invariant a sanitized target's output names: the sanitizer's first
 * report ("asan: heap-use-after-free", "tsan: data race", "ubsan: ..."), else
 * the oracle's violation, else what libFuzzer says; "" when it never ran
 * the file. */
static void sanitized_invariant(const char *output, char *invariant, size_t len)
{
    static const char *const names[][2] = {{"AddressSanitizer", "asan"},
                                           {"ThreadSanitizer", "tsan"},
                                           {"LeakSanitizer", "lsan"},
                                           {"MemorySanitizer", "msan"},
                                           {"UndefinedBehaviorSanitizer", "ubsan"}};
    invariant[0] = '\0';
    for (const char *line = output; *line; line += strcspn(line, "\n"), line += *line == '\n') {
        size_t line_len = strcspn(line, "\n");
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            char key[64];
            snprintf(key, sizeof key, "%s: ", names[i][0]);
            const char *at = strstr(line, key);
            if (at == NULL || at >= line + line_len || strncmp(line, "SUMMARY", 7) == 0) continue;
            at += strlen(key);
            /* "heap-use-after-free on address …", "data race (pid=…)" */
            size_t kind = strcspn(at, "(\n");
            const char *on = strstr(at, " on ");
            if (on && (size_t)(on - at) < kind) kind = (size_t)(on - at);
            while (kind && at[kind - 1] == ' ')
                kind--;
            snprintf(invariant, len, "%s: %.*s", names[i][1], (int)kind, at);
            return;
        }
        const char *ub = strstr(line, "runtime error: ");
        if (ub && ub < line + line_len) {
            ub += strlen("runtime error: ");
            snprintf(invariant, len, "ubsan: %.*s", (int)strcspn(ub, ":\n"), ub);
            return;
        }
    }
    const char *v = strstr(output, "VIOLATION of `");
    if (v) {
        v += strlen("VIOLATION of `");
        snprintf(invariant, len, "%.*s", (int)strcspn(v, "`"), v);
    } else if (strstr(output, "libFuzzer: timeout")) {
        snprintf(invariant, len, "hang");
    } else if (strstr(output, "libFuzzer: out-of-memory")) {
        snprintf(invariant, len, "out-of-memory");
    } else if (strstr(output, "Running: ")) {
        snprintf(invariant, len, "crash");
    }
}

/* "asan: heap-use-after-free" signs as asan/heap-use-after-free. */
static void sanitizer_signature(const char *invariant, char *out, size_t len)
{
    size_t j = 0;
    for (const char *from = invariant; *from && j + 1 < len; from++) {
        if (from[0] == ':' && from[1] == ' ') {
            out[j++] = '/';
            from++;
        } else {
            out[j++] = *from == ' ' ? '-' : *from;
        }
    }
    out[j] = '\0';
}

/* A sanitized campaign's second opinion: its own target runs the file alone
 * (a libFuzzer binary runs a file argument once) in a fresh process. True
 * with r filled in when that fails. */
static bool sanitized_target_fails(struct campaign *c, const char *file, struct child_verdict *r)
{
    char out_path[4200], timeout[64];
    path_printf(out_path, sizeof out_path, "%s/sanitized-replay.log", c->o->out);
    snprintf(timeout, sizeof timeout, "-timeout=%u", c->o->hang_seconds);
    const char *argv[] = {c->target, timeout, file, NULL};
    bool timed_out;
    int status = run_once(argv, out_path, 3 * c->o->hang_seconds + 30, &timed_out);
    if (process_interrupted()) return false; /* not judged */
    uint8_t *bytes;
    size_t len, mapped;
    if (!read_whole_file(out_path, &bytes, &len, &mapped)) {
        fprintf(stderr, "gauntlet fuzz: cannot read %s\n", out_path);
        exit(EXIT_USAGE);
    }
    memset(r, 0, sizeof *r);
    size_t keep = len < sizeof r->report - 1 ? len : sizeof r->report - 1;
    memcpy(r->report, bytes, keep); /* the start: the sanitizer's report comes first */
    hmem_unmap(bytes, mapped);
    if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) return false;
    r->status = VERDICT_FAIL;
    if (timed_out)
        snprintf(r->invariant, sizeof r->invariant, "hang");
    else
        sanitized_invariant(r->report, r->invariant, sizeof r->invariant);
    if (r->invariant[0] == '\0') {
        fprintf(stderr,
                "gauntlet fuzz: the sanitized target %s could not run %s (status %d); its "
                "output is in %s\n",
                c->target, file, status, out_path);
        exit(EXIT_USAGE);
    }
    return true;
}

/* libFuzzer names a file by the SHA-1 of what it holds: only an empty
 * input's file may be empty. Any other empty file was not written (a full
 * disk): judging it would call a lost finding "not reproduced". */
static void refuse_cut_short(const char *file)
{
    static const char empty_sha1[] = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    struct stat st;
    if (stat(file, &st) != 0 || st.st_size > 0) return;
    size_t len = strlen(file), hash = sizeof empty_sha1 - 1;
    if (len > hash && strcmp(file + len - hash, empty_sha1) == 0) return;
    fprintf(stderr,
            "gauntlet fuzz: the engine left %s empty: it could not write the input that "
            "failed (%llu KiB left on that file system). Stopping: a finding may be lost\n",
            file, (unsigned long long)(free_bytes_at(file) >> 10));
    exit(EXIT_USAGE);
}

/* ---- known findings ---- */

static bool write_known(int fd, const void *context)
{
    const struct known_findings *k = context;
    static const char head[] = "# what this campaign passes over: --known, earlier saved "
                               "findings, and each new one it confirmed\n";
    bool ok = write(fd, head, sizeof head - 1) == (ssize_t)(sizeof head - 1);
    for (unsigned i = 0; ok && i < k->count; i++)
        ok = dprintf(fd, "%s\n", k->patterns[i]) > 0;
    return ok;
}

void learn_finding(struct campaign *c, const char *signature)
{
    if (signature[0] == '\0' || known_findings_match(c->known, signature)) return;
    if (c->known->count < KNOWN_FINDINGS_MAX)
        snprintf(c->known->patterns[c->known->count++], FINDING_SIGNATURE_MAX, "%s", signature);
    write_output_with(c->known_path, write_known, c->known);
}

void start_known(struct campaign *c)
{
    c->known = hmem_map(sizeof *c->known);
    if (c->o->known) load_known_findings("fuzz", c->o->known, c->known);
    char dir[4200];
    path_printf(dir, sizeof dir, "%s/findings", c->o->out);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 7, ".report") != 0) continue;
        char path[8300];
        path_printf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint8_t *bytes;
        size_t len, mapped;
        if (!read_whole_file(path, &bytes, &len, &mapped)) continue;
        /* A report without a signature (a sanitizer's) names no finding to pass over. */
        char error[256];
        if (memmem(bytes, len, REPORT_SIGNATURE, strlen(REPORT_SIGNATURE)))
            known_findings_parse((const char *)bytes, len, c->known, error, sizeof error);
        hmem_unmap(bytes, mapped);
    }
    if (d) closedir(d);
    know_affecting_regressions(c);
    path_printf(c->known_path, sizeof c->known_path, "%s/known.txt", c->o->out);
    write_output_with(c->known_path, write_known, c->known);
    if (c->known->count)
        fprintf(stderr, "gauntlet fuzz: passing over %u known finding%s (%s)\n", c->known->count,
                c->known->count == 1 ? "" : "s", c->known_path);
}

bool snapshot_known(const struct campaign *c, const char *base, char *path, size_t len)
{
    path_printf(path, len, "%s.known", base);
    if (c->known->count == 0) return false;
    write_output_with(path, write_known, c->known);
    return true;
}

/* Moves a judged file out of the engine's way, into OUT/SUBDIR/; says so
 * for the first three of a kind (a campaign may meet hundreds). */
static void set_aside_file(const struct campaign *c, const char *file, const char *subdir,
                           unsigned nth, const char *what)
{
    const char *slash = strrchr(file, '/');
    char to[8192];
    path_printf(to, sizeof to, "%s/%s/%s", c->o->out, subdir, slash ? slash + 1 : file);
    if (rename(file, to) != 0) {
        fprintf(stderr, "gauntlet fuzz: cannot move %s to %s: %s\n", file, to, strerror(errno));
        exit(EXIT_USAGE);
    }
    if (nth <= 3)
        printf("%s: kept as %s%s\n", what, to,
               nth == 3 ? " (further ones: counted in the summary)" : "");
}

/* A crash file whose finding the campaign already knows: its replay fails
 * with a known signature, or passes over a known one (the engine's target
 * had not learnt it yet) and fails without --known. */
static bool is_repeat(struct campaign *c, const struct run_options *options, const char *file,
                      const struct child_verdict *r)
{
    if (r->status == VERDICT_FAIL) return known_findings_match(c->known, r->signature);
    if (r->status != VERDICT_PASS || c->known->count == 0) return false;
    struct run_options plain = *options;
    plain.known = NULL;
    struct child_verdict again;
    return child_run_file(&plain, file, &again) && again.status == VERDICT_FAIL &&
           known_findings_match(c->known, again.signature);
}

/* A crash file that passed alone, run joined with the inputs its process
 * ran before it (history.c), in its place at KEPT (BASE.bin). A joined
 * program that fails becomes the file, r its verdict and `note` what it is;
 * the crash alone goes to OUT/unconfirmed/. True when that finding is a
 * repeat of a known one. Without a failing join, KEPT is as it was. */
static bool confirm_with_history(struct campaign *c, const struct run_options *options,
                                 const char *base, struct child_verdict *r, char *note,
                                 size_t note_len)
{
    char kept[8300], alone[8400];
    path_printf(kept, sizeof kept, "%s.bin", base);
    uint8_t *crash;
    size_t len, mapped;
    if (!read_whole_file(kept, &crash, &len, &mapped)) return false;
    struct child_verdict joined;
    unsigned earlier = replay_with_history(c, crash, len, kept, options, &joined);
    const char *name = strrchr(base, '/') + 1;
    path_printf(alone, sizeof alone, "%s/unconfirmed/%s.alone", c->o->out, name);
    /* The crash alone: back in its place, or kept beside the unconfirmed. */
    write_output(earlier ? alone : kept, crash, len);
    drop_from_corpus(c, earlier ? alone : kept);
    hmem_unmap(crash, mapped);
    if (earlier == 0) return false;
    *r = joined;
    snprintf(note, note_len,
             "\nhistory-dependent: alone it passes; it fails joined with the %u input%s "
             "its process ran before it, in one program (this file; the crash file alone: "
             "%s)\n",
             earlier, earlier == 1 ? "" : "s", alone);
    return is_repeat(c, options, kept, r);
}

/* The crash file is moved to OUT/findings/ first and replayed there (with
 * the known findings passed over), so that the report names the file the
 * finding is kept as; a repeat of a known finding moves on to OUT/repeats/,
 * a file that does not reproduce to OUT/unconfirmed/. */
static void confirm(struct campaign *c, const char *file)
{
    struct run_options options = {
        .alloc = c->o->alloc,
        /* A free-running finding may be a race: it is confirmed when any of
         * 20 runs fails, and its report says in how many. */
        .mode = c->o->free_running ? "free" : NULL,
        .repeat = c->o->free_running ? "20" : NULL,
        .format = "binary", /* the engines' files have no text header to detect */
        .cap = c->o->cap,
        .timeout = c->o->timeout,
        .settings = c->o->settings,
    };
    struct child_verdict r;
    /* After SIGINT/SIGTERM the campaign only stops; a replay that the signal
     * cut short (Ctrl-C reaches it too) would be read as a crash. */
    if (process_interrupted()) return;
    refuse_cut_short(file);
    char base[8192], kept[8300];
    finding_base(c, file, base, sizeof base);
    path_printf(kept, sizeof kept, "%s.bin", base);
    if (rename(file, kept) != 0) {
        fprintf(stderr, "gauntlet fuzz: cannot move %s to %s: %s\n", file, kept, strerror(errno));
        exit(EXIT_USAGE);
    }
    char known[8300];
    if (snapshot_known(c, base, known, sizeof known)) options.known = known;
    /* A replay that cannot judge the file says nothing about it. */
    if (!child_run_file(&options, kept, &r)) {
        fprintf(stderr, "gauntlet fuzz: cannot start `gauntlet run` to replay %s\n", kept);
        exit(EXIT_USAGE);
    }
    if (process_interrupted()) {
        rename(kept, file); /* judged by nobody: back where it was */
        unlink(known);
        return;
    }
    if (r.status == VERDICT_ERROR) {
        fprintf(stderr, "gauntlet fuzz: `gauntlet run` could not replay %s (exit 2): %s\n", kept,
                r.message);
        exit(EXIT_USAGE);
    }
    bool sanitized = false;
    if (r.status == VERDICT_PASS && strcmp(c->o->san, "none") != 0)
        sanitized = sanitized_target_fails(c, kept, &r);
    if (sanitized) sanitizer_signature(r.invariant, r.signature, sizeof r.signature);
    if (process_interrupted()) {
        rename(kept, file);
        unlink(known);
        return;
    }
    bool repeat = is_repeat(c, &options, kept, &r);
    char note[8800] = "";
    if (!repeat && r.status == VERDICT_PASS && !process_interrupted())
        repeat = confirm_with_history(c, &options, base, &r, note, sizeof note);
    if (repeat || r.status != VERDICT_FAIL) unlink(known);
    if (repeat) {
        drop_from_corpus(c, kept);
        set_aside_file(c, kept, "repeats", ++c->repeats,
                       "a repeat of a known finding (the campaign passes over it)");
    } else if (r.status == VERDICT_FAIL) {
        c->confirmed++;
        if (sanitized) sanitized_note(c, base, note, sizeof note);
        save_finding(base, &r, note,
                     sanitized
                         ? " [confirmed by the sanitized target alone; gauntlet run passes it]"
                         : NULL);
        if (!sanitized && note[0]) printf("  %s", note + 1);
        learn_finding(c, r.signature);
    } else {
        /* Out of the engine's way, so the next round does not check it again. */
        drop_from_corpus(c, kept);
        set_aside_file(c, kept, "unconfirmed", ++c->unconfirmed,
                       "failed in the campaign, not alone in a fresh process (history-dependent)");
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
