#include "config.h"

/* (file ...) forms and client certificates: checks and tables (upload.h). */

#include "compiler/upload.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/codegen.h"

#define Q(buf, p, len) crowdc_diag_quote(buf, sizeof buf, p, len)

int crowdc_upload_is_file(const crowdc_node *v)
{
  return v && v->kind == CROWDC_N_LIST && v->u.seq.n > 0 &&
         crowdc_ast_is(v->u.seq.items[0], CROWDC_N_SYMBOL, "file");
}

/* The bytes of a plain string. */
static const char *crowdc_upload_text(const crowdc_node *s, size_t *len)
{
  *len = s->u.str.n ? s->u.str.parts[0].len : 0;
  return s->u.str.n ? s->u.str.parts[0].p : "";
}

/* A plain string for what: 0, or -1 after an error.  ctl: control bytes
 * are refused (the value goes into a header). */
static int crowdc_upload_plain(crowdc_diag *d, const crowdc_node *v, const char *what, int ctl)
{
  if (v->kind != CROWDC_N_STRING) {
    crowdc_diag_error(d, &v->loc, "%s must be a string, got %s", what, crowdc_ast_kind_name(v->kind));
    return -1;
  }
  if (!crowdc_ast_plain_string(v)) {
    crowdc_diag_error(d, &v->loc, "%s cannot hold {variables}%s", what,
                      ctl ? "" : ": the file is read once, when the test starts");
    return -1;
  }
  size_t len;
  const char *p = crowdc_upload_text(v, &len);
  for (size_t i = 0; ctl && i < len; i++)
    if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
      crowdc_diag_error(d, &v->loc, "%s cannot hold control characters", what);
      return -1;
    }
  return 0;
}

int crowdc_upload_file(crowdc_arena *a, crowdc_diag *d, crowdc_model *m, crowdc_node *f, int part)
{
  static const char *const opts[] = { "type", "filename" };
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *path = f->u.seq.n > 1 ? f->u.seq.items[1] : NULL;
  if (path == NULL || path->kind == CROWDC_N_KEYWORD) {
    crowdc_diag_error(d, &f->loc, "'file' takes a path: (file \"data/photo.png\" :type \"image/png\")");
    return -1;
  }
  int rc = crowdc_upload_plain(d, path, "the path of 'file'", 0);
  size_t plen = 0;
  const char *pp = rc == 0 ? crowdc_upload_text(path, &plen) : NULL;
  if (pp && (plen == 0 || memchr(pp, '\0', plen) != NULL)) {
    crowdc_diag_error(d, &path->loc, "the path of 'file' cannot be empty or hold a NUL byte");
    rc = -1;
  }
  for (size_t i = 2; i < f->u.seq.n; i += 2) {
    const crowdc_node *kw = f->u.seq.items[i];
    const crowdc_node *v = i + 1 < f->u.seq.n ? f->u.seq.items[i + 1] : NULL;
    if (kw->kind != CROWDC_N_KEYWORD) {
      crowdc_diag_error(d, &kw->loc, "extra argument to 'file': it takes a path, then :type \"TYPE\"%s",
                        part ? " and :filename \"NAME\"" : "");
      return -1;
    }
    int k = crowdc_ast_is(kw, CROWDC_N_KEYWORD, "type") ? 0 : crowdc_ast_is(kw, CROWDC_N_KEYWORD, "filename") ? 1 : -1;
    if (k < 0) {
      crowdc_diag_error(d, &kw->loc, "unknown option ':%s' of 'file'%s", Q(q, kw->u.name.p, kw->u.name.len),
                        crowdc_diag_hint(hint, sizeof hint, kw->u.name.p, kw->u.name.len, opts, 2));
      rc = -1;
    } else if (v == NULL) {
      crowdc_diag_error(d, &kw->loc, "':%s' needs a value", opts[k]);
      rc = -1;
    } else if (k == 1 && !part) {
      crowdc_diag_error(d, &kw->loc, "':filename' names a file part of :multipart; a :body has no file name");
      rc = -1;
    } else if (crowdc_upload_plain(d, v, k ? "':filename'" : "':type'", 1) != 0) {
      rc = -1;
    }
  }
  if (rc != 0)
    return -1;
  for (size_t i = 0; i < m->nuploads; i++) {
    size_t len;
    const char *p = crowdc_upload_text(m->uploads[i]->u.seq.items[1], &len);
    if (len == plen && memcmp(p, pp, len) == 0) {
      f->aux = (int)i;
      return 0;
    }
  }
  m->uploads = crowdc_arena_grow(a, m->uploads, m->nuploads, &m->uploadcap, sizeof *m->uploads);
  f->aux = (int)m->nuploads;
  m->uploads[m->nuploads++] = f;
  return 0;
}

void crowdc_upload_cert(crowdc_diag *d, const crowdc_node *cert_kw, const crowdc_node *cert,
                        const crowdc_node *key_kw, const crowdc_node *key, const crowdc_node **out_cert,
                        const crowdc_node **out_key)
{
  if (!cert && !key)
    return;
  if (!cert || !key) {
    crowdc_diag_error(d, &(cert ? cert_kw : key_kw)->loc,
                      cert ? "':client-cert' needs ':client-key' too (the same file if it holds both)"
                           : "':client-key' needs ':client-cert' too");
    return;
  }
  int rc = crowdc_upload_plain(d, cert, "':client-cert'", 0);
  rc |= crowdc_upload_plain(d, key, "':client-key'", 0);
  if (rc == 0) {
    *out_cert = cert;
    *out_key = key;
  }
}

/* ---- tables ------------------------------------------------------------- */

/* The first user (not abstract) with the same pair of files as user ui. */
static size_t crowdc_upload_tls_first(const crowdc_model *m, size_t ui)
{
  const crowdc_user *u = &m->users[ui];
  size_t cl, kl;
  const char *c = crowdc_upload_text(u->cert, &cl), *k = crowdc_upload_text(u->key, &kl);
  for (size_t i = 0; i < ui; i++) {
    const crowdc_user *o = &m->users[i];
    size_t ocl, okl;
    if (o->abstract || !o->cert)
      continue;
    const char *oc = crowdc_upload_text(o->cert, &ocl), *ok = crowdc_upload_text(o->key, &okl);
    if (ocl == cl && okl == kl && memcmp(oc, c, cl) == 0 && memcmp(ok, k, kl) == 0)
      return i;
  }
  return ui;
}

static void crowdc_upload_path(FILE *out, const crowdc_node *s)
{
  size_t len;
  const char *p = crowdc_upload_text(s, &len);
  crowdc_codegen_cstr(out, p, len);
}

void crowdc_upload_emit(FILE *out, const crowdc_model *m)
{
  int certs = 0;
  for (size_t i = 0; i < m->nusers; i++)
    certs |= !m->users[i].abstract && m->users[i].cert != NULL;
  if (m->nuploads == 0 && !certs)
    return;
  char *dir = crowdc_codegen_source_dir(m->source);
  size_t dlen = strlen(dir);
  if (m->nuploads) {
    fputs("\nstatic const crowd_upload_desc crowd_uploads[] = {\n", out);
    for (size_t i = 0; i < m->nuploads; i++) {
      fputs("  { .path = ", out);
      crowdc_upload_path(out, m->uploads[i]->u.seq.items[1]);
      fputs(", .dir = ", out);
      crowdc_codegen_cstr(out, dir, dlen);
      fputs(", .site = ", out);
      crowdc_codegen_site(out, &m->uploads[i]->loc);
      fputs(" },\n", out);
    }
    fputs("};\n", out);
  }
  for (size_t i = 0; i < m->nusers; i++) {
    const crowdc_user *u = &m->users[i];
    if (u->abstract || !u->cert || crowdc_upload_tls_first(m, i) != i)
      continue;
    fprintf(out, "\nstatic const crowd_tls_desc crowd_tls_%zu = {\n  .cert = ", i);
    crowdc_upload_path(out, u->cert);
    fputs(",\n  .key = ", out);
    crowdc_upload_path(out, u->key);
    fputs(",\n  .dir = ", out);
    crowdc_codegen_cstr(out, dir, dlen);
    fputs(",\n  .site = ", out);
    crowdc_codegen_site(out, &u->cert->loc);
    fputs(",\n};\n", out);
  }
  free(dir);
}

void crowdc_upload_emit_user(FILE *out, const crowdc_model *m, size_t ui)
{
  if (m->users[ui].cert)
    fprintf(out, "    .tls = &crowd_tls_%zu,\n", crowdc_upload_tls_first(m, ui));
}

void crowdc_upload_emit_scenario(FILE *out, const crowdc_model *m)
{
  if (m->nuploads)
    fprintf(out, "  .uploads = crowd_uploads,\n  .nuploads = %zu,\n", m->nuploads);
}
