/* The simulator around the workers: workspace layout, arrivals, the event heap and loop, and the outputs
 * (see cn_replay.h); workers, routing and scaling are in replay_pool.c. Events at the same instant are all
 * applied (iteration ends, startups, transfers, then arrivals) before any idle worker starts its next
 * iteration, in worker order, so simultaneous arrivals share an iteration as they do in the mocker. */
#include <math.h>
#include <string.h>
#include "replay_internal.h"

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
#define MAX_WORKERS 4096

static int pools_used(const cn_replay_params *p) { return p->mode == CN_REPLAY_DISAGG ? 2 : 1; }

static size_t chunk_count(const cn_replay_params *p) {
    return (size_t)((p->max_hash_ids_in_flight + RP_HASH_CHUNK - 1) / RP_HASH_CHUNK) +
           (size_t)p->max_inflight_requests;
}

static int check_params(const cn_replay_params *p) {
    if (p->mode != CN_REPLAY_AGG && p->mode != CN_REPLAY_DISAGG) return CN_ERR_ARGUMENT;
    if (p->routing != CN_REPLAY_ROUTE_ROUND_ROBIN && p->routing != CN_REPLAY_ROUTE_LEAST_LOADED)
        return CN_ERR_ARGUMENT;
    for (int k = 0; k < pools_used(p); k++) {
        const cn_replay_engine_params *e = &p->pool[k];
        if (e->max_num_batched_tokens < 1 || e->max_num_batched_tokens > INT32_MAX) return CN_ERR_ARGUMENT;
        if (e->max_num_seqs < 1 || e->num_gpu_blocks < 1 || e->num_gpu_blocks > (1 << 28)) return CN_ERR_ARGUMENT;
        if (e->block_size < 1 || e->block_size > (1 << 20)) return CN_ERR_ARGUMENT;
        int st = rp_perf_check(p, e);
        if (st) return st;
    }
    if (!(p->startup_time_s >= 0) || !isfinite(p->startup_time_s)) return CN_ERR_ARGUMENT;
    if (!(p->kv_bytes_per_token >= 0) || !isfinite(p->kv_bytes_per_token)) return CN_ERR_ARGUMENT;
    if (p->kv_bytes_per_token > 0 && !(p->kv_transfer_bandwidth_bytes_s > 0)) return CN_ERR_ARGUMENT;
    if (p->trace_block_size < 1 || p->trace_block_size > (1 << 24)) return CN_ERR_ARGUMENT;
    if (p->max_workers_per_pool < 1 || p->max_workers_per_pool > MAX_WORKERS) return CN_ERR_ARGUMENT;
    if (p->max_inflight_requests < 1 || p->max_inflight_requests > (1 << 26)) return CN_ERR_ARGUMENT;
    if (p->max_hash_ids_in_flight < 0 || p->max_hash_ids_in_flight > ((int64_t)1 << 34)) return CN_ERR_ARGUMENT;
    if (chunk_count(p) > INT32_MAX) return CN_ERR_ARGUMENT;
    return CN_OK;
}

/* Lays the workspace out (base NULL: only measures). Returns the bytes needed. */
static size_t layout(const cn_replay_params *p, char *base, cn_replay_sim **out) {
    size_t off = 0, maxw = (size_t)p->max_workers_per_pool, nreq = (size_t)p->max_inflight_requests;
    size_t nch = chunk_count(p), npool = (size_t)pools_used(p);
    cn_replay_sim *s = (cn_replay_sim *)base;
    off = ALIGN8(sizeof(cn_replay_sim));
#define TAKE(field, type, count)                                       \
    do {                                                               \
        if (base) s->field = (type *)(base + off);                     \
        off = ALIGN8(off + sizeof(type) * (size_t)(count));            \
    } while (0)
    TAKE(req, rp_req, nreq);
    TAKE(hash, uint64_t, nch * RP_HASH_CHUNK);
    TAKE(hash_next, int32_t, nch);
    TAKE(w, rp_worker, 2 * maxw);
    TAKE(heap, rp_event, 4 * maxw + nreq + 16);
    TAKE(dirty, int32_t, 2 * maxw);
    TAKE(is_dirty, uint8_t, 2 * maxw);
    TAKE(gap_hist, int64_t, RP_GAP_BUCKETS);
    int64_t maxblocks = 0;
    for (size_t k = 0; k < npool; k++)
        if (p->pool[k].num_gpu_blocks > maxblocks) maxblocks = p->pool[k].num_gpu_blocks;
    TAKE(keys, uint64_t, maxblocks);
    TAKE(key_first, int32_t, maxblocks);
    TAKE(found, int32_t, maxblocks);
    for (size_t k = 0; k < npool; k++) {
        size_t nb = (size_t)p->pool[k].num_gpu_blocks, ni = rp_index_size((int64_t)nb);
        int32_t gmax = rp_group_max(p->pool[k].block_size, p->trace_block_size);
        size_t stride = rp_group_stride(gmax);
        for (size_t j = 0; j < maxw; j++) {
            rp_worker *w = base ? &s->w[k * maxw + j] : NULL;
            if (w) {
                w->nblocks = (int64_t)nb;
                w->gmax = gmax;
                w->group_stride = (int32_t)stride;
                w->groups = base + off;
            }
            off = ALIGN8(off + stride * nb);
            if (w) w->runs = (rp_run *)(base + off);
            off = ALIGN8(off + sizeof(rp_run) * (nb + 1));
            if (w) { w->index = (rp_slot *)(base + off); w->index_mask = (uint32_t)(ni - 1); }
            off = ALIGN8(off + sizeof(rp_slot) * ni);
        }
    }
#undef TAKE
    if (out) *out = s;
    return off;
}

int cn_replay_workspace_bytes(const cn_replay_params *p, size_t *bytes) {
    if (!p || !bytes) return CN_ERR_ARGUMENT;
    *bytes = 0;
    int st = check_params(p);
    if (st) return st;
    /* Every size is bounded by check_params, so the sum stays far below SIZE_MAX on 64-bit hosts. */
    *bytes = layout(p, NULL, NULL);
    return CN_OK;
}

int cn_replay_init(cn_replay_sim **out, const cn_replay_params *p, void *ws, size_t bytes) {
    if (!out || !p || !ws || ((uintptr_t)ws & 7u)) return CN_ERR_ARGUMENT;
    int st = check_params(p);
    if (st) return st;
    if (bytes < layout(p, NULL, NULL)) return CN_ERR_WORKSPACE;
    memset(ws, 0, sizeof(cn_replay_sim));
    cn_replay_sim *s;
    layout(p, (char *)ws, &s);
    s->p = *p;
    s->npools = pools_used(p);
    s->maxw = (int32_t)p->max_workers_per_pool;
    s->nreq = (int32_t)p->max_inflight_requests;
    for (int32_t i = 0; i < s->nreq; i++) { s->req[i].state = RP_FREE; s->req[i].next = i + 1 < s->nreq ? i + 1 : RP_NONE; }
    s->free_req = 0;
    s->nchunks = (int32_t)chunk_count(p);
    for (int32_t c = 0; c < s->nchunks; c++) s->hash_next[c] = c + 1 < s->nchunks ? c + 1 : RP_NONE;
    s->free_chunk = s->nchunks ? 0 : RP_NONE;
    s->free_chunks = s->nchunks;
    s->pend_head = s->pend_tail = s->done_head = s->done_tail = RP_NONE;
    for (int k = 0; k < 2; k++) s->acct[k].unrouted_head = s->acct[k].unrouted_tail = RP_NONE;
    for (int32_t g = 0; g < 2 * s->maxw; g++) {
        rp_worker *w = &s->w[g];
        w->pool = g / s->maxw;
        w->slot = g % s->maxw;
        w->state = RP_OFF;
        w->wait_head = w->wait_tail = w->run_head = w->run_tail = w->res_head = w->res_tail = RP_NONE;
        s->is_dirty[g] = 0;
    }
    s->heapcap = 4 * s->maxw + s->nreq + 16;
    s->nkeys = 0;
    for (int k = 0; k < s->npools; k++)
        if (p->pool[k].num_gpu_blocks > s->nkeys) s->nkeys = p->pool[k].num_gpu_blocks;
    cn_replay_gaps_reset(s);
    *out = s;
    return CN_OK;
}

/* ---- event heap ---- */

/* Same instant: iteration ends (in worker order), then startups, then KV transfers (in the order their
 * prefills ended), as the mocker's phases. Worker order rather than push order keeps ties independent of
 * when an iteration was scheduled (a fast-forwarded one is scheduled early). */
static int ev_less(const rp_event *a, const rp_event *b) {
    if (a->t != b->t) return a->t < b->t;
    if (a->kind != b->kind) return a->kind < b->kind;
    if (a->kind == RP_EV_ITER_END && a->idx != b->idx) return a->idx < b->idx;
    return a->seq < b->seq;
}

static int stale(const cn_replay_sim *s, const rp_event *ev) {
    return ev->kind == RP_EV_STARTUP && (s->w[ev->idx].state != RP_STARTING || s->w[ev->idx].gen != ev->gen);
}

static void sift_down(cn_replay_sim *s, int32_t i);

/* Startups cancelled by a scale-down stay queued until due; a full heap drops them and is rebuilt. */
static void purge_stale(cn_replay_sim *s) {
    int32_t n = 0;
    for (int32_t i = 0; i < s->nheap; i++)
        if (!stale(s, &s->heap[i])) s->heap[n++] = s->heap[i];
    s->nheap = n;
    for (int32_t i = n / 2 - 1; i >= 0; i--) sift_down(s, i);
}

void rp_heap_push(cn_replay_sim *s, double t, int32_t kind, int32_t idx, uint32_t gen) {
    if (s->nheap == s->heapcap) purge_stale(s);
    int32_t i = s->nheap++;
    rp_event ev = { t, s->seq++, kind, idx, gen };
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (!ev_less(&ev, &s->heap[parent])) break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = ev;
}

static void sift_down(cn_replay_sim *s, int32_t i) {
    rp_event x = s->heap[i];
    int32_t n = s->nheap;
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ev_less(&s->heap[c + 1], &s->heap[c])) c++;
        if (!ev_less(&s->heap[c], &x)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    s->heap[i] = x;
}

static rp_event heap_pop(cn_replay_sim *s) {
    rp_event top = s->heap[0];
    s->heap[0] = s->heap[--s->nheap];
    if (s->nheap > 0) sift_down(s, 0);
    return top;
}

/* ---- arrivals ---- */

int cn_replay_submit(cn_replay_sim *s, const cn_replay_request *rq, size_t n, size_t *n_accepted) {
    if (!s || (n && !rq) || !n_accepted) return CN_ERR_ARGUMENT;
    *n_accepted = 0;
    for (size_t k = 0; k < n; k++) {
        const cn_replay_request *q = &rq[k];
        double t = q->arrival_s * 1000.0;
        double last = s->pend_tail != RP_NONE ? s->req[s->pend_tail].arrival_ms : s->now_ms;
        if (!isfinite(t) || t < last || t < s->now_ms) return CN_ERR_ARGUMENT;
        if (q->isl < 1 || q->isl > ((int64_t)1 << 40) || q->osl > ((int64_t)1 << 40) || q->n_hash < 0 ||
            (q->n_hash > 0 && !q->hash_ids))
            return CN_ERR_ARGUMENT;
        int64_t osl = q->osl < 1 ? 1 : q->osl;
        for (int pool = 0; pool < s->npools; pool++) {
            const cn_replay_engine_params *e = rp_engine(s, pool);
            int holds_output = s->p.mode == CN_REPLAY_AGG || pool == CN_REPLAY_POOL_DECODE;
            int64_t tokens = q->isl + (holds_output ? osl : 0);
            if (rp_ceil_div(tokens, e->block_size) > e->num_gpu_blocks) return CN_ERR_INFEASIBLE;
            if (!e->enable_chunked_prefill && q->isl > e->max_num_batched_tokens) return CN_ERR_INFEASIBLE;
        }
        int64_t need = (q->n_hash + RP_HASH_CHUNK - 1) / RP_HASH_CHUNK;
        if (s->free_req == RP_NONE || need > s->free_chunks) return CN_ERR_FULL;
        int32_t i = s->free_req;
        rp_req *r = &s->req[i];
        s->free_req = r->next;
        memset(r, 0, sizeof *r);
        r->id = q->id;
        r->isl = q->isl;
        r->osl = osl;
        r->arrival_ms = t;
        r->n_hash = q->n_hash;
        r->hash_chunk = RP_NONE;
        r->last_group = RP_NONE;
        r->serial = ++s->serial;
        r->prefill_worker = r->decode_worker = -1;
        int32_t *link = &r->hash_chunk;
        for (int64_t c = 0; c < need; c++) {
            int32_t ch = s->free_chunk;
            s->free_chunk = s->hash_next[ch];
            s->free_chunks--;
            *link = ch;
            s->hash_next[ch] = RP_NONE;
            link = &s->hash_next[ch];
            int64_t m = q->n_hash - c * RP_HASH_CHUNK;
            if (m > RP_HASH_CHUNK) m = RP_HASH_CHUNK;
            memcpy(&s->hash[(size_t)ch * RP_HASH_CHUNK], q->hash_ids + c * RP_HASH_CHUNK, sizeof(uint64_t) * (size_t)m);
        }
        r->state = RP_PENDING;
        rp_list_push_back(s, &s->pend_head, &s->pend_tail, i);
        s->inflight++;
        *n_accepted = k + 1;
    }
    return CN_OK;
}

/* ---- outputs ---- */

static void release_slot(cn_replay_sim *s, int32_t i) {
    rp_req *r = &s->req[i];
    for (int32_t ch = r->hash_chunk; ch != RP_NONE;) {
        int32_t nx = s->hash_next[ch];
        s->hash_next[ch] = s->free_chunk;
        s->free_chunk = ch;
        s->free_chunks++;
        ch = nx;
    }
    r->state = RP_FREE;
    r->next = s->free_req;
    s->free_req = i;
    s->inflight--;
}

static void flush_done(cn_replay_sim *s, cn_replay_done *out, size_t cap, size_t *n_out) {
    while (s->done_head != RP_NONE && *n_out < cap) {
        int32_t i = s->done_head;
        rp_req *r = &s->req[i];
        rp_list_remove(s, &s->done_head, &s->done_tail, i);
        cn_replay_done *d = &out[(*n_out)++];
        d->id = r->id;
        d->arrival_s = r->arrival_ms / 1000.0;
        d->first_token_s = r->first_token_ms / 1000.0;
        d->finish_s = r->last_token_ms / 1000.0;
        d->isl = r->isl;
        d->osl = r->osl;
        d->cached_tokens = r->cached_tokens;
        d->preemptions = r->preemptions;
        d->queue_s = (r->first_admit_ms - r->arrival_ms) / 1000.0;
        d->mean_itl_ms = r->osl > 1 ? (r->last_token_ms - r->first_token_ms) / (double)(r->osl - 1) : 0.0;
        d->prefill_worker = r->prefill_worker;
        d->decode_worker = r->decode_worker;
        release_slot(s, i);
    }
}

/* ---- the loop ---- */

static void handle(cn_replay_sim *s, const rp_event *ev) {
    if (ev->kind == RP_EV_ITER_END) {
        rp_worker *w = &s->w[ev->idx];
        rp_worker_end_iteration(s, w);
        rp_mark_dirty(s, w);
    } else if (ev->kind == RP_EV_STARTUP) {
        rp_worker *w = &s->w[ev->idx];
        if (w->state != RP_STARTING || w->gen != ev->gen) return;
        w->state = RP_LIVE;
        rp_route_unrouted(s, w->pool);
    } else {
        rp_handoff_activate(s, &s->req[ev->idx]);
    }
}

/* Starts the marked workers in worker order. A started worker can mark others (or itself) again; they are
 * started in the same pass, in the order marked. Never more than 2 · maxw are waiting (each at most once), so
 * the ring of 2 · maxw holds them: the slot an append reuses was read already. */
static void start_dirty(cn_replay_sim *s) {
    const int32_t cap = 2 * s->maxw;
    for (int32_t a = 1; a < s->ndirty; a++) {   /* worker order; the list is short (≤ cap before the pass) */
        int32_t g = s->dirty[a], b = a - 1;
        while (b >= 0 && s->dirty[b] > g) { s->dirty[b + 1] = s->dirty[b]; b--; }
        s->dirty[b + 1] = g;
    }
    for (int32_t a = 0; a < s->ndirty; a++) {
        int32_t g = s->dirty[a % cap];
        s->is_dirty[g] = 0;
        rp_worker_start_iteration(s, &s->w[g]);
    }
    s->ndirty = 0;
}

static int run(cn_replay_sim *s, double t_stop_ms, int until_empty, cn_replay_done *out, size_t cap, size_t *n_out) {
    *n_out = 0;
    s->t_stop_ms = t_stop_ms;
    for (;;) {
        flush_done(s, out, cap, n_out);
        if (s->done_head != RP_NONE) return CN_MORE_OUTPUT;
        if (until_empty && s->inflight == 0) return CN_OK;
        double th = s->nheap ? s->heap[0].t : INFINITY;
        double ta = s->pend_head != RP_NONE ? s->req[s->pend_head].arrival_ms : INFINITY;
        double t = th < ta ? th : ta;
        if (!(t <= t_stop_ms)) break;
        s->now_ms = t;
        for (;;) {
            if (s->nheap && s->heap[0].t <= t) {
                rp_event ev = heap_pop(s);
                handle(s, &ev);
            } else if (s->pend_head != RP_NONE && s->req[s->pend_head].arrival_ms <= t) {
                int32_t i = s->pend_head;
                rp_list_remove(s, &s->pend_head, &s->pend_tail, i);
                rp_route(s, 0, i);
            } else {
                break;
            }
        }
        start_dirty(s);
    }
    if (until_empty) return s->inflight == 0 ? CN_OK : CN_ERR_NO_CONVERGENCE;
    if (isfinite(t_stop_ms) && t_stop_ms > s->now_ms) s->now_ms = t_stop_ms;
    return CN_OK;
}

int cn_replay_run_until(cn_replay_sim *s, double t_stop, cn_replay_done *out, size_t cap, size_t *n_out) {
    if (!s || !n_out || (cap && !out) || isnan(t_stop)) return CN_ERR_ARGUMENT;
    return run(s, t_stop * 1000.0, 0, out, cap, n_out);
}

int cn_replay_finish(cn_replay_sim *s, double t_max, cn_replay_done *out, size_t cap, size_t *n_out) {
    if (!s || !n_out || (cap && !out) || isnan(t_max)) return CN_ERR_ARGUMENT;
    return run(s, t_max * 1000.0, 1, out, cap, n_out);
}

double cn_replay_now(const cn_replay_sim *s) { return s ? s->now_ms / 1000.0 : 0.0; }
