/* check_response.c — response blocks over a response set by hand: the JSON
 * path subset, regex groups, header and cookie lookup, saves and their
 * failures, and the exact messages of failed checks.  The user has no
 * runner: nothing is sent and nothing recorded. */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "runtime/request.h"
#include "runtime/response.h"
#include "runtime/user.h"
#include "stdlib/jsonpath.h"

static int task_nop(crowd_user *uu, int *step, crowd_val *vars)
{
  (void)uu, (void)step, (void)vars;
  return CROWD_TASK_DONE;
}

static const crowd_task_desc tasks[] = { { .name = "t", .weight = 1, .fn = task_nop } };
static const char *const var_names[] = { "token", "id", "n" };
static const crowd_user_desc desc = {
  .name = "U", .weight = 1.0, .nvars = 3, .var_names = var_names, .tasks = tasks, .ntasks = 1,
};

static crowd_user_class cls;
static crowd_user *u;
static char msg[CROWD_RESP_MSG_MAX];

static const char products[] =
  "{\"items\":[{\"id\":1,\"name\":\"Product 1\",\"price\":17.5},"
  "{\"id\":2,\"name\":\"Product 2\",\"price\":3}],\"count\":100,\"ok\":true,\"none\":null,"
  "\"a.b\":{\"c\":[\"x\",\"y\",\"z\"]}}";

static void respond(long status, const char *body, const char *const *headers)
{
  crowd_request *r = &u->req;
  r->status = status;
  r->error[0] = '\0';
  crowd_buf_reset(&r->resp_body);
  crowd_buf_reset(&r->resp_headers);
  r->nresp_headers = 0;
  ck_assert_int_eq(crowd_buf_add(&r->resp_body, body, strlen(body)), 0);
  for (int i = 0; headers && headers[i]; i++) {
    ck_assert_int_eq(crowd_buf_add(&r->resp_headers, headers[i], strlen(headers[i]) + 1), 0);
    r->nresp_headers++;
  }
}

static void setup(void)
{
  ck_assert_int_eq(crowd_user_class_init(&cls, &desc), 0);
  u = crowd_user_new(NULL, &cls, "http://127.0.0.1:8080");
  ck_assert_ptr_nonnull(u);
  respond(200, products, NULL);
}

static void teardown(void)
{
  crowd_user_free(u);
  crowd_user_class_free(&cls);
  u = NULL;
}

/* Evaluate one item; its message, "" when the request succeeded. */
static const char *eval1(const crowd_resp_item *it, int *rc)
{
  crowd_resp_desc d = { it, 1, 1, it->src == CROWD_SRC_STATUS && it->op != CROWD_OP_SAVE };
  int r = crowd_resp_eval(u, &d, msg, sizeof msg);
  if (rc)
    *rc = r;
  return msg;
}

static void release(crowd_regex *re)
{
  if (re->compiled)
    regfree(re->compiled);
  free(re->compiled);
}

static const crowd_val k100 = { .type = CROWD_INT, .u.i = 100 };
static const crowd_val k99 = { .type = CROWD_INT, .u.i = 99 };
static const crowd_val k2 = { .type = CROWD_INT, .u.i = 2 };
static const crowd_val kjson = CROWD_VAL_LIT("json");
static const crowd_val kxml = CROWD_VAL_LIT("xml");
static const crowd_val kprod2 = CROWD_VAL_LIT("Product 2");
static const crowd_val khalf = { .type = CROWD_NUM, .u.n = 0.5 };

#define CHECK(OP, SRC, ARG, VAL) \
  { .op = OP, .src = SRC, .arg = ARG, .value = VAL, .value_slot = -1, .slot = -1, .site = "t:1:1" }
#define SAVE(SRC, ARG, SLOT, PICK) \
  { .op = CROWD_OP_SAVE, .src = SRC, .arg = ARG, .value_slot = -1, .slot = SLOT, .pick = PICK, .site = "t:1:1" }

START_TEST(jpath_syntax)
{
  size_t at;
  int wild;
  const char *ok[] = { "$", "$.a", "$.a.b[0]", "$.items[*].id", "$[-1]", "$['a.b'][\"c\"]", "$.a-b_c" };
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    ck_assert_msg(crowd_jpath_check(ok[i], strlen(ok[i]), &at, &wild) == NULL, "%s", ok[i]);
  ck_assert_ptr_null(crowd_jpath_check("$.items[*].id", 13, &at, &wild));
  ck_assert_int_eq(wild, 1);
  struct { const char *p; size_t at; const char *msg; } bad[] = {
    { "items", 0, "a JSON path starts with '$'" },
    { "", 0, "a JSON path starts with '$'" },
    { "$.", 2, "expected a key after '.'" },
    { "$.a..b", 4, "expected a key after '.'" },
    { "$.a[", 4, "expected an index, '*' or a quoted key after '['" },
    { "$.a[1", 5, "expected ']' after the index" },
    { "$.a[*", 5, "expected ']' after '[*'" },
    { "$.a['x]", 4, "unterminated quoted key" },
    { "$x", 1, "expected '.key' or '[...]'" },
    { "$.a[99999999999]", 4, "array index too large" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *m = crowd_jpath_check(bad[i].p, strlen(bad[i].p), &at, &wild);
    ck_assert_msg(m && strcmp(m, bad[i].msg) == 0, "%s: %s", bad[i].p, m ? m : "(ok)");
    ck_assert_msg(at == bad[i].at, "%s: at %zu", bad[i].p, at);
  }
}
END_TEST

START_TEST(status_checks)
{
  static const int s200[] = { 200 }, s3[] = { 200, 201, 204 }, s404[] = { 404 };
  crowd_resp_item it = { .op = CROWD_OP_IN, .src = CROWD_SRC_STATUS, .set = s200, .nset = 1,
                         .value_slot = -1, .slot = -1 };
  ck_assert_str_eq(eval1(&it, NULL), "");
  respond(404, "{}", NULL);
  ck_assert_str_eq(eval1(&it, NULL), "expected status 200, got 404");
  it.set = s3;
  it.nset = 3;
  ck_assert_str_eq(eval1(&it, NULL), "expected status 200, 201 or 204, got 404");
  it.set = s404;
  it.nset = 1;
  ck_assert_str_eq(eval1(&it, NULL), ""); /* a 404 expected is a success */
  static const crowd_val k400 = { .type = CROWD_INT, .u.i = 400 };
  crowd_resp_item lt = CHECK(CROWD_OP_LT, CROWD_SRC_STATUS, NULL, &k400);
  ck_assert_str_eq(eval1(&lt, NULL), "expected status < 400, got 404");
  /* without a status check, a status >= 400 fails the request as always */
  crowd_resp_item ex = CHECK(CROWD_OP_EXISTS, CROWD_SRC_JSON, "$", NULL);
  ck_assert_str_eq(eval1(&ex, NULL), "HTTP 404");
}
END_TEST

START_TEST(json_checks)
{
  crowd_resp_item eq = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.count", &k100);
  ck_assert_str_eq(eval1(&eq, NULL), "");
  eq.value = &k99;
  ck_assert_str_eq(eval1(&eq, NULL), "expected $.count = 99, got 100");
  crowd_resp_item ex = CHECK(CROWD_OP_EXISTS, CROWD_SRC_JSON, "$.items", NULL);
  ck_assert_str_eq(eval1(&ex, NULL), "");
  ex.arg = "$.nope";
  ck_assert_str_eq(eval1(&ex, NULL), "expected $.nope to exist");
  crowd_resp_item ab = CHECK(CROWD_OP_ABSENT, CROWD_SRC_JSON, "$.items[5]", NULL);
  ck_assert_str_eq(eval1(&ab, NULL), "");
  ab.arg = "$.items[-1]";
  ck_assert_str_eq(eval1(&ab, NULL), "expected $.items[-1] to be absent");
  /* [*]: some match will do */
  crowd_resp_item any = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.items[*].id", &k2);
  ck_assert_str_eq(eval1(&any, NULL), "");
  any.value = &k99;
  ck_assert_str_eq(eval1(&any, NULL), "expected some $.items[*].id = 99");
  crowd_resp_item name = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.items[1].name", &kprod2);
  ck_assert_str_eq(eval1(&name, NULL), "");
  name.arg = "$.items[0].name";
  ck_assert_str_eq(eval1(&name, NULL), "expected $.items[0].name = \"Product 2\", got \"Product 1\"");
  name.arg = "$.missing";
  ck_assert_str_eq(eval1(&name, NULL), "expected $.missing = \"Product 2\", not found");
  crowd_resp_item gt = CHECK(CROWD_OP_GT, CROWD_SRC_JSON, "$.items[0].price", &k99);
  ck_assert_str_eq(eval1(&gt, NULL), "expected $.items[0].price > 99, got 17.5");
  static const crowd_val one = { .type = CROWD_INT, .u.i = 1 }, nil = CROWD_VAL_NIL;
  crowd_resp_item t = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.ok", &one);
  ck_assert_str_eq(eval1(&t, NULL), "");
  t.arg = "$.none";
  t.value = &nil;
  ck_assert_str_eq(eval1(&t, NULL), "");
  crowd_resp_item q = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$['a.b'].c[-1]", &(crowd_val)CROWD_VAL_LIT("z"));
  ck_assert_str_eq(eval1(&q, NULL), "");
  respond(200, "<html>", NULL);
  ck_assert_str_eq(eval1(&eq, NULL), "expected a JSON body for $.count");
}
END_TEST

START_TEST(header_and_body_checks)
{
  static const char *const hs[] = { "Content-Type: application/json", "set-cookie: sid=abc; Path=/",
                                    "Set-Cookie: theme=dark", "Location: /orders/7", NULL };
  respond(200, products, hs);
  const char *p;
  size_t len;
  ck_assert_int_eq(crowd_resp_header(&u->req, "content-type", &p, &len), 0);
  ck_assert_str_eq(p, "application/json");
  ck_assert_int_eq(crowd_resp_header(&u->req, "Content", &p, &len), -1);
  ck_assert_int_eq(crowd_resp_cookie(&u->req, "sid", &p, &len), 0);
  ck_assert_int_eq(len, 3);
  ck_assert_int_eq(memcmp(p, "abc", 3), 0);
  ck_assert_int_eq(crowd_resp_cookie(&u->req, "theme", &p, &len), 0);
  ck_assert_int_eq(len, 4);
  ck_assert_int_eq(crowd_resp_cookie(&u->req, "the", &p, &len), -1);

  crowd_resp_item h = CHECK(CROWD_OP_CONTAINS, CROWD_SRC_HEADER, "content-type", &kjson);
  ck_assert_str_eq(eval1(&h, NULL), "");
  h.value = &kxml;
  ck_assert_str_eq(eval1(&h, NULL),
                   "expected header content-type to contain \"xml\", got \"application/json\"");
  h.arg = "X-Nope";
  ck_assert_str_eq(eval1(&h, NULL), "expected header X-Nope to contain \"xml\", got none");
  crowd_resp_item hx = CHECK(CROWD_OP_EXISTS, CROWD_SRC_HEADER, "X-Nope", NULL);
  ck_assert_str_eq(eval1(&hx, NULL), "expected header X-Nope");
  crowd_resp_item ca = CHECK(CROWD_OP_ABSENT, CROWD_SRC_COOKIE, "sid", NULL);
  ck_assert_str_eq(eval1(&ca, NULL), "expected no cookie sid");

  crowd_regex re = { "Product [0-9]+", NULL, 0 }, bad = { "Widget [0-9]+", NULL, 0 };
  crowd_resp_item m = CHECK(CROWD_OP_MATCHES, CROWD_SRC_BODY, NULL, NULL);
  m.re = &re;
  ck_assert_str_eq(eval1(&m, NULL), "");
  m.re = &bad;
  ck_assert_str_eq(eval1(&m, NULL), "expected body to match \"Widget [0-9]+\"");
  crowd_resp_item c = CHECK(CROWD_OP_CONTAINS, CROWD_SRC_BODY, NULL, &kprod2);
  ck_assert_str_eq(eval1(&c, NULL), "");
  c.value = &kxml;
  ck_assert_str_eq(eval1(&c, NULL), "expected body to contain \"xml\"");
  crowd_resp_item t = CHECK(CROWD_OP_LT, CROWD_SRC_TIME, NULL, &khalf);
  u->req.response_us = 400000;
  ck_assert_str_eq(eval1(&t, NULL), "");
  u->req.response_us = 734000;
  ck_assert_str_eq(eval1(&t, NULL), "expected time < 500 ms");
  release(&re);
  release(&bad);
}
END_TEST

START_TEST(saves)
{
  static const char *const hs[] = { "Location: /orders/7", "Set-Cookie: sid=abc; Path=/", NULL };
  respond(201, "{\"id\":7,\"token\":\"tok-ada\",\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]} id=42", hs);
  crowd_resp_item s = SAVE(CROWD_SRC_JSON, "$.token", 0, CROWD_PICK_FIRST);
  int rc;
  /* the body is not JSON (it has trailing text): the save fails */
  ck_assert_str_eq(eval1(&s, &rc), "cannot save token: the body is not JSON");
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(u->vars[0].type, CROWD_NIL);
  respond(201, "{\"id\":7,\"token\":\"tok-ada\",\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}", hs);
  ck_assert_str_eq(eval1(&s, &rc), "");
  ck_assert_int_eq(rc, 0);
  ck_assert_int_eq(u->vars[0].type, CROWD_STR);
  ck_assert_str_eq(u->vars[0].u.s.p, "tok-ada");
  crowd_resp_item id = SAVE(CROWD_SRC_JSON, "$.id", 1, CROWD_PICK_FIRST);
  eval1(&id, &rc);
  ck_assert_int_eq(u->vars[1].type, CROWD_INT);
  ck_assert_int_eq(u->vars[1].u.i, 7);
  crowd_resp_item pk = SAVE(CROWD_SRC_JSON, "$.items[*].id", 2, CROWD_PICK_LAST);
  eval1(&pk, &rc);
  ck_assert_int_eq(u->vars[2].u.i, 3);
  pk.pick = CROWD_PICK_FIRST;
  eval1(&pk, &rc);
  ck_assert_int_eq(u->vars[2].u.i, 1);
  pk.pick = CROWD_PICK_ALL;
  eval1(&pk, &rc);
  ck_assert_str_eq(u->vars[2].u.s.p, "[1,2,3]");
  pk.pick = CROWD_PICK_RANDOM;
  int seen[4] = { 0 };
  for (int i = 0; i < 300; i++) {
    eval1(&pk, &rc);
    ck_assert_int_eq(u->vars[2].type, CROWD_INT);
    ck_assert(u->vars[2].u.i >= 1 && u->vars[2].u.i <= 3);
    seen[u->vars[2].u.i]++;
  }
  ck_assert(seen[1] > 50 && seen[2] > 50 && seen[3] > 50);
  crowd_resp_item obj = SAVE(CROWD_SRC_JSON, "$.items[1]", 2, CROWD_PICK_FIRST);
  eval1(&obj, &rc);
  ck_assert_str_eq(u->vars[2].u.s.p, "{\"id\":2}");
  crowd_resp_item miss = SAVE(CROWD_SRC_JSON, "$.nope", 1, CROWD_PICK_FIRST);
  ck_assert_str_eq(eval1(&miss, &rc), "cannot save id: nothing at $.nope");
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(u->vars[1].type, CROWD_NIL);

  crowd_resp_item h = SAVE(CROWD_SRC_HEADER, "location", 1, CROWD_PICK_FIRST);
  ck_assert_str_eq(eval1(&h, &rc), "");
  ck_assert_str_eq(u->vars[1].u.s.p, "/orders/7");
  h.arg = "X-None";
  ck_assert_str_eq(eval1(&h, &rc), "cannot save id: no header X-None");
  crowd_resp_item ck = SAVE(CROWD_SRC_COOKIE, "sid", 1, CROWD_PICK_FIRST);
  eval1(&ck, &rc);
  ck_assert_str_eq(u->vars[1].u.s.p, "abc");
  crowd_resp_item st = SAVE(CROWD_SRC_STATUS, NULL, 1, CROWD_PICK_FIRST);
  eval1(&st, &rc);
  ck_assert_int_eq(u->vars[1].u.i, 201);
}
END_TEST

START_TEST(regex_saves)
{
  respond(200, "<a href=\"/orders?id=42&x=1\">order</a>", NULL);
  crowd_regex g = { "id=([0-9]+)", NULL, 0 }, whole = { "[0-9]+", NULL, 0 },
              none = { "id=(x+)", NULL, 0 };
  crowd_resp_item r = SAVE(CROWD_SRC_REGEX, NULL, 1, CROWD_PICK_FIRST);
  int rc;
  r.re = &g;
  ck_assert_str_eq(eval1(&r, &rc), "");
  ck_assert_str_eq(u->vars[1].u.s.p, "42"); /* group 1 */
  r.re = &whole;
  eval1(&r, &rc);
  ck_assert_str_eq(u->vars[1].u.s.p, "42"); /* no group: the whole match */
  r.re = &none;
  ck_assert_str_eq(eval1(&r, &rc), "cannot save id: no match for id=(x+)");
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(g.state, 1); /* compiled once, kept */
  release(&g);
  release(&whole);
  release(&none);
}
END_TEST

START_TEST(block_order)
{
  static const int s200[] = { 200 };
  static const crowd_tpl_part tpl[] = { { "order ", 6, -1 }, { NULL, 0, 1 }, { " not paid", 9, -1 } };
  crowd_resp_item items[] = {
    SAVE(CROWD_SRC_JSON, "$.count", 1, CROWD_PICK_FIRST),
    { .op = CROWD_OP_FAILURE, .tpl = tpl, .ntpl = 3, .value_slot = -1, .slot = -1 },
    CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.count", &k99),
    { .op = CROWD_OP_SUCCESS, .value_slot = -1, .slot = -1 },
    { .op = CROWD_OP_IN, .src = CROWD_SRC_STATUS, .set = s200, .nset = 1, .value_slot = -1, .slot = -1 },
  };
  crowd_resp_desc d = { items, 3, 1, 1 };
  /* the first failure wins; later items still run */
  ck_assert_int_eq(crowd_resp_eval(u, &d, msg, sizeof msg), 0);
  ck_assert_str_eq(msg, "order 100 not paid");
  /* (success) forgets the failures before it, not those after */
  d.nitems = 4;
  crowd_resp_eval(u, &d, msg, sizeof msg);
  ck_assert_str_eq(msg, "");
  respond(500, products, NULL);
  d.nitems = 5;
  crowd_resp_eval(u, &d, msg, sizeof msg);
  ck_assert_str_eq(msg, "expected status 200, got 500");
  /* no response at all: the transport error, and the saves are undone */
  u->req.status = 0;
  strcpy(u->req.error, "Connection refused");
  crowd_val_int(&u->vars[1], 5);
  ck_assert_int_eq(crowd_resp_eval(u, &d, msg, sizeof msg), -1);
  ck_assert_str_eq(msg, "Connection refused");
  ck_assert_int_eq(u->vars[1].type, CROWD_NIL);
}
END_TEST

START_TEST(messages_are_bounded)
{
  char big[600];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  char body[700];
  snprintf(body, sizeof body, "{\"s\":\"%s\"}", big);
  respond(200, body, NULL);
  crowd_resp_item eq = CHECK(CROWD_OP_EQ, CROWD_SRC_JSON, "$.s", &kjson);
  eval1(&eq, NULL);
  ck_assert_str_eq(msg, "expected $.s = \"json\", got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
}
END_TEST

int main(void)
{
  Suite *s = suite_create("response");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, jpath_syntax);
  tcase_add_test(tc, status_checks);
  tcase_add_test(tc, json_checks);
  tcase_add_test(tc, header_and_body_checks);
  tcase_add_test(tc, saves);
  tcase_add_test(tc, regex_saves);
  tcase_add_test(tc, block_order);
  tcase_add_test(tc, messages_are_bounded);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
