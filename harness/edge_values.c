/*
 * edge_values.c — the table of deliberate edge sizes that the size word's
 * mode 2 reaches (FORMAT.md, "Edge sizes"). Each entry is a size where some
 * allocator changes strategy (bin, size class, page kind, mmap threshold), so
 * a request of the edge ±1..±127 lands on both sides of that boundary.
 *
 * The table is part of the binary format: reordering, adding or removing an
 * entry changes what existing corpus files mean. Keep it sorted and unique
 * (the unit tests check both).
 */
#include "internal.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

const size_t edge_sizes[] = {
    24,         /* glibc: usable size of the minimum chunk */
    80,         /* jemalloc 5.3: size class */
    96,         /* jemalloc 5.3: size class */
    112,        /* jemalloc 5.3: size class */
    120,        /* glibc: largest request in the largest default fastbin chunk */
    128,        /* glibc: default fastbin limit (DEFAULT_MXFAST) */
    160,        /* jemalloc 5.3: size class */
    192,        /* jemalloc 5.3: size class */
    224,        /* jemalloc 5.3: size class */
    320,        /* jemalloc 5.3: size class */
    384,        /* jemalloc 5.3: size class */
    448,        /* jemalloc 5.3: size class */
    640,        /* jemalloc 5.3: size class */
    768,        /* jemalloc 5.3: size class */
    896,        /* jemalloc 5.3: size class */
    1008,       /* glibc: largest request served from a small bin */
    1024,       /* glibc: first large-bin chunk; mimalloc 2.0: small object maximum */
    1032,       /* glibc: largest request tcache holds */
    1280,       /* jemalloc 5.3: size class */
    1536,       /* jemalloc 5.3: size class */
    1792,       /* jemalloc 5.3: size class */
    2560,       /* jemalloc 5.3: size class */
    3072,       /* jemalloc 5.3: size class */
    3584,       /* jemalloc 5.3: size class */
    4 * KiB,    /* everyone: the page */
    5120,       /* jemalloc 5.3: size class */
    6144,       /* jemalloc 5.3: size class */
    7168,       /* jemalloc 5.3: size class */
    8 * KiB,    /* jemalloc 5.3: size class; mimalloc 2.0: 8 KiB; tcmalloc 2.10: its page */
    10240,      /* jemalloc 5.3: size class */
    12288,      /* jemalloc 5.3: size class */
    14336,      /* jemalloc 5.3: largest small size class */
    16 * KiB,   /* jemalloc 5.3: smallest large size class */
    32 * KiB,   /* jemalloc 5.3: default tcache maximum */
    64 * KiB,   /* mimalloc 2.0: small page size */
    128 * KiB,  /* glibc: default mmap threshold; mimalloc 2.0: medium object maximum */
    256 * KiB,  /* tcmalloc 2.10: largest small size */
    512 * KiB,  /* mimalloc 2.0: medium page size */
    2 * MiB,    /* x86-64 huge page; jemalloc 5.3 and mimalloc 2.0: 2 MiB */
    4 * MiB,    /* jemalloc 5.3 and mimalloc 2.0: 4 MiB */
    8 * MiB,    /* jemalloc 5.3: oversize threshold */
    16 * MiB,   /* mimalloc 2.0: large object maximum */
    32 * MiB,   /* glibc: largest dynamic mmap threshold; mimalloc 2.0: segment size */
    64 * MiB,   /* glibc: size of a non-main arena's heap */
    GiB,        /* x86-64 gigantic page */
    INT32_MAX,  /* code that keeps sizes in an int */
    UINT32_MAX, /* code that keeps sizes in a 32-bit unsigned */
    4 * GiB,    /* 2^32: the first size a 32-bit size field cannot hold */
};

const size_t edge_size_count = sizeof edge_sizes / sizeof edge_sizes[0];
