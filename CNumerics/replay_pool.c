/* Workers and pools of the simulator (see cn_replay.h): routing of new and prefilled requests, scaling with
 * startup delay and draining, the GPU-time integral and the pool statistics. */
#include <math.h>
#include <string.h>
#include "replay_internal.h"

void rp_mark_dirty(cn_replay_sim *s, rp_worker *w) {
    int32_t g = w->pool * s->maxw + w->slot;
    if (!s->is_dirty[g]) { s->is_dirty[g] = 1; s->dirty[s->ndirty++ % (2 * s->maxw)] = g; }
}

static int64_t pool_count(const cn_replay_sim *s, int pool, int state) {
    int64_t n = 0;
    for (int32_t j = 0; j < s->maxw; j++) n += s->w[pool * s->maxw + j].state == state;
    return n;
}

static void acct_update(cn_replay_sim *s, int pool) {
    rp_pool_acct *a = &s->acct[pool];
    int64_t n = s->maxw - pool_count(s, pool, RP_OFF);
    a->worker_ms += (double)n * (s->now_ms - a->since_ms);
    a->since_ms = s->now_ms;
}

static rp_worker *pick_worker(cn_replay_sim *s, int pool) {
    rp_pool_acct *a = &s->acct[pool];
    int64_t live = pool_count(s, pool, RP_LIVE);
    if (live == 0) return NULL;
    rp_worker *best = NULL;
    if (s->p.routing == CN_REPLAY_ROUTE_ROUND_ROBIN) {
        int64_t k = a->rr++ % live;
        for (int32_t j = 0; j < s->maxw; j++) {
            rp_worker *w = &s->w[pool * s->maxw + j];
            if (w->state == RP_LIVE && k-- == 0) return w;
        }
    }
    for (int32_t j = 0; j < s->maxw; j++) {
        rp_worker *w = &s->w[pool * s->maxw + j];
        if (w->state == RP_LIVE && (!best || w->load_tokens < best->load_tokens)) best = w;
    }
    return best;
}

static void enqueue_on(cn_replay_sim *s, rp_worker *w, int32_t i) {
    rp_req *r = &s->req[i];
    r->state = RP_WAITING;
    r->pool = w->pool;
    r->worker = w->slot;
    rp_list_push_back(s, &w->wait_head, &w->wait_tail, i);
    w->n_wait++;
    w->wait_tokens += r->isl + r->generated;
    w->load_tokens += r->isl + r->osl;
    rp_mark_dirty(s, w);
}

void rp_route(cn_replay_sim *s, int pool, int32_t i) {
    rp_worker *w = pick_worker(s, pool);
    if (w && s->p.mode == CN_REPLAY_DISAGG && pool == CN_REPLAY_POOL_DECODE) { rp_handoff_enqueue(s, w, i); return; }
    if (w) { enqueue_on(s, w, i); return; }
    rp_pool_acct *a = &s->acct[pool];
    s->req[i].state = RP_UNROUTED;
    s->req[i].pool = pool;
    rp_list_push_back(s, &a->unrouted_head, &a->unrouted_tail, i);
    a->n_unrouted++;
    a->unrouted_tokens += s->req[i].isl;
}

void rp_route_unrouted(cn_replay_sim *s, int pool) {
    rp_pool_acct *a = &s->acct[pool];
    while (a->unrouted_head != RP_NONE && pool_count(s, pool, RP_LIVE) > 0) {
        int32_t i = a->unrouted_head;
        rp_list_remove(s, &a->unrouted_head, &a->unrouted_tail, i);
        a->n_unrouted--;
        a->unrouted_tokens -= s->req[i].isl;
        rp_route(s, pool, i);
    }
}

void rp_worker_maybe_retire(cn_replay_sim *s, rp_worker *w) {
    if (w->state == RP_DRAINING && !w->busy && w->n_wait == 0 && w->n_run == 0 && w->n_held == 0 &&
        w->n_res == 0 && w->n_inbound == 0) {
        acct_update(s, w->pool);
        w->state = RP_OFF;
    }
}

/* A lower bound of the time at which a request could join worker w's queue: the next arrival; for the
 * decode pool also the next KV transfer or prefill iteration end (a prefill started later, by an arrival,
 * ends after that arrival). Startups do not count: nothing waits unrouted while w is live. */
double rp_enqueue_bound(const cn_replay_sim *s, const rp_worker *w) {
    double b = s->pend_head != RP_NONE ? s->req[s->pend_head].arrival_ms : INFINITY;
    if (w->pool == 0) return b;
    for (int32_t i = 0; i < s->nheap; i++) {
        const rp_event *ev = &s->heap[i];
        if (ev->t >= b) continue;
        if (ev->kind == RP_EV_TRANSFER || (ev->kind == RP_EV_ITER_END && ev->idx < s->maxw)) b = ev->t;
    }
    return b;
}

void rp_request_done(cn_replay_sim *s, rp_req *r) {
    r->state = RP_DONE;
    rp_list_push_back(s, &s->done_head, &s->done_tail, (int32_t)(r - s->req));
}

int cn_replay_set_workers(cn_replay_sim *s, int pool, int64_t target, int initial) {
    if (!s || pool < 0 || pool >= s->npools || target < 0) return CN_ERR_ARGUMENT;
    if (target > s->maxw) return CN_ERR_FULL;
    acct_update(s, pool);
    int64_t cur = pool_count(s, pool, RP_LIVE) + pool_count(s, pool, RP_STARTING);
    rp_worker *ws = &s->w[pool * s->maxw];
    for (int32_t j = s->maxw - 1; j >= 0 && cur < target; j--)   /* revive draining workers */
        if (ws[j].state == RP_DRAINING) { ws[j].state = RP_LIVE; cur++; rp_mark_dirty(s, &ws[j]); }
    for (int32_t j = 0; j < s->maxw && cur < target; j++) {
        rp_worker *w = &ws[j];
        if (w->state != RP_OFF) continue;
        rp_kv_reset(w);
        w->busy = 0;
        w->n_wait = w->n_run = w->wait_tokens = w->load_tokens = 0;
        w->wait_head = w->wait_tail = w->run_head = w->run_tail = w->res_head = w->res_tail = RP_NONE;
        w->n_held = w->n_res = w->n_inbound = w->n_ready = 0;
        if (initial || s->p.startup_time_s == 0) {
            w->state = RP_LIVE;
        } else {
            w->state = RP_STARTING;
            w->ready_ms = s->now_ms + 1000.0 * s->p.startup_time_s;
            rp_heap_push(s, w->ready_ms, RP_EV_STARTUP, pool * s->maxw + j, ++w->gen);
        }
        cur++;
    }
    while (cur > target) {   /* cancel the newest starting worker, else drain the newest live one */
        rp_worker *victim = NULL;
        for (int32_t j = 0; j < s->maxw; j++)
            if (ws[j].state == RP_STARTING && (!victim || ws[j].ready_ms >= victim->ready_ms)) victim = &ws[j];
        if (victim) { victim->state = RP_OFF; victim->gen++; cur--; continue; }
        for (int32_t j = s->maxw - 1; j >= 0; j--)
            if (ws[j].state == RP_LIVE) { victim = &ws[j]; break; }
        victim->state = RP_DRAINING;
        rp_worker_maybe_retire(s, victim);
        cur--;
    }
    rp_route_unrouted(s, pool);
    return CN_OK;
}

int cn_replay_pool_stats_get(const cn_replay_sim *s, int pool, cn_replay_pool_stats *o) {
    if (!s || !o || pool < 0 || pool >= s->npools) return CN_ERR_ARGUMENT;
    memset(o, 0, sizeof *o);
    const rp_pool_acct *a = &s->acct[pool];
    for (int32_t j = 0; j < s->maxw; j++) {
        const rp_worker *w = &s->w[pool * s->maxw + j];
        if (w->state == RP_OFF) continue;
        o->live += w->state == RP_LIVE;
        o->starting += w->state == RP_STARTING;
        o->draining += w->state == RP_DRAINING;
        if (w->state == RP_STARTING) continue;
        o->waiting_requests += w->n_wait + w->n_res;
        o->waiting_prefill_tokens += w->wait_tokens;
        o->running_requests += w->n_run;
        o->kv_blocks_used += w->active_blocks;
        o->kv_blocks_total += w->nblocks;
    }
    o->waiting_requests += a->n_unrouted;
    o->waiting_prefill_tokens += a->unrouted_tokens;
    double n = (double)(o->live + o->starting + o->draining);
    o->gpu_worker_seconds = (a->worker_ms + n * (s->now_ms - a->since_ms)) / 1000.0;
    o->preemptions = a->preemptions;
    return CN_OK;
}
