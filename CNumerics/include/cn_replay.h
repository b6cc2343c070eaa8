/* cn_replay.h — request-level simulator of LLM serving workers (part of cnumerics.h).
 *
 * Each worker is a vLLM-style continuous-batching engine: a FCFS waiting queue and a running set; every
 * iteration spends a token budget (max_num_batched_tokens) on running requests first (decodes, prompt
 * chunks) and then admits waiting ones (max_num_seqs); a prompt longer than the budget spans iterations
 * (chunked prefill). The KV cache holds num_gpu_blocks blocks of block_size tokens; a request is admitted
 * only when the blocks of its whole known sequence are free, and a decode that needs a block when none is
 * free preempts the newest running request (recompute). With prefix caching, full prompt blocks are named by
 * the chain of the trace's hash ids and stay cached after release until evicted, least recently freed first.
 *
 * Time is simulated: the loop jumps from event to event (arrivals, iteration ends, KV transfers, startups),
 * idle workers cost nothing. Aggregated mode has one pool (0); disaggregated mode sends a request to the
 * prefill pool (0), then after a KV transfer delay to the decode pool (1), which produces every output
 * token. Iteration time (ms) = prefill(new prompt tokens) + decode(active KV tokens) from the selected model,
 * rounded to a microsecond, as Dynamo 1.6.1's mocker does.
 *
 * Everything lives in one caller-owned workspace sized by cn_replay_workspace_bytes; nothing is allocated.
 * Same inputs give the same outputs (no randomness is used; `seed` is kept for future policies). */
#ifndef CN_REPLAY_H
#define CN_REPLAY_H

typedef enum cn_replay_mode { CN_REPLAY_AGG = 0, CN_REPLAY_DISAGG = 1 } cn_replay_mode;
typedef enum cn_replay_perf_kind { CN_REPLAY_PERF_POLY = 0, CN_REPLAY_PERF_TABLE = 1 } cn_replay_perf_kind;
typedef enum cn_replay_routing { CN_REPLAY_ROUTE_ROUND_ROBIN = 0, CN_REPLAY_ROUTE_LEAST_LOADED = 1 } cn_replay_routing;
/** Pool indices: aggregated mode uses pool 0 only; disaggregated: 0 prefill, 1 decode. */
enum { CN_REPLAY_POOL_AGG = 0, CN_REPLAY_POOL_PREFILL = 0, CN_REPLAY_POOL_DECODE = 1 };

/** One worker configuration (per pool). cn_replay_engine_defaults fills Dynamo 1.6.1's mocker defaults. */
typedef struct cn_replay_engine_params {
    int64_t max_num_batched_tokens;  /**< token budget of one iteration (8192) */
    int64_t max_num_seqs;            /**< running requests at most (256) */
    int64_t num_gpu_blocks;          /**< KV cache capacity in blocks (16384) */
    int64_t block_size;              /**< tokens per KV block (64) */
    int32_t enable_prefix_caching;   /**< reuse cached prompt blocks (1) */
    int32_t enable_chunked_prefill;  /**< split prompts over iterations (1) */
    /* CN_REPLAY_PERF_POLY: prefill_ms(T) = p[0] + p[1] T + p[2] T² with T the iteration's new prompt tokens;
       decode_ms(u) = max(decode_floor_ms, d[0] + d[1] u + d[2] u²) with u = min(1, active KV tokens / capacity). */
    double prefill_poly[3];
    double decode_poly[3];
    double decode_floor_ms;          /**< lower bound of a decode iteration's time (1 ms) */
    double speedup_ratio;            /**< divides both times (1) */
    double decode_speedup_ratio;     /**< divides decode time further (1) */
    /* CN_REPLAY_PERF_TABLE (caller-owned, must outlive the simulator): prefill_ms at prefill_tokens[0..n_prefill)
       (increasing), linear inside and linear extrapolation outside, never below 0; decode_ms on the grid
       decode_kv[0..n_decode_kv) × decode_ctx[0..n_decode_ctx) (both increasing), row-major (kv major), bilinear,
       axes clamped to the grid (no extrapolation: a surface fitted to a profile is not trusted beyond it), never
       below decode_floor_ms; the context length of an iteration is its active KV tokens / decoding requests. */
    const double *prefill_tokens, *prefill_ms;
    int64_t n_prefill;
    const double *decode_kv, *decode_ctx, *decode_ms;
    int64_t n_decode_kv, n_decode_ctx;
} cn_replay_engine_params;

typedef struct cn_replay_params {
    cn_replay_mode mode;
    cn_replay_perf_kind perf;
    cn_replay_routing routing;
    cn_replay_engine_params pool[2];   /**< [0] agg or prefill, [1] decode (ignored in agg mode) */
    double startup_time_s;             /**< delay before a scaled-up worker serves (60) */
    double kv_bytes_per_token;         /**< disagg KV transfer: isl × bytes ÷ bandwidth seconds (0 = instant, */
    double kv_transfer_bandwidth_bytes_s; /**< as the mocker) */
    int64_t trace_block_size;          /**< tokens covered by one trace hash id (512, Mooncake) */
    int64_t max_workers_per_pool;      /**< worker slots per pool, live + starting + draining (KV memory ∝) */
    int64_t max_inflight_requests;     /**< submitted, not yet returned as done */
    int64_t max_hash_ids_in_flight;    /**< hash ids held by in-flight requests, all together */
    uint64_t seed;
} cn_replay_params;

/** Dynamo 1.6.1 mocker defaults for one engine (polynomial model, 16384 × 64 KV, 8192 budget, 256 seqs). */
void cn_replay_engine_defaults(cn_replay_engine_params *e);
/** Defaults for the whole simulator: agg, polynomial, round robin, both pools mocker engines, startup 60 s,
 *  instant transfer, trace block 512, 16 workers per pool, 65536 in flight, 4 Mi hash ids in flight. */
void cn_replay_params_defaults(cn_replay_params *p);

typedef struct cn_replay_sim cn_replay_sim;   /* lives at the start of the workspace */

/** Bytes of workspace for these parameters; CN_ERR_ARGUMENT (with *bytes = 0) for impossible settings
 *  (zero blocks, budget or workers, block size 0, tables malformed, sizes overflowing). */
int cn_replay_workspace_bytes(const cn_replay_params *p, size_t *bytes);
/** Lays the simulator out in `ws` (8-byte aligned, `bytes` from cn_replay_workspace_bytes) and returns it. */
int cn_replay_init(cn_replay_sim **sim, const cn_replay_params *p, void *ws, size_t bytes);

/** One arriving request. hash_ids are copied; n_hash may be 0 (no prefix reuse). */
typedef struct cn_replay_request {
    int64_t id;
    double arrival_s;
    int64_t isl, osl;          /**< prompt tokens (≥ 1), output tokens (≥ 1; 0 is treated as 1) */
    const uint64_t *hash_ids;
    int64_t n_hash;
} cn_replay_request;

/** Queues requests in non-decreasing arrival order (not before the simulator's clock). Returns CN_ERR_FULL
 *  (with *n_accepted < n) when the in-flight or hash-id capacity is reached: run further, then resubmit the
 *  rest. CN_ERR_INFEASIBLE when a prompt can never fit a worker's KV cache (or, without chunked prefill, its
 *  token budget); that request is not queued, the ones before it are. */
int cn_replay_submit(cn_replay_sim *sim, const cn_replay_request *r, size_t n, size_t *n_accepted);

/** Sets the target number of workers of a pool. `initial` (before any run): live at once. Later: an
 *  increase revives draining workers first, then starts new ones that serve after startup_time_s; a decrease
 *  cancels starting workers first (newest first), then drains the newest live ones (no new requests; removed
 *  once their requests finished; nothing is lost). CN_ERR_FULL beyond max_workers_per_pool. */
int cn_replay_set_workers(cn_replay_sim *sim, int pool, int64_t target, int initial);

/** A finished request; times in seconds since the trace's zero, latencies of tokens as the mocker reports. */
typedef struct cn_replay_done {
    int64_t id;
    double arrival_s, first_token_s, finish_s;
    int64_t isl, osl, cached_tokens, preemptions;
    double queue_s;            /**< arrival to first admission into a running set */
    double mean_itl_ms;        /**< (finish − first token) / (osl − 1); 0 when osl = 1 */
    int32_t prefill_worker, decode_worker;  /**< worker slots; agg: both the serving worker */
} cn_replay_done;

/** Runs events up to simulated time t_stop (every arrival ≤ t_stop must have been submitted), writing
 *  finished requests to out[0..cap). CN_OK when t_stop is reached; CN_MORE_OUTPUT when out filled first
 *  (call again with the same t_stop). */
int cn_replay_run_until(cn_replay_sim *sim, double t_stop, cn_replay_done *out, size_t cap, size_t *n_out);
/** Runs until every submitted request finished or t_max: CN_OK when all finished, CN_MORE_OUTPUT as above,
 *  CN_ERR_NO_CONVERGENCE when t_max came first (requests still in flight). */
int cn_replay_finish(cn_replay_sim *sim, double t_max, cn_replay_done *out, size_t cap, size_t *n_out);

typedef struct cn_replay_pool_stats {
    int64_t live, starting, draining;
    int64_t waiting_requests, waiting_prefill_tokens, running_requests;
    int64_t kv_blocks_used, kv_blocks_total;   /**< over live + draining workers */
    double gpu_worker_seconds;  /**< ∫ (live + starting + draining) dt up to the clock */
    int64_t preemptions;        /**< total so far */
} cn_replay_pool_stats;
int cn_replay_pool_stats_get(const cn_replay_sim *sim, int pool, cn_replay_pool_stats *out);
/** The simulator's clock (s): time of the last processed event or run_until's t_stop. */
double cn_replay_now(const cn_replay_sim *sim);

/** Inter-token gaps of every output token so far (Dynamo's ITL distribution is over gaps, not requests),
 *  in a log-bucketed histogram with relative error ≤ 1/512. count and sum are exact. */
typedef struct cn_replay_gap_summary {
    int64_t count;
    double sum_ms, min_ms, max_ms;
} cn_replay_gap_summary;
int cn_replay_gaps_summary(const cn_replay_sim *sim, cn_replay_gap_summary *out);
/** Quantiles q[0..n) in [0, 1] of the gaps (ms), linear interpolation between order statistics as numpy. */
int cn_replay_gaps_quantiles(const cn_replay_sim *sim, const double *q, size_t n, double *out_ms);
/** Clears the gap histogram (e.g. per interval). */
void cn_replay_gaps_reset(cn_replay_sim *sim);

#endif
