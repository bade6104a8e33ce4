/*
 * test_bench_replay.c — `gauntlet bench`'s raw replay (cli/bench_replay.c)
 * against a stand-in allocator that records its calls: the replay makes the
 * checked run's calls in the checked run's order, and never hands the
 * allocator a block it no longer owns (a replay that did once corrupted
 * mimalloc's free lists, and the bench hung in a heap visit).
 */
#include "cli.h"

#include <check.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* Blocks are addresses in this array, never memory handed to anyone. */
#define STAND_IN_BLOCKS 16
static char arena[STAND_IN_BLOCKS];
static struct {
    bool live, in_heap;
} block[STAND_IN_BLOCKS];
static unsigned next_block, bad_frees;
static char calls[64]; /* m: malloc, f: free, h: heap_malloc, d: heap_destroy, r: realloc */
static char heap_token;

static void record(char call)
{
    size_t n = strlen(calls);
    if (n + 1 < sizeof calls) calls[n] = call;
}

static void *make(bool in_heap)
{
    unsigned b = next_block++ % STAND_IN_BLOCKS;
    block[b].live = true;
    block[b].in_heap = in_heap;
    return &arena[b];
}

static void release(void *p)
{
    if (p == NULL) return;
    unsigned b = (unsigned)((char *)p - arena);
    if (!block[b].live) bad_frees++;
    block[b].live = false;
}

static void *stand_in_malloc(size_t size)
{
    (void)size;
    record('m');
    return make(false);
}

static void stand_in_free(void *p)
{
    record('f');
    release(p);
}

/* Fails every request above a page: the block stays as it was. */
static void *stand_in_realloc(void *p, size_t size)
{
    record('r');
    if (size > 4096) return NULL;
    return p ? p : make(false);
}

static void *stand_in_heap_new(void)
{
    return &heap_token;
}

static void *stand_in_heap_malloc(void *heap, size_t size)
{
    (void)heap;
    (void)size;
    record('h');
    return make(true);
}

static void stand_in_heap_destroy(void *heap)
{
    (void)heap;
    record('d');
    for (unsigned b = 0; b < STAND_IN_BLOCKS; b++)
        if (block[b].live && block[b].in_heap) block[b].live = false;
}

static struct allocator stand_in(void)
{
    struct allocator a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "stand-in");
    a.malloc = stand_in_malloc;
    a.free = stand_in_free;
    a.realloc = stand_in_realloc;
    a.own.heap_malloc =
        (struct own_call){HEAP_MALLOC_MI, (void *)stand_in_heap_malloc, (void *)stand_in_heap_new};
    a.own.heap_destroy = (struct own_call){HEAP_MALLOC_MI, (void *)stand_in_heap_destroy, NULL};
    return a;
}

static void replay(const char *text)
{
    struct program p;
    char err[256];
    program_init(&p);
    ck_assert_msg(program_parse_text(text, strlen(text), "replay.txt", &p, err, sizeof err), "%s",
                  err);
    memset(block, 0, sizeof block);
    memset(calls, 0, sizeof calls);
    next_block = bad_frees = 0;
    struct allocator a = stand_in();
    bench_replay_raw(&p, &a);
    program_release(&p);
}

/* A slot's block is freed before the call that replaces it, as the
 * executor's implicit free does. */
START_TEST(replay_frees_a_slot_before_refilling_it)
{
    replay("t0 malloc s0 10\nt0 malloc s0 20\n");
    ck_assert_str_eq(calls, "mfmf");
    ck_assert_uint_eq(bad_frees, 0);
}
END_TEST

static unsigned live_blocks(void)
{
    unsigned n = 0;
    for (unsigned b = 0; b < STAND_IN_BLOCKS; b++)
        n += block[b].live;
    return n;
}

/* A block whose realloc failed stays the slot's, freed once at the end;
 * a heap block stays the heap's: the heap's destruction frees it, and the
 * replay frees it no more. */
START_TEST(replay_keeps_a_block_whose_realloc_failed)
{
    replay("t0 malloc s0 10\nt0 realloc s0 1MiB\n");
    ck_assert_str_eq(calls, "mrf");
    replay("t0 heap_malloc s0 100\nt0 realloc s0 1MiB\nt0 heap_destroy\nt0 malloc s0 10\n");
    ck_assert_str_eq(calls, "hrdmf");
    ck_assert_uint_eq(bad_frees, 0);
    ck_assert_uint_eq(live_blocks(), 0);
}
END_TEST

Suite *bench_replay_suite(void)
{
    Suite *s = suite_create("bench_replay");
    TCase *tc = tcase_create("raw");
    tcase_add_test(tc, replay_frees_a_slot_before_refilling_it);
    tcase_add_test(tc, replay_keeps_a_block_whose_realloc_failed);
    suite_add_tcase(s, tc);
    return s;
}
