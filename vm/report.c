/*
 * report.c -- verdict writers: a text report a person reads, and JSON / JSON
 * Lines in the shape of cli.md.  Text values from fact files are valid UTF-8
 * (the fact loader checks), so JSON escaping needs only quotes, backslashes
 * and control characters.
 */
#include <string.h>

#include "date.h"
#include "eval.h"

void svm_buf_put(SvmBuf *b, const char *s, size_t n) {
  if (b->fail) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1) cap *= 2;
    char *ns = svm_arena_grow(b->arena, b->s, b->cap, cap);
    if (!ns) { b->fail = true; return; }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
}

static void put_cstr(SvmBuf *b, const char *s) { svm_buf_put(b, s, strlen(s)); }

void svm_value_text(SvmBuf *b, const SvmProgram *p, const SvmPartner *pa, const SvmValue *v) {
  char tmp[64];
  switch (v->tag) {
  case SVM_T_BOOL: put_cstr(b, v->u.b ? "yes" : "no"); break;
  case SVM_T_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); put_cstr(b, tmp); break;
  case SVM_T_DATE: svm_date_format(v->u.date, tmp); put_cstr(b, tmp); break;
  case SVM_T_DUR: {
    int32_t m = v->u.dur.months, d = v->u.dur.days;
    if (m && m % 12 == 0) snprintf(tmp, sizeof tmp, "%ld year%s", (long)(m / 12), m == 12 ? "" : "s");
    else if (m) snprintf(tmp, sizeof tmp, "%ld month%s", (long)m, m == 1 ? "" : "s");
    else snprintf(tmp, sizeof tmp, "%ld day%s", (long)d, d == 1 ? "" : "s");
    put_cstr(b, tmp);
    if (m && d) {
      snprintf(tmp, sizeof tmp, " %ld day%s", (long)d, d == 1 ? "" : "s");
      put_cstr(b, tmp);
    }
    break;
  }
  case SVM_T_WORD: case SVM_T_TEXT: svm_buf_put(b, v->u.str->s, v->u.str->len); break;
  case SVM_T_SET: case SVM_T_LIST:
    for (uint32_t i = 0; i < v->u.seq->n; i++) {
      if (i) put_cstr(b, ", ");
      svm_value_text(b, p, pa, &v->u.seq->v[i]);
    }
    if (v->u.seq->n == 0) put_cstr(b, "none");
    break;
  case SVM_T_FACT: {
    uint32_t k = v->aux;
    if (k < p->nkinds && v->u.fact >= 0 && v->u.fact < pa->tables[k].n) {
      const SvmKind *kd = &p->kinds[k];
      if (kd->key_field >= 0) {
        svm_value_text(b, p, pa, &svm_fact_row(p, pa, k, (uint32_t)v->u.fact)[kd->key_field]);
      } else {
        snprintf(tmp, sizeof tmp, " (line %u)", pa->tables[k].lines[v->u.fact]);
        put_cstr(b, p->strings[kd->name]->s);
        put_cstr(b, tmp);
      }
    }
    break;
  }
  default: break;
  }
}

/* Runs of bytes that need no escape are written with one fwrite: reports
 * are mostly such runs, and a putc per byte showed in profiles. */
static void json_str(FILE *out, const char *s, size_t n) {
  putc('"', out);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    if (i > run) fwrite(s + run, 1, i - run, out);
    run = i + 1;
    if (c == '"' || c == '\\') { putc('\\', out); putc(c, out); }
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c == '\r') fputs("\\r", out);
    else fprintf(out, "\\u%04x", c);
  }
  if (n > run) fwrite(s + run, 1, n - run, out);
  putc('"', out);
}

static const char *verdict_name(int v) { return v == SVM_MET ? "met" : v == SVM_GRACE ? "grace" : "not_met"; }

static const SvmStr *S(const SvmProgram *p, uint32_t i) { return p->strings[i]; }

static void json_partner(FILE *out, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res) {
  fputs("{\"id\": ", out);
  json_str(out, pa->id->s, pa->id->len);
  fputs(", \"name\": ", out);
  if (pa->name) json_str(out, pa->name->s, pa->name->len);
  else fputs("null", out);
  fputs(", \"modules\": [", out);
  for (uint32_t m = 0; m < p->nmodules; m++) {
    const SvmModule *md = &p->modules[m];
    const SvmModuleResult *mr = &res->modules[m];
    if (m) fputs(", ", out);
    fputs("{\"module\": ", out);
    json_str(out, S(p, md->id)->s, S(p, md->id)->len);
    fputs(", \"title\": ", out);
    json_str(out, S(p, md->title)->s, S(p, md->title)->len);
    fprintf(out, ", \"verdict\": \"%s\", \"rules\": [", verdict_name(mr->verdict));
    for (uint32_t i = 0; i < md->nrules; i++) {
      const SvmRule *r = &p->rules[md->first_rule + i];
      const SvmRuleResult *rr = &res->rules[md->first_rule + i];
      if (i) fputs(", ", out);
      fputs("{\"id\": ", out);
      json_str(out, S(p, r->id)->s, S(p, r->id)->len);
      fputs(", \"title\": ", out);
      json_str(out, S(p, r->title)->s, S(p, r->title)->len);
      fprintf(out, ", \"verdict\": \"%s\"", verdict_name(rr->verdict));
      if (rr->verdict == SVM_GRACE) {
        char d[11];
        svm_date_format(rr->deadline, d);
        fprintf(out, ", \"deadline\": \"%s\"", d);
      }
      fputs(", \"reasons\": [", out);
      for (uint32_t k = 0; k < rr->reasons.n; k++) {
        if (k) fputs(", ", out);
        json_str(out, rr->reasons.v[k].u.str->s, rr->reasons.v[k].u.str->len);
      }
      fputs("]}", out);
    }
    fputs("], \"notices\": [", out);
    for (uint32_t k = 0; k < mr->notices.n; k++) {
      if (k) fputs(", ", out);
      json_str(out, mr->notices.v[k].u.str->s, mr->notices.v[k].u.str->len);
    }
    fputs("]}", out);
  }
  fputs("]}", out);
}

static void text_partner(FILE *out, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res, int32_t as_of) {
  char d[11];
  svm_date_format(as_of, d);
  fprintf(out, "Partner %s", pa->id->s);
  if (pa->name) fprintf(out, " (%s)", pa->name->s);
  fprintf(out, ", as of %s\n", d);
  for (uint32_t m = 0; m < p->nmodules; m++) {
    const SvmModule *md = &p->modules[m];
    const SvmModuleResult *mr = &res->modules[m];
    static const char *mark[] = {"MET", "NOT MET", "GRACE"};
    fprintf(out, "\n  %s: %s\n", S(p, md->title)->s, mark[mr->verdict]);
    for (uint32_t i = 0; i < md->nrules; i++) {
      const SvmRule *r = &p->rules[md->first_rule + i];
      const SvmRuleResult *rr = &res->rules[md->first_rule + i];
      static const char *sym[] = {"[met]    ", "[NOT MET]", "[grace]  "};
      fprintf(out, "    %s %s (%s)", sym[rr->verdict], S(p, r->title)->s, S(p, r->id)->s);
      if (rr->verdict == SVM_GRACE) {
        svm_date_format(rr->deadline, d);
        fprintf(out, " -- must be met by %s", d);
      }
      fputc('\n', out);
      for (uint32_t k = 0; k < rr->reasons.n; k++) fprintf(out, "              - %s\n", rr->reasons.v[k].u.str->s);
    }
    for (uint32_t k = 0; k < mr->notices.n; k++) fprintf(out, "    Notice: %s\n", mr->notices.v[k].u.str->s);
  }
  fputc('\n', out);
}

void svm_report_begin(FILE *out, SvmFormat fmt, int32_t as_of) {
  char d[11];
  svm_date_format(as_of, d);
  if (fmt == SVM_FMT_JSON) fprintf(out, "{\"as_of\": \"%s\",\n \"partners\": [", d);
}

void svm_report_partner(FILE *out, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res,
                        int32_t as_of, bool first) {
  switch (fmt) {
  case SVM_FMT_TEXT: text_partner(out, p, pa, res, as_of); break;
  case SVM_FMT_JSON:
    fputs(first ? "\n  " : ",\n  ", out);
    json_partner(out, p, pa, res);
    break;
  case SVM_FMT_JSONL:
    json_partner(out, p, pa, res);
    fputc('\n', out);
    break;
  }
}

void svm_report_end(FILE *out, SvmFormat fmt, unsigned partners, unsigned not_met) {
  if (fmt == SVM_FMT_JSON) fputs("]}\n", out);
  else if (fmt == SVM_FMT_TEXT)
    fprintf(out, "%u partner%s evaluated; %u with a rule not met.\n", partners, partners == 1 ? "" : "s", not_met);
}
