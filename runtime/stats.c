/* stats.c — request statistics keyed by (method, name), errors keyed by
 * (method, name, message), per-second rate rings, the Aggregated total.
 * See stats.h; the console tables live in report_console.c. */
#include "config.h"

#include "stats.h"

#include "histogram.h"
#include "measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Per-second counts, indexed by whole seconds since the start time.  The
 * ring must hold the 10-second window plus the second in progress. */
#define RATE_WINDOW 10
#define RING_SIZE 16

struct second {
    int64_t sec; /* which second this slot counts; -1: unused */
    uint64_t requests;
    uint64_t failures;
};

/* Both entries and errors are found by one composite key: the strings
 * joined with NULs ("GET\0/x" or "GET\0/x\0HTTP 500"), hashed with FNV-1a. */
struct keyed {
    uint64_t hash;
    size_t key_len;
    char *key;
};

struct crowd_stats_entry {
    struct keyed k;
    const char *method; /* point into k.key */
    const char *name;
    uint64_t num_requests;
    uint64_t num_failures;
    uint64_t total_content_length;
    double first_request; /* 0: none yet */
    double last_request;
    struct second ring[RING_SIZE];
    crowd_hist hist; /* exact count, min, max and sum of response times */
    struct crowd_measure *measure; /* measure.c's breakdowns; NULL until needed */
};

struct crowd_stats_error {
    struct keyed k;
    const char *method;
    const char *name;
    const char *message;
    uint64_t occurrences;
    double first_seen;
    double last_seen;
};

/* Items in insertion order, plus an open-addressing index of item
 * positions + 1 (0 = empty slot), kept at most half full. */
struct table {
    struct keyed **items;
    size_t n;
    size_t items_cap;
    size_t *slots;
    size_t slots_cap; /* power of two */
};

struct crowd_stats {
    double start_time;
    double last_request; /* 0: none */
    int name_width;
    bool warned_oom;
    struct table entries;
    struct table errors;
    struct table exceptions; /* crowd_stats_error items: method "", name = traceback */
    crowd_stats_entry total;
    crowd_measure_run run; /* schedule lag and CPU (measure.h) */
};

/* ---- composite keys and the table ---- */

/* FNV-1a, folded part by part (each part with its NUL): the lookup on every
 * request hashes method and name where they lie, and key_make/probe_make
 * fold the same bytes to the same value. */
#define HASH_SEED UINT64_C(0xcbf29ce484222325)

static uint64_t hash_add(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* Fills k with the joined strings; parts[i] point into k->key afterwards.
 * Returns false when out of memory. */
static bool key_make(struct keyed *k, const char **parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *buf = malloc(len);
    if (!buf)
        return false;
    char *p = buf;
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(parts[i]) + 1;
        memcpy(p, parts[i], l);
        h = hash_add(h, p, l);
        parts[i] = p;
        p += l;
    }
    k->key = buf;
    k->key_len = len;
    k->hash = h;
    return true;
}

/* A probe key built on the stack when it fits, to keep lookups malloc-free. */
struct probe {
    struct keyed k;
    char small[256];
};

static bool probe_make(struct probe *pr, const char **parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *buf = len <= sizeof pr->small ? pr->small : malloc(len);
    if (!buf)
        return false;
    char *p = buf;
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(parts[i]) + 1;
        memcpy(p, parts[i], l);
        h = hash_add(h, p, l);
        p += l;
    }
    pr->k.key = buf;
    pr->k.key_len = len;
    pr->k.hash = h;
    return true;
}

static void probe_done(struct probe *pr)
{
    if (pr->k.key != pr->small)
        free(pr->k.key);
}

static struct keyed *table_find(const struct table *t, const struct keyed *k)
{
    if (t->slots_cap == 0)
        return NULL;
    size_t mask = t->slots_cap - 1;
    for (size_t i = (size_t)k->hash & mask;; i = (i + 1) & mask) {
        size_t s = t->slots[i];
        if (s == 0)
            return NULL;
        struct keyed *it = t->items[s - 1];
        if (it->hash == k->hash && it->key_len == k->key_len &&
            memcmp(it->key, k->key, k->key_len) == 0)
            return it;
    }
}

static void table_place(size_t *slots, size_t cap, uint64_t hash, size_t pos1)
{
    size_t mask = cap - 1;
    size_t i = (size_t)hash & mask;
    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = pos1;
}

static bool table_reserve(struct table *t)
{
    if (t->n == t->items_cap) {
        size_t cap = t->items_cap ? t->items_cap * 2 : 16;
        struct keyed **items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return false;
        t->items = items;
        t->items_cap = cap;
    }
    if ((t->n + 1) * 2 > t->slots_cap) {
        size_t cap = t->slots_cap ? t->slots_cap * 2 : 32;
        size_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < t->n; i++)
            table_place(slots, cap, t->items[i]->hash, i + 1);
        free(t->slots);
        t->slots = slots;
        t->slots_cap = cap;
    }
    return true;
}

/* The caller has called table_reserve successfully. */
static void table_add(struct table *t, struct keyed *k)
{
    t->items[t->n++] = k;
    table_place(t->slots, t->slots_cap, k->hash, t->n);
}

static void table_clear(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i]->key);
        free(t->items[i]);
    }
    t->n = 0;
    if (t->slots)
        memset(t->slots, 0, t->slots_cap * sizeof *t->slots);
}

static void table_free(struct table *t)
{
    table_clear(t);
    free(t->items);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- entries ---- */

static void entry_reset(crowd_stats_entry *e)
{
    e->num_requests = 0;
    e->num_failures = 0;
    e->total_content_length = 0;
    e->first_request = 0;
    e->last_request = 0;
    for (size_t i = 0; i < RING_SIZE; i++)
        e->ring[i] = (struct second){ .sec = -1 };
    crowd_hist_reset(&e->hist);
    crowd_measure_reset(e->measure);
}

static int64_t second_of(const crowd_stats *st, double t)
{
    return (int64_t)floor(t - st->start_time);
}

static void entry_record(const crowd_stats *st, crowd_stats_entry *e, uint64_t response_us,
                         uint64_t content_length, bool failed, double now)
{
    e->num_requests++;
    e->num_failures += failed;
    e->total_content_length += content_length;
    if (e->first_request == 0)
        e->first_request = now;
    if (now > e->last_request)
        e->last_request = now;
    crowd_hist_record(&e->hist, response_us);

    int64_t sec = second_of(st, now);
    if (sec < 0)
        return; /* before the start (clock stepped back): no rate slot */
    struct second *slot = &e->ring[sec % RING_SIZE];
    if (slot->sec > sec)
        return; /* a late record for a second the ring has moved past */
    if (slot->sec != sec)
        *slot = (struct second){ .sec = sec };
    slot->requests++;
    slot->failures += failed;
}

static void oom(crowd_stats *st)
{
    if (!st->warned_oom)
        fputs("crowd: out of memory in statistics; some entries are not recorded\n", stderr);
    st->warned_oom = true;
}

/* The entry keyed "method\0name\0", found without building the key: this
 * runs once per request (bench/stats_bench measures it). */
static crowd_stats_entry *entry_find(const crowd_stats *st, const char *method, size_t mlen,
                                     const char *name, size_t nlen)
{
    const struct table *t = &st->entries;
    if (t->slots_cap == 0)
        return NULL;
    uint64_t hash = hash_add(hash_add(HASH_SEED, method, mlen + 1), name, nlen + 1);
    size_t mask = t->slots_cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        size_t s = t->slots[i];
        if (s == 0)
            return NULL;
        struct keyed *it = t->items[s - 1];
        if (it->hash == hash && it->key_len == mlen + nlen + 2 &&
            memcmp(it->key, method, mlen + 1) == 0 &&
            memcmp(it->key + mlen + 1, name, nlen + 1) == 0)
            return (crowd_stats_entry *)it;
    }
}

static crowd_stats_entry *entry_get(crowd_stats *st, const char *method, const char *name)
{
    const char *parts[2] = { method, name };
    crowd_stats_entry *found = entry_find(st, method, strlen(method), name, strlen(name));
    if (found)
        return found;

    crowd_stats_entry *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    if (!key_make(&e->k, parts, 2)) {
        free(e);
        return NULL;
    }
    if (!table_reserve(&st->entries)) {
        free(e->k.key);
        free(e);
        return NULL;
    }
    e->method = parts[0];
    e->name = parts[1];
    e->measure = NULL;
    entry_reset(e);
    table_add(&st->entries, &e->k);
    return e;
}

static void error_record(crowd_stats *st, const char *method, const char *name,
                         const char *message, double now)
{
    const char *parts[3] = { method, name, message };
    struct probe pr;
    if (!probe_make(&pr, parts, 3)) {
        oom(st);
        return;
    }
    crowd_stats_error *err = (crowd_stats_error *)table_find(&st->errors, &pr.k);
    probe_done(&pr);
    if (!err) {
        err = malloc(sizeof *err);
        if (!err || !key_make(&err->k, parts, 3)) {
            free(err);
            oom(st);
            return;
        }
        if (!table_reserve(&st->errors)) {
            free(err->k.key);
            free(err);
            oom(st);
            return;
        }
        err->method = parts[0];
        err->name = parts[1];
        err->message = parts[2];
        err->occurrences = 0;
        err->first_seen = now;
        err->last_seen = now;
        table_add(&st->errors, &err->k);
    }
    err->occurrences++;
    if (now < err->first_seen)
        err->first_seen = now;
    if (now > err->last_seen)
        err->last_seen = now;
}

/* ---- the public API ---- */

crowd_stats *crowd_stats_new(double now)
{
    crowd_stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->start_time = now;
    st->name_width = 80;
    st->total.k.key = NULL;
    st->total.method = "";
    st->total.name = "Aggregated";
    entry_reset(&st->total);
    return st;
}

void crowd_stats_free(crowd_stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->entries.n; i++)
        crowd_measure_free(((crowd_stats_entry *)st->entries.items[i])->measure);
    crowd_measure_free(st->total.measure);
    table_free(&st->entries);
    table_free(&st->errors);
    table_free(&st->exceptions);
    free(st);
}

void crowd_stats_reset(crowd_stats *st, double now)
{
    st->start_time = now;
    st->last_request = 0;
    for (size_t i = 0; i < st->entries.n; i++)
        entry_reset((crowd_stats_entry *)st->entries.items[i]);
    entry_reset(&st->total);
    table_clear(&st->errors);
    table_clear(&st->exceptions);
    crowd_measure_run_reset(&st->run);
}

/* The entry recorded into, or NULL (out of memory: only the total). */
static crowd_stats_entry *stats_record(crowd_stats *st, const char *method, const char *name,
                                       uint64_t response_us, uint64_t content_length,
                                       const char *error, double now)
{
    if (!method)
        method = "";
    if (!name)
        name = "";
    bool failed = error != NULL;
    if (now > st->last_request)
        st->last_request = now;
    /* The total is fed directly, as Locust's, never summed from entries. */
    entry_record(st, &st->total, response_us, content_length, failed, now);

    crowd_stats_entry *e = entry_get(st, method, name);
    if (e)
        entry_record(st, e, response_us, content_length, failed, now);
    else
        oom(st);
    if (failed)
        error_record(st, method, name, error, now);
    return e;
}

void crowd_stats_record(crowd_stats *st, const char *method, const char *name,
                        uint64_t response_us, uint64_t content_length,
                        const char *error, double now)
{
    (void)stats_record(st, method, name, response_us, content_length, error, now);
}

void crowd_stats_record_sample(crowd_stats *st, const char *method, const char *name,
                               const crowd_sample *s, double now)
{
    crowd_stats_entry *e = stats_record(st, method, name, s->response_us, s->content_length,
                                        s->error, now);
    if (!s->timing.valid && !s->has_corrected)
        return;
    crowd_measure_add(&st->total.measure, s);
    if (e)
        crowd_measure_add(&e->measure, s);
}

const struct crowd_measure *crowd_stats_entry_measure(const crowd_stats_entry *e)
{
    return e->measure;
}

crowd_measure_run *crowd_stats_measure_run(crowd_stats *st)
{
    return &st->run;
}

const crowd_measure_run *crowd_stats_measure_run_const(const crowd_stats *st)
{
    return &st->run;
}

uint64_t crowd_stats_num_requests(const crowd_stats *st)
{
    return st->total.num_requests;
}

uint64_t crowd_stats_num_failures(const crowd_stats *st)
{
    return st->total.num_failures;
}

int crowd_stats_term_name_width(int fd)
{
    struct winsize ws;
    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0)
        return 80;
    int w = (int)ws.ws_col - 80;
    return w > 80 ? 80 : w < 0 ? 0 : w;
}

void crowd_stats_set_name_width(crowd_stats *st, int width)
{
    st->name_width = width < 0 ? 0 : width;
}

int crowd_stats_name_width(const crowd_stats *st)
{
    return st->name_width;
}

double crowd_stats_start_time(const crowd_stats *st)
{
    return st->start_time;
}

double crowd_stats_last_request_time(const crowd_stats *st)
{
    return st->last_request;
}

size_t crowd_stats_entry_count(const crowd_stats *st)
{
    return st->entries.n;
}

const crowd_stats_entry *crowd_stats_entry_at(const crowd_stats *st, size_t i)
{
    return i < st->entries.n ? (const crowd_stats_entry *)st->entries.items[i] : NULL;
}

const crowd_stats_entry *crowd_stats_total(const crowd_stats *st)
{
    return &st->total;
}

static int by_name_method(const void *a, const void *b)
{
    const crowd_stats_entry *x = *(const crowd_stats_entry *const *)a;
    const crowd_stats_entry *y = *(const crowd_stats_entry *const *)b;
    int c = strcmp(x->name, y->name); /* UTF-8 byte order = code point order */
    return c ? c : strcmp(x->method, y->method);
}

const crowd_stats_entry **crowd_stats_sorted_entries(const crowd_stats *st, size_t *n)
{
    *n = 0;
    if (st->entries.n == 0)
        return NULL;
    const crowd_stats_entry **v = malloc(st->entries.n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < st->entries.n; i++)
        v[i] = (const crowd_stats_entry *)st->entries.items[i];
    qsort(v, st->entries.n, sizeof *v, by_name_method);
    *n = st->entries.n;
    return v;
}

const char *crowd_stats_entry_method(const crowd_stats_entry *e)
{
    return e->method;
}

const char *crowd_stats_entry_name(const crowd_stats_entry *e)
{
    return e->name;
}

uint64_t crowd_stats_entry_num_requests(const crowd_stats_entry *e)
{
    return e->num_requests;
}

uint64_t crowd_stats_entry_num_failures(const crowd_stats_entry *e)
{
    return e->num_failures;
}

uint64_t crowd_stats_entry_total_content_length(const crowd_stats_entry *e)
{
    return e->total_content_length;
}

double crowd_stats_entry_first_request_time(const crowd_stats_entry *e)
{
    return e->first_request;
}

double crowd_stats_entry_last_request_time(const crowd_stats_entry *e)
{
    return e->last_request;
}

const struct crowd_hist *crowd_stats_entry_hist(const crowd_stats_entry *e)
{
    return &e->hist;
}

double crowd_stats_entry_fail_ratio(const crowd_stats_entry *e)
{
    if (e->num_requests == 0)
        return e->num_failures ? 1.0 : 0.0;
    return (double)e->num_failures / (double)e->num_requests;
}

static double per_run_second(const crowd_stats *st, uint64_t count)
{
    double span = st->last_request - st->start_time;
    if (st->last_request == 0 || span <= 0)
        return 0.0;
    return (double)count / span;
}

double crowd_stats_entry_total_rps(const crowd_stats *st, const crowd_stats_entry *e)
{
    return per_run_second(st, e->num_requests);
}

double crowd_stats_entry_total_fail_per_sec(const crowd_stats *st, const crowd_stats_entry *e)
{
    return per_run_second(st, e->num_failures);
}

/* Mean of the per-second counts over the whole seconds [c-k, c-1], where c
 * is the second in progress at now and k = min(c, 10), at least 1. */
static double window_rate(const crowd_stats *st, const crowd_stats_entry *e, double now,
                          bool failures)
{
    int64_t c = second_of(st, now);
    int64_t k = c < RATE_WINDOW ? c : RATE_WINDOW;
    if (k < 1)
        k = 1;
    uint64_t sum = 0;
    for (int64_t s = c - k; s < c; s++) {
        if (s < 0)
            continue;
        const struct second *slot = &e->ring[s % RING_SIZE];
        if (slot->sec == s)
            sum += failures ? slot->failures : slot->requests;
    }
    return (double)sum / (double)k;
}

double crowd_stats_entry_current_rps(const crowd_stats *st, const crowd_stats_entry *e, double now)
{
    return window_rate(st, e, now, false);
}

double crowd_stats_entry_current_fail_per_sec(const crowd_stats *st, const crowd_stats_entry *e,
                                              double now)
{
    return window_rate(st, e, now, true);
}

size_t crowd_stats_error_count(const crowd_stats *st)
{
    return st->errors.n;
}

const crowd_stats_error *crowd_stats_error_at(const crowd_stats *st, size_t i)
{
    return i < st->errors.n ? (const crowd_stats_error *)st->errors.items[i] : NULL;
}

const char *crowd_stats_error_method(const crowd_stats_error *e)
{
    return e->method;
}

const char *crowd_stats_error_name(const crowd_stats_error *e)
{
    return e->name;
}

const char *crowd_stats_error_message(const crowd_stats_error *e)
{
    return e->message;
}

uint64_t crowd_stats_error_occurrences(const crowd_stats_error *e)
{
    return e->occurrences;
}

double crowd_stats_error_first_seen(const crowd_stats_error *e)
{
    return e->first_seen;
}

double crowd_stats_error_last_seen(const crowd_stats_error *e)
{
    return e->last_seen;
}

/* ---- task errors (Locust's exceptions) ---- */

void crowd_stats_record_exception(crowd_stats *st, const char *message, const char *traceback,
                                  double now)
{
    const char *parts[3] = { "", traceback ? traceback : "", message ? message : "" };
    struct probe pr;
    if (!probe_make(&pr, parts, 3)) {
        oom(st);
        return;
    }
    crowd_stats_error *x = (crowd_stats_error *)table_find(&st->exceptions, &pr.k);
    probe_done(&pr);
    if (!x) {
        x = malloc(sizeof *x);
        if (!x || !key_make(&x->k, parts, 3)) {
            free(x);
            oom(st);
            return;
        }
        if (!table_reserve(&st->exceptions)) {
            free(x->k.key);
            free(x);
            oom(st);
            return;
        }
        x->method = parts[0];
        x->name = parts[1];
        x->message = parts[2];
        x->occurrences = 0;
        x->first_seen = now;
        table_add(&st->exceptions, &x->k);
    }
    x->occurrences++;
    x->last_seen = now;
}

size_t crowd_stats_exception_count(const crowd_stats *st)
{
    return st->exceptions.n;
}

const crowd_stats_error *crowd_stats_exception_at(const crowd_stats *st, size_t i)
{
    return i < st->exceptions.n ? (const crowd_stats_error *)st->exceptions.items[i] : NULL;
}

/* ---- merging another process's stats (--processes, stats_wire.c) ---- */

static void entry_merge(const crowd_stats *st, crowd_stats_entry *e, const crowd_stats_delta *d)
{
    e->num_requests += d->num_requests;
    e->num_failures += d->num_failures;
    e->total_content_length += d->total_content_length;
    if (d->first_request > 0 && (e->first_request == 0 || d->first_request < e->first_request))
        e->first_request = d->first_request;
    if (d->last_request > e->last_request)
        e->last_request = d->last_request;
    if (d->hist)
        crowd_hist_merge(&e->hist, d->hist);
    if (d->measure)
        crowd_measure_merge(&e->measure, d->measure);
    int64_t sec = second_of(st, d->at);
    if (sec < 0)
        return;
    struct second *slot = &e->ring[sec % RING_SIZE];
    if (slot->sec > sec)
        return;
    if (slot->sec != sec)
        *slot = (struct second){ .sec = sec };
    slot->requests += d->num_requests;
    slot->failures += d->num_failures;
}

int crowd_stats_merge_entry(crowd_stats *st, const char *method, const char *name,
                            const crowd_stats_delta *d)
{
    crowd_stats_entry *e = method ? entry_get(st, method, name ? name : "") : &st->total;
    if (!e) {
        oom(st);
        return -1;
    }
    entry_merge(st, e, d);
    if (d->last_request > st->last_request)
        st->last_request = d->last_request;
    return 0;
}

/* The error keyed by parts in t, created (first/last seen at first) if new. */
static crowd_stats_error *error_get(struct table *t, const char **parts, double first)
{
    struct probe pr;
    if (!probe_make(&pr, parts, 3))
        return NULL;
    crowd_stats_error *x = (crowd_stats_error *)table_find(t, &pr.k);
    probe_done(&pr);
    if (x)
        return x;
    x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    if (!key_make(&x->k, parts, 3) || !table_reserve(t)) {
        free(x->k.key);
        free(x);
        return NULL;
    }
    x->method = parts[0];
    x->name = parts[1];
    x->message = parts[2];
    x->occurrences = 0;
    x->first_seen = first;
    x->last_seen = first;
    table_add(t, &x->k);
    return x;
}

static int error_merge(crowd_stats *st, struct table *t, const char **parts, uint64_t occurrences,
                       double first, double last)
{
    crowd_stats_error *x = error_get(t, parts, first);
    if (!x) {
        oom(st);
        return -1;
    }
    x->occurrences += occurrences;
    if (first < x->first_seen)
        x->first_seen = first;
    if (last > x->last_seen)
        x->last_seen = last;
    return 0;
}

int crowd_stats_merge_error(crowd_stats *st, const char *method, const char *name,
                            const char *message, uint64_t occurrences, double first, double last)
{
    const char *parts[3] = { method ? method : "", name ? name : "", message ? message : "" };
    return error_merge(st, &st->errors, parts, occurrences, first, last);
}

int crowd_stats_merge_exception(crowd_stats *st, const char *message, const char *traceback,
                                uint64_t occurrences, double first, double last)
{
    const char *parts[3] = { "", traceback ? traceback : "", message ? message : "" };
    return error_merge(st, &st->exceptions, parts, occurrences, first, last);
}
