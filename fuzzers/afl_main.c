/*
 * afl_main.c — the AFL++ driver of the fuzz target: persistent mode with
 * test cases in shared memory, so one process runs many inputs without
 * fork or file I/O. Built with afl-clang-lto (or afl-clang-fast) by
 * fuzzers/build.sh.
 *
 * The fork server is deferred (__AFL_INIT) until the allocator is open:
 * LLVMFuzzerInitialize may re-execute the process for jemalloc's TLS room,
 * which must happen before the fork server starts, and every child then
 * inherits the opened allocator instead of loading it again.
 *
 * Built without AFL++'s compiler, the macros are missing and it runs the
 * one input on stdin instead.
 */
#include "fuzz_program.h"
#include "gauntlet.h"

#include <stdio.h>
#include <unistd.h>

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_FUZZ_TESTCASE_LEN
    __AFL_INIT();
    /* After __AFL_INIT: the buffer is the shared-memory test case. */
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    /* 10000 inputs per process: allocator state from earlier inputs is
     * bounded, and the crash is re-checked from its file anyway. */
    while (__AFL_LOOP(10000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, len);
    }
#else
    static unsigned char input[FUZZ_MAX_OPS * GAUNTLET_RECORD_SIZE];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof input && (n = read(STDIN_FILENO, input + len, sizeof input - len)) > 0)
        len += (size_t)n;
    LLVMFuzzerTestOneInput(input, len);
#endif
    return 0;
}
