/*
 * replay_main.c — the replay driver: a plain main() that runs each FILE
 * argument through the fuzz target's own entry point, so that a crash file
 * from libFuzzer or AFL++ replays through exactly the code that found it,
 * without any engine. Built with the plain compiler by fuzzers/build.sh.
 *
 *   GAUNTLET_ALLOC=NAME build/fuzz/replay FILE...
 *
 * Exit status as `gauntlet run`: 0 every file passed, 1 a violation (the
 * report names the file), 2 a file could not be read or set-up failed.
 */
#include "fuzz_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

/* Maps the file (read-only): the process's malloc may be the allocator
 * under test, so the input stays out of it. */
static int replay_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (fd >= 0) close(fd);
        return 2;
    }
    size_t len = (size_t)st.st_size;
    const uint8_t *bytes = (const uint8_t *)"";
    void *mapped = MAP_FAILED;
    if (len > 0) {
        mapped = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            fprintf(stderr, "replay: cannot map %s\n", path);
            close(fd);
            return 2;
        }
        bytes = mapped;
    }
    close(fd);
    fuzz_input_name = path;
    LLVMFuzzerTestOneInput(bytes, len); /* a violation does not return */
    if (mapped != MAP_FAILED) munmap(mapped, len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs("usage: [GAUNTLET_ALLOC=NAME] replay FILE...\n"
              "  runs each file (binary program) through the fuzz target's entry point\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    fuzz_exit_on_violation = true;
    LLVMFuzzerInitialize(&argc, &argv);
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int s = replay_file(argv[i]);
        if (s > status) status = s;
        if (s == 0) printf("replay: %s passed\n", argv[i]);
    }
    return status;
}
