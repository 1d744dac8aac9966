/* check_dispatch: which user class spawns next (runtime/dispatch.c) and how
 * a user chooses its tasks in task sets (runtime/user.c).  The expected
 * class sequences are what Locust's own dispatcher (locust/dispatch.py,
 * _kl_generator and UsersDispatcher._user_gen, 2024) yields for the same
 * classes, computed with its code. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/dispatch.h"
#include "runtime/user.h"

/* ---- dispatch ------------------------------------------------------------------ */

/* n picks of d, as the first letters of the class names. */
static void adds(crowd_dispatch *d, int n, char *out)
{
  for (int i = 0; i < n; i++) {
    int c = crowd_dispatch_add(d);
    out[i] = c < 0 ? '-' : d->names[c][0];
  }
  out[n] = '\0';
}

static void removes(crowd_dispatch *d, int n, char *out)
{
  for (int i = 0; i < n; i++) {
    int c = crowd_dispatch_remove(d);
    out[i] = c < 0 ? '-' : d->names[c][0];
  }
  out[n] = '\0';
}

static void check_weights(int n, const char *const *names, const double *w, const long *fixed,
                          int picks, const char *want)
{
  crowd_dispatch d;
  char got[128];
  ck_assert_int_eq(crowd_dispatch_init(&d, n, names, w, fixed), 0);
  adds(&d, picks, got);
  ck_assert_str_eq(got, want);
  crowd_dispatch_free(&d);
}

START_TEST(test_kl_weights)
{
  static const char *const ab[] = { "A", "B" }, *const abc[] = { "A", "B", "C" };
  /* Locust's docstring says AAABAAAAABAA for 5:1; its code yields this */
  check_weights(2, ab, (const double[]){ 5, 1 }, NULL, 12, "AABAAAAABAAA");
  check_weights(2, ab, (const double[]){ 3, 1 }, NULL, 12, "ABAAABAAABAA");
  check_weights(3, abc, (const double[]){ 1, 1, 1 }, NULL, 9, "ABCABCABC");
  check_weights(3, abc, (const double[]){ 2.5, 1, 0.5 }, NULL, 14, "ABACAABAABACAA");
  check_weights(3, abc, (const double[]){ 1, 2, 3 }, NULL, 12, "CBACBCCBACBC");
  /* a weight of 0 never spawns */
  check_weights(3, abc, (const double[]){ 1, 0, 1 }, NULL, 4, "ACAC");
}
END_TEST

START_TEST(test_kl_name_order)
{
  /* the order of the classes given does not matter: names decide ties */
  static const char *const names[] = { "Zed", "Alpha" };
  check_weights(2, names, (const double[]){ 5, 1 }, NULL, 12, "ZZAZZZZZAZZZ");
  static const char *const cba[] = { "C", "B", "A" };
  check_weights(3, cba, (const double[]){ 3, 2, 1 }, NULL, 12, "CBACBCCBACBC");
}
END_TEST

START_TEST(test_fixed_first)
{
  static const char *const abc[] = { "A", "B", "C" }, *const ab[] = { "A", "B" };
  check_weights(3, abc, (const double[]){ 1, 1, 1 }, (const long[]){ 2, 0, 0 }, 6, "AABCBC");
  check_weights(3, abc, (const double[]){ 1, 1, 2 }, (const long[]){ 3, 2, 0 }, 9, "ABABACCCC");
  /* only fixed counts: nothing more to spawn once they are reached */
  check_weights(2, ab, (const double[]){ 1, 1 }, (const long[]){ 2, 1 }, 5, "ABA--");
}
END_TEST

START_TEST(test_ramp_down_lifo)
{
  static const char *const abc[] = { "A", "B", "C" }, *const ab[] = { "A", "B" };
  crowd_dispatch d;
  char got[64];
  ck_assert_int_eq(crowd_dispatch_init(&d, 3, abc, (const double[]){ 1, 3, 1 },
                                       (const long[]){ 2, 0, 1 }), 0);
  adds(&d, 8, got);
  ck_assert_str_eq(got, "ACABBBBB");
  removes(&d, 5, got);
  ck_assert_str_eq(got, "BBBBB");
  adds(&d, 6, got);
  ck_assert_str_eq(got, "BBBBBB");
  crowd_dispatch_free(&d);

  /* a fixed-count user stopped is spawned again before any weighted one */
  ck_assert_int_eq(crowd_dispatch_init(&d, 2, ab, (const double[]){ 1, 3 }, (const long[]){ 2, 0 }), 0);
  adds(&d, 5, got);
  ck_assert_str_eq(got, "AABBB");
  removes(&d, 4, got);
  ck_assert_str_eq(got, "BBBA");
  ck_assert_int_eq(d.count[0], 1);
  adds(&d, 5, got);
  ck_assert_str_eq(got, "ABBBB");
  removes(&d, 10, got);
  ck_assert_str_eq(got, "BBBBAA----");
  crowd_dispatch_free(&d);
}
END_TEST

/* ---- task choice in task sets -------------------------------------------------- */

static char trace[512];

static void note(const char *s)
{
  if (strlen(trace) + strlen(s) + 2 < sizeof trace) {
    if (trace[0])
      strcat(trace, " ");
    strcat(trace, s);
  }
}

#define TASK(name, rc)                                                    \
  static int task_##name(crowd_user *u, int *step, crowd_val *vars)       \
  {                                                                       \
    (void)u, (void)step, (void)vars;                                      \
    note(#name);                                                          \
    return rc;                                                            \
  }
TASK(a, CROWD_TASK_DONE)
TASK(b, CROWD_TASK_DONE)
TASK(c, CROWD_TASK_INTERRUPT)
TASK(d, CROWD_TASK_INTERRUPT_WAIT)
TASK(r, CROWD_TASK_RESCHEDULE_NOW)
TASK(set_start, CROWD_TASK_DONE)
TASK(set_stop, CROWD_TASK_DONE)
TASK(user_stop, CROWD_TASK_DONE)

static const char *const tag_x[] = { "x" };
static const char *const tag_y[] = { "y", "x" };

/* browse: a sequence a, b b (weight 2), then c interrupts */
static const crowd_task_desc seq_tasks[] = {
  { .name = "a", .weight = 1, .fn = task_a },
  { .name = "b", .weight = 2, .fn = task_b, .tags = tag_x, .ntags = 1 },
  { .name = "c", .weight = 1, .fn = task_c, .tags = tag_y, .ntags = 2 },
};
static const crowd_taskset_desc seq = {
  .name = "browse", .sequential = 1, .on_start = task_set_start, .on_stop = task_set_stop,
  .tasks = seq_tasks, .ntasks = 3,
};
static const crowd_task_desc root_tasks[] = {
  { .name = "browse", .weight = 1, .set = &seq },
  { .name = "never", .weight = 0, .fn = task_a },
};
static const crowd_user_desc user_desc = {
  .name = "U", .weight = 1, .tasks = root_tasks, .ntasks = 2, .on_stop = task_user_stop,
};

/* One step of a user without a runner: it runs until it would wait. */
static void tick(crowd_user *u)
{
  note("|");
  crowd_user_start(u);
}

START_TEST(test_sequence_interrupt_stop)
{
  crowd_user_class cls;
  trace[0] = '\0';
  ck_assert_int_eq(crowd_user_class_init(&cls, &user_desc), 0);
  ck_assert_int_eq(cls.total, 1);
  crowd_user *u = crowd_user_new(NULL, &cls, NULL);
  ck_assert_ptr_nonnull(u);
  for (int i = 0; i < 5; i++)
    tick(u);
  /* on-start then the first task at once; c interrupts: on-stop, then the
   * parent chooses again without a wait: the set is entered anew */
  ck_assert_str_eq(trace, "| set_start a | b | b | c set_stop set_start a | b");
  ck_assert_int_eq(u->depth, 2);
  trace[0] = '\0';
  ck_assert(crowd_user_stop(u, false));
  ck_assert_str_eq(trace, "set_stop user_stop"); /* innermost first */
  crowd_user_free(u);
  crowd_user_class_free(&cls);
}
END_TEST

static const crowd_task_desc wait_tasks[] = {
  { .name = "r", .weight = 1, .fn = task_r },
  { .name = "d", .weight = 1, .fn = task_d },
};
static const crowd_taskset_desc waitset = {
  .name = "w", .sequential = 1, .tasks = wait_tasks, .ntasks = 2,
};
static const crowd_task_desc wait_root[] = { { .name = "w", .weight = 1, .set = &waitset } };
static const crowd_user_desc wait_user = { .name = "W", .weight = 1, .tasks = wait_root, .ntasks = 1 };

START_TEST(test_reschedule)
{
  crowd_user_class cls;
  trace[0] = '\0';
  ck_assert_int_eq(crowd_user_class_init(&cls, &wait_user), 0);
  crowd_user *u = crowd_user_new(NULL, &cls, NULL);
  tick(u);
  tick(u);
  /* reschedule-now: no wait; interrupt :reschedule false: the parent waits */
  ck_assert_str_eq(trace, "| r d | r d");
  ck_assert_int_eq(u->depth, 1);
  crowd_user_free(u);
  crowd_user_class_free(&cls);
}
END_TEST

START_TEST(test_tags)
{
  crowd_user_class cls;
  crowd_tag_filter f = { .tags = (const char *const[]){ "x" }, .ntags = 1 };
  trace[0] = '\0';
  ck_assert_int_eq(crowd_user_class_init_tags(&cls, &user_desc, &f), 0);
  ck_assert_int_eq(cls.root.child[0].total, 3); /* b b c */
  crowd_user *u = crowd_user_new(NULL, &cls, NULL);
  for (int i = 0; i < 3; i++)
    tick(u);
  ck_assert_str_eq(trace, "| set_start b | b | c set_stop set_start b");
  crowd_user_free(u);
  crowd_user_class_free(&cls);

  /* -E y removes c; -T x -E x removes everything: the set disappears */
  crowd_tag_filter e = { .exclude = (const char *const[]){ "y" }, .nexclude = 1 };
  ck_assert_int_eq(crowd_user_class_init_tags(&cls, &user_desc, &e), 0);
  ck_assert_int_eq(cls.root.child[0].total, 3); /* a b b */
  crowd_user_class_free(&cls);
  crowd_tag_filter none = { .tags = (const char *const[]){ "x" }, .ntags = 1,
                            .exclude = (const char *const[]){ "x" }, .nexclude = 1 };
  ck_assert_int_eq(crowd_user_class_init_tags(&cls, &user_desc, &none), 0);
  ck_assert_int_eq(cls.root.child[0].total, 0);
  ck_assert_int_eq(cls.total, 0);
  crowd_user_class_free(&cls);

  ck_assert(crowd_tags_pass(NULL, NULL, 0));
  ck_assert(!crowd_tags_pass(&f, NULL, 0));
  ck_assert(crowd_tags_pass(&e, NULL, 0));
  ck_assert(crowd_tags_pass(&e, tag_x, 1));
  ck_assert(!crowd_tags_pass(&e, tag_y, 2));
}
END_TEST

static Suite *dispatch_suite(void)
{
  Suite *s = suite_create("dispatch");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_kl_weights);
  tcase_add_test(tc, test_kl_name_order);
  tcase_add_test(tc, test_fixed_first);
  tcase_add_test(tc, test_ramp_down_lifo);
  tcase_add_test(tc, test_sequence_interrupt_stop);
  tcase_add_test(tc, test_reschedule);
  tcase_add_test(tc, test_tags);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(dispatch_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
