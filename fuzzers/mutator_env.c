/*
 * mutator_env.c — the mutators' settings from the environment
 * (mutator_env.h).
 */
#include "mutator_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mutator_env_read(struct mutator_env *env, const char *who)
{
    memset(env, 0, sizeof *env);
    const char *mutator = getenv("GAUNTLET_MUTATOR");
    if (mutator && strcmp(mutator, "bytes") == 0) {
        env->bytes_only = true;
    } else if (mutator && *mutator && strcmp(mutator, "structure") != 0) {
        fprintf(stderr, "%s: GAUNTLET_MUTATOR must be structure or bytes, not %s\n", who, mutator);
        exit(2);
    }
    const char *list = getenv("GAUNTLET_CLASS_EDGES");
    size_t count = 0;
    for (char *end; list && *list && count < SIZE_CLASSES_MAX; list = end) {
        unsigned long long edge = strtoull(list, &end, 10);
        if (end == list || (*end != ',' && *end != '\0')) {
            fprintf(stderr, "%s: GAUNTLET_CLASS_EDGES: not a number at \"%s\"\n", who, list);
            exit(2);
        }
        env->edges[count++] = (size_t)edge;
        if (*end == ',') end++;
    }
    env->params.class_edges = env->edges;
    env->params.class_edge_count = count;
}
