/* crowdc: compile a .crowd scenario into an executable. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/builtins.h"
#include "compiler/cc.h"
#include "compiler/compile.h"

/* Scenarios are small; this bounds memory on a wrong argument. */
enum { CROWDC_MAX_INPUT = 16 * 1024 * 1024 };

static void crowdc_usage(FILE *out)
{
  fputs("usage: crowdc FILE.crowd [-o OUT] [--check] [--emit-c] [--static] [--extension FILE]\n"
        "              [--cc CC] [-v]\n"
        "\n"
        "Compile a crowd scenario into a load-testing executable.\n"
        "\n"
        "  -o OUT         write the executable (with --emit-c: the C) to OUT\n"
        "                 (default: the scenario's base name, in the current directory)\n"
        "  --check        check the scenario only: report every error, write nothing\n"
        "  --emit-c       write the generated C (to stdout, or to -o) instead of compiling\n"
        "  --static       link a fully static executable\n"
        "  --extension FILE  compile and link FILE, a C extension whose functions\n"
        "                 the scenario's (call NAME) runs (doc/extensions.md)\n"
        "  --cc CC        the C compiler to run (default: $CC, else the one crowd was\n"
        "                 built with)\n"
        "  -v, --verbose  print the C compiler's command line\n"
        "  --builtins-md  print the reference of the built-in functions (doc/stdlib.md)\n"
        "  --version      print the version and exit\n"
        "  --help         print this help and exit\n"
        "\n"
        "Exit status: 0 compiled, 1 errors in the scenario, 2 usage or I/O error.\n",
        out);
}

/* Read a whole file into a malloc'd buffer (NUL-terminated). */
static char *crowdc_read(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "crowdc: error: cannot open '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 64 * 1024, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0)
      break;
    if (n == cap) {
      if (cap >= CROWDC_MAX_INPUT) {
        fprintf(stderr, "crowdc: error: '%s' is larger than %d MB\n", path,
                CROWDC_MAX_INPUT >> 20);
        free(buf);
        fclose(f);
        return NULL;
      }
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        buf = NULL;
      } else {
        buf = nb;
      }
    }
  }
  if (!buf) {
    fputs("crowdc: error: out of memory\n", stderr);
    fclose(f);
    return NULL;
  }
  if (ferror(f)) {
    fprintf(stderr, "crowdc: error: cannot read '%s': %s\n", path, strerror(errno));
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* The default executable name: the base name without .crowd. */
static char *crowdc_default_out(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 6 && strcmp(base + len - 6, ".crowd") == 0)
    return strndup(base, len - 6);
  return strdup("a.out");
}

enum { OPT_EXTENSION = 255, OPT_CHECK = 256, OPT_EMIT_C, OPT_STATIC, OPT_CC, OPT_VERSION, OPT_HELP, OPT_BUILTINS_MD };

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "check", no_argument, NULL, OPT_CHECK },
    { "extension", required_argument, NULL, OPT_EXTENSION },
    { "emit-c", no_argument, NULL, OPT_EMIT_C },
    { "static", no_argument, NULL, OPT_STATIC },
    { "cc", required_argument, NULL, OPT_CC },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, OPT_VERSION },
    { "help", no_argument, NULL, OPT_HELP },
    { "builtins-md", no_argument, NULL, OPT_BUILTINS_MD },
    { NULL, 0, NULL, 0 },
  };
  const char *out = NULL, *cc = NULL;
  int check = 0, emit_c = 0, static_link = 0, verbose = 0;
  char **extra = NULL; /* --extension FILE..., borrowed from argv */
  size_t nextra = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:v", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'v': verbose = 1; break;
    case OPT_CHECK: check = 1; break;
    case OPT_EXTENSION: {
      char **nx = realloc(extra, (nextra + 1) * sizeof *nx);
      if (!nx) {
        fputs("crowdc: error: out of memory\n", stderr);
        return 2;
      }
      extra = nx;
      extra[nextra++] = optarg;
      break;
    }
    case OPT_EMIT_C: emit_c = 1; break;
    case OPT_STATIC: static_link = 1; break;
    case OPT_CC: cc = optarg; break;
    case OPT_VERSION: puts("crowdc " PACKAGE_VERSION); return 0;
    case OPT_HELP: crowdc_usage(stdout); return 0;
    case OPT_BUILTINS_MD: crowdc_builtins_markdown(stdout); return fflush(stdout) == 0 ? 0 : 2;
    default: crowdc_usage(stderr); return 2;
    }
  }
  if (optind + 1 != argc) {
    fputs(optind == argc ? "crowdc: error: no scenario file given\n"
                         : "crowdc: error: more than one scenario file given\n",
          stderr);
    crowdc_usage(stderr);
    return 2;
  }
  if (check && emit_c) {
    fputs("crowdc: error: --check and --emit-c cannot be combined\n", stderr);
    return 2;
  }
  const char *path = argv[optind];
  crowdc_source src = { .name = path };
  size_t len = 0;
  char *text = crowdc_read(path, &len);
  if (!text)
    return 2;
  src.text = text;
  src.len = len;

  if (check) {
    int rc = crowdc_compile(&src, stderr, NULL);
    free(text);
    return rc == 0 ? 0 : 1;
  }

  /* The C goes to stdout (--emit-c), to -o (--emit-c -o), or to a
   * temporary file that cc compiles. */
  FILE *cout = stdout;
  char tmpl[] = "/tmp/crowdc-XXXXXX.c";
  const char *tmpdir = getenv("TMPDIR");
  char *cpath = NULL;
  if (emit_c && out) {
    cout = fopen(out, "w");
    if (!cout) {
      fprintf(stderr, "crowdc: error: cannot create '%s': %s\n", out, strerror(errno));
      free(text);
      return 2;
    }
  } else if (!emit_c) {
    if (tmpdir && *tmpdir) {
      cpath = malloc(strlen(tmpdir) + sizeof "/crowdc-XXXXXX.c");
      if (cpath)
        sprintf(cpath, "%s/crowdc-XXXXXX.c", tmpdir);
    } else {
      cpath = strdup(tmpl);
    }
    int fd = cpath ? mkstemps(cpath, 2) : -1;
    if (fd < 0 || !(cout = fdopen(fd, "w"))) {
      fprintf(stderr, "crowdc: error: cannot create a temporary file: %s\n", strerror(errno));
      if (fd >= 0) {
        close(fd);
        unlink(cpath);
      }
      free(cpath);
      free(text);
      return 2;
    }
  }

  crowdc_link_info link = { 0 };
  int rc = crowdc_compile_link(&src, stderr, cout, emit_c ? NULL : &link);
  free(text);
  int werr = rc < 0;
  if (cout != stdout && fclose(cout) != 0)
    werr = 1;
  else if (cout == stdout && fflush(stdout) != 0)
    werr = 1;
  if (rc > 0 || werr) {
    if (werr)
      fprintf(stderr, "crowdc: error: cannot write the generated C: %s\n", strerror(errno));
    if (cpath) {
      unlink(cpath);
      free(cpath);
    } else if (emit_c && out) {
      unlink(out);
    }
    return werr ? 2 : 1;
  }
  if (emit_c)
    return 0;

  char *defout = out ? NULL : crowdc_default_out(path);
  crowdc_cc_opts o = {
    .cc = crowdc_cc_default(cc),
    .cfile = cpath,
    .out = out ? out : defout,
    .static_link = static_link,
    .verbose = verbose,
  };
  /* --extension FILE, then the scenario's (extension "FILE") forms */
  char **exts = calloc(nextra + link.nextensions + 1, sizeof *exts);
  if (!exts) {
    fputs("crowdc: error: out of memory\n", stderr);
    return 2;
  }
  for (size_t i = 0; i < nextra; i++)
    exts[i] = extra[i];
  for (size_t i = 0; i < link.nextensions; i++)
    exts[nextra + i] = link.extensions[i];
  o.extensions = exts;
  o.nextensions = nextra + link.nextensions;
  o.calls = link.calls;
  o.call_sites = link.call_sites;
  o.ncalls = link.ncalls;
  int ccrc = o.out ? crowdc_cc_run(&o) : 2;
  crowdc_link_info_free(&link);
  if (ccrc == 3 || ccrc == 1) { /* nothing of crowdc's is at fault */
    ccrc = ccrc == 3 ? 2 : 1;
    if (unlink(cpath) != 0)
      fprintf(stderr, "crowdc: warning: cannot remove '%s': %s\n", cpath, strerror(errno));
  } else if (ccrc != 0) {
    /* Generated C that does not compile is a crowdc bug: keep the evidence.
     * (A missing static archive stops before cc runs: nothing to keep.) */
    fprintf(stderr, "crowdc: note: the generated C is kept in '%s'; if it is at fault, "
                    "that is a crowdc bug: please report it\n", cpath);
  } else if (unlink(cpath) != 0) {
    fprintf(stderr, "crowdc: warning: cannot remove '%s': %s\n", cpath, strerror(errno));
  }
  free(defout);
  free(cpath);
  free(exts);
  free(extra);
  return ccrc;
}
