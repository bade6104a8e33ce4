/*
 * trace_convert.c — a trace as a program of the harness (text form), so
 * that `gauntlet run` checks a real program's calls against any allocator
 * with the whole oracle, in the order the process made them (lock-step).
 *
 * A program has GAUNTLET_MAX_THREADS threads and GAUNTLET_MAX_SLOTS slots;
 * a process may have more of both:
 * - each thread of the process takes a program thread of its own while it
 *   lives; a later thread reuses a freed one after a `restart` (a fresh OS
 *   thread, as in the process); beyond that many at once, threads share
 *   one (folded: their frees of each other's blocks are then not
 *   cross-thread).
 * - each live block takes a slot; when all are taken, the slots are
 *   reclaimed in turn: the block in the next one is freed early (by the
 *   thread that made it) and the calls the process later makes on it are
 *   left out. Every such change is counted and printed.
 * Frees of pointers the trace never gave out (blocks from before recording
 * began, or from a call the recorder does not see) are skipped and counted.
 * The process's streams in, the program streams out: memory is the address
 * map of the live blocks, whatever the trace's length.
 */
#include "trace.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct converter {
    struct trace_conversion *stats;
    struct address_map addresses;
    uint64_t slot_ptr[GAUNTLET_MAX_SLOTS]; /* 0: free */
    unsigned next_victim;
    /* by program thread: the process thread that holds it (0: none), and
     * whether one did before (its next holder starts with a restart) */
    uint32_t holder[GAUNTLET_MAX_THREADS];
    bool used[GAUNTLET_MAX_THREADS];
    int fd;
    bool write_failed;
    char out[1 << 16];
    size_t out_used;
};

static void emit_text(struct converter *c, const char *text)
{
    size_t len = strlen(text);
    if (c->out_used + len + 1 > sizeof c->out) {
        if (write(c->fd, c->out, c->out_used) != (ssize_t)c->out_used) c->write_failed = true;
        c->out_used = 0;
    }
    memcpy(c->out + c->out_used, text, len);
    c->out_used += len;
    c->out[c->out_used++] = '\n';
}

static void emit(struct converter *c, const struct op *op)
{
    char line[256];
    op_format(op, line, sizeof line);
    emit_text(c, line);
    c->stats->operations++;
}

/* The program thread of process thread t (numbered from 1). */
static uint8_t thread_of(struct converter *c, uint32_t t)
{
    for (uint8_t i = 0; i < GAUNTLET_MAX_THREADS; i++)
        if (c->holder[i] == t) return i;
    for (uint8_t i = 0; i < GAUNTLET_MAX_THREADS; i++) {
        if (c->holder[i] != 0) continue;
        c->holder[i] = t;
        if (c->used[i]) {
            emit(c, &(struct op){.kind = OP_RESTART, .thread = i});
            c->stats->restarts++;
        }
        c->used[i] = true;
        return i;
    }
    c->stats->folded_threads++;
    return (uint8_t)((t - 1) % GAUNTLET_MAX_THREADS);
}

static void thread_ends(struct converter *c, uint32_t t)
{
    for (unsigned i = 0; i < GAUNTLET_MAX_THREADS; i++)
        if (c->holder[i] == t) c->holder[i] = 0;
}

static void release_slot(struct converter *c, struct address_entry *e)
{
    if (e->slot >= 0) c->slot_ptr[e->slot] = 0;
    address_remove(&c->addresses, e->ptr);
}

/* A slot for a new block: a free one, else the next in turn, whose block
 * is freed now and left out from here on. */
static uint8_t take_slot(struct converter *c)
{
    for (unsigned n = 0; n < GAUNTLET_MAX_SLOTS; n++) {
        unsigned s = (c->next_victim + n) % GAUNTLET_MAX_SLOTS;
        if (c->slot_ptr[s] == 0) return (uint8_t)s;
    }
    unsigned s = c->next_victim;
    c->next_victim = (s + 1) % GAUNTLET_MAX_SLOTS;
    struct address_entry *victim = address_find(&c->addresses, c->slot_ptr[s]);
    emit(c, &(struct op){.kind = OP_FREE, .thread = victim->thread, .slot = (uint8_t)s});
    victim->slot = ADDRESS_LEFT_OUT;
    c->slot_ptr[s] = 0;
    c->stats->evictions++;
    return (uint8_t)s;
}

/* The block a call returned now lives in slot s (or nowhere, if NULL). */
static void holds(struct converter *c, uint64_t ptr, uint8_t slot, uint8_t thread)
{
    if (ptr == 0) return;
    struct address_entry *e = address_add(&c->addresses, ptr);
    if (e->slot >= 0 && c->slot_ptr[e->slot] == ptr) c->slot_ptr[e->slot] = 0;
    e->slot = slot;
    e->thread = thread;
    c->slot_ptr[slot] = ptr;
    if (c->addresses.count > c->stats->max_live_blocks)
        c->stats->max_live_blocks = c->addresses.count;
}

static void unmatched(struct converter *c, const struct trace_record *r)
{
    if (c->stats->unmatched_frees++ == 0) {
        c->stats->first_unmatched_seq = r->seq;
        c->stats->first_unmatched_ptr = r->ptr_in;
    }
}

static void allocation(struct converter *c, const struct trace_record *r, struct op op)
{
    op.slot = take_slot(c);
    emit(c, &op);
    holds(c, r->ptr_out, op.slot, op.thread);
}

/* realloc and reallocarray: the block moves with its slot. */
static void resize(struct converter *c, const struct trace_record *r, struct op op)
{
    if (r->ptr_in == 0) return allocation(c, r, op);
    struct address_entry *e = address_find(&c->addresses, r->ptr_in);
    if (e == NULL || e->slot < 0) {
        if (e == NULL)
            unmatched(c, r);
        else
            c->stats->left_out++;
        if (e) address_remove(&c->addresses, r->ptr_in);
        if (r->ptr_out) address_add(&c->addresses, r->ptr_out)->slot = ADDRESS_LEFT_OUT;
        return;
    }
    op.slot = (uint8_t)e->slot;
    emit(c, &op);
    bool freed = r->ptr_out == 0 && (op.size == 0 || (op.kind == OP_REALLOCARRAY && op.count == 0));
    if (r->ptr_out == 0 && !freed) return; /* failed: the block stays */
    uint8_t made_by = e->thread;
    release_slot(c, e);
    holds(c, r->ptr_out, op.slot, made_by);
}

static void release(struct converter *c, const struct trace_record *r, struct op op)
{
    if (r->ptr_in == 0) {
        c->stats->null_frees++;
        return;
    }
    struct address_entry *e = address_find(&c->addresses, r->ptr_in);
    if (e == NULL) return unmatched(c, r);
    if (e->slot < 0) {
        c->stats->left_out++;
        address_remove(&c->addresses, r->ptr_in);
        return;
    }
    op.slot = (uint8_t)e->slot;
    emit(c, &op);
    release_slot(c, e);
}

static void usable(struct converter *c, const struct trace_record *r, struct op op)
{
    struct address_entry *e = address_find(&c->addresses, r->ptr_in);
    if (e == NULL || e->slot < 0) {
        c->stats->left_out++;
        return;
    }
    op.slot = (uint8_t)e->slot;
    emit(c, &op);
}

static void mark(struct converter *c, const struct trace_record *r)
{
    char label[TRACE_LABEL_SIZE], line[128];
    trace_mark_label(r, label);
    static const char *const sources[] = {"?", "signal", "every", "api"};
    snprintf(line, sizeof line, "# mark %llu %s (%s, event %llu)", (unsigned long long)r->extra,
             label[0] ? label : "-", sources[r->result < 4 ? r->result : 0],
             (unsigned long long)r->seq);
    emit_text(c, line);
    c->stats->marks++;
}

static void call(struct converter *c, const struct trace_record *r)
{
    c->stats->calls++;
    struct op op = {.thread = thread_of(c, r->thread), .size = r->size};
    switch (r->event) {
    case TRACE_MALLOC: op.kind = OP_MALLOC; return allocation(c, r, op);
    case TRACE_CALLOC: op.kind = OP_CALLOC, op.count = r->extra; return allocation(c, r, op);
    case TRACE_ALIGNED_ALLOC: op.kind = OP_ALIGNED_ALLOC, op.align = r->extra; break;
    case TRACE_POSIX_MEMALIGN: op.kind = OP_POSIX_MEMALIGN, op.align = r->extra; break;
    case TRACE_MEMALIGN: op.kind = OP_MEMALIGN, op.align = r->extra; break;
    case TRACE_VALLOC: op.kind = OP_MEMALIGN, op.align = TRACE_PAGE; break;
    case TRACE_PVALLOC:
        op.kind = OP_MEMALIGN, op.align = TRACE_PAGE;
        op.size = trace_pvalloc_size(r->size);
        break;
    case TRACE_REALLOC: op.kind = OP_REALLOC; return resize(c, r, op);
    case TRACE_REALLOCARRAY:
        op.kind = OP_REALLOCARRAY, op.count = r->extra;
        return resize(c, r, op);
    case TRACE_FREE: op.kind = OP_FREE, op.size = 0; return release(c, r, op);
    case TRACE_FREE_SIZED:
    case TRACE_FREE_ALIGNED_SIZED: op.kind = OP_FREE_SIZED, op.size = 0; return release(c, r, op);
    case TRACE_USABLE_SIZE: op.kind = OP_USABLE_SIZE, op.size = 0; return usable(c, r, op);
    }
    allocation(c, r, op);
}

bool trace_convert(struct trace_reader *r, int fd, uint64_t max_operations,
                   struct trace_conversion *stats)
{
    static struct converter c; /* big: kept out of the stack */
    memset(&c, 0, sizeof c);
    memset(stats, 0, sizeof *stats);
    c.stats = stats;
    c.fd = fd;
    address_map_init(&c.addresses);
    char line[TRACE_COMMAND_BYTES + 64];
    snprintf(line, sizeof line, "# gauntlet trace of: %s", r->info.header.command);
    emit_text(&c, line);
    emit_text(&c,
              "# one operation per call the process made, in its order (gauntlet trace --help)");
    struct trace_record rec;
    while (trace_next(r, &rec)) {
        if (max_operations && stats->operations >= max_operations) {
            stats->limited = true;
            break;
        }
        switch (rec.event) {
        case TRACE_THREAD_START: stats->threads++; break;
        case TRACE_THREAD_EXIT: thread_ends(&c, rec.thread); break;
        case TRACE_MARK: mark(&c, &rec); break;
        case TRACE_FORK: emit_text(&c, "# fork (the child was not recorded)"); break;
        case TRACE_RSS:
        case TRACE_END: break;
        default:
            if (rec.event < TRACE_THREAD_START) call(&c, &rec);
        }
    }
    if (c.out_used && write(fd, c.out, c.out_used) != (ssize_t)c.out_used) c.write_failed = true;
    address_map_release(&c.addresses);
    return !c.write_failed;
}
