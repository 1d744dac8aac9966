/* procs.c — --processes N (procs.h). */
#include "config.h"

#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arrival.h"
#include "checks.h"
#include "clock.h"
#include "feeder.h"
#include "log.h"
#include "runner.h"
#include "shared.h"
#include "stats_wire.h"
#include "events.h"
#include "thresholds.h"

#define SHIP_INTERVAL 1.0 /* seconds between a child's deltas */
#define DRAIN_GRACE 10.0  /* seconds beyond --stop-timeout before the children are killed */

/* The parent's orders to a child, on its control pipe: a fixed head,
 * then nclasses int32 class indexes (CTL_RAMP only). */
enum { CTL_RAMP = 1, CTL_STOP, CTL_RESET };
typedef struct ctl_head {
  uint32_t kind;
  uint32_t nclasses; /* CTL_RAMP: the shape's user classes; 0: keep them */
  int64_t users;     /* CTL_RAMP: this child's share of the target */
  double rate;       /* CTL_RAMP: its share of the spawn rate */
  uint64_t gen;      /* CTL_RAMP: the ramp's number, reported back when done */
  int64_t at;        /* CTL_RAMP: the global user count the classes change at */
} ctl_head;
#define CTL_MAX_CLASSES 4096

typedef struct child {
  pid_t pid;
  int fd;              /* the read end; -1 once at EOF */
  int ctl;             /* the control pipe's write end; -1 when closed */
  bool reaped, final;  /* exited; sent its last delta */
  bool signaled;       /* killed by a signal (said when reaped) */
  bool await_reset;    /* --reset-stats: its deltas are dropped until one says it has reset */
  uint64_t ramped;     /* the last ramp it completed */
  int code;            /* its exit code, as the run counts it */
  size_t users;
  crowd_arrival_count arrivals[CROWD_STATS_WIRE_ARRIVALS]; /* its :arrival totals */
  int narrivals;
  crowd_stats_wire_buf in;
  ev_io io;
  ev_child watcher;
} child;

static struct {
  crowd_procs_role role;
  int n;             /* processes */
  int index;         /* a child's: 0..n-1 */
  /* a child's */
  int fd;
  size_t skip;       /* dispatcher picks before its next user */
  size_t own;        /* its users in the dispatcher's order */
  crowd_stats_wire_enc *enc;
  ev_timer ship;
  int ctl;           /* the control pipe's read end */
  ev_io ctl_io;
  crowd_stats_wire_buf ctl_in;
  uint64_t ramped;   /* the last ramp it completed (gen: the ramp it runs; 1: its own
                        first one, without a shape) */
  bool reset;        /* its next delta is the first after a reset */
  crowd_scenario_desc sc; /* the scenario with its share of each :arrival, no shape */
  crowd_user_desc *user_descs;
  crowd_arrival_desc *arrival_descs;
  crowd_stage_desc *arrival_stages;
  /* the parent's */
  child *kids;
  size_t users;
  uint64_t gen;      /* a child's: the ramp it runs; the parent's: the last one ordered */
  size_t last_target; /* the parent's: the target of the last ramp ordered */
  uint64_t done_gen; /* the last ramp every child completed (spawning-complete fired) */
  int live;          /* children not yet done (EOF and reaped) */
  ev_signal sigint, sigterm;
  ev_timer kill_timer;
  struct crowd_runner *r;
} P;

/* ---- the options ---- */

int crowd_procs_count(const crowd_scenario_desc *sc, const crowd_options *opt, const char *prog, FILE *err)
{
  long n = opt->processes;
  if (n == -1) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? cpus : 1;
  }
  const char *why = NULL;
  if (n == 0)
    n = 1; /* not given */
  if (n < -1)
    why = "argument --processes: expected a count of processes >= 1, or -1 (one per core)";
  else if (n > 1024)
    why = "argument --processes: at most 1024 processes";
  if (why == NULL && n > 1) {
    if (!opt->headless)
      why = "--processes needs --headless (the web UI runs in one process)";
    else if (opt->single_user)
      why = "--processes cannot be combined with --single-user (one user runs in one process)";
  }
  if (why) {
    fprintf(err, "usage: %s [options]\ncrowd: error: %s\n", prog, why);
    return 0;
  }
  bool arrival = false; /* open-model classes and shapes need no -u */
  for (int i = 0; i < sc->nusers; i++)
    arrival |= sc->users[i].arrival != NULL;
  /* no process without a user, nor without an iteration to run */
  if (!arrival && !sc->shape && opt->users > 0 && n > opt->users)
    n = opt->users;
  if (opt->iterations > 0 && n > opt->iterations)
    n = opt->iterations;
  return n < 1 ? 1 : (int)n;
}

/* k of n's share of total: total/n, the remainder to the first ones. */
static long share(long total, int k, int n)
{
  return total / n + (k < total % n);
}

/* k's share of a spawn rate for its share of the users (above 0: a ramp
 * to no user still needs a rate). */
static double share_rate(double rate, long users, int k, int n)
{
  long mine = share(users, k, n);
  return mine > 0 ? rate * (double)mine / (double)users : rate / n;
}

/* ---- a child ---- */

static int write_all(int fd, const unsigned char *p, size_t len)
{
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static void child_ship(crowd_runner *r, bool final)
{
  if (P.fd < 0)
    return;
  crowd_stats_wire_buf buf = { 0 };
  static crowd_stats_wire_info info; /* 2 kB of arrival counts: off the stack */
  info = (crowd_stats_wire_info){ .users = r->running, .user_errors = r->user_errors,
                                  .now = crowd_clock_wall(), .final = final, .reset = P.reset,
                                  .ramped = P.ramped };
  info.narrivals = crowd_arrival_counts(r->arrival, info.arrivals, CROWD_STATS_WIRE_ARRIVALS);
  if (crowd_stats_wire_encode(P.enc, r->stats, &info, &buf) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "out of memory: stats delta not shipped");
  else if (write_all(P.fd, buf.p, buf.len) == 0)
    P.reset = false;
  else {
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d: cannot ship stats to the parent: %s", P.index,
              strerror(errno));
    close(P.fd);
    P.fd = -1;
  }
  crowd_stats_wire_buf_free(&buf);
}

static void ship_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  child_ship(w->data, false);
}

/* ---- a child's orders (the control pipe) ---- */

static void child_ramp(crowd_runner *r, const ctl_head *h, const int32_t *cls)
{
  if (r->phase != CROWD_RUNNER_SPAWNING && r->phase != CROWD_RUNNER_RUNNING)
    return; /* stopping, or stopped on its own: no new test in a child */
  P.gen = h->gen;
  if (crowd_runner_swarm(r, (long)h->users, h->rate, r->host, 0) != 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d: could not ramp to %lld users", P.index,
              (long long)h->users);
    return;
  }
  if (h->nclasses > 0) {
    /* the other processes' picks up to the global count the classes change
     * at, from the old classes: the new ones start where they start in one
     * process */
    crowd_dispatch *d = &r->dispatch;
    while (d->nactive < (size_t)h->at && P.skip > 0 && crowd_dispatch_add(d) >= 0)
      P.skip--;
    int c[CTL_MAX_CLASSES];
    for (uint32_t i = 0; i < h->nclasses; i++)
      c[i] = cls[i];
    crowd_runner_shape_classes(r, c, (int)h->nclasses);
  }
}

/* --reset-stats, ordered once every process has spawned its users: the
 * next delta counts from zero and says so (the parent drops the ones in
 * flight until then). */
static void child_reset(crowd_runner *r)
{
  crowd_stats_reset(r->stats, crowd_clock_wall());
  crowd_checks_reset();
  crowd_stats_wire_enc_reset(P.enc);
  P.reset = true;
  child_ship(r, false);
}

static void child_orders(crowd_runner *r)
{
  crowd_stats_wire_buf *in = &P.ctl_in;
  size_t off = 0;
  while (in->len - off >= sizeof(ctl_head)) {
    ctl_head h;
    memcpy(&h, in->p + off, sizeof h);
    size_t len = sizeof h + (h.kind == CTL_RAMP ? (size_t)h.nclasses * sizeof(int32_t) : 0);
    if (h.nclasses > CTL_MAX_CLASSES)
      len = sizeof h; /* cannot come from the parent: skip it */
    if (in->len - off < len)
      break;
    int32_t cls[CTL_MAX_CLASSES];
    if (h.kind == CTL_RAMP && h.nclasses <= CTL_MAX_CLASSES) {
      memcpy(cls, in->p + off + sizeof h, (size_t)h.nclasses * sizeof *cls);
      child_ramp(r, &h, cls);
    } else if (h.kind == CTL_STOP) {
      crowd_runner_stop_test(r);
    } else if (h.kind == CTL_RESET) {
      child_reset(r);
    }
    off += len;
  }
  memmove(in->p, in->p + off, in->len - off);
  in->len -= off;
}

static void ctl_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  (void)revents;
  crowd_runner *r = w->data;
  crowd_stats_wire_buf *in = &P.ctl_in;
  for (;;) {
    if (in->cap - in->len < 4096) {
      size_t cap = in->cap ? in->cap * 2 : 65536;
      unsigned char *p = realloc(in->p, cap);
      if (p == NULL) {
        crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d: out of memory reading the parent's orders",
                  P.index);
        break;
      }
      in->p = p;
      in->cap = cap;
    }
    ssize_t got = read(P.ctl, in->p + in->len, in->cap - in->len);
    if (got > 0) {
      in->len += (size_t)got;
      child_orders(r);
      continue;
    }
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    break; /* EOF: the parent is gone or done giving orders */
  }
  ev_io_stop(loop, w);
}

void crowd_procs_ramped(crowd_runner *r)
{
  if (P.role != CROWD_PROCS_CHILD || P.ramped == P.gen)
    return;
  P.ramped = P.gen;
  child_ship(r, false); /* at once: the parent's timeline and its spawning-complete */
}

/* The scenario as child k of n runs it: no shape (the parent orders the
 * ramps), each :arrival class at rate/n with its share of the pool
 * (at least 1 user). */
static int child_scenario(const crowd_scenario_desc *sc, int k, int n)
{
  P.sc = *sc;
  P.sc.shape = NULL;
  int na = 0, nst = 0;
  for (int i = 0; i < sc->nusers; i++)
    if (sc->users[i].arrival) {
      na++;
      nst += sc->users[i].arrival->nstages;
    }
  if (na == 0)
    return 0;
  P.user_descs = calloc((size_t)sc->nusers, sizeof *P.user_descs);
  P.arrival_descs = calloc((size_t)na, sizeof *P.arrival_descs);
  P.arrival_stages = calloc((size_t)(nst > 0 ? nst : 1), sizeof *P.arrival_stages);
  if (P.user_descs == NULL || P.arrival_descs == NULL || P.arrival_stages == NULL)
    return -1;
  crowd_arrival_desc *a = P.arrival_descs;
  crowd_stage_desc *st = P.arrival_stages;
  for (int i = 0; i < sc->nusers; i++) {
    P.user_descs[i] = sc->users[i];
    const crowd_arrival_desc *d = sc->users[i].arrival;
    if (d == NULL)
      continue;
    *a = *d;
    a->rate = d->rate / n;
    a->start_rate = d->start_rate / n;
    a->max_users = share(d->max_users, k, n) > 0 ? share(d->max_users, k, n) : 1;
    a->pre_allocate = share(d->pre_allocate, k, n);
    for (int j = 0; j < d->nstages; j++) {
      st[j] = d->stages[j];
      st[j].rate = d->stages[j].rate / n;
    }
    a->stages = d->nstages > 0 ? st : NULL;
    st += d->nstages;
    P.user_descs[i].arrival = a++;
  }
  P.sc.users = P.user_descs;
  return 0;
}

static void child_free(void)
{
  crowd_stats_wire_enc_free(P.enc);
  P.enc = NULL;
  if (P.fd >= 0)
    close(P.fd);
  if (P.ctl >= 0)
    close(P.ctl);
  crowd_stats_wire_buf_free(&P.ctl_in);
  free(P.user_descs);
  free(P.arrival_descs);
  free(P.arrival_stages);
}

static int child_main(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host, int k,
                      int n, int fd, int ctl)
{
  /* a terminal's Ctrl-C reaches the parent only, which forwards it once;
   * if the parent dies, the children stop */
  if (setpgid(0, 0) != 0)
    crowd_log(CROWD_LOG_DEBUG, "crowd.procs", "setpgid: %s", strerror(errno));
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
    crowd_log(CROWD_LOG_DEBUG, "crowd.procs", "prctl: %s", strerror(errno));
  P.role = CROWD_PROCS_CHILD;
  P.index = k;
  P.n = n;
  P.fd = fd;
  P.ctl = ctl;
  P.skip = (size_t)k;
  P.gen = sc->shape ? 0 : 1; /* without a shape, its first ramp is its own */
  P.enc = crowd_stats_wire_enc_new();
  if (P.enc == NULL || child_scenario(sc, k, n) != 0) {
    child_free();
    return CROWD_EXIT_NO_START;
  }
  crowd_options o = *opt;
  o.users = sc->shape ? 0 : share(opt->users, k, n); /* a shape: the parent's orders */
  o.spawn_rate = share_rate(opt->spawn_rate, opt->users, k, n);
  if (opt->iterations > 0)
    o.iterations = share(opt->iterations, k, n);
  o.reset_stats = false; /* the parent orders it (child_reset) */
  /* the parent prints and writes everything */
  o.only_summary = true;
  o.csv_prefix = o.html = o.json_file = o.report_json = o.junit = NULL;
  o.json = false;
  if (opt->loglevel < CROWD_LOG_WARNING)
    crowd_log_init(CROWD_LOG_WARNING);
  int code = crowd_runner_run(&P.sc, &o, host);
  child_free();
  return code;
}

int crowd_procs_next_class(crowd_dispatch *d)
{
  if (P.role != CROWD_PROCS_CHILD)
    return crowd_dispatch_add(d);
  /* the global dispatch order; this child's users are k, k+n, k+2n... */
  for (; P.skip > 0; P.skip--)
    if (crowd_dispatch_add(d) < 0)
      return -1;
  P.skip = (size_t)P.n - 1;
  int c = crowd_dispatch_add(d);
  P.own += c >= 0;
  return c;
}

int crowd_procs_remove_class(crowd_dispatch *d)
{
  if (P.role != CROWD_PROCS_CHILD)
    return crowd_dispatch_remove(d);
  /* its last user is the dispatcher's last pick; the picks of the other
   * processes' users since its previous one go too, so that the next add
   * is this process's next global turn again */
  int c = crowd_dispatch_remove(d);
  if (c < 0 || P.own == 0)
    return c;
  P.own--;
  size_t keep = P.own ? (size_t)P.index + (P.own - 1) * (size_t)P.n + 1 : 0;
  while (d->nactive > keep && crowd_dispatch_remove(d) >= 0)
    ;
  P.skip = P.own ? (size_t)P.n - 1 : (size_t)P.index;
  return c;
}

/* ---- the parent ---- */

static void parent_check_done(void)
{
  if (P.live == 0 && P.r)
    ev_break(P.r->loop, EVBREAK_ALL);
}

/* Its pipe at EOF and its exit reaped, in either order (its last delta
 * may still be in the pipe when its exit is seen). */
static void kid_done(child *c)
{
  if (c->fd < 0 && c->reaped) {
    P.live--;
    if (!c->final && !c->signaled)
      crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d (pid %d) died with exit status %d before "
                "its last stats; the run goes on with the others", (int)(c - P.kids), (int)c->pid, c->code);
  }
  parent_check_done();
}

/* Write one order to every child still listening. */
static void parent_order(const ctl_head *h, const int32_t *cls, const crowd_runner *r)
{
  for (int k = 0; k < P.n; k++) {
    child *c = &P.kids[k];
    if (c->ctl < 0)
      continue;
    ctl_head mine = *h;
    if (h->kind == CTL_RAMP) { /* its share: users k, k+n, k+2n... of the global order */
      mine.users = share((long)h->users, k, P.n);
      mine.rate = share_rate(h->rate, (long)h->users, k, P.n);
    }
    if (write_all(c->ctl, (const unsigned char *)&mine, sizeof mine) != 0 ||
        (h->nclasses && write_all(c->ctl, (const unsigned char *)cls, h->nclasses * sizeof *cls) != 0)) {
      if (!c->reaped)
        crowd_log(CROWD_LOG_DEBUG, "crowd.procs", "process %d: order not sent: %s", k, strerror(errno));
      close(c->ctl);
      c->ctl = -1;
    }
  }
  (void)r;
}

/* A ramp (the shape's) every child has completed: spawning-complete, the
 * shape's "reached" line, --reset-stats (ordered to the children; their
 * deltas are dropped until each says it has reset, so that none in
 * flight brings old samples back).  The test's events fire once, here. */
static void parent_check_ramped(void)
{
  if (P.done_gen >= P.gen)
    return;
  for (int k = 0; k < P.n; k++)
    if (P.kids[k].fd >= 0 && P.kids[k].ramped < P.gen)
      return;
  P.done_gen = P.gen;
  crowd_runner *r = P.r;
  crowd_events_fire(CROWD_EV_SPAWNING_COMPLETE, (long)P.users);
  if (r->has_shape)
    crowd_shape_reached(&r->shape, P.users);
  if (!r->opt->reset_stats)
    return;
  crowd_runner_measure_spawned(r);
  ctl_head h = { .kind = CTL_RESET };
  parent_order(&h, NULL, r);
  for (int k = 0; k < P.n; k++)
    P.kids[k].await_reset = P.kids[k].ctl >= 0;
}

bool crowd_procs_ramp(crowd_runner *r)
{
  if (P.role != CROWD_PROCS_PARENT)
    return false;
  /* the shape's user classes, when it names them (shape.c sets last first) */
  const crowd_shape_target *t = r->sc->shape && r->shape.has_last ? &r->shape.last : NULL;
  int ncls = t && t->classes && t->nclasses > 0 ? t->nclasses : 0;
  if (ncls > CTL_MAX_CLASSES)
    ncls = 0;
  int32_t cls[CTL_MAX_CLASSES];
  for (int i = 0; i < ncls; i++)
    cls[i] = t->classes[i];
  ctl_head h = { .kind = CTL_RAMP, .nclasses = (uint32_t)ncls, .users = (int64_t)r->target,
                 .rate = r->spawn_rate, .gen = ++P.gen, .at = (int64_t)P.last_target };
  P.last_target = r->target;
  parent_order(&h, cls, r);
  return true;
}

bool crowd_procs_stop(crowd_runner *r)
{
  if (P.role != CROWD_PROCS_PARENT)
    return false;
  ctl_head h = { .kind = CTL_STOP };
  parent_order(&h, NULL, r);
  return true;
}

size_t crowd_procs_user_count(const crowd_runner *r)
{
  return P.role == CROWD_PROCS_PARENT ? P.users : r->nusers;
}

int crowd_procs_arrival_counts(const crowd_runner *r, crowd_arrival_count *sum, int max)
{
  if (P.role != CROWD_PROCS_PARENT)
    return -1;
  int n = 0;
  for (int k = 0; k < P.n; k++)
    for (int i = 0; i < P.kids[k].narrivals; i++) {
      const crowd_arrival_count *a = &P.kids[k].arrivals[i];
      int j = 0;
      while (j < n && sum[j].cls != a->cls)
        j++;
      if (a->cls < 0 || a->cls >= r->sc->nusers || (j == n && n == max))
        continue;
      if (j == n)
        sum[n++] = (crowd_arrival_count){ .cls = a->cls };
      sum[j].started += a->started;
      sum[j].dropped += a->dropped;
      sum[j].pool += a->pool;
    }
  return n;
}

void crowd_procs_print_arrivals(const crowd_runner *r, FILE *out)
{
  crowd_arrival_count sum[CROWD_STATS_WIRE_ARRIVALS];
  int n = crowd_procs_arrival_counts(r, sum, CROWD_STATS_WIRE_ARRIVALS);
  if (n >= 0)
    crowd_arrival_print_counts(r->sc, sum, n, out);
}

/* A child's :arrival totals, summed over the children at the end. */
static void kid_arrivals(child *c, const crowd_stats_wire_info *info)
{
  c->narrivals = info->narrivals;
  memcpy(c->arrivals, info->arrivals, (size_t)info->narrivals * sizeof *c->arrivals);
}

static void kid_frame(child *c, const unsigned char *frame, size_t n)
{
  static crowd_stats_wire_info info; /* 2 kB of arrival counts: off the stack */
  int rc = crowd_stats_wire_apply(NULL, frame, n, &info); /* the header */
  if (rc == 0 && (!c->await_reset || info.reset)) {
    c->await_reset = false;
    rc = crowd_stats_wire_apply(P.r->stats, frame, n, &info);
  }
  if (rc != 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d: a malformed stats delta (dropped)",
              (int)(c - P.kids));
    return;
  }
  P.users = P.users - c->users + (size_t)info.users;
  c->users = (size_t)info.users;
  P.r->user_errors += info.user_errors;
  c->final |= info.final;
  kid_arrivals(c, &info);
  if (info.ramped > c->ramped)
    c->ramped = info.ramped;
  parent_check_ramped();
  crowd_feeders_log_exhausted();
}

static void kid_frames(child *c)
{
  size_t off = 0;
  while (off < c->in.len) {
    size_t n = crowd_stats_wire_frame_len(c->in.p + off, c->in.len - off);
    if (n == 0 || n > c->in.len - off)
      break;
    kid_frame(c, c->in.p + off, n);
    off += n;
  }
  memmove(c->in.p, c->in.p + off, c->in.len - off);
  c->in.len -= off;
}

static void kid_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  (void)revents;
  child *c = w->data;
  for (;;) {
    if (c->in.cap - c->in.len < 65536) {
      size_t cap = c->in.cap ? c->in.cap * 2 : 65536;
      unsigned char *p = realloc(c->in.p, cap);
      if (p == NULL) {
        crowd_log(CROWD_LOG_ERROR, "crowd.procs", "out of memory reading process %d", (int)(c - P.kids));
        break;
      }
      c->in.p = p;
      c->in.cap = cap;
    }
    ssize_t got = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
    if (got > 0) {
      c->in.len += (size_t)got;
      kid_frames(c);
      continue;
    }
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    break; /* EOF or an error: the child is gone or going */
  }
  ev_io_stop(loop, w);
  close(c->fd);
  c->fd = -1;
  P.users -= c->users;
  c->users = 0;
  kid_done(c);
}

static void kid_exit_cb(struct ev_loop *loop, ev_child *w, int revents)
{
  (void)revents;
  child *c = w->data;
  ev_child_stop(loop, w);
  int st = w->rstatus, k = (int)(c - P.kids);
  c->reaped = true;
  if (WIFSIGNALED(st)) {
    c->code = 1;
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d (pid %d) was killed by signal %d (%s); "
              "the run goes on with the others", k, (int)c->pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
  } else {
    c->code = WEXITSTATUS(st);
  }
  c->signaled = WIFSIGNALED(st);
  kid_done(c);
}

static void forward(int signum)
{
  for (int k = 0; k < P.n; k++)
    if (!P.kids[k].reaped && kill(P.kids[k].pid, signum) != 0 && errno != ESRCH)
      crowd_log(CROWD_LOG_ERROR, "crowd.procs", "kill(%d): %s", (int)P.kids[k].pid, strerror(errno));
}

static void arm_kill_timer(void)
{
  if (ev_is_active(&P.kill_timer))
    return;
  long st = P.r->opt->stop_timeout;
  ev_timer_set(&P.kill_timer, (double)(st > 0 ? st : 0) + DRAIN_GRACE, 0.);
  ev_timer_start(P.r->loop, &P.kill_timer);
}

static void parent_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  (void)loop;
  (void)revents;
  crowd_runner *r = P.r;
  r->signals++;
  r->quitting = true;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Got %s signal%s", w->signum == SIGINT ? "SIGINT" : "SIGTERM",
            r->signals > 1 ? ": the processes stop at once" : ": stopping the processes");
  forward(w->signum);
  arm_kill_timer();
}

static void kill_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)w;
  (void)revents;
  crowd_log(CROWD_LOG_ERROR, "crowd.procs", "%d processes still running; killing them", P.live);
  forward(SIGKILL);
}

crowd_procs_role crowd_procs_attach(crowd_runner *r)
{
  if (P.role == CROWD_PROCS_CHILD) {
    /* the thresholds are the parent's, on the merged stats */
    crowd_thr_free(r->thresholds);
    r->thresholds = NULL;
    ev_timer_init(&P.ship, ship_cb, SHIP_INTERVAL, SHIP_INTERVAL);
    P.ship.data = r;
    ev_timer_start(r->loop, &P.ship);
    ev_io_init(&P.ctl_io, ctl_read_cb, P.ctl, EV_READ);
    P.ctl_io.data = r;
    ev_io_start(r->loop, &P.ctl_io);
  }
  if (P.role != CROWD_PROCS_PARENT)
    return P.role;
  P.r = r;
  r->phase = CROWD_RUNNER_RUNNING;
  for (int k = 0; k < P.n; k++) {
    child *c = &P.kids[k];
    ev_io_init(&c->io, kid_read_cb, c->fd, EV_READ);
    c->io.data = c;
    ev_io_start(r->loop, &c->io);
    ev_child_init(&c->watcher, kid_exit_cb, c->pid, 0);
    c->watcher.data = c;
    ev_child_start(r->loop, &c->watcher);
  }
  ev_signal_init(&P.sigint, parent_signal_cb, SIGINT);
  ev_signal_init(&P.sigterm, parent_signal_cb, SIGTERM);
  ev_signal_start(r->loop, &P.sigint);
  ev_signal_start(r->loop, &P.sigterm);
  ev_timer_init(&P.kill_timer, kill_cb, 0., 0.);
  return P.role;
}

const size_t *crowd_procs_users(void)
{
  return &P.users;
}

int crowd_procs_detach(crowd_runner *r, int code)
{
  if (P.role == CROWD_PROCS_CHILD) {
    ev_timer_stop(r->loop, &P.ship);
    ev_io_stop(r->loop, &P.ctl_io);
    child_ship(r, true);
    return code;
  }
  if (P.role != CROWD_PROCS_PARENT)
    return code;
  if (P.live > 0) { /* stopped by the parent (a threshold): the children too */
    crowd_log(CROWD_LOG_INFO, "crowd.procs", "stopping %d processes", P.live);
    forward(SIGTERM);
    arm_kill_timer();
    ev_run(r->loop, 0);
  }
  ev_signal_stop(r->loop, &P.sigint);
  ev_signal_stop(r->loop, &P.sigterm);
  ev_timer_stop(r->loop, &P.kill_timer);
  crowd_feeders_log_exhausted();
  for (int k = 0; k < P.n; k++) {
    child *c = &P.kids[k];
    if (c->code > code)
      code = c->code;
  }
  return code;
}

/* ---- forking ---- */

static int fork_children(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host, int n,
                         int *child_code)
{
  for (int k = 0; k < n; k++) {
    int fds[2], ctl[2];
    if (pipe(fds) != 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "pipe: %s", strerror(errno));
      return -1;
    }
    if (pipe(ctl) != 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "pipe: %s", strerror(errno));
      close(fds[0]);
      close(fds[1]);
      return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "fork: %s", strerror(errno));
      close(fds[0]);
      close(fds[1]);
      close(ctl[0]);
      close(ctl[1]);
      return -1;
    }
    if (pid == 0) {
      close(fds[0]);
      close(ctl[1]);
      for (int j = 0; j < k; j++) {
        close(P.kids[j].fd);
        close(P.kids[j].ctl);
      }
      free(P.kids);
      P.kids = NULL;
      if (fcntl(ctl[0], F_SETFL, O_NONBLOCK) != 0)
        crowd_log(CROWD_LOG_WARNING, "crowd.procs", "fcntl: %s", strerror(errno));
      *child_code = child_main(sc, opt, host, k, n, fds[1], ctl[0]);
      return 1;
    }
    close(fds[1]);
    close(ctl[0]);
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(ctl[1], F_SETFD, FD_CLOEXEC) != 0)
      crowd_log(CROWD_LOG_WARNING, "crowd.procs", "fcntl: %s", strerror(errno));
    P.kids[k].pid = pid;
    P.kids[k].fd = fds[0];
    P.kids[k].ctl = ctl[1];
    P.live++;
  }
  return 0;
}

int crowd_procs_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host, int nprocs)
{
  /* a shape's tick bad at 0: said here, as in one process, before any
   * child is forked (the parent's runner runs it again to apply it) */
  if (sc->shape && crowd_shape_check(sc->shape, host) != 0) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start: shape %s gives no valid target", sc->shape->name);
    return CROWD_EXIT_NO_START;
  }
  P.n = nprocs;
  P.kids = calloc((size_t)nprocs, sizeof *P.kids);
  if (P.kids == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "out of memory");
    return CROWD_EXIT_NO_START;
  }
  char users[256] = "";
  size_t len = 0;
  bool closed = false; /* a class that loops: -u splits */
  for (int i = 0; i < sc->nusers; i++)
    closed |= sc->users[i].arrival == NULL;
  for (int k = 0; k < nprocs && len < sizeof users - 16; k++)
    len += (size_t)snprintf(users + len, sizeof users - len, "%s%ld", k ? ", " : "", share(opt->users, k, nprocs));
  if (sc->shape)
    crowd_log(CROWD_LOG_INFO, "crowd.procs", "Starting %d processes (users: each its share of the shape's)",
              nprocs);
  else if (!closed)
    crowd_log(CROWD_LOG_INFO, "crowd.procs", "Starting %d processes (arrivals: each 1/%d of the rate)", nprocs,
              nprocs);
  else
    crowd_log(CROWD_LOG_INFO, "crowd.procs", "Starting %d processes (users: %s%s)", nprocs, users,
              len >= sizeof users - 16 ? "..." : "");
  /* the global counter's and the unique feeders' cursors, one for all (shared.h) */
  if (crowd_shared_init(CROWD_SHARED_FEEDER(sc->nfeeders > 0 ? sc->nfeeders : 0)) != 0) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "mmap: %s", strerror(errno));
    free(P.kids);
    P.kids = NULL;
    return CROWD_EXIT_NO_START;
  }
  P.gen = sc->shape ? 0 : 1; /* without a shape, the children's first ramp is their own */
  int child_code = 0;
  int rc = fork_children(sc, opt, host, nprocs, &child_code);
  if (rc == 1)
    return child_code; /* a child, done */
  P.role = CROWD_PROCS_PARENT;
  if (rc != 0) { /* some children run: stop them, then report what they did */
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "could only start %d of %d processes", P.live, nprocs);
    P.n = P.live;
    forward(SIGTERM);
  }
  int code = crowd_runner_run(sc, opt, host);
  for (int k = 0; k < P.n; k++) {
    if (P.kids[k].fd >= 0)
      close(P.kids[k].fd);
    if (P.kids[k].ctl >= 0)
      close(P.kids[k].ctl);
    crowd_stats_wire_buf_free(&P.kids[k].in);
  }
  free(P.kids);
  P.kids = NULL;
  return rc != 0 && code == 0 ? CROWD_EXIT_NO_START : code;
}

bool crowd_procs_is_child(void)
{
  return P.role == CROWD_PROCS_CHILD;
}
