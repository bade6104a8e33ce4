#!/usr/bin/env python3
"""fidelity-table.py DIR ALLOCS PROGRAM... — the table of make bench-fidelity (ci/bench-fidelity.sh
wrote DIR): per program, allocator and mark, the real process's RSS (its recorded samples, on that
allocator; the median of the real runs, with their spread) beside the replay's (`gauntlet stress
--workload trace:FILE`, same allocator).

The replay runs inside gauntlet, the real program in its own binary: their RSS differs by what is
not the heap (code, libraries, stacks, the interpreter's own tables). So the replay's heap part
(its RSS less the harness's share then: its binary, buffers and the replay's own tables) is added to one constant per program,
the program's own part, fitted at the first allocator's first mark; every other figure is a
prediction. The
allocators' order at each mark, real and replayed, is compared too (among the real runs that had
one allocator)."""
import glob, json, re, statistics, sys

MARK = re.compile(r"^mark (\d+) +at [0-9.]+ s, event \d+, RSS [0-9.]+ MiB \((\d+) bytes\)")


def real_marks(path):
    marks = {}
    for line in open(path):
        m = MARK.match(line)
        if m:
            marks[int(m.group(1))] = int(m.group(2))
    return marks


def real_runs(out, program, alloc):
    """Each mark's RSS in the real runs: the median, and the runs' spread (largest - smallest)."""
    runs = [real_marks(p) for p in sorted(glob.glob(f"{out}/{program}-real-{alloc}-*.info"))]
    if not runs:
        raise SystemExit(f"{out}: no real run of {program} on {alloc}")
    marks = set.intersection(*(set(r) for r in runs))
    median = {k: statistics.median(r[k] for r in runs) for k in marks}
    spread = {k: max(r[k] for r in runs) - min(r[k] for r in runs) for k in marks}
    return median, spread


def served_by(log_path):
    """The library that served malloc in the real run, and whether it was another than the one
    asked for."""
    text = open(log_path).read()
    served = re.search(r"malloc served by (\S+)", text)
    return (served.group(1) if served else None), "warning: not" in text


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
    worst, worst_two, order_agree, order_total = 0.0, 0.0, 0, 0
    print("program  allocator  mark   real MiB (spread)  replay MiB  error")
    for program in programs:
        served = {a: served_by(f"{out}/{program}-real-{a}-1.trace.log") for a in allocs}
        other = {a: lib if another else None for a, (lib, another) in served.items()}
        linked = next((lib for lib in other.values() if lib), None)
        for a in allocs:
            if other[a]:
                print(f"{program:8} {a:10} left out: the real run was served by {other[a]}, "
                      f"which the program links itself")
        valid = [a for a in allocs if not other[a]]
        # The program links an allocator of its own and another was preloaded: the real process
        # ran both (the program's calls to the linked one's own API, such as jemalloc's mallctl,
        # still reach it), and the linked one's memory is in the real figure only.
        two = {a for a in valid if linked and served[a][0] != linked}
        for a in sorted(two):
            print(f"{program:8} {a:10} two allocators: {served[a][0]} preloaded, {linked} linked "
                  f"by the program (its calls to that one's own API still reach it); counted apart")
        real, spread = {}, {}
        for a in valid:
            real[a], spread[a] = real_runs(out, program, a)
        heap = {a: replay_marks(f"{out}/{program}-replay-{a}.json") for a in valid}
        first = min(real[valid[0]])
        own = real[valid[0]][first] - heap[valid[0]][first]
        marks = sorted(set.intersection(*(set(real[a]) & set(heap[a]) for a in valid)))
        for k in marks:
            for a in valid:
                predicted, actual = own + heap[a][k], real[a][k]
                error = predicted / actual - 1
                fitted = a == valid[0] and k == first
                if a in two:
                    worst_two = max(worst_two, abs(error))
                elif not fitted:
                    worst = max(worst, abs(error))
                tag = "  (fitted)" if fitted else "  (two allocators)" if a in two else ""
                print(f"{program:8} {a:10} {k:4} {mib(actual)} ({spread[a][k] / 1048576:4.1f})    "
                      f"{mib(predicted)}  {error * 100:+6.1f}%{tag}")
            # The order compares like with like: the runs of one allocator each.
            alone = [a for a in valid if a not in two]
            if len(alone) < 2:
                continue
            by_real = sorted(alone, key=lambda a: real[a][k])
            by_replay = sorted(alone, key=lambda a: own + heap[a][k])
            order_total += 1
            order_agree += by_real == by_replay
            print(f"{'':8} order at mark {k}: real {' < '.join(by_real)}; replay "
                  f"{' < '.join(by_replay)}")
    print(f"largest error (fitted point excepted): {worst * 100:.1f}%; allocators' order the same "
          f"at {order_agree} of {order_total} marks")
    if worst_two:
        print(f"largest error in the real runs with two allocators: {worst_two * 100:.1f}%")


main()
