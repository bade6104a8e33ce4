/*
 * campaigns.h — helpers of the tests that run `gauntlet fuzz`.
 */
#ifndef GAUNTLET_TEST_CAMPAIGNS_H
#define GAUNTLET_TEST_CAMPAIGNS_H

#include <stddef.h>

/* A running process whose command line mentions `text` (not this one), or
 * NULL: what a campaign must not leave behind. */
const char *process_mentioning(const char *text);
/* ROOT/build/gauntlet, a copy of the one under test, with `script` as its
 * engine ROOT/build/fuzz/ENGINE; the copy's path goes to gauntlet. */
void fake_build(const char *root, const char *engine, const char *script, char *gauntlet,
                size_t len);

#endif
