/* main.c — crowd-demo-server: options, the listening socket, the MHD daemon
 * and a clean stop on SIGINT/SIGTERM.  The API itself is in routes.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo.h"

#define DEMO_NAME "crowd-demo-server"
#define DEMO_MAX_CONNECTIONS 10000u
#define DEMO_BACKLOG 4096
#define DEMO_IDLE_TIMEOUT_S 120u
/* Per-connection buffer for request headers and response headers; MHD's
 * default (32 KiB) costs 320 MB at 10000 connections. */
#define DEMO_CONN_MEMORY (16u * 1024u)

struct demo_opts {
  const char *host;
  unsigned port;
  const char *port_file;
  int quiet;
  unsigned threads;
};

static void demo_usage(FILE *out)
{
  fprintf(out,
          "Usage: " DEMO_NAME " [OPTION]...\n"
          "The demo shop that crowd's examples and tests run against.\n"
          "\n"
          "  --host ADDR       address to bind (default 127.0.0.1; a\n"
          "                    non-loopback address is allowed, with a warning)\n"
          "  --port N          port to listen on (default 8080; 0 picks a free one)\n"
          "  --port-file FILE  write the port there once ready to serve\n"
          "  --threads N       server threads (default: one per CPU)\n"
          "  --quiet           print nothing but errors\n"
          "  --help            show this help and exit\n"
          "\n"
          "Routes: GET /health, GET /api/products[?limit=N],\n"
          "GET /api/products/{id}, POST /login, POST /orders, GET /orders/{id},\n"
          "POST /orders/{id}/pay, /status/{code}, /delay/{ms}, /echo,\n"
          "GET /stats, POST /stats/reset.  See examples/demo-server/README.md.\n");
}

static int demo_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Reports a usage error (naming the flag) and returns exit code 2. */
static int demo_usage_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, DEMO_NAME ": ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry '" DEMO_NAME " --help'.\n");
  va_end(ap);
  return 2;
}

/* Parses a whole decimal number in [0, max]; 0 on success. */
static int demo_parse_uint(const char *s, unsigned max, unsigned *out)
{
  if (!*s)
    return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9')
      return -1;
  errno = 0;
  unsigned long v = strtoul(s, NULL, 10);
  if (errno || v > max)
    return -1;
  *out = (unsigned)v;
  return 0;
}

/* 0 to run, 1 after --help, 2 on a usage error (already reported). */
static int demo_parse_args(int argc, char **argv, struct demo_opts *o)
{
  enum { OPT_HOST = 256, OPT_PORT, OPT_PORT_FILE, OPT_QUIET, OPT_THREADS };
  static const struct option longopts[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_HOST:
      if (!*optarg)
        return demo_usage_error("--host: empty address");
      o->host = optarg;
      break;
    case OPT_PORT:
      if (demo_parse_uint(optarg, 65535, &o->port) != 0)
        return demo_usage_error("--port: '%s' is not a port number (0..65535)",
                                optarg);
      break;
    case OPT_PORT_FILE:
      if (!*optarg)
        return demo_usage_error("--port-file: empty file name");
      o->port_file = optarg;
      break;
    case OPT_THREADS:
      if (demo_parse_uint(optarg, 64, &o->threads) != 0 || o->threads == 0)
        return demo_usage_error("--threads: '%s' is not a number from 1 to 64",
                                optarg);
      break;
    case OPT_QUIET:
      o->quiet = 1;
      break;
    case 'h':
      demo_usage(stdout);
      return 1;
    case ':':
      return demo_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      if (optopt)
        return demo_usage_error("unknown option '-%c'", optopt);
      return demo_usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return demo_usage_error("unexpected argument '%s'", argv[optind]);
  return 0;
}

/* Thousands of keep-alive clients need thousands of descriptors. */
static rlim_t demo_raise_nofile(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    perror(DEMO_NAME ": getrlimit");
    return 1024;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit want = rl;
    want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 65536 : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl = want;
    else
      perror(DEMO_NAME ": setrlimit(RLIMIT_NOFILE)");
  }
  return rl.rlim_cur;
}

static int demo_is_loopback(const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a))
      return 1;
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
  }
  return 0;
}

/* Binds and listens on the first address of host that works; the fd or -1.
 * *family tells MHD which kind of socket it gets. */
static int demo_listen(const struct demo_opts *o, int *family)
{
  char port[16];
  snprintf(port, sizeof port, "%u", o->port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV};
  struct addrinfo *res;
  int rc = getaddrinfo(o->host, port, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, DEMO_NAME ": --host %s: %s\n", o->host, gai_strerror(rc));
    return -1;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
        bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, DEMO_BACKLOG) == 0) {
      if (!demo_is_loopback(ai->ai_addr))
        fprintf(stderr,
                DEMO_NAME ": WARNING: listening on %s, which is NOT a "
                "loopback address.\n" DEMO_NAME ": WARNING: anyone who can "
                "reach this machine can use this test server.\n",
                o->host);
      *family = ai->ai_family;
      break;
    }
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    fprintf(stderr, DEMO_NAME ": cannot listen on %s port %s: %s\n", o->host,
            port, strerror(err));
  return fd;
}

/* "http://HOST:PORT" for the socket's actual address; port in *port. */
static int demo_bound_url(int fd, char *url, size_t n, unsigned *port)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
    perror(DEMO_NAME ": getsockname");
    return -1;
  }
  int rc = getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv,
                       sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
  if (rc != 0) {
    fprintf(stderr, DEMO_NAME ": getnameinfo: %s\n", gai_strerror(rc));
    return -1;
  }
  int v6 = ss.ss_family == AF_INET6;
  snprintf(url, n, "http://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "",
           serv);
  *port = (unsigned)strtoul(serv, NULL, 10);
  return 0;
}

/* Writes the port to a temporary file and renames it into place, so that
 * a reader never sees a half-written file. */
static int demo_write_port_file(const char *path, unsigned port)
{
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  if (!tmp) {
    fprintf(stderr, DEMO_NAME ": out of memory\n");
    return -1;
  }
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  int ok = f && fprintf(f, "%u\n", port) > 0;
  if (f && fclose(f) != 0)
    ok = 0;
  if (ok && rename(tmp, path) != 0)
    ok = 0;
  if (!ok) {
    fprintf(stderr, DEMO_NAME ": cannot write --port-file %s: %s\n", path,
            strerror(errno));
    (void)unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}

static struct MHD_Daemon *demo_start_daemon(const struct demo_opts *o, int fd,
                                            int family, rlim_t nofile)
{
  unsigned limit = DEMO_MAX_CONNECTIONS;
  if (nofile < (rlim_t)limit + 64)
    limit = nofile > 128 ? (unsigned)(nofile - 64) : 64;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
  if (!o->quiet)
    flags |= MHD_USE_ERROR_LOG;
  if (family == AF_INET6)
    flags |= MHD_USE_IPv6;
  /* With one thread, end the option list there instead of asking for a
   * pool (MHD wants a pool size of at least 2). */
  enum MHD_OPTION pool_opt =
      o->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END;
  return MHD_start_daemon(
      flags, 0, NULL, NULL, demo_routes_handle, NULL,
      MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, limit,
      MHD_OPTION_CONNECTION_TIMEOUT, DEMO_IDLE_TIMEOUT_S,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)DEMO_CONN_MEMORY,
      MHD_OPTION_URI_LOG_CALLBACK, demo_routes_uri_log, NULL,
      MHD_OPTION_NOTIFY_COMPLETED, demo_routes_completed, NULL,
      pool_opt, o->threads,
      MHD_OPTION_END);
}

static unsigned demo_default_threads(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    return 1;
  return n > 16 ? 16 : (unsigned)n;
}

/* Waits for SIGINT or SIGTERM (blocked in every thread). */
static int demo_wait_signal(const sigset_t *set)
{
  for (;;) {
    int sig;
    int rc = sigwait(set, &sig);
    if (rc == 0)
      return sig;
    if (rc != EINTR) {
      fprintf(stderr, DEMO_NAME ": sigwait: %s\n", strerror(rc));
      return SIGTERM;
    }
  }
}

int main(int argc, char **argv)
{
  struct demo_opts o = {.host = "127.0.0.1", .port = 8080,
                        .threads = demo_default_threads()};
  int rc = demo_parse_args(argc, argv, &o);
  if (rc)
    return rc == 1 ? 0 : rc;

  /* Block the stop signals before any thread starts, so that all of them
   * inherit the mask and only sigwait() below sees the signals. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  if ((rc = pthread_sigmask(SIG_BLOCK, &stop, NULL)) != 0 ||
      signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    fprintf(stderr, DEMO_NAME ": cannot set up signals\n");
    return 1;
  }

  rlim_t nofile = demo_raise_nofile();
  if (demo_store_init() != 0 || demo_routes_init() != 0) {
    fprintf(stderr, DEMO_NAME ": out of memory\n");
    return 1;
  }
  int family = AF_INET;
  int fd = demo_listen(&o, &family);
  if (fd < 0)
    return 1;
  char url[NI_MAXHOST + NI_MAXSERV + 16];
  unsigned port;
  if (demo_bound_url(fd, url, sizeof url, &port) != 0)
    return 1;
  if (demo_delay_start() != 0)
    return 1;
  struct MHD_Daemon *d = demo_start_daemon(&o, fd, family, nofile);
  if (!d) {
    fprintf(stderr, DEMO_NAME ": cannot start the HTTP daemon\n");
    return 1;
  }
  if (o.port_file && demo_write_port_file(o.port_file, port) != 0) {
    MHD_stop_daemon(d);
    return 1;
  }
  if (!o.quiet) {
    printf(DEMO_NAME " listening on %s\n", url);
    if (fflush(stdout) != 0)
      perror(DEMO_NAME ": stdout");
  }

  int sig = demo_wait_signal(&stop);
  if (!o.quiet)
    fprintf(stderr, DEMO_NAME ": %s received, stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
  demo_routes_shutting_down();
  demo_delay_stop();
  MHD_stop_daemon(d);
  demo_routes_fini();
  demo_store_fini();
  return 0;
}
