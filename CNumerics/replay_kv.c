/* KV cache of one worker: physical blocks, a free queue and a prefix index (vLLM's block pool design).
 *
 * A block held by no request sits in the free queue; allocation takes the queue's head, so the block freed
 * longest ago is reused (and its cached prefix forgotten) first. A request releases its blocks newest first,
 * so a prompt's leading blocks, the ones other requests are likeliest to share, are evicted last. Full prompt
 * blocks are named by a chain hash of the trace's hash ids (block j's name depends on every hash id before
 * it) and are registered when allocated, as the mocker does, so requests admitted in the same iteration
 * already share them. A name is held by one block at most, so every request holding position j's block
 * also holds the same block at j − 1: a held block's parent leads a request back through its prefix, and
 * releasing needs no look-ups. Index entries carry the key's high half, so probing touches the index only. */
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
        w->blocks[b].parent = RP_NONE;
        w->blocks[b].prev = (int32_t)b - 1;
        w->blocks[b].next = b + 1 < w->nblocks ? (int32_t)b + 1 : RP_NONE;
    }
    w->free_head = w->nblocks ? 0 : RP_NONE;
    w->free_tail = (int32_t)w->nblocks - 1;
    for (uint32_t i = 0; i <= w->index_mask; i++) w->index[i].b = RP_NONE;
    w->active_blocks = 0;
}

int64_t rp_kv_free_blocks(const rp_worker *w) { return w->nblocks - w->active_blocks; }

/* ---- prefix index: linear probing, deletion by backward shift (no tombstones) ---- */

/* The home slot comes from the key's high half (the low bit of every key is 1), kept as the entry's tag. */
static inline uint32_t key_tag(uint64_t key) { return (uint32_t)(key >> 32); }

static int32_t index_find(const rp_worker *w, uint64_t key) {
    uint32_t tag = key_tag(key), m = w->index_mask, i = tag & m;
    for (;;) {
        const rp_slot *e = &w->index[i];
        if (e->b == RP_NONE) return RP_NONE;
        if (e->tag == tag && w->blocks[e->b].key == key) return e->b;
        i = (i + 1) & m;
    }
}

static void index_insert(rp_worker *w, int32_t b) {
    uint32_t tag = key_tag(w->blocks[b].key), m = w->index_mask, i = tag & m;
    while (w->index[i].b != RP_NONE) i = (i + 1) & m;
    w->index[i].tag = tag;
    w->index[i].b = b;
}

/* Removes block b's entry (it is present). */
static void index_erase(rp_worker *w, int32_t b) {
    uint32_t m = w->index_mask, i = key_tag(w->blocks[b].key) & m;
    while (w->index[i].b != b) i = (i + 1) & m;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m;
        rp_slot e = w->index[j];
        if (e.b == RP_NONE) break;
        uint32_t home = e.tag & m;
        /* move the entry into the hole when its home is not cyclically in (i, j] */
        if (((j - home) & m) >= ((j - i) & m)) { w->index[i] = e; i = j; }
    }
    w->index[i].b = RP_NONE;
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
    if (w->blocks[b].key) { index_erase(w, b); w->blocks[b].key = 0; }
    w->blocks[b].ref = 1;
    w->active_blocks++;
    return b;
}

/* ---- per request ---- */

/* Chain names of the request's full prompt blocks on `pool` into s->keys; returns how many (0 without
 * reuse). Engine block j spans tokens [j·bs, (j+1)·bs); its name mixes the previous name with every trace
 * hash id covering those tokens and its position. The last request's names are kept: a waiting request at
 * the head of a queue is looked at again and again. */
int64_t rp_req_keys(cn_replay_sim *s, const rp_req *r, int pool) {
    const cn_replay_engine_params *e = rp_engine(s, pool);
    if (!e->enable_prefix_caching || r->n_hash == 0) return 0;
    if (s->keys_serial == r->serial && s->keys_pool == pool) return s->keys_n;
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
    s->keys_serial = r->serial;
    s->keys_pool = pool;
    s->keys_n = nk;
    return nk;
}

/* Blocks an admission would take from the free queue, and how many leading blocks are cached; the blocks
 * found for s->keys[0..nkeyed) go to s->found (RP_NONE: missing) for rp_kv_admit. */
int64_t rp_kv_admission_cost(cn_replay_sim *s, rp_worker *w, int64_t nkeyed, int64_t total, int64_t *hit_blocks) {
    int64_t active_present = 0, hits = 0;
    int contiguous = 1;
    for (int64_t j = 0; j < nkeyed; j++) {
        int32_t b = index_find(w, s->keys[j]);
        s->found[j] = b;
        if (b == RP_NONE) { contiguous = 0; continue; }
        if (contiguous) hits++;
        if (w->blocks[b].ref > 0) active_present++;
    }
    *hit_blocks = hits;
    return total - active_present;
}

/* Right after rp_kv_admission_cost for the same request: pins the blocks found, then names fresh ones. */
void rp_kv_admit(cn_replay_sim *s, rp_worker *w, rp_req *r, int64_t nkeyed, int64_t total) {
    for (int64_t j = 0; j < nkeyed; j++) {
        int32_t b = s->found[j];
        if (b == RP_NONE) continue;
        if (w->blocks[b].ref == 0) { fq_unlink(w, b); w->active_blocks++; }
        w->blocks[b].ref++;
    }
    int32_t parent = RP_NONE;
    for (int64_t j = 0; j < nkeyed; j++) {
        int32_t b = s->found[j];
        if (b == RP_NONE) {
            b = take_free(w);
            w->blocks[b].key = s->keys[j];
            index_insert(w, b);
        }
        w->blocks[b].parent = parent;
        parent = b;
    }
    r->held_keyed = (int32_t)nkeyed;
    r->last_keyed = parent;
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

/* Anonymous blocks newest first, then the keyed prefix from its end. */
void rp_kv_release(rp_worker *w, rp_req *r) {
    for (int32_t b = r->anon_head; b != RP_NONE;) {
        int32_t nx = w->blocks[b].next;
        w->blocks[b].ref = 0;
        fq_push_tail(w, b);
        w->active_blocks--;
        b = nx;
    }
    r->anon_head = RP_NONE;
    r->anon_count = 0;
    for (int32_t b = r->last_keyed, k = 0; k < r->held_keyed; k++) {
        int32_t up = w->blocks[b].parent;
        if (--w->blocks[b].ref == 0) { fq_push_tail(w, b); w->active_blocks--; }
        b = up;
    }
    r->held_keyed = 0;
    r->last_keyed = RP_NONE;
}
