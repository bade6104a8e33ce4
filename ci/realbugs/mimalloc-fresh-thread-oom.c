/* mimalloc issue #257 (fixed by 5a6d9ba8): a thread's first allocation
 * allocates the thread's heap metadata directly from the OS.  When that
 * failed, _mi_malloc_generic carried on with the static, uninitialised empty
 * heap (NULL tld) and crashed.  The fix retries once and then returns NULL.
 * Checks: in a freshly started thread whose address-space limit is lowered
 * to the current size (so every new mapping fails), the first malloc and
 * calloc must return NULL or a block, not crash; after the limit is restored
 * the same thread must be able to allocate. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static volatile sig_atomic_t in_first_calls;
static int thread_error;       /* 0 ok, 1 could not set up, 2 no block after the limit was lifted */
static void *volatile sink[3]; /* keeps the compiler from dropping malloc/free pairs */

static void on_crash(int sig)
{
    static const char m1[] =
        "bug: a fresh thread's first malloc crashed when its heap metadata could not be mapped\n";
    static const char m2[] = "bug: crash\n";
    (void)sig;
    if (in_first_calls) {
        if (write(1, m1, sizeof m1 - 1) < 0) { /* nothing to do */
        }
    } else {
        if (write(1, m2, sizeof m2 - 1) < 0) { /* nothing to do */
        }
    }
    _exit(1);
}

/* current address-space size in bytes, read without allocating */
static long vm_size(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    long pages = 0;
    for (char *c = buf; *c >= '0' && *c <= '9'; c++)
        pages = pages * 10 + (*c - '0');
    return pages * sysconf(_SC_PAGESIZE);
}

static void *thread_main(void *arg)
{
    (void)arg;
    struct rlimit old, low;
    if (getrlimit(RLIMIT_AS, &old) != 0) {
        thread_error = 1;
        return NULL;
    }
    long vs = vm_size();
    if (vs <= 0) {
        thread_error = 1;
        return NULL;
    }
    low = old;
    low.rlim_cur = (rlim_t)vs;
    if (setrlimit(RLIMIT_AS, &low) != 0) {
        thread_error = 1;
        return NULL;
    }
    in_first_calls = 1;
    sink[0] = malloc(16); /* the thread's first allocator call */
    sink[1] = calloc(4, 8);
    in_first_calls = 0;
    setrlimit(RLIMIT_AS, &old);
    free(sink[0]);
    free(sink[1]);
    sink[2] = malloc(16); /* must work once memory is available again */
    if (sink[2] == NULL) thread_error = 2;
    free(sink[2]);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);

    void *warm = malloc(64); /* the main thread is set up normally */
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0) {
        puts("error: pthread_create failed");
        return 2;
    }
    pthread_join(t, NULL);
    free(warm);
    if (thread_error == 1) {
        puts("error: could not lower RLIMIT_AS");
        return 2;
    }
    if (thread_error == 2) {
        puts("bug: a thread whose first allocation failed cannot allocate after memory is "
             "available again");
        return 1;
    }
    return 0;
}
