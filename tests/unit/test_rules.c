/*
 * test_rules.c — rules.h, the contract the oracle and every reproducer
 * share: each rule's verdicts at its edges, and the tables' completeness (a
 * failure without a message, a deviation scope without a test, would fail
 * here before it could mislead a report).
 */
#include "internal.h"

#include <check.h>
#include <string.h>

static const struct alloc_choices strict_choices = {
    .weak_small_alignment = BEHAVES_NO,
    .realloc_zero_frees = BEHAVES_YES,
    .malloc_zero_null = BEHAVES_NO,
    .aligned_alloc_bad_align_rounds = BEHAVES_NO,
    .memalign_bad_align_rounds = BEHAVES_NO,
};

START_TEST(impossible_requests)
{
    size_t bytes;
    ck_assert(!rule_request_is_impossible(1, PTRDIFF_MAX, &bytes));
    ck_assert_uint_eq(bytes, (size_t)PTRDIFF_MAX);
    ck_assert(rule_request_is_impossible(1, (size_t)PTRDIFF_MAX + 1, &bytes));
    ck_assert(rule_request_is_impossible(SIZE_MAX / 16 + 1, 16, &bytes));
    ck_assert_uint_eq(bytes, SIZE_MAX); /* saturated */
    ck_assert(!rule_request_is_impossible(SIZE_MAX / 16 / 2, 16, &bytes));
    ck_assert(!rule_request_is_impossible(SIZE_MAX, 0, &bytes));
    ck_assert_uint_eq(bytes, 0);
}
END_TEST

START_TEST(plain_alignment)
{
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_NO, 1), 16);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 1), 1);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 7), 4);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 8), 8);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 15), 8);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 16), 16);
    ck_assert_uint_eq(rule_plain_alignment(BEHAVES_YES, 0), 1);
}
END_TEST

START_TEST(alignment_arguments)
{
    struct alloc_choices rounds = strict_choices;
    rounds.aligned_alloc_bad_align_rounds = BEHAVES_YES;
    rounds.memalign_bad_align_rounds = BEHAVES_EITHER;
    struct op pm = {.kind = OP_POSIX_MEMALIGN, .size = 10, .align = 4};
    ck_assert_int_eq(rule_judge_alignment(&pm, &rounds), ALIGN_MUST_FAIL); /* < sizeof(void *) */
    pm.align = 24;
    ck_assert_int_eq(rule_judge_alignment(&pm, &rounds), ALIGN_MUST_FAIL);
    pm.align = 64;
    ck_assert_int_eq(rule_judge_alignment(&pm, &rounds), ALIGN_VALID);
    struct op aa = {.kind = OP_ALIGNED_ALLOC, .size = 10, .align = 24};
    ck_assert_int_eq(rule_judge_alignment(&aa, &rounds), ALIGN_ROUNDED);
    ck_assert_int_eq(rule_judge_alignment(&aa, &strict_choices), ALIGN_MUST_FAIL);
    struct op ma = {.kind = OP_MEMALIGN, .size = 10, .align = 0};
    ck_assert_int_eq(rule_judge_alignment(&ma, &rounds), ALIGN_EITHER);
    struct op m = {.kind = OP_MALLOC, .size = 10};
    ck_assert_int_eq(rule_judge_alignment(&m, &strict_choices), ALIGN_VALID);
}
END_TEST

/* Every scope has a call inside it and one outside (a new scope without a
 * case here fails the count). */
START_TEST(deviation_scopes)
{
    static const struct {
        enum deviation_scope scope;
        struct op in, out;
    } cases[] = {
        {DEVIATES_ALWAYS, {.kind = OP_MALLOC, .size = 1}, {.kind = OP_MALLOC}},
        {DEVIATES_ON_ZERO_SIZE,
         {.kind = OP_CALLOC, .size = 8, .count = 0},
         {.kind = OP_CALLOC, .size = 8, .count = 1}},
        {DEVIATES_ON_BAD_ALIGN,
         {.kind = OP_MEMALIGN, .size = 8, .align = 24},
         {.kind = OP_MEMALIGN, .size = 8, .align = 32}},
        {DEVIATES_ON_SMALL_OVERALIGNED,
         {.kind = OP_POSIX_MEMALIGN, .size = 1024, .align = 1024},
         {.kind = OP_POSIX_MEMALIGN, .size = 1025, .align = 1024}},
    };
    unsigned scopes = 0;
#define COUNT_SCOPE(scope, what) scopes++;
    GAUNTLET_DEVIATION_SCOPES(COUNT_SCOPE)
#undef COUNT_SCOPE
    ck_assert_uint_eq(scopes, sizeof cases / sizeof *cases);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ck_assert(rule_in_scope(cases[i].scope, &cases[i].in));
        if (cases[i].scope != DEVIATES_ALWAYS)
            ck_assert(!rule_in_scope(cases[i].scope, &cases[i].out));
    }
}
END_TEST

/* Every failure has an invariant-independent message: expected and actual. */
START_TEST(every_failure_is_described)
{
    enum failure all[] = {
#define LIST(f, excuse, harms, note) f,
        GAUNTLET_FAILURES(LIST)
#undef LIST
    };
    for (size_t i = 1; i < sizeof all / sizeof *all; i++) {
        struct breach b = rule_no_breach((void *)0x1000);
        b.failure = all[i];
        char expected[256], actual[256];
        rule_describe(&b, expected, sizeof expected, actual, sizeof actual);
        ck_assert_msg(expected[0] && actual[0], "failure %zu has no message", i);
    }
}
END_TEST

static struct verdict judge_alloc(enum op_kind kind, size_t size, size_t align, void *p,
                                  int saved_errno, const struct alloc_choices *choices,
                                  unsigned excused)
{
    struct op op = {.kind = kind, .size = size, .count = kind == OP_CALLOC ? 1 : 0, .align = align};
    struct call_result r = {.p = p, .untouched = UNTOUCHED_POINTER, .saved_errno = saved_errno};
    r.impossible = rule_request_is_impossible(rule_request_count(&op), size, &r.bytes);
    if (kind == OP_POSIX_MEMALIGN) r.status = p ? 0 : saved_errno;
    return rule_judge_allocation(&op, &r, choices, excused);
}

START_TEST(allocation_verdicts)
{
    void *block = (void *)(uintptr_t)0x10000;
    struct verdict v = judge_alloc(OP_MALLOC, 100, 0, block, 0, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert_uint_eq(v.required_align, 16);
    v = judge_alloc(OP_MALLOC, SIZE_MAX, 0, NULL, ENOMEM, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    v = judge_alloc(OP_MALLOC, SIZE_MAX, 0, NULL, 0, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_ERRNO_NOT_ENOMEM);
    ck_assert_int_eq(v.breach.invariant, INV_IMPOSSIBLE_REQUEST);
    v = judge_alloc(OP_MALLOC, SIZE_MAX, 0, NULL, 0, &strict_choices, 1u << EXCUSE_FAILURE_ERRNO);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    v = judge_alloc(OP_MALLOC, SIZE_MAX, 0, block, 0, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_IMPOSSIBLE_BLOCK);
    v = judge_alloc(OP_MALLOC, SIZE_MAX, 0, block, 0, &strict_choices,
                    1u << EXCUSE_IMPOSSIBLE_REQUEST);
    ck_assert_int_eq(v.action, ACT_ACCEPT_UNCLAIMED);
    v = judge_alloc(OP_MALLOC, 100, 0, NULL, ENOMEM, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_SPURIOUS_NULL);
    ck_assert_int_eq(v.breach.invariant, INV_UNEXPECTED_FAILURE);
    v = judge_alloc(OP_MALLOC, 0, 0, NULL, 0, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_ZERO_NULL);
    v = judge_alloc(OP_ALIGNED_ALLOC, 100, 24, block, 0, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_BAD_ALIGN_BLOCK);
    v = judge_alloc(OP_ALIGNED_ALLOC, 100, 24, NULL, EINVAL, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    v = judge_alloc(OP_CALLOC, 100, 0, block, 0, &strict_choices, 0);
    ck_assert(v.zeroed);
    v = judge_alloc(OP_POSIX_MEMALIGN, 100, 24, NULL, EINVAL, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    v = judge_alloc(OP_POSIX_MEMALIGN, 100, 24, NULL, ENOMEM, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_NOT_EINVAL);
    ck_assert_int_eq(v.breach.invariant, INV_ALIGNED_ARGS);
    v = judge_alloc(OP_POSIX_MEMALIGN, 100, 64, NULL, ENOMEM, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_SPURIOUS_ENOMEM);
}
END_TEST

START_TEST(reallocation_verdicts)
{
    void *block = (void *)(uintptr_t)0x10000;
    struct op op = {.kind = OP_REALLOC, .size = 0};
    struct call_result r = {.p = NULL, .bytes = 0, .had_block = true};
    struct alloc_choices returns_block = strict_choices;
    returns_block.realloc_zero_frees = BEHAVES_NO;
    ck_assert_int_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).action, ACT_EMPTIED);
    ck_assert_int_eq(rule_judge_reallocation(&op, &r, &returns_block, 0).breach.failure,
                     F_REALLOC_ZERO_NULL);
    r.p = block;
    ck_assert_int_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_REALLOC_ZERO_BLOCK);
    op.size = 100;
    r = (struct call_result){.p = NULL, .bytes = 100, .saved_errno = ENOMEM, .had_block = true};
    struct verdict v = rule_judge_reallocation(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_RESTORE);
    ck_assert_int_eq(v.breach.failure, F_SPURIOUS_NULL);
    r.impossible = true;
    v = rule_judge_reallocation(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_RESTORE);
    ck_assert_int_eq(v.breach.failure, F_NONE);

    /* EOVERFLOW: allowed only for reallocarray whose product overflows. */
    r.saved_errno = EOVERFLOW;
    ck_assert_int_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_ERRNO_NOT_ENOMEM);
    struct op array = {.kind = OP_REALLOCARRAY, .size = SIZE_MAX / 4 + 1, .count = 4};
    ck_assert_int_eq(rule_judge_reallocation(&array, &r, &strict_choices, 0).breach.failure,
                     F_NONE);
    array = (struct op){.kind = OP_REALLOCARRAY, .size = (size_t)PTRDIFF_MAX / 2 + 1, .count = 2};
    ck_assert_int_eq(rule_judge_reallocation(&array, &r, &strict_choices, 0).breach.failure,
                     F_ERRNO_NOT_ENOMEM);
    r.saved_errno = ENOMEM;

    /* A block a known alignment deviation placed keeps its excuse where it
     * is, and only there: moved, it must be aligned. */
    r = (struct call_result){
        .p = block, .bytes = 100, .had_block = true, .old = block, .old_misplaced = true};
    ck_assert_uint_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).required_align, 1);
    ck_assert(rule_judge_reallocation(&op, &r, &strict_choices, 0).keeps_placement);
    r.p = (char *)block + 4096;
    ck_assert_uint_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).required_align, 16);
    ck_assert(!rule_judge_reallocation(&op, &r, &strict_choices, 0).keeps_placement);
    r.p = block;
    r.old_misplaced = false;
    ck_assert_uint_eq(rule_judge_reallocation(&op, &r, &strict_choices, 0).required_align, 16);
    ck_assert(rule_stays_misplaced(true, block, block));
    ck_assert(!rule_stays_misplaced(true, block, NULL));
    ck_assert(!rule_stays_misplaced(false, block, block));
}
END_TEST

/* A stand-in xallocx: the real size it returns, and the calls it saw. */
static size_t xallocx_real;
static unsigned xallocx_calls;
static size_t fake_xallocx(void *p, size_t size, size_t extra, int flags)
{
    (void)p, (void)size, (void)extra, (void)flags;
    xallocx_calls++;
    return xallocx_real;
}

/* An expand is a resize only when the allocator did resize: xallocx's real
 * size is at least the size also when a shrink could not be made (the size
 * class stays), and then the block keeps its size. Not resizing is never a
 * breach; a block that moved is. */
START_TEST(expand_verdicts)
{
    void *block = (void *)(uintptr_t)0x10000;
    struct own_call e = {EXPAND_XALLOCX, NULL, NULL};
    size_t (*xallocx)(void *, size_t, size_t, int) = fake_xallocx;
    memcpy(&e.call, &xallocx, sizeof xallocx);
    xallocx_real = 128; /* a 128-byte class: 115 bytes asked, shrunk to 110: stays */
    ck_assert_ptr_null(rule_expand(&e, block, 110, 0, 115, 128));
    ck_assert_ptr_eq(rule_expand(&e, block, 120, 0, 115, 128), block); /* grown within */
    xallocx_real = 112;
    ck_assert_ptr_eq(rule_expand(&e, block, 110, 0, 115, 128), block); /* shrunk: a class down */
    ck_assert_ptr_null(rule_expand(&e, block, 200, 0, 115, 128));      /* could not grow */
    unsigned calls = xallocx_calls;
    ck_assert_ptr_null(rule_expand(&e, block, 0, 0, 115, 128)); /* undefined: not called */
    ck_assert_ptr_null(rule_expand(&e, block, SIZE_MAX, 0, 115, 128));
    ck_assert_uint_eq(xallocx_calls, calls);

    struct op op = {.kind = OP_EXPAND, .size = 200};
    struct call_result r = {.p = NULL, .bytes = 200, .had_block = true, .old = block};
    struct verdict v = rule_judge_own_resize(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_RESTORE);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    r.p = (char *)block + 4096;
    ck_assert_int_eq(rule_judge_own_resize(&op, &r, &strict_choices, 0).breach.failure,
                     F_EXPAND_MOVED);
    r.p = block;
    r.old_align = 64;
    v = rule_judge_own_resize(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert_uint_eq(v.align_asked, 64); /* a sized free still names its alignment */
}
END_TEST

/* Stand-ins for the allocators' aligned resizes: they count their calls
 * and keep the flags jemalloc's form was given. */
static unsigned resizes_made;
static int resize_flags;
static void *stub_rallocx(void *p, size_t size, int flags)
{
    (void)size;
    resizes_made++;
    resize_flags = flags;
    return p;
}
static void *stub_mi_resize(void *p, size_t size, size_t align)
{
    (void)size;
    (void)align;
    resizes_made++;
    return p;
}

/* An aligned realloc may always fail (the block stays); a new block must
 * have the alignment, which its sized free names. A call the allocators
 * leave undefined is not made. */
START_TEST(aligned_realloc_verdicts)
{
    void *block = (void *)(uintptr_t)0x10000;
    struct op op = {.kind = OP_REALLOC_ALIGNED, .size = 300, .align = 4096};
    struct call_result r = {.p = NULL, .bytes = 300, .had_block = true};
    struct verdict v = rule_judge_own_resize(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_RESTORE);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    r.p = block;
    v = rule_judge_own_resize(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert_uint_eq(v.required_align, 4096);
    ck_assert_uint_eq(v.align_asked, 4096);
    struct own_call c = {REALLOC_ALIGNED_RALLOCX, NULL, NULL};
    *(void **)&c.call = (void *)stub_rallocx;
    resizes_made = 0;
    ck_assert_ptr_null(rule_realloc_aligned(&c, block, 0, 64));
    ck_assert_ptr_null(rule_realloc_aligned(&c, block, SIZE_MAX, 64));
    ck_assert_ptr_null(rule_realloc_aligned(&c, block, 100, 24));
    ck_assert_ptr_null(rule_realloc_aligned(&c, block, 100, 0));
    ck_assert_uint_eq(resizes_made, 0);
    ck_assert_ptr_eq(rule_realloc_aligned(&c, block, 100, 64), block);
    ck_assert_uint_eq(resizes_made, 1);
    ck_assert_int_eq(resize_flags, 6); /* MALLOCX_LG_ALIGN(6) */
    ck_assert(rule_resize_judge(OP_REALLOC_ALIGNED) == rule_judge_own_resize);
    ck_assert(rule_resize_judge(OP_EXPAND) == rule_judge_own_resize);
    ck_assert(rule_resize_judge(OP_REALLOC) == rule_judge_reallocation);
}
END_TEST

/* An offset-aligned allocation: the address `offset` bytes in must be
 * aligned, not the block's; such a block keeps its placement through a
 * resize in place and is sized-freed as a plain one. Calls the allocators
 * leave undefined (an offset off the pointer size, an alignment that is
 * not a power of two) are not made, and their failure is allowed. */
START_TEST(aligned_at_verdicts)
{
    struct op op = {.kind = OP_MALLOC_ALIGNED_AT, .size = 100, .align = 64, .count = 16};
    struct call_result r = {.p = (void *)(uintptr_t)0x10030, .bytes = 100};
    struct verdict v = rule_judge_allocation(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert_uint_eq(v.required_align, 64);
    ck_assert_uint_eq(v.align_offset, 16);
    ck_assert_uint_eq(v.align_asked, 0);
    ck_assert(v.keeps_placement);
    ck_assert_int_eq(rule_check_alignment(r.p, 64, 16).failure, F_NONE);
    ck_assert_int_eq(rule_check_alignment(r.p, 64, 8).failure, F_MISALIGNED);
    ck_assert_int_eq(rule_check_alignment(r.p, 64, 0).failure, F_MISALIGNED);
    op.count = 0;
    ck_assert(!rule_judge_allocation(&op, &r, &strict_choices, 0).keeps_placement);
    /* A failure is spurious, but where the call is not made. */
    r.p = NULL;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_SPURIOUS_NULL);
    op.count = 4;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    op.count = 0;
    op.align = 48;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    struct own_call c = {ALIGNED_AT_MI, NULL, NULL}; /* never called below */
    ck_assert_ptr_null(rule_malloc_aligned_at(&c, 100, 64, 4));
    ck_assert_ptr_null(rule_malloc_aligned_at(&c, 100, 48, 0));
    ck_assert_ptr_null(rule_malloc_aligned_at(&c, SIZE_MAX, 64, 0));
    /* The small over-aligned deviation's scope has no offset. */
    op = (struct op){.kind = OP_MALLOC_ALIGNED_AT, .size = 512, .align = 256};
    ck_assert(rule_in_scope(DEVIATES_ON_SMALL_OVERALIGNED, &op));
    op.count = 8;
    ck_assert(!rule_in_scope(DEVIATES_ON_SMALL_OVERALIGNED, &op));
    /* Past 64 KiB an offset may be refused (mimalloc 3), not without one. */
    op = (struct op){.kind = OP_MALLOC_ALIGNED_AT, .size = 100, .align = 128 << 10, .count = 8};
    r = (struct call_result){.p = NULL, .bytes = 100};
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    op.count = 0;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_SPURIOUS_NULL);
}
END_TEST

/* zalloc: an aligned block whose every requested byte is zero; not made
 * (failed) for a zero size, a size above PTRDIFF_MAX or a bad alignment. */
START_TEST(zalloc_verdicts)
{
    struct op op = {.kind = OP_ZALLOC, .size = 100, .align = 64};
    struct call_result r = {.p = (void *)(uintptr_t)0x10040, .bytes = 100};
    struct verdict v = rule_judge_allocation(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert(v.zeroed);
    ck_assert_uint_eq(v.zero_from, 0);
    ck_assert_uint_eq(v.required_align, 64);
    ck_assert_uint_eq(v.align_asked, 64);
    r.p = NULL;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_SPURIOUS_NULL);
    op.size = 0;
    r.bytes = 0;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    op = (struct op){.kind = OP_ZALLOC, .size = 100, .align = 48};
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    ck_assert(!rule_zalloc_defined(0, 64) && !rule_zalloc_defined(SIZE_MAX, 64) &&
              !rule_zalloc_defined(100, 48) && rule_zalloc_defined(1, 1));
    struct own_call c = {ZALLOC_MALLOCX, NULL, NULL}; /* never called below */
    ck_assert_ptr_null(rule_zalloc(&c, 0, 64));
    ck_assert_ptr_null(rule_zalloc(&c, 100, 48));
}
END_TEST

/* rezalloc: the bytes it adds are zero from where each allocator's
 * document says; the books of a block's zeros follow its resizes. */
START_TEST(rezalloc_zero_rules)
{
    struct own_call mi = {REZALLOC_MI, NULL, NULL}, je = {REZALLOC_RALLOCX, NULL, NULL},
                    none = {REZALLOC_NONE, NULL, NULL};
    struct zero_books zeroed = {true, 300}, unknown = {false, 0};
    /* jemalloc: past the old real size, however the block was made. */
    ck_assert_uint_eq(rule_rezalloc_zero_from(&je, 100, 112, unknown), 112);
    ck_assert_uint_eq(rule_rezalloc_zero_from(&je, 100, 0, unknown), 100);
    /* mimalloc: past what the program wrote, of a block made zeroed only. */
    ck_assert_uint_eq(rule_rezalloc_zero_from(&mi, 100, 112, zeroed), 300);
    ck_assert_uint_eq(rule_rezalloc_zero_from(&mi, 100, 112, unknown), SIZE_MAX);
    ck_assert_uint_eq(rule_rezalloc_zero_from(&none, 100, 112, zeroed), SIZE_MAX);
    /* Made zeroed; kept through rezalloc only; a shrink in place keeps what
     * the program wrote past the new size, a move does not. */
    struct zero_books b = rule_zero_books(OP_ZALLOC, unknown, false, 300);
    ck_assert(b.kept && b.written == 300);
    ck_assert(rule_zero_books(OP_CALLOC, unknown, false, 40).kept);
    ck_assert(!rule_zero_books(OP_MALLOC, zeroed, false, 40).kept);
    ck_assert(!rule_zero_books(OP_REALLOC, zeroed, true, 40).kept);
    ck_assert(!rule_zero_books(OP_REZALLOC, unknown, true, 40).kept);
    ck_assert_uint_eq(rule_zero_books(OP_REZALLOC, b, true, 100).written, 300);
    ck_assert_uint_eq(rule_zero_books(OP_REZALLOC, b, false, 100).written, 100);
    ck_assert_uint_eq(rule_zero_books(OP_REZALLOC, b, true, 500).written, 500);
    /* The verdict carries the first byte to check; none when the call
     * zeroes nothing the program can know of. */
    struct op op = {.kind = OP_REZALLOC, .size = 500, .align = 64};
    struct call_result r = {.p = (void *)(uintptr_t)0x10040,
                            .old = (void *)(uintptr_t)0x20040,
                            .bytes = 500,
                            .had_block = true,
                            .zero_from = 300};
    struct verdict v = rule_resize_judge(OP_REZALLOC)(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert(v.zeroed);
    ck_assert_uint_eq(v.zero_from, 300);
    ck_assert_uint_eq(v.required_align, 64);
    r.zero_from = SIZE_MAX;
    ck_assert(!rule_resize_judge(OP_REZALLOC)(&op, &r, &strict_choices, 0).zeroed);
    op.kind = OP_REALLOC_ALIGNED;
    r.zero_from = 0;
    ck_assert(!rule_resize_judge(OP_REALLOC_ALIGNED)(&op, &r, &strict_choices, 0).zeroed);
    /* Not made where undefined; jemalloc's is asked to zero. */
    *(void **)&mi.call = (void *)stub_mi_resize;
    *(void **)&je.call = (void *)stub_rallocx;
    resizes_made = 0;
    ck_assert_ptr_null(rule_rezalloc(&mi, r.old, 0, 64));
    ck_assert_ptr_null(rule_rezalloc(&mi, r.old, 100, 48));
    ck_assert_ptr_null(rule_rezalloc(&je, r.old, SIZE_MAX, 64));
    ck_assert_uint_eq(resizes_made, 0);
    ck_assert_ptr_eq(rule_rezalloc(&mi, r.old, 100, 64), r.old);
    ck_assert_ptr_eq(rule_rezalloc(&je, r.old, 100, 64), r.old);
    ck_assert_uint_eq(resizes_made, 2);
    ck_assert_int_eq(resize_flags, RULES_MALLOCX_ZERO | 6);
}
END_TEST

/* C++'s nothrow new: a null pointer is a failure, allowed only for an
 * impossible request or refused memory (a zero-byte one too must have a
 * block); an aligned new with an alignment that is not a power of two is
 * not made. */
START_TEST(new_verdicts)
{
    struct op op = {.kind = OP_NEW, .size = 0};
    struct call_result r = {.p = NULL, .bytes = 0};
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure,
                     F_SPURIOUS_NULL);
    r.os_refused = true;
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    op = (struct op){.kind = OP_NEW_ALIGNED, .size = 100, .align = 48};
    r = (struct call_result){.p = NULL, .bytes = 100};
    ck_assert_int_eq(rule_judge_allocation(&op, &r, &strict_choices, 0).breach.failure, F_NONE);
    struct cxx_calls none = {0};
    ck_assert_ptr_null(rule_cxx_new(&none, OP_NEW_ALIGNED, 100, 48));
    op.align = 64;
    r.p = (void *)(uintptr_t)0x10040;
    struct verdict v = rule_judge_allocation(&op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_ACCEPT);
    ck_assert_uint_eq(v.required_align, 64);
    ck_assert_uint_eq(v.align_asked, 64);
    ck_assert(op_made_by_new(OP_NEW) && op_made_by_new(OP_NEW_ALIGNED) &&
              !op_made_by_new(OP_MALLOC));
}
END_TEST

/* A stand-in for nallocx that counts its calls. */
static unsigned nallocx_calls;
static size_t counting_nallocx(size_t size, int flags)
{
    (void)flags;
    nallocx_calls++;
    return size + 8;
}

/* A prediction is judged for blocks the standard calls made and nothing
 * resized, and must be the usable size exactly. */
START_TEST(predict_verdicts)
{
    ck_assert(rule_predict_covers(OP_MALLOC, 100, 0, false));
    ck_assert(rule_predict_covers(OP_CALLOC, 100, 0, false));
    ck_assert(rule_predict_covers(OP_POSIX_MEMALIGN, 100, 64, false));
    ck_assert(!rule_predict_covers(OP_REALLOC, 100, 0, false));
    ck_assert(!rule_predict_covers(OP_EXPAND, 100, 0, false));
    ck_assert(!rule_predict_covers(OP_MALLOC, 0, 0, false));
    ck_assert(!rule_predict_covers(OP_ALIGNED_ALLOC, 100, 48, false));
    ck_assert(!rule_predict_covers(OP_MEMALIGN, 100, 64, true));
    ck_assert(!rule_predict_covers(OP_HEAP_MALLOC, 100, 0, false));
    void *p = (void *)(uintptr_t)0x1000;
    ck_assert_int_eq(rule_check_predicted(p, 112, 112).failure, F_NONE);
    struct breach b = rule_check_predicted(p, 112, 128);
    ck_assert_int_eq(b.failure, F_PREDICTED_OTHER);
    ck_assert_int_eq(b.invariant, INV_USABLE_SIZE);
    ck_assert_int_eq(rule_check_predicted(p, 112, 100).failure, F_PREDICTED_OTHER);
    struct own_call none = {PREDICT_NONE, NULL, NULL};
    ck_assert_uint_eq(rule_predict(&none, 100, 0), 0);
    /* nallocx(0) is undefined (jemalloc's manual): never called. */
    struct own_call nallocx = {PREDICT_NALLOCX, NULL, NULL};
    *(void **)&nallocx.call = (void *)counting_nallocx;
    nallocx_calls = 0;
    ck_assert_uint_eq(rule_predict(&nallocx, 100, 0), 108);
    ck_assert_uint_eq(rule_predict(&nallocx, 0, 0), 0);
    ck_assert_uint_eq(nallocx_calls, 1);
}
END_TEST

/* A heap's listing, as the visitor records it, against the live blocks
 * made in the heap: each once with its size, nothing else (unless a block
 * was set aside), and areas whose counts hold. */
static struct heap_listing listing;

static void new_listing(void)
{
    memset(&listing, 0, sizeof listing);
    listing.area = rule_no_breach(NULL);
}

static void list_area(size_t used, size_t block_size, size_t committed)
{
    struct heap_area_view area = {NULL, committed, committed, used, block_size, block_size};
    ck_assert(rule_heap_visitor(NULL, &area, NULL, block_size, &listing));
}

static void list_block(const void *p, size_t block_size)
{
    struct heap_area_view area = {0};
    ck_assert(rule_heap_visitor(NULL, &area, (void *)p, block_size, &listing));
}

START_TEST(heap_visit_verdicts)
{
    char a[64], b[64];
    const struct heap_member member[] = {{a, 48, 3}, {b, 64, 7}};
    int slot;
    new_listing();
    list_area(2, 64, 4096);
    list_block(a, 64);
    list_block(b, 64);
    rule_heap_area_done(&listing);
    ck_assert_int_eq(rule_judge_heap_visit(&listing, member, 2, false, &slot).failure, F_NONE);
    /* b not listed: missed, and named by its slot */
    listing.visited = 1;
    struct breach got = rule_judge_heap_visit(&listing, member, 2, false, &slot);
    ck_assert_int_eq(got.failure, F_HEAP_MISSED);
    ck_assert_int_eq(slot, 7);
    ck_assert_uint_eq(got.got, 0);
    /* a block the program does not hold: a stranger, unless blocks were set aside */
    listing.visited = 2;
    ck_assert_int_eq(rule_judge_heap_visit(&listing, member, 1, false, &slot).failure,
                     F_HEAP_STRANGER);
    ck_assert_int_eq(rule_judge_heap_visit(&listing, member, 1, true, &slot).failure, F_NONE);
    /* listed with less than was asked */
    listing.block_size[0] = 40;
    got = rule_judge_heap_visit(&listing, member, 2, false, &slot);
    ck_assert_int_eq(got.failure, F_HEAP_AREA);
    ck_assert_uint_eq(got.offset, AREA_BLOCK_SHORT);
    ck_assert_int_eq(slot, 3);
    /* an area whose counts disagree comes first */
    new_listing();
    list_area(3, 64, 4096);
    list_block(a, 64);
    list_block(b, 64);
    rule_heap_area_done(&listing);
    got = rule_judge_heap_visit(&listing, member, 2, false, &slot);
    ck_assert_int_eq(got.failure, F_HEAP_AREA);
    ck_assert_uint_eq(got.offset, AREA_VISITS_NOT_USED);
    new_listing();
    list_area(2, 64, 100);
    ck_assert_uint_eq(listing.area.offset, AREA_USED_OVER_COMMITTED);
    /* a block stays in its heap through a resize in place only */
    ck_assert_uint_eq(rule_heap_of_block(OP_HEAP_MALLOC, 4, 0, false), 4);
    ck_assert_uint_eq(rule_heap_of_block(OP_REALLOC, 4, 2, true), 2);
    ck_assert_uint_eq(rule_heap_of_block(OP_REALLOC, 4, 2, false), 0);
    ck_assert_uint_eq(rule_heap_of_block(OP_MALLOC, 4, 2, true), 0);
}
END_TEST

/* A call the OS refused memory may fail, with ENOMEM; without a refusal
 * the same failure is spurious. */
START_TEST(refused_memory_verdicts)
{
    const struct op malloc_op = {.kind = OP_MALLOC, .size = 100};
    struct call_result r = {
        .untouched = UNTOUCHED_POINTER, .saved_errno = ENOMEM, .bytes = 100, .os_refused = true};
    struct verdict v = rule_judge_allocation(&malloc_op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    ck_assert_int_eq(v.action, ACT_NOTHING);
    r.saved_errno = 0;
    v = rule_judge_allocation(&malloc_op, &r, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_ERRNO_NOT_ENOMEM);
    ck_assert_int_eq(v.breach.invariant, INV_OUT_OF_MEMORY);
    r.os_refused = false;
    r.saved_errno = ENOMEM;
    ck_assert_int_eq(rule_judge_allocation(&malloc_op, &r, &strict_choices, 0).breach.invariant,
                     INV_UNEXPECTED_FAILURE);

    const struct op aligned = {.kind = OP_POSIX_MEMALIGN, .size = 100, .align = 64};
    r = (struct call_result){
        .untouched = UNTOUCHED_POINTER, .status = ENOMEM, .bytes = 100, .os_refused = true};
    ck_assert_int_eq(rule_judge_allocation(&aligned, &r, &strict_choices, 0).breach.failure,
                     F_NONE);
    r.status = EINVAL;
    v = rule_judge_allocation(&aligned, &r, &strict_choices, 0);
    ck_assert_int_eq(v.breach.failure, F_STATUS_NOT_ENOMEM);
    ck_assert_int_eq(v.breach.invariant, INV_OUT_OF_MEMORY);

    const struct op grow = {.kind = OP_REALLOC, .size = 100};
    r = (struct call_result){
        .saved_errno = ENOMEM, .bytes = 100, .had_block = true, .os_refused = true};
    v = rule_judge_reallocation(&grow, &r, &strict_choices, 0);
    ck_assert_int_eq(v.action, ACT_RESTORE);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    r.saved_errno = EAGAIN;
    ck_assert_int_eq(rule_judge_reallocation(&grow, &r, &strict_choices, 0).breach.invariant,
                     INV_OUT_OF_MEMORY);

    /* A zero-byte realloc that must return a block (the table says so) may
     * fail for want of memory: with ENOMEM, its old block kept. */
    struct alloc_choices returns_block = strict_choices;
    returns_block.realloc_zero_frees = BEHAVES_NO;
    returns_block.malloc_zero_null = BEHAVES_NO;
    const struct op shrink_to_zero = {.kind = OP_REALLOC};
    for (int had_block = 0; had_block < 2; had_block++) {
        r = (struct call_result){.saved_errno = ENOMEM, .had_block = had_block, .os_refused = true};
        v = rule_judge_reallocation(&shrink_to_zero, &r, &returns_block, 0);
        ck_assert_int_eq(v.breach.failure, F_NONE);
        ck_assert_int_eq(v.action, had_block ? ACT_RESTORE : ACT_NOTHING);
        r.saved_errno = 0;
        v = rule_judge_reallocation(&shrink_to_zero, &r, &returns_block, 0);
        ck_assert_int_eq(v.breach.failure, F_ERRNO_NOT_ENOMEM);
        ck_assert_int_eq(v.breach.invariant, INV_OUT_OF_MEMORY);
        r.os_refused = false;
        ck_assert_int_eq(
            rule_judge_reallocation(&shrink_to_zero, &r, &returns_block, 0).breach.invariant,
            INV_IMPLEMENTATION_CHOICE);
    }

    /* A zero-byte NULL when memory was refused: a failure or the choice,
     * which cannot be told apart, so it neither breaks a rule nor shows the
     * choice held for the run. */
    const struct op zero = {.kind = OP_MALLOC};
    r = (struct call_result){.untouched = UNTOUCHED_POINTER, .os_refused = true};
    ck_assert_int_eq(rule_judge_allocation(&zero, &r, &strict_choices, 0).breach.failure, F_NONE);
    bool yes;
    ck_assert_int_lt(rule_shown_choice(rule_judge_allocation, &zero, &r, &yes), 0);
    r.os_refused = false;
    ck_assert_int_ge(rule_shown_choice(rule_judge_allocation, &zero, &r, &yes), 0);
}
END_TEST

/* Excuses are granted one after another, each entry reported as used. */
START_TEST(excuses_are_judged_again)
{
    static const struct known_deviation table[] = {
        {EXCUSE_FREE_ERRNO, OP_BIT(OP_FREE), DEVIATES_ALWAYS, "free sets errno"},
        {EXCUSE_FAILURE_ERRNO, OP_BIT(OP_MALLOC), DEVIATES_ALWAYS, "no ENOMEM"},
        {EXCUSE_NONE, 0, DEVIATES_ALWAYS, NULL},
    };
    struct op op = {.kind = OP_MALLOC, .size = SIZE_MAX};
    struct call_result r = {.bytes = SIZE_MAX, .impossible = true, .saved_errno = 0};
    uint32_t used;
    struct verdict v =
        rule_judge_excused(rule_judge_allocation, &op, &r, &strict_choices, table, false, &used);
    ck_assert_int_eq(v.breach.failure, F_NONE);
    ck_assert_uint_eq(used, 1u << 1);
    v = rule_judge_excused(rule_judge_allocation, &op, &r, &strict_choices, table, true, &used);
    ck_assert_int_eq(v.breach.failure, F_ERRNO_NOT_ENOMEM);
    ck_assert_uint_eq(used, 0);
    uint32_t noted = 0;
    ck_assert(rule_first_note(&noted, 1));
    ck_assert(!rule_first_note(&noted, 1));
    ck_assert(rule_first_note(&noted, 0));
}
END_TEST

START_TEST(operation_plans)
{
    struct op m = {.kind = OP_MALLOC, .slot = 1, .size = 100};
    struct op_plan p = rule_plan(&m, false, false, 0, 0, 1000);
    ck_assert_int_eq(p.plan, PLAN_SKIP_MISSING);
    /* Missing calls glibc would serve from its own heap break the override;
     * a missing reallocarray or sized free is only skipped. */
    struct op aligned = {.kind = OP_ALIGNED_ALLOC, .slot = 1, .size = 64, .align = 64};
    ck_assert_int_eq(rule_plan(&aligned, false, false, 0, 0, 1000).plan, PLAN_NOT_OVERRIDDEN);
    struct op usable = {.kind = OP_USABLE_SIZE, .slot = 1};
    ck_assert_int_eq(rule_plan(&usable, false, true, 10, 10, 1000).plan, PLAN_NOT_OVERRIDDEN);
    struct op array = {.kind = OP_REALLOCARRAY, .slot = 1, .size = 8, .count = 2};
    ck_assert_int_eq(rule_plan(&array, false, true, 10, 10, 1000).plan, PLAN_SKIP_MISSING);
    struct op sized = {.kind = OP_FREE_SIZED, .slot = 1};
    ck_assert_int_eq(rule_plan(&sized, false, true, 10, 10, 1000).plan, PLAN_SKIP_MISSING);
    p = rule_plan(&m, true, true, 50, 950, 1000);
    ck_assert_int_eq(p.plan, PLAN_CALL); /* the implicit free gives 50 back */
    ck_assert(p.implicit_free);
    p = rule_plan(&m, true, false, 0, 950, 1000);
    ck_assert_int_eq(p.plan, PLAN_SKIP_OVER_CAP);
    struct op huge = {.kind = OP_MALLOC, .size = SIZE_MAX};
    p = rule_plan(&huge, true, false, 0, 950, 1000);
    ck_assert_int_eq(p.plan, PLAN_CALL); /* impossible: always made */
    struct op check = {.kind = OP_CHECK, .slot = 3};
    ck_assert_int_eq(rule_plan(&check, true, false, 0, 0, 1000).plan, PLAN_SKIP_EMPTY);
    struct op f = {.kind = OP_FREE, .slot = 3};
    ck_assert_int_eq(rule_plan(&f, true, false, 0, 0, 1000).plan, PLAN_CALL); /* free(NULL) */
    struct op r = {.kind = OP_REALLOC, .slot = 3, .size = 600};
    ck_assert_int_eq(rule_plan(&r, true, true, 500, 900, 1000).plan, PLAN_CALL);
    ck_assert_int_eq(rule_plan(&r, true, true, 400, 900, 1000).plan, PLAN_SKIP_OVER_CAP);
    struct op x = {.kind = OP_EXPAND, .slot = 3, .size = 600};
    ck_assert_int_eq(rule_plan(&x, true, false, 0, 0, 1000).plan, PLAN_SKIP_EMPTY);
    ck_assert_int_eq(rule_plan(&x, true, true, 400, 900, 1000).plan, PLAN_SKIP_OVER_CAP);
    ck_assert_int_eq(rule_plan(&x, false, true, 400, 400, 1000).plan, PLAN_SKIP_MISSING);
    struct op ra = {.kind = OP_REALLOC_ALIGNED, .slot = 3, .size = 600, .align = 64};
    ck_assert_int_eq(rule_plan(&ra, true, false, 0, 0, 1000).plan, PLAN_SKIP_EMPTY);
    ck_assert_int_eq(rule_plan(&ra, true, true, 400, 900, 1000).plan, PLAN_SKIP_OVER_CAP);
}
END_TEST

START_TEST(sized_free_takes)
{
    ck_assert(!rule_sized_free_takes(SIZED_FREE_SDALLOCX, 0, 64, false, false));
    ck_assert(rule_sized_free_takes(SIZED_FREE_SDALLOCX, 1, 64, true, false));
    ck_assert(!rule_sized_free_takes(SIZED_FREE_TC_FREE_SIZED, 10, 0, true, true));
    ck_assert(rule_sized_free_takes(SIZED_FREE_TC_FREE_SIZED, 10, 64, false, true));
    ck_assert(!rule_sized_free_takes(SIZED_FREE_TC_FREE_SIZED, 10, 24, false, true));
    ck_assert(!rule_sized_free_takes(SIZED_FREE_C23, 10, 64, false, false));
    ck_assert(rule_sized_free_takes(SIZED_FREE_C23, 10, 0, false, false));
    ck_assert(!rule_sized_free_takes(SIZED_FREE_NONE, 10, 0, false, false));
    ck_assert_int_eq(rule_lg_align(4096), 12);
    ck_assert_int_eq(rule_lg_align(0), 0);
}
END_TEST

/* pattern.c's fast fill writes rules.h's definition, byte for byte, in the
 * regions pattern_next_region gives, and nothing between them. */
START_TEST(fast_pattern_is_the_definition)
{
    static const size_t sizes[] = {0,      1,       7,       8,        9,        63,
                                   64,     65,      300,     4095,     65536,    65537,
                                   200000, 1048576, 1048577, 3u << 20, 32u << 20};
    uint8_t *block = hmem_map(32u << 20);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        uint64_t seed = pattern_seed(k + 3, 17), base = pattern_base(seed);
        memset(block, 0xee, n);
        pattern_fill(block, n, seed);
        size_t cursor = 0, start, end, covered = 0, expect_from = 0;
        while (pattern_next_region(n, &cursor, &start, &end)) {
            /* The bytes just before a region and just after the last are untouched. */
            for (size_t i = start >= expect_from + 64 ? start - 64 : expect_from; i < start; i++)
                ck_assert_msg(block[i] == 0xee, "size %zu: byte %zu written between regions", n, i);
            for (size_t i = start; i < end; i++)
                ck_assert_msg(block[i] == pattern_byte(base, i), "size %zu: byte %zu", n, i);
            covered += end - start;
            expect_from = end;
        }
        ck_assert(n == 0 || covered > 0);
        ck_assert_uint_eq(expect_from, n); /* the tail is the last region */
        ck_assert(n == 0 || pattern_is_sampled(n) || covered == n);
    }
    hmem_unmap(block, 32u << 20);
}
END_TEST

/* Spans at every start within a word and many lengths (the chunked path's
 * end chunks overlap the aligned ones): the fill writes the definition and
 * nothing outside, and a change at any byte is named, as the first. */
START_TEST(pattern_spans_name_the_first_change)
{
    enum { ROOM = 400 };
    uint8_t block[ROOM + 16];
    uint64_t seed = pattern_seed(9, 5), base = pattern_base(seed);
    for (size_t start = 0; start < 16; start++)
        for (size_t end = start; end <= ROOM; end += end < start + 80 ? 1 : 37) {
            memset(block, 0xee, sizeof block);
            pattern_fill_span(block, start, end, seed);
            for (size_t i = 0; i < sizeof block; i++)
                ck_assert_msg(block[i] == (i >= start && i < end ? pattern_byte(base, i) : 0xee),
                              "span [%zu, %zu): byte %zu", start, end, i);
            struct pattern_mismatch m;
            ck_assert(pattern_verify_span(block, start, end, seed, &m));
            for (size_t at = start; at < end; at++) {
                block[at] ^= 0x40;
                if (at + 1 < end) block[end - 1] ^= 0x01; /* a later change is not named */
                ck_assert(!pattern_verify_span(block, start, end, seed, &m));
                ck_assert_uint_eq(m.offset, at);
                ck_assert_uint_eq(m.expected, pattern_byte(base, at));
                ck_assert_uint_eq(m.actual, pattern_byte(base, at) ^ 0x40);
                block[at] ^= 0x40;
                if (at + 1 < end) block[end - 1] ^= 0x01;
            }
        }
}
END_TEST

/* Resident bytes after each round: growth in every round of the second
 * half, by at least the rule's step, is a breach; any round of the second
 * half that grew less (settled caches), or too few rounds, is none. */
/* A setting is in place when the environment holds it; glibc's tunables
 * when the value is among the tunables already set. */
START_TEST(settings_in_place)
{
    setenv("GAUNTLET_TEST_SETTING", "a:b", 1);
    ck_assert(rule_setting_in_place("GAUNTLET_TEST_SETTING=a:b"));
    ck_assert(!rule_setting_in_place("GAUNTLET_TEST_SETTING=a"));
    ck_assert(!rule_setting_in_place("GAUNTLET_TEST_UNSET_SETTING=a"));
    ck_assert(!rule_setting_in_place("no equals sign"));
    ck_assert(
        rule_tunables_hold("x.y=1:glibc.malloc.tcache_count=0", "glibc.malloc.tcache_count=0"));
    ck_assert(
        rule_tunables_hold("glibc.malloc.tcache_count=0:x.y=1", "glibc.malloc.tcache_count=0"));
    ck_assert(!rule_tunables_hold("glibc.malloc.tcache_count=01", "glibc.malloc.tcache_count=0"));
    ck_assert(!rule_tunables_hold("aglibc.malloc.tcache_count=0", "glibc.malloc.tcache_count=0"));
    ck_assert(rule_tunables_hold("a=1:b=2:c=3", "b=2:c=3"));
    setenv(RULE_TUNABLES_NAME, "x.y=1", 1);
    ck_assert(!rule_setting_in_place(RULE_TUNABLES_NAME "=a.b=2"));
    ck_assert(rule_setting_put(RULE_TUNABLES_NAME "=a.b=2"));
    ck_assert_str_eq(getenv(RULE_TUNABLES_NAME), "x.y=1:a.b=2");
    ck_assert(rule_setting_in_place(RULE_TUNABLES_NAME "=a.b=2"));
    ck_assert(rule_setting_put("GAUNTLET_TEST_SETTING=c"));
    ck_assert_str_eq(getenv("GAUNTLET_TEST_SETTING"), "c");
}
END_TEST

/* The environment's allocator settings: only variables an allocator reads,
 * only GLIBC_TUNABLES' allocator tunables, not those given already, sorted. */
START_TEST(settings_from_environment)
{
    char text[1024];
    const char *found[4];
    bool complete;
    unsetenv(RULE_TUNABLES_NAME);
    setenv("MIMALLOC_RESERVE_OS_MEMORY", "64MiB", 1);
    setenv("MALLOC_CONF", "narenas:1", 1);
    setenv("MIMALLOC", "not a setting: no prefix match without the underscore", 1);
    setenv("TCMALLOCX", "not an allocator's", 1);
    setenv(RULE_TUNABLES_NAME, "glibc.rtld.optional_static_tls=65536:glibc.malloc.tcache_count=0",
           1);
    size_t n = settings_in_environment(NULL, text, sizeof text, found, 4, &complete);
    ck_assert(complete);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(found[0], RULE_TUNABLES_NAME "=glibc.malloc.tcache_count=0");
    ck_assert_str_eq(found[1], "MALLOC_CONF=narenas:1");
    ck_assert_str_eq(found[2], "MIMALLOC_RESERVE_OS_MEMORY=64MiB");
    /* Given: MALLOC_CONF by name, the tunable by value. */
    const char *given[] = {"MALLOC_CONF=narenas:2",
                           RULE_TUNABLES_NAME "=glibc.malloc.tcache_count=0", NULL};
    n = settings_in_environment(given, text, sizeof text, found, 4, &complete);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(found[0], "MIMALLOC_RESERVE_OS_MEMORY=64MiB");
    /* Only the loader's tunable: nothing of the allocator's. */
    setenv(RULE_TUNABLES_NAME, "glibc.rtld.optional_static_tls=65536", 1);
    unsetenv("MALLOC_CONF");
    n = settings_in_environment(NULL, text, sizeof text, found, 4, &complete);
    ck_assert_uint_eq(n, 1);
    /* More than `max`, or longer than the text: counted, not written. */
    setenv("MALLOC_CONF", "narenas:1", 1);
    n = settings_in_environment(NULL, text, sizeof text, found, 1, &complete);
    ck_assert(!complete);
    ck_assert_uint_eq(n, 2);
    n = settings_in_environment(NULL, text, 20, found, 4, &complete);
    ck_assert(!complete);
    unsetenv("MALLOC_CONF");
    unsetenv("MIMALLOC_RESERVE_OS_MEMORY");
    unsetenv("MIMALLOC");
    unsetenv("TCMALLOCX");
    unsetenv(RULE_TUNABLES_NAME);
}
END_TEST

START_TEST(reuse_verdicts)
{
    enum { ROUNDS = RULE_REUSE_ROUNDS_MIN };
    const size_t step = RULE_REUSE_ROUND_GROWTH;
    size_t resident[ROUNDS];
    for (unsigned r = 0; r < ROUNDS; r++)
        resident[r] = (64u << 20) + r * step; /* grows by the step in every round */
    struct breach b = rule_reuse(resident, ROUNDS);
    ck_assert_int_eq(b.failure, F_NOT_REUSED);
    ck_assert_int_eq(b.invariant, INV_REUSE);
    ck_assert_uint_eq(b.want, resident[ROUNDS / 2 - 1]);
    ck_assert_uint_eq(b.got, resident[ROUNDS - 1]);
    ck_assert_uint_eq(b.extent, ROUNDS);
    char expected[256], actual[256];
    rule_describe(&b, expected, sizeof expected, actual, sizeof actual);
    ck_assert_msg(strstr(actual, "not reused"), "%s", actual);
    /* Growth through the judged half, once the planned rounds are made, asks
     * for the longest run before it is a leak; not before they are made. */
    ck_assert_uint_eq(rule_reuse_rounds_planned(resident, ROUNDS, ROUNDS), GAUNTLET_MAX_ROUNDS);
    ck_assert_uint_eq(rule_reuse_rounds_planned(resident, ROUNDS - 1, ROUNDS), ROUNDS);
    /* Fewer rounds than the rule judges: none. */
    ck_assert_int_eq(rule_reuse(resident, ROUNDS - 1).failure, F_NONE);
    /* One round of the second half grew a page less than the step: none. */
    for (unsigned r = ROUNDS / 2 + 3; r < ROUNDS; r++)
        resident[r] -= 4096;
    ck_assert_int_eq(rule_reuse(resident, ROUNDS).failure, F_NONE);
    /* Growth in the first half only (caches settling), then flat: none, and
     * no more rounds asked for. */
    for (unsigned r = 0; r < ROUNDS; r++)
        resident[r] = (64u << 20) + (r < ROUNDS / 2 ? r : ROUNDS / 2) * 4 * step;
    ck_assert_int_eq(rule_reuse(resident, ROUNDS).failure, F_NONE);
    ck_assert_uint_eq(rule_reuse_rounds_planned(resident, ROUNDS, ROUNDS), ROUNDS);
    /* Over the longest run, growth in steps is judged on average: 160 KiB
     * every other round (80 a round) is a leak; 300 KiB a round for 70
     * rounds, then none (a cache settling late), is not. */
    static size_t longest[GAUNTLET_MAX_ROUNDS];
    for (unsigned r = 0; r < GAUNTLET_MAX_ROUNDS; r++)
        longest[r] = (64u << 20) + (r / 2) * (160u << 10);
    struct breach stepped = rule_reuse(longest, GAUNTLET_MAX_ROUNDS);
    ck_assert_int_eq(stepped.failure, F_NOT_REUSED);
    rule_describe(&stepped, expected, sizeof expected, actual, sizeof actual);
    ck_assert_msg(strstr(actual, "80 KiB a round on average"), "%s", actual);
    for (unsigned r = 0; r < GAUNTLET_MAX_ROUNDS; r++)
        longest[r] = (64u << 20) + (r < 70 ? r : 70) * (300u << 10);
    ck_assert_int_eq(rule_reuse(longest, GAUNTLET_MAX_ROUNDS).failure, F_NONE);
    /* Growth through the second half that stops in the last quarter: none. */
    for (unsigned r = 0; r < GAUNTLET_MAX_ROUNDS; r++)
        longest[r] = (64u << 20) + (r < 200 ? r : 200) * (300u << 10);
    ck_assert_int_eq(rule_reuse(longest, GAUNTLET_MAX_ROUNDS).failure, F_NONE);
    /* The measure: statm's second field, in pages. */
    ck_assert_uint_eq(rule_resident_from_statm("2000 300 50 1 0 500 0\n", 4096), 300u * 4096);
    ck_assert_uint_eq(rule_resident_from_statm("garbage", 4096), 0);
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");
    /* The pattern's exhaustive span checks take a second or two alone, far
     * longer on a loaded machine: check's default of 4 s is not a bound. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, impossible_requests);
    tcase_add_test(tc, plain_alignment);
    tcase_add_test(tc, alignment_arguments);
    tcase_add_test(tc, deviation_scopes);
    tcase_add_test(tc, every_failure_is_described);
    tcase_add_test(tc, allocation_verdicts);
    tcase_add_test(tc, reallocation_verdicts);
    tcase_add_test(tc, expand_verdicts);
    tcase_add_test(tc, aligned_realloc_verdicts);
    tcase_add_test(tc, refused_memory_verdicts);
    tcase_add_test(tc, excuses_are_judged_again);
    tcase_add_test(tc, operation_plans);
    tcase_add_test(tc, aligned_at_verdicts);
    tcase_add_test(tc, zalloc_verdicts);
    tcase_add_test(tc, rezalloc_zero_rules);
    tcase_add_test(tc, heap_visit_verdicts);
    tcase_add_test(tc, predict_verdicts);
    tcase_add_test(tc, new_verdicts);
    tcase_add_test(tc, sized_free_takes);
    tcase_add_test(tc, fast_pattern_is_the_definition);
    tcase_add_test(tc, pattern_spans_name_the_first_change);
    tcase_add_test(tc, reuse_verdicts);
    tcase_add_test(tc, settings_in_place);
    tcase_add_test(tc, settings_from_environment);
    suite_add_tcase(s, tc);
    return s;
}
