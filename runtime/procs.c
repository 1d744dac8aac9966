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

#include "clock.h"
#include "log.h"
#include "runner.h"
#include "stats_wire.h"
#include "events.h"
#include "thresholds.h"

#define SHIP_INTERVAL 1.0 /* seconds between a child's deltas */
#define DRAIN_GRACE 10.0  /* seconds beyond --stop-timeout before the children are killed */

typedef struct child {
  pid_t pid;
  int fd;              /* the read end; -1 once at EOF */
  bool reaped, final;  /* exited; sent its last delta */
  bool spawned;        /* has started all its users */
  int code;            /* its exit code, as the run counts it */
  size_t users;
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
  crowd_stats_wire_enc *enc;
  ev_timer ship;
  /* the parent's */
  child *kids;
  size_t users;
  bool spawned;      /* spawning-complete fired: the children's users reached -u */
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
    bool arrival = false;
    for (int i = 0; i < sc->nusers; i++)
      arrival |= sc->users[i].arrival != NULL;
    if (!opt->headless)
      why = "--processes needs --headless (the web UI runs in one process)";
    else if (opt->single_user)
      why = "--processes cannot be combined with --single-user";
    else if (sc->shape)
      why = "--processes cannot run a (shape ...) yet";
    else if (arrival)
      why = "--processes cannot run :arrival user classes yet";
    else if (opt->reset_stats)
      why = "--processes cannot be combined with --reset-stats yet";
  }
  if (why) {
    fprintf(err, "usage: %s [options]\ncrowd: error: %s\n", prog, why);
    return 0;
  }
  /* no process without a user, nor without an iteration to run */
  if (opt->users > 0 && n > opt->users)
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
  crowd_stats_wire_info info = { .users = r->running, .user_errors = r->user_errors,
                                 .now = crowd_clock_wall(), .final = final,
                                 .spawned = r->target > 0 && r->nusers >= r->target };
  if (crowd_stats_wire_encode(P.enc, r->stats, &info, &buf) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.procs", "out of memory: stats delta not shipped");
  else if (write_all(P.fd, buf.p, buf.len) != 0) {
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

static int child_main(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host, int k,
                      int n, int fd)
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
  P.skip = (size_t)k;
  P.enc = crowd_stats_wire_enc_new();
  if (P.enc == NULL)
    return CROWD_EXIT_NO_START;
  crowd_options o = *opt;
  o.users = share(opt->users, k, n);
  o.spawn_rate = opt->users > 0 ? opt->spawn_rate * (double)o.users / (double)opt->users
                                : opt->spawn_rate / n;
  if (opt->iterations > 0)
    o.iterations = share(opt->iterations, k, n);
  /* the parent prints and writes everything */
  o.only_summary = true;
  o.csv_prefix = o.html = o.json_file = o.report_json = o.junit = NULL;
  o.json = false;
  if (opt->loglevel < CROWD_LOG_WARNING)
    crowd_log_init(CROWD_LOG_WARNING);
  int code = crowd_runner_run(sc, &o, host);
  crowd_stats_wire_enc_free(P.enc);
  P.enc = NULL;
  if (P.fd >= 0)
    close(P.fd);
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
  return crowd_dispatch_add(d);
}

/* ---- the parent ---- */

static void parent_check_done(void)
{
  if (P.live == 0 && P.r)
    ev_break(P.r->loop, EVBREAK_ALL);
}

static void kid_done(child *c)
{
  if (c->fd < 0 && c->reaped)
    P.live--;
  parent_check_done();
}

/* spawning-complete fires once, in the parent, when every child has
 * started all its users (the test's events fire in the parent only). */
static void parent_check_spawned(void)
{
  if (P.spawned)
    return;
  for (int k = 0; k < P.n; k++)
    if (!P.kids[k].spawned)
      return;
  P.spawned = true;
  crowd_events_fire(CROWD_EV_SPAWNING_COMPLETE, P.r->opt->users);
}

static void kid_frames(child *c)
{
  size_t off = 0;
  while (off < c->in.len) {
    size_t n = crowd_stats_wire_frame_len(c->in.p + off, c->in.len - off);
    if (n == 0 || n > c->in.len - off)
      break;
    crowd_stats_wire_info info;
    if (crowd_stats_wire_apply(P.r->stats, c->in.p + off, n, &info) != 0) {
      crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d: a malformed stats delta (dropped)",
                (int)(c - P.kids));
    } else {
      P.users = P.users - c->users + (size_t)info.users;
      c->users = (size_t)info.users;
      c->spawned |= info.spawned;
      parent_check_spawned();
      P.r->user_errors += info.user_errors;
      c->final |= info.final;
    }
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
    if (!c->final)
      crowd_log(CROWD_LOG_ERROR, "crowd.procs", "process %d (pid %d) died with exit status %d before "
                "its last stats; the run goes on with the others", k, (int)c->pid, c->code);
  }
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
    int fds[2];
    if (pipe(fds) != 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "pipe: %s", strerror(errno));
      return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "fork: %s", strerror(errno));
      close(fds[0]);
      close(fds[1]);
      return -1;
    }
    if (pid == 0) {
      close(fds[0]);
      for (int j = 0; j < k; j++)
        close(P.kids[j].fd);
      free(P.kids);
      P.kids = NULL;
      *child_code = child_main(sc, opt, host, k, n, fds[1]);
      return 1;
    }
    close(fds[1]);
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0)
      crowd_log(CROWD_LOG_WARNING, "crowd.procs", "fcntl: %s", strerror(errno));
    P.kids[k].pid = pid;
    P.kids[k].fd = fds[0];
    P.live++;
  }
  return 0;
}

int crowd_procs_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host, int nprocs)
{
  P.n = nprocs;
  P.kids = calloc((size_t)nprocs, sizeof *P.kids);
  if (P.kids == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.procs", "out of memory");
    return CROWD_EXIT_NO_START;
  }
  char users[256] = "";
  size_t len = 0;
  for (int k = 0; k < nprocs && len < sizeof users - 16; k++)
    len += (size_t)snprintf(users + len, sizeof users - len, "%s%ld", k ? ", " : "", share(opt->users, k, nprocs));
  crowd_log(CROWD_LOG_INFO, "crowd.procs", "Starting %d processes (users: %s%s)", nprocs, users,
            len >= sizeof users - 16 ? "..." : "");
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
