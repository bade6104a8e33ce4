/*
 * shadow_tree.c — the live blocks ordered by address, so the overlap check is
 * a look at two neighbours instead of a scan. A treap: nodes are the slots
 * themselves (no allocation), priorities a counter scrambled by a
 * multiplicative hash, which keeps the expected depth logarithmic.
 */
#include "run.h"

#define NONE (-1)

void shadow_tree_init(struct shadow_tree *t, struct tree_node *nodes)
{
    t->nodes = nodes;
    t->root = NONE;
    t->next_priority = 1;
}

static int32_t rotate_right(struct tree_node *n, int32_t id)
{
    int32_t left = n[id].left;
    n[id].left = n[left].right;
    n[left].right = id;
    return left;
}

static int32_t rotate_left(struct tree_node *n, int32_t id)
{
    int32_t right = n[id].right;
    n[id].right = n[right].left;
    n[right].left = id;
    return right;
}

static int32_t insert_at(struct tree_node *n, int32_t root, int32_t id)
{
    if (root == NONE) return id;
    if (n[id].start < n[root].start) {
        n[root].left = insert_at(n, n[root].left, id);
        if (n[n[root].left].priority > n[root].priority) root = rotate_right(n, root);
    } else {
        n[root].right = insert_at(n, n[root].right, id);
        if (n[n[root].right].priority > n[root].priority) root = rotate_left(n, root);
    }
    return root;
}

/* The node with the greatest start ≤ key, and the one with the least start > key. */
static void neighbours(const struct shadow_tree *t, uintptr_t key, int32_t *below, int32_t *above)
{
    *below = *above = NONE;
    for (int32_t cur = t->root; cur != NONE;) {
        if (t->nodes[cur].start <= key) {
            *below = cur;
            cur = t->nodes[cur].right;
        } else {
            *above = cur;
            cur = t->nodes[cur].left;
        }
    }
}

int32_t shadow_tree_insert(struct shadow_tree *t, int32_t id, uintptr_t start, uintptr_t end)
{
    int32_t below, above;
    neighbours(t, start, &below, &above);
    if (below != NONE && t->nodes[below].end > start) return below;
    if (above != NONE && t->nodes[above].start < end) return above;
    struct tree_node *node = &t->nodes[id];
    node->start = start;
    node->end = end;
    node->left = node->right = NONE;
    node->priority = (t->next_priority++) * UINT32_C(2654435761);
    t->root = insert_at(t->nodes, t->root, id);
    return NONE;
}

static int32_t remove_at(struct tree_node *n, int32_t root, int32_t id)
{
    if (root == NONE) return NONE;
    if (root != id) {
        if (n[id].start < n[root].start)
            n[root].left = remove_at(n, n[root].left, id);
        else
            n[root].right = remove_at(n, n[root].right, id);
        return root;
    }
    if (n[root].left == NONE) return n[root].right;
    if (n[root].right == NONE) return n[root].left;
    if (n[n[root].left].priority > n[n[root].right].priority) {
        root = rotate_right(n, root);
        n[root].right = remove_at(n, n[root].right, id);
    } else {
        root = rotate_left(n, root);
        n[root].left = remove_at(n, n[root].left, id);
    }
    return root;
}

void shadow_tree_remove(struct shadow_tree *t, int32_t id)
{
    t->root = remove_at(t->nodes, t->root, id);
}
