#!/usr/bin/env python3
"""Check the hand-derived verdicts written in the scenario files.

    python3 tests/scenarios/check.py [-v] [FILE.facts ...]   (default: every scenario)

Every partner block of a scenario carries, inside the block, one or more lines

    # Expected: RULE VERDICT [until YYYY-MM-DD]; ...; [N notice(s)]; every other rule met.

worked out by hand from shared/spec/stdlib-semantics.md.  A rule the line does
not name is expected `met`; a notice count not given is expected 0.  For each
file this script compares those expectations with

  - tests/ref/reference.py (the independent oracle: verdicts and deadlines), and
  - bin/specvm --format json on the rules of the file's `# rules:` line
    (verdicts, deadlines, notice counts; with -v it prints the reasons too),

and reports every difference.  Exit 0 when all three agree everywhere.
Run `make` first.  It writes nothing into the checkout.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECC = os.environ.get("SPECC", os.path.join(ROOT, "bin", "specc"))
SPECVM = os.environ.get("SPECVM", os.path.join(ROOT, "bin", "specvm"))
REF = os.path.join(ROOT, "tests", "ref", "reference.py")

ITEM = re.compile(r"^([a-z_]+)\s+(met|not_met|grace)(?:\s+until\s+(\d{4}-\d{2}-\d{2}))?$")
NOTICE = re.compile(r"^(\d+)\s+notices?$")
OTHERS = re.compile(r"^(every|all) other rules? (is |are )?met\.?$|^(every|all) rules? met\.?$")


def expectations(path):
    """partner id -> ({rule: (verdict, deadline)}, notices)."""
    out = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            m = re.match(r'^partner\s+(\S+)', s)
            if m:
                cur = m.group(1)
                out[cur] = None
                continue
            m = re.match(r"^#\s*Expected:\s*(.*)$", s)
            if not m:
                continue
            if cur is None:
                raise SystemExit("%s:%d: Expected line before any partner" % (path, n))
            rules, notices = out[cur] or ({}, 0)
            for item in [i.strip() for i in m.group(1).split(";")]:
                item = item.rstrip(".").strip()
                if not item or OTHERS.match(item + "."):
                    continue
                mi = ITEM.match(item)
                mn = NOTICE.match(item)
                if mi:
                    rules[mi.group(1)] = (mi.group(2), mi.group(3))
                elif mn:
                    notices = int(mn.group(1))
                else:
                    raise SystemExit("%s:%d: cannot read expectation %r" % (path, n, item))
            out[cur] = (rules, notices)
    for pid, e in out.items():
        if e is None:
            raise SystemExit("%s: partner %s has no Expected line" % (path, pid))
    return out


def header(path, key):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^# %s: *(.*)$" % key, line)
            if m:
                return m.group(1).strip()
    return None


def main(argv):
    verbose = "-v" in argv
    files = [a for a in argv if a != "-v"]
    if not files:
        d = os.path.join(ROOT, "tests", "scenarios")
        files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".facts"))
    tmp = tempfile.mkdtemp()
    compiled = {}
    problems = 0
    for path in files:
        spec = header(path, "rules")
        args = shlex.split(header(path, "args") or "")
        if spec is None:
            print("%s: no '# rules:' line" % path)
            problems += 1
            continue
        if spec not in compiled:
            bc = os.path.join(tmp, "%d.bc" % len(compiled))
            subprocess.run([SPECC, os.path.join(ROOT, spec), "-o", bc], check=True)
            compiled[spec] = bc
        vm = subprocess.run([SPECVM] + args + ["--format", "json", compiled[spec], path],
                            capture_output=True, text=True)
        if vm.returncode not in (0, 1):
            print("%s: specvm exit %d: %s" % (path, vm.returncode, vm.stderr.strip()))
            problems += 1
            continue
        vmj = json.loads(vm.stdout)
        ref = subprocess.run([sys.executable, REF] + args + [path],
                             capture_output=True, text=True, check=True)
        refj = json.loads(ref.stdout)
        exp = expectations(path)
        refp = {p["id"]: {m["module"]: m for m in p["modules"]} for p in refj["partners"]}
        any_not_met = False
        for p in vmj["partners"]:
            pid = p["id"]
            if pid not in exp:
                print("%s: %s: no expectations" % (path, pid))
                problems += 1
                continue
            want_rules, want_notices = exp[pid]
            seen = set()
            notices = 0
            for m in p["modules"]:
                notices += len(m["notices"])
                rr = {r["id"]: r for r in refp[pid][m["module"]]["rules"]}
                for r in m["rules"]:
                    rid = r["id"]
                    seen.add(rid)
                    want = want_rules.get(rid, ("met", None))
                    got = (r["verdict"], r.get("deadline"))
                    refv = (rr[rid]["verdict"], rr[rid].get("deadline"))
                    if got[0] == "not_met":
                        any_not_met = True
                    if got != want or refv != want:
                        print("%s: %s/%s: expected %s, reference %s, specvm %s"
                              % (os.path.basename(path), pid, rid, want, refv, got))
                        problems += 1
                    if got[0] != "met" and not r["reasons"]:
                        print("%s: %s/%s: %s without reasons" % (path, pid, rid, got[0]))
                        problems += 1
                    if got[0] == "met" and r["reasons"]:
                        print("%s: %s/%s: met with reasons %s" % (path, pid, rid, r["reasons"]))
                        problems += 1
                    if verbose and r["verdict"] != "met":
                        print("  %s/%s %s%s" % (pid, rid, r["verdict"],
                                                " until " + r["deadline"] if r.get("deadline") else ""))
                        for reason in r["reasons"]:
                            print("      - " + reason)
                if verbose:
                    for n in m["notices"]:
                        print("  %s notice: %s" % (pid, n))
            for rid in want_rules:
                if rid not in seen:
                    print("%s: %s: expectation for unknown rule %s" % (path, pid, rid))
                    problems += 1
            refn = sum(m["notices_count"] for m in refp[pid].values()
                       if any(vm_m["module"] == m["module"] for vm_m in p["modules"]))
            if notices != want_notices or refn != want_notices:
                print("%s: %s: notices expected %d, reference %d, specvm %d"
                      % (path, pid, want_notices, refn, notices))
                problems += 1
        if vm.returncode != (1 if any_not_met else 0):
            print("%s: specvm exit %d" % (path, vm.returncode))
            problems += 1
        if verbose:
            print("%s: %d partners" % (path, len(vmj["partners"])))
    print("%d files checked, %d problems" % (len(files), problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
