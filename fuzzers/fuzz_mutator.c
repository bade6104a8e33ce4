/*
 * fuzz_mutator.c — libFuzzer's custom mutator and cross-over for the fuzz
 * target: whole operations edited (mutate.c), with libFuzzer's own byte
 * mutator (dictionary, compared values) used inside one record. Linked
 * into the libFuzzer builds only; settings in mutator_env.h.
 */
#include "mutator_env.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
                                 size_t size2, uint8_t *out, size_t max_out_size,
                                 unsigned int seed);

static struct mutator_env env;
static bool configured;

static void configure(void)
{
    mutator_env_read(&env, "fuzz_program");
    env.params.byte_mutate = LLVMFuzzerMutate;
    configured = true;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (!configured) configure();
    if (env.bytes_only) return LLVMFuzzerMutate(data, size, max_size);
    return program_mutate(data, size, max_size, seed, &env.params);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
                                 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
    if (!configured) configure();
    if (env.bytes_only) return 0; /* libFuzzer's own cross-over runs within LLVMFuzzerMutate */
    return program_splice(data1, size1, data2, size2, out, max_out_size, seed);
}
