/* One worker's iteration: what it schedules at the start, what it produces at the end (see cn_replay.h).
 *
 * A request's known sequence is its prompt plus the tokens generated so far (target = isl + generated);
 * `computed` tokens of it have KV. While computed < target the request prefills (first time, or again after
 * a preemption) in chunks of the remaining budget; the iteration that completes the sequence emits the next
 * token. A request that arrived at a decode worker with its prompt's KV starts at computed = isl − 1: each
 * iteration it decodes one token at context `target`, the decode worker producing the first token too. */
#include "replay_internal.h"

void rp_list_push_back(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i) {
    rp_req *r = &s->req[i];
    r->next = RP_NONE;
    r->prev = *tail;
    if (*tail != RP_NONE) s->req[*tail].next = i; else *head = i;
    *tail = i;
}

void rp_list_push_front(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i) {
    rp_req *r = &s->req[i];
    r->prev = RP_NONE;
    r->next = *head;
    if (*head != RP_NONE) s->req[*head].prev = i; else *tail = i;
    *head = i;
}

void rp_list_remove(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i) {
    rp_req *r = &s->req[i];
    if (r->prev != RP_NONE) s->req[r->prev].next = r->next; else *head = r->next;
    if (r->next != RP_NONE) s->req[r->next].prev = r->prev; else *tail = r->prev;
    r->prev = r->next = RP_NONE;
}

static int is_decode_step(const rp_req *r) {
    return r->isl + r->generated - r->computed == 1 && (r->generated > 0 || r->transferred);
}

/* Recompute: the newest running request gives its blocks back and waits at the head of the queue. */
static void preempt(cn_replay_sim *s, rp_worker *w, int32_t i) {
    rp_req *r = &s->req[i];
    rp_list_remove(s, &w->run_head, &w->run_tail, i);
    w->n_run--;
    rp_kv_release(s, w, r, rp_engine(s, w->pool));
    r->computed = 0;
    r->sched = 0;
    r->preemptions++;
    s->acct[w->pool].preemptions++;
    r->state = RP_WAITING;
    rp_list_push_front(s, &w->wait_head, &w->wait_tail, i);
    w->n_wait++;
    w->wait_tokens += r->isl + r->generated;
}

typedef struct batch {
    int64_t budget, prefill_tokens, n_prefill, active_kv, n_decode;
} batch;

static void add_to_batch(batch *b, rp_req *r, int64_t n) {
    r->sched = (int32_t)n;
    b->budget -= n;
    if (is_decode_step(r)) { b->active_kv += r->isl + r->generated; b->n_decode++; }
    else { b->prefill_tokens += n; b->n_prefill++; }
}

/* Running requests first, in admission order; returns 1 when one was preempted. */
static int schedule_running(cn_replay_sim *s, rp_worker *w, const cn_replay_engine_params *e, batch *b) {
    int preempted = 0;
    for (int32_t i = w->run_head; i != RP_NONE && b->budget > 0;) {
        rp_req *r = &s->req[i];
        int32_t next;
        int64_t need = r->isl + r->generated - r->computed;
        int64_t n = need < b->budget ? need : b->budget;
        int64_t blocks = rp_ceil_div(r->computed + n, e->block_size) - r->held_keyed - r->anon_count;
        int self = 0;
        while (blocks > rp_kv_free_blocks(w)) {
            int32_t victim = w->run_tail;   /* after i: not scheduled in this pass yet */
            preempt(s, w, victim);
            preempted = 1;
            if (victim == i) { self = 1; break; }
        }
        if (self) break;
        next = r->next;
        if (blocks > 0) rp_kv_grow(w, r, blocks);
        add_to_batch(b, r, n);
        i = next;
    }
    return preempted;
}

/* Then the waiting queue in order, while budget, sequence slots and free blocks last. */
static void admit_waiting(cn_replay_sim *s, rp_worker *w, const cn_replay_engine_params *e, batch *b) {
    while (w->wait_head != RP_NONE && b->budget > 0 && w->n_run < e->max_num_seqs) {
        int32_t i = w->wait_head;
        rp_req *r = &s->req[i];
        int64_t target = r->isl + r->generated;
        int64_t nkeyed = rp_req_keys(s, r, e), hits = 0;
        int64_t total = rp_ceil_div(target, e->block_size);
        int64_t cost = rp_kv_admission_cost(s, w, r, nkeyed, total, &hits);
        int64_t cached = hits * e->block_size;
        if (cached > target - 1) cached = (target - 1) / e->block_size * e->block_size;
        int64_t computed = r->transferred && r->generated == 0 ? r->isl - 1 : cached;
        int64_t need = target - computed;
        if (!e->enable_chunked_prefill && need > b->budget) break;
        if (cost > rp_kv_free_blocks(w)) break;
        rp_kv_admit(s, w, r, nkeyed, total);
        rp_list_remove(s, &w->wait_head, &w->wait_tail, i);
        w->n_wait--;
        w->wait_tokens -= target;
        if (!r->admitted_once) {
            r->admitted_once = 1;
            r->first_admit_ms = s->now_ms;
            r->cached_tokens = r->transferred ? 0 : cached;
        }
        r->computed = computed;
        r->state = RP_RUNNING;
        rp_list_push_back(s, &w->run_head, &w->run_tail, i);
        w->n_run++;
        add_to_batch(b, r, need < b->budget ? need : b->budget);
    }
}

void rp_worker_start_iteration(cn_replay_sim *s, rp_worker *w) {
    if (w->busy || (w->state != RP_LIVE && w->state != RP_DRAINING)) return;
    if (w->run_head == RP_NONE && w->wait_head == RP_NONE) return;
    const cn_replay_engine_params *e = rp_engine(s, w->pool);
    batch b = { e->max_num_batched_tokens, 0, 0, 0, 0 };
    if (!schedule_running(s, w, e, &b)) admit_waiting(s, w, e, &b);
    if (b.n_prefill == 0 && b.n_decode == 0) return;
    if (s->p.mode == CN_REPLAY_DISAGG && w->pool == CN_REPLAY_POOL_DECODE) b.n_prefill = 0;  /* as the mocker */
    double ms = rp_iteration_ms(&s->p, e, b.prefill_tokens, b.n_prefill, b.active_kv, b.n_decode);
    w->busy = 1;
    rp_heap_push(s, s->now_ms + ms, RP_EV_ITER_END, (int32_t)(w->pool * s->maxw + w->slot), 0);
}

static void finish_on_worker(cn_replay_sim *s, rp_worker *w, int32_t i) {
    rp_req *r = &s->req[i];
    rp_list_remove(s, &w->run_head, &w->run_tail, i);
    w->n_run--;
    w->load_tokens -= r->isl + r->osl;
    rp_kv_release(s, w, r, rp_engine(s, w->pool));
}

void rp_worker_end_iteration(cn_replay_sim *s, rp_worker *w) {
    w->busy = 0;
    int prefill_only = s->p.mode == CN_REPLAY_DISAGG && w->pool == CN_REPLAY_POOL_PREFILL;
    for (int32_t i = w->run_head; i != RP_NONE;) {
        rp_req *r = &s->req[i];
        int32_t next = r->next;
        if (r->sched > 0) {
            r->computed += r->sched;
            r->sched = 0;
            if (r->computed >= r->isl + r->generated) {
                if (prefill_only) {
                    finish_on_worker(s, w, i);
                    r->prefill_worker = w->slot;
                    rp_request_to_decode(s, r);
                } else {
                    double t = s->now_ms;
                    if (r->generated == 0) r->first_token_ms = t;
                    else rp_gap_add(s, t - r->last_token_ms);
                    r->last_token_ms = t;
                    r->generated++;
                    if (r->generated >= r->osl) {
                        finish_on_worker(s, w, i);
                        r->decode_worker = w->slot;
                        if (s->p.mode == CN_REPLAY_AGG) r->prefill_worker = w->slot;
                        rp_request_done(s, r);
                    }
                }
            }
        }
        i = next;
    }
    rp_worker_maybe_retire(s, w);
}
