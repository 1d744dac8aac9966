/* sema.h — the checks, and the scenario model they produce for codegen.
 *
 * Ownership: the model lives in the compilation's arena and points into
 * the AST (expressions stay AST nodes; sema sets their `aux` fields).
 */
#ifndef CROWDC_SEMA_H
#define CROWDC_SEMA_H

#include <stddef.h>

#include "compiler/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"

/* Request methods, in crowd.h's crowd_method order. */
enum { CROWDC_NMETHODS = 7 };
extern const char *const crowdc_sema_methods[CROWDC_NMETHODS]; /* "get", "post", ... */

/* Wait kinds, in crowd.h's crowd_wait_kind order. */
typedef enum crowdc_wait {
  CROWDC_WAIT_NONE = 0, CROWDC_WAIT_CONSTANT, CROWDC_WAIT_BETWEEN, CROWDC_WAIT_PACING,
  CROWDC_WAIT_THROUGHPUT
} crowdc_wait;

/* HTTP clients, in crowd.h's crowd_client_kind order. */
typedef enum crowdc_client { CROWDC_CLIENT_HTTP = 0, CROWDC_CLIENT_FAST } crowdc_client;

/* One item of a request's response block, in crowd.h's terms: op is a
 * crowd_op, src a crowd_src, pick a crowd_pick. */
typedef struct crowdc_resp_item {
  int op, src;
  const crowdc_node *form;     /* the check, save, success or failure form */
  const crowdc_node *arg;      /* header or cookie name, JSON path (plain strings) */
  const crowdc_node *pattern;  /* :matches and (regex ...): a plain string */
  const crowdc_node *value;    /* what is compared with, or failure's message */
  const int *set;              /* (status 200 201): the statuses */
  size_t nset;
  int pick;
  int slot;                    /* save: the variable's slot; else -1 */
} crowdc_resp_item;

typedef struct crowdc_request {
  int method;                   /* index into crowdc_sema_methods */
  const crowdc_node *path;      /* string expression */
  const crowdc_node *name;      /* or NULL, as are the others */
  const crowdc_node *headers, *query, *form; /* maps */
  const crowdc_node *json;      /* a value: map, vector or expression */
  const crowdc_node *timeout;   /* a number of seconds */
  crowdc_resp_item *resp;       /* the response block, in order */
  size_t nresp;
} crowdc_request;

typedef enum crowdc_stmt_kind { CROWDC_S_LET, CROWDC_S_REQUEST } crowdc_stmt_kind;

typedef struct crowdc_stmt {
  crowdc_stmt_kind kind;
  const crowdc_node *form;
  int slot;                 /* LET: the variable's slot */
  const crowdc_node *expr;  /* LET: its value */
  crowdc_request req;       /* REQUEST */
} crowdc_stmt;

typedef struct crowdc_task {
  const crowdc_node *name;  /* symbol */
  int weight;
  crowdc_stmt *stmts;
  size_t nstmts;
} crowdc_task;

typedef struct crowdc_user {
  const crowdc_node *name;  /* symbol */
  double weight;
  crowdc_wait wait;
  double wait_a, wait_b;
  crowdc_stmt *init;        /* user-level lets and (on-start ...), run by on_start */
  size_t ninit;
  crowdc_stmt *stop;        /* (on-stop ...) */
  size_t nstop;
  int has_stop;             /* there is an on-stop form (even an empty one) */
  crowdc_task *tasks;
  size_t ntasks;
  const crowdc_node **vars; /* a symbol naming each slot */
  size_t nvars;
  crowdc_client client;     /* its own :client, else the scenario's */
  const crowdc_node *client_at; /* the :client value that chose it, or NULL */
  const crowdc_node *http_only; /* the first use of an http-only feature, or NULL */
  const char *http_only_what;   /* what that feature is, for the error */
} crowdc_user;

typedef struct crowdc_model {
  const char *source;       /* the file name, as given */
  const char *name;         /* the scenario's name */
  size_t namelen;
  const crowdc_node *host;  /* plain string, or NULL */
  crowdc_client client;     /* the scenario's :client (default http) */
  const crowdc_node *client_at; /* its value, or NULL */
  crowdc_user *users;
  size_t nusers;
} crowdc_model;

/* Check a parsed file; the model, even when errors were reported (the
 * caller looks at the diag's count before generating code). */
crowdc_model *crowdc_sema(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src,
                          const crowdc_node *root);

#endif
