/*
 * cmd_codec.c — the program-format commands: `gen` (a seeded random program),
 * `decode` (binary → text) and `encode` (text → binary).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char gen_help[] =
    "usage: gauntlet gen --seed N [--ops K] [--threads T] [--slots S] [--small]\n"
    "                    [--fail-maps] [--alloc NAME] [--text] [-o FILE]\n"
    "\n"
    "A random program drawn from the binary encoding's own distributions; the same\n"
    "seed gives the same program on every machine. Binary by default (--text for the\n"
    "text form); written atomically to FILE, or to stdout.\n"
    "  --ops K       operations (default 64)\n"
    "  --threads T   program threads 1..8 (default 1)\n"
    "  --slots S     slots in use 1..256 (default 32)\n"
    "  --small       blocks of at most 1 KiB, plain calls only (the bench's small mix)\n"
    "  --fail-maps   about 1 % of the operations make the OS refuse the allocator memory\n"
    "                for its next 1..3 mapping calls, or until lifted (fail_maps)\n"
    "  --alloc NAME  aim at NAME's size classes: probed at start (usable sizes up to\n"
    "                8 MiB), 4 % of the sizes are then a class edge -1..+2 (the same\n"
    "                seed and allocator build give the same program)\n";

static bool write_program_text(int fd, const void *program)
{
    return program_write_text(program, fd);
}

static void emit_program(const struct program *p, bool text, const char *out)
{
    if (text) {
        write_output_with(out, write_program_text, p);
        return;
    }
    write_program_binary(out, p);
}

int cmd_gen(int argc, char **argv)
{
    struct gen_params params;
    gen_params_default(&params);
    bool seeded = false, text = false;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (is_help(arg)) {
            fputs(gen_help, stdout);
            return 0;
        } else if (strcmp(arg, "--seed") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &params.seed))
                usage_error("gen", "--seed needs a number");
            seeded = true;
        } else if (strcmp(arg, "--ops") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n > 100000000)
                usage_error("gen", "--ops needs a number up to 100000000");
            params.ops = n;
        } else if (strcmp(arg, "--threads") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n < 1 || n > GAUNTLET_MAX_THREADS)
                usage_error("gen", "--threads needs 1..%d", GAUNTLET_MAX_THREADS);
            params.threads = (unsigned)n;
        } else if (strcmp(arg, "--slots") == 0 && value) {
            if (!parse_u64_arg(argv[++i], &n) || n < 1 || n > GAUNTLET_MAX_SLOTS)
                usage_error("gen", "--slots needs 1..%d", GAUNTLET_MAX_SLOTS);
            params.slots = (unsigned)n;
        } else if (strcmp(arg, "--small") == 0) {
            params.small_only = true;
        } else if (strcmp(arg, "--fail-maps") == 0) {
            params.fail_maps = true;
        } else if (strcmp(arg, "--alloc") == 0 && value) {
            static size_t edges[SIZE_CLASSES_MAX];
            params.class_edge_count = probe_allocator_classes("gen", argv[++i], edges, NULL);
            params.class_edges = edges;
        } else if (strcmp(arg, "--text") == 0) {
            text = true;
        } else if (strcmp(arg, "-o") == 0 && value) {
            out = argv[++i];
        } else {
            usage_error("gen", "unknown option or missing value: %s", arg);
        }
    }
    if (!seeded) usage_error("gen", "--seed N is required");
    struct program p;
    program_init(&p);
    program_generate(&params, &p);
    emit_program(&p, text, out);
    program_release(&p);
    return 0;
}

/* decode reads binary programs: with gauntlet's header, or an engine's file
 * (not text); a text program is said to be one, unless --format binary. */
static enum input_format decode_format(const char *path, bool forced)
{
    if (forced || strcmp(path, "-") == 0) return FORMAT_BINARY;
    uint8_t *bytes;
    size_t len, mapped, at;
    if (!read_whole_file(path, &bytes, &len, &mapped)) return FORMAT_BINARY; /* load says why */
    enum program_form form = program_form_of(bytes, len, &at);
    hmem_unmap(bytes, mapped);
    if (form == FORM_TEXT)
        usage_error("decode",
                    "%s is a text program already (decode reads binary ones; --format binary "
                    "reads its bytes as records anyway)",
                    path);
    return FORMAT_BINARY;
}

static int convert(int argc, char **argv, const char *command, bool to_text)
{
    const char *in = NULL, *out = NULL;
    bool forced = false;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            printf(to_text ? "usage: gauntlet decode FILE [--format binary] [-o OUT]\n\nA binary "
                             "program (or - for stdin) as text, on stdout or written\natomically "
                             "to OUT. A text FILE is refused unless --format binary.\n"
                           : "usage: gauntlet encode FILE [-o OUT]\n\nA text program (or - for "
                             "stdin) as binary, written atomically to OUT or to stdout.\n"
                             "Errors name FILE:LINE:COL.\n");
            return 0;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (to_text && strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            forced = parse_format_arg(command, argv[++i]) == FORMAT_BINARY;
        } else if (in == NULL && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            in = argv[i];
        } else {
            usage_error(command, "unexpected argument: %s", argv[i]);
        }
    }
    if (in == NULL) usage_error(command, "FILE is required");
    struct program p;
    load_program(in, to_text ? decode_format(in, forced) : FORMAT_TEXT, &p);
    emit_program(&p, to_text, out);
    program_release(&p);
    return 0;
}

int cmd_decode(int argc, char **argv)
{
    return convert(argc, argv, "decode", true);
}
int cmd_encode(int argc, char **argv)
{
    return convert(argc, argv, "encode", false);
}
