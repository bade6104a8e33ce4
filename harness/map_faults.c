/*
 * map_faults.c — the library's copy of map_faults.c.in (the OS refusing an
 * allocator memory on demand), which every reproducer carries verbatim.
 */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "map_faults.c.in"
