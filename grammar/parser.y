/* parser.y — s-expressions: a file is a sequence of data; a datum is an atom
 * (made by the scanner) or a list ( ), vector [ ] or map { } of data.
 * Actions only build nodes; every check lives in compiler/sema*.c. */
%define api.pure full
%define api.prefix {crowdc_yy}
%define api.location.type {crowdc_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {crowdc_pstate *ps}

%code requires {
#include "compiler/ast.h"
#include "compiler/parse.h"

typedef struct crowdc_pstate {
  crowdc_arena *arena;
  crowdc_diag *diag;
  crowdc_lexstate *lx;
  crowdc_node *root;
} crowdc_pstate;

/* A rule's location spans from its first to its last symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                          \
  do {                                                                       \
    if (N) {                                                                 \
      (Cur) = YYRHSLOC(Rhs, 1);                                              \
      (Cur).len = YYRHSLOC(Rhs, N).off + YYRHSLOC(Rhs, N).len - (Cur).off;   \
    } else {                                                                 \
      (Cur) = YYRHSLOC(Rhs, 0);                                              \
      (Cur).off += (Cur).len;                                                \
      (Cur).col += (int)(Cur).len;                                           \
      (Cur).len = 0;                                                         \
    }                                                                        \
  } while (0)
}

%code provides {
int crowdc_yylex(CROWDC_YYSTYPE *lval, CROWDC_YYLTYPE *lloc, void *scanner);
}

%code {
static void crowdc_yyerror(CROWDC_YYLTYPE *loc, void *scanner, crowdc_pstate *ps, const char *msg);
}

%union {
  crowdc_node *node;
  crowdc_seq seq;
}

%token <node> T_STRING "string" T_INT "integer" T_DEC "decimal"
%token <node> T_DURATION "duration" T_PERCENT "percentage"
%token <node> T_KEYWORD "keyword" T_SYMBOL "symbol"
%token T_LPAREN "(" T_RPAREN ")" T_LBRACK "[" T_RBRACK "]" T_LBRACE "{" T_RBRACE "}"
%token T_ERROR "invalid token"

%type <node> datum
%type <seq> data

/* Everything lives in the arena: nothing to free on error. */
%destructor { (void)$$; } <node> <seq>

%%

file:
  data                  { ps->root = crowdc_ast_seq_node(ps->arena, CROWDC_N_LIST, &$1, @$); }
;

data:
  %empty                { crowdc_ast_seq_init(&$$); }
| data datum            { $$ = $1; crowdc_ast_seq_push(&$$, $2); }
;

datum:
  T_STRING
| T_INT
| T_DEC
| T_DURATION
| T_PERCENT
| T_KEYWORD
| T_SYMBOL
| "(" data ")"          { $$ = crowdc_ast_seq_node(ps->arena, CROWDC_N_LIST, &$2, @$); }
| "[" data "]"          { $$ = crowdc_ast_seq_node(ps->arena, CROWDC_N_VECTOR, &$2, @$); }
| "{" data "}"          { $$ = crowdc_ast_seq_node(ps->arena, CROWDC_N_MAP, &$2, @$); }
;

%%

static char crowdc_parse_closer(char open)
{
  return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* Only three things can go wrong in this grammar: the scanner gave up (it
 * has reported why), a closing bracket that does not match, or the end of
 * the file inside a bracket.  Say which opener is unclosed, as Lua's
 * check_match does. */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, crowdc_pstate *ps)
{
  (void)scanner;
  (void)yypcontext_expected_tokens; /* the message names the opener instead */
  yysymbol_kind_t tok = yypcontext_token(ctx);
  const crowdc_loc *loc = yypcontext_location(ctx);
  crowdc_lexstate *lx = ps->lx;
  if (tok == YYSYMBOL_T_ERROR)
    return 0;
  if (lx->depth > 0 && (tok == YYSYMBOL_YYEOF || tok == YYSYMBOL_T_RPAREN ||
                        tok == YYSYMBOL_T_RBRACK || tok == YYSYMBOL_T_RBRACE)) {
    const crowdc_loc *open = &lx->stack[lx->depth - 1].loc;
    char o = lx->stack[lx->depth - 1].open;
    crowdc_diag_error(ps->diag, loc, "expected '%c' to close '%c' at %d:%d",
                      crowdc_parse_closer(o), o, open->line, open->col);
    return 0;
  }
  if (tok == YYSYMBOL_T_RPAREN || tok == YYSYMBOL_T_RBRACK || tok == YYSYMBOL_T_RBRACE)
    crowdc_diag_error(ps->diag, loc, "unexpected '%c'",
                      tok == YYSYMBOL_T_RPAREN ? ')' : tok == YYSYMBOL_T_RBRACK ? ']' : '}');
  else
    crowdc_diag_error(ps->diag, loc, "unexpected %s", yysymbol_name(tok));
  return 0;
}

static void crowdc_yyerror(CROWDC_YYLTYPE *loc, void *scanner, crowdc_pstate *ps, const char *msg)
{
  (void)scanner;
  crowdc_diag_error(ps->diag, loc, "%s", msg);
}

crowdc_node *crowdc_parse(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src)
{
  crowdc_lexer *lx = crowdc_lex_open(a, d, src);
  crowdc_pstate ps = { .arena = a, .diag = d, .lx = crowdc_lex_state(lx), .root = NULL };
  int rc = crowdc_yyparse(crowdc_lex_scanner(lx), &ps);
  crowdc_lex_close(lx);
  return rc == 0 ? ps.root : NULL;
}
