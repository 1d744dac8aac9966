#include "config.h"

/* Bodies from files and multipart/form-data bodies (upload.h). */

#include "files.h"
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rng.h"
#include "user.h"

typedef struct upload_file {
  char *path;        /* resolved */
  const char *base;  /* its base name: the default filename of a part */
  char *data;
  size_t len;
} upload_file;

static upload_file *upload_tab;
static int upload_count;

/* "multipart/form-data; boundary=crowd-" + 32 hex digits */
static char upload_ctype[80];
static const char *upload_bound; /* points into upload_ctype */

/* ---- loading ------------------------------------------------------------- */

int crowd_uploads_load(const crowd_scenario_desc *sc, FILE *err)
{
  crowd_uploads_free();
  (void)crowd_upload_boundary();
  if (sc->nuploads <= 0 || sc->uploads == NULL)
    return 0;
  upload_tab = calloc((size_t)sc->nuploads, sizeof *upload_tab);
  if (upload_tab == NULL) {
    fprintf(err, "crowd: error: out of memory for the scenario's files\n");
    return -1;
  }
  upload_count = sc->nuploads;
  for (int i = 0; i < sc->nuploads; i++) {
    const crowd_upload_desc *d = &sc->uploads[i];
    upload_file *f = &upload_tab[i];
    f->path = crowd_file_path(d->path, d->dir);
    if (f->path == NULL) {
      fprintf(err, "crowd: error: out of memory for the scenario's files\n");
      crowd_uploads_free();
      return -1;
    }
    const char *slash = strrchr(d->path, '/');
    f->base = slash ? slash + 1 : d->path;
    if ((f->data = crowd_file_read(f->path, CROWD_UPLOAD_MAX, &f->len)) == NULL) {
      int e = errno;
      fprintf(err, "crowd: error: (file \"%s\") at %s: cannot read %s: %s\n", d->path,
              d->site ? d->site : "?", f->path,
              e == EFBIG ? "larger than 16 MiB, the most a (file ...) may hold"
              : e == EINVAL ? "not a regular file"
                            : strerror(e));
      crowd_uploads_free();
      return -1;
    }
    crowd_log(CROWD_LOG_DEBUG, "crowd.upload", "(file \"%s\"): %zu bytes from %s", d->path, f->len, f->path);
  }
  return 0;
}

void crowd_uploads_free(void)
{
  for (int i = 0; i < upload_count; i++) {
    free(upload_tab[i].path);
    free(upload_tab[i].data);
  }
  free(upload_tab);
  upload_tab = NULL;
  upload_count = 0;
}

/* ---- the boundary ------------------------------------------------------------ */

/* 128 random bits, so that no body holds the boundary by chance. */
const char *crowd_upload_boundary(void)
{
  static const char hex[] = "0123456789abcdef";
  if (upload_bound)
    return upload_bound;
  unsigned char r[16];
  ssize_t n = getrandom(r, sizeof r, GRND_NONBLOCK);
  for (size_t i = n == (ssize_t)sizeof r ? sizeof r : 0; i < sizeof r; i++)
    r[i] = (unsigned char)crowd_rng_next(); /* no entropy yet: the seeded generator */
  static const char pre[] = "multipart/form-data; boundary=";
  char *p = upload_ctype;
  memcpy(p, pre, sizeof pre - 1);
  p += sizeof pre - 1;
  upload_bound = p;
  memcpy(p, "crowd-", 6);
  p += 6;
  for (size_t i = 0; i < sizeof r; i++) {
    *p++ = hex[r[i] >> 4];
    *p++ = hex[r[i] & 15];
  }
  *p = '\0';
  return upload_bound;
}

/* ---- building bodies ------------------------------------------------------------ */

static void upload_oom(crowd_user *u)
{
  crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: out of memory while building the request body",
            u->req.site ? u->req.site : "?");
}

static const upload_file *upload_get(crowd_user *u, int file)
{
  if (file < 0 || file >= upload_count || upload_tab[file].data == NULL) {
    crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: file %d was not loaded", u->req.site ? u->req.site : "?",
              file);
    return NULL;
  }
  return &upload_tab[file];
}

void crowd_req_body(crowd_user *u, const crowd_val *body)
{
  crowd_request *r = &u->req;
  crowd_buf_reset(&r->body);
  r->content_type = NULL;
  r->multipart = 0;
  if (crowd_buf_add_val(&r->body, body) != 0)
    upload_oom(u);
}

void crowd_req_body_file(crowd_user *u, int file, const char *type)
{
  crowd_request *r = &u->req;
  const upload_file *f = upload_get(u, file);
  crowd_buf_reset(&r->body);
  r->content_type = type ? type : "application/octet-stream";
  r->multipart = 0;
  if (f && crowd_buf_add(&r->body, f->data, f->len) != 0)
    upload_oom(u);
}

/* A name or filename in a quoted-string of Content-Disposition: '"', CR,
 * LF and NUL as %22, %0D, %0A and %00 (as browsers write them). */
static int upload_quoted(crowd_buf *b, const char *p, size_t len)
{
  int rc = crowd_buf_addc(b, '"');
  for (size_t i = 0; i < len && rc == 0; i++) {
    char c = p[i];
    if (c == '"')
      rc = crowd_buf_add(b, "%22", 3);
    else if (c == '\r')
      rc = crowd_buf_add(b, "%0D", 3);
    else if (c == '\n')
      rc = crowd_buf_add(b, "%0A", 3);
    else if (c == '\0')
      rc = crowd_buf_add(b, "%00", 3);
    else
      rc = crowd_buf_addc(b, c);
  }
  return rc | crowd_buf_addc(b, '"');
}

/* "--BOUNDARY\r\nContent-Disposition: form-data; name="NAME"", the first
 * part starting the body. */
static int upload_part_head(crowd_request *r, const crowd_val *name)
{
  if (!r->multipart) {
    crowd_buf_reset(&r->body);
    r->multipart = 1;
    r->content_type = upload_ctype;
  }
  const char *bound = crowd_upload_boundary();
  crowd_buf nb = { 0 };
  int rc = crowd_buf_add(&r->body, "--", 2);
  rc |= crowd_buf_add(&r->body, bound, strlen(bound));
  rc |= crowd_buf_add(&r->body, "\r\nContent-Disposition: form-data; name=", 39);
  if (name->type == CROWD_STR) {
    rc |= upload_quoted(&r->body, name->u.s.p ? name->u.s.p : "", name->u.s.p ? name->u.s.len : 0);
  } else { /* a number as a name */
    rc |= crowd_buf_add_val(&nb, name);
    rc |= upload_quoted(&r->body, nb.p ? nb.p : "", nb.len);
    crowd_buf_free(&nb);
  }
  return rc;
}

void crowd_req_part(crowd_user *u, const crowd_val *name, const crowd_val *value)
{
  crowd_request *r = &u->req;
  int rc = upload_part_head(r, name);
  rc |= crowd_buf_add(&r->body, "\r\n\r\n", 4);
  rc |= crowd_buf_add_val(&r->body, value);
  rc |= crowd_buf_add(&r->body, "\r\n", 2);
  if (rc)
    upload_oom(u);
}

void crowd_req_part_file(crowd_user *u, const crowd_val *name, int file, const char *filename,
                         const char *type)
{
  crowd_request *r = &u->req;
  const upload_file *f = upload_get(u, file);
  const char *fn = filename ? filename : f ? f->base : "";
  const char *ct = type ? type : "application/octet-stream";
  int rc = upload_part_head(r, name);
  rc |= crowd_buf_add(&r->body, "; filename=", 11);
  rc |= upload_quoted(&r->body, fn, strlen(fn));
  rc |= crowd_buf_add(&r->body, "\r\nContent-Type: ", 16);
  rc |= crowd_buf_add(&r->body, ct, strlen(ct));
  rc |= crowd_buf_add(&r->body, "\r\n\r\n", 4);
  if (f)
    rc |= crowd_buf_add(&r->body, f->data, f->len);
  rc |= crowd_buf_add(&r->body, "\r\n", 2);
  if (rc)
    upload_oom(u);
}

int crowd_upload_multipart_end(crowd_request *r)
{
  const char *bound = crowd_upload_boundary();
  int rc = crowd_buf_add(&r->body, "--", 2);
  rc |= crowd_buf_add(&r->body, bound, strlen(bound));
  rc |= crowd_buf_add(&r->body, "--\r\n", 4);
  return rc;
}
