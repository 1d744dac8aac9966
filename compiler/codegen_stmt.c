#include "config.h"

/* C generation, the code: each list of statements (a task, an on-start,
 * an on-stop, a handler, a tick) as a resumable function, with the
 * constants and response tables it uses (codegen_int.h). */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/builtins.h"
#include "compiler/codegen_int.h"
#include "compiler/upload.h"

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
void crowdc_cg_function(crowdc_cg *g, const char *fname, const char *what,
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
