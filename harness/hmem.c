/*
 * hmem.c — the harness's own memory. Everything the harness keeps (programs,
 * slot tables, the shadow model, report buffers) is mapped here with mmap, so
 * a corrupting allocator under test cannot reach it through its own heap, and
 * a measurement can tell the allocator's memory from the harness's.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static atomic_size_t mapped_bytes;

static size_t page_round(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (bytes + page - 1) & ~(page - 1);
}

static void refuse(size_t bytes)
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "gauntlet: cannot map %zu bytes of harness memory\n", bytes);
    if (write(STDERR_FILENO, msg, (size_t)n) < 0) _exit(2);
    _exit(2);
}

void *hmem_map(size_t bytes)
{
    if (bytes == 0) bytes = 1;
    size_t rounded = page_round(bytes);
    void *p = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) refuse(bytes);
    atomic_fetch_add(&mapped_bytes, rounded);
    return p;
}

void hmem_unmap(void *p, size_t bytes)
{
    if (p == NULL) return;
    if (bytes == 0) bytes = 1;
    size_t rounded = page_round(bytes);
    munmap(p, rounded);
    atomic_fetch_sub(&mapped_bytes, rounded);
}

void *hmem_remap(void *p, size_t old_bytes, size_t new_bytes)
{
    if (p == NULL) return hmem_map(new_bytes);
    size_t old_rounded = page_round(old_bytes ? old_bytes : 1);
    size_t new_rounded = page_round(new_bytes ? new_bytes : 1);
    void *q = mremap(p, old_rounded, new_rounded, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) refuse(new_bytes);
    atomic_fetch_add(&mapped_bytes, new_rounded);
    atomic_fetch_sub(&mapped_bytes, old_rounded);
    return q;
}

size_t hmem_mapped_bytes(void)
{
    return atomic_load(&mapped_bytes);
}
