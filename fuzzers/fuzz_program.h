/*
 * fuzz_program.h — what the fuzz target (fuzz_program.c) shares with the
 * mains that drive it outside libFuzzer: the replay driver (replay_main.c)
 * and the AFL++ persistent-mode main (afl_main.c). The entry points are
 * libFuzzer's, so every engine and the replay go through the same code.
 */
#ifndef GAUNTLET_FUZZ_PROGRAM_H
#define GAUNTLET_FUZZ_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's interface. Initialize may re-execute the process (to give
 * initial-exec-TLS allocators room) and exits with status 2 on a set-up
 * error; it must be called before the first test, with main's argv. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by the replay driver: the file being replayed (named in reports), and
 * whether a violation ends the process with status 1 as `gauntlet run` does
 * (the engines need abort() instead, to record the input). */
extern const char *fuzz_input_name;
extern bool fuzz_exit_on_violation;

/* young_process.c: with GAUNTLET_YOUNG=N, forks (at start-up, before any
 * input) the keeper that runs one input in N again, through `run`, in a
 * process as young as the target was then. */
#define FUZZ_YOUNG_MAX_INPUT (1u << 20)
void young_start(void (*run)(const uint8_t *data, size_t size));
/* Whether the input, if it is one of those, fails in a young process (said
 * on stderr); false when it is not chosen, passes there, or fails with a
 * finding `known` names (may be NULL). */
struct known_findings;
bool young_run_fails(const uint8_t *data, size_t size, const struct known_findings *known);

#endif
