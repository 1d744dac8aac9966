#include "config.h"

#include "compiler/codegen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/builtins.h"
#include "compiler/load.h"
#include "compiler/thresholds.h"
#include "compiler/upload.h"

/* The generated file is assembled from two streams: constants (literal
 * values, file scope) and code (functions); constants are written first. */
typedef struct crowdc_cg {
  FILE *consts;
  FILE *code;
  const crowdc_model *m;
  int nconst;     /* crowd_kN counter, for the whole file */
  int ntemp;      /* tN counter, per statement */
  int step;       /* resume points, per function */
  int nresp;      /* crowd_resp_N counter (response blocks), for the whole file */
  char **ops;     /* operands computed before a request, in walk order */
  size_t nops, opcap, opnext;
  int nset;       /* task sets, per user */
  int ntags;      /* crowd_tags_N counter, for the whole file */
  const crowdc_resp_item **checks; /* every check, in crowd_checks[] order */
  size_t nchecks, checkcap;
} crowdc_cg;

enum { CROWDC_CG_OP = 48, CROWDC_CG_IDENT = 40 };

static const char *const crowdc_cg_method_enum[CROWDC_NMETHODS] = {
  "CROWD_GET", "CROWD_POST", "CROWD_PUT", "CROWD_PATCH", "CROWD_DELETE", "CROWD_HEAD",
  "CROWD_OPTIONS",
};

/* In crowd.h's order of crowd_op, crowd_src and crowd_pick. */
static const char *const crowdc_cg_op_enum[] = {
  "CROWD_OP_SAVE", "CROWD_OP_EXISTS", "CROWD_OP_ABSENT", "CROWD_OP_CONTAINS", "CROWD_OP_MATCHES",
  "CROWD_OP_EQ", "CROWD_OP_LT", "CROWD_OP_LE", "CROWD_OP_GT", "CROWD_OP_GE", "CROWD_OP_IN",
  "CROWD_OP_SUCCESS", "CROWD_OP_FAILURE", "CROWD_OP_WHEN", "CROWD_OP_SKIP",
};
static const char *const crowdc_cg_src_enum[] = {
  "CROWD_SRC_NONE", "CROWD_SRC_STATUS", "CROWD_SRC_HEADER", "CROWD_SRC_COOKIE", "CROWD_SRC_BODY",
  "CROWD_SRC_JSON", "CROWD_SRC_REGEX", "CROWD_SRC_TIME",
};
static const char *const crowdc_cg_pick_enum[] = {
  "CROWD_PICK_FIRST", "CROWD_PICK_LAST", "CROWD_PICK_RANDOM", "CROWD_PICK_ALL",
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

static void crowdc_cg_cstr0(FILE *out, const char *s)
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

static void crowdc_cg_site(FILE *out, const crowdc_loc *loc)
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

static void crowdc_cg_line(crowdc_cg *g, const crowdc_loc *loc)
{
  fprintf(g->code, "#line %d ", loc->line);
  crowdc_cg_cstr0(g->code, loc->file);
  fputc('\n', g->code);
}

/* ---- operands ---------------------------------------------------------- */

/* A new file-scope constant; its name goes to op. */
static void crowdc_cg_const_begin(crowdc_cg *g, char *op)
{
  snprintf(op, CROWDC_CG_OP, "crowd_k%d", g->nconst++);
  fprintf(g->consts, "static const crowd_val %s = ", op);
}

static void crowdc_cg_const_str(crowdc_cg *g, char *op, const char *p, size_t len)
{
  crowdc_cg_const_begin(g, op);
  fputs("CROWD_VAL_LIT(", g->consts);
  crowdc_codegen_cstr(g->consts, p, len);
  fputs(");\n", g->consts);
}

static void crowdc_cg_temp(crowdc_cg *g, char *op)
{
  snprintf(op, CROWDC_CG_OP, "t%d", g->ntemp++);
  fprintf(g->code, "      crowd_val %s = CROWD_VAL_NIL;\n", op);
}

static void crowdc_cg_clear_temps(crowdc_cg *g, const char *indent)
{
  for (int i = 0; i < g->ntemp; i++)
    fprintf(g->code, "%scrowd_val_clear(&t%d);\n", indent, i);
}

/* Emit whatever computes e, and write in op a C lvalue of type crowd_val
 * that holds it (a constant, a variable slot or a temporary). */
static void crowdc_cg_operand(crowdc_cg *g, const crowdc_node *e, char *op)
{
  switch (e->kind) {
  case CROWDC_N_STRING:
    if (crowdc_ast_plain_string(e)) {
      const crowdc_strpart *p = e->u.str.n ? &e->u.str.parts[0] : NULL;
      crowdc_cg_const_str(g, op, p ? p->p : "", p ? p->len : 0);
      return;
    }
    crowdc_cg_temp(g, op);
    fputs("      crowd_str_begin(u);\n", g->code);
    for (size_t i = 0; i < e->u.str.n; i++) {
      const crowdc_strpart *p = &e->u.str.parts[i];
      if (p->is_var && p->slot <= CROWDC_FIELD_REF(0)) {
        const crowdc_field *f = &g->m->fields[CROWDC_FIELD_INDEX(p->slot)];
        fprintf(g->code, "      crowd_str_field(u, &vars[%d], %d, %d);\n", f->slot, f->feeder, f->column);
      } else if (p->is_var) {
        fprintf(g->code, "      crowd_str_val(u, &vars[%d]);\n", p->slot);
      } else {
        fputs("      crowd_str_lit(u, ", g->code);
        crowdc_codegen_cstr(g->code, p->p, p->len);
        fprintf(g->code, ", %zu);\n", p->len);
      }
    }
    fprintf(g->code, "      crowd_str_end(u, &%s);\n", op);
    return;
  case CROWDC_N_INT:
    crowdc_cg_const_begin(g, op);
    if (e->u.i == INT64_MIN)
      fputs("{ .type = CROWD_INT, .u.i = INT64_MIN };\n", g->consts);
    else
      fprintf(g->consts, "{ .type = CROWD_INT, .u.i = %" PRId64 " };\n", e->u.i);
    return;
  case CROWDC_N_DEC:
  case CROWDC_N_DURATION:
  case CROWDC_N_PERCENT:
    crowdc_cg_const_begin(g, op);
    fputs("{ .type = CROWD_NUM, .u.n = ", g->consts);
    crowdc_codegen_double(g->consts, e->u.d);
    fputs(" };\n", g->consts);
    return;
  case CROWDC_N_SYMBOL:
    if (e->aux >= 0) {
      snprintf(op, CROWDC_CG_OP, "vars[%d]", e->aux);
    } else if (e->aux <= CROWDC_FIELD_REF(0)) { /* row.field */
      const crowdc_field *f = &g->m->fields[CROWDC_FIELD_INDEX(e->aux)];
      crowdc_cg_temp(g, op);
      fprintf(g->code, "      crowd_feeder_field(u, &vars[%d], %d, %d, &%s);\n", f->slot, f->feeder,
              f->column, op);
    } else {
      int t = crowdc_ast_is(e, CROWDC_N_SYMBOL, "true");
      int f = crowdc_ast_is(e, CROWDC_N_SYMBOL, "false");
      crowdc_cg_const_begin(g, op);
      if (t || f)
        fprintf(g->consts, "{ .type = CROWD_INT, .u.i = %d };\n", t);
      else
        fputs("{ .type = CROWD_NIL };\n", g->consts);
    }
    return;
  case CROWDC_N_LIST: {
    const crowdc_builtin *b = &crowdc_builtins[e->aux];
    size_t nargs = e->u.seq.n - 1;
    char(*args)[CROWDC_CG_OP] = calloc(nargs + 1, CROWDC_CG_OP);
    if (!args) {
      fputs("crowdc: error: out of memory\n", stderr);
      exit(2);
    }
    for (size_t i = 0; i < nargs; i++)
      crowdc_cg_operand(g, e->u.seq.items[i + 1], args[i]);
    crowdc_cg_temp(g, op);
    if (nargs) {
      fprintf(g->code, "      const crowd_val a%s[%zu] = { ", op + 1, nargs);
      for (size_t i = 0; i < nargs; i++)
        fprintf(g->code, "%s%s", i ? ", " : "", args[i]);
      fputs(" };\n", g->code);
    }
    fprintf(g->code, "      if (%s(u, ", b->cname);
    crowdc_cg_site(g->code, &e->loc);
    if (nargs)
      fprintf(g->code, ", &%s, a%s, %zu) != 0) {\n", op, op + 1, nargs);
    else
      fprintf(g->code, ", &%s, NULL, 0) != 0) {\n", op);
    crowdc_cg_clear_temps(g, "        ");
    fputs("        return CROWD_TASK_FAIL;\n      }\n", g->code);
    free(args);
    return;
  }
  default:
    /* Sema lets nothing else through. */
    snprintf(op, CROWDC_CG_OP, "crowd_k_invalid");
    return;
  }
}

/* ---- statements --------------------------------------------------------- */

static void crowdc_cg_let(crowdc_cg *g, const crowdc_stmt *st)
{
  char op[CROWDC_CG_OP], dst[CROWDC_CG_OP];
  if (st->feeder >= 0) { /* (next F): 1 = a unique feeder ran out, the user stops */
    fprintf(g->code, "      int crowd_rc = crowd_feeder_next(u, ");
    crowdc_cg_site(g->code, &st->expr->loc);
    fprintf(g->code, ", %d, &vars[%d]);\n", st->feeder, st->slot);
    fputs("      if (crowd_rc != 0)\n        return crowd_rc < 0 ? CROWD_TASK_FAIL : CROWD_TASK_DONE;\n",
          g->code);
    return;
  }
  crowdc_cg_operand(g, st->expr, op);
  snprintf(dst, sizeof dst, "vars[%d]", st->slot);
  if (strcmp(op, dst) != 0) {
    fprintf(g->code, "      crowd_val_clear(&%s);\n", dst);
    fprintf(g->code, "      crowd_val_copy(&%s, &%s);\n", dst, op);
  }
}

static void crowdc_cg_push_op(crowdc_cg *g, const char *op)
{
  g->ops = realloc(g->ops, (g->nops + 1) * sizeof *g->ops);
  if (!g->ops || !(g->ops[g->nops] = strdup(op))) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  g->nops++;
}

static const char *crowdc_cg_next_op(crowdc_cg *g)
{
  return g->opnext < g->nops ? g->ops[g->opnext++] : "crowd_k_invalid";
}

/* Map keys: keywords and plain strings become constants. */
static void crowdc_cg_key_operand(crowdc_cg *g, const crowdc_node *k, char *op)
{
  if (k->kind == CROWDC_N_KEYWORD)
    crowdc_cg_const_str(g, op, k->u.name.p, k->u.name.len);
  else
    crowdc_cg_operand(g, k, op);
}

/* Compute every operand a request needs, before crowd_req_begin, so that a
 * failing built-in never leaves a half-built request. */
static void crowdc_cg_json_ops(crowdc_cg *g, const crowdc_node *v)
{
  char op[CROWDC_CG_OP];
  if (v->kind == CROWDC_N_MAP || v->kind == CROWDC_N_VECTOR) {
    size_t step = v->kind == CROWDC_N_MAP ? 2 : 1;
    for (size_t i = step - 1; i < v->u.seq.n; i += step)
      crowdc_cg_json_ops(g, v->u.seq.items[i]);
    return;
  }
  if (crowdc_ast_is(v, CROWDC_N_SYMBOL, "true") || crowdc_ast_is(v, CROWDC_N_SYMBOL, "false"))
    return;
  crowdc_cg_operand(g, v, op);
  crowdc_cg_push_op(g, op);
}

static void crowdc_cg_pairs_ops(crowdc_cg *g, const crowdc_node *m)
{
  char op[CROWDC_CG_OP];
  if (!m)
    return;
  for (size_t i = 0; i + 1 < m->u.seq.n; i += 2) {
    crowdc_cg_key_operand(g, m->u.seq.items[i], op);
    crowdc_cg_push_op(g, op);
    crowdc_cg_operand(g, m->u.seq.items[i + 1], op);
    crowdc_cg_push_op(g, op);
  }
}

static void crowdc_cg_pairs(crowdc_cg *g, const crowdc_node *m, const char *fn)
{
  if (!m)
    return;
  for (size_t i = 0; i + 1 < m->u.seq.n; i += 2) {
    const char *k = crowdc_cg_next_op(g);
    const char *v = crowdc_cg_next_op(g);
    fprintf(g->code, "      crowd_req_%s(u, &%s, &%s);\n", fn, k, v);
  }
}

static void crowdc_cg_json(crowdc_cg *g, const crowdc_node *v)
{
  if (v->kind == CROWDC_N_MAP) {
    fputs("      crowd_json_obj_open(u);\n", g->code);
    for (size_t i = 0; i + 1 < v->u.seq.n; i += 2) {
      const crowdc_node *k = v->u.seq.items[i];
      const char *p = "";
      size_t len = 0;
      if (k->kind == CROWDC_N_KEYWORD) {
        p = k->u.name.p;
        len = k->u.name.len;
      } else if (k->u.str.n) {
        p = k->u.str.parts[0].p;
        len = k->u.str.parts[0].len;
      }
      fputs("      crowd_json_key(u, ", g->code);
      crowdc_codegen_cstr(g->code, p, len);
      fprintf(g->code, ", %zu);\n", len);
      crowdc_cg_json(g, v->u.seq.items[i + 1]);
    }
    fputs("      crowd_json_obj_close(u);\n", g->code);
  } else if (v->kind == CROWDC_N_VECTOR) {
    fputs("      crowd_json_arr_open(u);\n", g->code);
    for (size_t i = 0; i < v->u.seq.n; i++)
      crowdc_cg_json(g, v->u.seq.items[i]);
    fputs("      crowd_json_arr_close(u);\n", g->code);
  } else if (crowdc_ast_is(v, CROWDC_N_SYMBOL, "true") ||
             crowdc_ast_is(v, CROWDC_N_SYMBOL, "false")) {
    fprintf(g->code, "      crowd_json_bool(u, %d);\n",
            crowdc_ast_is(v, CROWDC_N_SYMBOL, "true"));
  } else {
    fprintf(g->code, "      crowd_json_val(u, &%s);\n", crowdc_cg_next_op(g));
  }
}

/* ---- response blocks ------------------------------------------------------ */

static const char *crowdc_cg_plain(const crowdc_node *n, size_t *len)
{
  const crowdc_strpart *p = n->u.str.n ? &n->u.str.parts[0] : NULL;
  *len = p ? p->len : 0;
  return p ? p->p : "";
}

/* The value an item compares with, as designated initializers: a constant,
 * a variable slot or an interpolated string (a crowd_tpl_part table). */
static void crowdc_cg_resp_value(crowdc_cg *g, const crowdc_node *v, int id, size_t i,
                                 char *init, size_t size)
{
  char op[CROWDC_CG_OP];
  if (v->kind == CROWDC_N_SYMBOL && v->aux >= 0) {
    snprintf(init, size, ".value_slot = %d", v->aux);
    return;
  }
  if (v->kind != CROWDC_N_STRING || crowdc_ast_plain_string(v)) {
    crowdc_cg_operand(g, v, op); /* a literal: a file-scope constant */
    snprintf(init, size, ".value = &%s, .value_slot = -1", op);
    return;
  }
  fprintf(g->consts, "static const crowd_tpl_part crowd_resp_%d_tpl%zu[] = {\n", id, i);
  for (size_t k = 0; k < v->u.str.n; k++) {
    const crowdc_strpart *p = &v->u.str.parts[k];
    if (p->is_var) {
      fprintf(g->consts, "  { NULL, 0, %d },\n", p->slot);
    } else {
      fputs("  { ", g->consts);
      crowdc_codegen_cstr(g->consts, p->p, p->len);
      fprintf(g->consts, ", %zu, -1 },\n", p->len);
    }
  }
  fputs("};\n", g->consts);
  snprintf(init, size, ".value_slot = -1, .tpl = crowd_resp_%d_tpl%zu, .ntpl = %zu", id, i,
           v->u.str.n);
}

/* A check's number (1-based) in crowd_checks[]. */
static size_t crowdc_cg_check_id(crowdc_cg *g, const crowdc_resp_item *it)
{
  if (g->nchecks == g->checkcap) {
    g->checkcap = g->checkcap ? 2 * g->checkcap : 16;
    g->checks = realloc(g->checks, g->checkcap * sizeof *g->checks);
    if (!g->checks) {
      fputs("crowdc: error: out of memory\n", stderr);
      exit(2);
    }
  }
  g->checks[g->nchecks++] = it;
  return g->nchecks;
}

/* A WHEN item's condition: a file-scope function of the user's variables
 * (its code goes to the constants stream, after the constants it uses). */
static void crowdc_cg_resp_cond(crowdc_cg *g, const crowdc_resp_item *it, int id, size_t i)
{
  char op[CROWDC_CG_OP], *buf = NULL;
  size_t len = 0;
  FILE *code = g->code;
  int ntemp = g->ntemp;
  g->code = open_memstream(&buf, &len);
  if (!g->code) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  g->ntemp = 0;
  crowdc_cg_operand(g, it->cond, op);
  fprintf(g->code, "      int crowd_c = %scrowd_truthy(&%s);\n", it->negate ? "!" : "", op);
  crowdc_cg_clear_temps(g, "      ");
  if (fclose(g->code) != 0) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  fprintf(g->consts, "static int crowd_resp_%d_cond%zu(crowd_user *u, crowd_val *vars)\n{\n"
                     "  (void)u;\n  (void)vars;\n  {\n", id, i);
  fwrite(buf, 1, len, g->consts);
  fputs("      return crowd_c;\n  }\n}\n", g->consts);
  free(buf);
  g->code = code;
  g->ntemp = ntemp;
}

/* The static tables of a request's response block; returns its number. */
static int crowdc_cg_resp_tables(crowdc_cg *g, const crowdc_request *r)
{
  int id = g->nresp++, keep = 0, has_status = 0;
  size_t len;
  char (*vals)[160] = calloc(r->nresp, sizeof *vals);
  if (!vals) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  for (size_t i = 0; i < r->nresp; i++) {
    const crowdc_resp_item *it = &r->resp[i];
    const char *p;
    if (it->pattern) {
      p = crowdc_cg_plain(it->pattern, &len);
      fprintf(g->consts, "static crowd_regex crowd_resp_%d_re%zu = { ", id, i);
      crowdc_codegen_cstr(g->consts, p, len);
      fputs(", NULL, 0 };\n", g->consts);
    }
    if (it->op == CROWD_OP_WHEN)
      crowdc_cg_resp_cond(g, it, id, i);
    if (it->nset) {
      fprintf(g->consts, "static const int crowd_resp_%d_set%zu[] = { ", id, i);
      for (size_t k = 0; k < it->nset; k++)
        fprintf(g->consts, "%s%d", k ? ", " : "", it->set[k]);
      fputs(" };\n", g->consts);
    }
    if (it->value)
      crowdc_cg_resp_value(g, it->value, id, i, vals[i], sizeof vals[i]);
    else
      snprintf(vals[i], sizeof vals[i], ".value_slot = -1");
    keep |= it->src == CROWD_SRC_HEADER || it->src == CROWD_SRC_COOKIE ||
            it->src == CROWD_SRC_BODY || it->src == CROWD_SRC_JSON || it->src == CROWD_SRC_REGEX;
    has_status |= it->src == CROWD_SRC_STATUS && it->op != CROWD_OP_SAVE;
  }
  fprintf(g->consts, "static const crowd_resp_item crowd_resp_%d_items[] = {\n", id);
  for (size_t i = 0; i < r->nresp; i++) {
    const crowdc_resp_item *it = &r->resp[i];
    fprintf(g->consts, "  { .op = %s, .src = %s", crowdc_cg_op_enum[it->op],
            crowdc_cg_src_enum[it->src]);
    if (it->arg) {
      const char *p = crowdc_cg_plain(it->arg, &len);
      fputs(", .arg = ", g->consts);
      crowdc_codegen_cstr(g->consts, p, len);
    }
    if (it->pattern)
      fprintf(g->consts, ", .re = &crowd_resp_%d_re%zu", id, i);
    fprintf(g->consts, ",\n    %s", vals[i]);
    if (it->nset)
      fprintf(g->consts, ", .set = crowd_resp_%d_set%zu, .nset = %zu", id, i, it->nset);
    if (it->pick)
      fprintf(g->consts, ", .pick = %s", crowdc_cg_pick_enum[it->pick]);
    if (it->op == CROWD_OP_WHEN)
      fprintf(g->consts, ", .cond = crowd_resp_%d_cond%zu", id, i);
    if (it->op == CROWD_OP_WHEN || it->op == CROWD_OP_SKIP)
      fprintf(g->consts, ", .skip = %d", it->skip);
    if (it->label)
      fprintf(g->consts, ", .check = %zu", crowdc_cg_check_id(g, it));
    fprintf(g->consts, ", .slot = %d,\n    .site = ", it->slot);
    crowdc_cg_site(g->consts, &it->form->loc);
    fputs(" },\n", g->consts);
  }
  fputs("};\n", g->consts);
  fprintf(g->consts,
          "static const crowd_resp_desc crowd_resp_%d = { crowd_resp_%d_items, %zu, %d, %d };\n",
          id, id, r->nresp, keep, has_status);
  free(vals);
  return id;
}

/* The operands of a request's default headers (its user's) and :auth, after
 * its other operands. */
static void crowdc_cg_http_ops(crowdc_cg *g, const crowdc_request *r)
{
  char op[CROWDC_CG_OP];
  for (size_t i = 0; i + 1 < r->ndheaders; i += 2) {
    crowdc_cg_key_operand(g, r->dheaders[i], op);
    crowdc_cg_push_op(g, op);
    crowdc_cg_operand(g, r->dheaders[i + 1], op);
    crowdc_cg_push_op(g, op);
  }
  for (size_t i = 1; r->auth && i < r->auth->u.seq.n; i++) {
    crowdc_cg_operand(g, r->auth->u.seq.items[i], op);
    crowdc_cg_push_op(g, op);
  }
}

static void crowdc_cg_http(crowdc_cg *g, const crowdc_request *r)
{
  for (size_t i = 0; i + 1 < r->ndheaders; i += 2) {
    const char *k = crowdc_cg_next_op(g);
    const char *v = crowdc_cg_next_op(g);
    fprintf(g->code, "      crowd_req_header(u, &%s, &%s);\n", k, v);
  }
  if (r->auth && r->auth->u.seq.n == 3) {
    const char *a = crowdc_cg_next_op(g);
    fprintf(g->code, "      crowd_req_basic_auth(u, &%s, &%s);\n", a, crowdc_cg_next_op(g));
  } else if (r->auth) {
    fprintf(g->code, "      crowd_req_bearer_auth(u, &%s);\n", crowdc_cg_next_op(g));
  }
  if (r->flags)
    fprintf(g->code, "      crowd_req_flags(u, %uu);\n", r->flags);
}

/* :body and :multipart: the operands of text values (a (file ...) form's
 * aux is the file's index: no operand). */
static void crowdc_cg_body_ops(crowdc_cg *g, const crowdc_request *r)
{
  char op[CROWDC_CG_OP];
  if (r->body && !crowdc_upload_is_file(r->body)) {
    crowdc_cg_operand(g, r->body, op);
    crowdc_cg_push_op(g, op);
  }
  for (size_t i = 0; r->multipart && i + 1 < r->multipart->u.seq.n; i += 2) {
    crowdc_cg_key_operand(g, r->multipart->u.seq.items[i], op);
    crowdc_cg_push_op(g, op);
    if (!crowdc_upload_is_file(r->multipart->u.seq.items[i + 1])) {
      crowdc_cg_operand(g, r->multipart->u.seq.items[i + 1], op);
      crowdc_cg_push_op(g, op);
    }
  }
}

/* A (file ...) form's option (a plain string) as a C string, or NULL. */
static void crowdc_cg_file_opt(crowdc_cg *g, const crowdc_node *f, const char *opt)
{
  for (size_t i = 2; i + 1 < f->u.seq.n; i += 2)
    if (crowdc_ast_is(f->u.seq.items[i], CROWDC_N_KEYWORD, opt)) {
      size_t len;
      const char *p = crowdc_cg_plain(f->u.seq.items[i + 1], &len);
      crowdc_codegen_cstr(g->code, p, len);
      return;
    }
  fputs("NULL", g->code);
}

static void crowdc_cg_body(crowdc_cg *g, const crowdc_request *r)
{
  if (r->body && crowdc_upload_is_file(r->body)) {
    fprintf(g->code, "      crowd_req_body_file(u, %d, ", r->body->aux);
    crowdc_cg_file_opt(g, r->body, "type");
    fputs(");\n", g->code);
  } else if (r->body) {
    fprintf(g->code, "      crowd_req_body(u, &%s);\n", crowdc_cg_next_op(g));
  }
  for (size_t i = 0; r->multipart && i + 1 < r->multipart->u.seq.n; i += 2) {
    const crowdc_node *v = r->multipart->u.seq.items[i + 1];
    const char *k = crowdc_cg_next_op(g);
    if (crowdc_upload_is_file(v)) {
      fprintf(g->code, "      crowd_req_part_file(u, &%s, %d, ", k, v->aux);
      crowdc_cg_file_opt(g, v, "filename");
      fputs(", ", g->code);
      crowdc_cg_file_opt(g, v, "type");
      fputs(");\n", g->code);
    } else {
      fprintf(g->code, "      crowd_req_part(u, &%s, &%s);\n", k, crowdc_cg_next_op(g));
    }
  }
}

static void crowdc_cg_request(crowdc_cg *g, const crowdc_stmt *st)
{
  const crowdc_request *r = &st->req;
  char path[CROWDC_CG_OP], name[CROWDC_CG_OP];
  fprintf(g->code, "      static const crowd_req_site site = { %s, ",
          crowdc_cg_method_enum[r->method]);
  crowdc_cg_site(g->code, &st->form->loc);
  fputs(" };\n", g->code);
  for (size_t i = 0; i < g->nops; i++)
    free(g->ops[i]);
  g->nops = g->opnext = 0;
  crowdc_cg_operand(g, r->path, path);
  if (r->name)
    crowdc_cg_operand(g, r->name, name);
  crowdc_cg_pairs_ops(g, r->headers);
  crowdc_cg_pairs_ops(g, r->query);
  crowdc_cg_pairs_ops(g, r->form);
  if (r->json)
    crowdc_cg_json_ops(g, r->json);
  crowdc_cg_body_ops(g, r);
  crowdc_cg_http_ops(g, r);

  fputs("      crowd_req_begin(u, &site);\n", g->code);
  fprintf(g->code, "      crowd_req_path(u, &%s);\n", path);
  if (r->name)
    fprintf(g->code, "      crowd_req_name(u, &%s);\n", name);
  crowdc_cg_pairs(g, r->headers, "header");
  crowdc_cg_http(g, r);
  crowdc_cg_pairs(g, r->query, "query");
  crowdc_cg_pairs(g, r->form, "form");
  if (r->timeout) {
    fputs("      crowd_req_timeout(u, ", g->code);
    crowdc_codegen_double(g->code, r->timeout->kind == CROWDC_N_INT ? (double)r->timeout->u.i
                                                               : r->timeout->u.d);
    fputs(");\n", g->code);
  }
  if (r->json) {
    fputs("      crowd_json_begin(u);\n", g->code);
    crowdc_cg_json(g, r->json);
    fputs("      crowd_json_end(u);\n", g->code);
  }
  crowdc_cg_body(g, r);
  if (r->nresp)
    fprintf(g->code, "      crowd_req_response(u, &crowd_resp_%d);\n", crowdc_cg_resp_tables(g, r));
  fputs("      crowd_req_send(u);\n", g->code);
  crowdc_cg_clear_temps(g, "      ");
  g->step++;
  fprintf(g->code, "      *step = %d;\n      return CROWD_TASK_YIELD;\n    }\n  case %d:;\n",
          g->step, g->step);
  if (r->nresp)
    fputs("    if (crowd_resp_check(u) != 0)\n      return CROWD_TASK_FAIL;\n", g->code);
}

static void crowdc_cg_stmts(crowdc_cg *g, const crowdc_stmt *stmts, size_t n);

/* A condition into crowd_c (a local of every task function). */
static void crowdc_cg_cond(crowdc_cg *g, const crowdc_node *c)
{
  char op[CROWDC_CG_OP];
  g->ntemp = 0;
  fputs("    {\n", g->code);
  crowdc_cg_operand(g, c, op);
  fprintf(g->code, "      crowd_c = crowd_truthy(&%s);\n", op);
  crowdc_cg_clear_temps(g, "      ");
  fputs("    }\n", g->code);
}

/* A call f(u, "site", ARG...) on one operand e, failing the task when f
 * returns non-zero (fails = 1) or not (fails = 0). */
static void crowdc_cg_call1(crowdc_cg *g, const crowdc_stmt *st, const char *f, const char *pre,
                            const crowdc_node *e, int fails)
{
  char op[CROWDC_CG_OP];
  g->ntemp = 0;
  crowdc_cg_operand(g, e, op);
  fprintf(g->code, "      %s%s(u, ", fails ? "if (" : "", f);
  crowdc_cg_site(g->code, &st->form->loc);
  fprintf(g->code, ", %s&%s)%s\n", pre, op, fails ? " != 0) {" : ";");
  if (fails) {
    crowdc_cg_clear_temps(g, "        ");
    fputs("        return CROWD_TASK_FAIL;\n      }\n", g->code);
  }
  crowdc_cg_clear_temps(g, "      ");
}

/* if, when, unless, repeat, loop-while, sleep, log.  Loop counters live in
 * user slots and conditions are computed before the branch, so that the
 * switch can resume inside a branch or a loop body. */
static void crowdc_cg_flow(crowdc_cg *g, const crowdc_stmt *st)
{
  char pre[48];
  switch (st->kind) {
  case CROWDC_S_IF:
    crowdc_cg_cond(g, st->cond);
    fprintf(g->code, "    if (%scrowd_c) {\n", st->negate ? "!" : "");
    crowdc_cg_stmts(g, st->body, st->nbody);
    if (st->nalt) {
      fputs("    } else {\n", g->code);
      crowdc_cg_stmts(g, st->alt, st->nalt);
    }
    fputs("    }\n", g->code);
    return;
  case CROWDC_S_REPEAT:
  case CROWDC_S_WHILE:
    fputs("    {\n", g->code);
    snprintf(pre, sizeof pre, "&vars[%d], ", st->slot);
    crowdc_cg_call1(g, st, "crowd_loop_init", pre, st->expr, 1);
    fputs("    }\n", g->code);
    if (st->kind == CROWDC_S_REPEAT) {
      fprintf(g->code, "    while (crowd_loop_next(&vars[%d])) {\n", st->slot);
    } else {
      fprintf(g->code, "    for (;;) {\n    if (!crowd_loop_next(&vars[%d]))\n      break;\n", st->slot);
      crowdc_cg_cond(g, st->cond);
      fputs("    if (!crowd_c)\n      break;\n", g->code);
    }
    crowdc_cg_stmts(g, st->body, st->nbody);
    fputs("    }\n", g->code);
    return;
  case CROWDC_S_SLEEP:
    fputs("    {\n", g->code);
    crowdc_cg_call1(g, st, "crowd_sleep", "", st->expr, 1);
    g->step++;
    fprintf(g->code, "      *step = %d;\n      return CROWD_TASK_YIELD;\n    }\n  case %d:;\n", g->step, g->step);
    return;
  case CROWDC_S_LOG:
    fputs("    {\n", g->code);
    snprintf(pre, sizeof pre, "%d, ", st->level);
    crowdc_cg_call1(g, st, "crowd_log_msg", pre, st->expr, 0);
    fputs("    }\n", g->code);
    return;
  default:
    return;
  }
}

/* (interrupt), (reschedule), (reschedule-now): the task ends here. */
static void crowdc_cg_control(crowdc_cg *g, const crowdc_stmt *st)
{
  const char *code = st->control == CROWD_TASK_INTERRUPT        ? "CROWD_TASK_INTERRUPT"
                     : st->control == CROWD_TASK_INTERRUPT_WAIT ? "CROWD_TASK_INTERRUPT_WAIT"
                     : st->control == CROWD_TASK_RESCHEDULE_NOW ? "CROWD_TASK_RESCHEDULE_NOW"
                                                                : "CROWD_TASK_RESCHEDULE";
  fprintf(g->code, "    return %s;\n", code);
}

/* (write-file "path" LINE) and (call NAME), declaring NAME for the linker. */
static void crowdc_cg_event_stmt(crowdc_cg *g, const crowdc_stmt *st)
{
  char pre[48];
  fputs("    {\n", g->code);
  if (st->kind == CROWDC_S_WRITE) {
    snprintf(pre, sizeof pre, "%d, ", st->slot);
    crowdc_cg_call1(g, st, "crowd_write_file", pre, st->expr, 0);
  } else {
    const crowdc_node *fn = st->expr;
    fprintf(g->consts, "void %.*s(const struct crowd_event *ev);\n", (int)fn->u.name.len, fn->u.name.p);
    fputs("      crowd_ext_call(u, ", g->code);
    crowdc_cg_site(g->code, &st->form->loc);
    fprintf(g->code, ", %.*s);\n", (int)fn->u.name.len, fn->u.name.p);
  }
  fputs("    }\n", g->code);
}

/* A shape's tick gives its result (crowd_shape_result) and ends: nil
 * ends it without one. */
static void crowdc_cg_result(crowdc_cg *g, const crowdc_stmt *st)
{
  char users[CROWDC_CG_OP], rate[CROWDC_CG_OP], classes[CROWDC_CG_OP] = "NULL";
  if (st->expr == NULL) {
    fputs("    return CROWD_TASK_DONE; /* nil */\n", g->code);
    return;
  }
  fputs("    {\n", g->code);
  crowdc_cg_operand(g, st->expr, users);
  crowdc_cg_operand(g, st->rate, rate);
  if (st->nclasses) {
    snprintf(classes, sizeof classes, "crowd_k%d", g->nconst++);
    fprintf(g->consts, "static const int %s[] = {", classes);
    for (size_t i = 0; i < st->nclasses; i++)
      fprintf(g->consts, "%s%d", i ? ", " : " ", st->classes[i]);
    fputs(" };\n", g->consts);
  }
  fputs("      crowd_shape_result(u, ", g->code);
  crowdc_cg_site(g->code, &st->form->loc);
  fprintf(g->code, ", &%s, &%s, %s, %zu);\n", users, rate, classes, st->nclasses);
  crowdc_cg_clear_temps(g, "      ");
  fputs("      return CROWD_TASK_DONE;\n    }\n", g->code);
}

static void crowdc_cg_stmts(crowdc_cg *g, const crowdc_stmt *stmts, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const crowdc_stmt *st = &stmts[i];
    g->ntemp = 0;
    crowdc_cg_line(g, &st->form->loc);
    if (st->kind == CROWDC_S_IF || st->kind == CROWDC_S_REPEAT || st->kind == CROWDC_S_WHILE ||
        st->kind == CROWDC_S_SLEEP || st->kind == CROWDC_S_LOG) {
      crowdc_cg_flow(g, st);
      continue;
    }
    if (st->kind == CROWDC_S_CONTROL) {
      crowdc_cg_control(g, st);
      continue;
    }
    if (st->kind == CROWDC_S_WRITE || st->kind == CROWDC_S_CALL) {
      crowdc_cg_event_stmt(g, st);
      continue;
    }
    if (st->kind == CROWDC_S_RESULT) {
      crowdc_cg_result(g, st);
      continue;
    }
    fputs("    {\n", g->code);
    if (st->kind == CROWDC_S_LET) {
      crowdc_cg_let(g, st);
      crowdc_cg_clear_temps(g, "      ");
      fputs("    }\n", g->code);
    } else {
      crowdc_cg_request(g, st);
    }
  }
}

/* One resumable function over a list of statements. */
static void crowdc_cg_function(crowdc_cg *g, const char *fname, const char *what,
                               const crowdc_stmt *stmts, size_t n)
{
  fprintf(g->code, "\n/* %s */\n", what);
  fprintf(g->code, "static int %s(crowd_user *u, int *step, crowd_val *vars)\n{\n", fname);
  fputs("  int crowd_c = 0; /* the last condition (if, when, loop-while) */\n"
        "  (void)u;\n  (void)vars;\n  (void)crowd_c;\n  switch (*step) {\n  case 0:\n", g->code);
  g->step = 0;
  crowdc_cg_stmts(g, stmts, n);
  fputs("    break;\n  }\n  return CROWD_TASK_DONE;\n}\n", g->code);
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
