/*
 * program.c — the program container: operations in harness memory, grown
 * by doubling. What each operation kind is and uses is rules.h's table.
 */
#include "internal.h"

#include <string.h>

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

bool op_same(const struct op *a, const struct op *b)
{
    return a->kind == b->kind && a->thread == b->thread && a->slot == b->slot &&
           a->size == b->size && a->count == b->count && a->align == b->align;
}

bool program_is_single_thread(const struct program *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->ops[i].thread != 0 || p->ops[i].kind == OP_RESTART) return false;
    return true;
}

unsigned program_thread_count(const struct program *p)
{
    unsigned highest = 0;
    for (size_t i = 0; i < p->count; i++)
        if (p->ops[i].thread > highest) highest = p->ops[i].thread;
    return highest + 1;
}
