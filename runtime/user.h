/* user.h — one simulated user: a state machine driven by the event loop.
 *
 * A user runs on_start once, then picks tasks by weight, runs each through
 * the crowd_task_fn protocol (crowd.h) and waits between them per its class's
 * wait_time, with Locust's semantics (LOCUST-COMPAT.md §8).
 *
 * Ownership: the runner owns the users (crowd_user_new / crowd_user_free) and
 * the user classes.  A user owns its variable slots, its crowd_request and
 * buffers, its client connection and its wait timer.  runner may be NULL (unit
 * tests): then nothing is ever sent and no stats are recorded.
 */
#ifndef CROWD_USER_H
#define CROWD_USER_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include <crowd/crowd.h>

#include "request.h"

struct crowd_runner;
struct crowd_arrival_class;

/* -T/--tags and -E/--exclude-tags (LOCUST-COMPAT.md §8): a task runs when
 * (tags given => it has one of them) and (exclude given => it has none). */
typedef struct crowd_tag_filter {
  const char *const *tags;
  int ntags;                  /* 0: no --tags filter */
  const char *const *exclude;
  int nexclude;               /* 0: no --exclude-tags filter */
} crowd_tag_filter;

/* A task set (or a user's own tasks) as the runner prepared it: the choice
 * table over the entries the tag filter kept, and the nested sets.  An
 * entry filtered out, or a set left with no task, has weight 0. */
typedef struct crowd_set_rt {
  const crowd_taskset_desc *desc;
  int *cum;                   /* cum[i] = kept weight of entries 0..i */
  long total;                 /* 0 = nothing to run */
  struct crowd_set_rt *child; /* per entry: the nested set (desc NULL if none) */
} crowd_set_rt;

/* A user class as the runner prepared it: its task-choice tables. */
typedef struct crowd_user_class {
  const crowd_user_desc *desc;
  int *cum;   /* cum[i] = weight of tasks 0..i, inclusive (= root.cum) */
  long total; /* sum of the weights; 0 = no task can run (= root.total) */
  long count; /* users of this class spawned so far */
  int depth;  /* frames a user of the class needs: 1 + its deepest set nesting */
  crowd_taskset_desc root_desc; /* the user's tasks and wait, as a set */
  crowd_set_rt root;
} crowd_user_class;

int crowd_user_class_init(crowd_user_class *c, const crowd_user_desc *desc); /* 0 or -1 */
/* The same, keeping only the tasks that pass filter (NULL: all). */
int crowd_user_class_init_tags(crowd_user_class *c, const crowd_user_desc *desc,
                               const crowd_tag_filter *filter);
void crowd_user_class_free(crowd_user_class *c);
/* A task index chosen uniformly over the weight-expanded list, or -1. */
int crowd_user_class_pick(const crowd_user_class *c);
/* Entry i of set s in a draw r in [0, s->total): the first cum[i] > r. */
int crowd_set_entry(const crowd_set_rt *s, long r);
/* Does a task with these tags pass the filter? */
bool crowd_tags_pass(const crowd_tag_filter *f, const char *const *tags, int ntags);

/* One active task set of a user: the user's own tasks are frame 0. */
typedef struct crowd_user_frame {
  const crowd_set_rt *set;
  long seq;                   /* sequential sets: the next position */
  double cp_last_run, cp_last_wait; /* the set's own constant_pacing state */
  bool stop_ran;              /* its on-stop ran (or is running) */
} crowd_user_frame;

typedef enum crowd_user_state {
  CROWD_USER_IDLE = 0,  /* created, or a class without tasks */
  CROWD_USER_RUNNING,   /* inside a task */
  CROWD_USER_IN_FLIGHT, /* a task yielded; its request is in flight */
  CROWD_USER_WAITING,   /* between tasks */
  CROWD_USER_STOPPED
} crowd_user_state;

struct crowd_user {
  struct crowd_runner *runner; /* NULL in unit tests */
  const crowd_user_class *cls;
  const crowd_user_desc *desc;
  const char *host;            /* base URL for relative paths, or NULL */
  crowd_val *vars;             /* desc->nvars slots */
  int64_t counter;             /* (counter): the last number given */
  bool sleeping;               /* (sleep D): the wait timer ends a pause in a task */

  crowd_request req;
  crowd_buf query;             /* "k=v&k2=v2", appended to the URL at send */
  crowd_buf scratch;           /* crowd_str_* interpolation */
  crowd_buf json_stack;        /* one byte per open JSON container: o O a A */
  bool name_set;               /* crowd_req_name was called */
  void *conn;                  /* the client's connection, or NULL */

  crowd_user_state state;
  crowd_task_fn fn;            /* the task being run, or NULL */
  int step;
  bool in_on_start;
  bool in_task;                /* inside fn (re-entrancy guard) */
  bool in_flight;              /* a request was started and is not done */
  bool done_pending;           /* a response arrived while inside fn */
  bool stopping;               /* stop after the current task */

  double cp_last_run, cp_last_wait; /* constant_pacing state (seconds) */
  ev_timer wait_timer;
  /* Coordinated omission (measure.h): under constant-pacing or
   * constant-throughput, the intended start of the next task and of the
   * current one (monotonic seconds; 0: not paced), the wait they follow,
   * and how late the current task started. */
  double sched_next, sched_at;
  const crowd_wait_desc *sched_wait;
  uint64_t sched_lag_us;
  /* Open model (arrival.h): the pool the user belongs to, or NULL; an
   * arrival is waiting for its one task iteration. */
  struct crowd_arrival_class *arrival;
  bool arrival_due;

  const crowd_resp_desc *resp; /* the request's response block, or NULL */
  bool resp_pending;           /* its response arrived, not yet checked */
  bool in_on_stop;             /* running desc->on_stop */
  bool on_stop_ran;            /* on_stop runs at most once */
  bool start_failed;           /* on_start failed: no on_stop (as Locust) */

  /* task sets: frames[0..depth-1], the innermost last */
  int depth;                   /* frames in use (1: the user's own tasks) */
  bool in_set_start, in_set_stop; /* running the top set's on-start / on-stop */
  int after_set_stop;          /* what follows an interrupt's on-stop: a CROWD_TASK_* code */
  bool unwinding;              /* stopping: on-stop blocks run innermost first */
  const crowd_resp_desc *saved_from; /* --single-user: the block whose saves to show */
  /* cls->depth frames, allocated with the user: most classes have no task
   * sets and need one, and a waiting user's size is what 10,000 idle users
   * cost (doc/performance.md) */
  crowd_user_frame frames[];
};

/* A user ready to start; NULL when out of memory. */
crowd_user *crowd_user_new(struct crowd_runner *r, const crowd_user_class *cls, const char *host);
void crowd_user_start(crowd_user *u);
/* Stop the user.  graceful: a user inside a task finishes the task first;
 * otherwise (or when waiting) its task stops now, its request cancelled and
 * not recorded.  Then the user runs its class's on_stop, if any (once; not
 * after a failed on_start), and stops.  Returns true when the user has
 * stopped, false when it is still finishing a task or running on_stop (the
 * runner hears of the end through crowd_runner_user_stopped). */
bool crowd_user_stop(crowd_user *u, bool graceful);
/* Stop the user at once, on_stop included (its request is cancelled). */
void crowd_user_kill(crowd_user *u);
void crowd_user_free(crowd_user *u);

/* From request.c: send u->req / the response to it has been recorded. */
void crowd_user_send(crowd_user *u);
void crowd_user_request_done(crowd_user *u);
/* arrival.c: an idle pool user runs one task iteration (arrival_due set). */
void crowd_user_iterate(crowd_user *u);
/* The latency of a request of u's current task measured from the task's
 * intended start (response_us + how late the task started), when the task
 * is paced; *has is false otherwise. */
void crowd_user_corrected(const crowd_user *u, uint64_t response_us, bool *has, uint64_t *corrected_us);

#endif
