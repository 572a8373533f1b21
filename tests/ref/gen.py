#!/usr/bin/env python3
"""Generate random but valid facts-v1 files aimed at the edges of the rule modules.

    python3 gen.py --seed N --count K [--as-of YYYY-MM-DD] [--crlf] > out.facts

Writes one `as-of` line at the top (chosen from boundary-heavy dates in 2007-2009
and 2019-2023 unless --as-of is given) and K partner blocks p000001 ... .  Every
date is placed relative to that evaluation date D (on it, one day either side,
30/31 days off, N months off, month ends, fiscal-year and January/July edges,
the 646-203 retirement date), so both modules are exercised whatever D is.
Only valid facts are written: every person referenced is declared, ids are
unique, dates are real, and enumerated words come from the vocabulary.
The same seed always gives the same file.
"""

import argparse
import calendar
import datetime
import random
import sys

Date = datetime.date

EXPRESS_ERA = ["2007-07-01", "2007-12-31", "2008-01-11", "2008-01-31", "2008-02-29",
               "2008-05-23", "2008-05-24", "2008-05-25", "2008-07-31", "2008-08-01",
               "2008-12-31", "2009-01-31", "2009-02-01", "2009-03-01", "2009-08-01"]
PREMIER_ERA = ["2019-02-01", "2020-01-31", "2020-02-01", "2020-02-29", "2020-07-31",
               "2020-08-01", "2021-01-31", "2021-02-01", "2021-07-31", "2021-08-01",
               "2021-10-01", "2022-02-28", "2022-08-01", "2023-01-31", "2023-02-01",
               "2023-08-01", "2023-12-31"]

NETWORKING = ["CCNA", "CCNP", "CCIE"]
DESIGN = ["CCDA", "CCDP", "CCDE", "CCAr"]
CAREER = NETWORKING + DESIGN
XUC_RULES = ["account_manager", "system_engineer", "role_sharing", "single_technology",
             "compliance_notice"]
PI_RULES = ["specialization", "certified_roles", "service_support",
            "customer_satisfaction", "country_grouping", "terms"]
OTHER_SPECS = ["security", "wireless", "storage", "routing", "data-center",
               "advanced-security", "advanced-wireless", "advanced-uc", "master-uc"]
EXEMPT = ["smb", "crm-express", "vpn-firewall"]
SERVICES = ["customer-service-8x5", "one-hour-callback", "pre-sales-support",
            "post-sales-support"]
GROUPINGS = {"us-canada": ["US", "CA"], "emear": ["DE", "FR", "GB", "NL"],
             "apjc": ["JP", "AU", "SG"], "latam": ["BR", "MX", "AR"]}
RETIRE = Date(2008, 5, 24)


def add_months(d, n):
    total = d.year * 12 + (d.month - 1) + n
    y, m = divmod(total, 12)
    m += 1
    return Date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def add_days(d, n):
    return d + datetime.timedelta(days=n)


def month_end(d):
    return Date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


class Gen:
    def __init__(self, rng, D):
        self.r = rng
        self.D = D

    # ---- date pickers -------------------------------------------------------

    def near(self, d=None):
        """A date on or around d (default D)."""
        d = d or self.D
        r = self.r
        k = r.random()
        if k < 0.45:
            return add_days(d, r.choice([-31, -30, -29, -2, -1, 0, 0, 0, 1, 1, 2, 29, 30, 31]))
        if k < 0.75:
            m = r.choice([-25, -24, -13, -12, -12, -7, -6, -6, -5, -3, -1, 1, 3, 6, 12])
            return add_days(add_months(d, m), r.choice([-1, 0, 0, 0, 1]))
        if k < 0.85:
            # a month end a few months before, e.g. 01-31 or 08-31
            return month_end(add_months(d, -r.randint(0, 14)))
        return add_days(d, r.randint(-900, 200))

    def past(self):
        return add_days(self.D, -self.r.randint(200, 3000))

    def opt_start(self, p_none=0.3):
        return None if self.r.random() < p_none else self.near()

    def window(self, good=0.5):
        """(start, end) for something that is usually valid on D, with edges."""
        r = self.r
        if r.random() < good:
            start = r.choice([self.past(), self.past(), self.D, add_days(self.D, -1)])
            end = r.choice([None, None, add_days(self.D, 1), add_days(self.D, r.randint(2, 900))])
            return start, end
        start = self.near()
        end = r.choice([None, self.D, add_days(self.D, 1), add_days(self.D, -1),
                        add_months(start, 12), add_months(start, 1), start,
                        add_days(start, -1), self.near()])
        return start, end


class Partner:
    def __init__(self, g, pid, name):
        self.g = g
        self.r = g.r
        self.pid = pid
        self.name = name
        self.lines = []
        self.persons = []
        self.nscores = 0

    def fact(self, kind, *pos, **named):
        r = self.r
        parts = [kind] + [self.val(v) for v in pos if v is not None]
        items = [(k.replace("_", "-"), v) for k, v in named.items() if v is not None]
        r.shuffle(items)
        parts += ["%s=%s" % (k, self.val(v)) for k, v in items]
        sep = " " if r.random() < 0.9 else "\t"
        line = r.choice(["  ", "  ", "", "\t", "    "]) + sep.join(parts)
        if r.random() < 0.05:
            line += "   # note: " + r.choice(["edge", "boundary", "see spec", "\"quoted\" #"])
        self.lines.append(line)

    @staticmethod
    def val(v):
        if isinstance(v, Date):
            return v.isoformat()
        if isinstance(v, Str):
            return v.quoted()
        return str(v)

    def person(self, emp=None, hired=None, left=None, name=None):
        pid = "%s%d" % (self.r.choice(["ann", "ben", "cy", "dee", "e.f", "g_h", "x-"]),
                        len(self.persons) + 1)
        if emp is None:
            emp = self.r.choice(["full-time"] * 6 + ["part-time", "contractor"])
        self.persons.append(pid)
        if name is None and self.r.random() < 0.3:
            name = Str(self.r.choice(["Ann Lee", "Bo \"The Boss\" Li", "C:\\temp", "Dee\tTab",
                                      "Zoë Ünal", "# not a comment"]))
        self.fact("person", pid, emp, name, hired=hired, left=left)
        return pid

    def low_score(self, received):
        self.nscores += 1
        sid = "ls%d" % self.nscores
        self.fact("low-score", sid, received)
        return sid

    def text(self):
        head = "partner %s" % self.pid
        if self.name is not None:
            head += " " + self.name.quoted()
        return "\n".join([head] + self.lines)


class Str:
    def __init__(self, s):
        self.s = s

    def quoted(self):
        return '"' + (self.s.replace("\\", "\\\\").replace('"', '\\"')
                      .replace("\n", "\\n").replace("\t", "\\t")) + '"'


# ---------------------------------------------------------------------------
# Scenarios.  Each writes facts into a Partner, relative to D.
# ---------------------------------------------------------------------------

def sc_account_managers(p):
    g, r, D = p.g, p.r, p.g.D
    ids = []
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        good = r.random() < 0.5
        hired = None if good or r.random() < 0.4 else g.opt_start()
        left = None if good or r.random() < 0.5 else r.choice([D, add_days(D, 1), add_days(D, -1), g.near()])
        pid = p.person(hired=hired, left=left)
        ids.append(pid)
        p.fact("role", pid, "AM", "express-uc")
        exam_dates = [Date(2008, 5, 23), Date(2008, 5, 24), Date(2008, 1, 10), Date(2008, 1, 11),
                      add_days(D, -1), D, add_days(D, 1), g.past()]
        k = r.random()
        if k < 0.4:
            p.fact("exam", pid, "646-203", r.choice(exam_dates))
        elif k < 0.75:
            p.fact("exam", pid, "646-204", r.choice(exam_dates))
        elif k < 0.9:
            p.fact("exam", pid, "646-203", r.choice(exam_dates))
            p.fact("exam", pid, "646-204", r.choice(exam_dates))
        else:
            p.fact("exam", pid, r.choice(["642-444", "646-205"]), r.choice(exam_dates))
        cert = "ipc-express-sales-specialist" if r.random() < 0.85 else "ipc-express-specialist"
        s, e = g.window(0.6 if good else 0.3)
        p.fact("credential", pid, cert, s, expires=e)
    return ids


def sc_system_engineers(p):
    g, r, D = p.g, p.r, p.g.D
    ids = []
    for _ in range(r.choice([1, 1, 2])):
        good = r.random() < 0.5
        hired = None if good else g.opt_start()
        left = None if good or r.random() < 0.5 else r.choice([D, add_days(D, 1), g.near()])
        pid = p.person(hired=hired, left=left)
        ids.append(pid)
        p.fact("role", pid, "SE", "express-uc")
        cert = "ipc-express-specialist" if r.random() < 0.85 else "ipc-express-sales-specialist"
        s, e = g.window(0.6 if good else 0.3)
        p.fact("credential", pid, cert, s, expires=e)
    return ids


def sc_role_sharing(p, am_ids, se_ids):
    """Extra designations: at the limit, over it, exempt ones, cross-population."""
    r = p.r
    limits = {"AM": 4, "SE": 2, "FE": 2}
    candidates = [(pid, "AM") for pid in am_ids] + [(pid, "SE") for pid in se_ids]
    if not candidates or r.random() < 0.4:
        pid = p.person()
        role = r.choice(["AM", "SE", "FE"])
        if r.random() < 0.85:
            p.fact("role", pid, role, "express-uc")
        candidates.append((pid, role))
    for pid, role in r.sample(candidates, k=min(len(candidates), r.choice([1, 1, 2]))):
        # total distinct non-exempt specs including express-uc: limit-1, limit, limit+1
        n = limits[role] + r.choice([-1, 0, 0, 1]) - 1
        specs = r.sample(OTHER_SPECS, k=max(0, n))
        for s in specs:
            p.fact("role", pid, role, s)
        if r.random() < 0.3 and specs:
            p.fact("role", pid, role, specs[0])  # duplicate designation
        for s in r.sample(EXEMPT, k=r.randint(0, 3)):
            p.fact("role", pid, r.choice(["AM", "SE", "FE"]), s)  # exempt: any role
        if r.random() < 0.2:
            other = r.choice([x for x in ("AM", "SE", "FE") if x != role])
            p.fact("role", pid, other, r.choice(OTHER_SPECS + ["express-uc"]))


def sc_specializations(p):
    g, r, D = p.g, p.r, p.g.D
    if r.random() < 0.8:
        s, e = g.window(0.6)
        p.fact("specialization", "express-uc", s, expires=e)
        if r.random() < 0.5:
            # ipc-express around the day express-uc was attained (supersession)
            a = s
            ipc_end = r.choice([None, a, add_days(a, 1), add_days(a, -1), add_months(a, 3)])
            ipc_start = r.choice([g.past(), a, add_days(a, 1), add_days(a, -1)])
            p.fact("specialization", "ipc-express", ipc_start, expires=ipc_end)
    for name in r.sample(["advanced-uc", "master-uc", "security", "smb", "wireless"],
                         k=r.choice([0, 0, 1, 1, 2])):
        s, e = g.window(0.4)
        p.fact("specialization", name, s, expires=e)


def sc_noncompliance(p):
    g, r, D = p.g, p.r, p.g.D
    for _ in range(r.choice([1, 1, 2, 3])):
        topic = r.choice(XUC_RULES * 3 + PI_RULES + ["other-topic"])
        aware = r.choice([D, add_days(D, -30), add_days(D, -31), add_days(D, -29),
                          add_days(D, -60), add_days(D, 1), g.near()])
        notified = r.choice([None, add_days(aware, -1), aware, add_days(aware, 30),
                             add_days(aware, 31), D, add_days(D, 1), add_days(aware, 5),
                             add_days(aware, 5), aware])
        ext = r.choice([None, D, add_days(D, 1), add_days(D, -1), add_days(D, 30),
                        add_months(D, 3)])
        resolved = r.choice([None, None, None, D, add_days(D, 1), add_days(D, -1)])
        p.fact("noncompliance", topic, aware, notified=notified, extension_until=ext,
               resolved=resolved)


def sc_premier_cert(p):
    g, r, D = p.g, p.r, p.g.D
    if r.random() < 0.15:
        return
    for _ in range(r.choice([1, 1, 1, 2])):
        a = r.choice([add_months(D, -12), add_days(add_months(D, -12), 1),
                      add_days(add_months(D, -12), -1), add_months(D, -13),
                      add_months(D, -25), add_months(D, -7), add_days(D, 1), D,
                      Date(D.year - 1, 1, 31), Date(D.year - 1, 1, 1), Date(D.year - 1, 1, 2),
                      Date(D.year - 1, 7, 1), Date(D.year - 1, 7, 2), Date(D.year - 2, 6, 30),
                      g.past()])
        e = r.choice([None, None, None, D, add_days(D, 1), add_months(a, 12)])
        p.fact("certification", "premier-integrator", a, expires=e)


def sc_certified_roles(p):
    """Career-certified staff over time, aimed at the Get Well Plan."""
    g, r, D = p.g, p.r, p.g.D
    kind = r.choice(["steady", "lose_one", "lose_one", "lose_both_once", "lose_both_apart",
                     "recert", "never", "design_only", "part_time"])

    def t_loss():
        return r.choice([D, add_days(D, -1), add_days(D, 1), add_months(D, -6),
                         add_days(add_months(D, -6), 1), add_days(add_months(D, -6), -1),
                         add_months(D, -3), add_months(D, -1), month_end(add_months(D, -6)),
                         add_months(D, -9), g.near()])

    def staff(cert, emp="full-time", hired=None, left=None, c_start=None, c_end=None):
        pid = p.person(emp=emp, hired=hired, left=left)
        p.fact("credential", pid, cert, c_start or g.past(), expires=c_end)
        return pid

    def lose(cert, t, emp="full-time"):
        # lose by leaving or by the certification expiring
        if r.random() < 0.5:
            return staff(cert, emp=emp, left=t)
        return staff(cert, emp=emp, c_end=t)

    net, any_ = r.choice(NETWORKING), r.choice(CAREER)
    if kind == "steady":
        staff(net)
        staff(any_, hired=r.choice([None, D, add_days(D, 1)]))
    elif kind == "lose_one":
        if r.random() < 0.5:
            staff(net)
            lose(any_, t_loss())
        else:
            staff(any_)
            lose(net, t_loss())
            if r.random() < 0.3:
                staff(r.choice(NETWORKING), emp=r.choice(["part-time", "contractor"]))
    elif kind == "lose_both_once":
        t = t_loss()
        lose(net, t)
        lose(any_, t)
    elif kind == "lose_both_apart":
        t1 = t_loss()
        t2 = add_months(t1, r.choice([1, 3, 5, 6, 7, 8]))
        lose(net, t1)
        lose(any_, t2)
        if r.random() < 0.3:
            staff(r.choice(DESIGN))  # a third person keeps a career certification
    elif kind == "recert":
        t1 = add_months(D, -r.choice([2, 7, 9, 14]))
        t2 = add_days(t1, r.choice([0, 1, 30, 60, 200]))
        t3 = r.choice([None, add_days(t2, r.choice([1, 30, 120])), D, add_days(D, -1)])
        staff(any_)
        pid = p.person(emp="full-time")
        p.fact("credential", pid, net, g.past(), expires=t1)
        p.fact("credential", pid, r.choice(NETWORKING), t2, expires=t3)
    elif kind == "never":
        staff(net, hired=r.choice([None, g.past()]))
        if r.random() < 0.5:
            staff(any_, hired=r.choice([D, add_days(D, 1)]), left=r.choice([None]))
    elif kind == "design_only":
        staff(r.choice(DESIGN))
        lose(r.choice(DESIGN) if r.random() < 0.5 else net, t_loss())
    elif kind == "part_time":
        staff(net)
        staff(any_, emp=r.choice(["part-time", "contractor"]))
        if r.random() < 0.5:
            lose(any_, t_loss())


def sc_service_support(p):
    g, r, D = p.g, p.r, p.g.D
    good = r.random() < 0.5
    for kinds in (["resale", "icpa"], ["partner-support"]):
        for _ in range(r.choice([1, 1, 2]) if good else r.choice([0, 1, 1, 2])):
            s, e = g.window(0.9 if good else 0.4)
            p.fact("agreement", r.choice(kinds), s, expires=e)
    for kind in SERVICES:
        if not good and r.random() < 0.15:
            continue
        since = None
        if r.random() < 0.4:
            since = r.choice([g.past(), D, add_days(D, -1)] if good else
                             [D, add_days(D, 1), add_days(D, -1), g.near()])
        p.fact("service", kind, since=since)


def sc_terms(p):
    g, r = p.g, p.r
    if r.random() < 0.9:
        s, e = g.window(0.6)
        p.fact("agreement", "terms-and-conditions", s, expires=e)


def sc_countries(p):
    r = p.r
    n = r.choice([0, 1, 2, 2, 3])
    if n == 0:
        return
    groups = list(GROUPINGS)
    main = r.choice(groups)
    for _ in range(n):
        grp = main if r.random() < 0.75 else r.choice(groups)
        p.fact("country", r.choice(GROUPINGS[grp]), grp)


def sc_csat(p):
    g, r, D = p.g, p.r, p.g.D
    for y in sorted({D.year, D.year - 1, r.choice([D.year - 2, D.year])}):
        if r.random() < 0.25:
            continue
        total = r.choice([8, 9, 10, 10, 11, 12, 0])
        parts = r.choice([1, 2, 3, 4])
        cuts = sorted(r.randint(0, total) for _ in range(parts - 1))
        counts = [b - a for a, b in zip([0] + cuts, cuts + [total])]
        for c in counts:
            day = r.choice([Date(y, 1, 1), Date(y, 1, 31), Date(y, 1, r.randint(2, 30)),
                            Date(y, 1, 15)])
            if r.random() < 0.08:
                day = r.choice([Date(y - 1, 12, 31), Date(y, 2, 1)])
            p.fact("csat-contacts", day, c)


def sc_low_scores(p):
    g, r, D = p.g, p.r, p.g.D
    for _ in range(r.choice([1, 1, 2, 3, 4])):
        y = r.choice([D.year, D.year - 1, D.year - 1, D.year - 2])
        rec = r.choice([Date(y - 1, 8, 1), Date(y - 1, 7, 31), Date(y, 7, 31), Date(y, 8, 1),
                        Date(y, 1, r.randint(1, 31)), Date(y - 1, 12, 31), D, add_days(D, 1)])
        sid = p.low_score(rec)
        for _ in range(r.choice([0, 1, 1, 1, 2])):
            ent = r.choice([rec, add_days(rec, -1), add_days(rec, 1), Date(y, 7, 31),
                            Date(y, 8, 1), Date(rec.year, 7, 31), Date(rec.year + 1, 7, 31),
                            add_days(D, 1), D])
            p.fact("follow-up", sid, ent)


def make_partner(g, n):
    r = g.r
    name = None
    if r.random() < 0.7:
        name = Str(r.choice(["Acme Networks", "Büro \"Netz\" GmbH", "Back\\slash Ltd",
                             "Tab\tCo", "Hash # Inc", "Partner %d" % n]))
    p = Partner(g, "p%06d" % n, name)
    if r.random() < 0.1:
        p.lines.append("  # %s" % r.choice(["express-uc scenario", "get-well", "edge"]))
    if r.random() < 0.02:
        return p.text()  # a partner with no facts at all
    am = sc_account_managers(p) if r.random() < 0.8 else []
    se = sc_system_engineers(p) if r.random() < 0.8 else []
    if r.random() < 0.6:
        sc_role_sharing(p, am, se)
    sc_specializations(p)
    if r.random() < 0.6:
        sc_noncompliance(p)
    sc_premier_cert(p)
    if r.random() < 0.85:
        sc_certified_roles(p)
    if r.random() < 0.3:
        sc_certified_roles(p)  # a second, independent staff group
    sc_service_support(p)
    sc_terms(p)
    sc_countries(p)
    if r.random() < 0.7:
        sc_csat(p)
    if r.random() < 0.6:
        sc_low_scores(p)
    # Facts in any order within the block (persons may be referenced before
    # their declaration): shuffle a little, keeping most blocks readable.
    if r.random() < 0.3:
        r.shuffle(p.lines)
    return p.text()


def main():
    ap = argparse.ArgumentParser(description="Generate edge-case facts-v1 files.")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--as-of", dest="as_of")
    ap.add_argument("--crlf", action="store_true", help="end lines in CRLF")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.as_of:
        y, m, d = args.as_of.split("-")
        D = Date(int(y), int(m), int(d))
    else:
        k = rng.random()
        if k < 0.4:
            s = rng.choice(EXPRESS_ERA)
            D = Date(*map(int, s.split("-")))
        elif k < 0.8:
            s = rng.choice(PREMIER_ERA)
            D = Date(*map(int, s.split("-")))
        elif k < 0.9:
            D = add_days(Date(2007, 1, 1), rng.randint(0, 3 * 365))
        else:
            D = add_days(Date(2019, 1, 1), rng.randint(0, 5 * 365))
    g = Gen(rng, D)
    out = ["# generated by gen.py --seed %d --count %d" % (args.seed, args.count),
           "as-of %s" % D.isoformat(), ""]
    for n in range(1, args.count + 1):
        out.append(make_partner(g, n))
        out.append("")
    nl = "\r\n" if args.crlf else "\n"
    sys.stdout.buffer.write(nl.join(out).encode("utf-8"))


if __name__ == "__main__":
    main()
