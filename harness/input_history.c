/*
 * input_history.c — the inputs a fuzz target's process ran, kept so that a
 * crash that needs earlier inputs can be replayed with them. The writer
 * (the target) copies each input, before running it, into a ring in a file
 * mapped shared: the copy is in the kernel's page cache the moment it is
 * made, so it outlives a process that dies of the input. The reader (the
 * campaign) finds the file whose newest input is a crash file, and joins
 * the inputs before it and the crash into one program that runs as that
 * process ran them (input_history_join).
 *
 * Only system calls here: the target's process is the allocator's, and no
 * byte of the history may come from the allocator under test.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HISTORY_MAGIC "GAUNTLET-HIST-1"

struct history_input {
    uint32_t len;
    uint8_t bytes[INPUT_HISTORY_INPUT_MAX];
};

/* The file, as mapped. `written` counts every input ever recorded; the
 * newest is at (written - 1) % INPUT_HISTORY_INPUTS. */
struct input_history {
    char magic[16];
    uint32_t ring, input_max;
    uint64_t written;
    struct history_input inputs[INPUT_HISTORY_INPUTS];
};

struct input_history *input_history_create(const char *path, char *err, size_t err_len)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, sizeof(struct input_history)) != 0) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    struct input_history *h = mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (h == MAP_FAILED) {
        snprintf(err, err_len, "cannot map %s: %s", path, strerror(errno));
        return NULL;
    }
    memcpy(h->magic, HISTORY_MAGIC, sizeof HISTORY_MAGIC);
    h->ring = INPUT_HISTORY_INPUTS;
    h->input_max = INPUT_HISTORY_INPUT_MAX;
    return h;
}

void input_history_record(struct input_history *h, const uint8_t *data, size_t len)
{
    if (len > INPUT_HISTORY_INPUT_MAX) len = INPUT_HISTORY_INPUT_MAX;
    struct history_input *in = &h->inputs[h->written % INPUT_HISTORY_INPUTS];
    memcpy(in->bytes, data, len);
    in->len = (uint32_t)len;
    /* Counted last: a reader never sees an input half copied as the newest. */
    __atomic_store_n(&h->written, h->written + 1, __ATOMIC_RELEASE);
}

struct input_history *input_history_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    struct input_history *h = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size == sizeof *h)
        h = mmap(NULL, sizeof *h, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (h == MAP_FAILED) return NULL;
    if (memcmp(h->magic, HISTORY_MAGIC, sizeof HISTORY_MAGIC) != 0 ||
        h->ring != INPUT_HISTORY_INPUTS || h->input_max != INPUT_HISTORY_INPUT_MAX) {
        munmap(h, sizeof *h);
        return NULL;
    }
    return h;
}

void input_history_close(struct input_history *h)
{
    if (h) munmap(h, sizeof *h);
}

size_t input_history_count(const struct input_history *h)
{
    uint64_t written = __atomic_load_n(&h->written, __ATOMIC_ACQUIRE);
    return written < INPUT_HISTORY_INPUTS ? (size_t)written : INPUT_HISTORY_INPUTS;
}

const uint8_t *input_history_input(const struct input_history *h, size_t age, size_t *len)
{
    uint64_t written = __atomic_load_n(&h->written, __ATOMIC_ACQUIRE);
    const struct history_input *in = &h->inputs[(written - 1 - age) % INPUT_HISTORY_INPUTS];
    *len = in->len <= INPUT_HISTORY_INPUT_MAX ? in->len : INPUT_HISTORY_INPUT_MAX;
    return in->bytes;
}

/* ---- joining runs ---- */

static void append_op(struct program *joined, enum op_kind kind, unsigned thread, unsigned slot,
                      size_t size)
{
    struct op op = {
        .kind = (uint8_t)kind, .thread = (uint8_t)thread, .slot = (uint8_t)slot, .size = size};
    program_append(joined, &op);
}

/* What the end of one run and the start of the next do, as operations: the
 * teardown frees every live block by thread 0, every run ends with nothing
 * refused, and the next run's threads are new, except the thread a
 * single-thread program runs on when both run on the calling thread
 * (exec_lockstep.c, runs_inline). */
void input_history_join(struct program *joined, const struct program *earlier,
                        const struct program *next)
{
    bool slot_used[GAUNTLET_MAX_SLOTS] = {0}, refused = false;
    for (size_t i = 0; i < earlier->count; i++) {
        const struct op *op = &earlier->ops[i];
        program_append(joined, op);
        if (op_uses_slot((enum op_kind)op->kind)) slot_used[op->slot] = true;
        refused |= op->kind == OP_FAIL_MAPS;
    }
    if (refused) append_op(joined, OP_FAIL_MAPS, 0, 0, 0);
    for (unsigned s = 0; s < GAUNTLET_MAX_SLOTS; s++)
        if (slot_used[s]) append_op(joined, OP_FREE, 0, s, 0);
    bool same_thread = program_is_single_thread(earlier) && program_is_single_thread(next);
    unsigned threads = program_thread_count(earlier);
    for (unsigned t = same_thread ? 1 : 0; t < threads; t++)
        append_op(joined, OP_RESTART, t, 0, 0);
}
