/* gen -- writes a realistic, valid facts-v1 file for benchmarks and tests.
 *
 *   gen --partners N [--seed S] [--as-of YYYY-MM-DD] [--first K] > partners.facts
 *
 * One `as-of` line (default 2021-10-01), then N partner blocks p0000001 ...
 * (numbered from K, default 1), `partner` lines in column 1 and facts indented
 * by two spaces, a blank line between blocks.  The text "partner " appears
 * nowhere else (not in names, not in comments), so that GNU parallel's
 * `--pipe --recstart 'partner '` (whose --recend is then empty) cuts the file
 * only at block starts (tests/shard.sh).  Every date is placed relative to
 * the evaluation date D, so the mix of verdicts holds for any --as-of.
 *
 * Each partner follows a profile drawn at random:
 *   ~22%  clean: meets every rule of express_uc and premier_integrator;
 *   ~50%  one or two defects (an account manager's prerequisite missing, an
 *         expired specialist credential, role sharing over the limits, a
 *         second unified-communications specialization, a late non-compliance
 *         notice, no valid specialization, one career-certified person short,
 *         a missing service or agreement, a January with too few satisfaction
 *         contacts or a low score without follow-up, mixed country groupings,
 *         lapsed terms and conditions);
 *   ~15%  in grace: the Get Well Plan (a certified person lost less than six
 *         months ago) or an extension granted for an express_uc rule;
 *   ~13%  several defects at once.
 * Around the rule-relevant facts sit the facts a real export carries: 3-30
 * persons (full-time, part-time, contractors, some who left), renewal
 * histories of credentials and agreements, exams, roles in other
 * specializations, services, countries, satisfaction contacts, low scores
 * with follow-ups, resolved non-compliances and the odd comment.
 *
 * Only valid facts: persons declared before use, unique ids, real dates,
 * enumerated words from the vocabulary.  The generator has its own PRNG
 * (splitmix64 seeding xoshiro256**), so the same arguments give the same
 * bytes on every machine.  About 2.5 KB a partner.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t rs[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next64(void) /* xoshiro256** */
{
    uint64_t result = rotl(rs[1] * 5, 7) * 9;
    uint64_t t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return result;
}

static void seed_rng(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rs[i] = splitmix64(&x);
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is below 2^-32). */
static int below(int n) { return (int)(((next64() >> 32) * (uint64_t)n) >> 32); }
/* Uniform in [lo, hi]. */
static int range(int lo, int hi) { return lo + below(hi - lo + 1); }
/* True with probability p. */
static int chance(double p) { return (double)(next64() >> 11) * 0x1.0p-53 < p; }
#define PICK(arr) ((arr)[below((int)(sizeof(arr) / sizeof((arr)[0])))])
#define COUNT(arr) ((int)(sizeof(arr) / sizeof((arr)[0])))

/* ---- dates: days since 1970-01-01 ----------------------------------------- */

#define NONE INT32_MIN /* an absent optional date */

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : md[m - 1];
}

/* Adds n calendar months, keeping the day clamped to the month's end. */
static int add_months(int day, int n)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + n;
    y = total / 12;
    m = total % 12 + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return days_from_civil(y, m, d);
}

static int year_of(int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y;
}

static int parse_date(const char *s, int *out)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return 0;
    *out = days_from_civil(y, m, d);
    return 1;
}

/* ---- output ----------------------------------------------------------------- */

static char obuf[1 << 20];
static size_t olen;

static void flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        exit(1);
    }
    olen = 0;
}

/* Every line is far shorter than this margin; check once a line. */
static void line_room(void)
{
    if (olen > sizeof obuf - 1024)
        flush_out();
}

static void put(const char *s)
{
    size_t n = strlen(s);
    memcpy(obuf + olen, s, n);
    olen += n;
}

static void putch(char c) { obuf[olen++] = c; }

static void put_uint(unsigned long v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        obuf[olen++] = tmp[--n];
}

static void put_date(int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    char *p = obuf + olen;
    p[0] = (char)('0' + y / 1000 % 10);
    p[1] = (char)('0' + y / 100 % 10);
    p[2] = (char)('0' + y / 10 % 10);
    p[3] = (char)('0' + y % 10);
    p[4] = '-';
    p[5] = (char)('0' + m / 10);
    p[6] = (char)('0' + m % 10);
    p[7] = '-';
    p[8] = (char)('0' + d / 10);
    p[9] = (char)('0' + d % 10);
    olen += 10;
}

static void put_named_date(const char *key, int day)
{
    if (day == NONE)
        return;
    putch(' ');
    put(key);
    putch('=');
    put_date(day);
}

/* ---- vocabulary -------------------------------------------------------------- */

enum { FULL_TIME, PART_TIME, CONTRACTOR };
static const char *const EMPLOYMENT[] = {"full-time", "part-time", "contractor"};
enum { AM, SE, FE };
static const char *const ROLE[] = {"AM", "SE", "FE"};

static const char *const NETWORKING[] = {"CCNA", "CCNP", "CCIE"};
static const char *const CAREER[] = {"CCNA", "CCNP", "CCIE", "CCDA", "CCDP", "CCDE", "CCAr"};
static const char *const OTHER_CERTS[] = {"CCSP", "CCVP", "CCSI", "CCNA-Security", "CCNA-Voice",
                                          "CCNA-Wireless", "CCIP", "CQS-UC", "ITIL", "PMP"};
static const char *const OTHER_EXAMS[] = {"640-802", "640-816", "642-902", "642-813", "642-832",
                                          "642-436", "642-444", "642-445", "642-425", "642-642",
                                          "350-001", "350-030", "640-460", "642-611", "646-205",
                                          "646-206", "646-223", "642-072", "640-863", "642-873"};
/* Specializations that do not touch single_technology. */
static const char *const OTHER_SPECS[] = {"security", "wireless", "routing-switching",
                                          "data-center", "smb", "vpn-firewall", "crm-express",
                                          "collaboration", "storage", "video"};
/* Role designations outside express-uc that count for role_sharing. */
static const char *const SHARED_SPECS[] = {"security", "wireless", "routing-switching",
                                           "data-center", "advanced-uc", "collaboration",
                                           "storage", "video"};
static const char *const EXEMPT_SPECS[] = {"smb", "crm-express", "vpn-firewall"};
static const char *const SERVICES[] = {"customer-service-8x5", "one-hour-callback",
                                       "pre-sales-support", "post-sales-support"};
static const char *const XUC_RULES[] = {"account_manager", "system_engineer", "role_sharing",
                                        "single_technology", "compliance_notice"};
static const char *const PI_RULES[] = {"specialization", "certified_roles", "service_support",
                                       "customer_satisfaction", "country_grouping", "terms"};

struct grouping {
    const char *name;
    int n;
    const char *codes[12];
};
static const struct grouping GROUPINGS[] = {
    {"us-canada", 2, {"US", "CA"}},
    {"emear", 12, {"DE", "FR", "GB", "NL", "IT", "ES", "SE", "PL", "CH", "BE", "AT", "IE"}},
    {"apjc", 8, {"JP", "AU", "SG", "IN", "KR", "NZ", "HK", "MY"}},
    {"latam", 6, {"BR", "MX", "AR", "CL", "CO", "PE"}},
};

struct name {
    const char *shown; /* in the quoted name */
    const char *id;    /* in the person id */
};
static const struct name FIRST[] = {
    {"Ann", "ann"},       {"Ben", "ben"},        {"Carla", "carla"},     {"Dev", "dev"},
    {"Elena", "elena"},   {"Farid", "farid"},    {"Grace", "grace"},     {"Hiro", "hiro"},
    {"Ines", "ines"},     {"Jonas", "jonas"},    {"Kofi", "kofi"},       {"Lena", "lena"},
    {"Marco", "marco"},   {"Nadia", "nadia"},    {"Omar", "omar"},       {"Priya", "priya"},
    {"Quentin", "quentin"}, {"Rosa", "rosa"},    {"Sven", "sven"},       {"Tomasz", "tomasz"},
    {"Uma", "uma"},       {"Victor", "victor"},  {"Wei", "wei"},         {"Ximena", "ximena"},
    {"Yusuf", "yusuf"},   {"Zoë", "zoe"},        {"Aoife", "aoife"},     {"Björn", "bjorn"},
    {"Chloé", "chloe"},   {"Diego", "diego"},    {"Emma", "emma"},       {"Felix", "felix"},
    {"Hannah", "hannah"}, {"Ivan", "ivan"},      {"José", "jose"},       {"Kenji", "kenji"},
    {"Lucía", "lucia"},   {"Mei", "mei"},        {"Noah", "noah"},       {"Olga", "olga"}};
static const struct name LAST[] = {
    {"Lee", "lee"},         {"Garcia", "garcia"},   {"Müller", "muller"},    {"Smith", "smith"},
    {"Nguyen", "nguyen"},   {"Rossi", "rossi"},     {"Kowalski", "kowalski"}, {"Tanaka", "tanaka"},
    {"Okafor", "okafor"},   {"Silva", "silva"},     {"Dubois", "dubois"},    {"Jensen", "jensen"},
    {"Patel", "patel"},     {"Kim", "kim"},         {"O'Brien", "obrien"},   {"Novak", "novak"},
    {"Haddad", "haddad"},   {"Larsen", "larsen"},   {"Moreau", "moreau"},    {"Fischer", "fischer"},
    {"Santos", "santos"},   {"Ivanova", "ivanova"}, {"Chen", "chen"},        {"Wang", "wang"},
    {"Schmidt", "schmidt"}, {"Brown", "brown"},     {"Costa", "costa"},      {"Yilmaz", "yilmaz"},
    {"Andersson", "andersson"}, {"Walsh", "walsh"}, {"Bauer", "bauer"},      {"Sato", "sato"}};

static const char *const CO_A[] = {"Acme", "Northwind", "Contoso", "Fabrikam", "Tailspin",
                                   "Litware", "Proseware", "Adatum", "Wingtip", "Woodgrove",
                                   "Alpine", "Blue Yonder", "Coho", "Fourth Coffee", "Humongous",
                                   "Lucerne", "Trey", "Wide World", "Graphic", "Southridge",
                                   "Baltic", "Meridian", "Summit", "Harbor", "Pinnacle",
                                   "Cedar", "Atlas", "Vertex", "Nordic", "Sierra"};
static const char *const CO_B[] = {"Networks", "Systems", "Communications", "Telecom",
                                   "Solutions", "Integration", "IT Services", "Technologies",
                                   "Data", "Voice & Data", "Unified Comms", "Connect"};
static const char *const CO_C[] = {"", "", "", " Ltd", " Inc.", " GmbH", " S.A.", " B.V.",
                                   " AB", " Pty Ltd", " K.K.", " S.r.l.", " LLC"};

/* ---- one partner's facts ------------------------------------------------------- */

#define MAXP 32
#define MAXF 256

struct person {
    char id[40];
    char name[64];
    int emp, hired, left;
};
struct cred {
    int person;
    const char *cert;
    int attained, expires;
};
struct exam {
    int person;
    const char *number;
    int passed;
};
struct role {
    int person, role;
    const char *spec;
};
struct dated { /* specialization, certification, agreement */
    const char *name;
    int start, end;
};
struct service {
    const char *kind;
    int since;
};
struct country {
    const char *code, *grouping;
};
struct csat {
    int submitted, count;
};
struct lowscore {
    int received;
    int nfollow;
    int follow[2];
};
struct noncomp {
    const char *topic;
    int aware, notified, ext, resolved;
};

static struct {
    int np;
    struct person p[MAXP];
    int nc;
    struct cred c[MAXF];
    int ne;
    struct exam e[MAXF];
    int nr;
    struct role r[MAXF];
    int ns;
    struct dated spec[16];
    int ncert;
    struct dated cert[4];
    int na;
    struct dated agr[32];
    int nsv;
    struct service sv[8];
    int nco;
    struct country co[8];
    int ncs;
    struct csat cs[16];
    int nls;
    struct lowscore ls[12];
    int nnc;
    struct noncomp ncomp[6];
} P;

static int D;              /* the evaluation date */
static int RETIRE_646_203; /* 2008-05-24 */

static void add_cred(int person, const char *cert, int attained, int expires)
{
    if (P.nc < MAXF)
        P.c[P.nc++] = (struct cred){person, cert, attained, expires};
}

static void add_exam(int person, const char *number, int passed)
{
    if (P.ne < MAXF)
        P.e[P.ne++] = (struct exam){person, number, passed};
}

static void add_role(int person, int role, const char *spec)
{
    for (int i = 0; i < P.nr; i++)
        if (P.r[i].person == person && P.r[i].role == role && strcmp(P.r[i].spec, spec) == 0)
            return;
    if (P.nr < MAXF)
        P.r[P.nr++] = (struct role){person, role, spec};
}

static void add_dated(struct dated *arr, int *n, int cap, const char *name, int start, int end)
{
    if (*n < cap)
        arr[(*n)++] = (struct dated){name, start, end};
}
#define ADD_SPEC(name, s, e) add_dated(P.spec, &P.ns, COUNT(P.spec), name, s, e)
#define ADD_CERT(name, s, e) add_dated(P.cert, &P.ncert, COUNT(P.cert), name, s, e)
#define ADD_AGR(name, s, e) add_dated(P.agr, &P.na, COUNT(P.agr), name, s, e)

static int add_person(int emp, int hired, int left)
{
    struct person *p = &P.p[P.np];
    const struct name *f, *l;
    for (int tries = 0;; tries++) {
        f = &PICK(FIRST);
        l = &PICK(LAST);
        snprintf(p->id, sizeof p->id, "%s.%s", f->id, l->id);
        if (tries >= 8)
            snprintf(p->id, sizeof p->id, "%s.%s%d", f->id, l->id, P.np + 1);
        int dup = 0;
        for (int i = 0; i < P.np; i++)
            dup |= strcmp(P.p[i].id, p->id) == 0;
        if (!dup)
            break;
    }
    if (chance(0.85))
        snprintf(p->name, sizeof p->name, "%s %s", f->shown, l->shown);
    else
        p->name[0] = 0;
    p->emp = emp;
    p->hired = hired;
    p->left = left;
    return P.np++;
}

/* A date some time before D. */
static int past(int lo, int hi) { return D - range(lo, hi); }

/* A credential of `person` valid on D, with its renewal history: renewed
 * every `months` months (0: never expires). */
static void valid_cred(int person, const char *cert, int oldest, int months)
{
    int start = past(30, oldest);
    if (months == 0) {
        add_cred(person, cert, start, NONE);
        return;
    }
    int end = add_months(start, months);
    while (end <= D) { /* history: the lapsed periods, then the current one */
        if (chance(0.5))
            add_cred(person, cert, start, end);
        start = end - range(0, 20);
        end = add_months(start, months);
    }
    add_cred(person, cert, start, end);
}

/* A credential that lapsed on `end` (before or on D). */
static void lapsed_cred(int person, const char *cert, int end)
{
    add_cred(person, cert, add_months(end, -PICK(((const int[]){24, 36, 36}))), end);
}

/* A partner-level thing valid on D, renewed every `months` (0: open). */
static void valid_dated(struct dated *arr, int *n, int cap, const char *name, int oldest,
                        int months)
{
    int start = past(30, oldest);
    if (months == 0) {
        add_dated(arr, n, cap, name, start, NONE);
        return;
    }
    int end = add_months(start, months);
    while (end <= D) {
        if (chance(0.6))
            add_dated(arr, n, cap, name, start, end);
        start = end;
        end = add_months(start, months);
    }
    add_dated(arr, n, cap, name, start, end);
}

/* ---- profiles --------------------------------------------------------------------- */

enum defect {
    X_AM,          /* account_manager */
    X_SE,          /* system_engineer */
    X_ROLESHARE,   /* role_sharing */
    X_SINGLETECH,  /* single_technology */
    X_NOTICE,      /* compliance_notice */
    X_SPEC,        /* specialization */
    X_CERTROLES,   /* certified_roles */
    X_SERVICE,     /* service_support */
    X_CSAT,        /* customer_satisfaction */
    X_COUNTRY,     /* country_grouping */
    X_TERMS,       /* terms */
    NDEFECT
};
/* How often each defect is drawn, relative. */
static const int DEFECT_WEIGHT[NDEFECT] = {14, 10, 8, 6, 7, 4, 12, 12, 12, 7, 8};

enum grace { G_NONE, G_GETWELL, G_EXTENSION };

/* The last January (of year Y) due on D: Y-02-01 <= D. */
static int last_due_january_year(void)
{
    int y = year_of(D);
    return D >= days_from_civil(y, 2, 1) ? y : y - 1;
}
/* The last July (of year Y) due on D: Y-08-01 <= D. */
static int last_due_july_year(void)
{
    int y = year_of(D);
    return D >= days_from_civil(y, 8, 1) ? y : y - 1;
}

static void make_partner(void)
{
    P.np = P.nc = P.ne = P.nr = P.ns = P.ncert = P.na = P.nsv = P.nco = P.ncs = P.nls = P.nnc = 0;

    /* ---- the profile */
    int defect[NDEFECT] = {0};
    enum grace grace = G_NONE;
    int ndef = 0;
    double k = (double)(next64() >> 11) * 0x1.0p-53;
    if (k < 0.22)
        ndef = 0;
    else if (k < 0.72)
        ndef = chance(0.6) ? 1 : 2;
    else if (k < 0.87)
        grace = chance(0.5) ? G_GETWELL : G_EXTENSION;
    else
        ndef = range(3, 5);
    int wsum = 0;
    for (int i = 0; i < NDEFECT; i++)
        wsum += DEFECT_WEIGHT[i];
    for (int got = 0; got < ndef;) {
        int w = below(wsum), i = 0;
        while (w >= DEFECT_WEIGHT[i])
            w -= DEFECT_WEIGHT[i++];
        if (!defect[i]) {
            defect[i] = 1;
            got++;
        }
    }
    /* The extension grace: an express_uc rule not met, an extension for it. */
    const char *extended = NULL;
    if (grace == G_EXTENSION) {
        int which = below(3);
        extended = which == 0 ? "account_manager" : which == 1 ? "system_engineer" : "single_technology";
        defect[which == 0 ? X_AM : which == 1 ? X_SE : X_SINGLETECH] = 1;
        defect[X_NOTICE] = 0; /* the extension needs a timely notice */
    }
    if (grace == G_GETWELL)
        defect[X_CERTROLES] = 0;
    if (defect[X_SINGLETECH]) /* advanced-uc is a valid specialization */
        defect[X_SPEC] = 0;
    /* Career certifications are placed with care when certified_roles is at stake. */
    int careful = grace == G_GETWELL || defect[X_CERTROLES];
    int premier = chance(0.75) || grace == G_GETWELL || defect[X_CSAT];

    /* ---- persons: the ones the rules look at first, then the rest */
    int size = below(100); /* 60% small, 30% medium, 10% large */
    int n = size < 60 ? range(3, 8) : size < 90 ? range(9, 16) : range(17, 30);
    int npersons = careful && n < 4 ? 4 : n; /* c2 apart from the system engineer */
    int am = add_person(FULL_TIME, chance(0.7) ? past(200, 5000) : NONE, NONE);
    int se_emp = chance(0.9) ? FULL_TIME : CONTRACTOR;
    int se = add_person(se_emp, chance(0.7) ? past(200, 5000) : NONE, NONE);
    int c1 = add_person(FULL_TIME, chance(0.7) ? past(400, 5000) : NONE, NONE);
    while (P.np < npersons) {
        int r = below(100);
        int emp = r < 70 ? FULL_TIME : r < 85 ? PART_TIME : CONTRACTOR;
        int hired = chance(0.75) ? past(-60, 5000) : NONE; /* a few hired after D */
        int left = NONE;
        if (chance(0.1)) {
            int h = hired == NONE ? past(2000, 6000) : hired;
            left = h + range(30, 3000);
            if (left > D + 200)
                left = D - range(1, 200);
            if (left <= h)
                left = h + 1;
        }
        add_person(emp, hired, left);
    }
    /* The second career-certified person, c2, is one of the others. */
    int c2 = P.np > 3 ? 3 + below(P.np - 3) : se;
    if (!careful) {
        if (chance(0.5))
            c2 = se; /* often the system engineer holds the second certification */
        P.p[c2].emp = FULL_TIME;
        P.p[c2].left = NONE;
        if (P.p[c2].hired != NONE && P.p[c2].hired > D)
            P.p[c2].hired = past(100, 3000);
    }

    /* ---- express_uc: account manager */
    int am_exam_date = past(60, 4000);
    if (defect[X_AM]) {
        switch (below(4)) {
        case 0: /* the prerequisite is the retired exam only */
            if (D >= RETIRE_646_203)
                add_exam(am, "646-203", RETIRE_646_203 - range(30, 400));
            break;
        case 1: /* the sales specialist credential lapsed */
            add_exam(am, "646-204", am_exam_date);
            lapsed_cred(am, "ipc-express-sales-specialist", D - range(0, 400));
            break;
        case 2: /* the account manager left */
            add_exam(am, "646-204", am_exam_date);
            valid_cred(am, "ipc-express-sales-specialist", 1500, 36);
            P.p[am].left = D - range(0, 300);
            if (P.p[am].hired != NONE && P.p[am].hired >= P.p[am].left)
                P.p[am].hired = P.p[am].left - range(100, 2000);
            break;
        default: /* the credential is there, the exam is not */
            valid_cred(am, "ipc-express-sales-specialist", 1500, 36);
            break;
        }
    } else {
        add_exam(am, "646-204", am_exam_date);
        if (chance(0.2) && D >= RETIRE_646_203)
            add_exam(am, "646-203", RETIRE_646_203 - range(30, 600));
        valid_cred(am, "ipc-express-sales-specialist", 2000, chance(0.5) ? 36 : 0);
    }
    add_role(am, AM, "express-uc");

    /* ---- express_uc: system engineer */
    int se_designated = 1;
    if (defect[X_SE]) {
        switch (below(3)) {
        case 0:
            lapsed_cred(se, "ipc-express-specialist", D - range(0, 400));
            add_role(se, SE, "express-uc");
            break;
        case 1: /* the wrong credential */
            valid_cred(se, "ipc-express-sales-specialist", 1500, 36);
            add_role(se, SE, "express-uc");
            break;
        default: /* nobody designated */
            valid_cred(se, "ipc-express-specialist", 1500, 36);
            se_designated = 0;
            break;
        }
    } else {
        valid_cred(se, "ipc-express-specialist", 2000, chance(0.5) ? 36 : 0);
        add_role(se, SE, "express-uc");
    }
    int fe = -1;
    if (chance(0.4) && P.np > 3) { /* a field engineer */
        fe = 3 + below(P.np - 3);
        add_role(fe, FE, "express-uc");
        if (chance(0.5))
            add_role(fe, FE, PICK(SHARED_SPECS));
    }

    /* ---- role sharing: designations outside express-uc */
    if (chance(0.6))
        add_role(am, AM, PICK(SHARED_SPECS));
    if (chance(0.4))
        add_role(am, AM, PICK(SHARED_SPECS));
    if (chance(0.4))
        add_role(se, SE, PICK(SHARED_SPECS));
    for (int i = 0, m = below(3); i < m; i++) { /* exempt: any role, any number */
        int who = chance(0.5) ? am : se;
        int role = below(3);
        add_role(who, role, PICK(EXEMPT_SPECS));
    }
    if (defect[X_ROLESHARE]) {
        switch (se_designated ? below(3) : 0) {
        case 0: /* cross-population */
            add_role(am, SE, PICK(SHARED_SPECS));
            break;
        case 1: /* SE in three specializations */
            add_role(se, SE, "security");
            add_role(se, SE, "wireless");
            add_role(se, SE, "data-center");
            break;
        default: /* AM in five */
            add_role(am, AM, "security");
            add_role(am, AM, "wireless");
            add_role(am, AM, "routing-switching");
            add_role(am, AM, "collaboration");
            break;
        }
    }
    for (int i = 3; i < P.np; i++) /* others: anything goes */
        if (i != fe && chance(0.25)) {
            int role = below(3);
            add_role(i, role, PICK(OTHER_SPECS));
        }

    /* ---- career certifications (premier_integrator certified_roles) */
    int lost = NONE; /* the day c2 stopped counting, for the grace and defect cases */
    if (grace == G_GETWELL) {
        lost = D - range(5, 170); /* less than six months ago */
    } else if (defect[X_CERTROLES]) {
        lost = D - range(200, 1500); /* long ago, or never had it */
    }
    const char *cert = PICK(NETWORKING);
    if (lost == NONE)
        valid_cred(c1, cert, 3000, chance(0.6) ? 36 : 0);
    else /* certified without a break since before c2 was lost */
        add_cred(c1, cert, lost - range(100, 1500), NONE);
    cert = PICK(CAREER);
    if (lost == NONE) {
        valid_cred(c2, cert, 3000, chance(0.6) ? 36 : 0);
    } else if (defect[X_CERTROLES] && chance(0.25)) {
        /* c2 is certified, but a contractor / part-timer */
        valid_cred(c2, cert, 3000, 36);
        P.p[c2].emp = chance(0.5) ? CONTRACTOR : PART_TIME;
        P.p[c2].left = NONE;
    } else if (chance(0.5)) {
        /* c2's certification lapsed */
        lapsed_cred(c2, cert, lost);
        if (P.p[c2].hired != NONE && P.p[c2].hired > lost - 800)
            P.p[c2].hired = lost - range(800, 2000);
        P.p[c2].emp = FULL_TIME;
        P.p[c2].left = NONE;
    } else {
        /* c2 left the company */
        add_cred(c2, cert, lost - range(400, 2000), NONE);
        P.p[c2].emp = FULL_TIME;
        P.p[c2].left = lost;
        if (P.p[c2].hired == NONE || P.p[c2].hired > lost - 800)
            P.p[c2].hired = lost - range(800, 2000);
    }
    if (lost != NONE && P.p[c1].hired != NONE && P.p[c1].hired > lost - 600)
        P.p[c1].hired = lost - range(600, 3000);
    /* Other staff: a third of them hold career certifications.  When
     * certified_roles is at stake only persons that do not count as full-time
     * get valid ones. */
    for (int i = 0; i < P.np; i++) {
        if (i == c1 || i == c2 || !chance(0.3))
            continue;
        int ft = P.p[i].emp == FULL_TIME;
        cert = PICK(CAREER);
        if (careful && ft) {
            if (lost != NONE && chance(0.5)) /* lapsed before c2 got certified */
                lapsed_cred(i, cert, lost - range(2500, 3500));
            continue;
        }
        if (P.p[i].left != NONE && P.p[i].left <= D) { /* gone: it lapsed since */
            int e = P.p[i].left + range(30, 900);
            lapsed_cred(i, cert, e < D ? e : D);
        } else if (chance(0.75))
            valid_cred(i, cert, 4000, chance(0.6) ? 36 : 0);
        else
            lapsed_cred(i, cert, D - range(1, 1500));
    }

    /* ---- other credentials and exams of the staff */
    for (int i = 0; i < P.np; i++) {
        if (chance(0.25)) {
            cert = PICK(OTHER_CERTS);
            int a = past(100, 4000);
            add_cred(i, cert, a, chance(0.5) ? a + range(300, 1500) : NONE);
        }
        for (int j = 0, m = chance(0.4) ? 1 + chance(0.25) : 0; j < m; j++) {
            const char *num = PICK(OTHER_EXAMS);
            add_exam(i, num, past(30, 4500));
        }
        if (i >= 3 && chance(0.08)) /* a specialist with no role */
            valid_cred(i, chance(0.5) ? "ipc-express-specialist" : "ipc-express-sales-specialist", 1500, 36);
    }

    /* ---- specializations */
    if (defect[X_SPEC]) {
        int e = D - range(0, 300);
        ADD_SPEC("express-uc", e - range(500, 2000), e);
        if (chance(0.5)) {
            const char *o = PICK(OTHER_SPECS);
            e = D - range(0, 600);
            ADD_SPEC(o, e - range(400, 2000), e);
        }
    } else {
        int xa = past(60, 3000);
        int ia = xa - range(400, 1500);
        if (chance(0.2)) /* ipc-express, superseded: lapsed before express-uc was attained */
            ADD_SPEC("ipc-express", ia, xa - below(300));
        else if (chance(0.06)) /* still valid when express-uc was attained: a notice */
            ADD_SPEC("ipc-express", ia, xa + range(1, 200));
        ADD_SPEC("express-uc", xa, chance(0.5) ? NONE : add_months(D, range(1, 24)));
        for (int i = 0, m = below(4); i < m; i++) {
            const char *s = PICK(OTHER_SPECS);
            int dup = 0;
            for (int j = 0; j < P.ns; j++)
                dup |= strcmp(P.spec[j].name, s) == 0;
            int a = past(60, 3000);
            if (!dup)
                ADD_SPEC(s, a, chance(0.6) ? NONE : add_months(D, range(1, 24)));
        }
        if (chance(0.05)) { /* an advanced-uc that lapsed: no longer conflicts */
            int e = D - range(1, 700);
            ADD_SPEC("advanced-uc", e - range(400, 1500), e);
        }
    }
    if (defect[X_SINGLETECH]) {
        const char *uc = chance(0.8) ? "advanced-uc" : "master-uc";
        ADD_SPEC(uc, past(30, 1500), NONE);
    }

    /* ---- premier-integrator certification */
    int jan = last_due_january_year();
    int jul = last_due_july_year();
    int pa = NONE; /* attained */
    if (premier) {
        if (defect[X_CSAT]) /* the last due January and July apply */
            pa = add_months(days_from_civil(jan < jul ? jan : jul, 1, 1), -12) - range(0, 1500);
        else
            pa = past(60, 3000);
        if (chance(0.5))
            ADD_CERT("premier-integrator", pa, NONE);
        else { /* renewed every two years, kept valid */
            int s = pa, e = add_months(pa, 24);
            while (e <= D) {
                e = add_months(e, 24);
            }
            ADD_CERT("premier-integrator", s, e);
        }
    } else if (chance(0.2)) { /* once held, lapsed */
        int s = past(1500, 3000);
        ADD_CERT("premier-integrator", s, add_months(s, 24) < D ? add_months(s, 24) : D);
    }

    /* ---- agreements and services */
    {
        int which = below(3); /* resale, icpa or both */
        int lose = defect[X_SERVICE] ? below(4) : -1; /* 0 reseller, 1 support, 2 a service, 3 since */
        if (lose == 0) {
            int e = D - range(0, 400);
            ADD_AGR(which == 1 ? "icpa" : "resale", add_months(e, -36), e);
        } else {
            if (which != 1)
                valid_dated(P.agr, &P.na, COUNT(P.agr), "resale", 4000, chance(0.5) ? 0 : 36);
            if (which != 0)
                valid_dated(P.agr, &P.na, COUNT(P.agr), "icpa", 4000, chance(0.5) ? 0 : 36);
        }
        if (lose == 1) {
            int e = D - range(0, 400);
            ADD_AGR("partner-support", add_months(e, -12), e);
        } else {
            valid_dated(P.agr, &P.na, COUNT(P.agr), "partner-support", 2500, chance(0.3) ? 0 : 12);
        }
        if (defect[X_TERMS]) {
            if (chance(0.7)) {
                int e = D - range(0, 500);
                ADD_AGR("terms-and-conditions", add_months(e, -12), e);
            }
        } else {
            valid_dated(P.agr, &P.na, COUNT(P.agr), "terms-and-conditions", 1500, chance(0.5) ? 12 : 0);
        }
        int missing = lose == 2 ? below(4) : -1;
        int late = lose == 3 ? below(4) : -1;
        for (int i = 0; i < 4; i++) {
            if (i == missing)
                continue;
            int since = i == late ? D + range(1, 90) : chance(0.4) ? past(30, 3000) : NONE;
            P.sv[P.nsv++] = (struct service){SERVICES[i], since};
        }
    }

    /* ---- countries */
    {
        const struct grouping *g = &GROUPINGS[below(100) < 35 ? 1 : below(COUNT(GROUPINGS))];
        int m = defect[X_COUNTRY] ? range(2, 4) : range(1, 3);
        int start = below(g->n);
        for (int i = 0; i < m && i < g->n; i++)
            P.co[P.nco++] = (struct country){g->codes[(start + i) % g->n], g->name};
        if (defect[X_COUNTRY]) {
            const struct grouping *h = g;
            while (h == g)
                h = &PICK(GROUPINGS);
            P.co[P.nco - 1] = (struct country){h->codes[below(h->n)], h->name};
        }
    }

    /* ---- customer satisfaction: contacts in Januaries, low scores */
    if (premier || chance(0.3)) {
        int from = pa == NONE ? jan - 2 : year_of(pa);
        if (from < jan - 3)
            from = jan - 3;
        /* The defect: too few contacts in the last due January, or a low
         * score of the last due fiscal year without a timely follow-up. */
        int csat_bad = defect[X_CSAT] ? 1 + below(2) : 0;
        for (int y = from; y <= jan; y++) {
            int bad = csat_bad == 1 && y == jan;
            int total = bad ? range(0, 9) : range(10, 80);
            if (bad && total == 0)
                continue; /* none at all */
            int parts = total >= 2 && chance(0.4) ? 2 : 1;
            int first = parts == 2 ? range(1, total - 1) : total;
            P.cs[P.ncs++] = (struct csat){days_from_civil(y, 1, range(2, 31)), first};
            if (parts == 2)
                P.cs[P.ncs++] = (struct csat){days_from_civil(y, 1, range(2, 31)), total - first};
        }
        if (chance(0.1)) { /* off-season, ignored */
            int when = days_from_civil(jan, range(3, 12), 15);
            if (when <= D)
                P.cs[P.ncs++] = (struct csat){when, range(1, 20)};
        }
        /* Low scores of the last due fiscal year, and a few since. */
        int fy0 = days_from_civil(jul - 1, 8, 1), fy1 = days_from_civil(jul, 7, 31);
        int nls = below(4);
        if (csat_bad == 2 && nls == 0)
            nls = 1;
        int orphan = csat_bad == 2 ? below(nls) : -1;
        for (int i = 0; i < nls; i++) {
            struct lowscore *ls = &P.ls[P.nls++];
            ls->received = fy0 + below(fy1 - fy0 + 1);
            ls->nfollow = 0;
            if (i == orphan) {
                if (chance(0.5)) { /* followed up too late */
                    int late = fy1 + range(1, 40);
                    ls->follow[ls->nfollow++] = late <= D ? late : D;
                }
                continue;
            }
            int f = ls->received + range(0, 45);
            if (f > fy1)
                f = fy1;
            ls->follow[ls->nfollow++] = f;
            if (chance(0.3) && f + 5 <= fy1)
                ls->follow[ls->nfollow++] = f + range(1, fy1 - f < 30 ? fy1 - f : 30);
        }
        if (chance(0.3) && fy1 + 1 < D) { /* this fiscal year: may still be open */
            struct lowscore *ls = &P.ls[P.nls++];
            ls->received = fy1 + range(1, D - fy1);
            ls->nfollow = 0;
            if (chance(0.5) && ls->received + 3 <= D)
                ls->follow[ls->nfollow++] = ls->received + range(0, 3);
        }
    }

    /* ---- non-compliance */
    if (grace == G_EXTENSION) {
        int aware = D - range(5, 120);
        int notified = aware + range(0, 30);
        if (notified > D)
            notified = D;
        P.ncomp[P.nnc++] = (struct noncomp){extended, aware, notified, D + range(10, 180), NONE};
    }
    if (defect[X_NOTICE]) {
        int aware = D - range(31, 400);
        int notified = chance(0.5) ? NONE : aware + range(31, 90);
        if (notified != NONE && notified > D)
            notified = NONE;
        const char *topic = chance(0.5) ? PICK(XUC_RULES) : PICK(PI_RULES);
        P.ncomp[P.nnc++] = (struct noncomp){topic, aware, notified, NONE, NONE};
    }
    if (chance(0.12)) { /* an old one, notified in time and resolved */
        int aware = D - range(60, 2000);
        int notified = aware + range(0, 30);
        int resolved = notified + range(1, 50);
        if (resolved > D)
            resolved = D;
        const char *topic = chance(0.5) ? PICK(XUC_RULES) : PICK(PI_RULES);
        P.ncomp[P.nnc++] = (struct noncomp){topic, aware, notified,
                                            chance(0.3) ? notified + 90 : NONE, resolved};
    }
}

/* ---- writing one partner ------------------------------------------------------------ */

static void put_string(const char *s)
{
    putch('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putch('\\');
        putch(*s);
    }
    putch('"');
}

static void begin(const char *kind)
{
    line_room();
    put("  ");
    put(kind);
}

static void end_line(void) { putch('\n'); }

static void write_partner(unsigned long num)
{
    line_room();
    put("partner p");
    char id[24];
    snprintf(id, sizeof id, "%07lu", num);
    put(id);
    if (chance(0.92)) {
        char name[96];
        const char *a = PICK(CO_A);
        const char *b = PICK(CO_B);
        snprintf(name, sizeof name, "%s %s%s", a, b, PICK(CO_C));
        putch(' ');
        put_string(name);
    }
    end_line();
    if (chance(0.05)) {
        begin("# exported from the programme database; reviewed quarterly");
        end_line();
    }

    for (int i = 0; i < P.np; i++) {
        const struct person *p = &P.p[i];
        begin("person ");
        put(p->id);
        putch(' ');
        put(EMPLOYMENT[p->emp]);
        if (p->name[0]) {
            putch(' ');
            put_string(p->name);
        }
        put_named_date("hired", p->hired);
        put_named_date("left", p->left);
        end_line();
        for (int j = 0; j < P.nc; j++) {
            if (P.c[j].person != i)
                continue;
            begin("credential ");
            put(p->id);
            putch(' ');
            put(P.c[j].cert);
            putch(' ');
            put_date(P.c[j].attained);
            put_named_date("expires", P.c[j].expires);
            end_line();
        }
        for (int j = 0; j < P.ne; j++) {
            if (P.e[j].person != i)
                continue;
            begin("exam ");
            put(p->id);
            putch(' ');
            put(P.e[j].number);
            putch(' ');
            put_date(P.e[j].passed);
            end_line();
        }
        for (int j = 0; j < P.nr; j++) {
            if (P.r[j].person != i)
                continue;
            begin("role ");
            put(p->id);
            putch(' ');
            put(ROLE[P.r[j].role]);
            putch(' ');
            put(P.r[j].spec);
            end_line();
        }
    }
    for (int i = 0; i < P.ns; i++) {
        begin("specialization ");
        put(P.spec[i].name);
        putch(' ');
        put_date(P.spec[i].start);
        put_named_date("expires", P.spec[i].end);
        end_line();
    }
    for (int i = 0; i < P.ncert; i++) {
        begin("certification ");
        put(P.cert[i].name);
        putch(' ');
        put_date(P.cert[i].start);
        put_named_date("expires", P.cert[i].end);
        end_line();
    }
    for (int i = 0; i < P.na; i++) {
        begin("agreement ");
        put(P.agr[i].name);
        putch(' ');
        put_date(P.agr[i].start);
        put_named_date("expires", P.agr[i].end);
        end_line();
    }
    for (int i = 0; i < P.nsv; i++) {
        begin("service ");
        put(P.sv[i].kind);
        put_named_date("since", P.sv[i].since);
        end_line();
    }
    for (int i = 0; i < P.nco; i++) {
        begin("country ");
        put(P.co[i].code);
        putch(' ');
        put(P.co[i].grouping);
        end_line();
    }
    for (int i = 0; i < P.ncs; i++) {
        begin("csat-contacts ");
        put_date(P.cs[i].submitted);
        putch(' ');
        put_uint((unsigned long)P.cs[i].count);
        end_line();
    }
    unsigned long sr = 600000000ul + (unsigned long)below(300000000);
    for (int i = 0; i < P.nls; i++) {
        char sid[24];
        sr += 1 + (unsigned long)below(5000); /* increasing: unique in the block */
        snprintf(sid, sizeof sid, "sr%lu", sr);
        begin("low-score ");
        put(sid);
        putch(' ');
        put_date(P.ls[i].received);
        end_line();
        for (int j = 0; j < P.ls[i].nfollow; j++) {
            begin("follow-up ");
            put(sid);
            putch(' ');
            put_date(P.ls[i].follow[j]);
            end_line();
        }
    }
    for (int i = 0; i < P.nnc; i++) {
        const struct noncomp *c = &P.ncomp[i];
        begin("noncompliance ");
        put(c->topic);
        putch(' ');
        put_date(c->aware);
        put_named_date("notified", c->notified);
        put_named_date("extension-until", c->ext);
        put_named_date("resolved", c->resolved);
        end_line();
    }
    putch('\n');
}

/* ---- main --------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: gen --partners N [--seed S] [--as-of YYYY-MM-DD] [--first K]\n"
          "\n"
          "Writes a valid facts-v1 file of N generated partners (ids p0000001 ...,\n"
          "numbered from K) to standard output; the same arguments give the same bytes.\n"
          "  --seed S      PRNG seed (default 1)\n"
          "  --as-of DATE  evaluation date the verdict mix is aimed at (default 2021-10-01)\n",
          f);
}

static int parse_ulong(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return 0;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == 0;
}

int main(int argc, char **argv)
{
    unsigned long long partners = 0, seed = 1, first = 1;
    int have_partners = 0;
    D = days_from_civil(2021, 10, 1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--partners") == 0 && parse_ulong(v, &partners)) {
            have_partners = 1;
            i++;
        } else if (strcmp(a, "--seed") == 0 && parse_ulong(v, &seed)) {
            i++;
        } else if (strcmp(a, "--first") == 0 && parse_ulong(v, &first)) {
            i++;
        } else if (strcmp(a, "--as-of") == 0 && v && parse_date(v, &D)) {
            i++;
        } else if (strcmp(a, "--partners") == 0 || strcmp(a, "--seed") == 0 ||
                   strcmp(a, "--first") == 0 || strcmp(a, "--as-of") == 0) {
            fprintf(stderr, "gen: %s needs a %s, not '%s'\n", a,
                    strcmp(a, "--as-of") == 0 ? "real date YYYY-MM-DD" : "non-negative integer",
                    v ? v : "nothing");
            return 2;
        } else {
            fprintf(stderr, "gen: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!have_partners) {
        usage(stderr);
        return 2;
    }
    if (year_of(D) < 1990 || year_of(D) > 9000) {
        fputs("gen: --as-of must lie between 1990 and 9000\n", stderr);
        return 2;
    }
    RETIRE_646_203 = days_from_civil(2008, 5, 24);
    seed_rng(seed);

    put("# generated by bench/gen --partners ");
    put_uint((unsigned long)partners);
    put(" --seed ");
    put_uint((unsigned long)seed);
    put("\nas-of ");
    put_date(D);
    put("\n\n");
    for (unsigned long long i = 0; i < partners; i++) {
        make_partner();
        write_partner((unsigned long)(first + i));
    }
    flush_out();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
