/* One worker's iteration: what it schedules at the start, what it produces at the end (see cn_replay.h).
 *
 * A request's known sequence is its prompt plus the tokens generated so far (target = isl + generated);
 * `computed` tokens of it have KV. While computed < target the request prefills (first time, or again after
 * a preemption) in chunks of the remaining budget; the iteration that completes the sequence emits the next
 * token. A request that arrived at a decode worker with its prompt's KV starts at computed = isl − 1: each
 * iteration it decodes one token at context `target`, the decode worker producing the first token too. */
#include <math.h>
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
    rp_kv_release(w, r);
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
        int64_t held = (int64_t)(r->held_keyed + r->anon_count) * e->block_size;   /* tokens with blocks */
        int64_t blocks = r->computed + n <= held ? 0 : rp_ceil_div(r->computed + n - held, e->block_size);
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
/* The first request holding its prompt's KV already (a decode destination, needing no blocks). */
static int32_t first_ready(const cn_replay_sim *s, const rp_worker *w) {
    for (int32_t i = w->wait_head; i != RP_NONE && w->n_ready > 0; i = s->req[i].next)
        if (s->req[i].reserved) return i;
    return RP_NONE;
}

/* Then the waiting queue in order, while budget, sequence slots and free blocks last. While destinations
 * wait to reserve blocks on this worker, only requests that hold theirs already are admitted (as the mocker
 * does: a preempted request starves while prefilled ones keep coming). When the head cannot get its blocks
 * and nothing runs, nothing would ever free them: then too the requests holding theirs go first (where the
 * mocker would wait forever). */
static void admit_waiting(cn_replay_sim *s, rp_worker *w, const cn_replay_engine_params *e, batch *b) {
    int ready_first = w->n_res > 0;
    while (w->wait_head != RP_NONE && b->budget > 0 && w->n_run < e->max_num_seqs) {
        int32_t i = ready_first ? first_ready(s, w) : w->wait_head;
        if (i == RP_NONE) break;
        rp_req *r = &s->req[i];
        int64_t target = r->isl + r->generated;
        int64_t hits = 0, total = rp_ceil_div(target, e->block_size), cost = 0;
        if (!r->reserved) {   /* a reserved request holds its prompt's blocks already */
            rp_req_keys(s, r, w->pool);
            cost = rp_kv_admission_cost(s, w, total, &hits);
        }
        int64_t cached = hits * e->block_size;
        if (cached > target - 1) cached = (target - 1) / e->block_size * e->block_size;
        int64_t computed = r->reserved ? r->isl - 1 : cached;
        int64_t need = target - computed;
        if (!e->enable_chunked_prefill && need > b->budget) break;
        if (cost > rp_kv_free_blocks(w)) {
            if (w->n_run == 0 && w->n_ready > 0 && !ready_first) { ready_first = 1; continue; }
            break;
        }
        if (r->reserved) { r->reserved = 0; w->n_ready--; }
        else rp_kv_admit(s, w, r, total);
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

/* Blocks request r lacks to hold `tokens` tokens (blocks are only ever added while it runs). */
static int64_t blocks_short(const rp_req *r, int64_t tokens, int64_t bs) {
    int64_t d = rp_ceil_div(tokens, bs) - r->held_keyed - r->anon_count;
    return d > 0 ? d : 0;
}

/* Blocks the running requests lack for k more iterations (counting stops above `enough`). */
static int64_t blocks_needed(const cn_replay_sim *s, const rp_worker *w, int64_t bs, int64_t k, int64_t enough) {
    int64_t need = 0;
    for (int32_t i = w->run_head; i != RP_NONE && need <= enough; i = s->req[i].next) {
        const rp_req *r = &s->req[i];
        need += blocks_short(r, r->isl + r->generated + k - 1, bs);
    }
    return need;
}

/* Up to kmax decode iterations of R requests from *now with kv active tokens, each ending before `bound`
 * and not after the run's horizon; adds their gaps and returns how many, *now the last one's end. Times are
 * those of rp_iteration_ms bit for bit: the polynomial's divisions are skipped only where exact (capacity a
 * power of two, speed-up 1), and a microsecond count is converted to milliseconds once per distinct value. */
static int64_t silent_iterations(cn_replay_sim *s, const cn_replay_engine_params *e, int64_t kv, int64_t R,
                                 int64_t kmax, double bound, double *now) {
    int64_t k = 0, same = 0, last_us = -1;   /* `same` iterations of gap `gap` not yet counted */
    /* next < bound and next ≤ horizon, as one comparison */
    double t = *now, gap = 0, ms = 0, stop = nextafter(s->t_stop_ms, INFINITY);
    if (bound < stop) stop = bound;
    double cap = (double)(e->num_gpu_blocks * e->block_size), div = e->speedup_ratio * e->decode_speedup_ratio;
    int fast = s->p.perf == CN_REPLAY_PERF_POLY && cap > 0 && div == 1.0 &&
               (e->num_gpu_blocks * e->block_size & (e->num_gpu_blocks * e->block_size - 1)) == 0;
    double inv_cap = 1.0 / cap, p0 = e->decode_poly[0], p1 = e->decode_poly[1], p2 = e->decode_poly[2];
    while (k < kmax) {
        double raw;
        if (fast) {
            double u = (double)kv * inv_cap;
            if (u > 1) u = 1;
            raw = p0 + p1 * u + p2 * u * u;
            if (!(raw > e->decode_floor_ms)) raw = e->decode_floor_ms;
        } else {
            raw = rp_decode_ms(&s->p, e, kv, R);
        }
        int64_t n = raw < 9e15 ? (int64_t)(raw * 1000.0 + 0.5) : -2;
        if (n != last_us) { ms = n >= 0 ? (double)n / 1000.0 : raw; last_us = n; }
        double next = t + ms;
        if (!(next < stop)) break;
        double g = next - t;
        if (g != gap) {
            if (same) rp_gap_add(s, gap, same * R);
            gap = g;
            same = 0;
        }
        same++;
        t = next;
        kv += R;
        k++;
    }
    if (same) rp_gap_add(s, gap, same * R);
    *now = t;
    return k;
}

/* Fast-forward. When every running request is decoding (each emitted a token at `now`), nothing waits and
 * nothing can reach the worker before some time, the next iterations are alike: each produces one token per
 * request, at the times t_k = t_{k-1} + iteration_ms(active KV + (k−1)·R), and only grows KV blocks. Those
 * iterations, up to the one before a request finishes, before the next possible arrival, within the run's
 * horizon and while free blocks last, are applied here without events; returns their count and sets *t to
 * the last one's end, where the next ordinary iteration starts. Same times, same gaps, same blocks taken from
 * the free queue (in another order among anonymous blocks, which are interchangeable). */
static int64_t fast_forward(cn_replay_sim *s, rp_worker *w, const cn_replay_engine_params *e, double *t) {
    if (w->wait_head != RP_NONE || w->run_head == RP_NONE || w->n_run > e->max_num_batched_tokens) return 0;
    if (s->p.mode == CN_REPLAY_DISAGG && w->pool == CN_REPLAY_POOL_PREFILL) return 0;
    int64_t kmax = INT64_MAX, kv = 0, R = w->n_run, bs = e->block_size;
    for (int32_t i = w->run_head; i != RP_NONE; i = s->req[i].next) {
        const rp_req *r = &s->req[i];
        if (r->generated == 0 || r->computed != r->isl + r->generated - 1 || r->last_token_ms != *t) return 0;
        if (r->osl - r->generated - 1 < kmax) kmax = r->osl - r->generated - 1;  /* the finishing one is real */
        kv += r->isl + r->generated;
    }
    if (kmax < 1) return 0;
    double bound = rp_enqueue_bound(s, w);
    /* blocks: iteration k allocates up to the sequence isl + generated + k − 1 (monotone in k) */
    int64_t free_blocks = rp_kv_free_blocks(w), lo = 0, hi = kmax;
    if (rp_ceil_div(kmax, bs) + 1 <= free_blocks / R ||   /* plenty: no request needs more than that */
        blocks_needed(s, w, bs, kmax, free_blocks) <= free_blocks)
        lo = kmax;
    while (lo < hi) {
        int64_t mid = hi - (hi - lo) / 2;
        if (blocks_needed(s, w, bs, mid, free_blocks) <= free_blocks) lo = mid; else hi = mid - 1;
    }
    double now = *t;
    int64_t k = silent_iterations(s, e, kv, R, lo, bound, &now);
    if (k == 0) return 0;
    int64_t grown = 0;
    for (int32_t i = w->run_head; i != RP_NONE; i = s->req[i].next) {
        rp_req *r = &s->req[i];
        r->generated += k;
        r->computed += k;
        r->last_token_ms = now;
        int64_t grow = blocks_short(r, r->isl + r->generated - 1, bs);   /* anonymous: taken together below */
        r->anon_count += (int32_t)grow;
        grown += grow;
    }
    rp_kv_take(w, grown);
    *t = now;
    return k;
}

void rp_worker_start_iteration(cn_replay_sim *s, rp_worker *w) {
    if (w->busy || (w->state != RP_LIVE && w->state != RP_DRAINING)) return;
    if (w->res_head != RP_NONE) rp_handoff_reserve(s, w);
    if (w->run_head == RP_NONE && w->wait_head == RP_NONE) return;
    const cn_replay_engine_params *e = rp_engine(s, w->pool);
    double start = s->now_ms;
    fast_forward(s, w, e, &start);
    batch b = { e->max_num_batched_tokens, 0, 0, 0, 0 };
    if (!schedule_running(s, w, e, &b)) admit_waiting(s, w, e, &b);
    if (b.n_prefill == 0 && b.n_decode == 0) return;
    if (s->p.mode == CN_REPLAY_DISAGG && w->pool == CN_REPLAY_POOL_DECODE) b.n_prefill = 0;  /* as the mocker */
    double ms = rp_iteration_ms(&s->p, e, b.prefill_tokens, b.n_prefill, b.active_kv, b.n_decode);
    w->busy = 1;
    rp_heap_push(s, start + ms, RP_EV_ITER_END, (int32_t)(w->pool * s->maxw + w->slot), 0);
}

static void finish_on_worker(cn_replay_sim *s, rp_worker *w, int32_t i) {
    rp_req *r = &s->req[i];
    rp_list_remove(s, &w->run_head, &w->run_tail, i);
    w->n_run--;
    w->load_tokens -= r->isl + r->osl;
    rp_kv_release(w, r);
}

void rp_worker_end_iteration(cn_replay_sim *s, rp_worker *w) {
    w->busy = 0;
    int prefill_only = s->p.mode == CN_REPLAY_DISAGG && w->pool == CN_REPLAY_POOL_PREFILL;
    double gap = 0;
    int64_t same = 0;   /* requests with the gap `gap` not yet counted (most share the last iteration's) */
    for (int32_t i = w->run_head; i != RP_NONE;) {
        rp_req *r = &s->req[i];
        int32_t next = r->next;
        if (r->sched > 0) {
            r->computed += r->sched;
            r->sched = 0;
            if (r->computed >= r->isl + r->generated) {
                if (prefill_only) {
                    rp_handoff_hold(s, w, r);
                } else {
                    double t = s->now_ms;
                    if (r->generated == 0) r->first_token_ms = t;
                    else {
                        double g = t - r->last_token_ms;
                        if (g != gap || same == 0) {
                            if (same) rp_gap_add(s, gap, same);
                            gap = g;
                            same = 0;
                        }
                        same++;
                    }
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
    if (same) rp_gap_add(s, gap, same);
    rp_worker_maybe_retire(s, w);
}
