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

enum { RP_FREE = 0, RP_PENDING, RP_UNROUTED, RP_WAITING, RP_RUNNING, RP_TRANSFER, RP_DONE };
enum { RP_OFF = 0, RP_STARTING, RP_LIVE, RP_DRAINING };
enum { RP_EV_ITER_END = 0, RP_EV_STARTUP = 1, RP_EV_TRANSFER = 2 };

typedef struct rp_block {
    uint64_t key;               /* chained prefix hash; 0 = none */
    int32_t ref;                /* requests holding it; 0 = in the free queue */
    int32_t prev, next;         /* free queue links; for a held anonymous block, next = request's chain */
} rp_block;

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
    int32_t held_keyed;         /* leading keyed blocks held (found again through the index) */
    int32_t anon_head;          /* anonymous blocks held, newest first */
    int32_t anon_count;
    int32_t sched;              /* tokens scheduled in the worker's current iteration */
    int32_t preemptions;
    int32_t transferred;        /* arrived at a decode worker with its prompt's KV */
    int32_t admitted_once;
} rp_req;

typedef struct rp_worker {
    int32_t state, pool, slot, busy;
    uint32_t gen;               /* bumps when a pending startup is cancelled */
    int32_t wait_head, wait_tail, run_head, run_tail;
    int64_t n_wait, n_run, wait_tokens, load_tokens;
    double ready_ms;
    /* KV cache */
    rp_block *blocks;
    int32_t *index;             /* open addressing, linear probing, block ids */
    uint32_t index_mask;
    int32_t free_head, free_tail;
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
    int32_t *dirty;
    uint8_t *is_dirty;
    int32_t ndirty;
    /* scratch for the block keys of one request */
    uint64_t *keys;
    int64_t nkeys;
    /* inter-token gaps */
    int64_t *gap_hist;
    int64_t gap_count;
    double gap_sum, gap_min, gap_max;
};

/* perf model and gap histogram (replay_perf.c) */
double rp_iteration_ms(const cn_replay_params *p, const cn_replay_engine_params *e, int64_t prefill_tokens,
                       int64_t n_prefill, int64_t active_kv, int64_t n_decode);
void rp_gap_add(cn_replay_sim *s, double gap_ms);
int rp_perf_check(const cn_replay_params *p, const cn_replay_engine_params *e);

/* KV cache and prefix reuse (replay_kv.c) */
size_t rp_index_size(int64_t nblocks);
void rp_kv_reset(rp_worker *w);
int64_t rp_kv_free_blocks(const rp_worker *w);
int64_t rp_req_keys(cn_replay_sim *s, const rp_req *r, const cn_replay_engine_params *e);
int64_t rp_kv_admission_cost(cn_replay_sim *s, rp_worker *w, const rp_req *r, int64_t nkeyed, int64_t total,
                             int64_t *hit_blocks);
void rp_kv_admit(cn_replay_sim *s, rp_worker *w, rp_req *r, int64_t nkeyed, int64_t total);
void rp_kv_grow(rp_worker *w, rp_req *r, int64_t nblocks);
void rp_kv_release(cn_replay_sim *s, rp_worker *w, rp_req *r, const cn_replay_engine_params *e);

/* scheduler (replay_sched.c) */
void rp_worker_start_iteration(cn_replay_sim *s, rp_worker *w);
void rp_worker_end_iteration(cn_replay_sim *s, rp_worker *w);
void rp_list_push_back(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);
void rp_list_push_front(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);
void rp_list_remove(cn_replay_sim *s, int32_t *head, int32_t *tail, int32_t i);

/* simulator services used by the scheduler (replay_sim.c) */
void rp_heap_push(cn_replay_sim *s, double t, int32_t kind, int32_t idx, uint32_t gen);
void rp_request_done(cn_replay_sim *s, rp_req *r);
void rp_request_to_decode(cn_replay_sim *s, rp_req *r);
void rp_worker_maybe_retire(cn_replay_sim *s, rp_worker *w);

static inline int64_t rp_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline const cn_replay_engine_params *rp_engine(const cn_replay_sim *s, int pool) {
    return &s->p.pool[pool];
}

#endif
