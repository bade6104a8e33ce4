/*
 * blocks.c — every block a stress workload holds goes through here: the
 * allocator call (through the adapter), the bytes written into it, the
 * live-bytes count, and the content check that makes a stress run catch
 * corruption too.
 *
 * A block is written in full, as a program uses its memory: a plain memset
 * (checks off, the baseline of the checks' cost), or (checks on) the
 * harness's content pattern, unique to the block: in every byte of a small
 * block, on sampled spans of a larger one (memset elsewhere: writing the
 * pattern costs more than memset, and only the sampled spans are read).
 * Verification samples bytes and blocks: small blocks in every byte, larger
 * ones at head, tail and one stripe per page; at free, one block in
 * CHECK_ONE_IN (chosen by its tag, so the same ones every run), because
 * reading a block the program would not read costs a cache miss per block,
 * which more than doubled a workload of small scattered frees (make
 * bench-stress). realloc always verifies the kept bytes' spans.
 */
#include "stress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FULL_FILL    ((size_t)256) /* blocks up to this carry the pattern in every byte */
#define FULL_CHECK   ((size_t)64)  /* blocks up to this are verified in every byte */
#define EDGE         ((size_t)16)  /* the head, tail and stripe spans of larger blocks */
#define PAGE_STRIDE  ((size_t)4096)
#define CHECK_ONE_IN 4 /* blocks verified at free */

static void raise_to(atomic_size_t *peak, size_t value)
{
    size_t seen = atomic_load_explicit(peak, memory_order_relaxed);
    while (value > seen && !atomic_compare_exchange_weak_explicit(
                               peak, &seen, value, memory_order_relaxed, memory_order_relaxed)) {
    }
}

void stress_count_live(struct stress_run *r, size_t added, size_t removed)
{
    size_t now = atomic_fetch_add_explicit(&r->live_bytes, added - removed, memory_order_relaxed) +
                 added - removed;
    if (added > removed) {
        raise_to(&r->peak_live_bytes, now);
        raise_to(&r->phase_peak_live, now);
    }
}

_Noreturn void stress_finding(struct stress_run *r, const char *invariant, const char *fmt, ...)
{
    char what[512], text[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    int n = snprintf(text, sizeof text,
                     "gauntlet: VIOLATION of `%s`\n"
                     "  allocator: %s — %s\n"
                     "  workload:  %s (stress, seed %llu, scale %g)\n"
                     "  actual:    %s\n"
                     "  reproduce: %s\n",
                     invariant, r->alloc->name, r->alloc->version, r->params->workload,
                     (unsigned long long)r->params->seed, r->params->scale, what, r->command_line);
    fflush(stdout);
    if (n > 0 && write(STDERR_FILENO, text, (size_t)n) < 0) _exit(1);
    _exit(1);
}

/* The bytes that carry the pattern (checks on): all of a block up to
 * FULL_FILL; above, a plain memset with the pattern on the spans that
 * verify() samples: the head, EDGE bytes at every multiple of PAGE_STRIDE,
 * and the tail. The stripes sit at the same offsets whatever the size, so
 * they survive a realloc; the tail is rewritten after one. */
static void write_pattern(const struct sblock *b)
{
    size_t n = b->size;
    if (n <= FULL_FILL) {
        pattern_fill_span(b->p, 0, n, b->tag);
        return;
    }
    pattern_fill_span(b->p, 0, EDGE, b->tag);
    for (size_t at = PAGE_STRIDE; at + EDGE <= n; at += PAGE_STRIDE)
        pattern_fill_span(b->p, at, at + EDGE, b->tag);
    pattern_fill_span(b->p, n - EDGE, n, b->tag);
}

/* Writes bytes [from, size) as a program would, and (checks on) the pattern. */
static void write_block(const struct stress_run *r, const struct sblock *b, size_t from)
{
    if (!r->params->checks || b->size > FULL_FILL)
        memset((char *)b->p + from, (int)(b->tag & 0xff), b->size - from);
    if (r->params->checks) write_pattern(b);
}

/* Verifies the pattern's spans inside [0, limit); the tail only when the
 * whole block is checked (at free, or before a growing realloc). */
static void verify(struct stress_run *r, const struct sblock *b, size_t limit, const char *when)
{
    if (!r->params->checks || limit == 0) return;
    struct pattern_mismatch m;
    bool whole = limit == b->size, ok;
    if (whole && b->size <= FULL_CHECK) {
        ok = pattern_verify_span(b->p, 0, limit, b->tag, &m);
    } else {
        ok = pattern_verify_span(b->p, 0, limit < EDGE ? limit : EDGE, b->tag, &m);
        for (size_t at = PAGE_STRIDE; ok && at + EDGE <= limit; at += PAGE_STRIDE)
            ok = pattern_verify_span(b->p, at, at + EDGE, b->tag, &m);
        if (ok && whole) ok = pattern_verify_span(b->p, limit - EDGE, limit, b->tag, &m);
    }
    if (!ok)
        stress_finding(r, "contents",
                       "%s a block of %zu bytes at %p: byte %zu is 0x%02x, the block's pattern "
                       "says 0x%02x (checked: %s)",
                       when, b->size, b->p, m.offset, m.actual, m.expected,
                       whole && b->size <= FULL_CHECK ? "every byte"
                                                      : "head, tail, 16 bytes per 4 KiB");
}

void sblock_alloc(struct stress_run *r, struct sblock *b, size_t size, uint64_t tag)
{
    b->p = r->alloc->malloc(size);
    atomic_fetch_add_explicit(&r->ops, 1, memory_order_relaxed);
    if (b->p == NULL)
        stress_finding(r, "unexpected-failure", "malloc(%zu) returned NULL (errno unchecked)",
                       size);
    b->size = size;
    b->tag = tag;
    write_block(r, b, 0);
    stress_count_live(r, size, 0);
}

void sblock_free(struct stress_run *r, struct sblock *b)
{
    if (b->p == NULL) return;
    if (((b->tag * UINT64_C(0x9E3779B97F4A7C15)) >> 32) % CHECK_ONE_IN == 0)
        verify(r, b, b->size, "at free:");
    r->alloc->free(b->p);
    atomic_fetch_add_explicit(&r->ops, 1, memory_order_relaxed);
    stress_count_live(r, 0, b->size);
    b->p = NULL;
    b->size = 0;
}

void sblock_resize(struct stress_run *r, struct sblock *b, size_t new_size)
{
    void *q = r->alloc->realloc(b->p, new_size);
    atomic_fetch_add_explicit(&r->ops, 1, memory_order_relaxed);
    if (q == NULL)
        stress_finding(r, "unexpected-failure",
                       "realloc(%p, %zu) of a %zu-byte block returned NULL", b->p, new_size,
                       b->size);
    size_t old_size = b->size;
    b->p = q;
    verify(r, b, old_size < new_size ? old_size : new_size, "after realloc:");
    b->size = new_size;
    if (new_size > old_size)
        write_block(r, b, old_size);
    else if (r->params->checks)
        write_pattern(b); /* the new tail, or all of a block now small */
    stress_count_live(r, new_size, old_size);
}
