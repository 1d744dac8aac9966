/* check_builtins.c — every built-in of stdlib/builtins.def through its C
 * function: known vectors (SHA-256, HMAC-SHA256 from RFC 4231, base64 from
 * RFC 4648), formats, comparisons, errors. */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "runtime/rng.h"
#include "runtime/user.h"

static int task_nop(crowd_user *u, int *step, crowd_val *vars)
{
  (void)u, (void)step, (void)vars;
  return CROWD_TASK_DONE;
}
static const crowd_task_desc tasks[] = { { .name = "t", .weight = 1, .fn = task_nop } };
static const crowd_user_desc desc = { .name = "U", .weight = 1, .tasks = tasks, .ntasks = 1 };
static crowd_user_class cls;
static crowd_user *u;
static crowd_val out;

static void setup(void)
{
  ck_assert_int_eq(crowd_user_class_init(&cls, &desc), 0);
  u = crowd_user_new(NULL, &cls, NULL);
  ck_assert_ptr_nonnull(u);
  out = (crowd_val)CROWD_VAL_NIL;
  crowd_rng_seed(7);
}

static void teardown(void)
{
  crowd_val_clear(&out);
  crowd_user_free(u);
  crowd_user_class_free(&cls);
}

static crowd_val S(const char *s)
{
  crowd_val v = { .type = CROWD_STR, .u.s = { (char *)s, strlen(s) } };
  return v;
}
static crowd_val I(int64_t i) { return (crowd_val){ .type = CROWD_INT, .u.i = i }; }
static crowd_val N(double n) { return (crowd_val){ .type = CROWD_NUM, .u.n = n }; }

typedef int (*fn_t)(crowd_user *, const char *, crowd_val *, const crowd_val *, int);

static int call(fn_t f, const crowd_val *args, int n)
{
  crowd_val_clear(&out);
  return f(u, "t.crowd:1:1", &out, args, n);
}

static void str_is(fn_t f, const crowd_val *args, int n, const char *want)
{
  ck_assert_int_eq(call(f, args, n), 0);
  ck_assert_int_eq(out.type, CROWD_STR);
  ck_assert_msg(out.u.s.len == strlen(want) && memcmp(out.u.s.p, want, out.u.s.len) == 0,
                "got '%.*s', want '%s'", (int)out.u.s.len, out.u.s.p, want);
}

static void int_is(fn_t f, const crowd_val *args, int n, int64_t want)
{
  ck_assert_int_eq(call(f, args, n), 0);
  ck_assert_int_eq(out.type, CROWD_INT);
  ck_assert_int_eq(out.u.i, want);
}

START_TEST(hashes)
{
  crowd_val a[2] = { S("abc") };
  str_is(crowd_fn_sha256, a, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  a[0] = S("");
  str_is(crowd_fn_sha256, a, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  a[0] = I(42); /* the text of a number */
  str_is(crowd_fn_sha256, a, 1, "73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049");
  a[0] = S("Jefe"); /* RFC 4231, test case 2 */
  a[1] = S("what do ya want for nothing?");
  str_is(crowd_fn_hmac_sha256, a, 2, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(base64)
{
  static const char *const v[][2] = {
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    crowd_val a = S(v[i][0]);
    str_is(crowd_fn_base64, &a, 1, v[i][1]);
    a = S(v[i][1]);
    str_is(crowd_fn_base64_decode, &a, 1, v[i][0]);
  }
  crowd_val a = S("Zm9vYmE"); /* padding optional */
  str_is(crowd_fn_base64_decode, &a, 1, "fooba");
  a = S("-_8"); /* the URL alphabet */
  str_is(crowd_fn_base64_decode, &a, 1, "\xfb\xff");
  a = S("Zm9v*");
  ck_assert_int_eq(call(crowd_fn_base64_decode, &a, 1), -1);
  a = S("Zm9vY");
  ck_assert_int_eq(call(crowd_fn_base64_decode, &a, 1), -1);
}
END_TEST

START_TEST(uuid)
{
  regex_t re;
  ck_assert_int_eq(regcomp(&re, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                           REG_EXTENDED | REG_NOSUB), 0);
  char prev[40] = "";
  for (int i = 0; i < 100; i++) {
    ck_assert_int_eq(call(crowd_fn_uuid, NULL, 0), 0);
    ck_assert_int_eq(out.type, CROWD_STR);
    ck_assert_msg(regexec(&re, out.u.s.p, 0, NULL, 0) == 0, "bad uuid %s", out.u.s.p);
    ck_assert_str_ne(out.u.s.p, prev);
    snprintf(prev, sizeof prev, "%s", out.u.s.p);
  }
  regfree(&re);
}
END_TEST

START_TEST(encodings)
{
  crowd_val a = S("a b/\xC3\xA9~");
  str_is(crowd_fn_url_encode, &a, 1, "a%20b%2F%C3%A9~");
  a = S("a\"b\n\x01");
  str_is(crowd_fn_json_encode, &a, 1, "\"a\\\"b\\n\\u0001\"");
  a = I(5);
  str_is(crowd_fn_json_encode, &a, 1, "5");
  a = N(2.5);
  str_is(crowd_fn_json_encode, &a, 1, "2.5");
  a = (crowd_val)CROWD_VAL_NIL;
  str_is(crowd_fn_json_encode, &a, 1, "null");
}
END_TEST

START_TEST(strings)
{
  crowd_val a[4] = { S("MiXed 1"), I(1), I(3) };
  str_is(crowd_fn_upper, a, 1, "MIXED 1");
  str_is(crowd_fn_lower, a, 1, "mixed 1");
  int_is(crowd_fn_length, a, 1, 7);
  str_is(crowd_fn_substr, a, 3, "iXe");
  str_is(crowd_fn_substr, a, 2, "iXed 1");
  a[1] = I(99);
  str_is(crowd_fn_substr, a, 2, "");
  a[1] = I(-1);
  ck_assert_int_eq(call(crowd_fn_substr, a, 2), -1);
  a[0] = S("user-");
  a[1] = I(7);
  a[2] = N(0.5);
  a[3] = (crowd_val)CROWD_VAL_NIL;
  str_is(crowd_fn_concat, a, 4, "user-70.5");
  a[0] = I(42);
  str_is(crowd_fn_str, a, 1, "42");
  a[0] = S(" 42 ");
  int_is(crowd_fn_int, a, 1, 42);
  a[0] = N(-3.9);
  int_is(crowd_fn_int, a, 1, -3);
  a[0] = S("4x");
  ck_assert_int_eq(call(crowd_fn_int, a, 1), -1);
}
END_TEST

START_TEST(format)
{
  crowd_val a[6] = { S("%s-%04d|%.2f|%x|%%|%5s"), S("a"), I(7), N(2.5), I(255), S("ab") };
  str_is(crowd_fn_format, a, 6, "a-0007|2.50|ff|%|   ab");
  a[0] = S("%d");
  a[1] = S("12");
  str_is(crowd_fn_format, a, 2, "12"); /* a numeric text is a number */
  a[1] = S("x");
  ck_assert_int_eq(call(crowd_fn_format, a, 2), -1); /* not an integer */
  ck_assert_int_eq(call(crowd_fn_format, a, 1), -1); /* too few */
  a[0] = S("%s");
  ck_assert_int_eq(call(crowd_fn_format, a, 3), -1); /* left over */
  a[0] = S("%q");
  ck_assert_int_eq(call(crowd_fn_format, a, 2), -1); /* bad conversion */
  a[0] = S("100%");
  ck_assert_int_eq(call(crowd_fn_format, a, 1), -1);
}
END_TEST

START_TEST(compare)
{
  crowd_val a[3];
  a[0] = I(1), a[1] = N(1.0);
  int_is(crowd_fn_eq, a, 2, 1);
  a[0] = S("200"), a[1] = I(200);
  int_is(crowd_fn_eq, a, 2, 1);
  a[0] = S("007"), a[1] = S("7");
  int_is(crowd_fn_eq, a, 2, 0);
  int_is(crowd_fn_ne, a, 2, 1);
  a[0] = S("9"), a[1] = S("10");
  int_is(crowd_fn_lt, a, 2, 1); /* numeric texts by value */
  a[0] = S("b"), a[1] = S("ab");
  int_is(crowd_fn_gt, a, 2, 1);
  int_is(crowd_fn_ge, a, 2, 1);
  int_is(crowd_fn_le, a, 2, 0);
  a[0] = S("x"), a[1] = I(1);
  int_is(crowd_fn_lt, a, 2, 0);
  int_is(crowd_fn_ge, a, 2, 0);
  int_is(crowd_fn_eq, a, 2, 0);
  a[0] = (crowd_val)CROWD_VAL_NIL, a[1] = (crowd_val)CROWD_VAL_NIL;
  int_is(crowd_fn_eq, a, 2, 1);
  a[0] = I(1), a[1] = S("x"), a[2] = N(0.0);
  int_is(crowd_fn_and, a, 2, 1);
  int_is(crowd_fn_and, a, 3, 0);
  int_is(crowd_fn_or, a + 2, 1, 0);
  int_is(crowd_fn_or, a, 3, 1);
  int_is(crowd_fn_not, a + 2, 1, 1);
  a[0] = S("");
  int_is(crowd_fn_not, a, 1, 1);
}
END_TEST

START_TEST(random_values)
{
  crowd_val a[4] = { N(0.5), N(2.5) };
  for (int i = 0; i < 1000; i++) {
    ck_assert_int_eq(call(crowd_fn_random_float, a, 2), 0);
    ck_assert_int_eq(out.type, CROWD_NUM);
    ck_assert(out.u.n >= 0.5 && out.u.n < 2.5);
  }
  a[0] = N(3);
  ck_assert_int_eq(call(crowd_fn_random_float, a, 2), -1);
  a[0] = S("a"), a[1] = I(3), a[2] = S("b"), a[3] = I(1);
  int na = 0;
  for (int i = 0; i < 4000; i++) {
    ck_assert_int_eq(call(crowd_fn_weighted_pick, a, 4), 0);
    na += out.u.s.p[0] == 'a';
  }
  ck_assert_msg(na > 2800 && na < 3200, "a picked %d times of 4000", na);
  a[1] = I(0);
  for (int i = 0; i < 100; i++) {
    ck_assert_int_eq(call(crowd_fn_weighted_pick, a, 4), 0);
    ck_assert_int_eq(out.u.s.p[0], 'b');
  }
  a[3] = I(0);
  ck_assert_int_eq(call(crowd_fn_weighted_pick, a, 4), -1);
  ck_assert_int_eq(call(crowd_fn_weighted_pick, a, 3), -1);
  a[3] = I(-1);
  ck_assert_int_eq(call(crowd_fn_weighted_pick, a, 4), -1);
}
END_TEST

START_TEST(time_env_counters)
{
  ck_assert_int_eq(call(crowd_fn_now, NULL, 0), 0);
  ck_assert_int_eq(out.type, CROWD_NUM);
  double now = out.u.n;
  ck_assert(now > 1.7e9);
  ck_assert_int_eq(call(crowd_fn_now_ms, NULL, 0), 0);
  ck_assert_int_eq(out.type, CROWD_INT);
  ck_assert(out.u.i >= (int64_t)(now * 1000) - 1000 && out.u.i <= (int64_t)(now * 1000) + 1000);

  crowd_val a[2] = { S("CHECK_BUILTINS_VAR"), S("fallback") };
  unsetenv("CHECK_BUILTINS_VAR");
  str_is(crowd_fn_env, a, 2, "fallback");
  ck_assert_int_eq(call(crowd_fn_env, a, 1), -1);
  setenv("CHECK_BUILTINS_VAR", "set", 1);
  str_is(crowd_fn_env, a, 2, "set");
  str_is(crowd_fn_env, a, 1, "set");

  int_is(crowd_fn_counter, NULL, 0, 1);
  int_is(crowd_fn_counter, NULL, 0, 2);
  crowd_user *other = crowd_user_new(NULL, &cls, NULL);
  ck_assert_int_eq(crowd_fn_counter(other, "t", &out, NULL, 0), 0);
  ck_assert_int_eq(out.u.i, 1); /* per user */
  crowd_user_free(other);
  ck_assert_int_eq(call(crowd_fn_global_counter, NULL, 0), 0);
  int64_t g = out.u.i;
  int_is(crowd_fn_global_counter, NULL, 0, g + 1);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("builtins");
  TCase *tc = tcase_create("builtins");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, hashes);
  tcase_add_test(tc, base64);
  tcase_add_test(tc, uuid);
  tcase_add_test(tc, encodings);
  tcase_add_test(tc, strings);
  tcase_add_test(tc, format);
  tcase_add_test(tc, compare);
  tcase_add_test(tc, random_values);
  tcase_add_test(tc, time_env_counters);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
