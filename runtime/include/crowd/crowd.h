/* crowd.h — the interface between the C that crowdc generates and libcrowd.
 *
 * Generated code is thin: static tables describing the scenario (user
 * classes, tasks, waits) plus one resumable function per task that calls
 * into the runtime through the functions below.  Nothing else of the runtime
 * is visible to it.
 *
 * Ownership: a crowd_val that holds a string owns its bytes (malloc'd); the
 * runtime frees them when the value is overwritten (crowd_val_set*) or the
 * user stops.  Temporaries a task function declares must be released with
 * crowd_val_clear() before the function returns or yields.
 */
#ifndef CROWD_CROWD_H
#define CROWD_CROWD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CROWD_ABI_VERSION 1

/* ---- values ---------------------------------------------------------- */

typedef enum crowd_type {
  CROWD_NIL = 0,
  CROWD_INT,  /* int64 */
  CROWD_NUM,  /* double (decimals, durations in seconds) */
  CROWD_STR   /* bytes + length, NUL-terminated for convenience */
} crowd_type;

typedef struct crowd_val {
  crowd_type type;
  union {
    int64_t i;
    double n;
    struct { char *p; size_t len; } s;
  } u;
} crowd_val;

#define CROWD_VAL_NIL ((crowd_val){ .type = CROWD_NIL })
/* A string literal as a value that borrows its bytes: generated code keeps
 * these in `static const crowd_val` and never clears them. */
#define CROWD_VAL_LIT(lit) { .type = CROWD_STR, .u.s = { (char *)(lit), sizeof(lit) - 1 } }

void crowd_val_clear(crowd_val *v);
void crowd_val_int(crowd_val *v, int64_t i);
void crowd_val_num(crowd_val *v, double n);
void crowd_val_str(crowd_val *v, const char *p, size_t len); /* copies */
void crowd_val_copy(crowd_val *dst, const crowd_val *src);   /* deep copy */

/* ---- users and tasks ------------------------------------------------- */

typedef struct crowd_user crowd_user; /* opaque to generated code */

/* What a task function returns. */
enum {
  CROWD_TASK_DONE = 0,  /* the task finished */
  CROWD_TASK_YIELD = 1, /* waiting (a request is in flight): call again with the saved step */
  CROWD_TASK_FAIL = 2,  /* a run-time error, already reported through crowd_task_error()
                           or as a failed request (crowd_resp_check) */
  /* Task-set control (LOCUST-COMPAT.md §8), ending the task at once: */
  CROWD_TASK_INTERRUPT = 3,      /* (interrupt): leave the task set, on-stop first; the
                                    parent picks its next task without a wait */
  CROWD_TASK_INTERRUPT_WAIT = 4, /* (interrupt :reschedule false): the same, then the
                                    parent waits first */
  CROWD_TASK_RESCHEDULE = 5,     /* (reschedule): wait, then the next task */
  CROWD_TASK_RESCHEDULE_NOW = 6  /* (reschedule-now): the next task, no wait */
};

/* A task function resumes at *step (0 on entry); vars are the user's variable
 * slots.  It returns one of the codes above. */
typedef int (*crowd_task_fn)(crowd_user *u, int *step, crowd_val *vars);

/* Report a run-time error in a task (a bad argument to a built-in, ...).
 * site is "file:line:col".  The task is abandoned; the user goes on. */
void crowd_task_error(crowd_user *u, const char *site, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- strings built from pieces (interpolation) ----------------------- */

/* The user's scratch buffer: generated code builds an interpolated string
 * with crowd_str_begin / _lit / _val and takes it with crowd_str_end, which
 * stores a copy into *out. */
void crowd_str_begin(crowd_user *u);
void crowd_str_lit(crowd_user *u, const char *p, size_t len);
void crowd_str_val(crowd_user *u, const crowd_val *v);
void crowd_str_end(crowd_user *u, crowd_val *out);

/* ---- HTTP requests --------------------------------------------------- */

typedef enum crowd_method {
  CROWD_GET = 0, CROWD_POST, CROWD_PUT, CROWD_PATCH, CROWD_DELETE,
  CROWD_HEAD, CROWD_OPTIONS, CROWD_METHOD_COUNT
} crowd_method;

/* One per request form in the scenario, static. */
typedef struct crowd_req_site {
  crowd_method method;
  const char *site; /* "file.crowd:line:col" */
} crowd_req_site;

/* Building a request: begin, then any of the setters, then send.  After
 * crowd_req_send the task function must save its step and return
 * CROWD_TASK_YIELD; it is called again when the response has been recorded. */
void crowd_req_begin(crowd_user *u, const crowd_req_site *site);
void crowd_req_path(crowd_user *u, const crowd_val *path);  /* path or absolute URL */
void crowd_req_name(crowd_user *u, const crowd_val *name);  /* stats entry name */
void crowd_req_header(crowd_user *u, const crowd_val *key, const crowd_val *value);
void crowd_req_query(crowd_user *u, const crowd_val *key, const crowd_val *value);
void crowd_req_form(crowd_user *u, const crowd_val *key, const crowd_val *value);
void crowd_req_timeout(crowd_user *u, double seconds);
void crowd_req_send(crowd_user *u);

/* A JSON body, written as a stream of events in document order.  Keys are
 * given before each member's value; commas are the runtime's business. */
void crowd_json_begin(crowd_user *u);
void crowd_json_obj_open(crowd_user *u);
void crowd_json_obj_close(crowd_user *u);
void crowd_json_arr_open(crowd_user *u);
void crowd_json_arr_close(crowd_user *u);
void crowd_json_key(crowd_user *u, const char *key, size_t len);
void crowd_json_val(crowd_user *u, const crowd_val *v); /* nil -> null, str -> string, numbers -> numbers */
void crowd_json_bool(crowd_user *u, int b);
void crowd_json_end(crowd_user *u);

/* ---- responses: checks and saves ------------------------------------ */

/* A request form may end with a response block, (expect ...), (save ...),
 * (success) and (failure ...): crowdc lowers it to a static table of items
 * that the runtime evaluates in order, once the response has arrived. */

typedef enum crowd_src {   /* what an item reads */
  CROWD_SRC_NONE = 0,      /* (success), (failure) */
  CROWD_SRC_STATUS,
  CROWD_SRC_HEADER,        /* arg: the header's name (any case) */
  CROWD_SRC_COOKIE,        /* arg: a cookie set by the response (Set-Cookie) */
  CROWD_SRC_BODY,
  CROWD_SRC_JSON,          /* arg: a JSON path (stdlib/jsonpath.h) */
  CROWD_SRC_REGEX,         /* re over the body: group 1, or the whole match */
  CROWD_SRC_TIME           /* the response time, in seconds */
} crowd_src;

typedef enum crowd_op {
  CROWD_OP_SAVE = 0,       /* store the value in slot */
  CROWD_OP_EXISTS,
  CROWD_OP_ABSENT,
  CROWD_OP_CONTAINS,       /* the value's text contains the expected text */
  CROWD_OP_MATCHES,        /* re matches the value's text */
  CROWD_OP_EQ, CROWD_OP_LT, CROWD_OP_LE, CROWD_OP_GT, CROWD_OP_GE,
  CROWD_OP_IN,             /* the status is one of set */
  CROWD_OP_SUCCESS,        /* the request succeeds, whatever its status */
  CROWD_OP_FAILURE,        /* the request fails with the expected value as message */
  CROWD_OP_WHEN,           /* (when/if/unless C ...): cond false: skip the next `skip` items */
  CROWD_OP_SKIP            /* the end of an if's then-branch: skip the `skip` else-items */
} crowd_op;

/* Which match of a JSON path with [*] a save keeps. */
typedef enum crowd_pick {
  CROWD_PICK_FIRST = 0, CROWD_PICK_LAST, CROWD_PICK_RANDOM,
  CROWD_PICK_ALL           /* every match, as a JSON array (a string) */
} crowd_pick;

/* A piece of a string interpolated at run time: bytes, or (p == NULL) the
 * variable in slot. */
typedef struct crowd_tpl_part {
  const char *p;
  size_t len;
  int slot;
} crowd_tpl_part;

/* A POSIX extended regular expression, compiled on first use.  Generated
 * code keeps one, zeroed, in a non-const static per pattern; the runtime
 * owns what `compiled` points to, for the life of the process. */
typedef struct crowd_regex {
  const char *pattern;
  void *compiled;
  int state;               /* 0 not yet compiled, 1 compiled, -1 invalid */
} crowd_regex;

typedef struct crowd_resp_item {
  crowd_op op;
  crowd_src src;
  const char *arg;               /* HEADER and COOKIE name, JSON path; or NULL */
  crowd_regex *re;               /* MATCHES, SRC_REGEX; or NULL */
  /* The value compared with (CONTAINS, EQ..GE) or FAILURE's message: a
   * constant, a variable (value_slot >= 0) or an interpolated string. */
  const crowd_val *value;
  int value_slot;
  const crowd_tpl_part *tpl;
  int ntpl;
  const int *set;                /* IN: the statuses */
  int nset;
  crowd_pick pick;
  int slot;                      /* SAVE: the variable; else -1 */
  const char *site;              /* "file:line:col" of the item */
  int check;                     /* a check: 1 + its index into crowd_scenario_desc.checks
                                    (counted for the Checks summary); 0: not a check */
  /* WHEN: the condition, computed by generated code from the user's
   * variables: 1 true, 0 false, CROWD_TASK_FAIL after a reported error. */
  int (*cond)(crowd_user *u, crowd_val *vars);
  int skip;                      /* WHEN, SKIP: how many items follow in the branch */
} crowd_resp_item;

/* One check of the scenario, (status 200) in an (expect ...): its passes
 * and failures are counted for the end summary and the reports. */
typedef struct crowd_check_desc {
  const char *label;             /* the check as written, e.g. json $.items :exists */
  const char *site;              /* "file:line:col" */
} crowd_check_desc;

typedef struct crowd_resp_desc {
  const crowd_resp_item *items;
  int nitems;
  int keep;       /* some item reads the headers or the body */
  int has_status; /* the block checks the status itself: a status >= 400
                     alone does not fail the request */
} crowd_resp_desc;

/* Between crowd_req_begin and crowd_req_send: the request has a response
 * block.  The client then keeps what it needs, and the request is recorded
 * in the statistics only by crowd_resp_check. */
void crowd_req_response(crowd_user *u, const crowd_resp_desc *resp);
/* Right after the request's resume point: evaluate the block, record the
 * request (failed with the first failure's message, if any).  Returns 0,
 * or -1 when a save failed: the task must stop (return CROWD_TASK_FAIL),
 * since what follows would use a value that does not exist. */
int crowd_resp_check(crowd_user *u);

/* ---- built-in functions (stdlib/builtins.def) ------------------------ */

/* Every built-in has this shape: it writes its result to *out and returns 0,
 * or reports through crowd_task_error and returns -1. */
typedef int (*crowd_builtin_fn)(crowd_user *u, const char *site, crowd_val *out,
                                const crowd_val *args, int nargs);

#define CROWD_BUILTIN(name, cname, minargs, maxargs, argtypes, rettype, doc) \
  int cname(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs);
#include "builtins.def"
#undef CROWD_BUILTIN

/* ---- control flow (if, when, unless, repeat, loop-while, sleep, log) --- */

/* Is the value true?  False: nil, 0, 0.0 and the empty string. */
int crowd_truthy(const crowd_val *v);
/* Loop counters live in user slots, so that a loop may hold requests:
 * crowd_loop_init sets the counter from a count (an integer >= 0; else it
 * reports and returns -1); crowd_loop_next takes one from it and returns 1,
 * or returns 0 when none is left. */
int crowd_loop_init(crowd_user *u, const char *site, crowd_val *counter, const crowd_val *count);
int crowd_loop_next(crowd_val *counter);
/* (sleep D): arm the user's timer for D seconds; the task function then
 * saves its step and returns CROWD_TASK_YIELD, and is called again when the
 * time is up.  Returns 0, or -1 after reporting a bad duration. */
int crowd_sleep(crowd_user *u, const char *site, const crowd_val *seconds);
/* (log "msg" :level L): level is 10 debug, 20 info, 30 warning, 40 error. */
void crowd_log_msg(crowd_user *u, const char *site, int level, const crowd_val *msg);

/* ---- feeders (CSV data) ------------------------------------------------ */

typedef enum crowd_feed_strategy {
  CROWD_FEED_CYCLE = 0,  /* rows in order, shared by all users, then again */
  CROWD_FEED_RANDOM,     /* a row chosen uniformly at each (next) */
  CROWD_FEED_SHUFFLE,    /* a random permutation, shared; a new one each round */
  CROWD_FEED_UNIQUE      /* each row once; then the user that asks stops */
} crowd_feed_strategy;

typedef struct crowd_feeder_desc {
  const char *name;
  const char *path;              /* as written in (csv "...") */
  const char *dir;               /* the scenario's directory, for a relative path */
  crowd_feed_strategy strategy;
  const char *const *columns;    /* the fields the scenario reads (row.field) */
  int ncolumns;
  const char *site;              /* "file:line:col" of the feeder form */
} crowd_feeder_desc;

/* (next F): a row of feeder F (an index into crowd_scenario_desc.feeders)
 * into *row, a handle only crowd_feeder_field reads.  Returns 0; 1 when a
 * unique feeder has no row left: the user stops (logged) and the task
 * function returns CROWD_TASK_DONE at once. */
int crowd_feeder_next(crowd_user *u, const char *site, int feeder, crowd_val *row);
/* row.field: the column (an index into the feeder's columns) of the row,
 * as a string; nil when row holds no row of that feeder. */
void crowd_feeder_field(crowd_user *u, const crowd_val *row, int feeder, int column, crowd_val *out);
/* {row.field} in an interpolated string (crowd_str_begin ... _end). */
void crowd_str_field(crowd_user *u, const crowd_val *row, int feeder, int column);

/* ---- HTTP options ------------------------------------------------------- */

enum {
  CROWD_REQ_NO_REDIRECTS = 1,  /* :redirects false */
  CROWD_REQ_NO_VERIFY = 2,     /* :verify false: no TLS certificate check */
  CROWD_REQ_HTTP2 = 4,         /* :http2 true (the http client) */
  CROWD_REQ_NO_COOKIES = 8     /* :cookies false on the user */
};
/* Between crowd_req_begin and crowd_req_send. */
void crowd_req_flags(crowd_user *u, unsigned flags);
/* :auth (basic U P) and (bearer T): an Authorization header. */
void crowd_req_basic_auth(crowd_user *u, const crowd_val *user, const crowd_val *password);
void crowd_req_bearer_auth(crowd_user *u, const crowd_val *token);

/* ---- bodies from files, multipart, client certificates ------------------ */

/* A (file "PATH") of the scenario: read once, when the executable starts
 * (before any load), shared by every user; at most CROWD_UPLOAD_MAX bytes. */
typedef struct crowd_upload_desc {
  const char *path;              /* as written in (file "...") */
  const char *dir;               /* the scenario's directory, for a relative path */
  const char *site;              /* "file:line:col" of its first (file ...) */
} crowd_upload_desc;
#define CROWD_UPLOAD_MAX (16u * 1024u * 1024u)

/* :client-cert and :client-key of a user (or of the scenario): PEM files,
 * read and checked when the executable starts. */
typedef struct crowd_tls_desc {
  const char *cert, *key;        /* as written */
  const char *dir;               /* the scenario's directory, for relative paths */
  const char *site;              /* "file:line:col" of :client-cert */
} crowd_tls_desc;

/* Between crowd_req_begin and crowd_req_send, instead of :json or :form.
 * :body STR: the bytes as they are (no Content-Type of its own);
 * :body (file ...): file `file` (an index into crowd_scenario_desc.uploads)
 * with Content-Type `type` (static). */
void crowd_req_body(crowd_user *u, const crowd_val *body);
void crowd_req_body_file(crowd_user *u, int file, const char *type);
/* :multipart: a text part, and a file part (filename and type static;
 * filename NULL: the file's base name). */
void crowd_req_part(crowd_user *u, const crowd_val *name, const crowd_val *value);
void crowd_req_part_file(crowd_user *u, const crowd_val *name, int file, const char *filename,
                         const char *type);

/* ---- events (doc/language.md, "Events"; doc/extensions.md) ------------- */

/* Scenario-level hooks: (on EVENT ...) forms.  crowd.h's order is the
 * order of the names in the language. */
typedef enum crowd_event_kind {
  CROWD_EV_TEST_START = 0, CROWD_EV_TEST_STOP, CROWD_EV_SPAWNING, CROWD_EV_SPAWNING_COMPLETE,
  CROWD_EV_QUITTING, CROWD_EV_USER_ERROR, CROWD_EV_REQUEST, CROWD_EV_COUNT
} crowd_event_kind;

/* The variables an event predefines, in the first slots of every handler
 * (a slot an event does not set stays nil). */
typedef enum crowd_event_slot {
  CROWD_EVV_HOST = 0, CROWD_EVV_USERS, CROWD_EVV_NAME, CROWD_EVV_METHOD, CROWD_EVV_STATUS,
  CROWD_EVV_ERROR, CROWD_EVV_TIME, CROWD_EVV_COUNT
} crowd_event_slot;

/* One (on EVENT :filter V ... STMT...) form.  fn runs the statements with
 * the handler's own nvars slots (never yields). */
typedef struct crowd_handler_desc {
  crowd_event_kind kind;
  crowd_task_fn fn;
  int nvars;
  const char *const *var_names;
  /* request filters */
  const char *name;            /* :name; NULL: any */
  int method;                  /* :method, a crowd_method; -1: any */
  int failure;                 /* :failure: 1 failures only, 0 successes only, -1 both */
  double min_time;             /* :min-time in seconds; 0: any */
  const char *site;            /* "file:line:col" */
} crowd_handler_desc;

/* A (write-file "path" ...) target, opened (appending) before the test. */
typedef struct crowd_file_desc {
  const char *path;            /* as written: relative to the working directory */
  const char *site;
} crowd_file_desc;

/* (write-file "path" LINE): LINE and a newline, appended to file `file`
 * (an index into crowd_scenario_desc.files). */
void crowd_write_file(crowd_user *u, const char *site, int file, const crowd_val *line);

/* (call NAME): a C function of an extension (crowd/extension.h), called
 * with the event being handled. */
struct crowd_event;
typedef void (*crowd_ext_fn)(const struct crowd_event *ev);
void crowd_ext_call(crowd_user *u, const char *site, crowd_ext_fn fn);

/* ---- the scenario model (static tables) ------------------------------ */

typedef enum crowd_wait_kind {
  CROWD_WAIT_NONE = 0,       /* constant(0), Locust's default */
  CROWD_WAIT_CONSTANT,       /* a */
  CROWD_WAIT_BETWEEN,        /* uniform in [a, b] */
  CROWD_WAIT_PACING,         /* constant_pacing(a) */
  CROWD_WAIT_THROUGHPUT      /* constant_throughput(a) tasks per second */
} crowd_wait_kind;

typedef struct crowd_wait_desc {
  crowd_wait_kind kind;
  double a, b; /* seconds (THROUGHPUT: a is tasks per second) */
} crowd_wait_desc;

struct crowd_taskset_desc;

typedef struct crowd_task_desc {
  const char *name;
  int weight;        /* >= 0; 0 = never chosen */
  crowd_task_fn fn;  /* NULL when the entry is a task set */
  const struct crowd_taskset_desc *set; /* a nested task set, or NULL */
  const char *const *tags; /* its tags and those of the sets around it */
  int ntags;
} crowd_task_desc;

/* A task set, (taskset ...) or (sequence ...): chosen like a task, it runs
 * its own tasks until one of them interrupts it (Locust's TaskSet and
 * SequentialTaskSet).  The descriptors form a tree. */
typedef struct crowd_taskset_desc {
  const char *name;
  int sequential;            /* tasks in declaration order, cycling */
  int has_wait;              /* 0: the user's wait */
  crowd_wait_desc wait;
  crowd_task_fn on_start;    /* NULL if none */
  crowd_task_fn on_stop;     /* NULL if none */
  const crowd_task_desc *tasks;
  int ntasks;
} crowd_taskset_desc;

/* How deep task sets nest (a user counts as one level). */
#define CROWD_TASKSET_DEPTH 16

/* One stage of a (shape ...) or of a (ramping-rate ...) arrival profile
 * (doc/language.md, "Load shapes" and "Arrival rates"). */
typedef struct crowd_stage_desc {
  double duration;           /* seconds: the stage's own length */
  double users;              /* shape: the user count the stage runs */
  double rate;               /* shape: users started (or stopped) per second;
                                arrival: the rate reached at the stage's end,
                                iterations per second */
  const int *classes;        /* shape: the user classes it spawns (indexes
                                into crowd_scenario_desc.users); NULL: all */
  int nclasses;
} crowd_stage_desc;

/* (shape NAME ...): the user count over time, stage after stage; the test
 * ends after the last one.  Or (shape NAME (tick ...)): Locust's
 * LoadTestShape.tick(), a function the runtime calls once a second. */
typedef struct crowd_shape_desc {
  const char *name;
  const crowd_stage_desc *stages;
  int nstages;
  const char *site;          /* "file:line:col" */
  /* (tick STMT...): stages is NULL.  tick runs the statements over its own
   * tick_nvars slots (never yields), run-time and user-count predefined in
   * the first ones (crowd_tick_slot); it ends at the first result, given
   * through crowd_shape_result, or without one: nil, the test ends. */
  crowd_task_fn tick;
  int tick_nvars;
  const char *const *tick_var_names;
} crowd_shape_desc;

/* The variables a tick predefines, in its first slots. */
typedef enum crowd_tick_slot {
  CROWD_TICK_RUN_TIME = 0,   /* seconds since the shape started (a decimal) */
  CROWD_TICK_USER_COUNT,     /* the users running now (an integer) */
  CROWD_TICK_COUNT
} crowd_tick_slot;

/* The tick's result [USERS RATE] or [USERS RATE [CLASS...]] (classes:
 * indexes into crowd_scenario_desc.users; NULL: the classes stay as they
 * are).  The runtime checks the values (site: the vector's place); the tick
 * function then returns CROWD_TASK_DONE. */
void crowd_shape_result(crowd_user *u, const char *site, const crowd_val *users, const crowd_val *rate,
                        const int *classes, int nclasses);

/* :arrival of a user class: an open model.  Iterations (one task each)
 * start at a rate, each on an idle user of a pool that grows up to
 * max_users; an arrival that finds none is dropped and counted. */
typedef enum crowd_arrival_kind {
  CROWD_ARRIVAL_CONSTANT = 1, /* (constant-rate R ...) */
  CROWD_ARRIVAL_RAMPING       /* (ramping-rate (stage D :rate R) ...) */
} crowd_arrival_kind;

typedef struct crowd_arrival_desc {
  crowd_arrival_kind kind;
  double rate;               /* CONSTANT: iterations per second */
  double start_rate;         /* RAMPING: the rate at the start */
  const crowd_stage_desc *stages; /* RAMPING: the rate moves linearly to
                                     each stage's rate over its duration */
  int nstages;
  long max_users;            /* the pool's cap */
  long pre_allocate;         /* users created (and on-start run) up front */
  int poisson;               /* exponential gaps instead of even ones */
  const char *site;
} crowd_arrival_desc;

/* (options :key value ...): defaults for the executable's options, as on
 * a command line ("10", "300" for 5m, "true", "[a, b]"). */
typedef struct crowd_option_desc {
  const char *name;          /* a long option name, e.g. "spawn-rate" */
  const char *value;
  const char *site;          /* "file:line:col" */
} crowd_option_desc;

/* The HTTP client a user class runs on (`:client` in the scenario). */
typedef enum crowd_client_kind {
  CROWD_CLIENT_HTTP = 0,     /* libcurl: everything HTTP */
  CROWD_CLIENT_FAST,         /* lean HTTP/1.1 keep-alive, as Locust's FastHttpUser */
  CROWD_CLIENT_COUNT
} crowd_client_kind;

typedef struct crowd_user_desc {
  const char *name;
  double weight;                 /* dispatch weight (> 0) */
  int nvars;                     /* variable slots per user */
  const char *const *var_names;  /* nvars names, for debugging */
  crowd_wait_desc wait;
  crowd_task_fn on_start;        /* user-level lets and (on-start ...); NULL if none */
  const crowd_task_desc *tasks;
  int ntasks;
  crowd_task_fn on_stop;         /* (on-stop ...); NULL if none */
  crowd_client_kind client;      /* `:client`; 0 = CROWD_CLIENT_HTTP */
  int fixed_count;               /* > 0: exactly this many users, spawned first;
                                    weight ignored (Locust's fixed_count) */
  const crowd_arrival_desc *arrival; /* :arrival; NULL: users loop (Locust's model) */
  const crowd_tls_desc *tls;     /* :client-cert/:client-key (its own or the scenario's); or NULL */
} crowd_user_desc;

/* (threshold METRIC OP VALUE :abort-on-fail B :grace D): a pass/fail
 * criterion on the run's statistics (doc/language.md). */
typedef enum crowd_thr_metric {
  CROWD_THR_PERCENTILE = 0, /* pNN, pNN.N: response time at percentile `pct` */
  CROWD_THR_AVG,            /* mean response time */
  CROWD_THR_MIN,
  CROWD_THR_MAX,
  CROWD_THR_MED,            /* median (p50) */
  CROWD_THR_FAIL_RATIO,     /* failures / requests */
  CROWD_THR_RPS,            /* requests per second over the run */
  CROWD_THR_COUNT,          /* requests */
  CROWD_THR_FAILS           /* failed requests */
} crowd_thr_metric;

typedef enum crowd_thr_op { CROWD_THR_LT = 0, CROWD_THR_LE, CROWD_THR_GT, CROWD_THR_GE } crowd_thr_op;

typedef struct crowd_threshold_desc {
  const char *text;         /* the criterion as written, e.g. (p95 "products") < 200ms */
  crowd_thr_metric metric;
  double pct;               /* PERCENTILE: in (0, 100] */
  const char *name;         /* the entries of this name (any method); NULL: Aggregated */
  crowd_thr_op op;
  double value;             /* seconds for times, a fraction for fail-ratio (1% = 0.01) */
  int abort_on_fail;        /* stop the run as soon as it is breached */
  double grace;             /* seconds from the start before abort-on-fail applies */
  const char *site;         /* "file:line:col" */
} crowd_threshold_desc;

typedef struct crowd_scenario_desc {
  int abi;                       /* CROWD_ABI_VERSION */
  const char *name;
  const char *source;            /* the .crowd file it was compiled from */
  const char *host;              /* default host, or NULL */
  const crowd_user_desc *users;
  int nusers;
  const crowd_feeder_desc *feeders; /* (feeder ...) forms; NULL if none */
  int nfeeders;
  const crowd_threshold_desc *thresholds; /* (threshold ...) forms; NULL if none */
  int nthresholds;
  const crowd_option_desc *options; /* (options ...); NULL if none */
  int noptions;
  const crowd_shape_desc *shape;    /* (shape ...); NULL if none */
  const crowd_handler_desc *handlers; /* (on EVENT ...) forms; NULL if none */
  int nhandlers;
  const crowd_file_desc *files;     /* (write-file ...) targets; NULL if none */
  int nfiles;
  const crowd_check_desc *checks;   /* every check of every (expect ...); NULL if none */
  int nchecks;
  const crowd_upload_desc *uploads; /* (file ...) bodies and parts, one per path; NULL if none */
  int nuploads;
} crowd_scenario_desc;

/* The executable's main: options, run, report.  Returns the exit code. */
int crowd_main(const crowd_scenario_desc *sc, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
