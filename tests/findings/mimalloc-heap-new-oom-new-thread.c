/*
 * mimalloc-heap-new-oom-new-thread.c — a direct proof, without Gauntlet, of
 * a crash Gauntlet found in mimalloc 2.0.9 (Debian 12's libmimalloc2.0; the
 * program is corpus/regressions/found-mimalloc-heap-new-oom-new-thread.txt):
 * when the OS refuses memory while a new thread's first call is
 * mi_heap_new(), mimalloc dereferences a null pointer instead of returning
 * NULL. The thread's set-up fails, its default heap stays the empty one, and
 * mi_heap_get_backing() reads that heap's thread data, which is NULL. (A
 * thread's first malloc in the same state returns NULL: that path checks.)
 *
 * The program defines mmap itself (an executable's definition comes before
 * libc's for the libraries it links); the new thread refuses every anonymous
 * mapping from its start, then makes a heap.
 *
 *     cc -std=c17 -O1 -pthread -rdynamic mimalloc-heap-new-oom-new-thread.c \
 *        -Wl,--no-as-needed -lmimalloc -o heap-oom && ./heap-oom
 *
 * A correct allocator returns NULL (or a heap); mimalloc 2.0.9 dies of SIGSEGV.
 * Upstream's branches, measured once from a checkout of each (dev2 2.4.1 and
 * dev 1.9.11 crash, dev3 3.4.3 returns a heap):
 *
 *     cmake -S . -B out -DCMAKE_BUILD_TYPE=Release -DMI_BUILD_TESTS=OFF && make -C out mimalloc
 *     cc -std=c17 -O1 -pthread -rdynamic mimalloc-heap-new-oom-new-thread.c -Lout -lmimalloc \
 *        -o heap-oom
 *     LD_PRELOAD=out/libmimalloc.so ./heap-oom
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mi_heap_new(void);
void mi_heap_delete(void *heap);

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
    atomic_store(&refusing, true);
    void *heap = mi_heap_new();
    atomic_store(&refusing, false);
    printf("new thread: mi_heap_new() = %p\n", heap);
    if (heap) mi_heap_delete(heap);
    return NULL;
}

int main(void)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, first_call, NULL) != 0) return 2;
    pthread_join(thread, NULL);
    puts("no crash: the allocator handled the refused memory");
    return 0;
}
