/* Unit tests of the scanner (grammar/lexer.l): literals, locations, errors. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/parse.h"
#include "grammar/parser.h"

typedef struct lexrun {
  crowdc_arena arena;
  crowdc_diag diag;
  crowdc_source src;
  crowdc_lexer *lx;
  char *errbuf;
  size_t errlen;
  FILE *err;
} lexrun;

static void lex_open(lexrun *r, const char *text, size_t len)
{
  crowdc_arena_init(&r->arena);
  r->src.name = "t.crowd";
  r->src.text = text;
  r->src.len = len;
  r->err = open_memstream(&r->errbuf, &r->errlen);
  ck_assert_ptr_nonnull(r->err);
  crowdc_diag_init(&r->diag, r->err, &r->src);
  r->lx = crowdc_lex_open(&r->arena, &r->diag, &r->src);
}

static int lex_next(lexrun *r, crowdc_node **n, crowdc_loc *loc)
{
  return crowdc_lex_next(r->lx, n, loc);
}

static void lex_close(lexrun *r)
{
  crowdc_lex_close(r->lx);
  fclose(r->err);
  free(r->errbuf);
  crowdc_arena_free(&r->arena);
}

/* The single atom in text. */
static crowdc_node *lex_one(lexrun *r, const char *text, int want_tok)
{
  crowdc_node *n;
  crowdc_loc loc;
  lex_open(r, text, strlen(text));
  int tok = lex_next(r, &n, &loc);
  ck_assert_int_eq(tok, want_tok);
  return n;
}

START_TEST(test_numbers)
{
  lexrun r;
  crowdc_node *n = lex_one(&r, "42", T_INT);
  ck_assert_int_eq(n->kind, CROWDC_N_INT);
  ck_assert_int_eq(n->u.i, 42);
  lex_close(&r);
  n = lex_one(&r, "-3", T_INT);
  ck_assert_int_eq(n->u.i, -3);
  lex_close(&r);
  n = lex_one(&r, "1.5", T_DEC);
  ck_assert_double_eq(n->u.d, 1.5);
  lex_close(&r);
  n = lex_one(&r, "0.5%", T_PERCENT);
  ck_assert_double_eq(n->u.d, 0.5);
  lex_close(&r);
}
END_TEST

static const struct { const char *text; double secs; } durations[] = {
  { "250ms", 0.25 }, { "2s", 2 }, { "1m30s", 90 }, { "1h", 3600 },
  { "1.5s", 1.5 }, { "100us", 0.0001 }, { "1h2m3s4ms", 3723.004 },
};

START_TEST(test_durations)
{
  lexrun r;
  crowdc_node *n = lex_one(&r, durations[_i].text, T_DURATION);
  ck_assert_int_eq(n->kind, CROWDC_N_DURATION);
  ck_assert_msg(fabs(n->u.d - durations[_i].secs) < 1e-9, "%s = %g", durations[_i].text, n->u.d);
  ck_assert_int_eq(r.diag.nerrors, 0);
  lex_close(&r);
}
END_TEST

START_TEST(test_names)
{
  lexrun r;
  crowdc_node *n = lex_one(&r, ":weight", T_KEYWORD);
  ck_assert_str_eq(n->u.name.p, "weight");
  lex_close(&r);
  n = lex_one(&r, "list-products", T_SYMBOL);
  ck_assert_str_eq(n->u.name.p, "list-products");
  lex_close(&r);
  n = lex_one(&r, "<=", T_SYMBOL);
  ck_assert_str_eq(n->u.name.p, "<=");
  lex_close(&r);
}
END_TEST

START_TEST(test_string_parts)
{
  lexrun r;
  crowdc_node *n = lex_one(&r, "\"/a/{id}/b\\n\\{x\\}\\x41\\0\"", T_STRING);
  ck_assert_int_eq(r.diag.nerrors, 0);
  ck_assert_uint_eq(n->u.str.n, 3);
  ck_assert_int_eq(n->u.str.parts[0].is_var, 0);
  ck_assert_str_eq(n->u.str.parts[0].p, "/a/");
  ck_assert_int_eq(n->u.str.parts[1].is_var, 1);
  ck_assert_str_eq(n->u.str.parts[1].p, "id");
  ck_assert_int_eq(n->u.str.parts[1].loc.col, 5);
  ck_assert_uint_eq(n->u.str.parts[1].loc.len, 4);
  ck_assert_uint_eq(n->u.str.parts[2].len, 8);
  ck_assert_int_eq(memcmp(n->u.str.parts[2].p, "/b\n{x}A\0", 8), 0);
  lex_close(&r);
}
END_TEST

START_TEST(test_locations)
{
  lexrun r;
  crowdc_node *n;
  crowdc_loc loc;
  const char *text = "; comment\n  (get\n\t\"/x\")";
  lex_open(&r, text, strlen(text));
  ck_assert_int_eq(lex_next(&r, &n, &loc), T_LPAREN);
  ck_assert_int_eq(loc.line, 2);
  ck_assert_int_eq(loc.col, 3);
  ck_assert_int_eq(lex_next(&r, &n, &loc), T_SYMBOL);
  ck_assert_int_eq(n->loc.line, 2);
  ck_assert_int_eq(n->loc.col, 4);
  ck_assert_uint_eq(n->loc.len, 3);
  ck_assert_int_eq(lex_next(&r, &n, &loc), T_STRING);
  ck_assert_int_eq(n->loc.line, 3);
  ck_assert_int_eq(n->loc.col, 2);
  ck_assert_uint_eq(n->loc.off, 18);
  ck_assert_int_eq(lex_next(&r, &n, &loc), T_RPAREN);
  ck_assert_int_eq(lex_next(&r, &n, &loc), 0);
  lex_close(&r);
}
END_TEST

static const char *const bad_inputs[] = {
  "@", "\"abc", "\"a\\q\"", "\"{1}\"", "\"\\x4\"", "12abc", "1s1m", ":", "\xff\xfe",
  "99999999999999999999",
};

START_TEST(test_errors)
{
  lexrun r;
  crowdc_node *n;
  crowdc_loc loc;
  lex_open(&r, bad_inputs[_i], strlen(bad_inputs[_i]));
  for (int k = 0; k < 10 && lex_next(&r, &n, &loc) != 0; k++)
    ;
  ck_assert_msg(r.diag.nerrors == 1, "%s: %d errors", bad_inputs[_i], r.diag.nerrors);
  lex_close(&r);
}
END_TEST

START_TEST(test_nul_bytes)
{
  lexrun r;
  crowdc_node *n;
  crowdc_loc loc;
  static const char text[] = "(a\0b \"x\0y\")";
  lex_open(&r, text, sizeof text - 1);
  int toks = 0;
  while (lex_next(&r, &n, &loc) != 0 && toks < 20)
    toks++;
  ck_assert_int_eq(r.diag.nerrors, 1); /* the NUL outside the string */
  lex_close(&r);
}
END_TEST

START_TEST(test_error_cap)
{
  lexrun r;
  crowdc_node *n;
  crowdc_loc loc;
  size_t len = 100000;
  char *junk = malloc(len);
  ck_assert_ptr_nonnull(junk);
  for (size_t i = 0; i < len; i++)
    junk[i] = (i % 2) ? '#' : ' ';
  lex_open(&r, junk, len);
  int toks = 0;
  while (lex_next(&r, &n, &loc) != 0 && toks++ < 1000)
    ;
  ck_assert_int_eq(r.diag.nerrors, CROWDC_DIAG_MAX);
  ck_assert(r.diag.stopped);
  lex_close(&r);
  free(junk);
}
END_TEST

static Suite *lexer_suite(void)
{
  Suite *s = suite_create("lexer");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_numbers);
  tcase_add_loop_test(tc, test_durations, 0, sizeof durations / sizeof durations[0]);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_string_parts);
  tcase_add_test(tc, test_locations);
  tcase_add_loop_test(tc, test_errors, 0, sizeof bad_inputs / sizeof bad_inputs[0]);
  tcase_add_test(tc, test_nul_bytes);
  tcase_add_test(tc, test_error_cap);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(lexer_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
