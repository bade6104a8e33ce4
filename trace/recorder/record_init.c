/*
 * record_init.c — finding the calls the recording library stands in front
 * of (the next definition of each: the allocator that would serve the
 * program without it), and reading the settings `gauntlet record` passed.
 *
 * The first allocation can come before the library's constructor (from
 * the loader or another library's constructor), so the lookup happens on
 * the first call, whatever it is. The lookup (dlsym) may itself allocate:
 * the thread doing it is served from a static arena meanwhile, and other
 * threads wait for it.
 */
#include "recorder.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct real_calls real;
struct recorder_settings settings = {.fd = -1};

_Atomic int recorder_state = RECORDER_NOT_STARTED;
static __thread bool looking_up;

/* ---- the start-up arena ---- */

#define ARENA_BYTES (256u << 10)
/* Each block is preceded by its size, so that realloc and usable_size of
 * an arena block work; it is never reused (so calloc's zeroes hold). */
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static _Atomic size_t arena_used;

void *bootstrap_alloc(size_t size, size_t align)
{
    if (align < 16) align = 16;
    if (size > ARENA_BYTES || (align & (align - 1)) != 0 || align > 4096) return NULL;
    size_t start, end, used = atomic_load(&arena_used);
    do {
        start = (used + 16 + align - 1) & ~(align - 1);
        end = start + size;
        if (end > ARENA_BYTES) return NULL;
    } while (!atomic_compare_exchange_weak(&arena_used, &used, end));
    memcpy(arena + start - sizeof(size_t), &size, sizeof size);
    return arena + start;
}

bool bootstrap_owns(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_BYTES;
}

size_t bootstrap_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
    return size;
}

/* ---- the lookup ---- */

#define LOOK_UP(name) real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name)

static void look_up_calls(void)
{
    LOOK_UP(malloc);
    LOOK_UP(calloc);
    LOOK_UP(realloc);
    LOOK_UP(reallocarray);
    LOOK_UP(free);
    LOOK_UP(free_sized);
    LOOK_UP(free_aligned_sized);
    LOOK_UP(aligned_alloc);
    LOOK_UP(posix_memalign);
    LOOK_UP(memalign);
    LOOK_UP(valloc);
    LOOK_UP(pvalloc);
    LOOK_UP(malloc_usable_size);
    LOOK_UP(execve);
    LOOK_UP(execv);
    LOOK_UP(execvp);
    LOOK_UP(_exit);
}

/* The recorded process is the one `gauntlet record` started (and the
 * images it execs into); its children run unrecorded. */
static void read_settings(void)
{
    const char *path = getenv(TRACE_ENV_PATH), *shared = getenv(TRACE_ENV_SHARED);
    const char *pid = getenv(TRACE_ENV_PID), *every = getenv(TRACE_ENV_MARK_EVERY);
    if (!path || !shared || !pid || strtol(pid, NULL, 10) != (long)getpid()) return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    int shared_fd = open(shared, O_RDWR | O_CLOEXEC);
    void *map = shared_fd < 0 ? MAP_FAILED
                              : mmap(NULL, sizeof(struct trace_shared), PROT_READ | PROT_WRITE,
                                     MAP_SHARED, shared_fd, 0);
    if (shared_fd >= 0) close(shared_fd);
    if (fd < 0 || map == MAP_FAILED) {
        static const char msg[] = "gauntlet-record: cannot open the trace; not recording\n";
        if (write(2, msg, sizeof msg - 1) < 0) { /* nothing more to say */
        }
        if (fd >= 0) close(fd);
        return;
    }
    settings.fd = fd;
    settings.shared = map;
    settings.mark_every = every ? strtoul(every, NULL, 10) : 0;
    settings.active = true;
}

bool recorder_start_up(void)
{
    if (atomic_load_explicit(&recorder_state, memory_order_acquire) == RECORDER_READY) return true;
    if (looking_up) return false;
    int expected = RECORDER_NOT_STARTED;
    if (atomic_compare_exchange_strong(&recorder_state, &expected, RECORDER_LOOKING_UP)) {
        int saved = errno;
        looking_up = true;
        look_up_calls();
        read_settings();
        looking_up = false;
        errno = saved;
        atomic_store_explicit(&recorder_state, RECORDER_READY, memory_order_release);
        return true;
    }
    while (atomic_load_explicit(&recorder_state, memory_order_acquire) != RECORDER_READY)
        ; /* another thread is looking up; it takes microseconds */
    return true;
}
