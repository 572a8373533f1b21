#!/usr/bin/env python3
"""Compare reference.py output with `specvm --format json` output.

    python3 compare.py REF.json SPECVM.json [SPECVM2.json ...]

The specvm documents may each hold some of the modules (one bytecode per
module, or one bytecode importing both); their modules are merged per partner
by module name.  Only modules present in the specvm output are compared.
Compared per partner/module: the module verdict, the notice count, the list of
rule ids (in order), and per rule the verdict and the deadline.  Also the
as_of date, the partner ids (in order) and names.
Exit 0 when everything agrees, 1 on any difference (each one printed), 2 on
usage errors.
"""

import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ref = load(argv[1])
    vms = [load(p) for p in argv[2:]]
    diffs = []

    def diff(msg):
        diffs.append(msg)
        if len(diffs) <= 200:
            print(msg)

    for vm in vms:
        if vm.get("as_of") != ref["as_of"]:
            diff("as_of: reference %s, specvm %s" % (ref["as_of"], vm.get("as_of")))
    # partner id -> {module: module object} merged over the specvm documents
    vm_order = None
    merged = {}
    names = {}
    for vm in vms:
        ids = [p["id"] for p in vm["partners"]]
        if vm_order is None:
            vm_order = ids
        elif ids != vm_order:
            diff("specvm documents list different partners")
        for p in vm["partners"]:
            names[p["id"]] = p.get("name")
            for m in p["modules"]:
                merged.setdefault(p["id"], {})[m["module"]] = m
    ref_ids = [p["id"] for p in ref["partners"]]
    if ref_ids != (vm_order or []):
        diff("partner lists differ: reference %d partners, specvm %d"
             % (len(ref_ids), len(vm_order or [])))
    compared = 0
    for p in ref["partners"]:
        pid = p["id"]
        if pid not in merged:
            diff("%s: missing from specvm output" % pid)
            continue
        if names.get(pid) != p["name"]:
            diff("%s: name reference %r, specvm %r" % (pid, p["name"], names.get(pid)))
        for rm in p["modules"]:
            vm_m = merged[pid].get(rm["module"])
            if vm_m is None:
                continue
            where = "%s/%s" % (pid, rm["module"])
            compared += 1
            if vm_m.get("verdict") != rm["verdict"]:
                diff("%s: module verdict reference %s, specvm %s"
                     % (where, rm["verdict"], vm_m.get("verdict")))
            n = len(vm_m.get("notices", []))
            if n != rm["notices_count"]:
                diff("%s: notices reference %d, specvm %d" % (where, rm["notices_count"], n))
            r_ids = [r["id"] for r in rm["rules"]]
            v_ids = [r.get("id") for r in vm_m.get("rules", [])]
            if r_ids != v_ids:
                diff("%s: rules reference %s, specvm %s" % (where, r_ids, v_ids))
            vrules = {r.get("id"): r for r in vm_m.get("rules", [])}
            for rr in rm["rules"]:
                vr = vrules.get(rr["id"])
                if vr is None:
                    continue
                a = (rr["verdict"], rr.get("deadline"))
                b = (vr.get("verdict"), vr.get("deadline"))
                if a != b:
                    diff("%s/%s: reference %s%s, specvm %s%s"
                         % (where, rr["id"], a[0], " " + a[1] if a[1] else "",
                            b[0], " " + str(b[1]) if b[1] else ""))
    if compared == 0:
        diff("no module in common: nothing compared")
    print("%d partner-modules compared, %d differences" % (compared, len(diffs)),
          file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
