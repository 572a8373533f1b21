/*
 * compile.c -- one compilation: read the main file, follow its imports along
 * the search path (the importing file's folder, each -I folder, then the
 * standard modules), order the modules so that every module comes after the
 * ones it imports, then check and generate code.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "parse.h"

/* Source files larger than this are refused rather than read. */
#define SPC_MAX_SOURCE (16u << 20)

static char *read_file(SvmArena *a, const char *path, size_t *len, int *err) {
  FILE *f = fopen(path, "rb");
  if (!f) { *err = errno; return NULL; }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (!buf) { fclose(f); *err = ENOMEM; return NULL; }
  for (;;) {
    if (n == cap) {
      if (cap >= SPC_MAX_SOURCE) { free(buf); fclose(f); *err = EFBIG; return NULL; }
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); fclose(f); *err = ENOMEM; return NULL; }
      buf = nb;
      cap *= 2;
    }
    errno = 0;
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  int bad = ferror(f), why = errno;  /* EISDIR for a folder, say */
  fclose(f);
  if (bad) { free(buf); *err = why ? why : EIO; return NULL; }
  char *s = spc_strdup(a, buf, n);
  free(buf);
  if (!s) { *err = ENOMEM; return NULL; }
  *len = n;
  return s;
}

static const char *dir_of(SvmArena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return ".";
  return spc_strdup(a, path, (size_t)(slash - path + (slash == path)));
}

static int load(SpcComp *c, const char *path, const char *src, size_t len, SpcLoc from);

/* Whether two paths name one file (by device and inode; by name when
 * either cannot be looked at). */
static bool same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return strcmp(a, b) == 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool file_exists(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return false;
  fclose(f);
  return true;
}

/* Finds and loads module `id` imported at loc by module m; returns its index or -1. */
static int import(SpcComp *c, int m, const char *id, SpcLoc loc) {
  int loaded = -1;
  for (int i = 0; i < c->nmods; i++)
    if (c->mods[i].id && !strcmp(c->mods[i].id, id)) loaded = i;
  const char *dirs[64];
  int nd = 0;
  dirs[nd++] = c->mods[m].dir;
  for (int i = 0; i < c->opt->nincdirs && nd < 62; i++) dirs[nd++] = c->opt->incdirs[i];
  if (c->opt->stdlib_dir) dirs[nd++] = c->opt->stdlib_dir;
  for (int i = 0; i < nd; i++) {
    size_t n = strlen(dirs[i]) + strlen(id) + 8;
    char *p = svm_arena_alloc(&c->arena, n);
    if (!p) return -1;
    snprintf(p, n, "%s/%s.spec", dirs[i], id);
    if (!file_exists(p)) continue;
    if (loaded < 0) return load(c, p, NULL, 0, loc);
    /* One module of each name in a compilation: this import must find the
     * very file already loaded under the name, not another one of it. */
    if (same_file(p, c->mods[loaded].file.path)) return loaded;
    spc_error(c, loc, "import of '%s' finds %s, but another file of that module, %s, is already part of "
              "this compilation (a compilation has one module of each name)", id, p, c->mods[loaded].file.path);
    return -1;
  }
  if (loaded >= 0) return loaded;
  spc_error(c, loc, "cannot find module '%s' (looked for %s.spec in %s%s%s)", id, id, c->mods[m].dir,
            c->opt->nincdirs ? ", the -I folders" : "", c->opt->stdlib_dir ? " and the standard modules" : "");
  return -1;
}

static int load(SpcComp *c, const char *path, const char *src, size_t len, SpcLoc from) {
  if (c->nmods >= SPC_MAX_MODULES) {
    spc_error(c, from, "more than %d modules in one compilation", SPC_MAX_MODULES);
    return -1;
  }
  int m = c->nmods++;
  SpcModuleInfo *mi = &c->mods[m];
  memset(mi, 0, sizeof *mi);
  const char *p = spc_strdup(&c->arena, path, strlen(path));
  if (!p) return -1;
  if (!src) {
    int err = 0;
    src = read_file(&c->arena, p, &len, &err);
    if (!src) {
      if (from.file) spc_error(c, from, "cannot read '%s': %s", p, strerror(err));
      else spc_diag_add(c->diags, SPC_ERROR, p, 0, 0, NULL, 0, "cannot read file: %s", strerror(err));
      c->nmods--;
      return -2;
    }
  }
  mi->dir = dir_of(&c->arena, p);
  /* A UTF-8 byte-order mark is not part of the text (as in fact files): its
   * bytes are skipped and not counted in columns. */
  if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) src += 3, len -= 3;
  if (spc_parse(&c->arena, p, src, len, &mi->file, c->diags) != 0 && !mi->file.module) {
    mi->file.src = src;
    mi->file.srclen = len;
    return -1;
  }
  mi->file.src = src;
  mi->file.srclen = len;
  mi->id = mi->file.module->s;
  for (int i = 0; i < m; i++)
    if (c->mods[i].id && !strcmp(c->mods[i].id, mi->id)) {
      spc_error(c, mi->file.module->loc, "module '%s' is also defined in %s", mi->id, c->mods[i].file.path);
      return -1;
    }
  if (from.file) {
    /* An imported file must declare the module it is imported as. */
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    size_t bl = strlen(base) - 5;
    if (strlen(mi->id) != bl || strncmp(mi->id, base, bl) != 0)
      spc_error(c, mi->file.module->loc, "file %s declares module '%s'; expected '%.*s'", p, mi->id, (int)bl, base);
  }
  for (int i = 0; i < mi->file.imports.n; i++) {
    SpcNode *im = mi->file.imports.v[i];
    if (!strcmp(im->s, mi->id)) {
      spc_error(c, im->loc, "module '%s' imports itself", im->s);
      continue;
    }
    int k = import(c, m, im->s, im->loc);
    if (k >= 0) c->mods[m].imports[c->mods[m].nimports++] = k;
  }
  return m;
}

/* Depth-first post-order: imports before importers; a cycle is an error,
 * named whole ("import cycle: a -> b -> c -> a").  path[0..depth) holds the
 * modules being visited. */
static bool order(SpcComp *c, int m, int *state, int *path, int depth) {
  if (state[m] == 2) return true;
  if (state[m] == 1) return false;
  state[m] = 1;
  path[depth] = m;
  for (int i = 0; i < c->mods[m].nimports; i++) {
    int k = c->mods[m].imports[i];
    if (order(c, k, state, path, depth + 1)) continue;
    if (state[k] != 1) continue;  /* a cycle further in, reported there */
    char chain[512];
    size_t n = 0;
    int from = depth;
    while (from > 0 && path[from] != k) from--;
    for (int j = from; j <= depth && n < sizeof chain; j++)
      n += (size_t)snprintf(chain + n, sizeof chain - n, "'%s' -> ", c->mods[path[j]].id);
    if (n < sizeof chain) snprintf(chain + n, sizeof chain - n, "'%s'", c->mods[k].id);
    spc_error(c, c->mods[m].file.imports.v[i]->loc, "import cycle: %s", chain);
  }
  state[m] = 2;
  c->order[c->norder++] = m;
  return true;
}

static void sees(SpcComp *c, int m, int k) {
  if (c->mods[m].sees[k]) return;
  c->mods[m].sees[k] = true;
  for (int i = 0; i < c->mods[k].nimports; i++) sees(c, m, c->mods[k].imports[i]);
}

static SpcStatus compile(const char *path, const char *src, size_t len, const SpcOptions *opt, uint8_t **out,
                         size_t *outlen, SpcDiags *diags) {
  SpcOptions none = {NULL, 0, NULL};
  SpcComp *c = calloc(1, sizeof *c);
  if (!c) {
    spc_diag_add(diags, SPC_ERROR, path, 0, 0, NULL, 0, "out of memory");
    return SPC_EIO;
  }
  svm_arena_init(&c->arena, 0);
  c->diags = diags;
  c->opt = opt ? opt : &none;
  SpcStatus st = SPC_ESOURCE;
  int before = diags->errors;
  int m = load(c, path, src, len, (SpcLoc){NULL, 0, 0});
  if (m == -2) { st = SPC_EIO; goto done; }
  /* Errors of the scanner that still gave their token leave whole trees:
   * they are checked all the same, so that one run reports the mistakes
   * of the names and types too; the program is not generated. */
  int soft = 0;
  for (int i = 0; i < c->nmods; i++) soft += c->mods[i].file.soft_errors;
  if (m < 0 || diags->errors - soft > before) goto done;
  c->main_module = m;
  int state[SPC_MAX_MODULES] = {0}, visiting[SPC_MAX_MODULES];
  order(c, m, state, visiting, 0);
  for (int i = 0; i < c->nmods; i++) sees(c, i, i);
  if (diags->errors - soft > before) goto done;
  if (!spc_check(c) || diags->errors > before) goto done;
  st = spc_codegen(c, out, outlen);
done:
  /* Every failure says why; one that added no error ran out of memory. */
  if (st != SPC_OK && diags->errors == before)
    spc_diag_add(diags, SPC_ERROR, path, 0, 0, NULL, 0, "out of memory");
  svm_arena_fini(&c->arena);
  free(c);
  return st;
}

SpcStatus spc_compile_file(const char *path, const SpcOptions *opt, uint8_t **out, size_t *outlen, SpcDiags *diags) {
  return compile(path, NULL, 0, opt, out, outlen, diags);
}

SpcStatus spc_compile_source(const char *name, const char *src, size_t len, const SpcOptions *opt, uint8_t **out,
                             size_t *outlen, SpcDiags *diags) {
  return compile(name, src, len, opt, out, outlen, diags);
}
