/* Unit tests of the diagnostics module: layout, carets, "did you mean". */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/diag.h"

static char *render(const char *text, int line, int col, uint32_t off, uint32_t len,
                    const char *msg)
{
  crowdc_source src = { .name = "examples/bad.crowd", .text = text, .len = strlen(text) };
  crowdc_loc loc = { .file = src.name, .off = off, .len = len, .line = line, .col = col };
  char *buf;
  size_t n;
  FILE *f = open_memstream(&buf, &n);
  ck_assert_ptr_nonnull(f);
  crowdc_diag d;
  crowdc_diag_init(&d, f, &src);
  crowdc_diag_error(&d, &loc, "%s", msg);
  crowdc_diag_finish(&d);
  fclose(f);
  return buf;
}

START_TEST(test_layout)
{
  char *out = render("(user U\n(gett \"/x\")\n", 2, 2, 9, 4,
                     "unknown form 'gett'; did you mean 'get'?");
  ck_assert_str_eq(out, "examples/bad.crowd:2:2: error: unknown form 'gett'; did you mean 'get'?\n"
                        "    2 | (gett \"/x\")\n"
                        "      |  ^~~~\n"
                        "1 error generated.\n");
  free(out);
}
END_TEST

START_TEST(test_tabs_and_controls)
{
  /* A tab shows as one space and control bytes as '?', so the caret stays
   * under its byte. */
  char *out = render("\t\x01(x)", 1, 4, 3, 1, "here");
  ck_assert_str_eq(out, "examples/bad.crowd:1:4: error: here\n"
                        "    1 |  ?(x)\n"
                        "      |    ^\n"
                        "1 error generated.\n");
  free(out);
}
END_TEST

START_TEST(test_utf8_caret)
{
  char *out = render("\"caf\xc3\xa9\" x", 1, 9, 8, 1, "here");
  ck_assert_str_eq(out, "examples/bad.crowd:1:9: error: here\n"
                        "    1 | \"caf\xc3\xa9\" x\n"
                        "      |        ^\n"
                        "1 error generated.\n");
  free(out);
}
END_TEST

START_TEST(test_long_line)
{
  size_t len = 1 << 20;
  char *text = malloc(len + 1);
  ck_assert_ptr_nonnull(text);
  memset(text, 'a', len);
  text[len] = '\0';
  char *out = render(text, 1, 500001, 500000, 3, "far away");
  /* The snippet is a window around the caret, not the whole megabyte. */
  ck_assert_uint_lt(strlen(out), 600);
  ck_assert_ptr_nonnull(strstr(out, "^~~\n"));
  free(out);
  free(text);
}
END_TEST

START_TEST(test_no_location)
{
  crowdc_source src = { .name = "x.crowd", .text = "", .len = 0 };
  char *buf;
  size_t n;
  FILE *f = open_memstream(&buf, &n);
  crowdc_diag d;
  crowdc_diag_init(&d, f, &src);
  crowdc_diag_error(&d, NULL, "whole file");
  crowdc_diag_error(&d, NULL, "again");
  crowdc_diag_finish(&d);
  fclose(f);
  ck_assert_str_eq(buf, "x.crowd: error: whole file\nx.crowd: error: again\n2 errors generated.\n");
  free(buf);
}
END_TEST

START_TEST(test_distance)
{
  ck_assert_uint_eq(crowdc_diag_distance("gett", 4, "get", 3), 1);
  ck_assert_uint_eq(crowdc_diag_distance("betwen", 6, "between", 7), 1);
  ck_assert_uint_eq(crowdc_diag_distance("abc", 3, "abc", 3), 0);
  ck_assert_uint_eq(crowdc_diag_distance("", 0, "abc", 3), 3);
  ck_assert_uint_eq(crowdc_diag_distance("kitten", 6, "sitting", 7), 3);
}
END_TEST

START_TEST(test_suggest)
{
  static const char *const forms[] = { "let", "get", "post", "put", "patch", "delete" };
  ck_assert_str_eq(crowdc_diag_suggest("gett", 4, forms, 6), "get");
  ck_assert_str_eq(crowdc_diag_suggest("dleete", 6, forms, 6), "delete");
  ck_assert_ptr_null(crowdc_diag_suggest("frobnicate", 10, forms, 6));
  ck_assert_ptr_null(crowdc_diag_suggest("get", 3, forms, 6)); /* exact: no hint */
  ck_assert_ptr_null(crowdc_diag_suggest("x", 1, forms, 6));
  char hint[64];
  ck_assert_str_eq(crowdc_diag_hint(hint, sizeof hint, "pots", 4, forms, 6),
                   "; did you mean 'post'?");
}
END_TEST

START_TEST(test_quote)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  ck_assert_str_eq(crowdc_diag_quote(q, sizeof q, "a\x01\\", 3), "a\\x01\\x5c");
  char long_name[200];
  memset(long_name, 'n', sizeof long_name);
  crowdc_diag_quote(q, sizeof q, long_name, sizeof long_name);
  ck_assert_uint_eq(strlen(q), CROWDC_DIAG_NAME_MAX + 3);
}
END_TEST

static Suite *diag_suite(void)
{
  Suite *s = suite_create("diag");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_layout);
  tcase_add_test(tc, test_tabs_and_controls);
  tcase_add_test(tc, test_utf8_caret);
  tcase_add_test(tc, test_long_line);
  tcase_add_test(tc, test_no_location);
  tcase_add_test(tc, test_distance);
  tcase_add_test(tc, test_suggest);
  tcase_add_test(tc, test_quote);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(diag_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
