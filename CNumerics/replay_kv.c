/* KV cache of one worker: a free queue, the blocks requests hold, and a prefix index (vLLM's block pool
 * design), kept in runs so that a prompt of hundreds of blocks costs a few operations per trace hash id.
 *
 * A block held by no request sits in the free queue; allocation takes the queue's head, so the block freed
 * longest ago is reused (and its cached prefix forgotten) first. A request releases its blocks newest first,
 * so a prompt's leading blocks, the ones other requests are likeliest to share, are evicted last. Full prompt
 * blocks are named by the chain of the trace's hash ids that cover them and their position; they are
 * registered when allocated, as the mocker does, so requests admitted in the same iteration already share
 * them. Anonymous blocks (a prompt's partial last block, output blocks) carry no name and are interchangeable.
 *
 * Runs: the prompt positions named by the same hash ids (up to 64, e.g. 8 blocks of 64 tokens under one
 * 512-token trace block) form a group with one record, one index entry and a bit set of the offsets present
 * (held or cached). Every holder of a group holds its offsets from 0 up to some length, so the record keeps
 * how many holders have each length instead of per-offset reference counts: the offsets below the longest
 * are held, the present ones above it are cached, a release frees consecutive offsets, and the queue holds
 * runs: a group's offsets lo..hi (the highest is evicted first, as it was freed first) or n anonymous blocks. A name is held by one group at most, so every request holding a group also holds the
 * group before it in its prompt: a group's parent leads a request back through its prompt on release. */
#include <string.h>
#include "replay_internal.h"

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

size_t rp_index_size(int64_t nblocks) {
    size_t n = 16;
    while (n < (size_t)nblocks * 2) n <<= 1;
    return n;
}

/* Positions named by one trace hash id, at most 64 to a group. */
int32_t rp_group_max(int64_t bs, int64_t tbs) {
    int64_t g = bs >= tbs ? 1 : rp_ceil_div(tbs, bs);
    return g > 64 ? 64 : (int32_t)g;
}

size_t rp_group_stride(int32_t gmax) { return ALIGN8(sizeof(rp_group) + 2 * sizeof(int32_t) * (size_t)gmax); }

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline rp_group *grp(const rp_worker *w, int32_t g) {
    return (rp_group *)(w->groups + (size_t)g * (size_t)w->group_stride);
}
static inline int32_t *by_len(rp_group *g) { return g->lane; }
static inline int32_t *node_at(const rp_worker *w, rp_group *g) { return g->lane + w->gmax; }
static inline uint64_t bits(int32_t lo, int32_t n) { return (n >= 64 ? ~0ULL : ((1ULL << n) - 1)) << lo; }

int64_t rp_kv_free_blocks(const rp_worker *w) { return w->nblocks - w->active_blocks; }

/* ---- prefix index of groups: linear probing, deletion by backward shift (no tombstones) ---- */

/* The home slot comes from the key's high half (the low bit of every key is 1), kept as the entry's tag. */
static inline uint32_t key_tag(uint64_t key) { return (uint32_t)(key >> 32); }

static int32_t index_find(const rp_worker *w, uint64_t key) {
    uint32_t tag = key_tag(key), m = w->index_mask, i = tag & m;
    for (;;) {
        const rp_slot *e = &w->index[i];
        if (e->g == RP_NONE) return RP_NONE;
        if (e->tag == tag && grp(w, e->g)->key == key) return e->g;
        i = (i + 1) & m;
    }
}

static void index_insert(rp_worker *w, int32_t g) {
    uint32_t tag = key_tag(grp(w, g)->key), m = w->index_mask, i = tag & m;
    while (w->index[i].g != RP_NONE) i = (i + 1) & m;
    w->index[i].tag = tag;
    w->index[i].g = g;
}

/* Removes group g's entry (it is present). */
static void index_erase(rp_worker *w, int32_t g) {
    uint32_t m = w->index_mask, i = key_tag(grp(w, g)->key) & m;
    while (w->index[i].g != g) i = (i + 1) & m;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m;
        rp_slot e = w->index[j];
        if (e.g == RP_NONE) break;
        uint32_t home = e.tag & m;
        /* move the entry into the hole when its home is not cyclically in (i, j] */
        if (((j - home) & m) >= ((j - i) & m)) { w->index[i] = e; i = j; }
    }
    w->index[i].g = RP_NONE;
}

/* ---- records and the free queue of runs ---- */

/* Records and runs come from a free list, else from the never used ones (pages touched only when needed). */
static int32_t group_new(rp_worker *w, uint64_t key, int32_t first, int32_t count) {
    int32_t g = w->free_group;
    if (g == RP_NONE) g = w->groups_used++;
    rp_group *G = grp(w, g);
    if (g == w->free_group) w->free_group = G->parent;
    G->key = key;
    G->present = 0;
    G->parent = RP_NONE;
    G->first = first;
    G->count = count;
    G->holders = G->maxlen = 0;
    memset(by_len(G), 0, sizeof(int32_t) * (size_t)w->gmax);
    index_insert(w, g);
    return g;
}

static void group_drop(rp_worker *w, int32_t g) {
    index_erase(w, g);
    rp_group *G = grp(w, g);
    G->key = 0;
    G->parent = w->free_group;
    w->free_group = g;
}

static void fq_unlink(rp_worker *w, int32_t q) {
    rp_run *k = &w->runs[q];
    if (k->prev != RP_NONE) w->runs[k->prev].next = k->next; else w->fq_head = k->next;
    if (k->next != RP_NONE) w->runs[k->next].prev = k->prev; else w->fq_tail = k->prev;
    k->next = w->free_run;
    w->free_run = q;
}

static int32_t fq_push(rp_worker *w, int32_t group, int32_t lo, int32_t hi, int32_t n) {
    int32_t q = w->free_run;
    if (q == RP_NONE) q = w->runs_used++;
    rp_run *k = &w->runs[q];
    if (q == w->free_run) w->free_run = k->next;
    k->group = group;
    k->lo = lo;
    k->hi = hi;
    k->n = n;
    k->next = RP_NONE;
    k->prev = w->fq_tail;
    if (w->fq_tail != RP_NONE) w->runs[w->fq_tail].next = q; else w->fq_head = q;
    w->fq_tail = q;
    return q;
}

static void fq_push_anonymous(rp_worker *w, int64_t n) {
    if (n <= 0) return;
    if (w->fq_tail != RP_NONE && w->runs[w->fq_tail].group == RP_NONE) w->runs[w->fq_tail].n += (int32_t)n;
    else fq_push(w, RP_NONE, 0, 0, (int32_t)n);
}

void rp_kv_reset(rp_worker *w) {
    w->free_group = w->free_run = RP_NONE;
    w->groups_used = w->runs_used = 0;
    w->fq_head = w->fq_tail = RP_NONE;
    for (uint32_t i = 0; i <= w->index_mask; i++) w->index[i].g = RP_NONE;
    w->active_blocks = 0;
    fq_push_anonymous(w, w->nblocks);
}

/* Takes n blocks from the head of the free queue, forgetting the prefixes they cached. Caller checked. */
static void take(rp_worker *w, int64_t n) {
    w->active_blocks += n;
    while (n > 0) {
        int32_t q = w->fq_head;
        rp_run *k = &w->runs[q];
        if (k->group == RP_NONE) {
            int64_t t = k->n < n ? k->n : n;
            k->n -= (int32_t)t;
            n -= t;
            if (k->n == 0) fq_unlink(w, q);
            continue;
        }
        int32_t avail = k->hi - k->lo + 1, t = avail < n ? avail : (int32_t)n;
        rp_group *G = grp(w, k->group);
        G->present &= ~bits(k->hi - t + 1, t);
        k->hi -= t;
        n -= t;
        int32_t g = k->group;
        if (k->hi < k->lo) fq_unlink(w, q);
        if (G->present == 0) group_drop(w, g);
    }
}

/* ---- per request ---- */

/* Positions per group when every group is exactly the positions of one hash id (bs divides tbs), else 0. */
static inline int64_t per_id(int64_t bs, int64_t tbs) { return tbs % bs == 0 && tbs / bs <= 64 ? tbs / bs : 0; }

/* The first prompt position after `first`'s group: named by a later hash id, or the next 64-aligned one
 * (the next hash id's first position when bs divides tbs). */
static int64_t group_end(int64_t first, int64_t bs, int64_t tbs) {
    int64_t g = per_id(bs, tbs);
    if (g) return first - first % g + g;
    int64_t last = ((first + 1) * bs - 1) / tbs;            /* hash id naming position first */
    int64_t next_id = rp_ceil_div((last + 1) * tbs + 1, bs) - 1;
    int64_t aligned = (first / 64 + 1) * 64;
    return next_id < aligned ? next_id : aligned;
}

/* Groups of the request's full prompt blocks on `pool` into s->keys / s->key_first (s->keys_n groups,
 * s->keys_blocks positions); returns the positions (0 without reuse). A group's name chains every trace hash
 * id up to the one naming its positions, and the positions' 64-block slice. The last request's groups are
 * kept: a waiting request at the head of a queue is looked at again and again. */
int64_t rp_req_keys(cn_replay_sim *s, const rp_req *r, int pool) {
    const cn_replay_engine_params *e = rp_engine(s, pool);
    if (!e->enable_prefix_caching || r->n_hash == 0) { s->keys_n = 0; s->keys_blocks = 0; s->keys_serial = 0; return 0; }
    int64_t bs = e->block_size, tbs = s->p.trace_block_size;
    if (s->keys_serial == r->serial && s->keys_bs == bs) return s->keys_blocks;   /* names depend on bs only */
    int64_t covered = r->n_hash * tbs < r->isl ? r->n_hash * tbs : r->isl;
    int64_t nk = covered / bs;
    if (nk > s->nkeys) nk = s->nkeys;
    int32_t chunk = r->hash_chunk;
    int64_t chunk_base = 0, folded = 0, ng = 0;   /* hash ids folded into the chain so far */
    uint64_t chain = 0x9e3779b97f4a7c15ULL;
    int64_t g = per_id(bs, tbs);
    for (int64_t j = 0; j < nk; j = g ? j + g : group_end(j, bs, tbs)) {
        int64_t last = g ? j / g : ((j + 1) * bs - 1) / tbs;
        for (; folded <= last; folded++) {
            if (folded >= chunk_base + RP_HASH_CHUNK) { chunk = s->hash_next[chunk]; chunk_base += RP_HASH_CHUNK; }
            chain = mix64(chain ^ s->hash[(size_t)chunk * RP_HASH_CHUNK + (size_t)(folded - chunk_base)]);
        }
        s->keys[ng] = mix64(chain ^ mix64((uint64_t)(j / 64) + 0x632be59bd9b4e019ULL)) | 1;  /* 0: no name */
        s->key_first[ng] = (int32_t)j;
        ng++;
    }
    s->keys_serial = r->serial;
    s->keys_bs = bs;
    s->keys_n = ng;
    s->keys_blocks = nk;
    return nk;
}

/* The request's positions in its group gi: offsets 0 .. held − 1. */
static inline int32_t held_in(const cn_replay_sim *s, int64_t gi) {
    int64_t end = gi + 1 < s->keys_n ? s->key_first[gi + 1] : s->keys_blocks;
    return (int32_t)(end - s->key_first[gi]);
}

/* Blocks an admission (of the request rp_req_keys described, `total` blocks) would take from the free
 * queue, and how many leading blocks are cached; the groups found go to s->found for rp_kv_admit. */
int64_t rp_kv_admission_cost(cn_replay_sim *s, rp_worker *w, int64_t total, int64_t *hit_blocks) {
    int64_t active_present = 0, hits = 0;
    int contiguous = 1;
    for (int64_t gi = 0; gi < s->keys_n; gi++) {
        int32_t g = index_find(w, s->keys[gi]);
        s->found[gi] = g;
        if (g == RP_NONE) { contiguous = 0; continue; }
        rp_group *G = grp(w, g);
        int32_t held = held_in(s, gi);
        active_present += G->maxlen < held ? G->maxlen : held;   /* held by others already */
        if (contiguous) {
            uint64_t want = bits(0, held), pres = G->present & want;
            if (pres == want) hits += held;
            else { hits += __builtin_ctzll(~pres); contiguous = 0; }
        }
    }
    *hit_blocks = hits;
    return total - active_present;
}

/* Right after rp_kv_admission_cost for the same request: pins the cached blocks found, takes the rest from
 * the free queue, names the fresh prompt blocks and joins each group's holders. */
void rp_kv_admit(cn_replay_sim *s, rp_worker *w, rp_req *r, int64_t total) {
    int64_t pinned = 0;
    for (int64_t gi = 0; gi < s->keys_n; gi++) {
        if (s->found[gi] == RP_NONE) continue;
        rp_group *G = grp(w, s->found[gi]);
        int32_t held = held_in(s, gi), *at = node_at(w, G);
        uint64_t mine = G->present & bits(0, held), idle = mine & ~bits(0, G->maxlen);
        pinned += __builtin_popcountll(mine);
        while (idle) {   /* cached offsets start runs of the free queue: take them out */
            int32_t o = __builtin_ctzll(idle), q = at[o];
            rp_run *k = &w->runs[q];
            int32_t end = k->hi < held ? k->hi + 1 : held;
            w->active_blocks += end - o;
            if (k->hi < held) fq_unlink(w, q);
            else { k->lo = held; at[held] = q; }
            idle &= ~bits(o, end - o);
        }
    }
    take(w, total - pinned);
    int32_t parent = RP_NONE;
    for (int64_t gi = 0; gi < s->keys_n; gi++) {
        int32_t g = s->found[gi], held = held_in(s, gi);
        if (g != RP_NONE && grp(w, g)->key != s->keys[gi]) g = RP_NONE;   /* all its offsets were evicted */
        if (g == RP_NONE) {
            int64_t first = s->key_first[gi];
            int64_t count = group_end(first, rp_engine(s, w->pool)->block_size, s->p.trace_block_size) - first;
            g = group_new(w, s->keys[gi], (int32_t)first, (int32_t)count);
        }
        rp_group *G = grp(w, g);
        G->present |= bits(0, held);
        by_len(G)[held - 1]++;
        G->holders++;
        if (held > G->maxlen) G->maxlen = held;
        G->parent = parent;
        parent = g;
    }
    r->held_keyed = (int32_t)s->keys_blocks;
    r->last_group = parent;
    r->anon_count = (int32_t)(total - s->keys_blocks);
}

void rp_kv_grow(rp_worker *w, rp_req *r, int64_t nblocks) {
    take(w, nblocks);
    r->anon_count += (int32_t)nblocks;
}

void rp_kv_take(rp_worker *w, int64_t nblocks) { take(w, nblocks); }

/* Anonymous blocks first, then the keyed prompt from its end. */
void rp_kv_release(rp_worker *w, rp_req *r) {
    fq_push_anonymous(w, r->anon_count);
    w->active_blocks -= r->anon_count;
    r->anon_count = 0;
    for (int32_t g = r->last_group; g != RP_NONE;) {
        rp_group *G = grp(w, g);
        int32_t held = r->held_keyed - G->first, *n = by_len(G), longest = G->maxlen;
        if (held > G->count) held = G->count;
        n[held - 1]--;
        if (--G->holders == 0) longest = 0;
        else if (held == longest && n[held - 1] == 0)   /* the longest left: the next longest is held now */
            for (longest = held - 1; n[longest - 1] == 0; longest--) {}
        if (longest < held) {   /* offsets longest .. held − 1 were this request's alone */
            node_at(w, G)[longest] = fq_push(w, g, longest, held - 1, 0);
            w->active_blocks -= held - longest;
        }
        G->maxlen = longest;
        int32_t up = G->first == 0 ? RP_NONE : G->parent;
        g = up;
    }
    r->held_keyed = 0;
    r->last_group = RP_NONE;
}
