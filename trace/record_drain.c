/*
 * record_drain.c — `gauntlet record`'s side of the rings (trace_format.h):
 * the chunks the program's threads put into them are appended to the
 * trace, so that the file system's write is paid on gauntlet record's
 * core, not the program's. Rings outlive the program: what a killed or
 * crashed program put into them is all taken out after it ends.
 */
#include "trace.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

static uint64_t drain_ring(struct trace_ring *ring, int fd)
{
    uint64_t head = atomic_load_explicit((_Atomic uint64_t *)&ring->head, memory_order_acquire);
    uint64_t tail = ring->tail;
    if (head == tail) return 0;
    /* [tail, head) holds whole chunks; it wraps at most once. */
    size_t start = tail & (TRACE_RING_BYTES - 1), size = head - tail;
    size_t first = size < TRACE_RING_BYTES - start ? size : TRACE_RING_BYTES - start;
    struct iovec v[2] = {{ring->bytes + start, first}, {ring->bytes, size - first}};
    if (writev(fd, v, size > first ? 2 : 1) != (ssize_t)size) {
        static bool said;
        if (!said)
            fprintf(stderr, "gauntlet record: cannot write the trace: %s\n", strerror(errno));
        said = true;
    }
    atomic_store_explicit((_Atomic uint64_t *)&ring->tail, head, memory_order_release);
    return size;
}

uint64_t record_drain(struct trace_shared *shared, int fd)
{
    uint32_t used = atomic_load((_Atomic uint32_t *)&shared->rings_used);
    if (used > TRACE_RINGS) used = TRACE_RINGS;
    uint64_t taken = 0;
    for (uint32_t i = 0; i < used; i++)
        taken += drain_ring(&shared->rings[i], fd);
    return taken;
}
