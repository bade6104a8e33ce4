/*
 * test_findings.c — what tells findings apart and what a run passes over:
 * signatures (findings.c), --known files and their patterns, and the
 * choices rules.h holds for a whole run (rule_hold_choice).
 */
#include "internal.h"

#include <check.h>
#include <string.h>

static struct breach breach_of(enum failure f, enum invariant inv)
{
    struct breach b = rule_no_breach(NULL);
    b.failure = f;
    b.invariant = inv;
    return b;
}

static void signature_of(const struct op *op, const struct shadow_block *block, unsigned thread,
                         struct breach b, char *out)
{
    struct finding_key key = finding_key_of(op, block, thread, &b);
    finding_signature(&key, out, FINDING_SIGNATURE_MAX);
}

START_TEST(signatures_name_invariant_failure_operation_and_band)
{
    char sig[FINDING_SIGNATURE_MAX];
    struct op op = {.kind = OP_MALLOC, .size = 100};
    signature_of(&op, NULL, 0, breach_of(F_MISALIGNED, INV_ALIGNMENT), sig);
    ck_assert_str_eq(sig, "alignment/misaligned/malloc/small");
    op.size = 5000;
    signature_of(&op, NULL, 0, breach_of(F_MISALIGNED, INV_ALIGNMENT), sig);
    ck_assert_str_eq(sig, "alignment/misaligned/malloc/medium");
    op = (struct op){.kind = OP_CALLOC, .count = SIZE_MAX / 2, .size = 4};
    signature_of(&op, NULL, 0, breach_of(F_IMPOSSIBLE_BLOCK, INV_IMPOSSIBLE_REQUEST), sig);
    ck_assert_str_eq(sig, "impossible-request/impossible-block/calloc/impossible");
    op = (struct op){.kind = OP_REALLOC, .size = 0};
    signature_of(&op, NULL, 0, breach_of(F_CHOICE_CHANGED, INV_IMPLEMENTATION_CHOICE), sig);
    ck_assert_str_eq(sig, "implementation-choice/choice-changed/realloc/zero");
}
END_TEST

/* Damage found in a block is signed by the block (its size, another
 * thread's or not), never by the call that happened to look. */
START_TEST(contents_are_signed_by_the_damaged_block)
{
    char by_free[FINDING_SIGNATURE_MAX], by_check[FINDING_SIGNATURE_MAX];
    struct shadow_block block = {.requested = 3 << 20, .thread = 1};
    struct op free_op = {.kind = OP_FREE}, check_op = {.kind = OP_CHECK};
    signature_of(&free_op, &block, 1, breach_of(F_PATTERN, INV_CONTENTS), by_free);
    signature_of(&check_op, &block, 1, breach_of(F_PATTERN, INV_CONTENTS), by_check);
    ck_assert_str_eq(by_free, "contents/pattern/-/large");
    ck_assert_str_eq(by_check, by_free);
    signature_of(&free_op, &block, 0, breach_of(F_PATTERN, INV_CONTENTS), by_free);
    ck_assert_str_eq(by_free, "contents/pattern/-/large/cross");
}
END_TEST

START_TEST(known_files_hold_patterns_or_reports)
{
    static struct known_findings k;
    char error[256];
    const char *list = "# known on 5.3.0\n\nalignment/*/memalign/*\n  contents/pattern/-/small  \n";
    memset(&k, 0, sizeof k);
    ck_assert(known_findings_parse(list, strlen(list), &k, error, sizeof error));
    ck_assert_uint_eq(k.count, 2);
    ck_assert(known_findings_match(&k, "alignment/misaligned/memalign/huge"));
    ck_assert(known_findings_match(&k, "contents/pattern/-/small"));
    ck_assert(!known_findings_match(&k, "contents/pattern/-/small/cross"));
    ck_assert(!known_findings_match(&k, "alignment/misaligned/malloc/small"));

    /* A saved report: only its signature lines count. */
    const char *report = "gauntlet: VIOLATION of `overlap`\n  operation: #3 of 9: t0 malloc s1 "
                         "40\n  signature: overlap/overlap/malloc/small\n  reproduce: x y z\n";
    memset(&k, 0, sizeof k);
    ck_assert(known_findings_parse(report, strlen(report), &k, error, sizeof error));
    ck_assert_uint_eq(k.count, 1);
    ck_assert_str_eq(k.patterns[0], "overlap/overlap/malloc/small");

    /* Anything else is refused, with the line named. */
    const char *prose = "alignment/*/malloc/*\nthe usual ones\n";
    memset(&k, 0, sizeof k);
    ck_assert(!known_findings_parse(prose, strlen(prose), &k, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "the usual ones"));
}
END_TEST

static struct verdict hold(struct held_choices *held, rule_judge judge, enum op_kind kind,
                           bool had_block, void *p, size_t index)
{
    struct op op = {.kind = (uint8_t)kind};
    struct call_result r = {.p = p, .bytes = 0, .had_block = had_block};
    return rule_hold_choice(rule_verdict(), judge, &op, &r, held, index);
}

/* The first call that shows a choice fixes it: malloc(0) giving a block
 * and realloc(NULL, 0) giving NULL in one run is a finding, whichever the
 * allocator meant. A free never shows a choice. */
START_TEST(choices_hold_for_the_whole_run)
{
    struct held_choices held = {0};
    char block[16];
    ck_assert_int_eq(hold(&held, rule_judge_allocation, OP_MALLOC, false, block, 3).breach.failure,
                     F_NONE);
    ck_assert_int_eq(hold(&held, rule_judge_allocation, OP_CALLOC, false, block, 4).breach.failure,
                     F_NONE);
    ck_assert_int_eq(hold(&held, rule_judge_free, OP_MALLOC, false, NULL, 5).breach.failure,
                     F_NONE);
    struct verdict v = hold(&held, rule_judge_reallocation, OP_REALLOC, false, NULL, 7);
    ck_assert_int_eq(v.breach.failure, F_CHOICE_CHANGED);
    ck_assert_int_eq(v.breach.invariant, INV_IMPLEMENTATION_CHOICE);
    char expected[256], actual[256];
    rule_describe(&v.breach, expected, sizeof expected, actual, sizeof actual);
    ck_assert_msg(strstr(expected, "a block, as malloc at operation #3"), "%s", expected);
    ck_assert_str_eq(actual, "NULL");

    /* realloc(p, 0) is a choice of its own, held likewise. */
    ck_assert_int_eq(hold(&held, rule_judge_reallocation, OP_REALLOC, true, NULL, 8).breach.failure,
                     F_NONE);
    ck_assert_int_eq(
        hold(&held, rule_judge_reallocation, OP_REALLOCARRAY, true, block, 9).breach.failure,
        F_CHOICE_CHANGED);
}
END_TEST

/* A regression's `# affects:` line, and which version texts it names. */
START_TEST(affects_lines_name_one_version)
{
    char named[64];
    ck_assert(affects_line_parse("# affects:  jemalloc 5.3.0 \n", named, sizeof named));
    ck_assert_str_eq(named, "jemalloc 5.3.0");
    ck_assert(!affects_line_parse("# affects:\n", named, sizeof named));
    ck_assert(!affects_line_parse("#affects: jemalloc 5.3.0\n", named, sizeof named));
    ck_assert(!affects_line_parse("# affects: jemalloc 5.3.0\n", named, 8)); /* no room */
    ck_assert(version_names("jemalloc 5.3.0-0-g54eaed1d", "jemalloc 5.3.0"));
    ck_assert(version_names("/lib/libjemalloc.so.2 (jemalloc 5.3.0)", "jemalloc 5.3.0"));
    ck_assert(!version_names("jemalloc 5.3.01", "jemalloc 5.3.0"));
    ck_assert(!version_names("jemalloc 5.3.0.1", "jemalloc 5.3.0"));
    ck_assert(!version_names("jemalloc 5.3.1", "jemalloc 5.3.0"));
    ck_assert(!version_names("mimalloc 2.0.9", "jemalloc 5.3.0"));
}
END_TEST

Suite *findings_suite(void)
{
    Suite *s = suite_create("findings");
    TCase *tc = tcase_create("findings");
    tcase_add_test(tc, signatures_name_invariant_failure_operation_and_band);
    tcase_add_test(tc, contents_are_signed_by_the_damaged_block);
    tcase_add_test(tc, known_files_hold_patterns_or_reports);
    tcase_add_test(tc, choices_hold_for_the_whole_run);
    tcase_add_test(tc, affects_lines_name_one_version);
    suite_add_tcase(s, tc);
    return s;
}
