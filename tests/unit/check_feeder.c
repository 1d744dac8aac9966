/* check_feeder.c — the CSV parser (RFC 4180 quoting, BOM, line ends,
 * errors with line numbers) and the feeders' strategies over a file. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <crowd/crowd.h>

#include "runtime/feeder.h"
#include "runtime/rng.h"
#include "runtime/user.h"

static char err[256];

static crowd_csv parse_ok(const char *text, size_t len)
{
  crowd_csv c;
  int rc = crowd_csv_parse(text, len, &c, err, sizeof err);
  ck_assert_msg(rc == 0, "parse failed: %s", err);
  return c;
}

static void cell_is(const crowd_csv *c, size_t row, size_t col, const char *want, size_t wlen)
{
  const crowd_csv_cell *x = crowd_csv_cell_at(c, row, col);
  ck_assert_ptr_nonnull(x);
  ck_assert_uint_eq(x->len, wlen);
  ck_assert(memcmp(x->p, want, wlen) == 0);
  ck_assert_int_eq(x->p[x->len], '\0');
}
#define CELL(c, r, k, s) cell_is(c, r, k, s, sizeof(s) - 1)

static void parse_fails(const char *text, const char *want)
{
  crowd_csv c;
  ck_assert_int_eq(crowd_csv_parse(text, strlen(text), &c, err, sizeof err), -1);
  ck_assert_msg(strstr(err, want) != NULL, "error '%s' does not contain '%s'", err, want);
  ck_assert_ptr_null(c.cells);
}

START_TEST(plain)
{
  const char *t = "id,name\n1,alice\n2,bob\n";
  crowd_csv c = parse_ok(t, strlen(t));
  ck_assert_uint_eq(c.ncols, 2);
  ck_assert_uint_eq(c.nrows, 2);
  CELL(&c, 0, 0, "id");
  CELL(&c, 0, 1, "name");
  CELL(&c, 1, 1, "alice");
  CELL(&c, 2, 0, "2");
  ck_assert_ptr_null(crowd_csv_cell_at(&c, 3, 0));
  ck_assert_ptr_null(crowd_csv_cell_at(&c, 1, 2));
  crowd_csv_free(&c);
}
END_TEST

START_TEST(quoting)
{
  /* RFC 4180: commas, CRLF and "" inside quotes; an empty quoted field */
  const char *t = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"\"\r\n\"two\r\nlines\",plain,\"\"\"\"\r\n";
  crowd_csv c = parse_ok(t, strlen(t));
  ck_assert_uint_eq(c.nrows, 2);
  CELL(&c, 1, 0, "x, y");
  CELL(&c, 1, 1, "say \"hi\"");
  CELL(&c, 1, 2, "");
  CELL(&c, 2, 0, "two\r\nlines");
  CELL(&c, 2, 1, "plain");
  CELL(&c, 2, 2, "\"");
  crowd_csv_free(&c);
}
END_TEST

START_TEST(edges)
{
  /* BOM, no final newline, empty fields, blank lines, UTF-8, a NUL byte */
  const char t[] = "\xEF\xBB\xBFname,pw\n\n,\nj\xC3\xBCrgen,a\0b\n\r\nlast,x";
  crowd_csv c = parse_ok(t, sizeof t - 1);
  ck_assert_uint_eq(c.ncols, 2);
  ck_assert_uint_eq(c.nrows, 3);
  CELL(&c, 0, 0, "name");
  CELL(&c, 1, 0, "");
  CELL(&c, 1, 1, "");
  CELL(&c, 2, 0, "j\xC3\xBCrgen");
  CELL(&c, 2, 1, "a\0b");
  CELL(&c, 3, 1, "x");
  crowd_csv_free(&c);
  /* a header alone: no rows (the loader refuses it) */
  c = parse_ok("a,b\n", 4);
  ck_assert_uint_eq(c.nrows, 0);
  crowd_csv_free(&c);
  /* a trailing comma is one more empty field */
  c = parse_ok("a,b\n1,\n", 7);
  CELL(&c, 1, 1, "");
  crowd_csv_free(&c);
}
END_TEST

START_TEST(errors)
{
  parse_fails("", "empty");
  parse_fails("\n\n", "empty");
  parse_fails("a,b\n1,2,3\n", "line 2: 3 fields, but the header has 2");
  parse_fails("a,b\n1,2\n3\n", "line 3: 1 field, but the header has 2");
  parse_fails("a,b\n\"1,2\n", "line 2, field 1: the quoted field never ends");
  parse_fails("a,b\n\"x\"y,2\n", "line 2, field 1: a character after the closing quote");
  parse_fails("a,,c\n1,2,3\n", "line 1: column 2 of the header has no name");
  parse_fails("id,name,id\n1,2,3\n", "names column 'id' twice");
  /* line numbers count the lines inside quoted fields */
  parse_fails("a\n\"x\ny\"\n1,2\n", "line 4: 2 fields");
}
END_TEST

/* ---- feeders over a file ---------------------------------------------------------------- */

static char dir[64];
static const char *const cols[] = { "id" };
static crowd_feeder_desc fdesc[1];
static crowd_scenario_desc sc;
static crowd_user_class cls;
static crowd_user *usr;

static int task_nop(crowd_user *u, int *step, crowd_val *vars)
{
  (void)u, (void)step, (void)vars;
  return CROWD_TASK_DONE;
}
static const crowd_task_desc tasks[] = { { .name = "t", .weight = 1, .fn = task_nop } };
static const crowd_user_desc udesc = { .name = "U", .weight = 1, .tasks = tasks, .ntasks = 1 };

static void setup(void)
{
  snprintf(dir, sizeof dir, "/tmp/check_feeder.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/rows.csv", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("id,other\n0,a\n1,b\n2,c\n3,d\n4,e\n", f);
  ck_assert_int_eq(fclose(f), 0);
  fdesc[0] = (crowd_feeder_desc){ .name = "rows", .path = "rows.csv", .dir = dir, .columns = cols,
                                  .ncolumns = 1, .site = "t.crowd:1:1" };
  sc = (crowd_scenario_desc){ .abi = CROWD_ABI_VERSION, .users = &udesc, .nusers = 1, .feeders = fdesc,
                              .nfeeders = 1 };
  ck_assert_int_eq(crowd_user_class_init(&cls, &udesc), 0);
  usr = crowd_user_new(NULL, &cls, NULL);
  ck_assert_ptr_nonnull(usr);
  crowd_rng_seed(42);
}

static void teardown(void)
{
  char path[128];
  crowd_feeders_free();
  crowd_user_free(usr);
  crowd_user_class_free(&cls);
  snprintf(path, sizeof path, "%s/rows.csv", dir);
  unlink(path);
  rmdir(dir);
}

/* The id of the next row, or -1 when the feeder stops the user. */
static int next_id(void)
{
  crowd_val row = CROWD_VAL_NIL, id = CROWD_VAL_NIL;
  int rc = crowd_feeder_next(usr, "t.crowd:2:1", 0, &row);
  if (rc != 0)
    return -1;
  crowd_feeder_field(usr, &row, 0, 0, &id);
  ck_assert_int_eq(id.type, CROWD_STR);
  int v = atoi(id.u.s.p);
  crowd_val_clear(&id);
  crowd_val_clear(&row);
  return v;
}

static void load(crowd_feed_strategy s)
{
  fdesc[0].strategy = s;
  FILE *null = fopen("/dev/null", "w");
  ck_assert_int_eq(crowd_feeders_load(&sc, NULL, 0, null), 0);
  fclose(null);
}

START_TEST(cycle)
{
  load(CROWD_FEED_CYCLE);
  for (int i = 0; i < 12; i++)
    ck_assert_int_eq(next_id(), i % 5);
}
END_TEST

START_TEST(unique)
{
  load(CROWD_FEED_UNIQUE);
  int seen[5] = { 0 };
  for (int i = 0; i < 5; i++) {
    int id = next_id();
    ck_assert(id >= 0 && id < 5);
    seen[id]++;
  }
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(seen[i], 1);
  ck_assert(!usr->stopping);
  ck_assert_int_eq(next_id(), -1); /* exhausted: the user stops */
  ck_assert(usr->stopping);
}
END_TEST

START_TEST(shuffle)
{
  load(CROWD_FEED_SHUFFLE);
  for (int round = 0; round < 4; round++) { /* each round a permutation */
    int seen[5] = { 0 };
    for (int i = 0; i < 5; i++)
      seen[next_id()]++;
    for (int i = 0; i < 5; i++)
      ck_assert_int_eq(seen[i], 1);
  }
}
END_TEST

START_TEST(random_rows)
{
  load(CROWD_FEED_RANDOM);
  int seen[5] = { 0 };
  for (int i = 0; i < 500; i++)
    seen[next_id()]++;
  for (int i = 0; i < 5; i++)
    ck_assert(seen[i] > 50);
}
END_TEST

START_TEST(load_errors)
{
  char out[1024];
  FILE *f = fmemopen(out, sizeof out, "w");
  ck_assert_ptr_nonnull(f);
  static const char *const bad[] = { "nope" };
  fdesc[0].columns = bad;
  ck_assert_int_eq(crowd_feeders_load(&sc, NULL, 0, f), -1);
  fflush(f);
  ck_assert_msg(strstr(out, "has no column 'nope' (its columns: id, other)") != NULL, "%s", out);
  fdesc[0].columns = cols;
  rewind(f);
  const char *ov[] = { "rows=/nonexistent/x.csv" };
  ck_assert_int_eq(crowd_feeders_load(&sc, ov, 1, f), -1);
  fputc('\0', f);
  fflush(f);
  ck_assert_msg(strstr(out, "cannot read /nonexistent/x.csv: No such file or directory") != NULL, "%s", out);
  rewind(f);
  const char *ov2[] = { "rowz=x.csv" };
  ck_assert_int_eq(crowd_feeders_load(&sc, ov2, 1, f), -1);
  fputc('\0', f);
  fflush(f);
  ck_assert_msg(strstr(out, "no feeder 'rowz' (its feeders: rows)") != NULL, "%s", out);
  fclose(f);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("feeder");
  TCase *tc = tcase_create("csv");
  tcase_add_test(tc, plain);
  tcase_add_test(tc, quoting);
  tcase_add_test(tc, edges);
  tcase_add_test(tc, errors);
  suite_add_tcase(s, tc);
  tc = tcase_create("feeders");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, cycle);
  tcase_add_test(tc, unique);
  tcase_add_test(tc, shuffle);
  tcase_add_test(tc, random_rows);
  tcase_add_test(tc, load_errors);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
