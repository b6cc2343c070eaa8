/* Internal layout of the request-level simulator (see cn_replay.h). Times inside are milliseconds, as the
 * mocker counts them; the public API speaks seconds. Lists are intrusive (int32 slot indices, -1 = none). */
#ifndef CN_REPLAY_INTERNAL_H
#define CN_REPLAY_INTERNAL_H

#include "cnumerics.h"

#define RP_NONE (-1)
#define RP_GAP_SUB 512          /* histogram sub-buckets per octave: relative error ≤ 1/512 */
#define RP_GAP_MIN_EXP (-20)    /* 2^-20 ms ≈ 1 ns */
#define RP_GAP_OCTAVES 52
#define RP_GAP_BUCKETS (RP_GAP_OCTAVES * RP_GAP_SUB + 1)
#define RP_HASH_CHUNK 64        /* hash ids per arena chunk */

enum { RP_FREE = 0, RP_PENDING, RP_UNROUTED, RP_WAITING, RP_RUNNING, RP_HELD, RP_TRANSFER, RP_DONE };
enum { RP_OFF = 0, RP_STARTING, RP_LIVE, RP_DRAINING };
enum { RP_EV_ITER_END = 0, RP_EV_STARTUP = 1, RP_EV_TRANSFER = 2 };

/* KV cache of one worker, in runs (replay_kv.c). Keyed blocks live in groups: the consecutive positions of
 * a prompt named by the same trace hash ids (up to 64), one record and one index entry per group. */
typedef struct rp_group {
    uint64_t key;               /* the group's name; 0 = unused record */
    uint64_t present;           /* offsets held by a request or cached */
    int32_t parent;             /* the previous group of every holder's prompt; next free record when unused */
    int32_t first, count;       /* positions first .. first + count − 1 of a prompt */
    int32_t holders;            /* requests holding offsets 0 .. x − 1 for some x (all holders hold a prefix) */
    int32_t maxlen;             /* the longest x: offsets below are held, present ones above are cached */
    int32_t pad;
    int32_t lane[];             /* by_len[gmax] (holders with x = index + 1), then node_at[gmax] (the free-queue
                                   run starting at an offset) */
} rp_group;

typedef struct rp_run {         /* a run of the free queue: anonymous blocks, or a group's offsets lo..hi */
    int32_t group;              /* RP_NONE: `n` anonymous blocks */
    int32_t lo, hi, n;          /* a group's run gives its highest offset first */
    int32_t prev, next;
} rp_run;

typedef struct rp_slot {        /* prefix index entry: the key's high half (home slot) and the group */
    uint32_t tag;
    int32_t g;
} rp_slot;

typedef struct rp_req {
    int64_t id, isl, osl;
    int64_t computed;           /* tokens whose KV is computed */
    int64_t generated;          /* output tokens produced */
    int64_t cached_tokens;      /* prefix tokens reused at the first admission */
    int64_t n_hash;
    double arrival_ms, first_admit_ms, first_token_ms, last_token_ms;
    int32_t hash_chunk;         /* first arena chunk, RP_NONE when n_hash = 0 */
    int32_t state, pool, worker;
    int32_t prefill_worker, decode_worker;
    int32_t prev, next;         /* the list the request is in (pending, waiting, running, done) */
    int32_t held_keyed;         /* leading keyed blocks (prompt positions) held */
    int32_t last_group;         /* the group of the last of them; parents lead back to the first */
    uint64_t serial;            /* submission number (names the request's cached block keys) */
    int32_t anon_count;         /* anonymous blocks held (partial prompt block, output) */
    int32_t sched;              /* tokens scheduled in the worker's current iteration */
    int32_t preemptions;
    int32_t transferred;        /* prefilled by a prefill worker (disaggregated) */
    int32_t reserved;           /* holds its prompt's blocks on its decode worker, not admitted yet */
    uint64_t ordinal;           /* order of acceptance by its decode worker (its place in the queue) */
    int32_t admitted_once;
} rp_req;

typedef struct rp_worker {
    int32_t state, pool, slot, busy;
    uint32_t gen;               /* bumps when a pending startup is cancelled */
    int32_t wait_head, wait_tail, run_head, run_tail;
    int64_t n_wait, n_run, wait_tokens, load_tokens;
    /* disaggregated: prefilled requests whose blocks a prefill worker holds (n_held); on a decode worker,
       those waiting to reserve their prompt's blocks (FIFO res_head..res_tail) and those reserved whose KV
       is on its way (n_inbound) or waiting to be admitted (n_ready) */
    int32_t res_head, res_tail;
    int64_t n_held, n_res, n_inbound, n_ready;
    double ready_ms;
    /* KV cache: free queue of runs (least recently freed first), groups, prefix index */
    char *groups;
    rp_run *runs;
    rp_slot *index;
    uint32_t index_mask;
    int32_t gmax, group_stride, free_group, free_run, fq_head, fq_tail, groups_used, runs_used;
    int64_t nblocks, active_blocks;
} rp_worker;

typedef struct rp_event {
    double t;
    uint64_t seq;
    int32_t kind, idx;
    uint32_t gen;
} rp_event;

typedef struct rp_pool_acct {
    double since_ms, worker_ms;  /* gpu worker-time integral */
    int64_t rr;                  /* round-robin counter */
    int64_t preemptions;
    int32_t unrouted_head, unrouted_tail;
    int64_t n_unrouted, unrouted_tokens;
} rp_pool_acct;

struct cn_replay_sim {
    cn_replay_params p;
    int32_t npools, maxw;
    double now_ms;
    uint64_t seq;
    /* request slots */
    rp_req *req;
    int32_t nreq, free_req, inflight;
    int32_t pend_head, pend_tail;
    int32_t done_head, done_tail;
    /* hash id arena */
    uint64_t *hash;
    int32_t *hash_next;
    int32_t nchunks, free_chunk, free_chunks;
    /* workers [pool * maxw + slot] */
    rp_worker *w;
    rp_pool_acct acct[2];
    /* event heap */
    rp_event *heap;
    int32_t nheap, heapcap;
    /* workers to (re)start at the end of the current instant */
    int32_t *dirty;      /* a ring of 2 · maxw: a worker is in it at most once until started, but one */
    uint8_t *is_dirty;   /* started in start_dirty may be marked again and appended behind the others */
    int32_t ndirty;      /* entries appended since the last start_dirty (may exceed 2 · maxw) */
    /* scratch: the groups of one request's keyed prompt blocks (request keys_serial with blocks of keys_bs
       tokens: keys_n groups, keys_blocks blocks), and the records found for them */
    uint64_t *keys;
    int32_t *key_first, *found;
    int64_t nkeys, keys_n, keys_blocks, keys_bs;
    uint64_t serial, keys_serial, ordinal;
    /* inter-token gaps */
    int64_t *gap_hist;
    int64_t gap_count;
    int64_t gap_sum_us;         /* exact (gaps are whole microseconds, the mocker's tick): order-independent */
    double gap_min, gap_max;
    double t_stop_ms;           /* the running call's horizon: nothing is simulated past it */
};

/* perf model and gap histogram (replay_perf.c) */
double rp_iteration_ms(const cn_replay_params *p, const cn_replay_engine_params *e, int64_t prefill_tokens,
                       int64_t n_prefill, int64_t active_kv, int64_t n_decode);
double rp_decode_table_ms(const cn_replay_engine_params *e, int64_t active_kv, int64_t n_decode);

/* The decode part of an iteration's time (ms, before rounding): n_decode requests, active_kv tokens. */
static inline double rp_decode_ms(const cn_replay_params *p, const cn_replay_engine_params *e, int64_t active_kv,
                                  int64_t n_decode) {
    double v;
    if (p->perf == CN_REPLAY_PERF_POLY) {
        double cap = (double)(e->num_gpu_blocks * e->block_size);
        double u = cap > 0 ? (double)active_kv / cap : 1.0;
        if (u > 1) u = 1;
        v = e->decode_poly[0] + e->decode_poly[1] * u + e->decode_poly[2] * u * u;
    } else {
        v = rp_decode_table_ms(e, active_kv, n_decode);
    }
    return (v > e->decode_floor_ms ? v : e->decode_floor_ms) / (e->speedup_ratio * e->decode_speedup_ratio);
}

/* To the microsecond, the mocker's clock tick: floor(ms · 1000 + 1/2) / 1000 (ms ≥ 0). */
static inline double rp_round_us(double ms) {
    return ms < 9e15 ? (double)(int64_t)(ms * 1000.0 + 0.5) / 1000.0 : ms;
}
void rp_gap_add(cn_replay_sim *s, double gap_ms, int64_t count);
int rp_perf_check(const cn_replay_params *p, const cn_replay_engine_params *e);

/* KV cache and prefix reuse (replay_kv.c) */
size_t rp_index_size(int64_t nblocks);
int32_t rp_group_max(int64_t block_size, int64_t trace_block_size);
size_t rp_group_stride(int32_t gmax);
void rp_kv_reset(rp_worker *w);
int64_t rp_kv_free_blocks(const rp_worker *w);
int64_t rp_req_keys(cn_replay_sim *s, const rp_req *r, int pool);
int64_t rp_kv_admission_cost(cn_replay_sim *s, rp_worker *w, int64_t total, int64_t *hit_blocks);
void rp_kv_admit(cn_replay_sim *s, rp_worker *w, rp_req *r, int64_t total);
void rp_kv_grow(rp_worker *w, rp_req *r, int64_t nblocks);
void rp_kv_take(rp_worker *w, int64_t nblocks);   /* anonymous blocks the caller spreads over requests */
void rp_kv_release(rp_worker *w, rp_req *r);

/* scheduler (replay_sched.c) */
void rp_worker_start_iteration(cn_replay_sim *s, rp_worker *w);
void rp_worker_end_iteration(cn_replay_sim *s, rp_worker *w);
void rp_list_push_back(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);
void rp_list_push_front(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);
void rp_list_remove(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);

/* simulator services used by the scheduler (replay_sim.c) */
void rp_heap_push(cn_replay_sim *s, double t, int32_t kind, int32_t idx, uint32_t gen);

/* workers, routing, scaling (replay_pool.c) */
void rp_route(cn_replay_sim *s, int pool, int32_t i);
void rp_route_unrouted(cn_replay_sim *s, int pool);
void rp_request_done(cn_replay_sim *s, rp_req *r);
void rp_worker_maybe_retire(cn_replay_sim *s, rp_worker *w);
double rp_enqueue_bound(const cn_replay_sim *s, const rp_worker *w);
void rp_mark_dirty(cn_replay_sim *s, rp_worker *w);

/* disaggregated handoff (replay_handoff.c) */
void rp_handoff_hold(cn_replay_sim *s, rp_worker *prefill, rp_req *r);
void rp_handoff_enqueue(cn_replay_sim *s, rp_worker *decode, int32_t i);
void rp_handoff_reserve(cn_replay_sim *s, rp_worker *decode);
void rp_handoff_activate(cn_replay_sim *s, rp_req *r);

static inline int64_t rp_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline const cn_replay_engine_params *rp_engine(const cn_replay_sim *s, int pool) {
    return &s->p.pool[pool];
}

#endif
