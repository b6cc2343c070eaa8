/* KV cache of one worker: physical blocks, a free queue and a prefix index (vLLM's block pool design).
 *
 * A block held by no request sits in the free queue; allocation takes the queue's head, so the block freed
 * longest ago is reused (and its cached prefix forgotten) first. A request releases its blocks newest first,
 * so a prompt's leading blocks, the ones other requests are likeliest to share, are evicted last. Full prompt
 * blocks are named by a chain hash of the trace's hash ids (block j's name depends on every hash id before
 * it) and are registered when allocated, as the mocker does, so requests admitted in the same iteration
 * already share them. */
#include <string.h>
#include "replay_internal.h"

size_t rp_index_size(int64_t nblocks) {
    size_t n = 16;
    while (n < (size_t)nblocks * 2) n <<= 1;
    return n;
}

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rp_kv_reset(rp_worker *w) {
    for (int64_t b = 0; b < w->nblocks; b++) {
        w->blocks[b].key = 0;
        w->blocks[b].ref = 0;
        w->blocks[b].prev = (int32_t)b - 1;
        w->blocks[b].next = b + 1 < w->nblocks ? (int32_t)b + 1 : RP_NONE;
    }
    w->free_head = w->nblocks ? 0 : RP_NONE;
    w->free_tail = (int32_t)w->nblocks - 1;
    for (uint32_t i = 0; i <= w->index_mask; i++) w->index[i] = RP_NONE;
    w->active_blocks = 0;
}

int64_t rp_kv_free_blocks(const rp_worker *w) { return w->nblocks - w->active_blocks; }

/* ---- prefix index: linear probing, deletion by backward shift (no tombstones) ---- */

/* Home slot from the key's high half: the low bit of every key is 1. */
static inline uint32_t home_slot(uint64_t key, uint32_t mask) { return (uint32_t)(key >> 32) & mask; }

static int32_t index_find(const rp_worker *w, uint64_t key) {
    uint32_t i = home_slot(key, w->index_mask);
    for (;;) {
        int32_t b = w->index[i];
        if (b == RP_NONE) return RP_NONE;
        if (w->blocks[b].key == key) return b;
        i = (i + 1) & w->index_mask;
    }
}

static void index_insert(rp_worker *w, int32_t b) {
    uint32_t i = home_slot(w->blocks[b].key, w->index_mask);
    while (w->index[i] != RP_NONE) i = (i + 1) & w->index_mask;
    w->index[i] = b;
}

static void index_erase(rp_worker *w, uint64_t key) {
    uint32_t m = w->index_mask, i = home_slot(key, m);
    while (w->index[i] != RP_NONE && w->blocks[w->index[i]].key != key) i = (i + 1) & m;
    if (w->index[i] == RP_NONE) return;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m;
        int32_t b = w->index[j];
        if (b == RP_NONE) break;
        uint32_t home = home_slot(w->blocks[b].key, m);
        /* move b into the hole when its home is not cyclically in (i, j] */
        if (((j - home) & m) >= ((j - i) & m)) { w->index[i] = b; i = j; }
    }
    w->index[i] = RP_NONE;
}

/* ---- free queue ---- */

static void fq_unlink(rp_worker *w, int32_t b) {
    rp_block *k = &w->blocks[b];
    if (k->prev != RP_NONE) w->blocks[k->prev].next = k->next; else w->free_head = k->next;
    if (k->next != RP_NONE) w->blocks[k->next].prev = k->prev; else w->free_tail = k->prev;
    k->prev = k->next = RP_NONE;
}

static void fq_push_tail(rp_worker *w, int32_t b) {
    rp_block *k = &w->blocks[b];
    k->next = RP_NONE;
    k->prev = w->free_tail;
    if (w->free_tail != RP_NONE) w->blocks[w->free_tail].next = b; else w->free_head = b;
    w->free_tail = b;
}

/* Takes the least recently freed block, forgetting the prefix it cached. Caller checked a block is free. */
static int32_t take_free(rp_worker *w) {
    int32_t b = w->free_head;
    fq_unlink(w, b);
    if (w->blocks[b].key) { index_erase(w, w->blocks[b].key); w->blocks[b].key = 0; }
    w->blocks[b].ref = 1;
    w->active_blocks++;
    return b;
}

/* ---- per request ---- */

/* Chain names of the request's full prompt blocks into s->keys; returns how many (0 without reuse).
 * Engine block j spans tokens [j·bs, (j+1)·bs); its name mixes the previous name with every trace hash id
 * covering those tokens and its position. */
int64_t rp_req_keys(cn_replay_sim *s, const rp_req *r, const cn_replay_engine_params *e) {
    if (!e->enable_prefix_caching || r->n_hash == 0) return 0;
    int64_t bs = e->block_size, tbs = s->p.trace_block_size;
    int64_t covered = r->n_hash * tbs < r->isl ? r->n_hash * tbs : r->isl;
    int64_t nk = covered / bs;
    if (nk > s->nkeys) nk = s->nkeys;
    int32_t chunk = r->hash_chunk;
    int64_t chunk_base = 0;   /* hash index of chunk's first entry */
    uint64_t prev = 0x9e3779b97f4a7c15ULL;
    for (int64_t j = 0; j < nk; j++) {
        int64_t first = j * bs / tbs, last = ((j + 1) * bs - 1) / tbs;
        uint64_t h = prev ^ mix64((uint64_t)j + 0x632be59bd9b4e019ULL);
        for (int64_t i = first; i <= last; i++) {
            while (i >= chunk_base + RP_HASH_CHUNK) { chunk = s->hash_next[chunk]; chunk_base += RP_HASH_CHUNK; }
            h = mix64(h ^ s->hash[(size_t)chunk * RP_HASH_CHUNK + (size_t)(i - chunk_base)]);
        }
        prev = h | 1;   /* 0 means "no name" */
        s->keys[j] = prev;
    }
    return nk;
}

/* Blocks an admission would take from the free queue, and how many leading blocks are cached. */
int64_t rp_kv_admission_cost(cn_replay_sim *s, rp_worker *w, const rp_req *r, int64_t nkeyed, int64_t total,
                             int64_t *hit_blocks) {
    (void)r;
    int64_t active_present = 0, hits = 0;
    int contiguous = 1;
    for (int64_t j = 0; j < nkeyed; j++) {
        int32_t b = index_find(w, s->keys[j]);
        if (b == RP_NONE) { contiguous = 0; continue; }
        if (contiguous) hits++;
        if (w->blocks[b].ref > 0) active_present++;
    }
    *hit_blocks = hits;
    return total - active_present;
}

void rp_kv_admit(cn_replay_sim *s, rp_worker *w, rp_req *r, int64_t nkeyed, int64_t total) {
    for (int64_t j = 0; j < nkeyed; j++) {
        int32_t b = index_find(w, s->keys[j]);
        if (b != RP_NONE) {
            if (w->blocks[b].ref == 0) { fq_unlink(w, b); w->active_blocks++; }
            w->blocks[b].ref++;
        } else {
            b = take_free(w);
            w->blocks[b].key = s->keys[j];
            index_insert(w, b);
        }
    }
    r->held_keyed = (int32_t)nkeyed;
    r->anon_head = RP_NONE;
    r->anon_count = 0;
    rp_kv_grow(w, r, total - nkeyed);
}

void rp_kv_grow(rp_worker *w, rp_req *r, int64_t nblocks) {
    for (int64_t k = 0; k < nblocks; k++) {
        int32_t b = take_free(w);
        w->blocks[b].next = r->anon_head;
        r->anon_head = b;
        r->anon_count++;
    }
}

void rp_kv_release(cn_replay_sim *s, rp_worker *w, rp_req *r, const cn_replay_engine_params *e) {
    for (int32_t b = r->anon_head; b != RP_NONE;) {
        int32_t nx = w->blocks[b].next;
        w->blocks[b].ref = 0;
        fq_push_tail(w, b);
        w->active_blocks--;
        b = nx;
    }
    r->anon_head = RP_NONE;
    r->anon_count = 0;
    if (r->held_keyed > 0) {
        int64_t nk = rp_req_keys(s, r, e);
        if (nk > r->held_keyed) nk = r->held_keyed;
        for (int64_t j = nk - 1; j >= 0; j--) {
            int32_t b = index_find(w, s->keys[j]);
            if (b == RP_NONE) continue;   /* cannot happen: held blocks stay indexed */
            if (--w->blocks[b].ref == 0) { fq_push_tail(w, b); w->active_blocks--; }
        }
    }
    r->held_keyed = 0;
}
