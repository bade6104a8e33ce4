#!/usr/bin/env python3
"""ci/mutate.py — single-line faults in C sources, for `make bench-mutants`.

  ci/mutate.py list SRCDIR FILE... --sample N --seed S   every candidate site of the
      classic operators, then a fixed random sample of N, one per line as
      FILE<TAB>LINE<TAB>OPERATOR<TAB>NEW LINE (the new line JSON-quoted)
  ci/mutate.py apply SRCDIR MUTANT-LINE                  writes that mutant into SRCDIR

Operators (one change a mutant): a relational operator swapped for its
neighbour (< <=, > >=, == !=), + and - swapped, an integer constant off by
one, an `if` condition negated, an expression statement dropped. Lines that
are comments, preprocessor directives or assertions are left alone: a fault
there changes no release build.
"""
import argparse
import json
import random
import re
import sys

RELATIONAL = [(" < ", " <= "), (" <= ", " < "), (" > ", " >= "), (" >= ", " > "),
              (" == ", " != "), (" != ", " == ")]
ARITHMETIC = [(" + ", " - "), (" - ", " + ")]
CONSTANT = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
IF_LINE = re.compile(r"^(\s*(?:else\s+)?if\s*\()(.*)(\)\s*\{?\s*)$")
STATEMENT = re.compile(r"^\s*[A-Za-z_][\w\->.\[\]]*\s*(\(|=|\+=|-=|\|=|&=|\+\+|--).*;\s*$")
DECLARATION = re.compile(r"^\s*(const\s+|static\s+|struct\s+|unsigned\s+)?[A-Za-z_][\w]*[\s\*]+[A-Za-z_]\w*\s*(=|;|\[)")


def code_lines(path):
    in_comment = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            text = line.rstrip("\n")
            stripped = text.strip()
            if in_comment:
                if "*/" in stripped:
                    in_comment = False
                continue
            if stripped.startswith("/*") and "*/" not in stripped:
                in_comment = True
                continue
            if (not stripped or stripped.startswith(("//", "/*", "*", "#"))
                    or "assert" in stripped or "mi_trace" in stripped
                    or "_mi_verbose" in stripped or "_mi_warning" in stripped):
                continue
            yield number, text


def sites(srcdir, files):
    for name in files:
        for number, text in code_lines(f"{srcdir}/{name}"):
            code = text.split("//")[0]
            for old, new in RELATIONAL:
                if old in code:
                    yield name, number, "relational", text.replace(old, new, 1)
            for old, new in ARITHMETIC:
                if old in code:
                    yield name, number, "arithmetic", text.replace(old, new, 1)
            match = CONSTANT.search(code)
            if match and '"' not in code:
                value = int(match.group(1))
                yield name, number, "constant", text[:match.start(1)] + str(value + 1) + text[match.end(1):]
            match = IF_LINE.match(code)
            if match and code.count("(") == code.count(")"):
                yield name, number, "negation", f"{match.group(1)}!({match.group(2)}){match.group(3)}"
            if STATEMENT.match(code) and not DECLARATION.match(code) and "return" not in code:
                yield name, number, "deletion", ";"


def main(argv):
    parser = argparse.ArgumentParser(description="single-line faults in C sources")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("srcdir")
    listing.add_argument("files", nargs="+")
    listing.add_argument("--sample", type=int, required=True)
    listing.add_argument("--seed", type=int, required=True)
    applying = commands.add_parser("apply")
    applying.add_argument("srcdir")
    applying.add_argument("mutant")
    args = parser.parse_args(argv)
    if args.command == "list":
        every = list(sites(args.srcdir, args.files))
        chosen = random.Random(args.seed).sample(every, min(args.sample, len(every)))
        print(f"# {len(every)} candidate sites; {len(chosen)} sampled (seed {args.seed})",
              file=sys.stderr)
        for name, number, operator, new in chosen:
            print(f"{name}\t{number}\t{operator}\t{json.dumps(new)}")
        return 0
    name, number, _, new = args.mutant.split("\t", 3)
    path = f"{args.srcdir}/{name}"
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    lines[int(number) - 1] = json.loads(new) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
