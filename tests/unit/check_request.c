/* check_request.c — building requests (URL joining, query, form and multipart
 * encoding, headers, the default stats name), the JSON body writer, values
 * and string interpolation, and the built-ins.  Users here have no runner:
 * crowd_req_send only finishes the URL and sends nothing. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <crowd/crowd.h>

#include "runtime/request.h"
#include "runtime/rng.h"
#include "runtime/upload.h"
#include "runtime/user.h"

static int task_nop(crowd_user *u, int *step, crowd_val *vars)
{
  (void)u, (void)step, (void)vars;
  return CROWD_TASK_DONE;
}

static const crowd_task_desc tasks[] = { { .name = "a", .weight = 0, .fn = task_nop },
                                         { .name = "b", .weight = 3, .fn = task_nop },
                                         { .name = "c", .weight = 1, .fn = task_nop } };
static const crowd_user_desc desc = {
  .name = "U", .weight = 1.0, .nvars = 2, .wait = { CROWD_WAIT_NONE, 0, 0 }, .tasks = tasks, .ntasks = 3,
};
static const crowd_req_site site_get = { CROWD_GET, "t.crowd:1:1" };
static const crowd_req_site site_post = { CROWD_POST, "t.crowd:2:1" };

static crowd_user_class cls;
static crowd_user *u;

static void setup_host(const char *host)
{
  ck_assert_int_eq(crowd_user_class_init(&cls, &desc), 0);
  u = crowd_user_new(NULL, &cls, host);
  ck_assert_ptr_nonnull(u);
}
static void setup(void) { setup_host("http://127.0.0.1:8080"); }
static void teardown(void)
{
  crowd_user_free(u);
  crowd_user_class_free(&cls);
  u = NULL;
}

static crowd_val S(const char *s)
{
  crowd_val v = CROWD_VAL_NIL;
  v.type = CROWD_STR;
  v.u.s.p = (char *)s; /* borrowed, never cleared: a literal */
  v.u.s.len = strlen(s);
  return v;
}

static void get(const char *path)
{
  crowd_val p = S(path);
  crowd_req_begin(u, &site_get);
  crowd_req_path(u, &p);
}

/* ---- URLs and names ------------------------------------------------------ */

START_TEST(url_joining)
{
  get("/api/x");
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/api/x");
  ck_assert_str_eq(u->req.name.p, "/api/x");
  ck_assert_int_eq(u->req.path_start, strlen("http://127.0.0.1:8080"));
  ck_assert_int_eq(u->req.method, CROWD_GET);
  ck_assert_str_eq(u->req.site, "t.crowd:1:1");

  get("api/x"); /* no leading slash: one is added */
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/api/x");
  get("");
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080");

  get("https://other.example:8443/a?b=1"); /* absolute: the host is not used */
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "https://other.example:8443/a?b=1");
  ck_assert_str_eq(u->req.name.p, "https://other.example:8443/a?b=1");
  ck_assert_int_eq(u->req.path_start, strlen("https://other.example:8443"));
  ck_assert(u->req.has_query);
  get("HTTP://h/");
  ck_assert_str_eq(u->req.url.p, "HTTP://h/");
}
END_TEST

START_TEST(url_host_with_slash)
{
  teardown();
  setup_host("http://h:1/base/");
  get("/x");
  ck_assert_str_eq(u->req.url.p, "http://h:1/base/x");
  get("y");
  ck_assert_str_eq(u->req.url.p, "http://h:1/base/y");
}
END_TEST

START_TEST(names)
{
  crowd_val n = S("/item/[id]"), p = S("/item/42?x=1");
  crowd_req_begin(u, &site_get);
  crowd_req_name(u, &n); /* before the path */
  crowd_req_path(u, &p);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.name.p, "/item/[id]");
  crowd_req_begin(u, &site_get);
  crowd_req_path(u, &p);
  crowd_req_name(u, &n); /* after the path */
  ck_assert_str_eq(u->req.name.p, "/item/[id]");
  get("/item/42?x=1"); /* a new request forgets the name */
  crowd_req_send(u);
  ck_assert_str_eq(u->req.name.p, "/item/42?x=1");
  crowd_val i = CROWD_VAL_NIL;
  crowd_val_int(&i, 7);
  crowd_req_begin(u, &site_get);
  crowd_req_path(u, &i);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/7");
}
END_TEST

START_TEST(path_text)
{
  /* bytes that cannot appear in a URL are encoded, runs of others kept */
  get("/a b\"<>\\^`{|}\x7f\x01é%41?x=[1]~");
  ck_assert_str_eq(u->req.url.p,
                   "http://127.0.0.1:8080/a%20b%22%3C%3E%5C%5E%60%7B%7C%7D%7F%01%C3%A9%41?x=[1]~");
  get("   ");
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/%20%20%20");
}
END_TEST

START_TEST(query_encoding)
{
  crowd_val k1 = S("q"), v1 = S("a b&c=d/é~_.-"), k2 = S("n"), v2 = CROWD_VAL_NIL;
  crowd_val_int(&v2, -3);
  get("/search");
  crowd_req_query(u, &k1, &v1);
  crowd_req_query(u, &k2, &v2);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/search?q=a%20b%26c%3Dd%2F%C3%A9~_.-&n=-3");
  ck_assert_str_eq(u->req.name.p, "/search"); /* the name is the path as given */
  ck_assert(u->req.has_query);

  get("/s?x=1"); /* the path already has a query */
  crowd_req_query(u, &k2, &v2);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/s?x=1&n=-3");

  crowd_req_begin(u, &site_get); /* query given before the path */
  crowd_req_query(u, &k2, &v2);
  crowd_val p = S("/late");
  crowd_req_path(u, &p);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.url.p, "http://127.0.0.1:8080/late?n=-3");
}
END_TEST

START_TEST(form_body)
{
  crowd_val k1 = S("user"), v1 = S("Zoë Smith"), k2 = S("pass"), v2 = S("p&ss=1+2");
  crowd_req_begin(u, &site_post);
  crowd_val p = S("/login");
  crowd_req_path(u, &p);
  crowd_req_form(u, &k1, &v1);
  crowd_req_form(u, &k2, &v2);
  crowd_req_timeout(u, 2.5);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.body.p, "user=Zo%C3%AB%20Smith&pass=p%26ss%3D1%2B2");
  ck_assert_str_eq(u->req.content_type, "application/x-www-form-urlencoded");
  ck_assert(u->req.timeout == 2.5);
  ck_assert_int_eq(u->req.method, CROWD_POST);
  crowd_req_begin(u, &site_post); /* begin resets everything */
  ck_assert_int_eq(u->req.body.len, 0);
  ck_assert_ptr_null(u->req.content_type);
  ck_assert(u->req.timeout == 0);
  crowd_req_timeout(u, -1);
  ck_assert(u->req.timeout == 0);
}
END_TEST

/* :multipart and :body: exact bytes, one boundary, names quoted as browsers do */
START_TEST(multipart_body)
{
  char path[] = "/tmp/check_request_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  static const char data[] = "a\0b\r\n--c";
  ck_assert_int_eq(write(fd, data, sizeof data - 1), (ssize_t)(sizeof data - 1));
  ck_assert_int_eq(close(fd), 0);
  const crowd_upload_desc up = { .path = path, .dir = "/nonexistent", .site = "t.crowd:3:1" };
  const crowd_scenario_desc sc = { .abi = CROWD_ABI_VERSION, .uploads = &up, .nuploads = 1 };
  ck_assert_int_eq(crowd_uploads_load(&sc, stderr), 0);
  unlink(path);

  const char *bd = crowd_upload_boundary();
  ck_assert_uint_eq(strlen(bd), 38);
  ck_assert(strncmp(bd, "crowd-", 6) == 0);
  crowd_val n1 = S("title"), v1 = S("x y"), n2 = S("f"), n3 = CROWD_VAL_NIL;
  crowd_val_int(&n3, 7);
  crowd_req_begin(u, &site_post);
  crowd_val p = S("/up");
  crowd_req_path(u, &p);
  crowd_req_part(u, &n1, &v1);
  crowd_req_part_file(u, &n2, 0, "q\"\r\n.bin", "image/png");
  crowd_req_part_file(u, &n3, 0, NULL, NULL);
  crowd_req_send(u);
  char want[1024];
  const char *base = strrchr(path, '/') + 1;
  int n = snprintf(want, sizeof want,
                   "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx y\r\n"
                   "--%s\r\nContent-Disposition: form-data; name=\"f\"; filename=\"q%%22%%0D%%0A.bin\"\r\n"
                   "Content-Type: image/png\r\n\r\na%cb\r\n--c\r\n"
                   "--%s\r\nContent-Disposition: form-data; name=\"7\"; filename=\"%s\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\na%cb\r\n--c\r\n--%s--\r\n",
                   bd, bd, 0, bd, base, 0, bd);
  ck_assert_uint_eq(u->req.body.len, (size_t)n);
  ck_assert(memcmp(u->req.body.p, want, (size_t)n) == 0);
  ck_assert(strncmp(u->req.content_type, "multipart/form-data; boundary=", 30) == 0);
  ck_assert_str_eq(u->req.content_type + 30, bd);

  crowd_req_begin(u, &site_post); /* a file body, then a string body */
  crowd_req_body_file(u, 0, NULL);
  crowd_req_send(u);
  ck_assert_uint_eq(u->req.body.len, sizeof data - 1);
  ck_assert(memcmp(u->req.body.p, data, sizeof data - 1) == 0);
  ck_assert_str_eq(u->req.content_type, "application/octet-stream");
  crowd_val t = S("raw {x}");
  crowd_req_begin(u, &site_post);
  crowd_req_body(u, &t);
  crowd_req_send(u);
  ck_assert_str_eq(u->req.body.p, "raw {x}");
  ck_assert_ptr_null(u->req.content_type);
  ck_assert_int_eq(u->req.multipart, 0);

  /* a big body is not kept by the user after its request */
  char *big = calloc(1, CROWD_BODY_KEEP + 1);
  ck_assert_ptr_nonnull(big);
  ck_assert_int_eq(crowd_buf_add(&u->req.body, big, CROWD_BODY_KEEP + 1), 0);
  free(big);
  crowd_req_begin(u, &site_post);
  ck_assert_uint_le(u->req.body.cap, CROWD_BODY_KEEP);
  crowd_uploads_free();
}
END_TEST

START_TEST(headers)
{
  crowd_val k1 = S("Authorization"), v1 = S("Bearer abc"), k2 = S("X-Evil"), v2 = S("a\r\nInjected: 1");
  get("/");
  crowd_req_header(u, &k1, &v1);
  crowd_req_header(u, &k2, &v2);
  ck_assert_int_eq(u->req.nheaders, 2);
  const char *h = u->req.headers.p;
  ck_assert_str_eq(h, "Authorization: Bearer abc");
  h += strlen(h) + 1;
  ck_assert_str_eq(h, "X-Evil: a  Injected: 1");
  ck_assert_int_eq(u->req.headers.len, strlen("Authorization: Bearer abc") + 1 + strlen("X-Evil: a  Injected: 1") + 1);
}
END_TEST

/* ---- JSON ----------------------------------------------------------------------- */

START_TEST(json_nesting)
{
  crowd_val v = CROWD_VAL_NIL;
  crowd_req_begin(u, &site_post);
  crowd_json_begin(u);
  crowd_json_obj_open(u);
  crowd_json_key(u, "sku", 3);
  crowd_val_str(&v, "a", 1);
  crowd_json_val(u, &v);
  crowd_json_key(u, "qty", 3);
  crowd_val_int(&v, 1);
  crowd_json_val(u, &v);
  crowd_json_key(u, "list", 4);
  crowd_json_arr_open(u);
  crowd_val_num(&v, 0.1);
  crowd_json_val(u, &v);
  crowd_json_bool(u, 1);
  crowd_json_bool(u, 0);
  crowd_val_clear(&v);
  crowd_json_val(u, &v);
  crowd_json_arr_open(u);
  crowd_json_arr_close(u);
  crowd_json_obj_open(u);
  crowd_json_key(u, "k", 1);
  crowd_json_arr_open(u);
  crowd_json_obj_open(u);
  crowd_json_obj_close(u);
  crowd_json_obj_open(u);
  crowd_json_obj_close(u);
  crowd_json_arr_close(u);
  crowd_json_obj_close(u);
  crowd_json_arr_close(u);
  crowd_json_key(u, "inf", 3);
  crowd_val_num(&v, INFINITY);
  crowd_json_val(u, &v);
  crowd_json_obj_close(u);
  crowd_json_end(u);
  ck_assert_str_eq(u->req.body.p,
                   "{\"sku\":\"a\",\"qty\":1,\"list\":[0.1,true,false,null,[],{\"k\":[{},{}]}],\"inf\":null}");
  ck_assert_str_eq(u->req.content_type, "application/json");
  crowd_json_begin(u); /* a top-level array, then a scalar body */
  crowd_json_arr_open(u);
  crowd_val_int(&v, 1);
  crowd_json_val(u, &v);
  crowd_json_val(u, &v);
  crowd_json_arr_close(u);
  crowd_json_end(u);
  ck_assert_str_eq(u->req.body.p, "[1,1]");
  crowd_json_begin(u);
  crowd_val_str(&v, "x", 1);
  crowd_json_val(u, &v);
  crowd_json_end(u);
  ck_assert_str_eq(u->req.body.p, "\"x\"");
  crowd_val_clear(&v);
}
END_TEST

START_TEST(json_escaping)
{
  crowd_val v = CROWD_VAL_NIL;
  /* quote, backslash, control characters, valid UTF-8 (é, €, 𝄞), and
   * invalid bytes (a lone continuation, a truncated sequence, an overlong
   * form, a surrogate) */
  static const char in[] = "q\"b\\n\n\r\t\b\f\x01\x1f\x7f"
                           "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"
                           "\x80\xe2\x82\xc0\xaf\xed\xa0\x80";
  crowd_req_begin(u, &site_post);
  crowd_json_begin(u);
  crowd_json_obj_open(u);
  crowd_json_key(u, "k\"\n", 3);
  crowd_val_str(&v, in, sizeof in - 1);
  crowd_json_val(u, &v);
  crowd_json_obj_close(u);
  crowd_json_end(u);
  ck_assert_str_eq(u->req.body.p,
                   "{\"k\\\"\\n\":\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u0001\\u001f\x7f"
                   "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"
                   "\\u0080\\u00e2\\u0082\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"}");
  crowd_val_clear(&v);
}
END_TEST

/* ---- values and interpolation ---------------------------------------------------------- */

static const char *interp(const crowd_val *v)
{
  static char out[128];
  crowd_val s = CROWD_VAL_NIL;
  crowd_str_begin(u);
  crowd_str_lit(u, "<", 1);
  crowd_str_val(u, v);
  crowd_str_lit(u, ">", 1);
  crowd_str_end(u, &s);
  ck_assert_int_eq(s.type, CROWD_STR);
  ck_assert_int_eq(strlen(s.u.s.p), s.u.s.len);
  snprintf(out, sizeof out, "%s", s.u.s.p);
  crowd_val_clear(&s);
  return out;
}

START_TEST(interpolation)
{
  crowd_val v = CROWD_VAL_NIL;
  ck_assert_str_eq(interp(&v), "<>");
  crowd_val_int(&v, -9223372036854775807LL - 1);
  ck_assert_str_eq(interp(&v), "<-9223372036854775808>");
  static const struct { double d; const char *s; } nums[] = {
    { 0.1, "0.1" }, { 2.5, "2.5" }, { 1.0 / 3, "0.3333333333333333" }, { 2.0, "2" },
    { 1e21, "1e+21" }, { -0.0, "-0" }, { 123456789.125, "123456789.125" }, { 0.1 + 0.2, "0.30000000000000004" },
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    char want[64];
    crowd_val_num(&v, nums[i].d);
    snprintf(want, sizeof want, "<%s>", nums[i].s);
    ck_assert_str_eq(interp(&v), want);
  }
  crowd_val_str(&v, "héllo", strlen("héllo"));
  ck_assert_str_eq(interp(&v), "<héllo>");
  crowd_val_clear(&v);
}
END_TEST

START_TEST(values)
{
  crowd_val a = CROWD_VAL_NIL, b = CROWD_VAL_NIL;
  crowd_val_str(&a, "abc\0def", 7);
  ck_assert_int_eq(a.type, CROWD_STR);
  ck_assert_int_eq(a.u.s.len, 7);
  ck_assert_int_eq(memcmp(a.u.s.p, "abc\0def", 8), 0);
  crowd_val_copy(&b, &a); /* deep */
  ck_assert_ptr_ne(a.u.s.p, b.u.s.p);
  ck_assert_int_eq(memcmp(b.u.s.p, "abc\0def", 8), 0);
  crowd_val_copy(&a, &a); /* self */
  ck_assert_int_eq(a.u.s.len, 7);
  crowd_val_str(&a, a.u.s.p + 4, 3); /* from its own bytes */
  ck_assert_str_eq(a.u.s.p, "def");
  crowd_val_int(&b, 5); /* frees the old string (valgrind would tell) */
  ck_assert_int_eq(b.type, CROWD_INT);
  ck_assert_int_eq(b.u.i, 5);
  static const crowd_val lit = CROWD_VAL_LIT("lit");
  crowd_val_copy(&b, &lit);
  ck_assert_str_eq(b.u.s.p, "lit");
  ck_assert_ptr_ne(b.u.s.p, lit.u.s.p);
  crowd_val_clear(&a);
  crowd_val_clear(&b);
  ck_assert_int_eq(a.type, CROWD_NIL);
  crowd_val_clear(&a); /* twice is harmless */
}
END_TEST

/* ---- built-ins and task choice ------------------------------------------------------------ */

START_TEST(random_int)
{
  crowd_val args[2] = { CROWD_VAL_NIL, CROWD_VAL_NIL }, out = CROWD_VAL_NIL;
  int seen[5] = { 0 };
  crowd_rng_seed(42);
  crowd_val_int(&args[0], 1);
  crowd_val_int(&args[1], 5);
  for (int i = 0; i < 5000; i++) {
    ck_assert_int_eq(crowd_fn_random_int(u, "t:1:1", &out, args, 2), 0);
    ck_assert_int_eq(out.type, CROWD_INT);
    ck_assert(out.u.i >= 1 && out.u.i <= 5);
    seen[out.u.i - 1]++;
  }
  for (int i = 0; i < 5; i++)
    ck_assert_msg(seen[i] > 800 && seen[i] < 1200, "value %d seen %d times", i + 1, seen[i]);
  crowd_val_int(&args[1], 1); /* one value */
  crowd_val_int(&args[0], 1);
  ck_assert_int_eq(crowd_fn_random_int(u, "t:1:1", &out, args, 2), 0);
  ck_assert_int_eq(out.u.i, 1);
  crowd_val_int(&args[0], INT64_MIN); /* the full range */
  crowd_val_int(&args[1], INT64_MAX);
  ck_assert_int_eq(crowd_fn_random_int(u, "t:1:1", &out, args, 2), 0);
  crowd_val_int(&args[0], 5); /* reversed bounds: an error */
  crowd_val_int(&args[1], 1);
  ck_assert_int_eq(crowd_fn_random_int(u, "t:1:1", &out, args, 2), -1);
  crowd_val_str(&args[0], "x", 1);
  ck_assert_int_eq(crowd_fn_random_int(u, "t:1:1", &out, args, 2), -1);
  crowd_val_clear(&args[0]);
  crowd_val_clear(&out);
}
END_TEST

START_TEST(pick)
{
  crowd_val args[3] = { CROWD_VAL_NIL, CROWD_VAL_NIL, CROWD_VAL_NIL }, out = CROWD_VAL_NIL;
  crowd_val_str(&args[0], "a", 1);
  crowd_val_int(&args[1], 2);
  int seen[3] = { 0 };
  for (int i = 0; i < 3000; i++) {
    ck_assert_int_eq(crowd_fn_pick(u, "t:1:1", &out, args, 3), 0);
    seen[out.type == CROWD_STR ? 0 : out.type == CROWD_INT ? 1 : 2]++;
  }
  for (int i = 0; i < 3; i++)
    ck_assert_msg(seen[i] > 800 && seen[i] < 1200, "argument %d picked %d times", i, seen[i]);
  ck_assert_int_eq(crowd_fn_pick(u, "t:1:1", &out, args, 0), -1);
  crowd_val_clear(&args[0]);
  crowd_val_clear(&out);
}
END_TEST

START_TEST(task_choice)
{
  int seen[3] = { 0 };
  ck_assert_int_eq(cls.total, 4);
  for (int i = 0; i < 4000; i++)
    seen[crowd_user_class_pick(&cls)]++;
  ck_assert_int_eq(seen[0], 0); /* weight 0: never */
  ck_assert_msg(seen[1] > 2800 && seen[1] < 3200, "b picked %d times", seen[1]);
  ck_assert_msg(seen[2] > 800 && seen[2] < 1200, "c picked %d times", seen[2]);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("request");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, url_joining);
  tcase_add_test(tc, url_host_with_slash);
  tcase_add_test(tc, names);
  tcase_add_test(tc, path_text);
  tcase_add_test(tc, query_encoding);
  tcase_add_test(tc, form_body);
  tcase_add_test(tc, headers);
  tcase_add_test(tc, multipart_body);
  tcase_add_test(tc, json_nesting);
  tcase_add_test(tc, json_escaping);
  tcase_add_test(tc, interpolation);
  tcase_add_test(tc, values);
  tcase_add_test(tc, random_int);
  tcase_add_test(tc, pick);
  tcase_add_test(tc, task_choice);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
