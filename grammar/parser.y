/*
 * parser.y -- the grammar of the spec language (pure bison, LALR(1), no
 * conflicts: %expect 0).  Builds the tree of compiler/ast.h in the
 * compilation's arena; the checker (compiler/check.c) resolves names and
 * types afterwards.  A syntax error inside a declaration skips to the next
 * declaration keyword, so one run reports several errors.
 *
 * Quantifiers (exists, no, every) and `if` extend as far right as they can,
 * as in mathematics: write (exists x in K where C) and D.
 */
%define api.pure full
%define api.prefix {spc_yy}
%define parse.error verbose
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {SpcParse *P}

%code requires {
#include "ast.h"
#include "parse.h"
typedef void *yyscan_t;
}

%code {
#include "lexer.h"
#include <string.h>

static void spc_yyerror(SPC_YYLTYPE *loc, yyscan_t scanner, SpcParse *P, const char *msg);
/* A mistake the grammar recognises, said in the author's terms (arg: %s). */
static void mistake(SpcParse *P, SPC_YYLTYPE l, const char *fmt, const char *arg);
static SpcLoc L(SpcParse *P, SPC_YYLTYPE l) { SpcLoc r = {P->file, l.first_line, l.first_column}; return r; }
#define NEW(var, k, l) do { var = spc_node_new(P->arena, k, L(P, l)); if (!var) { P->nomem = 1; YYNOMEM; } } while (0)
#define PUSH(lst, n) do { if (!spc_list_push(P->arena, &(lst), n)) { P->nomem = 1; YYNOMEM; } } while (0)
}

%union {
  const char *str;
  int64_t num;
  int32_t date;
  struct { int64_t n; int unit; } dur;
  SpcNode *node;
}

/* Aliases: syntax errors name tokens as a user writes them. */
%token <str> ID "name" WORD "quoted word" STRING "text"
%token <str> STR_HEAD "text with {" STR_MID "} in a text" STR_TAIL "end of a text with {...}"
%token <num> INT "number"
%token <date> DATE "date"
%token <dur> DURATION "duration"
%token MODULE "module"
%token TITLE "title"
%token SOURCE "source"
%token REVISION "revision"
%token IMPORT "import"
%token FACT "fact"
%token CONST "const"
%token SET "set"
%token LADDER "ladder"
%token DEF "def"
%token RULE "rule"
%token APPLIES "applies"
%token REQUIRE "require"
%token OTHERWISE "otherwise"
%token WHEN "when"
%token FOR "for"
%token EACH "each"
%token WHERE "where"
%token GRACE "grace"
%token UNTIL "until"
%token BECAUSE "because"
%token NOTICE "notice"
%token EXISTS "exists"
%token NO "no"
%token EVERY "every"
%token SATISFIES "satisfies"
%token COUNT "count"
%token SUM "sum"
%token MIN "min"
%token MAX "max"
%token ELSE "else"
%token DISTINCT "distinct"
%token IN "in"
%token FROM "from"
%token AND "and"
%token OR "or"
%token NOT "not"
%token TRUE "true"
%token FALSE "false"
%token TODAY "today"
%token DAWN "dawn"
%token NEVER "never"
%token IF "if"
%token THEN "then"
%token AS "as"
%token OF "of"
%token DEFAULT "default"
%token KEY "key"
%token STARTS "starts"
%token NONNEGATIVE "nonnegative"
%token ONE "one"
%token NAMED "named"
%token NE "!=" LE "<=" GE ">="

%type <node> expr primary message interp_rest binders binder dbinders dbinder opt_where
%type <node> args words word lwords literal module_header metas imports decls decl fact_decl
%type <node> fields field field_mods params param clauses clause items item
%type <str> fname

%precedence QUANT
%precedence ','
%precedence AS
%left OR
%left AND
%precedence NOT
%nonassoc '=' NE '<' LE '>' GE IN
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS


%start file

%%

file
  : module_header imports decls {
      P->out->module = $1;
      P->out->imports = $2->list;
      P->out->decls = $3->list;
    }
  ;

module_header
  : MODULE ID metas { $$ = $3; $$->s = $2; $$->loc = L(P, @2); }
  ;

metas
  : %empty { NEW($$, N_MODULE, @$); }
  | metas TITLE STRING { $$ = $1; NEW($$->a, N_TEXT, @3); $$->a->s = $3; }
  | metas SOURCE STRING { $$ = $1; NEW($$->b, N_TEXT, @3); $$->b->s = $3; }
  | metas REVISION DATE { $$ = $1; NEW($$->c, N_DATE, @3); $$->c->date = $3; }
  ;

imports
  : %empty { NEW($$, N_IMPORT, @$); }
  | imports IMPORT ID { SpcNode *n; NEW(n, N_IMPORT, @3); n->s = $3; $$ = $1; PUSH($$->list, n); }
  ;

decls
  : %empty { NEW($$, N_RULE, @$); }
  | decls decl { $$ = $1; PUSH($$->list, $2); }
  | decls error { $$ = $1; }
  ;

decl
  : fact_decl
  | CONST ID '=' expr { NEW($$, N_CONST, @2); $$->s = $2; $$->a = $4; }
  | SET ID '=' '{' words '}' { $$ = $5; $$->kind = N_SET; $$->s = $2; $$->loc = L(P, @2); }
  | LADDER ID '=' lwords { $$ = $4; $$->kind = N_LADDER; $$->s = $2; $$->loc = L(P, @2); }
  | DEF ID '=' expr { NEW($$, N_DEF, @2); $$->s = $2; $$->a = $4; }
  | DEF ID '(' params ')' '=' expr { $$ = $4; $$->kind = N_DEF; $$->s = $2; $$->loc = L(P, @2); $$->a = $7; }
  | DEF ID '(' ')' '=' expr {
      mistake(P, @3, "a definition without parameters is written without (): def %s = ...", $2);
      NEW($$, N_DEF, @2); $$->s = $2; $$->a = $6;
    }
  | RULE ID STRING clauses { $$ = $4; $$->kind = N_RULE; $$->s = $2; $$->s2 = $3; $$->loc = L(P, @2); }
  | EACH RULE GRACE WHEN expr UNTIL expr { NEW($$, N_GRACE_ALL, @1); $$->a = $5; $$->b = $7; }
  | EACH RULE GRACE WHEN expr UNTIL expr BECAUSE items {
      $$ = $9; $$->kind = N_GRACE_ALL; $$->loc = L(P, @1); $$->a = $5; $$->b = $7;
    }
  ;

fact_decl
  : FACT ID '(' fields ')' { $$ = $4; $$->kind = N_FACT; $$->s = $2; $$->loc = L(P, @2); }
  ;

fields
  : field { NEW($$, N_FACT, @$); PUSH($$->list, $1); }
  | fields ',' field { $$ = $1; PUSH($$->list, $3); }
  ;

field
  : fname ':' ID field_mods { $$ = $4; $$->s = $1; $$->s2 = $3; $$->loc = L(P, @1); }
  | fname ':' NAMED ID field_mods {
      $$ = $5; $$->s = $1; $$->s2 = $4; $$->flags |= SPC_FD_NAMED; $$->loc = L(P, @1);
    }
  ;

/* Field names may be words the language reserves (a fact may have a `count`). */
fname
  : ID
  | COUNT { $$ = "count"; } | SUM { $$ = "sum"; } | MIN { $$ = "min"; } | MAX { $$ = "max"; }
  | KEY { $$ = "key"; } | SOURCE { $$ = "source"; } | TITLE { $$ = "title"; }
  | REVISION { $$ = "revision"; } | DEFAULT { $$ = "default"; } | ONE { $$ = "one"; }
  | NO { $$ = "no"; } | FROM { $$ = "from"; } | UNTIL { $$ = "until"; } | WHEN { $$ = "when"; }
  | SET { $$ = "set"; } | RULE { $$ = "rule"; } | NOTICE { $$ = "notice"; }
  ;

field_mods
  : %empty { NEW($$, N_FIELDDECL, @$); }
  | field_mods KEY { $$ = $1; $$->flags |= SPC_FD_KEY; }
  | field_mods STARTS { $$ = $1; $$->flags |= SPC_FD_STARTS; }
  | field_mods NONNEGATIVE { $$ = $1; $$->flags |= SPC_FD_NONNEG; }
  | field_mods DEFAULT literal { $$ = $1; $$->a = $3; }
  | field_mods ONE OF '(' words ')' { $$ = $1; $$->list = $5->list; }
  ;

literal
  : INT { NEW($$, N_INT, @1); $$->i = $1; }
  | '-' INT { NEW($$, N_INT, @1); $$->i = -$2; }
  | DATE { NEW($$, N_DATE, @1); $$->date = $1; }
  | STRING { NEW($$, N_TEXT, @1); $$->s = $1; }
  | WORD { NEW($$, N_WORD, @1); $$->s = $1; }
  | TRUE { NEW($$, N_BOOL, @1); $$->i = 1; }
  | FALSE { NEW($$, N_BOOL, @1); $$->i = 0; }
  | DAWN { NEW($$, N_DAWN, @1); }
  | NEVER { NEW($$, N_NEVER, @1); }
  ;

params
  : param { NEW($$, N_DEF, @$); PUSH($$->list, $1); }
  | params ',' param { $$ = $1; PUSH($$->list, $3); }
  ;

param
  : ID ':' ID { NEW($$, N_PARAM, @1); $$->s = $1; $$->s2 = $3; }
  | ID ':' SET { NEW($$, N_PARAM, @1); $$->s = $1; $$->s2 = "set"; }
  ;

/* Words of a set, ladder or `one of` list: bare names or 'quoted words'. */
words
  : word { NEW($$, N_SET, @$); PUSH($$->list, $1); }
  | words ',' word { $$ = $1; PUSH($$->list, $3); }
  ;

word
  : ID { NEW($$, N_WORD, @1); $$->s = $1; }
  | WORD { NEW($$, N_WORD, @1); $$->s = $1; }
  ;

lwords
  : word { NEW($$, N_LADDER, @$); PUSH($$->list, $1); }
  | lwords '<' word { $$ = $1; PUSH($$->list, $3); }
  ;

clauses
  : %empty { NEW($$, N_RULE, @$); }
  | clauses clause { $$ = $1; PUSH($$->list, $2); }
  ;

clause
  : APPLIES WHEN expr { NEW($$, N_APPLIES, @1); $$->a = $3; }
  | REQUIRE expr { NEW($$, N_REQUIRE, @1); $$->a = $2; }
  | REQUIRE expr OTHERWISE items { $$ = $4; $$->kind = N_REQUIRE; $$->loc = L(P, @1); $$->a = $2; }
  | GRACE WHEN expr UNTIL expr { NEW($$, N_GRACE, @1); $$->a = $3; $$->b = $5; }
  | GRACE WHEN expr UNTIL expr BECAUSE items {
      $$ = $7; $$->kind = N_GRACE; $$->loc = L(P, @1); $$->a = $3; $$->b = $5;
    }
  | NOTICE items { $$ = $2; $$->kind = N_NOTICE; $$->loc = L(P, @1); }
  ;

items
  : item { NEW($$, N_NOTICE, @$); PUSH($$->list, $1); }
  | items item { $$ = $1; PUSH($$->list, $2); }
  ;

item
  : message { NEW($$, N_ITEM_ALWAYS, @1); $$->a = $1; }
  | WHEN expr ':' message { NEW($$, N_ITEM_WHEN, @1); $$->a = $2; $$->b = $4; }
  | FOR EACH binders opt_where ':' message {
      $$ = $3; $$->kind = N_ITEM_EACH; $$->loc = L(P, @1); $$->a = $4; $$->b = $6;
    }
  ;

message
  : STRING { NEW($$, N_TEXT, @1); $$->s = $1; }
  | STR_HEAD interp_rest {
      SpcNode *h; NEW(h, N_TEXT, @1); h->s = $1;
      NEW($$, N_INTERP, @1);
      PUSH($$->list, h);
      for (int i = 0; i < $2->list.n; i++) PUSH($$->list, $2->list.v[i]);
    }
  ;

/* The pieces after the head, in order: expr, text, expr, text, ... */
interp_rest
  : expr STR_TAIL {
      NEW($$, N_INTERP, @$); PUSH($$->list, $1);
      SpcNode *t; NEW(t, N_TEXT, @2); t->s = $2; PUSH($$->list, t);
    }
  | expr STR_MID interp_rest {
      NEW($$, N_INTERP, @$); PUSH($$->list, $1);
      SpcNode *t; NEW(t, N_TEXT, @2); t->s = $2; PUSH($$->list, t);
      for (int i = 0; i < $3->list.n; i++) PUSH($$->list, $3->list.v[i]);
    }
  ;

binders
  : binder { NEW($$, N_EXISTS, @$); PUSH($$->list, $1); }
  | binders ',' binder { $$ = $1; PUSH($$->list, $3); }
  ;

binder
  : ID IN ID { NEW($$, N_BINDER, @1); $$->s = $1; $$->s2 = $3; }
  ;

dbinders
  : dbinder { NEW($$, N_DISTINCT, @$); PUSH($$->list, $1); }
  | dbinders ',' dbinder { $$ = $1; PUSH($$->list, $3); }
  ;

dbinder
  : ID IN ID opt_where { NEW($$, N_BINDER, @1); $$->s = $1; $$->s2 = $3; $$->a = $4; }
  ;

opt_where
  : %empty %prec QUANT { $$ = NULL; }
  | WHERE expr %prec QUANT { $$ = $2; }
  ;

args
  : expr { NEW($$, N_CALL, @$); PUSH($$->list, $1); }
  | args ',' expr { $$ = $1; PUSH($$->list, $3); }
  ;

expr
  : primary
  | expr OR expr { NEW($$, N_OR, @2); $$->a = $1; $$->b = $3; }
  | expr AND expr { NEW($$, N_AND, @2); $$->a = $1; $$->b = $3; }
  | NOT expr { NEW($$, N_UNARY, @1); $$->op = '!'; $$->a = $2; }
  | expr '=' expr { NEW($$, N_BINARY, @2); $$->op = '='; $$->a = $1; $$->b = $3; }
  | expr NE expr { NEW($$, N_BINARY, @2); $$->op = NE; $$->a = $1; $$->b = $3; }
  | expr '<' expr { NEW($$, N_BINARY, @2); $$->op = '<'; $$->a = $1; $$->b = $3; }
  | expr LE expr { NEW($$, N_BINARY, @2); $$->op = LE; $$->a = $1; $$->b = $3; }
  | expr '>' expr { NEW($$, N_BINARY, @2); $$->op = '>'; $$->a = $1; $$->b = $3; }
  | expr GE expr { NEW($$, N_BINARY, @2); $$->op = GE; $$->a = $1; $$->b = $3; }
  | expr IN expr { NEW($$, N_BINARY, @2); $$->op = IN; $$->a = $1; $$->b = $3; }
  | expr '+' expr { NEW($$, N_BINARY, @2); $$->op = '+'; $$->a = $1; $$->b = $3; }
  | expr '-' expr { NEW($$, N_BINARY, @2); $$->op = '-'; $$->a = $1; $$->b = $3; }
  | expr '*' expr { NEW($$, N_BINARY, @2); $$->op = '*'; $$->a = $1; $$->b = $3; }
  | expr '/' expr { NEW($$, N_BINARY, @2); $$->op = '/'; $$->a = $1; $$->b = $3; }
  | expr '%' expr { NEW($$, N_BINARY, @2); $$->op = '%'; $$->a = $1; $$->b = $3; }
  | '-' expr %prec UMINUS { NEW($$, N_UNARY, @1); $$->op = '-'; $$->a = $2; }
  | expr AS OF primary %prec AS { NEW($$, N_AS_OF, @2); $$->a = $1; $$->b = $4; }
  | IF expr THEN expr ELSE expr %prec QUANT { NEW($$, N_IF, @1); $$->a = $2; $$->b = $4; $$->c = $6; }
  | EXISTS binders opt_where %prec QUANT { $$ = $2; $$->kind = N_EXISTS; $$->loc = L(P, @1); $$->a = $3; }
  | NO binders opt_where %prec QUANT { $$ = $2; $$->kind = N_NO; $$->loc = L(P, @1); $$->a = $3; }
  | EVERY binders opt_where SATISFIES expr %prec QUANT {
      $$ = $2; $$->kind = N_EVERY; $$->loc = L(P, @1); $$->a = $3; $$->b = $5;
    }
  ;

primary
  : INT { NEW($$, N_INT, @1); $$->i = $1; }
  | DATE { NEW($$, N_DATE, @1); $$->date = $1; }
  | DURATION { NEW($$, N_DUR, @1); $$->i = $1.n; $$->unit = $1.unit; }
  | WORD { NEW($$, N_WORD, @1); $$->s = $1; }
  | message
  | TRUE { NEW($$, N_BOOL, @1); $$->i = 1; }
  | FALSE { NEW($$, N_BOOL, @1); $$->i = 0; }
  | TODAY { NEW($$, N_TODAY, @1); }
  | DAWN { NEW($$, N_DAWN, @1); }
  | NEVER { NEW($$, N_NEVER, @1); }
  | RULE { NEW($$, N_RULEID, @1); }
  | ID { NEW($$, N_NAME, @1); $$->s = $1; }
  | ID FROM word { NEW($$, N_LADDER_FROM, @1); $$->s = $1; $$->s2 = $3->s; }
  | ID '(' args ')' { $$ = $3; $$->kind = N_CALL; $$->s = $1; $$->loc = L(P, @1); }
  | ID '(' ')' {
      mistake(P, @2, "empty () after '%s': a definition without parameters is used by its name alone, a function with its arguments", $1);
      NEW($$, N_NAME, @1); $$->s = $1;
    }
  | primary '.' ID { NEW($$, N_FIELD, @3); $$->a = $1; $$->s = $3; }
  | '(' expr ')' { $$ = $2; }
  | '{' words '}' {
      $$ = $2; $$->kind = N_SETLIT; $$->loc = L(P, @1);
    }
  | '{' expr FOR binders opt_where '}' {
      $$ = $4; $$->kind = N_SETCOMP; $$->loc = L(P, @1); $$->a = $5; $$->b = $2;
    }
  | COUNT '(' binders opt_where ')' { $$ = $3; $$->kind = N_COUNT; $$->loc = L(P, @1); $$->a = $4; }
  | SUM '(' expr FOR binders opt_where ')' {
      $$ = $5; $$->kind = N_SUM; $$->loc = L(P, @1); $$->a = $6; $$->b = $3;
    }
  | MIN '(' expr FOR binders opt_where ELSE expr ')' {
      $$ = $5; $$->kind = N_MIN; $$->loc = L(P, @1); $$->a = $6; $$->b = $3; $$->c = $8;
    }
  | MAX '(' expr FOR binders opt_where ELSE expr ')' {
      $$ = $5; $$->kind = N_MAX; $$->loc = L(P, @1); $$->a = $6; $$->b = $3; $$->c = $8;
    }
  | MIN '(' expr ',' expr ')' {
      NEW($$, N_CALL, @1); $$->s = "min"; PUSH($$->list, $3); PUSH($$->list, $5);
    }
  | MAX '(' expr ',' expr ')' {
      NEW($$, N_CALL, @1); $$->s = "max"; PUSH($$->list, $3); PUSH($$->list, $5);
    }
  | DISTINCT '(' dbinders ')' { $$ = $3; $$->kind = N_DISTINCT; $$->loc = L(P, @1); }
  ;

%%

static void mistake(SpcParse *P, SPC_YYLTYPE l, const char *fmt, const char *arg) {
  spc_diag_add(P->diags, SPC_ERROR, P->file, l.first_line, l.first_column, P->src, P->srclen, fmt, arg);
}

static void spc_yyerror(SPC_YYLTYPE *loc, yyscan_t scanner, SpcParse *P, const char *msg) {
  (void)scanner;
  /* Bison names tokens by their internal names; say what a user typed. */
  char buf[240];
  /* Bison says "memory exhausted" when its stack reaches YYMAXDEPTH (10000):
   * prefix operators (not, -, if, exists...) nest without brackets, so the
   * lexer's bracket count cannot catch them. */
  if (strcmp(msg, "memory exhausted") == 0) msg = "expression nested too deeply (the parser's stack is full)";
  snprintf(buf, sizeof buf, "%s", msg);
  spc_diag_add(P->diags, SPC_ERROR, P->file, loc->first_line, loc->first_column, P->src, P->srclen,
               "%s", buf);
}

int spc_parse(SvmArena *arena, const char *file, const char *buf, size_t len, SpcFile *out,
              SpcDiags *diags) {
  SpcParse P;
  memset(&P, 0, sizeof P);
  P.arena = arena;
  P.file = file;
  P.src = buf;
  P.srclen = len;
  P.diags = diags;
  P.out = out;
  P.line = 1;
  P.col = 1;
  memset(out, 0, sizeof *out);
  out->path = file;
  int before = diags->errors;
  yyscan_t sc;
  if (spc_yylex_init_extra(&P, &sc)) return -1;
  /* Flex's fatal errors (out of memory) longjmp here; spc_yylex_destroy
   * then frees every buffer the scanner holds. */
  jmp_buf fatal;
  P.fatal = &fatal;
  volatile int r = 2;
  /* The scanner reads a copy in the arena, ending in the two NULs flex wants
   * (yy_scan_bytes would malloc the copy and leak it if flex then failed). */
  char *copy = len <= (size_t)INT32_MAX - 2 ? svm_arena_alloc(arena, len + 2) : NULL;
  if (!copy) P.nomem = 1;
  else if (setjmp(fatal) == 0) {
    memcpy(copy, buf, len);
    copy[len] = copy[len + 1] = '\0';
    YY_BUFFER_STATE b = spc_yy_scan_buffer(copy, len + 2, sc);
    r = b ? spc_yyparse(sc, &P) : 2;
  }
  spc_yylex_destroy(sc);
  if (P.nomem) {
    spc_diag_add(diags, SPC_ERROR, file, 0, 0, NULL, 0, "out of memory while parsing");
    return -1;
  }
  out->soft_errors = P.soft_errors;
  if (r == 2) return -1; /* the parser's stack is full: spc_yyerror said so */
  if (r != 0 || diags->errors > before || !out->module) return -1;
  return 0;
}
