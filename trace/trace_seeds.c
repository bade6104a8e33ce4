/*
 * trace_seeds.c — a real program's calls as seeds for a fuzzing campaign:
 * the converted program cut into pieces the campaign's input length holds,
 * each in binary form. A piece stands alone: a free or realloc of a slot an
 * earlier piece filled finds it empty (free(NULL), realloc(NULL, n)), as
 * the harness's semantics say. A piece with a value the binary form cannot
 * encode is left out, and counted.
 */
#include "cli.h"
#include "trace.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

int trace_write_seeds(const char *program_path, const char *trace_path, const char *dir)
{
    if (!make_directories(dir)) usage_error("trace", "cannot make the directory %s", dir);
    struct program whole, piece;
    load_program(program_path, FORMAT_TEXT, &whole);
    program_init(&piece);
    char base[256], name[4096];
    snprintf(base, sizeof base, "%s", trace_path);
    const char *stem = basename(base);
    unsigned written = 0, unencodable = 0;
    for (size_t start = 0; start < whole.count; start += TRACE_SEED_OPERATIONS) {
        program_clear(&piece);
        for (size_t i = start; i < whole.count && i < start + TRACE_SEED_OPERATIONS; i++)
            program_append(&piece, &whole.ops[i]);
        uint8_t *bytes;
        size_t len;
        char err[512];
        if (!program_encode_binary(&piece, &bytes, &len, err, sizeof err)) {
            unencodable++;
            continue;
        }
        path_printf(name, sizeof name, "%s/trace-%s-%04zu.bin", dir, stem,
                    start / TRACE_SEED_OPERATIONS);
        write_output(name, bytes, len);
        hmem_unmap(bytes, len);
        written++;
    }
    fprintf(stderr, "gauntlet trace: %u seeds of up to %d operations in %s", written,
            TRACE_SEED_OPERATIONS, dir);
    if (unencodable)
        fprintf(stderr, " (%u left out: a size the binary form cannot encode)", unencodable);
    fprintf(stderr, "; fuzz from them: gauntlet fuzz --alloc NAME --corpus %s\n", dir);
    program_release(&piece);
    program_release(&whole);
    return written ? 0 : EXIT_USAGE;
}
