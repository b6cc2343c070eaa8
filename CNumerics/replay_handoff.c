/* Disaggregated handoff of a prefilled request to a decode worker, as Dynamo 1.6.1's mocker does it (see
 * tools/replay_goldens/MOCKER_docs/behaviour.md §7):
 *
 *   held      the prefill worker's last chunk is done: the request leaves its running set but the worker
 *             keeps the prompt's blocks; the request is routed to a decode worker and waits there, in order;
 *   reserved  at a decode-worker boundary (the end of its current iteration, or at once when it is idle) the
 *             waiting requests reserve their prompt's blocks on the decode worker in order, as long as they
 *             fit (reusing its cached prefix blocks); the prefill worker then releases its copy;
 *   activated the KV transfer (prompt tokens × bytes per token ÷ bandwidth; 0 by default) runs from the
 *             reservation; when it is done the request joins the decode worker's waiting queue at its place in
 *             acceptance order, so the iteration starting at the next boundary admits it and emits its first
 *             token.
 * A decode worker whose KV is full thus holds prefill workers' KV, which holds back their admissions. */
#include <math.h>
#include "replay_internal.h"

/* Prefill done on worker p: keep the blocks, leave the running set, go to a decode worker. */
void rp_handoff_hold(cn_replay_sim *s, rp_worker *p, rp_req *r) {
    int32_t i = (int32_t)(r - s->req);
    rp_list_remove(s, &p->run_head, &p->run_tail, i);
    p->n_run--;
    p->load_tokens -= r->isl + r->osl;
    p->n_held++;
    r->prefill_worker = p->slot;
    r->state = RP_HELD;
    r->transferred = 1;
    r->computed = 0;
    r->generated = 0;
    rp_route(s, CN_REPLAY_POOL_DECODE, i);
}

/* Routed to decode worker d: wait for a boundary of d to reserve. */
void rp_handoff_enqueue(cn_replay_sim *s, rp_worker *d, int32_t i) {
    rp_req *r = &s->req[i];
    r->state = RP_HELD;
    r->pool = d->pool;
    r->worker = d->slot;
    rp_list_push_back(s, &d->res_head, &d->res_tail, i);
    d->n_res++;
    d->load_tokens += r->isl + r->osl;
    rp_mark_dirty(s, d);
}

/* Joins the waiting queue before the first request accepted after it. */
void rp_handoff_activate(cn_replay_sim *s, rp_req *r) {
    rp_worker *d = &s->w[r->pool * s->maxw + r->worker];
    int32_t i = (int32_t)(r - s->req), at = d->wait_head;
    while (at != RP_NONE && s->req[at].ordinal <= r->ordinal) at = s->req[at].next;
    if (at == RP_NONE) rp_list_push_back(s, &d->wait_head, &d->wait_tail, i);
    else if (at == d->wait_head) rp_list_push_front(s, &d->wait_head, &d->wait_tail, i);
    else {
        r->prev = s->req[at].prev;
        r->next = at;
        s->req[r->prev].next = i;
        s->req[at].prev = i;
    }
    r->state = RP_WAITING;
    d->n_inbound--;
    d->n_ready++;
    d->n_wait++;
    d->wait_tokens += r->isl;
    rp_mark_dirty(s, d);
}

/* At a boundary of decode worker d (called before it schedules an iteration). */
void rp_handoff_reserve(cn_replay_sim *s, rp_worker *d) {
    const cn_replay_engine_params *e = rp_engine(s, d->pool);
    while (d->res_head != RP_NONE && d->n_run < e->max_num_seqs) {
        int32_t i = d->res_head;
        rp_req *r = &s->req[i];
        int64_t hits = 0, total = rp_ceil_div(r->isl, e->block_size);
        rp_req_keys(s, r, d->pool);
        if (rp_kv_admission_cost(s, d, total, &hits) > rp_kv_free_blocks(d)) break;
        rp_worker *p = &s->w[CN_REPLAY_POOL_PREFILL * s->maxw + r->prefill_worker];
        rp_kv_release(p, r);
        p->n_held--;
        rp_mark_dirty(s, p);
        rp_worker_maybe_retire(s, p);
        rp_kv_admit(s, d, r, total);
        rp_list_remove(s, &d->res_head, &d->res_tail, i);
        d->n_res--;
        d->n_inbound++;
        r->reserved = 1;
        r->ordinal = ++s->ordinal;
        double ms = s->p.kv_bytes_per_token > 0
                        ? 1000.0 * (double)r->isl * s->p.kv_bytes_per_token / s->p.kv_transfer_bandwidth_bytes_s
                        : 0.0;
        if (ms > 0) {
            r->state = RP_TRANSFER;
            rp_heap_push(s, s->now_ms + ms, RP_EV_TRANSFER, i, 0);
        } else {
            rp_handoff_activate(s, r);
        }
    }
}
