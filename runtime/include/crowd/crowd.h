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
  CROWD_TASK_FAIL = 2   /* a run-time error, already reported through crowd_task_error() */
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

/* ---- built-in functions (stdlib/builtins.def) ------------------------ */

/* Every built-in has this shape: it writes its result to *out and returns 0,
 * or reports through crowd_task_error and returns -1. */
typedef int (*crowd_builtin_fn)(crowd_user *u, const char *site, crowd_val *out,
                                const crowd_val *args, int nargs);

#define CROWD_BUILTIN(name, cname, minargs, maxargs, argtypes, rettype, doc) \
  int cname(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs);
#include "builtins.def"
#undef CROWD_BUILTIN

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

typedef struct crowd_task_desc {
  const char *name;
  int weight;        /* >= 0; 0 = never chosen */
  crowd_task_fn fn;
} crowd_task_desc;

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
  crowd_task_fn on_start;        /* user-level lets; NULL if none */
  const crowd_task_desc *tasks;
  int ntasks;
  crowd_client_kind client;      /* `:client`; 0 = CROWD_CLIENT_HTTP */
} crowd_user_desc;

typedef struct crowd_scenario_desc {
  int abi;                       /* CROWD_ABI_VERSION */
  const char *name;
  const char *source;            /* the .crowd file it was compiled from */
  const char *host;              /* default host, or NULL */
  const crowd_user_desc *users;
  int nusers;
} crowd_scenario_desc;

/* The executable's main: options, run, report.  Returns the exit code. */
int crowd_main(const crowd_scenario_desc *sc, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
