/*
 * oracle.c — the shadow model of every live block and the checks made on it:
 * alignment, usable size, overlap, contents, zeroing, and the errno of
 * failures. It knows the allocator only through its policy table.
 */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void oracle_init(struct oracle *o, const struct alloc_policy *policy, size_t cap, bool strict,
                 bool concurrent, bool reused)
{
    o->policy = policy;
    o->cap = cap;
    o->strict = strict;
    o->concurrent = concurrent;
    if (reused)
        shadow_map_reuse(&o->map, o->map_storage, GAUNTLET_MAX_SLOTS);
    else
        shadow_map_init(&o->map, o->map_storage, GAUNTLET_MAX_SLOTS);
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

static void copy_text(char *to, size_t size, const char *from)
{
    size_t len = strnlen(from, size - 1);
    memcpy(to, from, len);
    to[len] = '\0';
}

_Noreturn void oracle_fail(struct op_context *c, const char *invariant, int slot,
                           const struct shadow_block *block, const char *detail,
                           const char *expected_fmt, ...)
{
    struct violation v = {.invariant = invariant, .slot = slot, .block = block};
    char both[512];
    va_list args;
    va_start(args, expected_fmt);
    vsnprintf(both, sizeof both, expected_fmt, args);
    va_end(args);
    char *bar = strchr(both, '|');
    if (bar) *bar = '\0';
    copy_text(v.expected, sizeof v.expected, both);
    copy_text(v.actual, sizeof v.actual, bar ? bar + 1 : "");
    copy_text(v.detail, sizeof v.detail, detail ? detail : "");
    report_violation(c, &v);
}

bool oracle_excused(struct op_context *c, const char *invariant)
{
    struct oracle *o = &c->run->oracle;
    const struct known_deviation *d = policy_excuse(o->policy, invariant, c->op);
    if (d == NULL || o->strict) return false;
    c->stats->known_deviations++;
    uint32_t bit = 1u << ((d - o->policy->deviations) % 32);
    lock_shared(o);
    bool first = !(o->deviations_noted & bit);
    o->deviations_noted |= bit;
    unlock_shared(o);
    if (first) {
        char note[384];
        snprintf(note, sizeof note, "known deviation (%s): %s", invariant, d->what);
        report_note(c, note);
    }
    return true;
}

void oracle_check_failure_errno(struct op_context *c, int saved_errno, const char *invariant)
{
    if (saved_errno == ENOMEM || oracle_excused(c, "failure-errno")) return;
    oracle_fail(c, invariant, c->op->slot, NULL, "a failed allocation must set errno to ENOMEM",
                "errno ENOMEM (%d)|errno %d (%s)", ENOMEM, saved_errno, strerror(saved_errno));
}

static char *describe_sampling(size_t size, char *buf, size_t len)
{
    if (pattern_is_sampled(size))
        snprintf(buf, len, "checked sampled: head %zu B, tail %zu B, %zu B every %zu B of %zu B",
                 PATTERN_SAMPLE_EDGE, PATTERN_SAMPLE_EDGE, PATTERN_STRIPE_SIZE,
                 pattern_stripe_step(size), size);
    else
        snprintf(buf, len, "checked every byte");
    return buf;
}

/* The bytes a block claims: its usable size (writable by contract) or at
 * least what was requested, and never nothing, so malloc(0)s stay distinct. */
static size_t extent_of(size_t requested, size_t usable)
{
    size_t extent = usable > requested ? usable : requested;
    return extent ? extent : 1;
}

static void check_alignment(struct op_context *c, unsigned slot, void *p, size_t required)
{
    if (required > 1 && ((uintptr_t)p & (required - 1)) != 0 && !oracle_excused(c, "alignment"))
        oracle_fail(c, "alignment", (int)slot, NULL, NULL,
                    "aligned to %zu|%p (aligned to %zu only)", required, p,
                    (size_t)((uintptr_t)p & -(uintptr_t)p));
}

static void check_zeroed(struct op_context *c, unsigned slot, void *p, size_t requested)
{
    size_t offset;
    uint8_t value;
    if (find_nonzero_byte(p, requested, &offset, &value))
        oracle_fail(c, "calloc-zero", (int)slot, NULL,
                    "calloc memory is checked over the whole request",
                    "byte %zu of %zu is 0|byte %zu is 0x%02x", offset, requested, offset, value);
}

void oracle_accept_block(struct op_context *c, unsigned slot, void *p, size_t requested,
                         size_t required_align, size_t align_requested, bool zeroed,
                         const struct shadow_block *previous)
{
    struct oracle *o = &c->run->oracle;
    const struct allocator *a = c->run->alloc;
    check_alignment(c, slot, p, required_align);
    size_t usable = 0;
    if (a->usable_size) {
        usable = a->usable_size(p);
        if (usable < requested)
            oracle_fail(c, "usable-size", (int)slot, NULL,
                        "malloc_usable_size right after the call", "at least %zu|%zu", requested,
                        usable);
    }
    size_t extent = extent_of(requested, usable);
    if (zeroed) check_zeroed(c, slot, p, requested);

    lock_shared(o);
    int32_t other = shadow_map_insert(&o->map, (int32_t)slot, (uintptr_t)p, (uintptr_t)p + extent);
    uint64_t generation = ++o->generation;
    feedback_block_accepted(o, (uintptr_t)p, requested, zeroed, c->thread);
    if (other < 0) {
        o->live_bytes += requested;
        if (o->live_bytes > o->peak_live_bytes) o->peak_live_bytes = o->live_bytes;
        if (o->live_bytes > c->stats->peak_live_bytes) c->stats->peak_live_bytes = o->live_bytes;
        publish_live_bytes(c);
    }
    unlock_shared(o);
    if (other >= 0) {
        const struct shadow_block *b = &o->blocks[other];
        oracle_fail(c, "overlap", (int)slot, b, "live blocks, with their usable sizes",
                    "[%p, %p) disjoint from live block s%d [%p, %p)|they overlap", p,
                    (void *)((uintptr_t)p + extent), other, b->ptr,
                    (void *)((uintptr_t)b->ptr + extent_of(b->requested, b->usable)));
    }

    struct shadow_block *b = &o->blocks[slot];
    if (previous) {
        /* The bytes realloc kept must still carry the previous block's pattern. */
        *b = *previous;
        b->ptr = p;
        oracle_verify_contents(c, slot, requested, "realloc");
    }
    b->ptr = p;
    b->requested = requested;
    b->usable = usable;
    b->align = align_requested;
    b->seed = generation * 1031 + slot;
    b->made_at = c->index;
    b->made_by = c->op->kind;
    b->thread = (uint8_t)c->thread;
    b->live = true;
    if (c->run->config->fill_whole)
        pattern_fill_span(p, 0, requested, b->seed); /* the sampled spans hold the same bytes */
    else
        pattern_fill(p, requested, b->seed);
}

void oracle_verify_contents(struct op_context *c, unsigned slot, size_t limit,
                            const char *invariant)
{
    const struct shadow_block *b = &c->run->oracle.blocks[slot];
    if (limit > b->requested) limit = b->requested;
    if (pattern_is_sampled(b->requested)) c->stats->sampled_checks++;
    struct pattern_mismatch m;
    if (pattern_verify(b->ptr, b->requested, limit, b->seed, &m)) return;
    char how[160];
    oracle_fail(c, invariant, (int)slot, b, describe_sampling(b->requested, how, sizeof how),
                "byte %zu of the block = 0x%02x (pattern of generation %llu)|0x%02x", m.offset,
                m.expected, (unsigned long long)(b->seed / 1031), m.actual);
}

void oracle_release_block(struct op_context *c, unsigned slot)
{
    struct oracle *o = &c->run->oracle;
    struct shadow_block *b = &o->blocks[slot];
    lock_shared(o);
    shadow_map_remove(&o->map, (uintptr_t)b->ptr);
    o->live_bytes -= b->requested;
    publish_live_bytes(c);
    feedback_block_freed(o, (uintptr_t)b->ptr, b->thread, c->thread);
    unlock_shared(o);
    if (b->thread != c->thread) c->stats->cross_thread++;
}

void oracle_restore_block(struct op_context *c, unsigned slot)
{
    struct oracle *o = &c->run->oracle;
    struct shadow_block *b = &o->blocks[slot];
    lock_shared(o);
    int32_t other = shadow_map_insert(&o->map, (int32_t)slot, (uintptr_t)b->ptr,
                                      (uintptr_t)b->ptr + extent_of(b->requested, b->usable));
    if (other < 0) {
        o->live_bytes += b->requested;
        publish_live_bytes(c);
    }
    unlock_shared(o);
    if (other >= 0)
        oracle_fail(c, "overlap", (int)slot, &o->blocks[other],
                    "after a failed realloc the old block must still be owned",
                    "old block %p still disjoint from others|it overlaps live block s%d", b->ptr,
                    other);
}

void oracle_check_usable(struct op_context *c, unsigned slot, size_t usable_now)
{
    const struct shadow_block *b = &c->run->oracle.blocks[slot];
    if (usable_now != b->usable)
        oracle_fail(c, "usable-size", (int)slot, b,
                    "usable size must not change while the block lives",
                    "%zu (as right after allocation)|%zu", b->usable, usable_now);
}
