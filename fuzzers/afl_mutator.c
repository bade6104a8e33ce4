/*
 * afl_mutator.c — the structure-aware mutator (mutate.c) as an AFL++
 * custom mutator library (build/fuzz/afl-mutator.so, which gauntlet fuzz
 * names in AFL_CUSTOM_MUTATOR_LIBRARY). AFL++ runs it as a stage before
 * its own havoc, so byte-level mutations still happen; one input in eight
 * is spliced with the other input AFL++ offers. Settings in mutator_env.h.
 */
#include "mutator_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPLICE_ONE_IN 8

struct afl_mutator {
    struct mutator_env env;
    uint64_t seed;
    uint8_t *buf;
    size_t room;
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
    (void)afl;
    struct afl_mutator *m = calloc(1, sizeof *m);
    if (m == NULL) {
        perror("afl-mutator: init");
        return NULL;
    }
    mutator_env_read(&m->env, "afl-mutator");
    m->seed = seed;
    return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
    struct afl_mutator *m = data;
    if (max_size > m->room) {
        uint8_t *grown = realloc(m->buf, max_size);
        if (grown == NULL) { /* AFL++ skips an empty result */
            *out_buf = buf;
            return 0;
        }
        m->buf = grown;
        m->room = max_size;
    }
    uint64_t seed = m->seed++;
    *out_buf = m->buf;
    if (add_buf && seed % SPLICE_ONE_IN == 0)
        return program_splice(buf, buf_size, add_buf, add_buf_size, m->buf, max_size, seed);
    size_t size = buf_size < max_size ? buf_size : max_size;
    memcpy(m->buf, buf, size);
    return program_mutate(m->buf, size, max_size, seed * 0x9E3779B97F4A7C15u, &m->env.params);
}

void afl_custom_deinit(void *data)
{
    struct afl_mutator *m = data;
    free(m->buf);
    free(m);
}
