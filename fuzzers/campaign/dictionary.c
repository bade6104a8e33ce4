/*
 * dictionary.c — the campaign's dictionary: fuzzers/gauntlet.dict (the
 * format's fields and the edges every allocator shares) and the size words
 * of this allocator's own class edges, probed at the campaign's start
 * (size_classes.c), each -1, 0 and +1. A mutation that inserts one lands a
 * request at the edge of one of its classes, whatever library it is. The
 * target's mutator gets the same edges.
 */
#include "campaign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dictionary {
    const uint8_t *shared;
    size_t shared_len;
    const size_t *edges;
    size_t edge_count;
};

static bool write_dictionary(int fd, const void *context)
{
    const struct dictionary *d = context;
    if (d->shared_len && write(fd, d->shared, d->shared_len) != (ssize_t)d->shared_len)
        return false;
    if (dprintf(fd, "\n## this allocator's size-class edges (probed), -1/0/+1\n") < 0) return false;
    for (size_t i = 0; i < d->edge_count; i++)
        for (int delta = -1; delta <= 1; delta++) {
            uint32_t word;
            size_t size = d->edges[i] + (size_t)delta;
            if (!size_word_encode(size, &word)) continue;
            if (dprintf(fd, "class_%zu=\"\\x%02x\\x%02x\\x%02x\\x%02x\"\n", size, word & 0xff,
                        (word >> 8) & 0xff, (word >> 16) & 0xff, word >> 24) < 0)
                return false;
        }
    return true;
}

/* The same edges to the target's structure-aware mutator, which moves a
 * request's size next to one of them (GAUNTLET_CLASS_EDGES). */
static void pass_class_edges(const size_t *edges, size_t count)
{
    static char list[SIZE_CLASSES_MAX * 21];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < count && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%zu", i ? "," : "", edges[i]);
    setenv("GAUNTLET_CLASS_EDGES", list, 1);
}

void write_campaign_dictionary(struct campaign *c)
{
    char shared_path[4200];
    path_printf(shared_path, sizeof shared_path, "%s/fuzzers/gauntlet.dict", data_dir());
    /* A tree without the shared dictionary (a stripped installation) still
     * gets the allocator's own entries. */
    uint8_t *bytes = NULL;
    size_t len = 0, mapped = 0;
    if (!read_whole_file(shared_path, &bytes, &len, &mapped)) len = 0;
    static size_t edges[SIZE_CLASSES_MAX];
    struct dictionary d = {bytes, len, edges,
                           probe_allocator_classes("fuzz", c->o->alloc, edges, &c->alloc)};
    pass_class_edges(edges, d.edge_count);
    path_printf(c->dict_path, sizeof c->dict_path, "%s/fuzz.dict", c->o->out);
    write_output_with(c->dict_path, write_dictionary, &d);
    if (bytes) hmem_unmap(bytes, mapped);
}
