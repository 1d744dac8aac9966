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
    char *key;
    uint32_t key_len;
    bool key_inline; /* key points into the item itself (entries' short keys) */
};

/* Laid out for crowd_stats_record with many entries, where each sample's
 * cost is its cache misses: what every sample touches lies in the first
 * cache lines (entries are allocated 64-byte aligned) — the identity and
 * the counters (line 0), the key when short (line 1), the second in
 * progress and the histogram's count, min, max and sum (line 2) — then the
 * histogram's buckets (one line per sample); what a sample rarely touches
 * (the finished seconds of the rate window, the names) after them. */
#define ENTRY_KEY_INLINE 64
struct crowd_stats_entry {
    struct keyed k;
    uint64_t num_requests;
    uint64_t num_failures;
    uint64_t total_content_length;
    double first_request; /* 0: none yet */
    double last_request;
    char key_buf[ENTRY_KEY_INLINE]; /* k.key when it fits */
    struct second cur; /* the latest second counted; ring holds the earlier ones */
    crowd_hist hist; /* exact count, min, max and sum of response times */
    struct second ring[RING_SIZE];
    const char *method; /* point into k.key */
    const char *name;
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

/* A multiply-xorshift hash eight bytes at a time, folded part by part
 * (each part with its NUL): the lookup on every request hashes method and
 * name where they lie, and key_make/probe_make fold the same bytes to the
 * same value.  (Byte-wise FNV-1a cost a multiplication per byte: a fifth
 * of a sample's time.) */
#define HASH_SEED UINT64_C(0xcbf29ce484222325)
#define HASH_MUL UINT64_C(0x9e3779b97f4a7c15)

static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
    return (h ^ w) * HASH_MUL;
}

/* A multiplication carries a bit only upwards: mix the high bits down at
 * the end of each part, since the table indexes by the low bits. */
static inline uint64_t hash_fold(uint64_t h)
{
    h ^= h >> 32;
    h *= UINT64_C(0xd6e8feb86659fd93);
    return h ^ (h >> 32);
}

static inline uint64_t hash_load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The last n bytes, 0 < n < 8, in one word (reads that overlap). */
static inline uint64_t hash_tail(const char *p, size_t n)
{
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        return (uint64_t)a << 32 | b;
    }
    return (uint64_t)(unsigned char)p[0] << 16 | (uint64_t)(unsigned char)p[n / 2] << 8 |
           (unsigned char)p[n - 1];
}

static inline uint64_t hash_add(uint64_t h, const char *p, size_t n)
{
    const char *end = p + n;
    h ^= n;
    if (n > 8) {
        for (; end - p > 8; p += 8)
            h = hash_word(h, hash_load8(p));
        h = hash_word(h, hash_load8(end - 8)); /* overlaps the last word */
    } else if (n == 8) {
        h = hash_word(h, hash_load8(p));
    } else if (n > 0) {
        h = hash_word(h, hash_tail(p, n));
    }
    return hash_fold(h);
}

/* Fills k with the joined strings; parts[i] point into k->key afterwards.
 * Returns false when out of memory. */
static bool key_make(struct keyed *k, const char **parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *buf = len <= UINT32_MAX ? malloc(len) : NULL;
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
    k->key_inline = false;
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
    char *buf = len <= sizeof pr->small ? pr->small : len <= UINT32_MAX ? malloc(len) : NULL;
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
        if (!t->items[i]->key_inline)
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

/* The entries' histogram bucket increments, applied in batches: with many
 * entries each sample's bucket is a cache miss, and a batch of independent
 * increments lets the misses overlap instead of stalling every sample in
 * turn.  Everything that reads or drops a histogram flushes first
 * (crowd_stats_entry_hist, entry_reset, crowd_stats_free).  One batch for
 * the process: the stats are used by the event loop only. */
#define PENDING_MAX 64
static uint64_t *pending[PENDING_MAX];
static size_t npending;

static void pending_flush(void)
{
    for (size_t i = 0; i < npending; i++)
        __builtin_prefetch(pending[i], 1);
    for (size_t i = 0; i < npending; i++)
        (*pending[i])++;
    npending = 0;
}

static inline void hist_record_batched(crowd_hist *h, uint64_t value_us)
{
    pending[npending++] = crowd_hist_record_deferred(h, value_us);
    if (npending == PENDING_MAX)
        pending_flush();
}

static void entry_reset(crowd_stats_entry *e)
{
    e->num_requests = 0;
    e->num_failures = 0;
    e->total_content_length = 0;
    e->first_request = 0;
    e->last_request = 0;
    for (size_t i = 0; i < RING_SIZE; i++)
        e->ring[i] = (struct second){ .sec = -1 };
    e->cur = (struct second){ .sec = -1 };
    pending_flush(); /* nothing pending may land in the emptied histogram */
    crowd_hist_reset(&e->hist);
    crowd_measure_reset(e->measure);
}

static int64_t second_of(const crowd_stats *st, double t)
{
    return (int64_t)floor(t - st->start_time);
}

/* Count requests and failures in second sec: the second in progress is
 * e->cur (in the sample's cache lines); a newer second moves it into the
 * ring; a late record for an earlier second goes to the ring directly. */
static inline void count_second(crowd_stats_entry *e, int64_t sec, uint64_t requests,
                                uint64_t failures)
{
    struct second *slot = &e->cur;
    if (sec != e->cur.sec) {
        if (sec > e->cur.sec) {
            if (e->cur.sec >= 0)
                e->ring[e->cur.sec % RING_SIZE] = e->cur;
            e->cur = (struct second){ .sec = sec };
        } else {
            slot = &e->ring[sec % RING_SIZE];
            if (slot->sec > sec)
                return; /* a second the ring has moved past */
            if (slot->sec != sec)
                *slot = (struct second){ .sec = sec };
        }
    }
    slot->requests += requests;
    slot->failures += failures;
}

/* The counts of second s, or NULL. */
static const struct second *second_at(const crowd_stats_entry *e, int64_t s)
{
    if (e->cur.sec == s)
        return &e->cur;
    const struct second *slot = &e->ring[s % RING_SIZE];
    return slot->sec == s ? slot : NULL;
}

/* sec: second_of(st, now), computed once per sample. */
static inline void entry_record(crowd_stats_entry *e, uint64_t response_us, uint64_t content_length,
                         bool failed, double now, int64_t sec)
{
    e->num_requests++;
    e->num_failures += failed;
    e->total_content_length += content_length;
    if (e->first_request == 0)
        e->first_request = now;
    if (now > e->last_request)
        e->last_request = now;
    hist_record_batched(&e->hist, response_us);

    if (sec < 0)
        return; /* before the start (clock stepped back): no rate slot */
    count_second(e, sec, 1, failed);
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
        /* the key's and the second's lines, while line 0 loads */
        __builtin_prefetch((const char *)it + 64);
        __builtin_prefetch((const char *)it + 128, 1);
        if (it->hash == hash && it->key_len == mlen + nlen + 2 &&
            memcmp(it->key, method, mlen + 1) == 0 &&
            memcmp(it->key + mlen + 1, name, nlen + 1) == 0)
            return (crowd_stats_entry *)it;
    }
}

/* key_make, with the key in the entry when it fits (no second cache miss
 * per sample for the key compare). */
static bool entry_key_make(crowd_stats_entry *e, const char **parts)
{
    size_t len = strlen(parts[0]) + strlen(parts[1]) + 2;
    if (len > sizeof e->key_buf)
        return key_make(&e->k, parts, 2);
    char *p = e->key_buf;
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < 2; i++) {
        size_t l = strlen(parts[i]) + 1;
        memcpy(p, parts[i], l);
        h = hash_add(h, p, l);
        parts[i] = p;
        p += l;
    }
    e->k.key = e->key_buf;
    e->k.key_len = len;
    e->k.hash = h;
    e->k.key_inline = true;
    return true;
}

static crowd_stats_entry *entry_get(crowd_stats *st, const char *method, const char *name)
{
    const char *parts[2] = { method, name };
    crowd_stats_entry *found = entry_find(st, method, strlen(method), name, strlen(name));
    if (found)
        return found;

    crowd_stats_entry *e = aligned_alloc(64, (sizeof *e + 63) & ~(size_t)63);
    if (!e)
        return NULL;
    if (!entry_key_make(e, parts)) {
        free(e);
        return NULL;
    }
    if (!table_reserve(&st->entries)) {
        if (!e->k.key_inline)
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
    pending_flush(); /* no increment may land in freed memory */
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
    int64_t sec = second_of(st, now);
    /* The total is fed directly, as Locust's, never summed from entries. */
    entry_record(&st->total, response_us, content_length, failed, now, sec);

    crowd_stats_entry *e = entry_get(st, method, name);
    if (e)
        entry_record(e, response_us, content_length, failed, now, sec);
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
    pending_flush();
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
        const struct second *slot = second_at(e, s);
        if (slot)
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
    count_second(e, sec, d->num_requests, d->num_failures);
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
