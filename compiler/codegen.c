#include "config.h"

/* C generation, the tables: users, task sets, feeders, handlers and the
 * scenario's descriptor, and the file around them; the statements' code is
 * codegen_stmt.c's (codegen_int.h). */

#include "compiler/codegen.h"

#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/codegen_int.h"
#include "compiler/load.h"
#include "compiler/thresholds.h"
#include "compiler/upload.h"

const char *const crowdc_cg_method_enum[CROWDC_NMETHODS] = {
  "CROWD_GET", "CROWD_POST", "CROWD_PUT", "CROWD_PATCH", "CROWD_DELETE", "CROWD_HEAD",
  "CROWD_OPTIONS",
};

static const char *const crowdc_cg_wait_enum[] = {
  "CROWD_WAIT_NONE", "CROWD_WAIT_CONSTANT", "CROWD_WAIT_BETWEEN", "CROWD_WAIT_PACING",
  "CROWD_WAIT_THROUGHPUT",
};

void crowdc_codegen_cstr(FILE *out, const char *p, size_t len)
{
  fputc('"', out);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?')
      fputc(c, out);
    else
      fprintf(out, "\\%03o", c);
  }
  fputc('"', out);
}

void crowdc_cg_cstr0(FILE *out, const char *s)
{
  crowdc_codegen_cstr(out, s, strlen(s));
}

/* A double that reads back exactly, written the shortest way. */
void crowdc_codegen_double(FILE *out, double v)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v)
    snprintf(buf, sizeof buf, "%.17g", v);
  if (!strpbrk(buf, ".eEn"))
    strcat(buf, ".0");
  fputs(buf, out);
}

/* A C identifier piece from a scenario name: [A-Za-z0-9_] kept, anything
 * else '_', cut to a readable length.  Uniqueness comes from the numbers
 * the caller puts in front. */
static void crowdc_cg_ident(char *buf, const char *p, size_t len)
{
  size_t n = len < CROWDC_CG_IDENT ? len : CROWDC_CG_IDENT;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    buf[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                 ? c
                 : '_';
  }
  buf[n] = '\0';
}

void crowdc_cg_site(FILE *out, const crowdc_loc *loc)
{
  char buf[32];
  snprintf(buf, sizeof buf, ":%d:%d", loc->line, loc->col);
  size_t flen = strlen(loc->file);
  char *s = malloc(flen + sizeof buf);
  if (!s) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  memcpy(s, loc->file, flen);
  strcpy(s + flen, buf);
  crowdc_codegen_cstr(out, s, strlen(s));
  free(s);
}

void crowdc_codegen_site(FILE *out, const crowdc_loc *loc)
{
  crowdc_cg_site(out, loc);
}

void crowdc_cg_line(crowdc_cg *g, const crowdc_loc *loc)
{
  fprintf(g->code, "#line %d ", loc->line);
  crowdc_cg_cstr0(g->code, loc->file);
  fputc('\n', g->code);
}

/* A plain string's bytes (sema checked it is one). */
const char *crowdc_cg_plain(const crowdc_node *n, size_t *len)
{
  const crowdc_strpart *p = n->u.str.n ? &n->u.str.parts[0] : NULL;
  *len = p ? p->len : 0;
  return p ? p->p : "";
}

/* ---- tables ------------------------------------------------------------- */

static void crowdc_cg_name(FILE *out, const crowdc_node *sym)
{
  crowdc_codegen_cstr(out, sym->u.name.p, sym->u.name.len);
}

static void crowdc_cg_wait(crowdc_cg *g, int kind, double a, double b)
{
  fprintf(g->code, "{ %s, ", crowdc_cg_wait_enum[kind]);
  crowdc_codegen_double(g->code, a);
  fputs(", ", g->code);
  crowdc_codegen_double(g->code, b);
  fputs(" }", g->code);
}

static int crowdc_cg_set(crowdc_cg *g, size_t ui, const char *uid, const crowdc_task *t);

/* The functions of a list of entries (tasks, and task sets with all they
 * hold), then its table, `table`; sid is the set's number, -1 for the
 * user's own tasks. */
static void crowdc_cg_entries(crowdc_cg *g, size_t ui, int sid, const char *uid, const char *table,
                              const crowdc_task *tasks, size_t n)
{
  char tid[CROWDC_CG_IDENT + 1], fname[4 * CROWDC_CG_IDENT], what[4 * CROWDC_CG_IDENT];
  char sfx[32];
  int *sets = calloc(n + 1, sizeof *sets), *tags = calloc(n + 1, sizeof *tags);
  if (!sets || !tags) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  if (sid >= 0)
    snprintf(sfx, sizeof sfx, "s%d_", sid);
  else
    sfx[0] = '\0';
  for (size_t ti = 0; ti < n; ti++) {
    const crowdc_task *t = &tasks[ti];
    if (t->set) {
      sets[ti] = crowdc_cg_set(g, ui, uid, t);
      continue;
    }
    crowdc_cg_ident(tid, t->name->u.name.p, t->name->u.name.len);
    snprintf(fname, sizeof fname, "crowd_task_%zu_%s%zu_%s", ui, sfx, ti, tid);
    snprintf(what, sizeof what, "user %s, task %s", uid, tid);
    crowdc_cg_function(g, fname, what, t->stmts, t->nstmts);
  }
  for (size_t ti = 0; ti < n; ti++) { /* the tags of each task */
    const crowdc_task *t = &tasks[ti];
    if (t->set || t->ntags == 0)
      continue;
    tags[ti] = g->ntags++;
    fprintf(g->code, "\nstatic const char *const crowd_tags_%d[] = { ", tags[ti]);
    for (size_t k = 0; k < t->ntags; k++) {
      const crowdc_node *tg = t->tags[k];
      if (tg->kind == CROWDC_N_SYMBOL)
        crowdc_cg_name(g->code, tg);
      else
        crowdc_codegen_cstr(g->code, tg->u.str.n ? tg->u.str.parts[0].p : "",
                            tg->u.str.n ? tg->u.str.parts[0].len : 0);
      fputs(k + 1 < t->ntags ? ", " : " };\n", g->code);
    }
  }
  fprintf(g->code, "\nstatic const crowd_task_desc %s[] = {\n", table);
  for (size_t ti = 0; ti < n; ti++) {
    const crowdc_task *t = &tasks[ti];
    crowdc_cg_ident(tid, t->name->u.name.p, t->name->u.name.len);
    fputs("  { ", g->code);
    crowdc_cg_name(g->code, t->name);
    if (t->set)
      fprintf(g->code, ", %d, NULL, &crowd_set_%zu_%d, NULL, 0 },\n", t->weight, ui, sets[ti]);
    else if (t->ntags)
      fprintf(g->code, ", %d, crowd_task_%zu_%s%zu_%s, NULL, crowd_tags_%d, %zu },\n", t->weight, ui,
              sfx, ti, tid, tags[ti], t->ntags);
    else
      fprintf(g->code, ", %d, crowd_task_%zu_%s%zu_%s, NULL, NULL, 0 },\n", t->weight, ui, sfx, ti,
              tid);
  }
  fputs("};\n", g->code);
  free(sets);
  free(tags);
}

/* A task set: its blocks, its entries, then its descriptor crowd_set_U_N;
 * returns N. */
static int crowdc_cg_set(crowdc_cg *g, size_t ui, const char *uid, const crowdc_task *t)
{
  const crowdc_taskset *ts = t->set;
  int sid = g->nset++;
  char sname[CROWDC_CG_IDENT + 1], fname[4 * CROWDC_CG_IDENT], what[4 * CROWDC_CG_IDENT];
  char table[64];
  crowdc_cg_ident(sname, t->name->u.name.p, t->name->u.name.len);
  if (ts->has_start) {
    snprintf(fname, sizeof fname, "crowd_set_on_start_%zu_%d_%s", ui, sid, sname);
    snprintf(what, sizeof what, "user %s, task set %s: on start", uid, sname);
    crowdc_cg_function(g, fname, what, ts->start, ts->nstart);
  }
  if (ts->has_stop) {
    snprintf(fname, sizeof fname, "crowd_set_on_stop_%zu_%d_%s", ui, sid, sname);
    snprintf(what, sizeof what, "user %s, task set %s: on stop", uid, sname);
    crowdc_cg_function(g, fname, what, ts->stop, ts->nstop);
  }
  snprintf(table, sizeof table, "crowd_tasks_%zu_s%d", ui, sid);
  crowdc_cg_entries(g, ui, sid, uid, table, ts->tasks, ts->ntasks);
  fprintf(g->code, "\nstatic const crowd_taskset_desc crowd_set_%zu_%d = {\n  .name = ", ui, sid);
  crowdc_cg_name(g->code, t->name);
  fprintf(g->code, ",\n  .sequential = %d,\n  .has_wait = %d,\n  .wait = ", ts->sequential,
          ts->has_wait);
  crowdc_cg_wait(g, ts->has_wait ? (int)ts->wait : 0, ts->wait_a, ts->wait_b);
  fputs(",\n", g->code);
  if (ts->has_start)
    fprintf(g->code, "  .on_start = crowd_set_on_start_%zu_%d_%s,\n", ui, sid, sname);
  if (ts->has_stop)
    fprintf(g->code, "  .on_stop = crowd_set_on_stop_%zu_%d_%s,\n", ui, sid, sname);
  fprintf(g->code, "  .tasks = %s,\n  .ntasks = %zu,\n};\n", table, ts->ntasks);
  return sid;
}

static void crowdc_cg_user(crowdc_cg *g, size_t ui, const crowdc_user *u)
{
  char uid[CROWDC_CG_IDENT + 1];
  char fname[3 * CROWDC_CG_IDENT], what[3 * CROWDC_CG_IDENT];
  crowdc_cg_ident(uid, u->name->u.name.p, u->name->u.name.len);
  if (u->ninit) {
    snprintf(fname, sizeof fname, "crowd_on_start_%zu_%s", ui, uid);
    snprintf(what, sizeof what, "user %s: on start", uid);
    crowdc_cg_function(g, fname, what, u->init, u->ninit);
  }
  if (u->has_stop) {
    snprintf(fname, sizeof fname, "crowd_on_stop_%zu_%s", ui, uid);
    snprintf(what, sizeof what, "user %s: on stop", uid);
    crowdc_cg_function(g, fname, what, u->stop, u->nstop);
  }
  char table[64];
  snprintf(table, sizeof table, "crowd_tasks_%zu", ui);
  g->nset = 0;
  crowdc_cg_entries(g, ui, -1, uid, table, u->tasks, u->ntasks);
  if (u->nvars) {
    fprintf(g->code, "\nstatic const char *const crowd_vars_%zu[] = {\n", ui);
    for (size_t i = 0; i < u->nvars; i++) {
      fputs("  ", g->code);
      crowdc_cg_name(g->code, u->vars[i]);
      fputs(",\n", g->code);
    }
    fputs("};\n", g->code);
  }
}

static void crowdc_cg_user_desc(crowdc_cg *g, size_t ui, const crowdc_user *u)
{
  char uid[CROWDC_CG_IDENT + 1];
  crowdc_cg_ident(uid, u->name->u.name.p, u->name->u.name.len);
  fputs("  {\n    .name = ", g->code);
  crowdc_cg_name(g->code, u->name);
  fputs(",\n    .weight = ", g->code);
  crowdc_codegen_double(g->code, u->weight);
  fprintf(g->code, ",\n    .nvars = %zu,\n", u->nvars);
  if (u->nvars)
    fprintf(g->code, "    .var_names = crowd_vars_%zu,\n", ui);
  else
    fputs("    .var_names = NULL,\n", g->code);
  fprintf(g->code, "    .wait = { %s, ", crowdc_cg_wait_enum[u->wait]);
  crowdc_codegen_double(g->code, u->wait_a);
  fputs(", ", g->code);
  crowdc_codegen_double(g->code, u->wait_b);
  fputs(" },\n", g->code);
  if (u->ninit)
    fprintf(g->code, "    .on_start = crowd_on_start_%zu_%s,\n", ui, uid);
  else
    fputs("    .on_start = NULL,\n", g->code);
  if (u->client == CROWDC_CLIENT_FAST)
    fputs("    .client = CROWD_CLIENT_FAST,\n", g->code);
  fprintf(g->code, "    .tasks = crowd_tasks_%zu,\n    .ntasks = %zu,\n", ui, u->ntasks);
  if (u->has_stop)
    fprintf(g->code, "    .on_stop = crowd_on_stop_%zu_%s,\n", ui, uid);
  if (u->fixed_count > 0)
    fprintf(g->code, "    .fixed_count = %d,\n", u->fixed_count);
  crowdc_load_emit_user(g->code, g->m, ui);
  crowdc_upload_emit_user(g->code, g->m, ui);
  fputs("  },\n", g->code);
}

char *crowdc_codegen_source_dir(const char *source)
{
  const char *slash = strrchr(source, '/');
  char *dir = slash ? strndup(source, slash == source ? 1 : (size_t)(slash - source)) : strdup(".");
  char *abs = dir ? realpath(dir, NULL) : NULL;
  if (abs) {
    free(dir);
    return abs;
  }
  if (!dir) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  return dir;
}

static const char *const crowdc_cg_strategy_enum[] = {
  "CROWD_FEED_CYCLE", "CROWD_FEED_RANDOM", "CROWD_FEED_SHUFFLE", "CROWD_FEED_UNIQUE",
};

/* The feeders' table: file, strategy and the columns the scenario reads. */
static void crowdc_cg_feeders(crowdc_cg *g)
{
  const crowdc_model *m = g->m;
  if (m->nfeeders == 0)
    return;
  char *dir = crowdc_codegen_source_dir(m->source);
  for (size_t i = 0; i < m->nfeeders; i++) {
    const crowdc_feeder *f = &m->feeders[i];
    if (f->ncolumns == 0)
      continue;
    fprintf(g->code, "\nstatic const char *const crowd_feeder_%zu_columns[] = {\n", i);
    for (size_t k = 0; k < f->ncolumns; k++) {
      fputs("  ", g->code);
      crowdc_codegen_cstr(g->code, f->columns[k].p, f->columns[k].len);
      fputs(",\n", g->code);
    }
    fputs("};\n", g->code);
  }
  fputs("\nstatic const crowd_feeder_desc crowd_feeders[] = {\n", g->code);
  for (size_t i = 0; i < m->nfeeders; i++) {
    const crowdc_feeder *f = &m->feeders[i];
    size_t len;
    const char *path = crowdc_cg_plain(f->path, &len);
    fputs("  {\n    .name = ", g->code);
    crowdc_cg_name(g->code, f->name);
    fputs(",\n    .path = ", g->code);
    crowdc_codegen_cstr(g->code, path, len);
    fputs(",\n    .dir = ", g->code);
    crowdc_cg_cstr0(g->code, dir);
    fprintf(g->code, ",\n    .strategy = %s,\n", crowdc_cg_strategy_enum[f->strategy]);
    if (f->ncolumns)
      fprintf(g->code, "    .columns = crowd_feeder_%zu_columns,\n    .ncolumns = %zu,\n", i, f->ncolumns);
    fputs("    .site = ", g->code);
    crowdc_cg_site(g->code, &f->form->loc);
    fputs(",\n  },\n", g->code);
  }
  fputs("};\n", g->code);
  free(dir);
}

/* A shape's (tick ...): its function and its variables' names (the shape's
 * table is load.c's). */
static void crowdc_cg_tick(crowdc_cg *g)
{
  const crowdc_tick *t = g->m->tick;
  if (t == NULL)
    return;
  crowdc_cg_function(g, "crowd_shape_tick", "shape tick", t->u.init, t->u.ninit);
  fputs("\nstatic const char *const crowd_shape_tick_vars[] = {\n", g->code);
  for (size_t k = 0; k < t->u.nvars; k++) {
    fputs("  ", g->code);
    crowdc_cg_name(g->code, t->u.vars[k]);
    fputs(",\n", g->code);
  }
  fputs("};\n", g->code);
}

/* The (on ...) handlers' functions and tables, and the write-file targets. */
static void crowdc_cg_events(crowdc_cg *g)
{
  const crowdc_model *m = g->m;
  char fname[64], what[64];
  for (size_t i = 0; i < m->nhandlers; i++) {
    const crowdc_handler *h = &m->handlers[i];
    snprintf(fname, sizeof fname, "crowd_handler_%zu", i);
    snprintf(what, sizeof what, "on %.*s", (int)h->u.name->u.name.len, h->u.name->u.name.p);
    crowdc_cg_function(g, fname, what, h->u.init, h->u.ninit);
    fprintf(g->code, "\nstatic const char *const crowd_handler_vars_%zu[] = {\n", i);
    for (size_t k = 0; k < h->u.nvars; k++) {
      fputs("  ", g->code);
      crowdc_cg_name(g->code, h->u.vars[k]);
      fputs(",\n", g->code);
    }
    fputs("};\n", g->code);
  }
  if (m->nhandlers) {
    static const char *const kinds[] = {
      "CROWD_EV_TEST_START", "CROWD_EV_TEST_STOP", "CROWD_EV_SPAWNING", "CROWD_EV_SPAWNING_COMPLETE",
      "CROWD_EV_QUITTING", "CROWD_EV_USER_ERROR", "CROWD_EV_REQUEST",
    };
    fputs("\nstatic const crowd_handler_desc crowd_handlers[] = {\n", g->code);
    for (size_t i = 0; i < m->nhandlers; i++) {
      const crowdc_handler *h = &m->handlers[i];
      fprintf(g->code, "  {\n    .kind = %s,\n    .fn = crowd_handler_%zu,\n    .nvars = %zu,\n"
                       "    .var_names = crowd_handler_vars_%zu,\n    .name = ",
              kinds[h->kind], i, h->u.nvars, i);
      size_t len;
      const char *name = h->name ? crowdc_cg_plain(h->name, &len) : NULL;
      if (name)
        crowdc_codegen_cstr(g->code, name, len);
      else
        fputs("NULL", g->code);
      fprintf(g->code, ",\n    .method = %s,\n    .failure = %d,\n    .min_time = ",
              h->method >= 0 ? crowdc_cg_method_enum[h->method] : "-1", h->failure);
      crowdc_codegen_double(g->code, h->min_time);
      fputs(",\n    .site = ", g->code);
      crowdc_cg_site(g->code, &h->form->loc);
      fputs(",\n  },\n", g->code);
    }
    fputs("};\n", g->code);
  }
  if (m->nfiles) {
    fputs("\nstatic const crowd_file_desc crowd_files[] = {\n", g->code);
    for (size_t i = 0; i < m->nfiles; i++) {
      size_t len;
      const char *path = crowdc_cg_plain(m->files[i], &len);
      fputs("  { .path = ", g->code);
      crowdc_codegen_cstr(g->code, path, len);
      fputs(", .site = ", g->code);
      crowdc_cg_site(g->code, &m->files[i]->loc);
      fputs(" },\n", g->code);
    }
    fputs("};\n", g->code);
  }
}

int crowdc_codegen(FILE *out, const crowdc_model *m)
{
  char *cbuf = NULL, *kbuf = NULL;
  size_t clen = 0, klen = 0;
  crowdc_cg g = { .m = m };
  g.code = open_memstream(&cbuf, &clen);
  g.consts = open_memstream(&kbuf, &klen);
  if (!g.code || !g.consts) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  size_t nconcrete = 0; /* abstract users are checked, never spawned: not in the tables */
  for (size_t ui = 0; ui < m->nusers; ui++)
    if (!m->users[ui].abstract) {
      crowdc_cg_user(&g, ui, &m->users[ui]);
      nconcrete++;
    }
  crowdc_cg_tick(&g);
  crowdc_load_emit(g.code, m); /* options, shape, arrival tables (load.h) */
  crowdc_upload_emit(g.code, m); /* (file ...) and client certificates (upload.h) */
  fputs("\nstatic const crowd_user_desc crowd_users[] = {\n", g.code);
  for (size_t ui = 0; ui < m->nusers; ui++)
    if (!m->users[ui].abstract)
      crowdc_cg_user_desc(&g, ui, &m->users[ui]);
  fputs("};\n", g.code);

  crowdc_cg_feeders(&g);
  crowdc_cg_events(&g);
  crowdc_thr_emit(g.code, m);
  if (g.nchecks) { /* the Checks summary's labels */
    fputs("\nstatic const crowd_check_desc crowd_checks[] = {\n", g.code);
    for (size_t i = 0; i < g.nchecks; i++) {
      fputs("  { ", g.code);
      crowdc_codegen_cstr(g.code, g.checks[i]->label, g.checks[i]->labellen);
      fputs(", ", g.code);
      crowdc_cg_site(g.code, &g.checks[i]->form->loc);
      fputs(" },\n", g.code);
    }
    fputs("};\n", g.code);
  }
  fputs("\nstatic const crowd_scenario_desc crowd_scenario = {\n"
        "  .abi = CROWD_ABI_VERSION,\n  .name = ", g.code);
  crowdc_codegen_cstr(g.code, m->name, m->namelen);
  fputs(",\n  .source = ", g.code);
  crowdc_cg_cstr0(g.code, m->source);
  fputs(",\n  .host = ", g.code);
  if (m->host && m->host->u.str.n)
    crowdc_codegen_cstr(g.code, m->host->u.str.parts[0].p, m->host->u.str.parts[0].len);
  else
    fputs("NULL", g.code);
  fprintf(g.code, ",\n  .users = crowd_users,\n  .nusers = %zu,\n", nconcrete);
  if (m->nfeeders)
    fprintf(g.code, "  .feeders = crowd_feeders,\n  .nfeeders = %zu,\n", m->nfeeders);
  if (m->nthresholds)
    fprintf(g.code, "  .thresholds = crowd_thresholds,\n  .nthresholds = %zu,\n", m->nthresholds);
  crowdc_load_emit_scenario(g.code, m);
  crowdc_upload_emit_scenario(g.code, m);
  if (m->nhandlers)
    fprintf(g.code, "  .handlers = crowd_handlers,\n  .nhandlers = %zu,\n", m->nhandlers);
  if (m->nfiles)
    fprintf(g.code, "  .files = crowd_files,\n  .nfiles = %zu,\n", m->nfiles);
  if (g.nchecks)
    fprintf(g.code, "  .checks = crowd_checks,\n  .nchecks = %zu,\n", g.nchecks);
  fputs("};\n", g.code);
  fputs("\nint main(int argc, char **argv)\n{\n"
        "  return crowd_main(&crowd_scenario, argc, argv);\n}\n", g.code);
  for (size_t i = 0; i < g.nops; i++)
    free(g.ops[i]);
  free(g.ops);
  free(g.checks);
  int err = fclose(g.code) != 0;
  err |= fclose(g.consts) != 0;

  fputs("/* Generated by crowdc " PACKAGE_VERSION ". Do not edit: edit the scenario. */\n"
        "#include <crowd/crowd.h>\n", out);
  if (klen)
    fputs("\n", out);
  fwrite(kbuf, 1, klen, out);
  fwrite(cbuf, 1, clen, out);
  free(cbuf);
  free(kbuf);
  return err || ferror(out) ? -1 : 0;
}
