/* Timing models of one iteration and the inter-token gap histogram (see cn_replay.h).
 * The polynomial coefficients are Dynamo 1.6.1's mocker defaults (aisimulate-core's perf model), checked by
 * replaying single requests through the installed wheel: prefill 1000 tokens → 32.105859 ms, a decode step
 * at 1001 tokens of context in a 16384 × 64 cache → 5.791536 ms. */
#include <math.h>
#include <string.h>
#include "replay_internal.h"

void cn_replay_engine_defaults(cn_replay_engine_params *e) {
    memset(e, 0, sizeof *e);
    e->max_num_batched_tokens = 8192;
    e->max_num_seqs = 256;
    e->num_gpu_blocks = 16384;
    e->block_size = 64;
    e->enable_prefix_caching = 1;
    e->enable_chunked_prefill = 1;
    e->prefill_poly[0] = 1.650142e+01;
    e->prefill_poly[1] = 1.518344e-02;
    e->prefill_poly[2] = 4.209989e-07;
    e->decode_poly[0] = 5.74;
    e->decode_poly[1] = 54.01;
    e->decode_poly[2] = -25.74;
    e->decode_floor_ms = 1.0;
    e->speedup_ratio = 1.0;
    e->decode_speedup_ratio = 1.0;
}

void cn_replay_params_defaults(cn_replay_params *p) {
    memset(p, 0, sizeof *p);
    p->mode = CN_REPLAY_AGG;
    p->perf = CN_REPLAY_PERF_POLY;
    p->routing = CN_REPLAY_ROUTE_ROUND_ROBIN;
    cn_replay_engine_defaults(&p->pool[0]);
    cn_replay_engine_defaults(&p->pool[1]);
    p->startup_time_s = 60.0;
    p->trace_block_size = 512;
    p->max_workers_per_pool = 16;
    p->max_inflight_requests = 65536;
    p->max_hash_ids_in_flight = 4 << 20;
}

static int increasing(const double *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) return 0;
        if (i > 0 && !(x[i] > x[i - 1])) return 0;
    }
    return 1;
}

int rp_perf_check(const cn_replay_params *p, const cn_replay_engine_params *e) {
    if (!isfinite(e->decode_floor_ms) || e->decode_floor_ms < 0) return CN_ERR_ARGUMENT;
    if (!(e->speedup_ratio > 0) || !isfinite(e->speedup_ratio) || !(e->decode_speedup_ratio > 0) ||
        !isfinite(e->decode_speedup_ratio))
        return CN_ERR_ARGUMENT;
    if (p->perf == CN_REPLAY_PERF_POLY) {
        for (int i = 0; i < 3; i++)
            if (!isfinite(e->prefill_poly[i]) || !isfinite(e->decode_poly[i])) return CN_ERR_NONFINITE;
        return CN_OK;
    }
    if (p->perf != CN_REPLAY_PERF_TABLE) return CN_ERR_ARGUMENT;
    if (!e->prefill_tokens || !e->prefill_ms || e->n_prefill < 1) return CN_ERR_ARGUMENT;
    if (!e->decode_kv || !e->decode_ctx || !e->decode_ms || e->n_decode_kv < 1 || e->n_decode_ctx < 1)
        return CN_ERR_ARGUMENT;
    if (!increasing(e->prefill_tokens, e->n_prefill) || !increasing(e->decode_kv, e->n_decode_kv) ||
        !increasing(e->decode_ctx, e->n_decode_ctx))
        return CN_ERR_ARGUMENT;
    for (int64_t i = 0; i < e->n_prefill; i++)
        if (!isfinite(e->prefill_ms[i])) return CN_ERR_NONFINITE;
    for (int64_t i = 0; i < e->n_decode_kv * e->n_decode_ctx; i++)
        if (!isfinite(e->decode_ms[i])) return CN_ERR_NONFINITE;
    return CN_OK;
}

/* Linear interpolation in an increasing table, extrapolating with the end segments. */
static double interp1(const double *x, const double *y, int64_t n, double v) {
    if (n == 1) return y[0];
    int64_t lo = 0, hi = n - 1;
    if (v >= x[n - 1]) lo = n - 2;
    else if (v > x[0]) {
        while (hi - lo > 1) {
            int64_t mid = (lo + hi) / 2;
            if (x[mid] <= v) lo = mid; else hi = mid;
        }
    }
    double f = (v - x[lo]) / (x[lo + 1] - x[lo]);
    return y[lo] + f * (y[lo + 1] - y[lo]);
}

/* Position of v on a clamped axis: cell index and fraction in [0, 1]. */
static void axis(const double *x, int64_t n, double v, int64_t *i, double *f) {
    if (n == 1 || v <= x[0]) { *i = 0; *f = 0; return; }
    if (v >= x[n - 1]) { *i = n - 2; *f = 1; return; }
    int64_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        int64_t mid = (lo + hi) / 2;
        if (x[mid] <= v) lo = mid; else hi = mid;
    }
    *i = lo;
    *f = (v - x[lo]) / (x[lo + 1] - x[lo]);
}

static double decode_table(const cn_replay_engine_params *e, double kv, double ctx) {
    int64_t i, j, nc = e->n_decode_ctx;
    double fi, fj;
    axis(e->decode_kv, e->n_decode_kv, kv, &i, &fi);
    axis(e->decode_ctx, nc, ctx, &j, &fj);
    int64_t i1 = e->n_decode_kv > 1 ? i + 1 : i, j1 = nc > 1 ? j + 1 : j;
    const double *z = e->decode_ms;
    double a = z[i * nc + j] * (1 - fj) + z[i * nc + j1] * fj;
    double b = z[i1 * nc + j] * (1 - fj) + z[i1 * nc + j1] * fj;
    return a * (1 - fi) + b * fi;
}

double rp_iteration_ms(const cn_replay_params *p, const cn_replay_engine_params *e, int64_t prefill_tokens,
                       int64_t n_prefill, int64_t active_kv, int64_t n_decode) {
    double ms = 0;
    if (n_prefill > 0 && prefill_tokens > 0) {
        /* The mocker prices a batch as batch × (its mean new tokens, truncated). */
        double t = (double)(n_prefill * (prefill_tokens / n_prefill));
        double v = p->perf == CN_REPLAY_PERF_POLY
                       ? e->prefill_poly[0] + e->prefill_poly[1] * t + e->prefill_poly[2] * t * t
                       : interp1(e->prefill_tokens, e->prefill_ms, e->n_prefill, t);
        ms += (v > 0 ? v : 0) / e->speedup_ratio;
    }
    if (n_decode > 0) {
        double v;
        if (p->perf == CN_REPLAY_PERF_POLY) {
            double cap = (double)(e->num_gpu_blocks * e->block_size);
            double u = cap > 0 ? (double)active_kv / cap : 1.0;
            if (u > 1) u = 1;
            v = e->decode_poly[0] + e->decode_poly[1] * u + e->decode_poly[2] * u * u;
        } else {
            v = decode_table(e, (double)active_kv, (double)active_kv / (double)n_decode);
        }
        ms += (v > e->decode_floor_ms ? v : e->decode_floor_ms) / (e->speedup_ratio * e->decode_speedup_ratio);
    }
    return floor(ms * 1000.0 + 0.5) / 1000.0;  /* the mocker's clock ticks in microseconds */
}

/* ---- inter-token gaps ---- */

static int32_t gap_bucket(double v) {
    if (!(v > 0)) return 0;
    int e;
    double m = frexp(v, &e);            /* v = m 2^e, m in [0.5, 1) */
    int oct = e - 1 - RP_GAP_MIN_EXP;
    if (oct < 0) return 0;
    if (oct >= RP_GAP_OCTAVES) return RP_GAP_BUCKETS - 1;
    int sub = (int)((m * 2.0 - 1.0) * RP_GAP_SUB);
    if (sub >= RP_GAP_SUB) sub = RP_GAP_SUB - 1;
    return 1 + oct * RP_GAP_SUB + sub;
}

/* Midpoint of a bucket, the value reported for every gap in it. */
static double gap_value(int32_t b) {
    if (b <= 0) return 0;
    b -= 1;
    int oct = b / RP_GAP_SUB, sub = b % RP_GAP_SUB;
    return ldexp(1.0 + (sub + 0.5) / RP_GAP_SUB, oct + RP_GAP_MIN_EXP);
}

void rp_gap_add(cn_replay_sim *s, double gap_ms) {
    s->gap_hist[gap_bucket(gap_ms)]++;
    if (s->gap_count == 0 || gap_ms < s->gap_min) s->gap_min = gap_ms;
    if (s->gap_count == 0 || gap_ms > s->gap_max) s->gap_max = gap_ms;
    s->gap_count++;
    s->gap_sum += gap_ms;
}

int cn_replay_gaps_summary(const cn_replay_sim *s, cn_replay_gap_summary *out) {
    if (!s || !out) return CN_ERR_ARGUMENT;
    out->count = s->gap_count;
    out->sum_ms = s->gap_sum;
    out->min_ms = s->gap_count ? s->gap_min : 0;
    out->max_ms = s->gap_count ? s->gap_max : 0;
    return CN_OK;
}

/* The k-th smallest gap (0-based) as its bucket's midpoint, clamped to the exact extremes. */
static double gap_order_stat(const cn_replay_sim *s, int64_t k) {
    int64_t c = 0;
    for (int32_t b = 0; b < RP_GAP_BUCKETS; b++) {
        c += s->gap_hist[b];
        if (c > k) {
            double v = gap_value(b);
            return v < s->gap_min ? s->gap_min : (v > s->gap_max ? s->gap_max : v);
        }
    }
    return s->gap_max;
}

int cn_replay_gaps_quantiles(const cn_replay_sim *s, const double *q, size_t n, double *out_ms) {
    if (!s || (n && (!q || !out_ms))) return CN_ERR_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        if (!(q[i] >= 0 && q[i] <= 1)) return CN_ERR_ARGUMENT;
        if (s->gap_count == 0) { out_ms[i] = 0; continue; }
        double pos = q[i] * (double)(s->gap_count - 1);
        int64_t lo = (int64_t)floor(pos);
        double f = pos - (double)lo, a = gap_order_stat(s, lo);
        out_ms[i] = f > 0 ? a + f * (gap_order_stat(s, lo + 1) - a) : a;
    }
    return CN_OK;
}

void cn_replay_gaps_reset(cn_replay_sim *s) {
    if (!s) return;
    memset(s->gap_hist, 0, sizeof(int64_t) * RP_GAP_BUCKETS);
    s->gap_count = 0;
    s->gap_sum = s->gap_min = s->gap_max = 0;
}
