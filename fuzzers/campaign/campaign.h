/*
 * campaign.h — shared by the modules of `gauntlet fuzz`: cmd_fuzz.c
 * (options, corpus, the campaign's rounds, the summary), engine.c (running
 * libFuzzer or AFL++ and watching them), findings.c (confirming each
 * crash file in a fresh process and saving it) and history.c (a crash
 * replayed with the inputs its process ran before it). cmd_triage.c sits beside
 * them: the distinct findings of a campaign directory, and seeds.c: the
 * corpus a campaign starts from.
 */
#ifndef GAUNTLET_CAMPAIGN_H
#define GAUNTLET_CAMPAIGN_H

#include "cli.h"

struct fuzz_options {
    const char *alloc, *engine, *san, *corpus, *out, *cap;
    const char *mutator; /* structure or bytes (libFuzzer's custom mutator) */
    const char *known;   /* --known FILE, or NULL */
    const char *timeout; /* --timeout as given, passed on to the replays; NULL: run's default */
    struct settings settings; /* --alloc-env: the campaign starts with them, and so do its
                               * engines and replays; the saved reports carry them */
    unsigned seconds, jobs;
    unsigned hang_seconds;    /* an input running this long is a hang (engine and replays) */
    uint64_t seed, runs;      /* 0: the engine's choice / no bound */
    bool stop_at_first;       /* stop at the first new finding, not only at the time limit */
    bool free_running;        /* threads run at once (--mode free, or --san tsan) */
    unsigned closing_seconds; /* the end of --time kept for closing.c */
    bool closing_given;       /* --closing, else closing_seconds is the default */
};
/* From this --time on, a campaign keeps a tenth of it for closing.c. */
#define CLOSING_FROM_SECONDS 60

struct campaign {
    const char *target, *log_path;
    struct fuzz_options *o;
    unsigned confirmed, unconfirmed;
    /* What the campaign passes over: --known, the findings saved in
     * OUT/findings before it, and each new one it confirms; kept in
     * OUT/known.txt, which the targets read (GAUNTLET_KNOWN) and the replays
     * are given (--known). A crash file whose finding is known is a repeat. */
    struct known_findings *known;
    char known_path[4200];
    char dict_path[4200];            /* OUT/fuzz.dict (dictionary.c) */
    char history_dir[4200];          /* OUT/history: the targets' input histories (history.c) */
    struct allocator_identity alloc; /* its version and family (dictionary.c's probe) */
    unsigned repeats;
    /* An input failed only after earlier inputs' heap state: from then on the
     * engine fuzzes past crashes (libFuzzer -fork with -ignore_crashes, each
     * job a fresh process) and crash files are confirmed while it runs. */
    bool keep_going;
    uint64_t executions;   /* over every round */
    double engine_seconds; /* likewise */
    /* The last round: how its engine ended, what it did, where its log starts. */
    int engine_status;   /* the wait status of the engine (AFL++: the main instance) */
    bool engine_stopped; /* stopped by gauntlet fuzz (a finding, a signal, an overrun) */
    uint64_t round_executions;
    long round_log_from;
    /* The engine exited 0 by itself without its closing line: ended from
     * inside the target without a crash (libFuzzer only; AFL++ runs its
     * target in processes of its own). */
    bool ended_silently;
    unsigned silent_ends; /* rounds that ended so: a finding without an input */
    /* Programs closing.c judged: in rounds, free-running, under a setting. */
    unsigned closing_rounds, closing_free, closing_settings;
};

/* Below this much room a campaign's files may be cut short: it stops. */
#define CAMPAIGN_MIN_ROOM ((uint64_t)1 << 20)
/* Exits 2, saying so, when the file system holding PATH has less room. */
void require_room(const char *path);

/* engine.c: one round of the engine, until its time limit, its first
 * crash, or (keep_going, or an AFL++ secondary's crash) the first confirmed
 * finding; adds the round's executions and seconds to the campaign. */
void run_libfuzzer(struct campaign *c, const char *target, const char *log_path);
void run_afl(struct campaign *c, const char *target, const char *log_path);
/* Runs argv alone on one file in a fresh process group (output to out_path),
 * stopped after `seconds`; returns the wait status, *timed_out when stopped. */
int run_once(const char *const argv[], const char *out_path, unsigned seconds, bool *timed_out);
/* afl_queue.c: copies every input queued by the AFL++ instances under
 * afl_out into corpus (named by a hash of the bytes; ones there already are
 * passed over); returns how many were added. A write error exits 2. */
unsigned afl_queue_to_corpus(const char *afl_out, const char *corpus);

/* findings.c: every crash or hang file the engines left, confirmed by
 * `gauntlet run` in a fresh process (a sanitized campaign: also by its
 * sanitized target on the file alone, else joined with the inputs its
 * process ran before it): a finding is saved in OUT/findings/; one that
 * does not reproduce goes to OUT/unconfirmed/ (and out of the corpus).
 * While the engine runs (final false) a file is taken only once it is
 * non-empty and unchanged since the previous call (the engine may still be
 * writing it); final: every file. A replay that cannot judge a file is a
 * set-up error (exit 2). */
void collect_findings(struct campaign *c, bool final);
/* Where a finding from `file` is kept: OUT/findings/NAME (BASE, without
 * extension), NAME made plain and not yet taken. */
void finding_base(const struct campaign *c, const char *file, char *base, size_t len);
/* Saves a confirmed finding whose program is at BASE.bin: its text and
 * its report (then `note`), and says so (`flag` after its signature). */
void save_finding(const char *base, const struct child_verdict *r, const char *note,
                  const char *flag);
/* The finding's signature joins the known ones (OUT/known.txt). */
void learn_finding(struct campaign *c, const char *signature);
/* The known findings as they are now, kept as BASE.known beside a finding
 * (its report's commands name this copy, which later findings do not
 * change), its name into path; false when none is known (nothing written). */
bool snapshot_known(const struct campaign *c, const char *base, char *path, size_t len);
/* history.c: a crash file that passed alone, run again joined with the
 * inputs its process ran before it (the last 1, 2, 4, … of them), each
 * joined program written to path and judged by `gauntlet run` with
 * options. Returns how many earlier inputs the failing program joins, r its
 * verdict; 0 when no process left a history for it or none fails. */
unsigned replay_with_history(struct campaign *c, const uint8_t *crash, size_t crash_len,
                             const char *path, const struct run_options *options,
                             struct child_verdict *r);
/* closing.c: the corpus judged by what one execution cannot show (rounds:
 * memory never reused; threaded programs free-running: races; the
 * family's suggested settings: the paths they open), largest program
 * first, until `deadline`; new findings confirmed and saved. */
void judge_corpus_closing(struct campaign *c, time_t deadline);
/* seeds.c: the seed corpus (corpus/seeds and corpus/regressions, binary)
 * written into corpus, but for the regressions that fail on `version` ("":
 * none left out); `command` names who says so. */
void write_seed_corpus(const char *command, const char *corpus, const char *version);
/* The signature each regression that fails on c->alloc.version fails with
 * here, added to c->known. */
void know_affecting_regressions(struct campaign *c);
/* dictionary.c: writes OUT/fuzz.dict, gauntlet.dict and the allocator's
 * probed size-class edges, and names it in c->dict_path. */
void write_campaign_dictionary(struct campaign *c);
/* The campaign's known findings at its start: --known, the reports saved
 * in OUT/findings/ and the regressions this version fails; writes
 * OUT/known.txt (after write_campaign_dictionary, which learns the version). */
void start_known(struct campaign *c);
size_t count_files(const char *dir, const char *prefix);

#endif
