/*
 * jemalloc-oom-new-thread.c — a direct proof, without Gauntlet, of a crash
 * Gauntlet found in jemalloc 5.3.0 (Debian 12's libjemalloc2; the program
 * is corpus/regressions/found-jemalloc-oom-new-thread.txt): when the OS
 * refuses memory while a new thread makes its first allocation, jemalloc
 * dereferences a null arena instead of failing the call.
 *
 * The program defines mmap itself (an executable's definition comes before
 * libc's for the libraries it links), lets the first call through, refuses
 * every anonymous mapping after that, and starts a thread that calls malloc.
 * A correct allocator returns NULL (errno ENOMEM) or a block; jemalloc 5.3.0
 * dies of SIGSEGV in tcache_arena_associate(), called from arena_choose()
 * with the NULL that arena_choose_hard() returned; so does jemalloc 5.3.1
 * (Debian sid's source, built by `gauntlet build-alloc jemalloc@sid`). (An allocator that is
 * also the process's malloc may make pthread_create itself fail: exit 2.)
 *
 *     cc -std=c17 -O1 -pthread -rdynamic jemalloc-oom-new-thread.c \
 *        -Wl,--no-as-needed -ljemalloc -o oom && ./oom
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_bool refusing;

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    if ((flags & MAP_ANONYMOUS) && atomic_load(&refusing)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return (void *)syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
}

static void *first_call(void *arg)
{
    (void)arg;
    void *p = malloc(60);
    printf("new thread: malloc(60) = %p (errno %d)\n", p, p ? 0 : errno);
    free(p);
    return NULL;
}

int main(void)
{
    free(malloc(121)); /* the allocator is up, on the main thread */
    atomic_store(&refusing, true);
    pthread_t thread;
    if (pthread_create(&thread, NULL, first_call, NULL) != 0) {
        puts("pthread_create failed: the refusal reached it first");
        return 2;
    }
    pthread_join(thread, NULL);
    puts("no crash: the allocator handled the refused memory");
    return 0;
}
