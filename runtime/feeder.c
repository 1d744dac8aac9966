#include "config.h"

/* Feeders: CSV files read when the test starts, rows handed to users by
 * strategy (feeder.h, crowd.h). */

#include "feeder.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "log.h"
#include "request.h"
#include "rng.h"
#include "shared.h"
#include "user.h"

/* The largest file a feeder reads (it is read whole). */
#define FEEDER_MAX_BYTES ((size_t)1 << 30)

/* ---- the CSV parser ---------------------------------------------------------- */

typedef struct csv_span {
  size_t off, len;
} csv_span;

typedef struct csv_parser {
  const char *p;
  size_t len, i;
  long line;
  crowd_buf text;   /* every cell's bytes, each followed by a NUL */
  csv_span *spans;
  size_t nspans, cap;
  char *err;
  size_t errsize;
} csv_parser;

static int csv_fail(csv_parser *ps, long line, const char *what, size_t field)
{
  if (field)
    snprintf(ps->err, ps->errsize, "line %ld, field %zu: %s", line, field, what);
  else
    snprintf(ps->err, ps->errsize, "line %ld: %s", line, what);
  return -1;
}

static int csv_push(csv_parser *ps, size_t off)
{
  if (ps->nspans == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 64;
    csv_span *s = realloc(ps->spans, cap * sizeof *s);
    if (s == NULL)
      return -1;
    ps->spans = s;
    ps->cap = cap;
  }
  ps->spans[ps->nspans].off = off;
  ps->spans[ps->nspans].len = ps->text.len - off;
  ps->nspans++;
  return crowd_buf_addc(&ps->text, '\0');
}

static bool csv_eol(const csv_parser *ps)
{
  return ps->i >= ps->len || ps->p[ps->i] == '\n' || ps->p[ps->i] == '\r';
}

/* One field at ps->i; its number in the record is field (1-based). */
static int csv_field(csv_parser *ps, size_t field)
{
  size_t off = ps->text.len;
  if (ps->i < ps->len && ps->p[ps->i] == '"') {
    long opened = ps->line;
    ps->i++;
    for (;;) {
      if (ps->i >= ps->len)
        return csv_fail(ps, opened, "the quoted field never ends (a '\"' is missing)", field);
      char c = ps->p[ps->i];
      if (c == '"') {
        if (ps->i + 1 < ps->len && ps->p[ps->i + 1] == '"') {
          if (crowd_buf_addc(&ps->text, '"') != 0)
            return csv_fail(ps, ps->line, "out of memory", 0);
          ps->i += 2;
          continue;
        }
        ps->i++;
        break;
      }
      if (c == '\n')
        ps->line++;
      if (crowd_buf_addc(&ps->text, c) != 0)
        return csv_fail(ps, ps->line, "out of memory", 0);
      ps->i++;
    }
    if (!csv_eol(ps) && ps->p[ps->i] != ',')
      return csv_fail(ps, ps->line, "a character after the closing quote (a quote inside a quoted field is written \"\")",
                      field);
  } else {
    size_t s = ps->i;
    while (!csv_eol(ps) && ps->p[ps->i] != ',')
      ps->i++;
    if (crowd_buf_add(&ps->text, ps->p + s, ps->i - s) != 0)
      return csv_fail(ps, ps->line, "out of memory", 0);
  }
  if (csv_push(ps, off) != 0)
    return csv_fail(ps, ps->line, "out of memory", 0);
  return 0;
}

/* One record; *nfields counts its fields. */
static int csv_record(csv_parser *ps, size_t *nfields)
{
  *nfields = 0;
  for (;;) {
    if (csv_field(ps, *nfields + 1) != 0)
      return -1;
    (*nfields)++;
    if (ps->i < ps->len && ps->p[ps->i] == ',') {
      ps->i++;
      continue;
    }
    break;
  }
  if (ps->i < ps->len && ps->p[ps->i] == '\r')
    ps->i++;
  if (ps->i < ps->len && ps->p[ps->i] == '\n')
    ps->i++;
  ps->line++;
  return 0;
}

/* The header: names neither empty nor repeated. */
static int csv_check_header(csv_parser *ps, size_t ncols)
{
  char msg[160];
  for (size_t k = 0; k < ncols; k++) {
    const csv_span *a = &ps->spans[k];
    if (a->len == 0) {
      snprintf(msg, sizeof msg, "column %zu of the header has no name", k + 1);
      return csv_fail(ps, 1, msg, 0);
    }
    for (size_t j = 0; j < k; j++) {
      const csv_span *b = &ps->spans[j];
      if (a->len == b->len && memcmp(ps->text.p + a->off, ps->text.p + b->off, a->len) == 0) {
        snprintf(msg, sizeof msg, "the header names column '%.*s' twice (columns %zu and %zu)",
                 (int)(a->len > 64 ? 64 : a->len), ps->text.p + a->off, j + 1, k + 1);
        return csv_fail(ps, 1, msg, 0);
      }
    }
  }
  return 0;
}

int crowd_csv_parse(const char *p, size_t len, crowd_csv *out, char *err, size_t errsize)
{
  csv_parser ps = { .p = p, .len = len, .line = 1, .err = err, .errsize = errsize };
  memset(out, 0, sizeof *out);
  if (err && errsize)
    err[0] = '\0';
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    ps.i = 3; /* a UTF-8 byte-order mark */
  size_t ncols = 0, nrecords = 0;
  int rc = 0;
  while (ps.i < ps.len && rc == 0) {
    if (ps.p[ps.i] == '\n' || ps.p[ps.i] == '\r') { /* a blank line */
      if (ps.p[ps.i] == '\r' && ps.i + 1 < ps.len && ps.p[ps.i + 1] == '\n')
        ps.i++;
      ps.i++;
      ps.line++;
      continue;
    }
    long line = ps.line;
    size_t nf;
    rc = csv_record(&ps, &nf);
    if (rc != 0)
      break;
    if (nrecords == 0) {
      ncols = nf;
      rc = csv_check_header(&ps, ncols);
    } else if (nf != ncols) {
      char msg[96];
      snprintf(msg, sizeof msg, "%zu field%s, but the header has %zu", nf, nf == 1 ? "" : "s", ncols);
      rc = csv_fail(&ps, line, msg, 0);
    }
    nrecords++;
  }
  if (rc == 0 && nrecords == 0)
    rc = csv_fail(&ps, 1, "the file is empty: a header row of column names is needed", 0);
  if (rc == 0) {
    out->cells = calloc(ps.nspans, sizeof *out->cells);
    if (out->cells == NULL)
      rc = csv_fail(&ps, ps.line, "out of memory", 0);
  }
  if (rc != 0) {
    free(out->cells);
    out->cells = NULL;
    crowd_buf_free(&ps.text);
    free(ps.spans);
    return -1;
  }
  /* the cells point into the text buffer, which now stays where it is;
   * cell 0 starts it, so freeing cells[0].p frees it all */
  for (size_t k = 0; k < ps.nspans; k++) {
    out->cells[k].p = ps.text.p + ps.spans[k].off;
    out->cells[k].len = ps.spans[k].len;
  }
  out->ncols = ncols;
  out->nrows = nrecords - 1;
  free(ps.spans);
  return 0;
}

void crowd_csv_free(crowd_csv *c)
{
  if (c->cells)
    free(c->cells[0].p);
  free(c->cells);
  memset(c, 0, sizeof *c);
}

const crowd_csv_cell *crowd_csv_cell_at(const crowd_csv *c, size_t row, size_t col)
{
  if (row > c->nrows || col >= c->ncols)
    return NULL;
  return &c->cells[row * c->ncols + col];
}

/* ---- the scenario's feeders --------------------------------------------------- */

typedef struct feeder_rt {
  const crowd_feeder_desc *desc;
  char *path;         /* the file read */
  crowd_csv csv;
  size_t *colmap;     /* desc column -> CSV column */
  size_t next;        /* cycle, shuffle, unique: the next position */
  size_t *perm;       /* shuffle: the current round's order */
  bool exhausted;     /* unique: the end was logged */
  uint64_t taken;     /* unique: rows asked for (one process; shared.h with --processes) */
} feeder_rt;

static feeder_rt *feeder_tab;
static int feeder_count;

/* The path a feeder reads: an override NAME=PATH, else its path relative to
 * the scenario's directory.  Returns a malloc'd string, or NULL. */
static char *feeder_path(const crowd_feeder_desc *d, const char *const *ov, int nov)
{
  size_t nlen = strlen(d->name);
  for (int i = nov - 1; i >= 0; i--) /* the last one given wins */
    if (strncmp(ov[i], d->name, nlen) == 0 && ov[i][nlen] == '=')
      return strdup(ov[i] + nlen + 1);
  return crowd_file_path(d->path, d->dir);
}

/* Every --feeder names a feeder of the scenario. */
static int check_overrides(const crowd_scenario_desc *sc, const char *const *ov, int nov, FILE *err)
{
  for (int i = 0; i < nov; i++) {
    const char *eq = strchr(ov[i], '=');
    int found = 0;
    for (int k = 0; eq && k < sc->nfeeders; k++)
      if (strlen(sc->feeders[k].name) == (size_t)(eq - ov[i]) &&
          strncmp(sc->feeders[k].name, ov[i], (size_t)(eq - ov[i])) == 0)
        found = 1;
    if (eq && eq[1] != '\0' && found)
      continue;
    if (eq == NULL || eq == ov[i] || eq[1] == '\0') {
      fprintf(err, "crowd: error: argument --feeder: invalid value '%s': expected NAME=PATH\n", ov[i]);
      return -1;
    }
    fprintf(err, "crowd: error: argument --feeder: the scenario has no feeder '%.*s'", (int)(eq - ov[i]), ov[i]);
    for (int k = 0; k < sc->nfeeders; k++)
      fprintf(err, "%s%s", k ? ", " : " (its feeders: ", sc->feeders[k].name);
    fprintf(err, "%s\n", sc->nfeeders ? ")" : "");
    return -1;
  }
  return 0;
}

static int load_one(feeder_rt *f, const crowd_feeder_desc *d, const char *const *ov, int nov, FILE *err)
{
  char msg[256];
  size_t len = 0;
  f->desc = d;
  f->path = feeder_path(d, ov, nov);
  if (f->path == NULL) {
    fprintf(err, "crowd: error: feeder '%s': out of memory\n", d->name);
    return -1;
  }
  char *text = crowd_file_read(f->path, FEEDER_MAX_BYTES, &len);
  if (text == NULL) {
    fprintf(err, "crowd: error: feeder '%s' (%s): cannot read %s: %s (give another file with --feeder %s=PATH)\n",
            d->name, d->site ? d->site : "?", f->path, strerror(errno), d->name);
    return -1;
  }
  int rc = crowd_csv_parse(text, len, &f->csv, msg, sizeof msg);
  free(text);
  if (rc != 0) {
    fprintf(err, "crowd: error: feeder '%s': %s: %s\n", d->name, f->path, msg);
    return -1;
  }
  f->colmap = calloc((size_t)(d->ncolumns > 0 ? d->ncolumns : 1), sizeof *f->colmap);
  if (f->colmap == NULL) {
    fprintf(err, "crowd: error: feeder '%s': out of memory\n", d->name);
    return -1;
  }
  for (int c = 0; c < d->ncolumns; c++) {
    size_t k;
    for (k = 0; k < f->csv.ncols; k++) {
      const crowd_csv_cell *h = crowd_csv_cell_at(&f->csv, 0, k);
      if (h->len == strlen(d->columns[c]) && memcmp(h->p, d->columns[c], h->len) == 0)
        break;
    }
    if (k == f->csv.ncols) {
      fprintf(err, "crowd: error: feeder '%s': %s has no column '%s' (its columns: ", d->name, f->path,
              d->columns[c]);
      for (k = 0; k < f->csv.ncols; k++)
        fprintf(err, "%s%.*s", k ? ", " : "", (int)crowd_csv_cell_at(&f->csv, 0, k)->len,
                crowd_csv_cell_at(&f->csv, 0, k)->p);
      fprintf(err, ")\n");
      return -1;
    }
    f->colmap[c] = k;
  }
  if (f->csv.nrows == 0) {
    fprintf(err, "crowd: error: feeder '%s': %s has a header but no rows\n", d->name, f->path);
    return -1;
  }
  if (d->strategy == CROWD_FEED_SHUFFLE) {
    f->perm = calloc(f->csv.nrows, sizeof *f->perm);
    if (f->perm == NULL) {
      fprintf(err, "crowd: error: feeder '%s': out of memory\n", d->name);
      return -1;
    }
  }
  crowd_log(CROWD_LOG_DEBUG, "crowd.feeder", "feeder '%s': %zu rows from %s", d->name, f->csv.nrows, f->path);
  return 0;
}

int crowd_feeders_load(const crowd_scenario_desc *sc, const char *const *overrides, int noverrides, FILE *err)
{
  crowd_feeders_free();
  if (check_overrides(sc, overrides, noverrides, err) != 0)
    return -1;
  if (sc->nfeeders <= 0 || sc->feeders == NULL)
    return 0;
  feeder_tab = calloc((size_t)sc->nfeeders, sizeof *feeder_tab);
  if (feeder_tab == NULL) {
    fprintf(err, "crowd: error: out of memory for the feeders\n");
    return -1;
  }
  feeder_count = sc->nfeeders;
  for (int i = 0; i < sc->nfeeders; i++) {
    if (load_one(&feeder_tab[i], &sc->feeders[i], overrides, noverrides, err) != 0) {
      crowd_feeders_free();
      return -1;
    }
  }
  return 0;
}

void crowd_feeders_free(void)
{
  for (int i = 0; i < feeder_count; i++) {
    free(feeder_tab[i].path);
    free(feeder_tab[i].colmap);
    free(feeder_tab[i].perm);
    crowd_csv_free(&feeder_tab[i].csv);
  }
  free(feeder_tab);
  feeder_tab = NULL;
  feeder_count = 0;
}

/* ---- rows ------------------------------------------------------------------------ */

/* A row handle: the feeder's index above bit 40, the row below (rows are
 * 1-based in the handle, so that a zeroed value is no row). */
static int64_t row_handle(int feeder, size_t row)
{
  return ((int64_t)feeder << 40) | (int64_t)(row + 1);
}

static void shuffle(feeder_rt *f)
{
  size_t n = f->csv.nrows;
  for (size_t i = 0; i < n; i++)
    f->perm[i] = i;
  for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
    size_t j = (size_t)crowd_rng_below((uint64_t)i + 1);
    size_t t = f->perm[i];
    f->perm[i] = f->perm[j];
    f->perm[j] = t;
  }
}

int crowd_feeder_next(crowd_user *u, const char *site, int feeder, crowd_val *row)
{
  if (feeder < 0 || feeder >= feeder_count || feeder_tab[feeder].csv.nrows == 0) {
    crowd_task_error(u, site, "feeder %d is not loaded", feeder);
    return -1;
  }
  feeder_rt *f = &feeder_tab[feeder];
  size_t n = f->csv.nrows, r;
  switch (f->desc->strategy) {
  case CROWD_FEED_RANDOM:
    r = (size_t)crowd_rng_below(n);
    break;
  case CROWD_FEED_SHUFFLE:
    if (f->next == 0)
      shuffle(f);
    r = f->perm[f->next];
    f->next = (f->next + 1) % n;
    break;
  case CROWD_FEED_UNIQUE: /* the cursor is shared by every --processes child (shared.h) */
    r = (size_t)crowd_shared_take(CROWD_SHARED_FEEDER(feeder), &f->taken);
    if (r >= n) {
      if (!f->exhausted)
        crowd_log(CROWD_LOG_INFO, "crowd.feeder",
                  "%s: feeder '%s' (unique) has given all its %zu rows; each user that asks for another stops",
                  site ? site : "?", f->desc->name, n);
      else
        crowd_log(CROWD_LOG_DEBUG, "crowd.feeder", "%s: feeder '%s' has no row left: a %s user stops",
                  site ? site : "?", f->desc->name, u && u->desc ? u->desc->name : "?");
      f->exhausted = true;
      if (u)
        u->stopping = true;
      return 1;
    }
    break;
  case CROWD_FEED_CYCLE:
  default:
    r = f->next;
    f->next = (f->next + 1) % n;
    break;
  }
  crowd_val_int(row, row_handle(feeder, r));
  return 0;
}

/* The cell behind row.field, or NULL when the handle is not a row of feeder. */
static const crowd_csv_cell *row_cell(const crowd_val *row, int feeder, int column)
{
  if (row->type != CROWD_INT || feeder < 0 || feeder >= feeder_count || (row->u.i >> 40) != feeder)
    return NULL;
  const feeder_rt *f = &feeder_tab[feeder];
  int64_t r = (row->u.i & (((int64_t)1 << 40) - 1)) - 1;
  if (r < 0 || (uint64_t)r >= f->csv.nrows || column < 0 || column >= f->desc->ncolumns)
    return NULL;
  return crowd_csv_cell_at(&f->csv, (size_t)r + 1, f->colmap[column]);
}

void crowd_feeder_field(crowd_user *u, const crowd_val *row, int feeder, int column, crowd_val *out)
{
  (void)u;
  const crowd_csv_cell *c = row_cell(row, feeder, column);
  if (c)
    crowd_val_str(out, c->p, c->len);
  else
    crowd_val_clear(out);
}

void crowd_str_field(crowd_user *u, const crowd_val *row, int feeder, int column)
{
  const crowd_csv_cell *c = row_cell(row, feeder, column);
  if (c && crowd_buf_add(&u->scratch, c->p, c->len) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.user", "out of memory while building a string");
}

void crowd_feeders_log_exhausted(void)
{
  for (int i = 0; i < feeder_count; i++) {
    feeder_rt *f = &feeder_tab[i];
    if (f->desc->strategy != CROWD_FEED_UNIQUE || f->exhausted ||
        crowd_shared_get(CROWD_SHARED_FEEDER(i), f->taken) <= f->csv.nrows)
      continue;
    f->exhausted = true;
    crowd_log(CROWD_LOG_INFO, "crowd.feeder",
              "feeder '%s' (unique) has given all its %zu rows across the processes; each user that asks "
              "for another stops", f->desc->name, f->csv.nrows);
  }
}
