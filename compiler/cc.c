#include "config.h"

#include "compiler/cc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where the runtime is and how executables link, fixed at configure time
 * (compiler/local.mk passes them; there is no second copy here to go stale). */
#if !defined(CROWD_CC) || !defined(CROWD_EXE_LIBS) || !defined(CROWD_CURL_STATIC_LIBS)
#error "compiler/cc.c is built with the -D flags of compiler/local.mk"
#endif

typedef struct crowdc_argv {
  char **v;
  size_t n, cap;
} crowdc_argv;

static void crowdc_cc_oom(void)
{
  fputs("crowdc: error: out of memory\n", stderr);
  exit(2);
}

static void crowdc_argv_push(crowdc_argv *a, const char *s)
{
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? a->cap * 2 : 32;
    a->v = realloc(a->v, a->cap * sizeof *a->v);
    if (!a->v)
      crowdc_cc_oom();
  }
  if (!(a->v[a->n] = strdup(s)))
    crowdc_cc_oom();
  a->v[++a->n] = NULL;
}

/* Push each blank-separated word of s. */
static void crowdc_argv_words(crowdc_argv *a, const char *s)
{
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == '\n')
      s++;
    size_t n = strcspn(s, " \t\n");
    if (n == 0)
      break;
    char *w = strndup(s, n);
    if (!w)
      crowdc_cc_oom();
    crowdc_argv_push(a, w);
    free(w);
    s += n;
  }
}

static void crowdc_argv_free(crowdc_argv *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->v[i]);
  free(a->v);
  a->v = NULL;
  a->n = a->cap = 0;
}

static char *crowdc_cc_join(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 1);
  if (!s)
    crowdc_cc_oom();
  memcpy(s, a, la);
  memcpy(s + la, b, lb + 1);
  return s;
}

const char *crowdc_cc_default(const char *cli)
{
  if (cli && *cli)
    return cli;
  const char *env = getenv("CC");
  if (env && *env)
    return env;
  return CROWD_CC;
}

/* Is this crowdc the one in the build tree?  Then use the runtime there. */
static int crowdc_cc_in_build_tree(void)
{
#ifdef CROWD_BUILD_TOP
  char exe[PATH_MAX], top[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return 0;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash)
    return 0;
  *slash = '\0';
  if (!realpath(CROWD_BUILD_TOP, top))
    return 0;
  return strcmp(exe, top) == 0;
#else
  return 0;
#endif
}

static void crowdc_cc_print(const crowdc_argv *a)
{
  for (size_t i = 0; i < a->n; i++) {
    const char *s = a->v[i];
    int quote = s[0] == '\0' || strpbrk(s, " \t'\"\\$`") != NULL;
    fprintf(stderr, "%s%s%s%s", i ? " " : "", quote ? "'" : "", s, quote ? "'" : "");
  }
  fputc('\n', stderr);
}

/* Run argv; with capture, its stdout goes to buf.  The exit status, or -1
 * if it could not be run (errno-style message printed). */
static int crowdc_cc_exec(const crowdc_argv *a, char *buf, size_t size)
{
  int fds[2] = { -1, -1 };
  if (buf && pipe(fds) != 0) {
    fprintf(stderr, "crowdc: error: pipe: %s\n", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "crowdc: error: fork: %s\n", strerror(errno));
    if (buf) {
      close(fds[0]);
      close(fds[1]);
    }
    return -1;
  }
  if (pid == 0) {
    if (buf) {
      if (dup2(fds[1], STDOUT_FILENO) < 0)
        _exit(127);
      close(fds[0]);
      close(fds[1]);
    }
    execvp(a->v[0], a->v);
    fprintf(stderr, "crowdc: error: cannot run '%s': %s\n", a->v[0], strerror(errno));
    _exit(127);
  }
  if (buf) {
    close(fds[1]);
    size_t got = 0;
    for (;;) {
      ssize_t r = read(fds[0], buf + got, size - 1 - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t)r;
      if (got + 1 >= size)
        break;
    }
    buf[got] = '\0';
    close(fds[0]);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "crowdc: error: waitpid: %s\n", strerror(errno));
      return -1;
    }
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* --static: every -lX libcurl needs must exist as libX.a.  Prints the
 * missing ones; returns how many. */
static int crowdc_cc_static_missing(const char *cc, const char *libs)
{
  crowdc_argv words = { 0 };
  crowdc_argv_words(&words, libs);
  int missing = 0;
  for (size_t i = 0; i < words.n; i++) {
    const char *w = words.v[i];
    if (strncmp(w, "-l", 2) != 0 || !w[2])
      continue;
    /* pkg-config repeats libraries; look each up once. */
    size_t k;
    for (k = 0; k < i && strcmp(words.v[k], w) != 0; k++)
      ;
    if (k < i)
      continue;
    char *archive = crowdc_cc_join("lib", w + 2);
    char *full = crowdc_cc_join(archive, ".a");
    char *flag = crowdc_cc_join("-print-file-name=", full);
    crowdc_argv a = { 0 };
    crowdc_argv_words(&a, cc);
    crowdc_argv_push(&a, flag);
    char out[PATH_MAX + 16];
    int rc = crowdc_cc_exec(&a, out, sizeof out);
    out[strcspn(out, "\n")] = '\0';
    /* The compiler echoes the bare name back when it finds no such file. */
    if (rc != 0 || strchr(out, '/') == NULL || access(out, R_OK) != 0) {
      if (!missing)
        fputs("crowdc: error: --static: missing static libraries:", stderr);
      fprintf(stderr, " %s", full);
      missing++;
    }
    crowdc_argv_free(&a);
    free(archive);
    free(full);
    free(flag);
  }
  if (missing)
    fputs("\ncrowdc: note: install their static versions (Debian: the -dev packages), "
          "or link without --static\n",
          stderr);
  crowdc_argv_free(&words);
  return missing;
}

/* Every (call NAME) must be defined by the extensions: compiled first on
 * their own (their errors are theirs), then read with nm, so that a missing
 * function is reported at its call, not as the linker's message.  0, or 2. */
static int crowdc_cc_check_calls(const crowdc_cc_opts *o, const crowdc_argv *flags)
{
  if (o->ncalls == 0)
    return 0;
  char *defined = calloc(1, 1);
  size_t dlen = 0;
  int rc = 0;
  for (size_t i = 0; i < o->nextensions && rc == 0; i++) {
    char obj[] = "/tmp/crowdc-ext-XXXXXX.o";
    int fd = mkstemps(obj, 2);
    if (fd < 0) {
      fprintf(stderr, "crowdc: error: cannot create a temporary file: %s\n", strerror(errno));
      rc = 2;
      break;
    }
    close(fd);
    crowdc_argv a = { 0 };
    for (size_t k = 0; k < flags->n; k++)
      crowdc_argv_push(&a, flags->v[k]);
    crowdc_argv_push(&a, "-c");
    crowdc_argv_push(&a, o->extensions[i]);
    crowdc_argv_push(&a, "-o");
    crowdc_argv_push(&a, obj);
    if (crowdc_cc_exec(&a, NULL, 0) != 0) {
      fprintf(stderr, "crowdc: error: the extension '%s' does not compile\n", o->extensions[i]);
      rc = 2;
    }
    crowdc_argv_free(&a);
    static char syms[1 << 20];
    crowdc_argv nm = { 0 };
    crowdc_argv_push(&nm, "nm");
    crowdc_argv_push(&nm, "-g");
    crowdc_argv_push(&nm, "--defined-only");
    crowdc_argv_push(&nm, obj);
    if (rc == 0 && crowdc_cc_exec(&nm, syms, sizeof syms) == 0) {
      size_t n = strlen(syms);
      char *d = realloc(defined, dlen + n + 2);
      if (d) {
        defined = d;
        memcpy(defined + dlen, syms, n);
        dlen += n;
        defined[dlen++] = '\n';
        defined[dlen] = '\0';
      }
    }
    crowdc_argv_free(&nm);
    unlink(obj);
  }
  int missing = 0;
  for (size_t i = 0; rc == 0 && i < o->ncalls; i++) {
    /* nm's lines end with " T NAME" */
    size_t len = strlen(o->calls[i]);
    int found = 0;
    for (const char *p = defined; p && (p = strstr(p, o->calls[i])) != NULL; p += len)
      if (p > defined && p[-1] == ' ' && p[-2] == 'T' && (p[len] == '\n' || p[len] == '\0'))
        found = 1;
    if (!found)
      fprintf(stderr, "%s: error: (call %s): no extension defines a function '%s'%s\n", o->call_sites[i],
              o->calls[i], o->calls[i],
              o->nextensions ? "" : " (give its .c file with --extension FILE or (extension \"FILE\"))");
    missing += !found;
  }
  free(defined);
  return rc ? rc : missing ? 1 : 0;
}

int crowdc_cc_run(const crowdc_cc_opts *o)
{
  if (o->static_link && crowdc_cc_static_missing(o->cc, CROWD_CURL_STATIC_LIBS))
    return 3;
  crowdc_argv a = { 0 };
  crowdc_argv_words(&a, o->cc);
  if (a.n == 0) {
    fputs("crowdc: error: no C compiler given\n", stderr);
    return 2;
  }
  crowdc_argv_push(&a, "-std=c11");
  crowdc_argv_push(&a, "-O2");
  char *lib;
  if (crowdc_cc_in_build_tree()) {
#ifdef CROWD_BUILD_TOP
    char *i1 = crowdc_cc_join("-I" CROWD_SRC_TOP, "/runtime/include");
    char *i2 = crowdc_cc_join("-I" CROWD_SRC_TOP, "/stdlib");
    crowdc_argv_push(&a, i1);
    crowdc_argv_push(&a, i2);
    free(i1);
    free(i2);
    lib = crowdc_cc_join(CROWD_BUILD_TOP, "/libcrowd.a");
#ifdef CROWD_BUILD_SAN
    /* A sanitizer build's libcrowd.a needs the same flags at link time;
     * they also check the generated code (installed crowdc: never). */
    crowdc_argv_words(&a, CROWD_BUILD_SAN);
#endif
#else
    lib = NULL;
#endif
  } else {
#ifdef CROWD_INCLUDEDIR
    crowdc_argv_push(&a, "-I" CROWD_INCLUDEDIR);
    lib = crowdc_cc_join(CROWD_LIBDIR, "/libcrowd.a");
#else
    lib = crowdc_cc_join("", "libcrowd.a");
#endif
  }
  int crc = crowdc_cc_check_calls(o, &a);
  if (crc != 0) {
    free(lib);
    crowdc_argv_free(&a);
    return crc;
  }
  crowdc_argv_push(&a, o->cfile);
  for (size_t i = 0; i < o->nextensions; i++)
    crowdc_argv_push(&a, o->extensions[i]);
  crowdc_argv_push(&a, lib ? lib : "libcrowd.a");
  free(lib);
  if (o->static_link) {
    crowdc_argv_push(&a, "-static");
    crowdc_argv_push(&a, "-lev");
    crowdc_argv_push(&a, "-lhttp_parser"); /* the fast client; its TLS and zlib come with curl's */
    crowdc_argv_words(&a, CROWD_CURL_STATIC_LIBS);
    crowdc_argv_push(&a, "-lm");
    crowdc_argv_push(&a, "-pthread");
  } else {
    crowdc_argv_words(&a, CROWD_EXE_LIBS);
  }
  crowdc_argv_push(&a, "-o");
  crowdc_argv_push(&a, o->out);
  if (o->verbose)
    crowdc_cc_print(&a);
  int rc = crowdc_cc_exec(&a, NULL, 0);
  crowdc_argv_free(&a);
  if (rc != 0) {
    if (rc > 0)
      fprintf(stderr, "crowdc: error: the C compiler failed (exit status %d)\n", rc);
    return 2;
  }
  return 0;
}
