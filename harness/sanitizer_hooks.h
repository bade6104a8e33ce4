/*
 * sanitizer_hooks.h — annotations for ThreadSanitizer, header-only. TSan
 * cannot see an allocator recycle memory between threads (glibc, mimalloc
 * and tcmalloc hand a block freed by one thread to another without a lock
 * TSan intercepts), so the oracle's writes to a recycled block look like a
 * race with the previous owner's. A release on one global before every free
 * or realloc, and an acquire on it after every allocation returns, give TSan
 * the happens-before edge the allocator really provides.
 *
 * Outside TSan builds both macros expand to nothing.
 */
#ifndef GAUNTLET_SANITIZER_HOOKS_H
#define GAUNTLET_SANITIZER_HOOKS_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GAUNTLET_UNDER_TSAN 1
#endif
#endif
#if !defined(GAUNTLET_UNDER_TSAN) && defined(__SANITIZE_THREAD__)
#define GAUNTLET_UNDER_TSAN 1
#endif

#ifdef GAUNTLET_UNDER_TSAN
/* The runtime's documented entry points (sanitizer/tsan_interface.h);
 * declared here so the header needs no sanitizer headers installed. */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

/* One synchronisation object for the whole process: weak, so that every
 * translation unit including this header shares the same one. */
__attribute__((weak)) char gauntlet_tsan_recycling;

#define GAUNTLET_TSAN_ACQUIRE() __tsan_acquire(&gauntlet_tsan_recycling)
#define GAUNTLET_TSAN_RELEASE() __tsan_release(&gauntlet_tsan_recycling)
#else
#define GAUNTLET_TSAN_ACQUIRE() ((void)0)
#define GAUNTLET_TSAN_RELEASE() ((void)0)
#endif

#endif
