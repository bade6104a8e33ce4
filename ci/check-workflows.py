#!/usr/bin/python3
"""ci/check-workflows.py — checks the structure of the GitHub Actions
workflows kept in ci/github/ (they run only once copied to
.github/workflows/, so nothing else would notice a broken one):

  nightly.yml       ci/nightly.sh, the corpus restored before it and saved
                    after it always() (a night with findings keeps its
                    coverage), the report and findings uploaded always()
  cflite_pr.yml     ClusterFuzzLite build_fuzzers then run_fuzzers on pull
                    requests, mode code-change
  cflite_batch.yml  the same on a schedule, mode batch (and a prune job)

The ClusterFuzzLite ones: language c, a sanitizer matrix of address and
undefined (memory cannot work: the allocators are not instrumented), each
step given the matrix's sanitizer, a SARIF output uploaded always().

usage: ci/check-workflows.py [DIR]      (default: ci/github beside this file)
Exit status: 1 a check failed (each printed); otherwise 2 a workflow is
missing or is not YAML, or PyYAML is missing (python3-yaml); otherwise 0.
"""
import os
import sys

try:
    import yaml
except ImportError:
    print("check-workflows: PyYAML is missing (Debian: python3-yaml)", file=sys.stderr)
    sys.exit(2)

SANITIZERS = {"address", "undefined"}
MATRIX = "${{ matrix.sanitizer }}"
CORPUS = "build/nightly/corpus"


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        raise ValueError("not a mapping")
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def action(step):
    return str(step.get("uses", "")).split("@")[0]


def always(step):
    return "always()" in str(step.get("if", ""))


def triggers(doc):
    on = doc.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {t: None for t in on}
    return on if isinstance(on, dict) else {}


class Workflow:
    def __init__(self, path):
        self.path = path
        self.doc = load(path)
        self.problems = []

    def need(self, condition, message):
        if not condition:
            self.problems.append(message)
        return condition

    def jobs(self):
        jobs = self.doc.get("jobs")
        return jobs if isinstance(jobs, dict) else {}

    def common(self):
        """What every workflow needs: a name, triggers, jobs of pinned steps."""
        self.need(self.doc.get("name"), "no name")
        self.need(triggers(self.doc), "no `on:` triggers")
        self.need(self.jobs(), "no jobs")
        for name, job in self.jobs().items():
            steps = job.get("steps") if isinstance(job, dict) else None
            if not self.need(isinstance(steps, list) and steps, f"job {name}: no steps"):
                continue
            self.need(job.get("runs-on"), f"job {name}: no runs-on")
            for i, step in enumerate(steps):
                where = f"job {name}, step {i + 1}"
                self.need(("uses" in step) != ("run" in step), f"{where}: needs one of uses/run")
                if "uses" in step:
                    self.need("@" in str(step["uses"]), f"{where}: {step['uses']} has no @version")


def check_nightly(w):
    on = triggers(w.doc)
    w.need(isinstance(on.get("schedule"), list) and on["schedule"], "no schedule")
    w.need("workflow_dispatch" in on, "no workflow_dispatch (a night on demand)")
    found = False
    for name, job in w.jobs().items():
        steps = job.get("steps") or []
        runs = [i for i, s in enumerate(steps) if "ci/nightly.sh" in str(s.get("run", ""))]
        if not runs:
            continue
        found = True
        fuzz = runs[0]
        for s in steps:
            w.need(action(s) != "actions/cache",
                   f"job {name}: uses actions/cache, whose save is skipped when a step fails;"
                   " use actions/cache/restore and actions/cache/save with if: always()")
        restore = [s for s in steps[:fuzz] if action(s) == "actions/cache/restore"]
        save = [s for s in steps[fuzz + 1:] if action(s) == "actions/cache/save"]
        upload = [s for s in steps[fuzz + 1:] if action(s) == "actions/upload-artifact"]
        if w.need(restore, f"job {name}: no actions/cache/restore step before ci/nightly.sh"):
            r = restore[0].get("with") or {}
            w.need(r.get("path") == CORPUS, f"job {name}: the restore step's path is not {CORPUS}")
            w.need(r.get("restore-keys"), f"job {name}: the restore step has no restore-keys"
                   " (an earlier night's corpus is never found)")
        if w.need(save, f"job {name}: no actions/cache/save step after ci/nightly.sh"):
            s = save[0].get("with") or {}
            w.need(always(save[0]), f"job {name}: the corpus save step does not run if: always()"
                   " (a night with a finding would lose its corpus)")
            w.need(s.get("path") == CORPUS, f"job {name}: the save step's path is not {CORPUS}")
            w.need("github.run_id" in str(s.get("key", "")),
                   f"job {name}: the save key is not unique per run (caches cannot be overwritten)")
            if restore:
                prefix = str((restore[0].get("with") or {}).get("restore-keys", "")).strip()
                w.need(prefix and str(s.get("key", "")).startswith(prefix),
                       f"job {name}: the save key does not start with the restore-keys prefix")
        if w.need(upload, f"job {name}: no actions/upload-artifact step after ci/nightly.sh"):
            paths = str((upload[0].get("with") or {}).get("path", ""))
            w.need(always(upload[0]), f"job {name}: the upload step does not run if: always()")
            for wanted in ("report.md", "report.json", "findings"):
                w.need(wanted in paths, f"job {name}: the upload step does not include {wanted}")
    w.need(found, "no step runs ci/nightly.sh")


def check_clusterfuzzlite(w, trigger, mode):
    w.need(trigger in triggers(w.doc), f"not triggered by {trigger}")
    modes = []
    for name, job in w.jobs().items():
        steps = job.get("steps") or []
        builds = [i for i, s in enumerate(steps)
                  if action(s) == "google/clusterfuzzlite/actions/build_fuzzers"]
        runs = [i for i, s in enumerate(steps)
                if action(s) == "google/clusterfuzzlite/actions/run_fuzzers"]
        if not w.need(builds and runs, f"job {name}: needs build_fuzzers then run_fuzzers"):
            continue
        w.need(builds[0] < runs[0], f"job {name}: run_fuzzers comes before build_fuzzers")
        build, run = steps[builds[0]], steps[runs[0]]
        for s in (build, run):
            w.need(str(s.get("uses", "")).endswith("@v1"), f"job {name}: {s.get('uses')} is not @v1")
        b, r = build.get("with") or {}, run.get("with") or {}
        w.need(b.get("language") == "c", f"job {name}: build_fuzzers language is not c")
        w.need(r.get("github-token"), f"job {name}: run_fuzzers has no github-token")
        seconds = r.get("fuzz-seconds")
        w.need(isinstance(seconds, int) and seconds > 0, f"job {name}: fuzz-seconds is not a number of seconds")
        modes.append(r.get("mode"))
        if r.get("mode") == "prune":
            continue
        matrix = ((job.get("strategy") or {}).get("matrix") or {}).get("sanitizer")
        if w.need(isinstance(matrix, list) and matrix, f"job {name}: no sanitizer matrix"):
            w.need(set(matrix) <= SANITIZERS,
                   f"job {name}: sanitizers {sorted(set(matrix) - SANITIZERS)} cannot work here"
                   " (memory needs every library instrumented; the allocators are not)")
        w.need((job.get("strategy") or {}).get("fail-fast") is False,
               f"job {name}: fail-fast is not false (one sanitizer's finding would cancel the other)")
        w.need(b.get("sanitizer") == MATRIX, f"job {name}: build_fuzzers is not given {MATRIX}")
        w.need(r.get("sanitizer") == MATRIX, f"job {name}: run_fuzzers is not given {MATRIX}")
        if r.get("output-sarif") is True:
            sarif = [s for s in steps[runs[0] + 1:] if action(s) == "github/codeql-action/upload-sarif"]
            if w.need(sarif, f"job {name}: output-sarif without an upload-sarif step"):
                w.need(always(sarif[0]), f"job {name}: the SARIF upload does not run if: always()")
                w.need((job.get("permissions") or {}).get("security-events") == "write",
                       f"job {name}: the SARIF upload needs permissions: security-events: write")
    w.need(mode in modes, f"no run_fuzzers step in mode {mode}")
    others = sorted(set(str(m) for m in modes) - {mode, "prune"})
    w.need(not others, f"run_fuzzers modes {others} where {mode} (or prune) belongs")


CHECKS = {
    "nightly.yml": check_nightly,
    "cflite_pr.yml": lambda w: check_clusterfuzzlite(w, "pull_request", "code-change"),
    "cflite_batch.yml": lambda w: check_clusterfuzzlite(w, "schedule", "batch"),
}


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    directory = argv[1] if len(argv) == 2 else os.path.join(os.path.dirname(__file__), "github")
    failed = unreadable = False
    for file, check in CHECKS.items():
        path = os.path.join(directory, file)
        try:
            w = Workflow(path)
        except (OSError, ValueError, yaml.YAMLError) as e:
            print(f"check-workflows: {path}: cannot read it as YAML: {e}", file=sys.stderr)
            unreadable = True
            continue
        w.common()
        check(w)
        for p in w.problems:
            print(f"check-workflows: {path}: {p}", file=sys.stderr)
        failed = failed or bool(w.problems)
        if not w.problems:
            print(f"check-workflows: {path}: ok")
    # A failed check comes first, as everywhere in Gauntlet.
    return 1 if failed else 2 if unreadable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
