/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The answer cache: final answers to client queries by (question, flags),
 * repeated before a request is made. A hit costs a parse of the query's
 * header and name, one hash look-up, a copy of the name's bytes (the client's
 * letter case) and of the ID into the kept answer, and, once per second of
 * its age, a rewrite of its TTLs.
 *
 * Entries are malloc()ed when a request stores its answer (the slow path)
 * and chained in buckets; a CLOCK ring in insertion order picks what to evict
 * when the memory limit is reached (a hit sets the entry's reference bit).
 * A flush bumps the generation: older entries are dead, freed when met.
 *
 * It is active only while every loaded plugin with a layer says answers may be
 * repeated (answers_reusable), verbose logging is off and no option that makes
 * each answer differ (REORDER_RR, TRACE, NO_CACHE) is set.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/daemon/daemon.h"
#include "core/net/answer_cache.h"
#include "core/wire/wire-impl.h"

#define DEFAULT_SIZE (8u << 20)
#define MAX_WIRE 8192           /* larger answers are not kept */
#define MAX_TTLS 128            /* records with a TTL in one answer */
#define KEY_MAX (4 + KR_DNAME_MAXLEN)
#define WATCH_MAX 8
#define CHAIN_MAX 8             /* entries in one bucket: a look-up compares at most so many keys */

struct ttl_slot {
	uint16_t off;               /* of the TTL field in the wire */
	uint32_t orig;              /* its value when stored */
};

/** Links of the CLOCK ring (first in an entry: a link is its entry). */
struct ring_link {
	struct ring_link *prev, *next;
};

struct entry {
	struct ring_link ring;      /* first member */
	struct entry *next;         /* in the bucket */
	uint32_t hash;
	uint32_t gen;
	int64_t stored;             /* wall clock, seconds (as the cache's TTLs) */
	int64_t expire;             /* stored + the smallest TTL */
	uint32_t aged_s;            /* the TTLs in wire are orig - aged_s */
	uint16_t klen, wlen, nttl;
	uint16_t qname_len;         /* bytes of the question's name at offset 12 */
	bool referenced;
	bool local;                 /* local data (hints): its TTLs are fixed, never aged */
	size_t bytes;               /* what the entry costs, for the limit */
	struct ttl_slot *ttls;      /* inside data */
	uint8_t *wire;              /* inside data */
	uint8_t data[];             /* key, TTL slots, wire */
};

struct watch {
	const void *owner;
	const volatile uint64_t *counter;
	uint64_t seen;
};

static struct {
	struct entry **buckets;
	uint32_t mask;
	struct ring_link ring;      /* sentinel of the CLOCK ring */
	size_t size, used, entries;
	uint32_t gen;
	bool dirty;                 /* recompute `active` before the next use */
	bool active;
	bool initialised;
	/* what `active` was computed for */
	uint64_t seen_plugins_gen, seen_options;
	uint16_t seen_bufsize;
	struct kr_plugin **hooks;   /* plugins with answer_reused; malloc()ed */
	size_t hook_count;
	struct watch watch[WATCH_MAX];
	unsigned watch_count;
	uint64_t hits, misses, stored, evicted, flushes;
} ac = { .size = DEFAULT_SIZE, .gen = 1, .dirty = true };

bool kr_answer_cache_allow(struct kr_plugin *self)
{
	(void)self;
	return true;
}

void kr_answer_cache_flush(void)
{
	if (++ac.gen == 0)
		ac.gen = 1;
	ac.dirty = true;
	++ac.flushes;
}

uint32_t kr__answer_cache_gen(void)
{
	return ac.gen;
}

int kr_answer_cache_watch(const void *owner, const volatile uint64_t *counter)
{
	unsigned i = 0;
	while (i < ac.watch_count && ac.watch[i].owner != owner)
		++i;
	if (!counter) {
		if (i < ac.watch_count)
			ac.watch[i] = ac.watch[--ac.watch_count];
		return 0;
	}
	if (i == ac.watch_count) {
		if (ac.watch_count == WATCH_MAX)
			return -ENOSPC;
		++ac.watch_count;
	}
	ac.watch[i] = (struct watch){ .owner = owner, .counter = counter, .seen = *counter };
	kr_answer_cache_flush();
	return 0;
}

/* --- storage --- */

static void ring_unlink(struct ring_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
}

/** Put l at the tail of the ring (the newest). */
static void ring_append(struct ring_link *l)
{
	l->prev = ac.ring.prev;
	l->next = &ac.ring;
	ac.ring.prev->next = l;
	ac.ring.prev = l;
}

static void entry_free(struct entry *e)
{
	ring_unlink(&e->ring);
	ac.used -= e->bytes;
	--ac.entries;
	free(e);
}

/** Unlink *pe from its bucket and free it. */
static void bucket_drop(struct entry **pe)
{
	struct entry *e = *pe;
	*pe = e->next;
	entry_free(e);
}

static void drop_all(void)
{
	for (uint32_t i = 0; ac.buckets && i <= ac.mask; ++i)
		while (ac.buckets[i])
			bucket_drop(&ac.buckets[i]);
}

static int init_table(void)
{
	if (ac.initialised)
		return 0;
	ac.ring.prev = ac.ring.next = &ac.ring;
	uint32_t n = 1024;
	while ((size_t)n * 512 < ac.size && n < (1u << 24))
		n <<= 1;
	ac.buckets = calloc(n, sizeof(*ac.buckets));
	if (!ac.buckets)
		return -ENOMEM;
	ac.mask = n - 1;
	ac.initialised = true;
	return 0;
}

int kr__answer_cache_set_size(size_t bytes)
{
	drop_all();
	free(ac.buckets);
	ac.buckets = NULL;
	ac.initialised = false;
	ac.size = bytes;
	kr_answer_cache_flush();
	return bytes ? init_table() : 0;
}

void kr__answer_cache_deinit(void)
{
	drop_all();
	free(ac.buckets);
	free(ac.hooks);
	ac.buckets = NULL;
	ac.hooks = NULL;
	ac.initialised = false;
}

static bool is_active(void);

void kr__answer_cache_stats(struct kr_ac_stats *out)
{
	out->size = ac.size;
	out->used = ac.used;
	out->entries = ac.entries;
	out->hits = ac.hits;
	out->misses = ac.misses;
	out->stored = ac.stored;
	out->evicted = ac.evicted;
	out->flushes = ac.flushes;
	out->active = is_active();
}

/* --- is it on? --- */

static bool plugins_allow(const struct kr_context *ctx)
{
	ac.hook_count = 0;
	struct kr_plugin **hooks = realloc(ac.hooks, (ctx->plugin_count + 1) * sizeof(*hooks));
	if (!hooks)
		return false;
	ac.hooks = hooks;
	for (size_t i = 0; i < ctx->plugin_count; ++i) {
		struct kr_plugin *p = ctx->plugins[i];
		const struct kr_plugin_api *api = p->api;
		bool (*reusable)(struct kr_plugin *) =
			KR_PLUGIN_API_HAS(api, answers_reusable) ? api->answers_reusable : NULL;
		if (reusable ? !reusable(p) : api->layer != NULL)
			return false;
		if (KR_PLUGIN_API_HAS(api, answer_reused) && api->answer_reused)
			ac.hooks[ac.hook_count++] = p;
	}
	return true;
}

/** Is the cache usable now? Recomputed after a flush or a change of options. */
static bool is_active(void)
{
	const struct kr_context *ctx = &the_daemon.ctx;
	if (kr_unlikely(ctx->plugins_gen != ac.seen_plugins_gen || ctx->options != ac.seen_options ||
			ctx->bufsize != ac.seen_bufsize)) {
		ac.seen_plugins_gen = ctx->plugins_gen;
		ac.seen_options = ctx->options;
		ac.seen_bufsize = ctx->bufsize;
		kr_answer_cache_flush();
	}
	for (unsigned i = 0; i < ac.watch_count; ++i) {
		struct watch *w = &ac.watch[i];
		if (*w->counter != w->seen) {
			w->seen = *w->counter;
			kr_answer_cache_flush();
		}
	}
	if (kr_unlikely(ac.dirty)) {
		ac.dirty = false;
		ac.active = ac.size && init_table() == 0 &&
			    !(ctx->options & (KR_QF_REORDER_RR | KR_QF_TRACE | KR_QF_NO_CACHE)) &&
			    plugins_allow(ctx);
	}
	return ac.active && !kr_log_verbose();
}

/* --- the key --- */

struct qkey {
	uint8_t key[KEY_MAX];
	size_t klen;
	uint32_t hash;
	uint16_t qtype;
	uint16_t qname_len;
	uint16_t udp_max;           /* the answer size the client takes over UDP */
	bool edns, do_bit;
};

/**
 * Are the query's EDNS options all of kinds that change nothing in the answer?
 * A client's DNS COOKIE (RFC 7873: kresd does not do cookies, so it answers as
 * to a query without one) and padding (RFC 7830). Others (NSID, keepalive,
 * ECS, unknown) are for the layers: such a query goes the normal way.
 */
static bool options_ignored(const uint8_t *p, size_t len)
{
	while (len) {
		if (len < 4)
			return false;
		uint16_t code = kr__get16(p), olen = kr__get16(p + 2);
		if ((size_t)olen + 4 > len)
			return false;
		bool cookie = code == KR_EDNS_OPT_COOKIE && (olen == 8 || (olen >= 16 && olen <= 40));
		if (!cookie && code != KR_EDNS_OPT_PADDING)
			return false;
		p += 4 + olen;
		len -= 4 + (size_t)olen;
	}
	return true;
}

/**
 * The key of a plain query: opcode QUERY, one question of class IN and a data
 * type, no records but an optional OPT of version 0 (options: see
 * options_ignored()), nothing after it.
 * @return false for any other query (it goes the normal way).
 */
static bool query_key(const uint8_t *q, size_t len, struct qkey *k)
{
	if (len < KR_PKT_HDRSIZE + 5 || (q[2] & 0xFE) || (q[3] & ~0x30) ||
	    kr__get16(q + 4) != 1 || kr__get16(q + 6) || kr__get16(q + 8) || kr__get16(q + 10) > 1)
		return false;
	uint32_t h = 2166136261u;
	size_t i = KR_PKT_HDRSIZE;
	uint8_t *out = k->key + 4;
	for (;;) {
		uint8_t l = q[i];
		if (l & 0xC0)
			return false;
		size_t end = i + 1 + l;
		if (end >= len || end - KR_PKT_HDRSIZE > KR_DNAME_MAXLEN)
			return false;
		*out++ = l;
		h = (h ^ l) * 16777619u;
		for (++i; i < end; ++i) {
			uint8_t c = kr__lower(q[i]);
			*out++ = c;
			h = (h ^ c) * 16777619u;
		}
		if (l == 0)
			break;
	}
	k->qname_len = (uint16_t)(i - KR_PKT_HDRSIZE);
	if (i + 4 > len)
		return false;
	uint16_t qtype = kr__get16(q + i), qclass = kr__get16(q + i + 2);
	i += 4;
	if (qclass != KR_CLASS_IN || qtype == 0 || qtype == KR_TYPE_OPT || (qtype >= 128 && qtype <= 255))
		return false;
	k->edns = k->do_bit = false;
	k->udp_max = KR_EDNS_MIN_BUFSIZE;
	if (q[11] == 1) {
		/* root owner, type OPT, payload, ext. RCODE 0, version 0, flags DO only,
		 * options kresd ignores (or none), nothing after it */
		if (i + 11 > len || q[i] != 0 || kr__get16(q + i + 1) != KR_TYPE_OPT || q[i + 5] || q[i + 6] ||
		    (q[i + 7] & 0x7F) || q[i + 8] || i + 11 + kr__get16(q + i + 9) != len ||
		    !options_ignored(q + i + 11, kr__get16(q + i + 9)))
			return false;
		k->edns = true;
		k->do_bit = q[i + 7] & 0x80;
		uint16_t size = kr__get16(q + i + 3);
		uint16_t ours = the_daemon.ctx.bufsize;
		k->udp_max = size > ours ? ours : size < KR_EDNS_MIN_BUFSIZE ? KR_EDNS_MIN_BUFSIZE : size;
	} else if (i != len) {
		return false;
	}
	k->qtype = qtype;
	k->key[0] = (uint8_t)((q[2] & 0x01) | ((q[3] & 0x30) >> 3) | (k->edns << 3) | (k->do_bit << 4));
	k->key[1] = 0;
	k->key[2] = (uint8_t)(qtype >> 8);
	k->key[3] = (uint8_t)qtype;
	h = (h ^ k->key[0]) * 16777619u;
	h = (h ^ qtype) * 16777619u;
	k->hash = h ^ (h >> 15);
	k->klen = 4 + k->qname_len;
	return true;
}

static struct entry **bucket_find(const struct qkey *k)
{
	struct entry **pe = &ac.buckets[k->hash & ac.mask];
	for (; *pe; pe = &(*pe)->next) {
		struct entry *e = *pe;
		if (e->hash == k->hash && e->klen == k->klen && memcmp(e->data, k->key, k->klen) == 0)
			return pe;
	}
	return pe;
}

/* --- look-up --- */

static void age(struct entry *e, int64_t now)
{
	uint32_t s = (uint32_t)(now - e->stored);
	if (s == e->aged_s)
		return;
	e->aged_s = s;
	for (uint16_t i = 0; i < e->nttl; ++i) {
		uint32_t v = e->ttls[i].orig - s;
		kr__put32(e->wire + e->ttls[i].off, v);
	}
}

/** Is e dead: flushed, expired, or stored in the future (the clock went back)? */
static bool dead(const struct entry *e, int64_t now)
{
	return e->gen != ac.gen || now >= e->expire || now < e->stored;
}

size_t kr__answer_cache_find(const struct kr_ac_query *q, const uint8_t **answer)
{
	if (!is_active())
		return 0;
	struct qkey k;
	if (!query_key(q->wire, q->len, &k))
		return 0;
	struct entry **pe = bucket_find(&k);
	struct entry *e = *pe;
	if (!e) {
		++ac.misses;
		return 0;
	}
	int64_t now = time(NULL);
	if (dead(e, now)) {
		bucket_drop(pe);
		++ac.misses;
		return 0;
	}
	if (!(q->flags & KR_REQ_TCP) && e->wlen > k.udp_max) {
		++ac.misses;   /* the normal way truncates it */
		return 0;
	}
	if (!e->local)
		age(e, now);
	e->wire[0] = q->wire[0];
	e->wire[1] = q->wire[1];
	memcpy(e->wire + KR_PKT_HDRSIZE, q->wire + KR_PKT_HDRSIZE, e->qname_len);
	e->referenced = true;
	++ac.hits;
	if (ac.hook_count) {
		struct kr_reused_answer info = {
			.qname = q->wire + KR_PKT_HDRSIZE, .qtype = k.qtype, .flags = q->flags,
			.addr = q->addr, .answer = e->wire, .answer_size = e->wlen,
			.query_edns = k.edns, .query_do = k.do_bit, .local = e->local,
		};
		for (size_t i = 0; i < ac.hook_count; ++i)
			ac.hooks[i]->api->answer_reused(ac.hooks[i], &info);
		if (info.forget) {
			static uint8_t last[MAX_WIRE];   /* the answer outlives its entry */
			size_t len = e->wlen;
			memcpy(last, e->wire, len);
			bucket_drop(pe);
			*answer = last;
			return len;
		}
	}
	*answer = e->wire;
	return e->wlen;
}

/* --- storing --- */

/**
 * Find the TTLs of the answer's records. @return the smallest TTL, or 0 when
 * the answer cannot be kept (an OPT with options, a TTL of 0, malformed).
 */
static uint32_t scan_ttls(const uint8_t *w, size_t len, size_t qname_len, struct ttl_slot *slots,
			  uint16_t *nslots)
{
	size_t i = KR_PKT_HDRSIZE + qname_len + 4;
	size_t count = (size_t)kr__get16(w + 6) + kr__get16(w + 8) + kr__get16(w + 10);
	if (count == 0 || count > MAX_TTLS || i > len)
		return 0;
	uint32_t min = UINT32_MAX;
	uint16_t n = 0;
	for (size_t r = 0; r < count; ++r) {
		if (kr_dname_unpack(NULL, w, len, &i) < 0 || i + 10 > len)
			return 0;
		uint16_t type = kr__get16(w + i), rdlen = kr__get16(w + i + 8);
		if (i + 10 + rdlen > len)
			return 0;
		if (type == KR_TYPE_OPT) {
			if (rdlen || w[i + 4])   /* options (EDE, padding...), extended RCODE */
				return 0;
		} else {
			uint32_t ttl = kr__get32(w + i + 4);
			if (ttl == 0 || ttl > 0x7FFFFFFF)
				return 0;
			if (ttl < min)
				min = ttl;
			slots[n].off = (uint16_t)(i + 4);
			slots[n].orig = ttl;
			++n;
		}
		i += 10 + rdlen;
	}
	if (i != len || n == 0)
		return 0;
	*nslots = n;
	return min;
}

/** Free the dead entries of hash's bucket. @return how many live ones it holds. */
static unsigned bucket_prune(uint32_t hash, int64_t now)
{
	unsigned live = 0;
	for (struct entry **pe = &ac.buckets[hash & ac.mask]; *pe;) {
		if (dead(*pe, now)) {
			bucket_drop(pe);
		} else {
			++live;
			pe = &(*pe)->next;
		}
	}
	return live;
}

/** Make room for bytes: evict by CLOCK (dead and expired entries first met, first freed). */
static void make_room(size_t bytes, int64_t now)
{
	size_t guard = 2 * ac.entries + 2;
	while (ac.used + bytes > ac.size && ac.ring.next != &ac.ring && guard--) {
		struct entry *e = (struct entry *)ac.ring.next;
		if (e->referenced && !dead(e, now)) {
			e->referenced = false;   /* second chance: to the tail */
			ring_unlink(&e->ring);
			ring_append(&e->ring);
			continue;
		}
		struct qkey k = { .hash = e->hash, .klen = e->klen };
		memcpy(k.key, e->data, e->klen);
		struct entry **pe = bucket_find(&k);
		if (*pe == e) {
			bucket_drop(pe);
			++ac.evicted;
		} else {
			break;   /* cannot happen: every entry is in its bucket */
		}
	}
}

/**
 * Was every query of req answered from the cache, or every one from local
 * data (hints: CACHED and NO_CACHE)? From the cache, the answer's TTLs are
 * what the cache has left: they age, and the entry lives no longer than the
 * cache keeps its data. Local data has fixed TTLs (*local: not aged); an
 * answer mixing both cannot be aged record by record and is not kept. An
 * answer from upstream shows the upstream's TTLs, which the cache may have cut
 * when it stored them (cache.max_ttl, a negative answer's SOA MINIMUM): it is
 * not kept, the next query's answer, from the cache, is.
 */
static bool from_cache(const struct kr_request *req, bool *local)
{
	const uint64_t both = KR_QF_CACHED | KR_QF_NO_CACHE;
	unsigned n_local = 0;
	for (uint32_t i = 0; i < req->rplan.resolved_len; ++i) {
		uint64_t f = req->rplan.resolved[i]->flags;
		if (!(f & KR_QF_CACHED))
			return false;
		n_local += (f & both) == both;
	}
	*local = n_local && n_local == req->rplan.resolved_len;
	return n_local == 0 || *local;
}

void kr__answer_cache_offer(const struct kr_request *req, uint32_t gen)
{
	const kr_pkt_t *a = req->answer;
	const kr_pkt_t *q = req->qsource.packet;
	bool local = false;
	if (!a || !q || gen != ac.gen || req->no_answer_reuse || (req->options & KR_QF_TRACE) ||
	    (req->qsource.flags & KR_REQ_INTERNAL) || a->size > MAX_WIRE || a->size < KR_PKT_HDRSIZE ||
	    !from_cache(req, &local) || !is_active() || gen != ac.gen)
		return;
	const uint8_t *w = a->wire;
	uint8_t rcode = w[3] & 0x0F;
	if ((rcode != KR_RCODE_NOERROR && rcode != KR_RCODE_NXDOMAIN) || (w[2] & 0x02) || kr__get16(w + 4) != 1)
		return;
	struct qkey k;
	if (!query_key(q->wire, q->size, &k))
		return;
	/* The answer's question is the query's (the client's letter case goes there). */
	if (a->size < (size_t)KR_PKT_HDRSIZE + k.qname_len + 4 ||
	    memcmp(w + KR_PKT_HDRSIZE + k.qname_len, q->wire + KR_PKT_HDRSIZE + k.qname_len, 4) != 0)
		return;
	for (size_t i = 0; i < k.qname_len; ++i)
		if (kr__lower(w[KR_PKT_HDRSIZE + i]) != k.key[4 + i])
			return;
	struct ttl_slot slots[MAX_TTLS];
	uint16_t nttl = 0;
	uint32_t min_ttl = scan_ttls(w, a->size, k.qname_len, slots, &nttl);
	if (!min_ttl)
		return;
	int64_t now = time(NULL);
	const struct entry *twin = *bucket_find(&k);
	if (twin && !dead(twin, now))
		return;   /* a twin request stored it first */
	/* Chains stay short even for names made to share a bucket (the hash is no secret). */
	if (bucket_prune(k.hash, now) >= CHAIN_MAX)
		return;
	size_t slots_off = (k.klen + 7) & ~(size_t)7;
	size_t wire_off = slots_off + nttl * sizeof(struct ttl_slot);
	size_t bytes = sizeof(struct entry) + wire_off + a->size;
	if (bytes > ac.size / 8)
		return;
	make_room(bytes, now);
	if (ac.used + bytes > ac.size)
		return;
	struct entry **pe = bucket_find(&k);   /* eviction may have changed the chain */
	struct entry *e = malloc(bytes);
	if (!e)
		return;
	memcpy(e->data, k.key, k.klen);
	e->ttls = (struct ttl_slot *)(e->data + slots_off);
	memcpy(e->ttls, slots, nttl * sizeof(struct ttl_slot));
	e->wire = e->data + wire_off;
	memcpy(e->wire, w, a->size);
	e->next = NULL;
	e->hash = k.hash;
	e->gen = ac.gen;
	e->stored = now;
	e->expire = now + min_ttl;
	e->aged_s = 0;
	e->klen = (uint16_t)k.klen;
	e->wlen = (uint16_t)a->size;
	e->nttl = nttl;
	e->qname_len = k.qname_len;
	e->referenced = false;
	e->local = local;
	e->bytes = bytes;
	*pe = e;
	ring_append(&e->ring);
	ac.used += bytes;
	++ac.entries;
	++ac.stored;
}
