/*
 * coverage_stubs.c — the calls an allocator built for coverage makes
 * (`gauntlet build-alloc --with coverage`: libFuzzer's inline 8-bit
 * counters, PC table and comparison tracing), answered by nothing. In a fuzz
 * target libFuzzer answers them and counts the allocator's branches; here,
 * where `gauntlet run`, minimize and stress load the same library, they must
 * only exist (the gauntlet binary exports them: see the Makefile).
 */
#include <stdint.h>

#define IGNORED __attribute__((visibility("default"), used))

IGNORED void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end);
IGNORED void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end)
{
    (void)start, (void)end;
}
IGNORED void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *end);
IGNORED void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *end)
{
    (void)start, (void)end;
}

#define COMPARISON(name, type)                                                                     \
    IGNORED void name(type a, type b);                                                             \
    IGNORED void name(type a, type b)                                                              \
    {                                                                                              \
        (void)a, (void)b;                                                                          \
    }
COMPARISON(__sanitizer_cov_trace_cmp1, uint8_t)
COMPARISON(__sanitizer_cov_trace_cmp2, uint16_t)
COMPARISON(__sanitizer_cov_trace_cmp4, uint32_t)
COMPARISON(__sanitizer_cov_trace_cmp8, uint64_t)
COMPARISON(__sanitizer_cov_trace_const_cmp1, uint8_t)
COMPARISON(__sanitizer_cov_trace_const_cmp2, uint16_t)
COMPARISON(__sanitizer_cov_trace_const_cmp4, uint32_t)
COMPARISON(__sanitizer_cov_trace_const_cmp8, uint64_t)

IGNORED void __sanitizer_cov_trace_switch(uint64_t value, uint64_t *cases);
IGNORED void __sanitizer_cov_trace_switch(uint64_t value, uint64_t *cases)
{
    (void)value, (void)cases;
}
