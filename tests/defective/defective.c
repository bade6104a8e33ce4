/*
 * defective.c — a deliberately defective malloc replacement for testing the
 * suite itself. This file owns the whole library: a correct core that wraps
 * glibc's allocator, plus one defect selected at compile time with
 * -DDEFECT_<NAME> (tests/defective/defects.list names them and the invariant
 * each one breaks). Without any DEFECT_ macro (or with -DDEFECT_NONE) it is a
 * correct allocator that must pass every program; so must it with
 * -DDEFECT_SELF_CALL, whose realloc(NULL, n) calls the library's own
 * exported malloc through the PLT (as jemalloc 5.1.0's does): loaded beside
 * glibc, that call reaches glibc's malloc unless the harness binds the
 * library to itself (harness/adapter_self_bind.c).
 *
 * The core: every block is carved from a glibc block and has a 16-byte
 * header just before the returned pointer holding the glibc base pointer and
 * the requested size, the alignment (log2) and the allocating thread's id.
 * Usable size = requested size. Impossible requests fail with ENOMEM, bad
 * alignments with EINVAL, free keeps errno.
 *
 * It works both when dlopen()ed by the harness and as the process's malloc
 * under LD_PRELOAD: glibc is reached through the already loaded libc handle,
 * resolved once; calls made while that resolution is running (dlsym may
 * allocate) are served from a static buffer whose blocks are never handed to
 * glibc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if (defined(DEFECT_MISALIGN) + defined(DEFECT_ALIGNED_MISALIGN) + defined(DEFECT_USABLE_SHORT) +  \
     defined(DEFECT_OVERLAP) + defined(DEFECT_SCRIBBLE) + defined(DEFECT_REALLOC_TRUNCATE) +       \
     defined(DEFECT_REALLOC_FAIL_DAMAGES) + defined(DEFECT_CALLOC_DIRTY) +                         \
     defined(DEFECT_CALLOC_OVERFLOW) + defined(DEFECT_HUGE_ERRNO) +                                \
     defined(DEFECT_MEMALIGN_BAD_OK) + defined(DEFECT_FREE_ERRNO) + defined(DEFECT_SPURIOUS_OOM) + \
     defined(DEFECT_CROSS_THREAD) + defined(DEFECT_HANG) + defined(DEFECT_LEAK) +                  \
     defined(DEFECT_BLOAT) + defined(DEFECT_GARBLE) + defined(DEFECT_FAMILY_MISALIGN) +            \
     defined(DEFECT_EXIT_IN_FREE) + defined(DEFECT_FORK_IN_MALLOC) +                               \
     defined(DEFECT_FORK_PARENT_EXITS) + defined(DEFECT_CRASH_NTH) +                               \
     defined(DEFECT_CRASH_HISTORY) + defined(DEFECT_READONLY_BLOCK) +                              \
     defined(DEFECT_THREAD_EXIT_CRASH) + defined(DEFECT_ABORT_MALLOC) +                            \
     defined(DEFECT_QUIET_EXIT) + defined(DEFECT_FORK_BOTH_GO_ON) + defined(DEFECT_NULL_ALWAYS) +  \
     defined(DEFECT_BIMODAL) + defined(DEFECT_ZERO_INCONSISTENT) +                                 \
     defined(DEFECT_POSIX_MEMALIGN_NULL) + defined(DEFECT_THREAD_EXIT_HANG) +                      \
     defined(DEFECT_OOM_ERRNO) + defined(DEFECT_MISSING_ALIGNED_ALLOC) +                           \
     defined(DEFECT_FIRST_CALL_MISALIGN) + defined(DEFECT_LOADER_THREAD_MISALIGN) +                \
     defined(DEFECT_YOUNG_CRASH) + defined(DEFECT_COLLECT_DAMAGES) +                               \
     defined(DEFECT_EXPAND_PAST_END) + defined(DEFECT_REALLOC_ALIGNED_MISALIGN) +                  \
     defined(DEFECT_ALIGNED_AT_IGNORES_OFFSET) + defined(DEFECT_HEAP_VISIT_MISSES) +               \
     defined(DEFECT_HEAP_AREA_WRONG) + defined(DEFECT_PREDICT_WRONG) +                             \
     defined(DEFECT_REZALLOC_DIRTY) + defined(DEFECT_HEAP_ADOPTS_STRANGER) +                       \
     defined(DEFECT_SETTING_MISALIGN) + defined(DEFECT_SUGGESTED_SETTING_MISALIGN) +               \
     defined(DEFECT_SELF_CALL) + defined(DEFECT_NONE)) > 1
#error "define at most one DEFECT_<NAME>: each library carries exactly one defect"
#endif

/* The smallest first malloc of a thread that DEFECT_FIRST_CALL_MISALIGN
 * misaligns: larger than anything a thread's start-up asks for. */
#define FIRST_CALL_SIZE 4000

/* How many mallocs a process makes while DEFECT_YOUNG_MISALIGN's and
 * DEFECT_YOUNG_CRASH's heap is young. */
#define YOUNG_CALLS 64

#ifdef DEFECT_LOADER_THREAD_MISALIGN
/* Set by the constructor on the thread that loaded the library (a fork
 * copies it to the child's only thread, which is the same thread to the
 * library): that thread's mallocs of FIRST_CALL_SIZE bytes or more take a
 * path of their own (a heap made at load time) and come back misaligned. */
static __thread bool on_loader_thread __attribute__((tls_model("initial-exec")));
#endif

#if defined(DEFECT_SETTING_MISALIGN) || defined(DEFECT_SUGGESTED_SETTING_MISALIGN)
/* Read once, at load, as allocators read MALLOC_CONF and their like: the
 * defect is there only in a process started with the setting. The
 * suggested-setting variant is a mimalloc build to gauntlet (mi_version,
 * below) whose defect the first setting the registry suggests for mimalloc
 * switches on, whatever its value. */
#ifdef DEFECT_SETTING_MISALIGN
#define SETTING_NAME  "DEFECT_SETTING"
#define SETTING_VALUE "misalign"
#else
#define SETTING_NAME  "MIMALLOC_RESERVE_OS_MEMORY"
#define SETTING_VALUE "" /* any */
#endif
#define SETTING_SIZE 5000
static bool setting_on;
__attribute__((constructor)) static void read_setting(void)
{
    const char *value = getenv(SETTING_NAME);
    setting_on = value && (SETTING_VALUE[0] == '\0' || strcmp(value, SETTING_VALUE) == 0);
}
#endif

#ifdef DEFECT_COLLECT_DAMAGES
/* The last block malloc returned, until it is freed. */
static _Atomic(unsigned char *) last_malloc;
#endif

/* The two defects that hand one freed block out twice share a mechanism. */
#if defined(DEFECT_OVERLAP) || defined(DEFECT_CROSS_THREAD)
#define DUP_CACHE 1
#endif

/* Every block really takes BLOAT_FACTOR times its size (DEFECT_BLOAT). */
#ifdef DEFECT_BLOAT
#define BLOAT_FACTOR 4
#else
#define BLOAT_FACTOR 1
#endif

/* C23 sized frees; glibc 2.36's headers do not declare them yet. */
void free_sized(void *p, size_t size);
void free_aligned_sized(void *p, size_t alignment, size_t size);

/* ---- the block header ---- */

#define HEADER_SIZE 16
#define PLAIN_ALIGN 16 /* alignof(max_align_t) on x86_64, and glibc's chunk alignment */

/* The info word: requested size (44 bits: 16 TiB, more than this machine can
 * map), log2 of the alignment (6 bits), allocating thread id (14 bits; only
 * ever compared for equality, so wrap-around is harmless). */
#define SIZE_BITS  44
#define ALIGN_BITS 6
#define TID_BITS   14
#define SIZE_LIMIT ((uint64_t)1 << SIZE_BITS)

struct header {
    void *base; /* what glibc returned; NULL for a static-buffer block */
    uint64_t info;
};
_Static_assert(sizeof(struct header) == HEADER_SIZE, "the header must be 16 bytes");

static inline struct header *header_of(void *p)
{
    return (struct header *)((char *)p - HEADER_SIZE);
}

static inline uint64_t info_pack(size_t size, unsigned align_log2, unsigned tid)
{
    return (uint64_t)size | ((uint64_t)align_log2 << SIZE_BITS) |
           ((uint64_t)(tid & ((1u << TID_BITS) - 1)) << (SIZE_BITS + ALIGN_BITS));
}
static inline size_t info_size(uint64_t info)
{
    return (size_t)(info & (SIZE_LIMIT - 1));
}
static inline unsigned info_align_log2(uint64_t info)
{
    return (unsigned)((info >> SIZE_BITS) & ((1u << ALIGN_BITS) - 1));
}
#ifdef DEFECT_CROSS_THREAD /* the only reader of the thread id */
static inline unsigned info_tid(uint64_t info)
{
    return (unsigned)(info >> (SIZE_BITS + ALIGN_BITS));
}
#endif

static inline size_t block_size(void *p)
{
    return info_size(header_of(p)->info);
}

static inline bool is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static unsigned log2_of(size_t pow2)
{
    unsigned n = 0;
    while (pow2 > 1) {
        pow2 >>= 1;
        n++;
    }
    return n;
}

/* ---- thread ids: a counter, not pthread_self(), whose values are reused as
 * soon as a thread exits (a restarted harness thread must count as another
 * thread). initial-exec TLS: no __tls_get_addr, so no allocation inside. ---- */

static atomic_uint next_thread_id;
static __thread unsigned my_thread_id __attribute__((tls_model("initial-exec")));

#ifdef DEFECT_CROSS_THREAD
/* Which thread ids belong to running threads: a free after a harness
 * `restart` (a new OS thread under the old number) must not count as remote,
 * so a thread-specific key's destructor marks a thread's id as gone. */
static atomic_bool thread_running[1u << TID_BITS];
static pthread_key_t exit_key;
static atomic_bool exit_key_made;
static void thread_exits(void *unused)
{
    (void)unused;
    atomic_store(&thread_running[my_thread_id & ((1u << TID_BITS) - 1)], false);
}
static void thread_starts(unsigned id)
{
    atomic_store(&thread_running[id & ((1u << TID_BITS) - 1)], true);
    /* A small key index lives in the thread descriptor: no allocation here. */
    if (atomic_load(&exit_key_made)) pthread_setspecific(exit_key, (void *)1);
}
#else
static void thread_starts(unsigned id)
{
    (void)id;
}
#endif

static unsigned thread_id(void)
{
    if (my_thread_id == 0) {
        my_thread_id = atomic_fetch_add(&next_thread_id, 1) + 1;
        thread_starts(my_thread_id);
    }
    return my_thread_id & ((1u << TID_BITS) - 1);
}

/* ---- the static buffer for calls made while glibc is being resolved ---- */

#define STATIC_BUFFER_SIZE (256 * 1024)
static alignas(4096) unsigned char static_buffer[STATIC_BUFFER_SIZE];
static atomic_size_t static_used;

/* Bump allocation; never reused, so the memory is still zero (bss). */
static void *static_alloc(size_t size, size_t align)
{
    if (align < PLAIN_ALIGN) align = PLAIN_ALIGN;
    if (size > STATIC_BUFFER_SIZE || align > STATIC_BUFFER_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    size_t used = atomic_load(&static_used);
    for (;;) {
        size_t user = (used + HEADER_SIZE + align - 1) & ~(align - 1);
        if (user + size > STATIC_BUFFER_SIZE) {
            errno = ENOMEM;
            return NULL;
        }
        size_t end = (user + size + PLAIN_ALIGN - 1) & ~(size_t)(PLAIN_ALIGN - 1);
        if (atomic_compare_exchange_weak(&static_used, &used, end)) {
            void *p = static_buffer + user;
            header_of(p)->base = NULL;
            header_of(p)->info = info_pack(size, log2_of(align), thread_id());
            return p;
        }
    }
}

/* ---- glibc, resolved once ---- */

static void *(*libc_malloc)(size_t);
static void *(*libc_calloc)(size_t, size_t);
static void *(*libc_realloc)(void *, size_t);
static void (*libc_free)(void *);

enum { LIBC_UNRESOLVED, LIBC_RESOLVING, LIBC_READY };
static atomic_int libc_state;
static atomic_int libc_resolver; /* kernel tid of the thread resolving */

static void die(const char *msg)
{
    /* write(2), not stdio: stdio would allocate. */
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
    abort();
}

static void *libc_symbol(void *handle, const char *name)
{
    void *sym = dlsym(handle, name);
    if (sym == NULL) die("defective: a glibc allocator symbol is missing\n");
    return sym;
}

/* True when glibc can be called; false while this very thread is resolving
 * it (a re-entrant call from dlopen/dlsym: serve it from the static buffer). */
static bool libc_ready_slow(void)
{
    int expected = LIBC_UNRESOLVED;
    int me = (int)gettid();
    if (atomic_compare_exchange_strong(&libc_state, &expected, LIBC_RESOLVING)) {
        atomic_store(&libc_resolver, me);
        void *handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        if (handle == NULL) die("defective: libc.so.6 is not loaded\n");
        libc_malloc = (void *(*)(size_t))libc_symbol(handle, "malloc");
        libc_calloc = (void *(*)(size_t, size_t))libc_symbol(handle, "calloc");
        libc_realloc = (void *(*)(void *, size_t))libc_symbol(handle, "realloc");
        libc_free = (void (*)(void *))libc_symbol(handle, "free");
        atomic_store_explicit(&libc_state, LIBC_READY, memory_order_release);
        return true;
    }
    if (expected == LIBC_RESOLVING && atomic_load(&libc_resolver) == me) return false;
    while (atomic_load_explicit(&libc_state, memory_order_acquire) != LIBC_READY)
        sched_yield();
    return true;
}

static inline bool libc_ready(void)
{
    return atomic_load_explicit(&libc_state, memory_order_acquire) == LIBC_READY ||
           libc_ready_slow();
}

/* ---- a spin lock for the defects' shared state (no pthread mutex: it must
 * be usable before anything is initialised; held for a few instructions) ---- */

#if defined(DUP_CACHE) || defined(DEFECT_SCRIBBLE)
static atomic_flag state_lock = ATOMIC_FLAG_INIT;
static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&state_lock, memory_order_acquire))
        sched_yield();
}
static void unlock(void)
{
    atomic_flag_clear_explicit(&state_lock, memory_order_release);
}
/* A fork while another thread holds the lock must not leave it held in the child. */
static void fork_prepare(void)
{
    lock();
}
static void fork_release(void)
{
    unlock();
}
#define HAS_LOCK 1
#endif

/* ---- the core: carve a block from a glibc block ---- */

/* size*BLOAT_FACTOR + slack, or false when it overflows or the header could not
 * record the size: such a request cannot be served on this machine anyway. */
static bool glibc_bytes(size_t size, size_t slack, size_t *out)
{
    size_t scaled;
    if (size >= SIZE_LIMIT || __builtin_mul_overflow(size, (size_t)BLOAT_FACTOR, &scaled) ||
        __builtin_add_overflow(scaled, slack, out) || *out > PTRDIFF_MAX)
        return false;
    return true;
}

#ifdef DEFECT_BLOAT
/* Touch the extra memory so that RSS shows it. */
static void bloat_touch(void *p, size_t size)
{
    memset((char *)p + size, 0xBB, size * (BLOAT_FACTOR - 1));
}
#else
static void bloat_touch(void *p, size_t size)
{
    (void)p, (void)size;
}
#endif

/*
 * Blocks of 64 KiB or more first map a page of bookkeeping of their own,
 * through mmap: the call Gauntlet's fail_maps refuses. A refused page fails
 * the request with ENOMEM, as it must; DEFECT_OOM_ERRNO fails it with the
 * errno the call came in with.
 */
static bool os_page_for(size_t size)
{
    if (size < ((size_t)64 << 10)) return true;
    int entry_errno = errno;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED) {
        munmap(page, 4096);
        errno = entry_errno;
        return true;
    }
#ifdef DEFECT_OOM_ERRNO
    errno = entry_errno;
#else
    errno = ENOMEM;
#endif
    return false;
}

/*
 * A block of `size` bytes aligned to `align` (a power of two ≥ 16), moved
 * `shift` bytes further (0 except for the misalignment defects). glibc returns
 * 16-aligned memory, so for align > 16 the header always fits in the first
 * `align` bytes: base + 16 ≤ round_up(base + 16, align) ≤ base + align.
 */
static void *core_alloc(size_t size, size_t align, bool zero, size_t shift)
{
    size_t need;
    if (!glibc_bytes(size, (align > PLAIN_ALIGN ? align : HEADER_SIZE) + shift, &need)) {
        errno = ENOMEM;
        return NULL;
    }
    if (!os_page_for(size)) return NULL;
    char *base = zero ? libc_calloc(1, need) : libc_malloc(need);
    if (base == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t user = ((uintptr_t)base + HEADER_SIZE + align - 1) & ~(uintptr_t)(align - 1);
    void *p = (void *)(user + shift);
    header_of(p)->base = base;
    header_of(p)->info = info_pack(size, log2_of(align), thread_id());
    bloat_touch(p, size);
    return p;
}

/* Hand the memory back to glibc (static-buffer blocks are simply forgotten). */
static void core_release(void *p)
{
    void *base = header_of(p)->base;
    if (base != NULL) libc_free(base);
}

/* ---- DEFECT_BIMODAL: memory that some runs hold and others do not, in a
 * sequence the test chooses, so that a comparison's handling of a figure
 * with two modes can be proved without waiting for an allocator's clock to
 * split it. Only `gauntlet stress-one` processes take a letter: the corpus
 * replays of an upgrade load the library too. */
#ifdef DEFECT_BIMODAL
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#define BIMODAL_BYTES ((size_t)24 << 20)

static bool in_stress_run(void)
{
    char args[4096];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, args, sizeof args - 1);
    if (fd >= 0) close(fd);
    if (n <= 0) return false;
    args[n] = '\0';
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(args + i) + 1)
        if (strcmp(args + i, "stress-one") == 0) return true;
    return false;
}

/* The counter file's number, incremented under its lock; -1 on any failure. */
static long take_ticket(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) return -1;
    char text[24] = {0};
    long ticket = pread(fd, text, sizeof text - 1, 0) > 0 ? strtol(text, NULL, 10) : 0;
    int len = snprintf(text, sizeof text, "%ld\n", ticket + 1);
    bool written = pwrite(fd, text, (size_t)len, 0) == len;
    close(fd);
    return written ? ticket : -1;
}

__attribute__((constructor)) static void bimodal_start(void)
{
    const char *modes = getenv("GAUNTLET_TEST_MODES"), *path = getenv("GAUNTLET_TEST_MODES_FILE");
    if (modes == NULL || path == NULL || !in_stress_run()) return;
    long ticket = take_ticket(path);
    if (ticket < 0 || (size_t)ticket >= strlen(modes) || modes[ticket] != 'H') return;
    void *held =
        mmap(NULL, BIMODAL_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (held != MAP_FAILED) memset(held, 1, BIMODAL_BYTES);
}
#endif

/* ---- the program's own calls, told from the C library's ---- */

#if defined(DEFECT_SCRIBBLE) || defined(DUP_CACHE)
/* The C library's and the dynamic loader's code. Their own calls (a
 * thread's TLS, stdio's buffers) reach this library only when it is the
 * process's malloc, as in a reproducer, which preloads it; `gauntlet run`
 * loads it beside glibc and never passes them on. Counted, they would make
 * the scribble land at another operation in the reproducer than in the run:
 * only the program's own calls count (DEFECT_SCRIBBLE's frees, DUP_CACHE's
 * cached blocks). */
#define SYSTEM_OBJECTS 2
struct code_range {
    uintptr_t start, end;
};
static struct code_range system_code[SYSTEM_OBJECTS];
static atomic_bool system_code_known;
static __thread const void *entry_caller __attribute__((tls_model("initial-exec")));
#define NOTE_CALLER() (entry_caller = __builtin_return_address(0))

static int note_system_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    unsigned *found = data;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    if (*found >= SYSTEM_OBJECTS || (!strstr(name, "/libc.so") && !strstr(name, "/ld-linux")))
        return 0;
    struct code_range r = {UINTPTR_MAX, 0};
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (start < r.start) r.start = start;
        if (start + ph->p_memsz > r.end) r.end = start + ph->p_memsz;
    }
    system_code[(*found)++] = r;
    return 0;
}

static bool called_by_system(void)
{
    if (!atomic_load(&system_code_known)) {
        unsigned found = 0;
        dl_iterate_phdr(note_system_object, &found);
        atomic_store(&system_code_known, true);
    }
    uintptr_t at = (uintptr_t)entry_caller;
    for (unsigned i = 0; i < SYSTEM_OBJECTS; i++)
        if (at >= system_code[i].start && at < system_code[i].end) return true;
    return false;
}

#else
#define NOTE_CALLER() ((void)0)
#endif

/* ---- DEFECT_SCRIBBLE: a registry of live blocks, one of which gets a byte
 * flipped every few frees ---- */

#ifdef DEFECT_SCRIBBLE
#define REGISTRY_SIZE  64
#define SCRIBBLE_EVERY 3
static void *registry[REGISTRY_SIZE]; /* most recent allocation at registry_next - 1 */
static unsigned registry_next;
static unsigned long scribble_frees;

static void registry_add(void *p)
{
    if (p == NULL || called_by_system()) return;
    lock();
    registry[registry_next++ % REGISTRY_SIZE] = p; /* overwriting the oldest just forgets it */
    unlock();
}
static void registry_remove_locked(void *p)
{
    for (unsigned i = 0; i < REGISTRY_SIZE; i++)
        if (registry[i] == p) registry[i] = NULL;
}
static void registry_remove(void *p)
{
    lock();
    registry_remove_locked(p);
    unlock();
}
/* Called by free(p) before p is released: every SCRIBBLE_EVERY-th free the
 * program makes flips byte 0 of the most recently allocated other live
 * block of size ≥ 1. */
static void scribble_on_free(void *p)
{
    if (called_by_system()) return;
    lock();
    if (++scribble_frees % SCRIBBLE_EVERY == 0) {
        for (unsigned k = 1; k <= REGISTRY_SIZE; k++) {
            void *q = registry[(registry_next - k) % REGISTRY_SIZE];
            if (q != NULL && q != p && block_size(q) > 0) {
                *(volatile unsigned char *)q ^= 0x5A;
                break;
            }
        }
    }
    unlock();
}
#else
static void registry_add(void *p)
{
    (void)p;
}
static void registry_remove(void *p)
{
    (void)p;
}
#endif

/* ---- DUP_CACHE (DEFECT_OVERLAP, DEFECT_CROSS_THREAD): a one-entry cache of a
 * freed block that malloc (or calloc) hands out twice without taking it off
 * the cache the first time. The block then has two owners; a small table counts
 * them so that glibc gets it back once, after both have freed it. The cache
 * keeps the largest eligible block freed since it was last emptied, so that
 * many later requests fit: that keeps the defect frequent in random programs. ---- */

#ifdef DUP_CACHE
#define SHARED_MAX    64
#define OVERLAP_SMALL (64 * 1024)
static void *cached;       /* the cached block, or NULL */
static size_t cached_room; /* bytes it can hold */
static bool cached_handed; /* handed out once already (and still cached) */
static void *shared[SHARED_MAX];
static unsigned shared_owners[SHARED_MAX];

static unsigned shared_find_locked(void *p)
{
    for (unsigned i = 0; i < SHARED_MAX; i++)
        if (shared[i] == p) return i;
    return SHARED_MAX;
}

/* Does a freed block go to the cache? Only plain-layout glibc blocks. */
static bool dup_eligible(void *p)
{
    if (called_by_system()) return false;
    struct header *h = header_of(p);
    if (h->base == NULL || (char *)h->base + HEADER_SIZE != (char *)p) return false;
#ifdef DEFECT_OVERLAP
    return info_size(h->info) <= OVERLAP_SMALL; /* a "small" block, from any thread */
#else
    /* A remote free: by a thread other than the allocating one, which still runs. */
    unsigned tid = info_tid(h->info);
    return tid != thread_id() && atomic_load(&thread_running[tid]);
#endif
}

/* The owners' side of a release: true when the block was kept (cached, or
 * still owned by its other owner), false when it must go back to glibc. */
static bool dup_on_release(void *p)
{
    bool kept = false;
    void *displaced = NULL;
    lock();
    unsigned i = shared_find_locked(p);
    if (p == cached) {
        cached_handed = false; /* its one holder gave it back: cached again */
        kept = true;
    } else if (i < SHARED_MAX) {
        if (--shared_owners[i] == 0)
            shared[i] = NULL;
        else
            kept = true;
    } else if (dup_eligible(p) &&
               (cached == NULL || (!cached_handed && block_size(p) > cached_room))) {
        displaced = cached; /* owned by nobody: really freed below */
        cached = p;
        cached_room = block_size(p);
        cached_handed = false;
        kept = true;
    }
    unlock();
    if (displaced != NULL) core_release(displaced);
    return kept;
}

/* A block that realloc must not resize in place through glibc. */
static bool dup_managed(void *p)
{
    lock();
    bool managed = p == cached || shared_find_locked(p) < SHARED_MAX;
    unlock();
    return managed;
}

/* malloc's and calloc's side: the cached block if it fits. */
static void *dup_take(size_t size)
{
    void *p = NULL;
    if (called_by_system()) return NULL;
    lock();
    if (cached != NULL && size <= cached_room) {
        if (!cached_handed) {
            p = cached;
            cached_handed = true; /* the defect: it stays in the cache */
        } else {
            unsigned i = shared_find_locked(NULL);
            if (i < SHARED_MAX) {
                p = cached;
                shared[i] = p;
                shared_owners[i] = 2;
                cached = NULL;
            }
        }
        if (p != NULL) header_of(p)->info = info_pack(size, log2_of(PLAIN_ALIGN), thread_id());
    }
    unlock();
    return p;
}
#endif

/* Everything that gives a block up (free, realloc's move, realloc(p, 0)). */
#if defined(DEFECT_HEAP_VISIT_MISSES) || defined(DEFECT_HEAP_AREA_WRONG) ||                        \
    defined(DEFECT_HEAP_ADOPTS_STRANGER)
#define OWN_HEAPS 1
static void heaps_forget_block(void *p);
#endif

static void release_block(void *p)
{
#ifdef DUP_CACHE
    if (dup_on_release(p)) return;
#endif
#ifdef OWN_HEAPS
    heaps_forget_block(p);
#endif
    registry_remove(p);
    core_release(p);
}

/* ---- the calls, as static functions: see "the exported names" below ---- */

static inline bool impossible(size_t bytes)
{
    return bytes > PTRDIFF_MAX;
}

#ifdef DEFECT_SPURIOUS_OOM
static inline bool spurious_oom(size_t bytes)
{
    return bytes >= 5000 && bytes < 6000;
}
#else
static inline bool spurious_oom(size_t bytes)
{
    return (void)bytes, false;
}
#endif

#ifdef DEFECT_GARBLE
/* Writes bytes that are not UTF-8, then a first line of 9000 "é" (18 KB,
 * longer than any cut a reader makes, at an odd offset so that a cut by byte
 * count splits a character), and aborts. */
static void garble(void)
{
    static char text[2 + 9000 * 2 + 2];
    size_t n = 0;
    text[n++] = '\xff';
    text[n++] = '\xfe';
    for (int i = 0; i < 9000; i++)
        text[n++] = '\xc3', text[n++] = '\xa9';
    text[n++] = '\n';
    die(text);
}
#endif

/* ---- hostile defects: an allocator that ends, forks or crashes the process ----
 * Each is triggered by one request size, so that the process's own calls
 * (the loader's, libc's) never meet it and a program asks for it on purpose. */

#define HOSTILE_SIZE 777

#if defined(DEFECT_FORK_IN_MALLOC) || defined(DEFECT_FORK_PARENT_EXITS)
/* A child that outlives the caller's run, holding every descriptor it
 * inherited (a pipe to a parent that waits for its end, say). */
static void fork_off(bool parent_exits)
{
    pid_t pid = fork();
    if (pid < 0) return;
    if (parent_exits ? pid > 0 : pid == 0) {
        if (parent_exits) _exit(0);
        for (;;)
            sleep(60);
    }
}
#endif

#if defined(DEFECT_THREAD_EXIT_CRASH) || defined(DEFECT_THREAD_EXIT_HANG)
/* A thread-local destructor that crashes, or never returns: the first call
 * of each thread registers it, and the thread's exit runs it. */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static void crash_at_exit(void *value)
{
    (void)value;
#ifdef DEFECT_THREAD_EXIT_HANG
    for (;;)
        sleep(1);
#else
    *(volatile int *)(uintptr_t)16 = 1;
#endif
}
static void make_exit_key(void)
{
    pthread_key_create(&exit_key, crash_at_exit);
}
static void arm_thread_exit(void)
{
    pthread_once(&exit_key_once, make_exit_key);
    if (pthread_getspecific(exit_key) == NULL) pthread_setspecific(exit_key, (void *)1);
}
#endif

/* Whatever the hostile defect does at a malloc of `size`; may not return. */
static void *hostile_malloc(size_t size, bool *served)
{
    *served = false;
    (void)size;
#ifdef DEFECT_FORK_IN_MALLOC
    if (size == HOSTILE_SIZE) fork_off(false);
#endif
#ifdef DEFECT_FORK_PARENT_EXITS
    if (size == HOSTILE_SIZE) fork_off(true);
#endif
#ifdef DEFECT_FORK_BOTH_GO_ON
    if (size == HOSTILE_SIZE) fork(); /* parent and child both return the block */
#endif
#ifdef DEFECT_YOUNG_CRASH
    /* A young heap's path that crashes: a long-lived process ages past it. */
    static atomic_uint young_calls;
    if (atomic_fetch_add(&young_calls, 1) < YOUNG_CALLS && size >= FIRST_CALL_SIZE)
        *(volatile int *)(uintptr_t)16 = 1;
#endif
#ifdef DEFECT_CRASH_NTH
    /* Counted over requests of whole thousands, which only a program makes. */
    static atomic_uint calls;
    if (size % 1000 == 0 && size > 0 && atomic_fetch_add(&calls, 1) + 1 == 50)
        *(volatile int *)(uintptr_t)16 = 1;
#endif
#ifdef DEFECT_CRASH_HISTORY
    /* Counted over every program the process runs: a fuzz target crashes
     * after enough inputs, and no single input crashes alone. */
    static atomic_uint calls;
    if (atomic_fetch_add(&calls, 1) + 1 == 20000) *(volatile int *)(uintptr_t)16 = 1;
#endif
#ifdef DEFECT_READONLY_BLOCK
    if (size == HOSTILE_SIZE) {
        static void *page;
        if (page == NULL) page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *served = true;
        return page == MAP_FAILED ? NULL : page;
    }
#endif
#ifdef DEFECT_QUIET_EXIT
    if (size == HOSTILE_SIZE) _exit(0); /* no atexit handler runs: no word from anyone */
#endif
#ifdef DEFECT_ABORT_MALLOC
    if (size == HOSTILE_SIZE) abort();
#endif
#if defined(DEFECT_THREAD_EXIT_CRASH) || defined(DEFECT_THREAD_EXIT_HANG)
    arm_thread_exit();
#endif
#ifdef DEFECT_NULL_ALWAYS
    /* Every request a program makes (the loader's and libc's own are smaller). */
    if (size >= 100) {
        *served = true;
        errno = ENOMEM;
        return NULL;
    }
#endif
    return NULL;
}

static void *do_malloc(size_t size)
{
    if (!libc_ready()) return static_alloc(size, PLAIN_ALIGN);
    bool served;
    void *hostile = hostile_malloc(size, &served);
    if (served) return hostile;
#ifdef DEFECT_HANG
    if (size > 4096 && size <= 4352) /* one size class: a bin stuck in a loop */
        for (;;)
            sleep(1);
#endif
#ifdef DEFECT_GARBLE
    if (size >= 1024) garble();
#endif
    if (impossible(size)) {
#ifndef DEFECT_HUGE_ERRNO
        errno = ENOMEM;
#endif
        return NULL;
    }
    if (spurious_oom(size)) {
        errno = ENOMEM;
        return NULL;
    }
#ifdef DUP_CACHE
    void *again = dup_take(size);
    if (again != NULL) return again;
#endif
    size_t shift = 0;
#ifdef DEFECT_MISALIGN
    if (size >= 32 && size % 3 == 0) shift = 8;
#endif
#if defined(DEFECT_SETTING_MISALIGN) || defined(DEFECT_SUGGESTED_SETTING_MISALIGN)
    if (setting_on && size >= SETTING_SIZE) shift = 8;
#endif
#ifdef DEFECT_FIRST_CALL_MISALIGN
    /* A fresh thread's first malloc takes a path of its own (a thread cache
     * being set up), and only there is the block misaligned. */
    static __thread bool malloc_made __attribute__((tls_model("initial-exec")));
    if (!malloc_made) {
        malloc_made = true;
        if (size >= FIRST_CALL_SIZE) shift = 8;
    }
#endif
#ifdef DEFECT_LOADER_THREAD_MISALIGN
    if (on_loader_thread && size >= FIRST_CALL_SIZE) shift = 8;
#endif
#ifdef DEFECT_YOUNG_MISALIGN
    /* A young heap's path (before its caches fill): while the process has
     * made fewer than YOUNG_CALLS mallocs, those of FIRST_CALL_SIZE bytes or
     * more are misaligned. */
    static atomic_uint young_calls;
    if (atomic_fetch_add(&young_calls, 1) < YOUNG_CALLS && size >= FIRST_CALL_SIZE) shift = 8;
#endif
    void *p = core_alloc(size, PLAIN_ALIGN, false, shift);
    registry_add(p);
#ifdef DEFECT_COLLECT_DAMAGES
    if (size > 0) atomic_store(&last_malloc, (unsigned char *)p);
#endif
    return p;
}

/* calloc and reallocarray share the n×m rule: overflow is ENOMEM. */
static bool array_bytes(size_t n, size_t m, size_t *total)
{
    return !__builtin_mul_overflow(n, m, total);
}

static void *do_calloc(size_t n, size_t m)
{
    size_t total;
    if (!array_bytes(n, m, &total)) {
#ifdef DEFECT_CALLOC_OVERFLOW
        total = n * m; /* the defect: the wrapped product; kept small so glibc serves it */
        if (total > 1024 * 1024) total &= 0xFFF;
#else
        errno = ENOMEM;
        return NULL;
#endif
    }
    if (!libc_ready()) return static_alloc(total, PLAIN_ALIGN);
    if (impossible(total) || spurious_oom(total)) {
        errno = ENOMEM;
        return NULL;
    }
#ifdef DUP_CACHE
    void *again = dup_take(total);
    if (again != NULL) return memset(again, 0, total);
#endif
    void *p = core_alloc(total, PLAIN_ALIGN, true, 0);
#ifdef DEFECT_CALLOC_DIRTY
    if (p != NULL && total > 32) ((unsigned char *)p)[total - 1] = 0xC5;
#endif
    registry_add(p);
    return p;
}

static void do_free(void *p)
{
    if (p == NULL) return;
#ifdef DEFECT_COLLECT_DAMAGES
    unsigned char *was = p;
    atomic_compare_exchange_strong(&last_malloc, &was, NULL);
#endif
#ifdef DEFECT_EXIT_IN_FREE
    if (block_size(p) == HOSTILE_SIZE) exit(0);
#endif
    int saved_errno = errno;
#ifdef DEFECT_FREE_ERRNO
    bool even = block_size(p) % 2 == 0;
#endif
#ifdef DEFECT_SCRIBBLE
    scribble_on_free(p);
#endif
#ifdef DEFECT_LEAK
    static atomic_ulong frees;
    if ((atomic_fetch_add(&frees, 1) + 1) % 10 == 0) {
        errno = saved_errno;
        return; /* the defect: dropped, never released */
    }
#endif
    release_block(p);
    errno = saved_errno; /* glibc's free keeps errno too, but the spin lock's yields need not */
#ifdef DEFECT_FREE_ERRNO
    if (even) errno = EINVAL;
#endif
}

/* A failed realloc must leave the block as it was, except with this defect. */
static void *realloc_fails(void *p)
{
#ifdef DEFECT_REALLOC_FAIL_DAMAGES
    if (p != NULL && block_size(p) > 0) ((unsigned char *)p)[0] ^= 0xFF;
#else
    (void)p;
#endif
    errno = ENOMEM;
    return NULL;
}

static void *do_realloc(void *p, size_t size)
{
#ifdef DEFECT_ZERO_INCONSISTENT
    /* malloc(0) gives a block, realloc(NULL, 0) gives NULL (mimalloc #622). */
    if (p == NULL && size == 0) return NULL;
#endif
#ifdef DEFECT_SELF_CALL
    if (p == NULL) return malloc(size);
#endif
    if (p == NULL) return do_malloc(size);
    if (impossible(size)) return realloc_fails(p);
    if (size == 0) {
        /* glibc's choice: realloc(p, 0) frees p and returns NULL. */
        release_block(p);
        return NULL;
    }
    size_t old = block_size(p);
    if (!libc_ready()) {
        void *q = static_alloc(size, PLAIN_ALIGN);
        if (q != NULL) memcpy(q, p, old < size ? old : size);
        return q; /* the old block (static) is left where it is */
    }
    if (spurious_oom(size)) {
        errno = ENOMEM;
        return NULL;
    }

    struct header *h = header_of(p);
    bool in_place = h->base != NULL && (char *)h->base + HEADER_SIZE == (char *)p;
#ifdef DUP_CACHE
    /* Blocks the cache holds or would take go through release_block. */
    if (in_place && (dup_managed(p) || dup_eligible(p))) in_place = false;
#endif
#ifdef DEFECT_REALLOC_TRUNCATE
    bool truncate = size > old && old > 64;
    if (truncate) in_place = false;
#endif

    if (in_place) {
        size_t need;
        if (!glibc_bytes(size, HEADER_SIZE, &need)) return realloc_fails(p);
        registry_remove(p); /* before glibc may free it: scribble must not touch it */
        char *base = libc_realloc(h->base, need);
        if (base == NULL) {
            registry_add(p);
            errno = ENOMEM;
            return NULL;
        }
        void *q = base + HEADER_SIZE;
        header_of(q)->base = base;
        header_of(q)->info = info_pack(size, log2_of(PLAIN_ALIGN), thread_id());
        bloat_touch(q, size);
        registry_add(q);
        return q;
    }

    /* Move: keep the block's alignment (not required for realloc, but kind). */
    size_t align = (size_t)1 << info_align_log2(h->info);
    if (align < PLAIN_ALIGN) align = PLAIN_ALIGN;
    void *q = core_alloc(size, align, false, 0);
    if (q == NULL) return NULL; /* errno is ENOMEM; p untouched */
    size_t keep = old < size ? old : size;
#ifdef DEFECT_REALLOC_TRUNCATE
    if (truncate) {
        /* glibc bug 24027-like: one byte too few; make the lost byte differ for sure. */
        memcpy(q, p, keep - 1);
        ((unsigned char *)q)[keep - 1] = (unsigned char)~((unsigned char *)p)[keep - 1];
    } else
#endif
        memcpy(q, p, keep);
    release_block(p);
    registry_add(q);
    return q;
}

static void *do_reallocarray(void *p, size_t n, size_t m)
{
    size_t total;
    if (!array_bytes(n, m, &total)) return realloc_fails(p);
    return do_realloc(p, total);
}

/* The aligned calls after their arguments were checked: align is a power of two. */
static void *aligned_core(size_t align, size_t size)
{
    if (align < PLAIN_ALIGN) align = PLAIN_ALIGN;
    if (!libc_ready()) return static_alloc(size, align);
    if (impossible(size)) {
        errno = ENOMEM;
        return NULL;
    }
    size_t shift = 0;
#ifdef DEFECT_ALIGNED_MISALIGN
    if (align >= 64) shift = 32; /* 32-aligned, never 64-aligned */
#endif
#ifdef DEFECT_FAMILY_MISALIGN
    if (align >= 256) shift = 128; /* 128-aligned, as mimalloc 2.0.9 in its deviation's scope */
#endif
    void *p = core_alloc(size, align, false, shift);
    registry_add(p);
    return p;
}

#ifndef DEFECT_MISSING_ALIGNED_ALLOC
static void *do_aligned_alloc(size_t align, size_t size)
{
    if (!is_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned_core(align, size);
}
#endif

static void *do_memalign(size_t align, size_t size)
{
    if (!is_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned_core(align, size);
}

static int do_posix_memalign(void **out, size_t align, size_t size)
{
    int saved_errno = errno;
    if (!is_pow2(align) || align < sizeof(void *)) {
#ifdef DEFECT_MEMALIGN_BAD_OK
        /* The defect: a non-power-of-two ≥ 8 is rounded up instead of refused. */
        if (align >= 8 && align <= ((size_t)1 << 62)) {
            size_t up = 8;
            while (up < align)
                up <<= 1;
            align = up;
        } else
            return EINVAL;
#else
        return EINVAL;
#endif
    }
#ifdef DEFECT_POSIX_MEMALIGN_NULL
    /* The defect: a request of 3000 bytes or more "succeeds" with no block. */
    if (size >= 3000 && size <= ((size_t)1 << 40)) {
        *out = NULL;
        return 0;
    }
#endif
    void *p = aligned_core(align, size);
    errno = saved_errno;
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

static void *do_valloc(size_t size)
{
    return aligned_core((size_t)sysconf(_SC_PAGESIZE), size);
}

static void *do_pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    return aligned_core(page, (size + page - 1) & ~(page - 1));
}

static size_t do_malloc_usable_size(void *p)
{
    if (p == NULL) return 0;
    size_t size = block_size(p);
#ifdef DEFECT_USABLE_SHORT
    if (size > 48) return size - 1;
#endif
    return size;
}

/* ---- the exported names ----
 * Thin wrappers only. Inside this library every call goes to the static do_*
 * functions: when the harness dlopen()s it RTLD_LOCAL, the library's own calls
 * to `malloc` or `free` would bind to glibc's (the global scope is searched
 * first), so realloc(NULL, n) would return a glibc block without a header. */

#ifdef DEFECT_HEAP_ADOPTS_STRANGER
/* The program's last plain malloc still live, which the next heap made
 * takes in (as mimalloc 2.0.9's mi_heap_new reclaims an exited thread's
 * pages): the heap then lists it, and destroying the heap frees it. */
static void *stranger_to_adopt;
#endif

void *malloc(size_t size)
{
    NOTE_CALLER();
    void *p = do_malloc(size);
#ifdef DEFECT_HEAP_ADOPTS_STRANGER
    if (p != NULL) stranger_to_adopt = p;
#endif
    return p;
}
#ifdef DEFECT_REALLOC_ALIGNED_MISALIGN
/* The library's aligned realloc (mimalloc's name for it) moves the block
 * to one 16 bytes past an address of the alignment asked for. */
void *mi_realloc_aligned(void *p, size_t size, size_t align);
void *mi_realloc_aligned(void *p, size_t size, size_t align)
{
    if (p == NULL || align < 32 || (align & (align - 1)) != 0) return do_realloc(p, size);
    void *q = core_alloc(size, align, false, 16);
    if (q == NULL) return NULL;
    size_t old = block_size(p);
    memcpy(q, p, old < size ? old : size);
    release_block(p);
    return q;
}
#endif
#ifdef DEFECT_REZALLOC_DIRTY
/* The library's zeroing allocation and zeroing aligned realloc (mimalloc's
 * names for them): the allocation zeroes, the realloc moves the block and
 * leaves the bytes it adds as they were, dirty. */
void *mi_zalloc_aligned(size_t size, size_t align);
void *mi_zalloc_aligned(size_t size, size_t align)
{
    return core_alloc(size, align > PLAIN_ALIGN ? align : PLAIN_ALIGN, true, 0);
}
void *mi_rezalloc_aligned(void *p, size_t size, size_t align);
void *mi_rezalloc_aligned(void *p, size_t size, size_t align)
{
    void *q = core_alloc(size, align > PLAIN_ALIGN ? align : PLAIN_ALIGN, false, 0);
    if (q == NULL) return NULL;
    size_t old = p ? block_size(p) : 0;
    memset(q, 0xa5, size);
    if (p) memcpy(q, p, old < size ? old : size);
    if (p) release_block(p);
    return q;
}
#endif
#ifdef DEFECT_ALIGNED_AT_IGNORES_OFFSET
/* The library's offset-aligned allocation (mimalloc's name for it) aligns
 * the block itself and forgets the offset. */
void *mi_malloc_aligned_at(size_t size, size_t align, size_t offset);
void *mi_malloc_aligned_at(size_t size, size_t align, size_t offset)
{
    (void)offset;
    return core_alloc(size, align > PLAIN_ALIGN ? align : PLAIN_ALIGN, false, 0);
}
#endif
#ifdef OWN_HEAPS
/* Heaps of the library's own (mimalloc's names for them): a list of the
 * blocks made in each, which a free takes out. The visit lists each block
 * as an area of its own. */
#define OWN_HEAP_BLOCKS 4096
struct own_heap {
    bool in_use;
    size_t count;
    void *block[OWN_HEAP_BLOCKS];
};
static struct own_heap own_heaps[64];
static pthread_mutex_t own_heaps_lock = PTHREAD_MUTEX_INITIALIZER;

static void heaps_forget_block(void *p)
{
    pthread_mutex_lock(&own_heaps_lock);
#ifdef DEFECT_HEAP_ADOPTS_STRANGER
    if (stranger_to_adopt == p) stranger_to_adopt = NULL;
#endif
    for (size_t h = 0; h < sizeof own_heaps / sizeof *own_heaps; h++)
        for (size_t i = 0; own_heaps[h].in_use && i < own_heaps[h].count; i++)
            if (own_heaps[h].block[i] == p)
                own_heaps[h].block[i] = own_heaps[h].block[--own_heaps[h].count];
    pthread_mutex_unlock(&own_heaps_lock);
}

void *mi_heap_new(void);
void *mi_heap_new(void)
{
    pthread_mutex_lock(&own_heaps_lock);
    struct own_heap *found = NULL;
    for (size_t h = 0; h < sizeof own_heaps / sizeof *own_heaps && !found; h++)
        if (!own_heaps[h].in_use) found = &own_heaps[h];
    if (found) *found = (struct own_heap){.in_use = true};
#ifdef DEFECT_HEAP_ADOPTS_STRANGER
    /* The defect: the new heap takes in a block the program made outside it. */
    if (found && stranger_to_adopt) found->block[found->count++] = stranger_to_adopt;
    stranger_to_adopt = NULL;
#endif
    pthread_mutex_unlock(&own_heaps_lock);
    return found;
}

void *mi_heap_malloc(struct own_heap *heap, size_t size);
void *mi_heap_malloc(struct own_heap *heap, size_t size)
{
    void *p = do_malloc(size);
    if (p == NULL) return NULL;
    pthread_mutex_lock(&own_heaps_lock);
    if (heap->count < OWN_HEAP_BLOCKS) heap->block[heap->count++] = p;
    pthread_mutex_unlock(&own_heaps_lock);
    return p;
}

void mi_heap_delete(struct own_heap *heap);
void mi_heap_delete(struct own_heap *heap)
{
    pthread_mutex_lock(&own_heaps_lock);
    heap->in_use = false;
    pthread_mutex_unlock(&own_heaps_lock);
}

void mi_heap_destroy(struct own_heap *heap);
void mi_heap_destroy(struct own_heap *heap)
{
    while (heap->count > 0)
        release_block(heap->block[heap->count - 1]);
    mi_heap_delete(heap);
}

void mi_heap_collect(struct own_heap *heap, bool force);
void mi_heap_collect(struct own_heap *heap, bool force)
{
    (void)heap;
    (void)force;
}

struct own_heap_area {
    void *blocks;
    size_t reserved, committed, used, block_size, full_block_size;
};
typedef bool own_heap_visitor(const struct own_heap *heap, const struct own_heap_area *area,
                              void *block, size_t block_size, void *arg);
bool mi_heap_visit_blocks(const struct own_heap *heap, bool all, own_heap_visitor *visitor,
                          void *arg);
bool mi_heap_visit_blocks(const struct own_heap *heap, bool all, own_heap_visitor *visitor,
                          void *arg)
{
    size_t listed = heap->count;
#ifdef DEFECT_HEAP_VISIT_MISSES
    /* The defect: the block made last is left out of the listing. */
    if (listed > 1) listed--;
#endif
    for (size_t i = 0; i < listed; i++) {
        void *p = heap->block[i];
        size_t size = block_size(p);
        struct own_heap_area area = {p, size, size, 1, size, size};
#ifdef DEFECT_HEAP_AREA_WRONG
        /* The defect: an area says it commits nothing. */
        area.committed = 0;
#endif
        if (!visitor(heap, &area, NULL, size, arg)) return false;
        if (all && !visitor(heap, &area, p, size, arg)) return false;
    }
    return true;
}
#endif
#ifdef DEFECT_PREDICT_WRONG
/* The library's prediction of a request's real size (jemalloc's name for
 * it) is 16 bytes more than the block it makes holds. */
size_t nallocx(size_t size, int flags);
size_t nallocx(size_t size, int flags)
{
    (void)flags;
    return size + 16;
}
#endif
#ifdef DEFECT_EXPAND_PAST_END
/* The library's resize in place (mimalloc's name for it) says yes to any
 * size up to twice the block's usable size, and grows nothing. */
void *mi_expand(void *p, size_t size);
void *mi_expand(void *p, size_t size)
{
    return p != NULL && size <= 2 * block_size(p) ? p : NULL;
}
#endif
#ifdef DEFECT_COLLECT_DAMAGES
/* The library's collect (glibc's name for it) flips the first byte of the
 * last block malloc returned, while that block lives. */
int malloc_trim(size_t pad)
{
    (void)pad;
    unsigned char *p = atomic_load(&last_malloc);
    if (p) p[0] ^= 0x5a;
    return 1;
}
#endif
void *calloc(size_t n, size_t m)
{
    NOTE_CALLER();
    return do_calloc(n, m);
}
void *realloc(void *p, size_t size)
{
    NOTE_CALLER();
    return do_realloc(p, size);
}
void *reallocarray(void *p, size_t n, size_t m)
{
    NOTE_CALLER();
    return do_reallocarray(p, n, m);
}
void free(void *p)
{
    NOTE_CALLER();
    do_free(p);
}
void free_sized(void *p, size_t size)
{
    NOTE_CALLER();
    (void)size, do_free(p);
}
void free_aligned_sized(void *p, size_t alignment, size_t size)
{
    NOTE_CALLER();
    (void)alignment, (void)size, do_free(p);
}
#ifndef DEFECT_MISSING_ALIGNED_ALLOC /* a program's aligned_alloc would be glibc's */
void *aligned_alloc(size_t align, size_t size)
{
    NOTE_CALLER();
    return do_aligned_alloc(align, size);
}
#endif
void *memalign(size_t align, size_t size)
{
    NOTE_CALLER();
    return do_memalign(align, size);
}
int posix_memalign(void **out, size_t align, size_t size)
{
    NOTE_CALLER();
    return do_posix_memalign(out, align, size);
}
/* Obsolete, but glibc's own would hand out blocks without our header. */
void *valloc(size_t size)
{
    NOTE_CALLER();
    return do_valloc(size);
}
void *pvalloc(size_t size)
{
    NOTE_CALLER();
    return do_pvalloc(size);
}
size_t malloc_usable_size(void *p)
{
    return do_malloc_usable_size(p);
}

/* Resolve glibc at load time (when dlopen()ed, before any call); under
 * LD_PRELOAD the first call may already have done it. */
__attribute__((constructor)) static void defective_init(void)
{
    (void)libc_ready();
#ifdef DEFECT_LOADER_THREAD_MISALIGN
    on_loader_thread = true;
#endif
#ifdef DEFECT_CROSS_THREAD
    if (pthread_key_create(&exit_key, thread_exits) == 0) {
        atomic_store(&exit_key_made, true);
        if (my_thread_id != 0) pthread_setspecific(exit_key, (void *)1);
    }
#endif
#ifdef HAS_LOCK
    pthread_atfork(fork_prepare, fork_release, fork_release);
#endif
}

#if defined(DEFECT_FAMILY_MISALIGN) || defined(DEFECT_SUGGESTED_SETTING_MISALIGN)
/* mimalloc's marker: gauntlet takes this library for a mimalloc build and
 * judges it with mimalloc's known deviations. */
int mi_version(void);
int mi_version(void)
{
    return 999;
}
#endif
