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
  const char *label;           /* a check: its source form for the Checks summary */
  size_t labellen;
  const crowdc_node *cond;     /* WHEN: the condition (when, if, unless) */
  int negate;                  /* WHEN: unless */
  int skip;                    /* WHEN, SKIP: the items of the branch that follow */
} crowdc_resp_item;

typedef struct crowdc_request {
  int method;                   /* index into crowdc_sema_methods */
  const crowdc_node *path;      /* string expression */
  const crowdc_node *name;      /* or NULL, as are the others */
  const crowdc_node *headers, *query, *form; /* maps */
  const crowdc_node *json;      /* a value: map, vector or expression */
  const crowdc_node *timeout;   /* a number of seconds */
  const crowdc_node *body;      /* :body: a string expression or a (file ...) form */
  const crowdc_node *multipart; /* :multipart: a map of text values and (file ...) forms */
  crowdc_resp_item *resp;       /* the response block, in order */
  size_t nresp;
  /* HTTP conveniences (the request's own, else its user's): */
  const crowdc_node *auth;      /* (basic U P) or (bearer T), or NULL */
  unsigned flags;               /* CROWD_REQ_NO_REDIRECTS, ... */
  const crowdc_node **dheaders; /* the user's default headers sent too: key, value, ... */
  size_t ndheaders;             /* number of nodes (2 per header) */
} crowdc_request;

typedef enum crowdc_stmt_kind {
  CROWDC_S_LET, CROWDC_S_REQUEST,
  CROWDC_S_IF,      /* if, when, unless */
  CROWDC_S_REPEAT,  /* (repeat N ...) */
  CROWDC_S_WHILE,   /* (loop-while COND :max N ...) */
  CROWDC_S_SLEEP,   /* (sleep D) */
  CROWDC_S_LOG,     /* (log MSG :level L) */
  CROWDC_S_CONTROL, /* (interrupt), (reschedule), (reschedule-now): return `control` */
  CROWDC_S_WRITE,   /* (write-file "path" LINE): slot is the file's index, expr the line */
  CROWDC_S_CALL,    /* (call NAME) in an event handler: expr is the symbol */
  CROWDC_S_RESULT   /* a shape's tick gives [USERS RATE CLASSES] (expr, rate, classes)
                       or nil (expr NULL) and ends */
} crowdc_stmt_kind;

typedef struct crowdc_stmt crowdc_stmt;
struct crowdc_stmt {
  crowdc_stmt_kind kind;
  const crowdc_node *form;
  int slot;                 /* LET: the variable's slot; REPEAT, WHILE: the counter's */
  const crowdc_node *expr;  /* LET: its value; REPEAT, WHILE: the count; SLEEP, LOG: the argument */
  int feeder;               /* LET of (next F): F's index; else -1 */
  crowdc_request req;       /* REQUEST */
  const crowdc_node *cond;  /* IF, WHILE */
  int negate;               /* IF: unless */
  int level;                /* LOG: 10 debug ... 40 error */
  crowdc_stmt *body, *alt;  /* IF: then and else; REPEAT, WHILE: the body */
  size_t nbody, nalt;
  int control;              /* CONTROL: the CROWD_TASK_* code the task returns */
  const crowdc_node *rate;  /* RESULT: the spawn rate (expr: the user count) */
  int *classes;             /* RESULT: user classes (indexes into the generated
                               users table), or NULL */
  size_t nclasses;
};

/* A (feeder NAME (csv "file") :strategy S) form, and the columns the
 * scenario reads from its rows, in order of first use. */
typedef struct crowdc_feeder {
  const crowdc_node *name;  /* symbol */
  const crowdc_node *path;  /* plain string */
  const crowdc_node *form;
  int strategy;             /* a crowd_feed_strategy */
  struct { const char *p; size_t len; } *columns;
  size_t ncolumns, colcap;
} crowdc_feeder;

/* row.field in an expression or a string: a symbol's aux, or a string
 * part's slot, is CROWDC_FIELD_REF(i) for fields[i]. */
typedef struct crowdc_field {
  int slot;                 /* the row variable */
  int feeder, column;
} crowdc_field;
#define CROWDC_FIELD_REF(i) (-2 - (int)(i))
#define CROWDC_FIELD_INDEX(aux) ((size_t)(-2 - (aux)))

typedef struct crowdc_taskset crowdc_taskset;

typedef struct crowdc_task {
  const crowdc_node *name;  /* symbol */
  int weight;
  crowdc_stmt *stmts;
  size_t nstmts;
  crowdc_taskset *set;      /* the entry is a (taskset ...) or (sequence ...) */
  const crowdc_node **tags; /* its :tags and those of the sets around it */
  size_t ntags;
} crowdc_task;

/* (taskset NAME ...) or (sequence NAME ...): the entry's set. */
struct crowdc_taskset {
  int sequential;
  int has_wait;             /* its own :wait, else the user's */
  crowdc_wait wait;
  double wait_a, wait_b;
  crowdc_stmt *start, *stop; /* on-start, on-stop */
  size_t nstart, nstop;
  int has_start, has_stop;
  crowdc_task *tasks;
  size_t ntasks;
};

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
  const crowdc_node *headers;   /* :headers, defaults for every request, or NULL */
  const crowdc_node *auth;      /* :auth, or NULL */
  unsigned flags;               /* :redirects, :verify, :http2, :cookies (CROWD_REQ_*) */
  int abstract;                 /* :abstract true: checked, never spawned */
  int fixed_count;              /* :fixed-count N (0: by weight) */
  const crowdc_node *arrival;   /* :arrival (...), checked by load.c; or NULL */
  const crowdc_node *cert, *key; /* :client-cert, :client-key (its own, else the scenario's),
                                    plain strings; or NULL (upload.h) */
} crowdc_user;

/* A (threshold METRIC OP VALUE ...) form (compiler/thresholds.c), in
 * crowd.h's terms: metric a crowd_thr_metric, op a crowd_thr_op; value in
 * seconds, a fraction (1% = 0.01) or a plain number. */
typedef struct crowdc_threshold {
  const crowdc_node *form;
  int metric;
  double pct;                /* percentile metrics: in (0, 100] */
  const char *name;          /* the entry name, or NULL for Aggregated */
  size_t namelen;
  int op;
  double value;
  int abort_on_fail;
  double grace;              /* seconds */
  const char *text;          /* the criterion as written, blanks folded */
  size_t textlen;
} crowdc_threshold;

struct crowdc_load;

/* An (on EVENT :filter V ... STMT...) form.  Its statements and variable
 * slots are a user's (`u.init`, `u.vars`); the first CROWD_EVV_COUNT slots
 * are the predefined variables, in crowd.h's crowd_event_slot order. */
typedef struct crowdc_handler {
  int kind;                  /* a crowd_event_kind */
  const crowdc_node *form;
  crowdc_user u;
  const crowdc_node *name;   /* :name, a plain string, or NULL */
  int method;                /* :method, an index into crowdc_sema_methods; -1 any */
  int failure;               /* :failure true 1, false 0; -1 both */
  double min_time;           /* :min-time, seconds; 0 any */
} crowdc_handler;

/* A shape's (tick STMT...) (load.h): its statements and slots are a
 * user's; the first CROWD_TICK_COUNT slots are run-time and user-count. */
typedef struct crowdc_tick {
  const crowdc_node *form;
  crowdc_user u;
} crowdc_tick;

typedef struct crowdc_model {
  const char *source;       /* the file name, as given */
  const char *name;         /* the scenario's name */
  size_t namelen;
  const crowdc_node *host;  /* plain string, or NULL */
  crowdc_client client;     /* the scenario's :client (default http) */
  const crowdc_node *client_at; /* its value, or NULL */
  crowdc_user *users;
  size_t nusers;
  crowdc_feeder *feeders;
  size_t nfeeders;
  crowdc_field *fields;
  size_t nfields, fieldcap;
  crowdc_threshold *thresholds;
  size_t nthresholds;
  struct crowdc_load *load; /* (options ...), (shape ...), :arrival (load.h) */
  crowdc_handler *handlers; /* (on ...) forms */
  size_t nhandlers;
  const crowdc_node **files; /* (write-file ...) paths, plain strings, one per path */
  size_t nfiles, filecap;
  const crowdc_node **calls; /* (call NAME) symbols, in source order */
  size_t ncalls, callcap;
  const crowdc_node **extensions; /* (extension "FILE") paths, plain strings */
  size_t nextensions;
  crowdc_tick *tick;        /* the (shape ...)'s (tick ...), or NULL */
  const crowdc_node **uploads; /* (file ...) forms, the first one per path (upload.h);
                                  a (file ...) form's aux is its index */
  size_t nuploads, uploadcap;
  const crowdc_node *cert, *key; /* the scenario's :client-cert and :client-key, or NULL */
} crowdc_model;

/* Check a parsed file; the model, even when errors were reported (the
 * caller looks at the diag's count before generating code). */
crowdc_model *crowdc_sema(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src,
                          const crowdc_node *root);

#endif
