/* sema_int.h — what the files of the checks (compiler/sema*.c) share: the
 * checking context, the option splitter, and the functions one file calls
 * in another.  Private to sema; the rest of crowdc includes sema.h.
 *
 * Ownership: everything is allocated from the compilation's arena (as in
 * sema.h); the context lives on crowdc_sema's stack for one file's check.
 */
#ifndef CROWDC_SEMA_INT_H
#define CROWDC_SEMA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/sema.h"

#define CROWDC_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define Q(buf, p, len) crowdc_diag_quote(buf, sizeof buf, p, len)

typedef struct crowdc_sema_ctx {
  crowdc_arena *arena;
  crowdc_diag *diag;
  crowdc_model *model;
  crowdc_user *user;          /* the user class being checked */
  size_t varcap;
  /* The user's variables by name (slot + 1, 0 = empty; open addressing),
   * so that scenarios with thousands of variables stay linear. */
  int *htab;
  size_t hcap;
  unsigned char *visible;     /* per slot: defined before this point */
  int *scope;                 /* visible slots, in the order defined */
  size_t nscope, scopecap;
  /* Per slot of the user: 0 not yet set by a let, -1 a plain value, F + 1
   * a row of feeder F (set by (let v (next F))). */
  int *rowof;
  size_t rowcap;
  int in_resp;                /* checking a response block */
  /* task sets (crowdc_sema_taskset) */
  int where;                  /* CROWDC_IN_*: what the statements belong to */
  int set_depth;              /* task sets around them */
  const crowdc_node **tags;   /* the tags of those sets */
  size_t ntags;
  /* user forms by name (crowdc_sema_inherit): index + 1, open addressing */
  const crowdc_node **uforms;
  size_t nuforms;
  int *utab;
  size_t ucap;
  const crowdc_node *own_form; /* the user form as written (before inheriting) */
  const crowdc_handler *handler; /* the (on ...) form being checked, or NULL */
  int in_tick;                /* checking a shape's (tick ...) (crowdc_sema_tick) */
} crowdc_sema_ctx;

/* What statements are checked for: interrupt and reschedule end a task. */
enum { CROWDC_IN_BLOCK = 0, CROWDC_IN_TASK, CROWDC_IN_SET_START, CROWDC_IN_SET_STOP };

/* Every form of the language, for "did you mean" and misplaced forms
 * (sema.c). */
enum {
  CROWDC_SEMA_NTOP_FORMS = 8, CROWDC_SEMA_NUSER_FORMS = 6, CROWDC_SEMA_NTASK_FORMS = 18,
  CROWDC_SEMA_NRESP_FORMS = 4
};
extern const char *const crowdc_sema_top_forms[CROWDC_SEMA_NTOP_FORMS];
extern const char *const crowdc_sema_user_forms[CROWDC_SEMA_NUSER_FORMS];
extern const char *const crowdc_sema_task_forms[CROWDC_SEMA_NTASK_FORMS];
/* What a request's response block holds. */
extern const char *const crowdc_sema_resp_forms[CROWDC_SEMA_NRESP_FORMS];

/* :key value pairs (crowdc_sema_options). */
typedef struct crowdc_sema_opts {
  const char *const *names;
  size_t n;
  const crowdc_node *kw[16], *val[16];
  const crowdc_node **rest; /* the items that are not options */
  size_t nrest;
} crowdc_sema_opts;

/* A set of names (symbol nodes), to find duplicates in linear time. */
typedef struct crowdc_sema_nameset {
  const crowdc_node **tab;
  size_t cap, n;
} crowdc_sema_nameset;

/* sema.c: helpers, options, name sets */
uint32_t crowdc_sema_hash(const char *p, size_t len);
int crowdc_sema_streq(const char *p, size_t len, const char *s);
int crowdc_sema_in(const char *p, size_t len, const char *const *set, size_t n);
const crowdc_node *crowdc_sema_head(const crowdc_node *n);
int crowdc_sema_is_const(const crowdc_node *sym);
int crowdc_sema_is_number(const crowdc_node *n);
double crowdc_sema_number(const crowdc_node *n);
void crowdc_sema_unknown_form(crowdc_sema_ctx *S, const crowdc_node *form,
                              const char *where, const char *const *cands, size_t n);
void crowdc_sema_options(crowdc_sema_ctx *S, const crowdc_node *form, size_t start,
                         const char *formname, crowdc_sema_opts *o);
const crowdc_node *crowdc_sema_opt_get(const crowdc_sema_opts *o, const char *name, const crowdc_node **kw);
const crowdc_node *crowdc_sema_nameset_add(crowdc_arena *a, crowdc_sema_nameset *set,
                                           const crowdc_node *sym);

/* sema_expr.c: variables, scopes, expressions, feeder rows */
int crowdc_sema_find_slot(const crowdc_sema_ctx *S, const char *p, size_t len);
int crowdc_sema_lookup(crowdc_sema_ctx *S, const char *p, size_t len);
int crowdc_sema_slot(crowdc_sema_ctx *S, const crowdc_node *sym);
void crowdc_sema_define(crowdc_sema_ctx *S, int slot);
void crowdc_sema_scope_pop(crowdc_sema_ctx *S, size_t mark);
void crowdc_sema_scope_enter(crowdc_sema_ctx *S, crowdc_user *u);
int crowdc_sema_var_name(crowdc_sema_ctx *S, const crowdc_node *sym, const char *form);
int crowdc_sema_rowof(const crowdc_sema_ctx *S, int slot);
void crowdc_sema_set_rowof(crowdc_sema_ctx *S, int slot, int what);
const char *crowdc_sema_type_name(char t);
int crowdc_sema_type_ok(char want, char got);
void crowdc_sema_string(crowdc_sema_ctx *S, crowdc_node *e);
char crowdc_sema_expr(crowdc_sema_ctx *S, crowdc_node *e);
int crowdc_sema_map_shape(crowdc_sema_ctx *S, const crowdc_node *m);
void crowdc_sema_json(crowdc_sema_ctx *S, crowdc_node *v);
void crowdc_sema_header_name(crowdc_sema_ctx *S, const crowdc_node *k);
void crowdc_sema_pairs(crowdc_sema_ctx *S, const char *opt, crowdc_node *m, int strings);

/* sema_flow.c: statements and control flow */
int crowdc_sema_let(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st);
void crowdc_sema_cond(crowdc_sema_ctx *S, crowdc_node *c);
int crowdc_sema_choice(crowdc_sema_ctx *S, const crowdc_node *v, const char *const *names, size_t n,
                       const char *what, const char *usage);
void crowdc_sema_stmts(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n,
                       crowdc_stmt *out, size_t *nout);

/* sema_resp.c: response blocks */
const char *crowdc_sema_plain(crowdc_sema_ctx *S, const crowdc_node *n, const char *what,
                              size_t *len);
int crowdc_sema_resp_head(const crowdc_node *h);
void crowdc_sema_resp_form(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                           crowdc_request *r, size_t *cap);

/* sema_request.c: requests and HTTP conveniences */
int crowdc_sema_request(crowdc_sema_ctx *S, crowdc_node *form, int method,
                        crowdc_stmt *st);
int crowdc_sema_bool(crowdc_sema_ctx *S, const crowdc_node *v, const char *opt, int *out);
void crowdc_sema_user_http(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_user *u);
void crowdc_sema_user_http_end(crowdc_sema_ctx *S, const crowdc_user *u);

/* sema_events.c: event handlers and a shape's tick */
const char *crowdc_sema_event_an(int kind);
int crowdc_sema_handler_refuses(crowdc_sema_ctx *S, const crowdc_node *h);
int crowdc_sema_event_stmt(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                           crowdc_stmt *st);
void crowdc_sema_events(crowdc_sema_ctx *S, const crowdc_node *root);
int crowdc_sema_tick_result(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st);
void crowdc_sema_tick(crowdc_sema_ctx *S, const crowdc_node *root);

/* sema_users.c: users, tasks, task sets */
int crowdc_sema_client(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_client *client);
void crowdc_sema_user(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *name,
                      crowdc_user *u);

/* sema_extends.c: users that extend others */
crowdc_node *crowdc_sema_inherit(crowdc_sema_ctx *S, const crowdc_node *root, crowdc_node *f);
const crowdc_node *crowdc_sema_form_opt(const crowdc_node *f, const char *name, size_t *at);

#endif
