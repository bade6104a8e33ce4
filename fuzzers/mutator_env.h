/*
 * mutator_env.h — the structure-aware mutators' settings, read from the
 * environment by libFuzzer's hooks (fuzz_mutator.c) and AFL++'s
 * (afl_mutator.c) alike:
 *   GAUNTLET_MUTATOR      structure (default) or bytes: the engine's own
 *                         byte-level mutations only, for comparison
 *   GAUNTLET_CLASS_EDGES  the allocator's size-class edges, comma-separated
 *                         (gauntlet fuzz passes the ones it probed)
 */
#ifndef GAUNTLET_MUTATOR_ENV_H
#define GAUNTLET_MUTATOR_ENV_H

#include "gauntlet.h"

#include <stdbool.h>

struct mutator_env {
    bool bytes_only;
    struct mutate_params params; /* class edges; byte_mutate left to the caller */
    size_t edges[SIZE_CLASSES_MAX];
};

/* Exits with status 2, naming `who`, on a value it cannot use. */
void mutator_env_read(struct mutator_env *env, const char *who);

#endif
