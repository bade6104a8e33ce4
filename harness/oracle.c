/*
 * oracle.c — the shadow model of every live block, and the checks made on
 * it by the rules of rules.h: a call's verdict (with the allocator's known
 * deviations), then a new block's alignment, usable size, zeroes, overlap
 * and kept bytes, and every block's contents. It knows the allocator only
 * through its policy and calls nothing: the usable size of a new block is
 * asked by the executor and handed in.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void oracle_init(struct oracle *o, const struct alloc_policy *policy, size_t cap, bool strict,
                 bool concurrent)
{
    o->policy = policy;
    o->cap = cap;
    o->strict = strict;
    o->concurrent = concurrent;
    pthread_mutex_init(&o->lock, NULL);
}

void oracle_release(struct oracle *o)
{
    pthread_mutex_destroy(&o->lock);
}

static void lock_shared(struct oracle *o)
{
    if (o->concurrent) pthread_mutex_lock(&o->lock);
}
static void unlock_shared(struct oracle *o)
{
    if (o->concurrent) pthread_mutex_unlock(&o->lock);
}

/* Called with the counters locked, after each change of live_bytes. */
static void publish_live_bytes(const struct op_context *c)
{
    atomic_size_t *out = c->run->config->live_bytes_out;
    if (out) atomic_store_explicit(out, c->run->oracle.live_bytes, memory_order_relaxed);
}

void oracle_set_aside(struct op_context *c, unsigned slot)
{
    struct oracle *o = &c->run->oracle;
    struct shadow_block *s = &o->blocks[slot];
    lock_shared(o);
    if (s->counted) {
        shadow_map_remove(&o->map, (int32_t)slot);
        o->live_bytes -= s->requested;
        publish_live_bytes(c);
    }
    s->counted = s->live = false;
    o->set_aside++;
    unlock_shared(o);
}

static bool same_key(const struct finding_key *a, const struct finding_key *b)
{
    return a->invariant == b->invariant && a->failure == b->failure && a->kind == b->kind &&
           a->band == b->band && a->cross == b->cross;
}

/* Counts an occurrence of the finding; true the first time the run meets it
 * (and always once the table is full: reported rather than lost). */
static bool count_finding(struct op_context *c, const struct finding_key *key, bool known)
{
    struct oracle *o = &c->run->oracle;
    lock_shared(o);
    bool first = true;
    for (unsigned i = 0; i < o->finding_count; i++)
        if (same_key(&o->findings[i].key, key)) {
            o->findings[i].count++;
            first = false;
            break;
        }
    if (first && o->finding_count < RUN_FINDINGS_MAX)
        o->findings[o->finding_count++] =
            (struct run_finding){.key = *key, .known = known, .count = 1, .first_index = c->index};
    unlock_shared(o);
    return first;
}

void oracle_breach(struct op_context *c, int slot, const struct shadow_block *block,
                   const struct breach *b, const char *note)
{
    const struct run_config *config = c->run->config;
    struct violation v = {.invariant = b->invariant, .slot = slot, .block = block};
    struct finding_key key = finding_key_of(c->op, block, c->thread, b);
    finding_signature(&key, v.signature, sizeof v.signature);
    bool fatal = b->invariant == INV_HANG; /* the hung call still holds its thread */
    bool known = !fatal && config->known && known_findings_match(config->known, v.signature);
    bool first = count_finding(c, &key, known);
    if (known) {
        c->stats->known_findings++;
        if (first) {
            char message[160];
            snprintf(message, sizeof message, "known finding %s passed over (--known)",
                     v.signature);
            report_note(c, message);
        }
    } else {
        if (first || !config->keep_going || fatal) {
            rule_describe(b, v.expected, sizeof v.expected, v.actual, sizeof v.actual);
            snprintf(v.detail, sizeof v.detail, "%s", note ? note : rule_failure_note(b->failure));
            report_violation(c, &v);
        }
        if (!config->keep_going || fatal) {
            if (config->after_violation) config->after_violation();
            _exit(1);
        }
        c->stats->violations++;
        if (first) c->stats->distinct_violations++;
    }
    if (slot >= 0 && rule_failure_harms_block(b->failure)) oracle_set_aside(c, (unsigned)slot);
}

/* A known deviation excused a breach: counted, and noted the first time
 * its table entry excuses anything in this run. */
static void note_excuse(struct op_context *c, int entry)
{
    struct oracle *o = &c->run->oracle;
    c->stats->known_deviations++;
    lock_shared(o);
    bool first = rule_first_note(&o->deviations_noted, entry);
    unlock_shared(o);
    if (!first) return;
    const struct known_deviation *d = &o->policy->deviations[entry];
    char note[384];
    snprintf(note, sizeof note, "known deviation (%s): %s", excuse_name(d->excuses), d->what);
    report_note(c, note);
}

void oracle_note_excuses(struct op_context *c, uint32_t entries)
{
    for (int entry = 0; entries; entry++, entries >>= 1)
        if (entries & 1) note_excuse(c, entry);
}

bool oracle_verdict_holds(struct op_context *c, const struct verdict *v)
{
    if (v->breach.failure == F_NONE) return true;
    const struct shadow_block *b = &c->run->oracle.blocks[c->op->slot];
    oracle_breach(c, c->op->slot, b->live ? b : NULL, &v->breach, NULL);
    return false;
}

struct verdict oracle_hold_choice(struct op_context *c, struct verdict v, rule_judge judge,
                                  const struct call_result *r)
{
    struct oracle *o = &c->run->oracle;
    lock_shared(o);
    v = rule_hold_choice(v, judge, c->op, r, &o->held, c->index);
    unlock_shared(o);
    return v;
}

/* A breach the allocator's table may excuse: true when it did. */
static bool excused(struct op_context *c, const struct breach *b)
{
    struct oracle *o = &c->run->oracle;
    int entry = rule_excuse_for(b, o->policy->deviations, c->op, o->strict);
    if (entry >= 0) note_excuse(c, entry);
    return entry >= 0;
}

/* Bytes [from, requested) of p must read zero. */
static bool check_zeroed(struct op_context *c, unsigned slot, void *p, size_t from,
                         size_t requested)
{
    struct breach b = rule_no_breach(p);
    uint8_t value;
    if (from >= requested ||
        !find_nonzero_byte((uint8_t *)p + from, requested - from, &b.offset, &value))
        return true;
    b.offset += from;
    b.failure = F_NOT_ZEROED;
    b.invariant = INV_CALLOC_ZERO;
    b.want = requested;
    b.got = value;
    if (excused(c, &b)) return true;
    oracle_breach(c, (int)slot, NULL, &b, NULL);
    return false;
}

/* Inserts the block into the overlap map and the live count; false (and a
 * report) when it overlaps a live block. */
static bool claim(struct op_context *c, unsigned slot, void *p, size_t requested, size_t extent,
                  uint64_t *generation)
{
    struct oracle *o = &c->run->oracle;
    lock_shared(o);
    int32_t other = shadow_map_insert(&o->map, (int32_t)slot, (uintptr_t)p, (uintptr_t)p + extent);
    *generation = ++o->generation;
    feedback_block_accepted(c, (uintptr_t)p, requested, c->op->kind == OP_CALLOC);
    if (other < 0) {
        o->live_bytes += requested;
        if (o->live_bytes > o->peak_live_bytes) o->peak_live_bytes = o->live_bytes;
        if (o->live_bytes > c->stats->peak_live_bytes) c->stats->peak_live_bytes = o->live_bytes;
        publish_live_bytes(c);
    }
    unlock_shared(o);
    if (other < 0) return true;
    const struct shadow_block *live = &o->blocks[other];
    struct breach b = rule_no_breach(p);
    b.failure = F_OVERLAP;
    b.invariant = INV_OVERLAP;
    b.extent = extent;
    b.other_slot = other;
    b.other = live->ptr;
    b.other_extent = rule_extent(live->requested, live->usable);
    oracle_breach(c, (int)slot, live, &b, NULL);
    return false;
}

bool oracle_check_alignment(struct op_context *c, unsigned slot, const void *p,
                            const struct verdict *v, bool *misplaced)
{
    struct breach b = rule_check_alignment(p, v->required_align, v->align_offset);
    *misplaced = false;
    if (b.failure == F_NONE) return true;
    if ((*misplaced = excused(c, &b))) return true;
    oracle_breach(c, (int)slot, NULL, &b, NULL);
    return false;
}

bool oracle_accept_block(struct op_context *c, unsigned slot, const struct new_block *n,
                         const struct verdict *v, const struct shadow_block *previous)
{
    struct oracle *o = &c->run->oracle;
    void *p = n->p;
    size_t usable = n->usable_known ? n->usable : 0;
    if (n->usable_known) {
        struct breach b = rule_check_usable(p, n->usable, n->requested);
        if (b.failure != F_NONE) {
            oracle_breach(c, (int)slot, NULL, &b, NULL);
            return false;
        }
    }
    if (v->zeroed && !check_zeroed(c, slot, p, v->zero_from, n->requested)) return false;
    uint64_t generation;
    if (!claim(c, slot, p, n->requested, rule_extent(n->requested, usable), &generation))
        return false;

    struct shadow_block *s = &o->blocks[slot];
    if (previous) {
        /* The bytes realloc kept must still carry the previous block's pattern. */
        *s = *previous;
        s->ptr = p;
        s->counted = true; /* claimed: set aside, it leaves the books */
        if (!oracle_verify_contents(c, slot, n->requested, INV_REALLOC)) return false;
    }
    s->ptr = p;
    s->requested = n->requested;
    s->usable = usable;
    s->align = v->align_asked;
    s->seed = pattern_seed(generation, slot);
    s->made_at = c->index;
    s->made_by = c->op->kind;
    s->thread = (uint8_t)c->thread;
    s->live = s->counted = true;
    s->misplaced = n->misplaced;
    s->heap = n->heap;
    s->zero = rule_zero_books((enum op_kind)c->op->kind,
                              previous ? previous->zero : (struct zero_books){false, 0},
                              previous && previous->ptr == p, n->requested);
    if (c->run->config->fill_whole)
        pattern_fill_span(p, 0, n->requested, s->seed); /* the sampled spans hold the same bytes */
    else
        pattern_fill(p, n->requested, s->seed);
    return true;
}

bool oracle_verify_contents(struct op_context *c, unsigned slot, size_t limit,
                            enum invariant invariant)
{
    const struct shadow_block *s = &c->run->oracle.blocks[slot];
    if (limit > s->requested) limit = s->requested;
    if (pattern_is_sampled(s->requested)) c->stats->sampled_checks++;
    struct pattern_mismatch m;
    if (pattern_verify(s->ptr, s->requested, limit, s->seed, &m)) return true;
    char how[160];
    rule_describe_sampling(s->requested, how, sizeof how);
    struct breach b = rule_pattern_breach(invariant, s->ptr, s->seed, m.offset, m.actual);
    oracle_breach(c, (int)slot, s, &b, how);
    return false;
}

void oracle_release_block(struct op_context *c, unsigned slot)
{
    struct oracle *o = &c->run->oracle;
    struct shadow_block *s = &o->blocks[slot];
    lock_shared(o);
    s->live = s->counted = false;
    shadow_map_remove(&o->map, (int32_t)slot);
    o->live_bytes -= s->requested;
    publish_live_bytes(c);
    feedback_block_freed(c, (uintptr_t)s->ptr, s->thread);
    unlock_shared(o);
    if (s->thread != c->thread) c->stats->cross_thread++;
}

bool oracle_restore_block(struct op_context *c, unsigned slot)
{
    struct oracle *o = &c->run->oracle;
    struct shadow_block *s = &o->blocks[slot];
    lock_shared(o);
    int32_t other = shadow_map_insert(&o->map, (int32_t)slot, (uintptr_t)s->ptr,
                                      (uintptr_t)s->ptr + rule_extent(s->requested, s->usable));
    if (other < 0) {
        o->live_bytes += s->requested;
        publish_live_bytes(c);
        s->live = s->counted = true;
    }
    unlock_shared(o);
    if (other < 0) return true;
    struct breach b = rule_no_breach(s->ptr);
    b.failure = F_OVERLAP_RESTORED;
    b.invariant = INV_OVERLAP;
    b.other_slot = other;
    oracle_breach(c, (int)slot, &o->blocks[other], &b, NULL);
    return false;
}

bool oracle_check_usable(struct op_context *c, unsigned slot, size_t usable_now)
{
    const struct shadow_block *s = &c->run->oracle.blocks[slot];
    if (usable_now == s->usable) return true;
    struct breach b = rule_no_breach(s->ptr);
    b.failure = F_USABLE_CHANGED;
    b.invariant = INV_USABLE_SIZE;
    b.want = s->usable;
    b.got = usable_now;
    oracle_breach(c, (int)slot, s, &b, NULL);
    return false;
}
