#!/usr/bin/env python3
"""Independent reference implementation (oracle) of the standard rule modules.

Implements the readings of shared/spec/stdlib-semantics.md for the modules
`express_uc` and `premier_integrator`, over fact files in the format of
shared/spec/facts-v1.md.  Standard library only.  Written to be obviously
correct, not fast: every rule is evaluated directly from its definition.

    python3 reference.py [--as-of YYYY-MM-DD] [--modules express_uc,premier_integrator] FACTS...

Prints one JSON document:
    {"as_of": ..., "partners": [{"id", "name", "modules": [
        {"module", "verdict", "rules": [{"id", "verdict", ["deadline"]}],
         "notices_count"}]}]}

Parsing is lenient: the input is assumed to be valid facts-v1.
"""

import argparse
import calendar
import datetime
import json
import sys

Date = datetime.date


# ---------------------------------------------------------------------------
# Date helpers
# ---------------------------------------------------------------------------

def parse_date(s):
    y, m, d = s.split("-")
    return Date(int(y), int(m), int(d))


def add_months(d, n):
    """Move the calendar month by n, keep the day clamped to the month's end."""
    total = d.year * 12 + (d.month - 1) + n
    y, m = divmod(total, 12)
    m += 1
    last = calendar.monthrange(y, m)[1]
    return Date(y, m, min(d.day, last))


def add_days(d, n):
    return d + datetime.timedelta(days=n)


def valid_on(start, end, d):
    """Half-open window: start <= d < end (end None: open-ended)."""
    return start <= d and (end is None or d < end)


# ---------------------------------------------------------------------------
# Fact parsing (lenient)
# ---------------------------------------------------------------------------

ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def read_string(line, i):
    """line[i] == '"'.  Returns (value, index after closing quote)."""
    i += 1
    out = []
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            out.append(ESCAPES.get(line[i + 1], line[i + 1]))
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return "".join(out), i  # unterminated: lenient


def tokenize(line):
    """Returns a list of tokens: ('pos', value, is_string) or ('named', key, value)."""
    toks = []
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            break
        if c == '"':
            v, i = read_string(line, i)
            toks.append(("pos", v, True))
            continue
        j = i
        while j < n and line[j] not in ' \t\r\n"#':
            j += 1
        word = line[i:j]
        i = j
        if "=" in word:
            key, _, val = word.partition("=")
            if val == "" and i < n and line[i] == '"':
                val, i = read_string(line, i)
            toks.append(("named", key, val))
        else:
            toks.append(("pos", word, False))
    return toks


class Partner:
    def __init__(self, pid, name):
        self.id = pid
        self.name = name
        self.persons = {}       # id -> dict(employment, hired, left)
        self.credentials = []   # dict(person, cert, attained, expires)
        self.exams = []         # dict(person, number, passed)
        self.roles = []         # dict(person, role, spec)
        self.specializations = []  # dict(name, attained, expires)
        self.certifications = []   # dict(name, attained, expires)
        self.agreements = []    # dict(kind, signed, expires)
        self.services = []      # dict(kind, since)
        self.countries = []     # dict(code, grouping)
        self.csat = []          # dict(submitted, count)
        self.low_scores = {}    # id -> received
        self.follow_ups = []    # dict(score, entered)
        self.noncompliance = []  # dict(topic, aware, notified, ext, resolved)
        self.all_dates = set()  # every date value named by any fact of the partner


def opt_date(named, key):
    v = named.get(key)
    return parse_date(v) if v is not None else None


def parse_files(paths):
    """Returns (as_of_from_files or None, [Partner, ...])."""
    partners = []
    as_of = None
    cur = None
    for path in paths:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        cur = None  # a partner block never spans files
        for raw in text.split("\n"):
            toks = tokenize(raw)
            if not toks:
                continue
            kind = toks[0][1]
            pos = [t[1] for t in toks[1:] if t[0] == "pos"]
            named = {t[1]: t[2] for t in toks[1:] if t[0] == "named"}
            if kind == "as-of":
                as_of = parse_date(pos[0])
                continue
            if kind == "partner":
                cur = Partner(pos[0], pos[1] if len(pos) > 1 else None)
                partners.append(cur)
                continue
            p = cur
            dates = []
            if kind == "person":
                hired, left = opt_date(named, "hired"), opt_date(named, "left")
                p.persons[pos[0]] = dict(employment=pos[1], hired=hired, left=left)
                dates = [hired, left]
            elif kind == "credential":
                c = dict(person=pos[0], cert=pos[1], attained=parse_date(pos[2]),
                         expires=opt_date(named, "expires"))
                p.credentials.append(c)
                dates = [c["attained"], c["expires"]]
            elif kind == "exam":
                e = dict(person=pos[0], number=pos[1], passed=parse_date(pos[2]))
                p.exams.append(e)
                dates = [e["passed"]]
            elif kind == "role":
                p.roles.append(dict(person=pos[0], role=pos[1], spec=pos[2]))
            elif kind in ("specialization", "certification"):
                s = dict(name=pos[0], attained=parse_date(pos[1]),
                         expires=opt_date(named, "expires"))
                (p.specializations if kind == "specialization" else p.certifications).append(s)
                dates = [s["attained"], s["expires"]]
            elif kind == "agreement":
                a = dict(kind=pos[0], signed=parse_date(pos[1]),
                         expires=opt_date(named, "expires"))
                p.agreements.append(a)
                dates = [a["signed"], a["expires"]]
            elif kind == "service":
                s = dict(kind=pos[0], since=opt_date(named, "since"))
                p.services.append(s)
                dates = [s["since"]]
            elif kind == "country":
                p.countries.append(dict(code=pos[0], grouping=pos[1]))
            elif kind == "csat-contacts":
                c = dict(submitted=parse_date(pos[0]), count=int(pos[1]))
                p.csat.append(c)
                dates = [c["submitted"]]
            elif kind == "low-score":
                p.low_scores[pos[0]] = parse_date(pos[1])
                dates = [p.low_scores[pos[0]]]
            elif kind == "follow-up":
                fu = dict(score=pos[0], entered=parse_date(pos[1]))
                p.follow_ups.append(fu)
                dates = [fu["entered"]]
            elif kind == "noncompliance":
                nc = dict(topic=pos[0], aware=parse_date(pos[1]),
                          notified=opt_date(named, "notified"),
                          ext=opt_date(named, "extension-until"),
                          resolved=opt_date(named, "resolved"))
                p.noncompliance.append(nc)
                dates = [nc["aware"], nc["notified"], nc["ext"], nc["resolved"]]
            else:
                raise SystemExit("reference.py: unknown fact kind %r in %s" % (kind, path))
            p.all_dates.update(d for d in dates if d is not None)
    return as_of, partners


# ---------------------------------------------------------------------------
# Common predicates
# ---------------------------------------------------------------------------

def person_counts(person, d):
    """hired <= d < left, missing bounds open.  (A person hired after d does
    not exist as of d, which this already implies.)"""
    if person["hired"] is not None and not person["hired"] <= d:
        return False
    if person["left"] is not None and not d < person["left"]:
        return False
    return True


def holds_credential(p, pid, names, d):
    return any(c["person"] == pid and c["cert"] in names
               and valid_on(c["attained"], c["expires"], d)
               for c in p.credentials)


def spec_valid(p, name, d):
    return any(s["name"] == name and valid_on(s["attained"], s["expires"], d)
               for s in p.specializations)


def agreement_valid(p, kinds, d):
    return any(a["kind"] in kinds and valid_on(a["signed"], a["expires"], d)
               for a in p.agreements)


def rule(rid, verdict, deadline=None):
    r = {"id": rid, "verdict": verdict}
    if verdict == "grace":
        r["deadline"] = deadline.isoformat()
    return r


def module_verdict(rules):
    vs = [r["verdict"] for r in rules]
    if "not_met" in vs:
        return "not_met"
    if "grace" in vs:
        return "grace"
    return "met"


def met(b):
    return "met" if b else "not_met"


# ---------------------------------------------------------------------------
# Module express_uc
# ---------------------------------------------------------------------------

EXAM_646_203_RETIRED = Date(2008, 5, 24)   # from this day on 646-203 is not accepted
EXEMPT_SPECS = {"smb", "crm-express", "vpn-firewall"}
ROLE_LIMITS = {"AM": 4, "SE": 2, "FE": 2}
UC_OTHER_SPECS = ("advanced-uc", "master-uc")


def xuc_account_manager(p, D):
    for r in p.roles:
        if r["role"] != "AM" or r["spec"] != "express-uc":
            continue
        pid = r["person"]
        person = p.persons.get(pid)
        if person is None or not person_counts(person, D):
            continue
        prereq = False
        for e in p.exams:
            if e["person"] != pid or not e["passed"] <= D:
                continue
            if e["number"] == "646-204":
                prereq = True
            if e["number"] == "646-203" and D < EXAM_646_203_RETIRED:
                prereq = True
        if prereq and holds_credential(p, pid, {"ipc-express-sales-specialist"}, D):
            return True
    return False


def xuc_system_engineer(p, D):
    for r in p.roles:
        if r["role"] != "SE" or r["spec"] != "express-uc":
            continue
        pid = r["person"]
        person = p.persons.get(pid)
        if person is None or not person_counts(person, D):
            continue
        if holds_credential(p, pid, {"ipc-express-specialist"}, D):
            return True
    return False


def xuc_role_sharing(p, D):
    # Role designations carry no dates: every designated person, counting or not.
    designated = {r["person"] for r in p.roles if r["spec"] == "express-uc"}
    for pid in designated:
        specs_by_role = {"AM": set(), "SE": set(), "FE": set()}
        for r in p.roles:
            if r["person"] == pid and r["spec"] not in EXEMPT_SPECS:
                specs_by_role.setdefault(r["role"], set()).add(r["spec"])
        for role, limit in ROLE_LIMITS.items():
            if len(specs_by_role.get(role, ())) > limit:
                return False
        if sum(1 for s in specs_by_role.values() if s) > 1:
            return False  # cross-population
    return True


def xuc_single_technology(p, D):
    return not any(spec_valid(p, s, D) for s in UC_OTHER_SPECS)


def nc_open(nc, D):
    return nc["aware"] <= D and (nc["resolved"] is None or nc["resolved"] > D)


def nc_notified_in_time(nc, D):
    n = nc["notified"]
    return (n is not None and nc["aware"] <= n
            and n <= D and n <= add_days(nc["aware"], 30))


def xuc_compliance_notice(p, D):
    for nc in p.noncompliance:
        if not nc_open(nc, D):
            continue
        if nc_notified_in_time(nc, D):
            continue
        if D <= add_days(nc["aware"], 30):
            continue
        return False
    return True


def xuc_extension(p, rid, D):
    """Latest extension-until of an extension in force for rule rid, or None."""
    ends = [nc["ext"] for nc in p.noncompliance
            if nc["topic"] == rid and nc_open(nc, D) and nc_notified_in_time(nc, D)
            and nc["ext"] is not None and D < nc["ext"]]
    return max(ends) if ends else None


def xuc_supersession_notice(p, D):
    for e in p.specializations:
        if e["name"] != "express-uc" or not e["attained"] <= D:
            continue
        if spec_valid(p, "ipc-express", e["attained"]):
            return True
    return False


XUC_RULES = [
    ("account_manager", xuc_account_manager),
    ("system_engineer", xuc_system_engineer),
    ("role_sharing", xuc_role_sharing),
    ("single_technology", xuc_single_technology),
    ("compliance_notice", xuc_compliance_notice),
]


def eval_express_uc(p, D):
    rules = []
    for rid, fn in XUC_RULES:
        if fn(p, D):
            rules.append(rule(rid, "met"))
            continue
        ext = xuc_extension(p, rid, D)
        if ext is not None:
            rules.append(rule(rid, "grace", ext))
        else:
            rules.append(rule(rid, "not_met"))
    notices = 1 if xuc_supersession_notice(p, D) else 0
    return rules, notices


# ---------------------------------------------------------------------------
# Module premier_integrator
# ---------------------------------------------------------------------------

NETWORKING = {"CCNA", "CCNP", "CCIE"}
DESIGN = {"CCDA", "CCDP", "CCDE", "CCAr"}
CAREER = NETWORKING | DESIGN
SERVICES = ("customer-service-8x5", "one-hour-callback", "pre-sales-support",
            "post-sales-support")
FISCAL_YEAR_END = (7, 31)   # fiscal year Y: (Y-1)-08-01 .. Y-07-31
CSAT_MIN_CONTACTS = 10


def pi_specialization(p, D):
    return any(valid_on(s["attained"], s["expires"], D) for s in p.specializations)


def full_time_counting(p, d):
    return [pid for pid, per in p.persons.items()
            if per["employment"] == "full-time" and person_counts(per, d)]


def certified_roles_met(p, d):
    ft = full_time_counting(p, d)
    net = [pid for pid in ft if holds_credential(p, pid, NETWORKING, d)]
    career = [pid for pid in ft if holds_credential(p, pid, CAREER, d)]
    # Two distinct persons: one from `net`, another from `career`.
    return any(a != b for a in net for b in career)


def premier_certs_valid(p, D):
    return [c for c in p.certifications
            if c["name"] == "premier-integrator" and valid_on(c["attained"], c["expires"], D)]


def pi_certified_roles(p, D):
    """Returns (verdict, deadline)."""
    if certified_roles_met(p, D):
        return "met", None
    if not premier_certs_valid(p, D):
        return "not_met", None
    # At least one full-time person counting on D is career certified.
    if not any(holds_credential(p, pid, CAREER, D) for pid in full_time_counting(p, D)):
        return "not_met", None
    # Days named by facts (the requirement can only change on them), up to D.
    days = sorted({d for d in p.all_dates if d < D} | {D})
    # Walk back over the unbroken run of unmet days ending on D.
    idx = len(days) - 1          # days[idx] == D, unmet
    while idx > 0 and not certified_roles_met(p, days[idx - 1]):
        idx -= 1
    if idx == 0:
        # The run reaches back before every named day: never met earlier.
        return "not_met", None
    U = days[idx]
    deadline = add_months(U, 6)
    if deadline > D:
        return "grace", deadline
    return "not_met", None


def pi_service_support(p, D):
    if not agreement_valid(p, {"resale", "icpa"}, D):
        return False
    for kind in SERVICES:
        if not any(s["kind"] == kind and (s["since"] is None or s["since"] <= D)
                   for s in p.services):
            return False
    return agreement_valid(p, {"partner-support"}, D)


def pi_customer_satisfaction(p, D):
    certs = premier_certs_valid(p, D)
    if not certs:
        return True  # does not apply
    A = min(c["attained"] for c in certs)
    M = add_months(A, 12)
    ok = True
    # Most recent January that has ended before D (Y-02-01 <= D).
    yj = D.year if D >= Date(D.year, 2, 1) else D.year - 1
    if Date(yj, 1, 1) >= M:
        total = sum(c["count"] for c in p.csat
                    if Date(yj, 1, 1) <= c["submitted"] <= Date(yj, 1, 31)
                    and c["submitted"] <= D)
        if total < CSAT_MIN_CONTACTS:
            ok = False
    # Most recent July that has ended before D (Y-08-01 <= D).
    yl = D.year if D >= Date(D.year, 8, 1) else D.year - 1
    if Date(yl, 7, 1) >= M:
        fy_start = Date(yl - 1, 8, 1)
        fy_end = Date(yl, FISCAL_YEAR_END[0], FISCAL_YEAR_END[1])
        for sid, received in p.low_scores.items():
            if not (fy_start <= received <= fy_end) or received > D:
                continue
            if not any(f["score"] == sid and received <= f["entered"] <= fy_end
                       and f["entered"] <= D for f in p.follow_ups):
                ok = False
    return ok


def pi_country_grouping(p, D):
    return len({c["grouping"] for c in p.countries}) <= 1


def pi_terms(p, D):
    return agreement_valid(p, {"terms-and-conditions"}, D)


def eval_premier_integrator(p, D):
    rules = [rule("specialization", met(pi_specialization(p, D)))]
    v, dl = pi_certified_roles(p, D)
    rules.append(rule("certified_roles", v, dl))
    rules.append(rule("service_support", met(pi_service_support(p, D))))
    rules.append(rule("customer_satisfaction", met(pi_customer_satisfaction(p, D))))
    rules.append(rule("country_grouping", met(pi_country_grouping(p, D))))
    rules.append(rule("terms", met(pi_terms(p, D))))
    return rules, 0


MODULES = {
    "express_uc": eval_express_uc,
    "premier_integrator": eval_premier_integrator,
}


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def evaluate(partners, D, modules):
    out = []
    for p in partners:
        mods = []
        for m in modules:
            rules, notices = MODULES[m](p, D)
            mods.append({"module": m, "verdict": module_verdict(rules),
                         "rules": rules, "notices_count": notices})
        out.append({"id": p.id, "name": p.name, "modules": mods})
    return {"as_of": D.isoformat(), "partners": out}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--as-of", dest="as_of")
    ap.add_argument("--modules", default="express_uc,premier_integrator")
    ap.add_argument("facts", nargs="+")
    args = ap.parse_args(argv)
    modules = [m for m in args.modules.split(",") if m]
    for m in modules:
        if m not in MODULES:
            ap.error("unknown module %r" % m)
    file_as_of, partners = parse_files(args.facts)
    if args.as_of:
        D = parse_date(args.as_of)
    elif file_as_of is not None:
        D = file_as_of
    else:
        D = Date.today()
    json.dump(evaluate(partners, D, modules), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
