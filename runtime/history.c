/* history.c — per-second samples and windowed histograms (see history.h). */
#include "config.h"

#include "history.h"

#include <stdlib.h>
#include <string.h>

/* A histogram's non-empty buckets, in bucket order. */
struct sparse {
    uint32_t n, cap;
    uint16_t *idx;
    uint64_t *cnt;
};

struct series {
    crowd_history_point *pts;
    size_t n, cap;
    uint32_t stride;  /* samples per point since the last merge */
    uint32_t pending; /* samples folded into the last point so far */
};

/* One entry's (or the total's) state. */
struct track {
    struct sparse prev;                           /* histogram at the last sample */
    struct sparse delta[CROWD_HISTORY_WINDOW];    /* per-sample differences, a ring */
    unsigned head;                                /* next delta slot */
    uint64_t prev_requests, prev_failures;
    struct series s;
};

struct crowd_history {
    struct track total;
    struct track *entries;
    size_t nentries, cap;
    double start_time; /* the stats' start at the last sample: a change is a reset */
    double last_sample; /* wall clock of the last sample; 0: none yet */
    crowd_hist scratch;
};

static void sparse_free(struct sparse *sp)
{
    free(sp->idx);
    free(sp->cnt);
    memset(sp, 0, sizeof *sp);
}

static int sparse_push(struct sparse *sp, size_t i, uint64_t c)
{
    if (sp->n == sp->cap) {
        uint32_t cap = sp->cap ? sp->cap * 2 : 32;
        uint16_t *idx = realloc(sp->idx, cap * sizeof *idx);
        if (idx == NULL)
            return -1;
        sp->idx = idx;
        uint64_t *cnt = realloc(sp->cnt, cap * sizeof *cnt);
        if (cnt == NULL)
            return -1;
        sp->cnt = cnt;
        sp->cap = cap;
    }
    sp->idx[sp->n] = (uint16_t)i;
    sp->cnt[sp->n++] = c;
    return 0;
}

static void track_free(struct track *t)
{
    sparse_free(&t->prev);
    for (size_t i = 0; i < CROWD_HISTORY_WINDOW; i++)
        sparse_free(&t->delta[i]);
    free(t->s.pts);
}

/* A reset of the stats: the window starts again (the points stay). */
static void track_restart(struct track *t)
{
    t->prev.n = 0;
    for (size_t i = 0; i < CROWD_HISTORY_WINDOW; i++)
        t->delta[i].n = 0;
    t->prev_requests = t->prev_failures = 0;
}

/* delta <- live - prev, prev <- live.  On out of memory the window only
 * loses detail (a shorter delta). */
static void track_diff(struct track *t, const crowd_hist *live)
{
    struct sparse *d = &t->delta[t->head];
    t->head = (t->head + 1) % CROWD_HISTORY_WINDOW;
    d->n = 0;
    uint32_t j = 0;
    for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++) {
        uint64_t before = 0;
        if (j < t->prev.n && t->prev.idx[j] == i)
            before = t->prev.cnt[j++];
        if (live->counts[i] > before)
            (void)sparse_push(d, i, live->counts[i] - before);
    }
    t->prev.n = 0;
    for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++)
        if (live->counts[i] && sparse_push(&t->prev, i, live->counts[i]) != 0)
            break;
}

/* The window's histogram: the sum of the deltas. */
static const crowd_hist *track_window(const struct track *t, crowd_hist *out)
{
    crowd_hist_init(out);
    for (size_t k = 0; k < CROWD_HISTORY_WINDOW; k++) {
        const struct sparse *d = &t->delta[k];
        for (uint32_t j = 0; j < d->n; j++) {
            out->counts[d->idx[j]] += d->cnt[j];
            out->count += d->cnt[j];
        }
    }
    for (size_t i = 0; i < CROWD_HIST_BUCKETS && out->count; i++) {
        if (out->counts[i]) {
            uint64_t lo, hi;
            crowd_hist_bucket_range(i, &lo, &hi);
            if (lo < out->min)
                out->min = lo;
            out->max = hi;
            out->sum_lo += out->counts[i] * ((lo + hi) / 2); /* approximate */
        }
    }
    return out;
}

/* ---- series with bounded memory ---- */

static void point_merge(crowd_history_point *a, const crowd_history_point *b)
{
    double wa = a->span, wb = b->span;
    a->rps = (a->rps * wa + b->rps * wb) / (wa + wb);
    a->fail_per_sec = (a->fail_per_sec * wa + b->fail_per_sec * wb) / (wa + wb);
    a->p50_ms = a->p50_ms > b->p50_ms ? a->p50_ms : b->p50_ms;
    a->p95_ms = a->p95_ms > b->p95_ms ? a->p95_ms : b->p95_ms;
    a->users = a->users > b->users ? a->users : b->users;
    a->avg_ms = b->avg_ms;
    a->time = b->time;
    a->span += b->span;
    a->requests += b->requests;
    a->failures += b->failures;
}

static void series_add(struct series *s, const crowd_history_point *p)
{
    if (s->n > 0 && s->pending < s->stride) {
        point_merge(&s->pts[s->n - 1], p);
        s->pending++;
        return;
    }
    if (s->n == s->cap) {
        if (s->cap == 0)
            return;
        /* full: merge neighbours, halving the points, doubling the stride */
        size_t k = 0;
        for (size_t i = 0; i + 1 < s->n; i += 2, k++) {
            s->pts[k] = s->pts[i];
            point_merge(&s->pts[k], &s->pts[i + 1]);
        }
        if (s->n % 2)
            s->pts[k++] = s->pts[s->n - 1];
        s->n = k;
        s->stride *= 2;
    }
    s->pts[s->n++] = *p;
    s->pending = 1;
}

static int series_init(struct series *s, size_t cap)
{
    s->pts = malloc(cap * sizeof *s->pts);
    s->cap = s->pts ? cap : 0;
    s->n = 0;
    s->stride = 1;
    s->pending = 0;
    return s->pts ? 0 : -1;
}

/* ---- the public API ---- */

crowd_history *crowd_history_new(void)
{
    crowd_history *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    if (series_init(&h->total.s, CROWD_HISTORY_TOTAL_POINTS) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void crowd_history_free(crowd_history *h)
{
    if (h == NULL)
        return;
    track_free(&h->total);
    for (size_t i = 0; i < h->nentries; i++)
        track_free(&h->entries[i]);
    free(h->entries);
    free(h);
}

static int grow_entries(crowd_history *h, size_t n)
{
    if (n <= h->nentries)
        return 0;
    if (n > h->cap) {
        size_t cap = h->cap ? h->cap : 16;
        while (cap < n)
            cap *= 2;
        struct track *e = realloc(h->entries, cap * sizeof *e);
        if (e == NULL)
            return -1;
        h->entries = e;
        h->cap = cap;
    }
    for (; h->nentries < n; h->nentries++) {
        struct track *t = &h->entries[h->nentries];
        memset(t, 0, sizeof *t);
        if (series_init(&t->s, CROWD_HISTORY_ENTRY_POINTS) != 0)
            return -1;
    }
    return 0;
}

static double percentile_ms(const crowd_hist *w, double p)
{
    return w->count ? crowd_hist_percentile(w, p) / 1000.0 : -1.0;
}

static void sample_one(crowd_history *h, struct track *t, const crowd_stats *st,
                       const crowd_stats_entry *e, size_t users, double now)
{
    const crowd_hist *live = crowd_stats_entry_hist(e);
    uint64_t req = crowd_stats_entry_num_requests(e), fail = crowd_stats_entry_num_failures(e);
    if (req < t->prev_requests)
        track_restart(t);
    track_diff(t, live);
    const crowd_hist *w = track_window(t, &h->scratch);
    crowd_history_point p = {
        .start = h->last_sample ? h->last_sample : now,
        .time = now,
        .span = 1,
        .users = (uint32_t)users,
        .rps = crowd_stats_entry_current_rps(st, e, now),
        .fail_per_sec = crowd_stats_entry_current_fail_per_sec(st, e, now),
        .p50_ms = percentile_ms(w, 0.5),
        .p95_ms = percentile_ms(w, 0.95),
        .avg_ms = crowd_hist_mean(live) / 1000.0,
        .requests = req - t->prev_requests,
        .failures = fail >= t->prev_failures ? fail - t->prev_failures : fail,
    };
    t->prev_requests = req;
    t->prev_failures = fail;
    series_add(&t->s, &p);
}

void crowd_history_sample(crowd_history *h, const crowd_stats *st, size_t users, double now)
{
    double start = crowd_stats_start_time(st);
    bool reset = h->start_time != 0 && start != h->start_time;
    h->start_time = start;
    size_t n = crowd_stats_entry_count(st);
    if (grow_entries(h, n) != 0 && n > h->nentries)
        n = h->nentries; /* out of memory: the newest entries go unsampled */
    if (reset) {
        track_restart(&h->total);
        for (size_t i = 0; i < h->nentries; i++)
            track_restart(&h->entries[i]);
    }
    sample_one(h, &h->total, st, crowd_stats_total(st), users, now);
    for (size_t i = 0; i < n; i++)
        sample_one(h, &h->entries[i], st, crowd_stats_entry_at(st, i), users, now);
    h->last_sample = now;
}

const crowd_history_point *crowd_history_points(const crowd_history *h, size_t i, size_t *n)
{
    const struct track *t = i == CROWD_HISTORY_TOTAL ? &h->total : i < h->nentries ? &h->entries[i] : NULL;
    *n = t ? t->s.n : 0;
    return t ? t->s.pts : NULL;
}

const crowd_hist *crowd_history_window(crowd_history *h, size_t i)
{
    const struct track *t = i == CROWD_HISTORY_TOTAL ? &h->total : i < h->nentries ? &h->entries[i] : NULL;
    return t ? track_window(t, &h->scratch) : NULL;
}
