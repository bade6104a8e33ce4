#!/usr/bin/env python3
"""fidelity-table.py DIR ALLOCS PROGRAM... — the table of make bench-fidelity (ci/bench-fidelity.sh
wrote DIR): per program, allocator and mark, the real process's RSS (its recorded samples, on that
allocator) beside the replay's (`gauntlet stress --workload trace:FILE`, same allocator).

The replay runs inside gauntlet, the real program in its own binary: their RSS differs by what is
not the heap (code, libraries, stacks, the interpreter's own tables). So the replay's heap part
(its RSS less the harness's share then: its binary, buffers and the replay's own tables) is added to one constant per program,
the program's own part, fitted at the first allocator's first mark; every other figure is a
prediction. The
allocators' order at each mark, real and replayed, is compared too."""
import json, re, sys

MARK = re.compile(r"^mark (\d+) +at [0-9.]+ s, event \d+, RSS [0-9.]+ MiB \((\d+) bytes\)")


def real_marks(path):
    marks = {}
    for line in open(path):
        m = MARK.match(line)
        if m:
            marks[int(m.group(1))] = int(m.group(2))
    return marks


def served_by_another(log_path):
    """The library that served the real run instead of the one asked for, or None."""
    text = open(log_path).read()
    served = re.search(r"malloc served by (\S+)", text)
    return served.group(1) if served and "warning: not" in text else None


def replay_marks(path):
    doc = json.load(open(path))
    if doc.get("status") != "ok":
        raise SystemExit(f"{path}: the replay did not run: {doc.get('detail', doc.get('status'))}")
    heap = {}
    for phase in doc["phases"]:
        m = re.match(r"^(?:mark-)?(\d+)(?::|$)", phase["name"])
        if m:
            heap[int(m.group(1))] = phase["rss"] - phase["harness_rss"]
    return heap


def mib(b):
    return f"{b / 1048576:7.1f}"


def main():
    out, allocs, programs = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    worst, order_agree, order_total = 0.0, 0, 0
    print("program  allocator  mark   real MiB  replay MiB  error")
    for program in programs:
        other = {a: served_by_another(f"{out}/{program}-real-{a}.trace.log") for a in allocs}
        for a in allocs:
            if other[a]:
                print(f"{program:8} {a:10} left out: the real run was served by {other[a]}, "
                      f"which the program links itself")
        valid = [a for a in allocs if not other[a]]
        real = {a: real_marks(f"{out}/{program}-real-{a}.info") for a in valid}
        heap = {a: replay_marks(f"{out}/{program}-replay-{a}.json") for a in valid}
        first = min(real[valid[0]])
        own = real[valid[0]][first] - heap[valid[0]][first]
        marks = sorted(set.intersection(*(set(real[a]) & set(heap[a]) for a in valid)))
        for k in marks:
            for a in valid:
                predicted, actual = own + heap[a][k], real[a][k]
                error = predicted / actual - 1
                fitted = a == valid[0] and k == first
                if not fitted:
                    worst = max(worst, abs(error))
                print(f"{program:8} {a:10} {k:4} {mib(actual)}    {mib(predicted)}  "
                      f"{error * 100:+6.1f}%{'  (fitted)' if fitted else ''}")
            by_real = sorted(valid, key=lambda a: real[a][k])
            by_replay = sorted(valid, key=lambda a: own + heap[a][k])
            order_total += 1
            order_agree += by_real == by_replay
            print(f"{'':8} order at mark {k}: real {' < '.join(by_real)}; replay "
                  f"{' < '.join(by_replay)}")
    print(f"largest error (fitted point excepted): {worst * 100:.1f}%; allocators' order the same "
          f"at {order_agree} of {order_total} marks")


main()
