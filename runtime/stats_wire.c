/* stats_wire.c — stats deltas between --processes children and their
 * parent (stats_wire.h). */
#include "config.h"

#include "stats_wire.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "histogram.h"
#include "measure.h"

enum { WIRE_VERSION = 2, FLAG_FINAL = 1, FLAG_RESET = 2, FLAG_CPU_WARNING = 4 };
enum { MEASURE_TIMED = 1, MEASURE_CORRECTED = 2 }; /* what an entry's measure part holds */

/* What was shipped of one entry. */
struct sent_entry {
  uint64_t num_requests, num_failures, total_content_length;
  crowd_hist hist;
  uint64_t timed, sum[CROWD_PHASE_COUNT]; /* the timing breakdown (measure.h) */
  crowd_hist *ttfb, *corrected;           /* allocated once the entry has one; NULL: empty */
};

struct crowd_stats_wire_enc {
  struct sent_entry total;
  struct sent_entry **entries; /* by crowd_stats_entry_at index */
  size_t nentries;
  uint64_t *errors, *exceptions; /* occurrences shipped, by index */
  size_t nerrors, nexceptions;
  uint64_t user_errors;
  uint64_t *check_passes, *check_fails; /* shipped, by check index (checks.h) */
  size_t nchecks, nchecks2;
  uint64_t paced, late; /* the run's schedule counts (measure.h) */
};

/* ---- the buffer ---- */

static int buf_room(crowd_stats_wire_buf *b, size_t n)
{
  if (b->cap - b->len >= n)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n) {
    if (cap > SIZE_MAX / 2)
      return -1;
    cap *= 2;
  }
  unsigned char *p = realloc(b->p, cap);
  if (p == NULL)
    return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

static int put_bytes(crowd_stats_wire_buf *b, const void *p, size_t n)
{
  if (buf_room(b, n) != 0)
    return -1;
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

static int put_u64(crowd_stats_wire_buf *b, uint64_t v)
{
  unsigned char tmp[10];
  size_t n = 0;
  do {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    tmp[n++] = (unsigned char)(c | (v ? 0x80 : 0));
  } while (v);
  return put_bytes(b, tmp, n);
}

static int put_double(crowd_stats_wire_buf *b, double d)
{
  return put_bytes(b, &d, sizeof d);
}

static int put_str(crowd_stats_wire_buf *b, const char *s)
{
  size_t n = s ? strlen(s) : 0;
  return put_u64(b, n) || put_bytes(b, s ? s : "", n) ? -1 : 0;
}

void crowd_stats_wire_buf_free(crowd_stats_wire_buf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ---- encoding ---- */

crowd_stats_wire_enc *crowd_stats_wire_enc_new(void)
{
  crowd_stats_wire_enc *enc = calloc(1, sizeof *enc);
  if (enc)
    crowd_hist_init(&enc->total.hist);
  return enc;
}

static void sent_clear(struct sent_entry *s)
{
  s->num_requests = s->num_failures = s->total_content_length = 0;
  crowd_hist_init(&s->hist);
  s->timed = 0;
  memset(s->sum, 0, sizeof s->sum);
  free(s->ttfb);
  free(s->corrected);
  s->ttfb = s->corrected = NULL;
}

/* memset of n bytes; the arrays are NULL while empty, and memset(NULL, 0,
 * 0) is undefined behaviour all the same. */
static void wire_zero(void *p, size_t n)
{
  if (n > 0)
    memset(p, 0, n);
}

void crowd_stats_wire_enc_reset(crowd_stats_wire_enc *enc)
{
  sent_clear(&enc->total);
  for (size_t i = 0; i < enc->nentries; i++)
    sent_clear(enc->entries[i]);
  wire_zero(enc->errors, enc->nerrors * sizeof *enc->errors);
  wire_zero(enc->exceptions, enc->nexceptions * sizeof *enc->exceptions);
  wire_zero(enc->check_passes, enc->nchecks * sizeof *enc->check_passes);
  wire_zero(enc->check_fails, enc->nchecks2 * sizeof *enc->check_fails);
  enc->paced = enc->late = 0;
}

void crowd_stats_wire_enc_free(crowd_stats_wire_enc *enc)
{
  if (enc == NULL)
    return;
  sent_clear(&enc->total);
  for (size_t i = 0; i < enc->nentries; i++) {
    sent_clear(enc->entries[i]);
    free(enc->entries[i]);
  }
  free(enc->entries);
  free(enc->errors);
  free(enc->exceptions);
  free(enc->check_passes);
  free(enc->check_fails);
  free(enc);
}

static int grow_u64(uint64_t **a, size_t *n, size_t want)
{
  if (want <= *n)
    return 0;
  uint64_t *p = realloc(*a, want * sizeof *p);
  if (p == NULL)
    return -1;
  memset(p + *n, 0, (want - *n) * sizeof *p);
  *a = p;
  *n = want;
  return 0;
}

/* Room in the encoder for every entry, error and exception st has now. */
static int enc_reserve(crowd_stats_wire_enc *enc, const crowd_stats *st)
{
  size_t n = crowd_stats_entry_count(st);
  if (n > enc->nentries) {
    struct sent_entry **p = realloc(enc->entries, n * sizeof *p);
    if (p == NULL)
      return -1;
    enc->entries = p;
    for (; enc->nentries < n; enc->nentries++) {
      struct sent_entry *s = calloc(1, sizeof *s);
      if (s == NULL)
        return -1;
      crowd_hist_init(&s->hist);
      p[enc->nentries] = s;
    }
  }
  if (grow_u64(&enc->errors, &enc->nerrors, crowd_stats_error_count(st)) != 0 ||
      grow_u64(&enc->check_passes, &enc->nchecks, crowd_checks_n()) != 0 ||
      grow_u64(&enc->check_fails, &enc->nchecks2, crowd_checks_n()) != 0)
    return -1;
  return grow_u64(&enc->exceptions, &enc->nexceptions, crowd_stats_exception_count(st));
}

static bool entry_changed(const crowd_stats_entry *e, const struct sent_entry *s)
{
  return crowd_stats_entry_num_requests(e) != s->num_requests;
}

/* What histogram h gained since base: count, min and max as they are
 * (they merge idempotently), the 128-bit sum's and the changed buckets'
 * differences.  h NULL: empty; base NULL: from empty. */
static int put_hist(crowd_stats_wire_buf *b, const crowd_hist *h, const crowd_hist *base)
{
  static crowd_hist empty; /* zero counts: the base of a first shipment */
  if (h == NULL)
    return put_u64(b, 0) || put_u64(b, 0) || put_u64(b, 0) || put_u64(b, 0) || put_u64(b, 0) ||
           put_u64(b, 0) ? -1 : 0;
  if (base == NULL)
    base = &empty;
  uint64_t lo = h->sum_lo - base->sum_lo;
  uint64_t hi = h->sum_hi - base->sum_hi - (h->sum_lo < base->sum_lo);
  size_t nb = 0;
  for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++)
    nb += h->counts[i] != base->counts[i];
  if (put_u64(b, h->count - base->count) || put_u64(b, h->min) || put_u64(b, h->max) || put_u64(b, lo) ||
      put_u64(b, hi) || put_u64(b, nb))
    return -1;
  size_t last = 0;
  for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++) {
    if (h->counts[i] == base->counts[i])
      continue;
    if (put_u64(b, i - last) || put_u64(b, h->counts[i] - base->counts[i]))
      return -1;
    last = i;
  }
  return 0;
}

/* The timing breakdown and the corrected latency gained since s. */
static int put_measure(crowd_stats_wire_buf *b, const crowd_stats_entry *e, const struct sent_entry *s)
{
  uint64_t timed = crowd_measure_timed(e) - s->timed;
  const crowd_hist *c = crowd_measure_corrected_hist(e);
  bool corrected = c && crowd_hist_count(c) != (s->corrected ? s->corrected->count : 0);
  if (put_u64(b, (timed ? MEASURE_TIMED : 0) | (corrected ? MEASURE_CORRECTED : 0)))
    return -1;
  if (timed) {
    if (put_u64(b, timed))
      return -1;
    for (int p = 0; p < CROWD_PHASE_COUNT; p++)
      if (put_u64(b, crowd_measure_phase_sum(e, (crowd_phase)p) - s->sum[p]) ||
          put_u64(b, crowd_measure_phase_max(e, (crowd_phase)p)))
        return -1;
    if (put_hist(b, crowd_measure_ttfb_hist(e), s->ttfb))
      return -1;
  }
  return corrected ? put_hist(b, c, s->corrected) : 0;
}

/* One entry's body: what it gained since s. */
static int put_entry(crowd_stats_wire_buf *b, const crowd_stats_entry *e, const struct sent_entry *s)
{
  if (put_u64(b, crowd_stats_entry_num_requests(e) - s->num_requests) ||
      put_u64(b, crowd_stats_entry_num_failures(e) - s->num_failures) ||
      put_u64(b, crowd_stats_entry_total_content_length(e) - s->total_content_length) ||
      put_double(b, crowd_stats_entry_first_request_time(e)) ||
      put_double(b, crowd_stats_entry_last_request_time(e)) ||
      put_hist(b, crowd_stats_entry_hist(e), &s->hist))
    return -1;
  return put_measure(b, e, s);
}

/* A copy of h in *dst (allocated at the first one); h NULL: nothing.
 * Out of memory: *dst stays as it was (the next frame ships more). */
static void keep_hist(crowd_hist **dst, const crowd_hist *h)
{
  if (h == NULL)
    return;
  if (*dst == NULL && (*dst = malloc(sizeof **dst)) == NULL)
    return;
  memcpy(*dst, h, sizeof **dst);
}

static void mark_sent(struct sent_entry *s, const crowd_stats_entry *e)
{
  s->num_requests = crowd_stats_entry_num_requests(e);
  s->num_failures = crowd_stats_entry_num_failures(e);
  s->total_content_length = crowd_stats_entry_total_content_length(e);
  memcpy(&s->hist, crowd_stats_entry_hist(e), sizeof s->hist);
  s->timed = crowd_measure_timed(e);
  for (int p = 0; p < CROWD_PHASE_COUNT; p++)
    s->sum[p] = crowd_measure_phase_sum(e, (crowd_phase)p);
  keep_hist(&s->ttfb, crowd_measure_ttfb_hist(e));
  keep_hist(&s->corrected, crowd_measure_corrected_hist(e));
}

/* errors (exc false) or exceptions that gained occurrences. */
static int put_errors(crowd_stats_wire_buf *b, const crowd_stats *st, const uint64_t *sent, bool exc)
{
  size_t n = exc ? crowd_stats_exception_count(st) : crowd_stats_error_count(st), k = 0;
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_error *e = exc ? crowd_stats_exception_at(st, i) : crowd_stats_error_at(st, i);
    k += crowd_stats_error_occurrences(e) != sent[i];
  }
  if (put_u64(b, k))
    return -1;
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_error *e = exc ? crowd_stats_exception_at(st, i) : crowd_stats_error_at(st, i);
    if (crowd_stats_error_occurrences(e) == sent[i])
      continue;
    if ((!exc && put_str(b, crowd_stats_error_method(e))) || put_str(b, crowd_stats_error_name(e)) ||
        put_str(b, crowd_stats_error_message(e)) ||
        put_u64(b, crowd_stats_error_occurrences(e) - sent[i]) ||
        put_double(b, crowd_stats_error_first_seen(e)) || put_double(b, crowd_stats_error_last_seen(e)))
      return -1;
  }
  return 0;
}

/* The checks whose counts grew (checks.h): index, passes and failures gained. */
static int put_checks(crowd_stats_wire_buf *b, const crowd_stats_wire_enc *enc)
{
  size_t n = crowd_checks_n(), k = 0;
  for (size_t i = 0; i < n; i++)
    k += crowd_checks_passes(i) != enc->check_passes[i] || crowd_checks_fails(i) != enc->check_fails[i];
  if (put_u64(b, k))
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((crowd_checks_passes(i) != enc->check_passes[i] || crowd_checks_fails(i) != enc->check_fails[i]) &&
        (put_u64(b, i) || put_u64(b, crowd_checks_passes(i) - enc->check_passes[i]) ||
         put_u64(b, crowd_checks_fails(i) - enc->check_fails[i])))
      return -1;
  return 0;
}

/* The frame's header: flags, users, the run's measures, the arrivals. */
static int put_header(crowd_stats_wire_buf *b, const crowd_stats_wire_enc *enc, const crowd_stats *st,
                      const crowd_stats_wire_info *info)
{
  const crowd_measure_run *run = crowd_stats_measure_run_const(st);
  uint64_t flags = (info->final ? FLAG_FINAL : 0) | (info->reset ? FLAG_RESET : 0) |
                   (run->cpu_warning ? FLAG_CPU_WARNING : 0);
  if (put_u64(b, WIRE_VERSION) || put_u64(b, flags) || put_u64(b, info->ramped) || put_u64(b, info->users) ||
      put_u64(b, info->user_errors - enc->user_errors) || put_double(b, info->now) ||
      put_u64(b, run->paced - enc->paced) || put_u64(b, run->late - enc->late) ||
      put_u64(b, run->max_lag_us) || put_double(b, run->cpu_max))
    return -1;
  int na = info->narrivals < CROWD_STATS_WIRE_ARRIVALS ? info->narrivals : CROWD_STATS_WIRE_ARRIVALS;
  if (put_u64(b, (uint64_t)(na > 0 ? na : 0)))
    return -1;
  for (int i = 0; i < na; i++) {
    const crowd_arrival_count *a = &info->arrivals[i];
    if (put_u64(b, (uint64_t)a->cls) || put_u64(b, a->started) || put_u64(b, a->dropped) || put_u64(b, a->pool))
      return -1;
  }
  return 0;
}

static int put_payload(crowd_stats_wire_buf *b, const crowd_stats_wire_enc *enc, const crowd_stats *st,
                       const crowd_stats_wire_info *info)
{
  size_t n = crowd_stats_entry_count(st), k = 0;
  if (put_header(b, enc, st, info) || put_entry(b, crowd_stats_total(st), &enc->total))
    return -1;
  for (size_t i = 0; i < n; i++)
    k += entry_changed(crowd_stats_entry_at(st, i), enc->entries[i]);
  if (put_u64(b, k))
    return -1;
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_entry *e = crowd_stats_entry_at(st, i);
    if (entry_changed(e, enc->entries[i]) &&
        (put_str(b, crowd_stats_entry_method(e)) || put_str(b, crowd_stats_entry_name(e)) ||
         put_entry(b, e, enc->entries[i])))
      return -1;
  }
  return put_errors(b, st, enc->errors, false) || put_errors(b, st, enc->exceptions, true) ||
                 put_checks(b, enc)
             ? -1
             : 0;
}

int crowd_stats_wire_encode(crowd_stats_wire_enc *enc, const crowd_stats *st,
                            const crowd_stats_wire_info *info, crowd_stats_wire_buf *out)
{
  if (enc_reserve(enc, st) != 0)
    return -1;
  size_t start = out->len;
  uint32_t len = 0;
  if (put_bytes(out, &len, sizeof len) != 0 || put_payload(out, enc, st, info) != 0 ||
      out->len - start - sizeof len > UINT32_MAX) {
    out->len = start;
    return -1;
  }
  len = (uint32_t)(out->len - start - sizeof len);
  memcpy(out->p + start, &len, sizeof len);
  /* shipped: remember it */
  mark_sent(&enc->total, crowd_stats_total(st));
  for (size_t i = 0; i < crowd_stats_entry_count(st); i++)
    mark_sent(enc->entries[i], crowd_stats_entry_at(st, i));
  for (size_t i = 0; i < crowd_stats_error_count(st); i++)
    enc->errors[i] = crowd_stats_error_occurrences(crowd_stats_error_at(st, i));
  for (size_t i = 0; i < crowd_stats_exception_count(st); i++)
    enc->exceptions[i] = crowd_stats_error_occurrences(crowd_stats_exception_at(st, i));
  enc->user_errors = info->user_errors;
  enc->paced = crowd_stats_measure_run_const(st)->paced;
  enc->late = crowd_stats_measure_run_const(st)->late;
  for (size_t i = 0; i < crowd_checks_n(); i++) {
    enc->check_passes[i] = crowd_checks_passes(i);
    enc->check_fails[i] = crowd_checks_fails(i);
  }
  return 0;
}

/* ---- decoding ---- */

typedef struct reader {
  const unsigned char *p, *end;
  bool bad;
} reader;

static uint64_t get_u64(reader *r)
{
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) {
      r->bad = true;
      return 0;
    }
    unsigned char c = *r->p++;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return v;
  }
  r->bad = true;
  return 0;
}

static double get_double(reader *r)
{
  double d = 0;
  if ((size_t)(r->end - r->p) < sizeof d) {
    r->bad = true;
    return 0;
  }
  memcpy(&d, r->p, sizeof d);
  r->p += sizeof d;
  return d;
}

/* A NUL-terminated copy of the next string in tmp (malloc'ed), or NULL. */
static char *get_str(reader *r)
{
  uint64_t n = get_u64(r);
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = true;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (s == NULL) {
    r->bad = true;
    return NULL;
  }
  memcpy(s, r->p, (size_t)n);
  s[n] = '\0';
  r->p += n;
  return s;
}

/* A histogram's gain (put_hist) into h. */
static void get_hist(reader *r, crowd_hist *h)
{
  crowd_hist_init(h);
  h->count = get_u64(r);
  h->min = get_u64(r);
  h->max = get_u64(r);
  h->sum_lo = get_u64(r);
  h->sum_hi = get_u64(r);
  uint64_t nb = get_u64(r);
  size_t i = 0;
  for (uint64_t k = 0; k < nb && !r->bad; k++) {
    uint64_t gap = get_u64(r);
    if (gap >= CROWD_HIST_BUCKETS || i + gap >= CROWD_HIST_BUCKETS) {
      r->bad = true;
      break;
    }
    i += (size_t)gap;
    h->counts[i] += get_u64(r);
  }
}

/* Where an entry is decoded: 3 histograms of 13.8 kB, off the stack
 * (single-threaded). */
static struct {
  crowd_hist hist, ttfb, corrected;
  crowd_measure_delta measure;
} dec;

/* An entry's measure part (put_measure) into dec.measure; d->measure
 * points at it when there is something to merge. */
static void get_measure(reader *r, crowd_stats_delta *d)
{
  crowd_measure_delta *m = &dec.measure;
  memset(m, 0, sizeof *m);
  d->measure = NULL;
  uint64_t what = get_u64(r);
  if (what & MEASURE_TIMED) {
    m->timed = get_u64(r);
    for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
      m->sum[p] = get_u64(r);
      m->max[p] = get_u64(r);
    }
    get_hist(r, &dec.ttfb);
    m->ttfb = dec.ttfb.count ? &dec.ttfb : NULL;
  }
  if (what & MEASURE_CORRECTED) {
    get_hist(r, &dec.corrected);
    m->corrected = dec.corrected.count ? &dec.corrected : NULL;
  }
  if (m->timed || m->corrected)
    d->measure = m;
}

/* One entry's body into d (its histograms into dec). */
static void get_entry(reader *r, crowd_stats_delta *d, double at)
{
  d->num_requests = get_u64(r);
  d->num_failures = get_u64(r);
  d->total_content_length = get_u64(r);
  d->first_request = get_double(r);
  d->last_request = get_double(r);
  get_hist(r, &dec.hist);
  d->hist = &dec.hist;
  d->at = at;
  get_measure(r, d);
}

static int apply_errors(reader *r, crowd_stats *st, bool exc)
{
  uint64_t n = get_u64(r);
  int rc = 0;
  for (uint64_t k = 0; k < n && !r->bad && rc == 0; k++) {
    char *method = exc ? NULL : get_str(r);
    char *name = get_str(r), *msg = get_str(r);
    uint64_t occ = get_u64(r);
    double first = get_double(r), last = get_double(r);
    if (!r->bad)
      rc = exc ? crowd_stats_merge_exception(st, msg, name, occ, first, last)
               : crowd_stats_merge_error(st, method, name, msg, occ, first, last);
    free(method);
    free(name);
    free(msg);
  }
  return r->bad ? -1 : rc;
}

size_t crowd_stats_wire_frame_len(const unsigned char *buf, size_t len)
{
  uint32_t n;
  if (len < sizeof n)
    return 0;
  memcpy(&n, buf, sizeof n);
  return sizeof n + (size_t)n;
}

int crowd_stats_wire_apply(crowd_stats *st, const unsigned char *frame, size_t len,
                           crowd_stats_wire_info *info)
{
  size_t flen = crowd_stats_wire_frame_len(frame, len);
  if (flen == 0 || flen > len)
    return -1;
  reader r = { frame + 4, frame + flen, false };
  crowd_stats_delta d;
  if (get_u64(&r) != WIRE_VERSION)
    return -1;
  uint64_t flags = get_u64(&r);
  info->final = (flags & FLAG_FINAL) != 0;
  info->reset = (flags & FLAG_RESET) != 0;
  info->ramped = get_u64(&r);
  info->users = get_u64(&r);
  info->user_errors = get_u64(&r);
  info->now = get_double(&r);
  uint64_t paced = get_u64(&r), late = get_u64(&r), max_lag = get_u64(&r);
  double cpu_max = get_double(&r);
  uint64_t na = get_u64(&r);
  if (na > CROWD_STATS_WIRE_ARRIVALS)
    return -1;
  info->narrivals = (int)na;
  for (uint64_t k = 0; k < na; k++) {
    crowd_arrival_count *a = &info->arrivals[k];
    uint64_t cls = get_u64(&r);
    a->cls = cls < INT32_MAX ? (int)cls : -1;
    a->started = get_u64(&r);
    a->dropped = get_u64(&r);
    a->pool = get_u64(&r);
  }
  if (r.bad)
    return -1;
  if (st == NULL)
    return 0; /* the header only */
  crowd_measure_run_merge(crowd_stats_measure_run(st), paced, late, max_lag, cpu_max,
                          (flags & FLAG_CPU_WARNING) != 0);
  get_entry(&r, &d, info->now);
  if (r.bad || (d.num_requests && crowd_stats_merge_entry(st, NULL, NULL, &d) != 0))
    return -1;
  uint64_t n = get_u64(&r);
  for (uint64_t k = 0; k < n && !r.bad; k++) {
    char *method = get_str(&r), *name = get_str(&r);
    get_entry(&r, &d, info->now);
    int rc = r.bad ? -1 : crowd_stats_merge_entry(st, method, name, &d);
    free(method);
    free(name);
    if (rc != 0)
      return -1;
  }
  if (r.bad || apply_errors(&r, st, false) != 0 || apply_errors(&r, st, true) != 0)
    return -1;
  uint64_t nchecks = get_u64(&r); /* the same executable: the same check indexes */
  for (uint64_t k = 0; k < nchecks && !r.bad; k++) {
    uint64_t i = get_u64(&r), passes = get_u64(&r), fails = get_u64(&r);
    if (!r.bad)
      crowd_checks_add((size_t)i, passes, fails);
  }
  return r.p == r.end ? 0 : -1;
}
