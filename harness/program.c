/*
 * program.c — the program container and the facts about each operation kind
 * (its name, which fields it uses). Codecs, executor, generator and
 * reproducer all ask here rather than keeping their own tables.
 */
#include "gauntlet.h"

#include <string.h>

struct op_kind_info {
    const char *name;
    bool slot, size, count, align, allocates;
};

static const struct op_kind_info kinds[OP_KIND_COUNT] = {
    [OP_MALLOC] = {"malloc", true, true, false, false, true},
    [OP_CALLOC] = {"calloc", true, true, true, false, true},
    [OP_REALLOC] = {"realloc", true, true, false, false, false},
    [OP_REALLOCARRAY] = {"reallocarray", true, true, true, false, false},
    [OP_FREE] = {"free", true, false, false, false, false},
    [OP_FREE_SIZED] = {"free_sized", true, false, false, false, false},
    [OP_ALIGNED_ALLOC] = {"aligned_alloc", true, true, false, true, true},
    [OP_POSIX_MEMALIGN] = {"posix_memalign", true, true, false, true, true},
    [OP_MEMALIGN] = {"memalign", true, true, false, true, true},
    [OP_CHECK] = {"check", true, false, false, false, false},
    [OP_USABLE_SIZE] = {"usable_size", true, false, false, false, false},
    [OP_RESTART] = {"restart", false, false, false, false, false},
    [OP_BARRIER] = {"barrier", false, false, false, false, false},
};

const char *op_kind_name(enum op_kind kind)
{
    return kind < OP_KIND_COUNT ? kinds[kind].name : "?";
}
bool op_uses_slot(enum op_kind kind)
{
    return kind < OP_KIND_COUNT && kinds[kind].slot;
}
bool op_uses_size(enum op_kind kind)
{
    return kind < OP_KIND_COUNT && kinds[kind].size;
}
bool op_uses_count(enum op_kind kind)
{
    return kind < OP_KIND_COUNT && kinds[kind].count;
}
bool op_uses_align(enum op_kind kind)
{
    return kind < OP_KIND_COUNT && kinds[kind].align;
}
bool op_allocates(enum op_kind kind)
{
    return kind < OP_KIND_COUNT && kinds[kind].allocates;
}

void program_init(struct program *p)
{
    memset(p, 0, sizeof *p);
}

void program_append(struct program *p, const struct op *op)
{
    if (p->count == p->capacity) {
        size_t new_capacity = p->capacity ? p->capacity * 2 : 256;
        p->ops = hmem_remap(p->ops, p->capacity * sizeof *p->ops, new_capacity * sizeof *p->ops);
        p->capacity = new_capacity;
    }
    p->ops[p->count++] = *op;
}

void program_clear(struct program *p)
{
    p->count = 0;
}

void program_release(struct program *p)
{
    hmem_unmap(p->ops, p->capacity * sizeof *p->ops);
    program_init(p);
}

unsigned program_thread_count(const struct program *p)
{
    unsigned highest = 0;
    for (size_t i = 0; i < p->count; i++)
        if (p->ops[i].thread > highest) highest = p->ops[i].thread;
    return highest + 1;
}
