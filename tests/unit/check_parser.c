/* Unit tests of the parser (grammar/parser.y) and of whole compilations. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "compiler/parse.h"

typedef struct parserun {
  crowdc_arena arena;
  crowdc_diag diag;
  crowdc_source src;
  char *errbuf;
  size_t errlen;
  FILE *err;
  crowdc_node *root;
} parserun;

static void parse(parserun *r, const char *text)
{
  crowdc_arena_init(&r->arena);
  r->src.name = "p.crowd";
  r->src.text = text;
  r->src.len = strlen(text);
  r->err = open_memstream(&r->errbuf, &r->errlen);
  ck_assert_ptr_nonnull(r->err);
  crowdc_diag_init(&r->diag, r->err, &r->src);
  r->root = crowdc_parse(&r->arena, &r->diag, &r->src);
  fflush(r->err);
}

static void parse_done(parserun *r)
{
  fclose(r->err);
  free(r->errbuf);
  crowdc_arena_free(&r->arena);
}

START_TEST(test_tree)
{
  parserun r;
  parse(&r, "(user U :weight 2\n  (task t [1 2] {:a \"b\"}))\n(x)");
  ck_assert_ptr_nonnull(r.root);
  ck_assert_int_eq(r.diag.nerrors, 0);
  ck_assert_uint_eq(r.root->u.seq.n, 2);
  crowdc_node *user = r.root->u.seq.items[0];
  ck_assert_int_eq(user->kind, CROWDC_N_LIST);
  ck_assert_uint_eq(user->u.seq.n, 5);
  ck_assert_int_eq(user->loc.line, 1);
  ck_assert_int_eq(user->loc.col, 1);
  ck_assert_uint_eq(user->loc.len, strlen("(user U :weight 2\n  (task t [1 2] {:a \"b\"}))"));
  crowdc_node *task = user->u.seq.items[4];
  ck_assert_int_eq(task->loc.line, 2);
  ck_assert_int_eq(task->loc.col, 3);
  ck_assert_int_eq(task->u.seq.items[2]->kind, CROWDC_N_VECTOR);
  ck_assert_uint_eq(task->u.seq.items[2]->u.seq.n, 2);
  ck_assert_int_eq(task->u.seq.items[3]->kind, CROWDC_N_MAP);
  ck_assert_int_eq(task->u.seq.items[3]->u.seq.items[0]->kind, CROWDC_N_KEYWORD);
  parse_done(&r);
}
END_TEST

START_TEST(test_empty)
{
  parserun r;
  parse(&r, "  ; nothing\n");
  ck_assert_ptr_nonnull(r.root);
  ck_assert_uint_eq(r.root->u.seq.n, 0);
  parse_done(&r);
}
END_TEST

static const struct { const char *text, *msg; } syntax_errors[] = {
  { "(a\n  (b\n", "p.crowd:2:5: error: expected ')' to close '(' at 2:3\n" },
  { "(a))", "p.crowd:1:4: error: unexpected ')'\n" },
  { "(a [b)", "p.crowd:1:6: error: expected ']' to close '[' at 1:4\n" },
  { "{:a 1", "p.crowd:1:6: error: expected '}' to close '{' at 1:1\n" },
};

START_TEST(test_syntax_errors)
{
  parserun r;
  parse(&r, syntax_errors[_i].text);
  ck_assert_ptr_null(r.root);
  ck_assert_int_eq(r.diag.nerrors, 1);
  size_t n = strlen(syntax_errors[_i].msg);
  ck_assert_msg(r.errlen >= n && memcmp(r.errbuf, syntax_errors[_i].msg, n) == 0,
                "got: %s", r.errbuf);
  parse_done(&r);
}
END_TEST

START_TEST(test_deep_nesting)
{
  parserun r;
  size_t depth = 100000;
  char *text = malloc(2 * depth + 1);
  ck_assert_ptr_nonnull(text);
  memset(text, '(', depth);
  memset(text + depth, ')', depth);
  text[2 * depth] = '\0';
  parse(&r, text);
  ck_assert_ptr_null(r.root);
  ck_assert_int_eq(r.diag.nerrors, 1);
  ck_assert_ptr_nonnull(strstr(r.errbuf, "nested too deeply"));
  parse_done(&r);
  free(text);
}
END_TEST

/* A whole compilation into a memory buffer. */
static int compile(const char *text, char **c, char **err)
{
  crowdc_source src = { .name = "c.crowd", .text = text, .len = strlen(text) };
  size_t clen, elen;
  FILE *cf = open_memstream(c, &clen);
  FILE *ef = open_memstream(err, &elen);
  int rc = crowdc_compile(&src, ef, cf);
  fclose(cf);
  fclose(ef);
  return rc;
}

START_TEST(test_compile_ok)
{
  char *c, *err;
  int rc = compile("(scenario s :host \"http://127.0.0.1:1\")\n"
                   "(user U :wait (between 1 2)\n"
                   "  (let who \"me\")\n"
                   "  (task a-b :weight 3 (let n (random-int 1 9)) (get \"/x/{n}\" :name \"x\")))\n",
                   &c, &err);
  ck_assert_int_eq(rc, 0);
  ck_assert_str_eq(err, "");
  ck_assert_ptr_nonnull(strstr(c, "static const crowd_scenario_desc crowd_scenario"));
  ck_assert_ptr_nonnull(strstr(c, "{ \"a-b\", 3, crowd_task_0_0_a_b, NULL, NULL, 0 }"));
  ck_assert_ptr_nonnull(strstr(c, "crowd_fn_random_int(u, \"c.crowd:4:30\", &t0, a0, 2)"));
  ck_assert_ptr_nonnull(strstr(c, "#line 4 \"c.crowd\""));
  ck_assert_ptr_nonnull(strstr(c, "*step = 1;\n      return CROWD_TASK_YIELD;\n    }\n  case 1:"));
  ck_assert_ptr_nonnull(strstr(c, ".wait = { CROWD_WAIT_BETWEEN, 1.0, 2.0 }"));
  ck_assert_ptr_nonnull(strstr(c, ".on_start = crowd_on_start_0_U"));
  ck_assert_ptr_nonnull(strstr(c, "return crowd_main(&crowd_scenario, argc, argv);"));
  free(c);
  free(err);
}
END_TEST

START_TEST(test_compile_collects_errors)
{
  char *c, *err;
  int rc = compile("(user U :wait (betwen 1 2)\n"
                   "  (task t (gett \"/\") (get \"/{x}\")))\n"
                   "(user U (task t (get \"/\")))\n",
                   &c, &err);
  ck_assert_int_eq(rc, 4);
  ck_assert_str_eq(c, "");
  ck_assert_ptr_nonnull(strstr(err, "'betwen'; did you mean 'between'?"));
  ck_assert_ptr_nonnull(strstr(err, "'gett'; did you mean 'get'?"));
  ck_assert_ptr_nonnull(strstr(err, "undefined variable 'x'"));
  ck_assert_ptr_nonnull(strstr(err, "duplicate user 'U'"));
  ck_assert_ptr_nonnull(strstr(err, "4 errors generated.\n"));
  free(c);
  free(err);
}
END_TEST

static Suite *parser_suite(void)
{
  Suite *s = suite_create("parser");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_tree);
  tcase_add_test(tc, test_empty);
  tcase_add_loop_test(tc, test_syntax_errors, 0, sizeof syntax_errors / sizeof syntax_errors[0]);
  tcase_add_test(tc, test_deep_nesting);
  tcase_add_test(tc, test_compile_ok);
  tcase_add_test(tc, test_compile_collects_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(parser_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
