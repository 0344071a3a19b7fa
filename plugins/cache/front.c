/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The in-memory front of the cache: per process, a fixed number of fixed-size
 * slots (4-way set associative) holding copies of stored entries by key, so a
 * hot look-up does not enter Berkeley DB. An entry in the front is the same
 * bytes as in the database; the reader applies the same checks (expiry on the
 * wall clock read per request, rank, bogus), so an answer is the same either
 * way.
 *
 * Invalidation across processes: a generation counter in a shared mapping of
 * the file cache.gen beside the database. cache.clear() in any process bumps
 * it after deleting; every look-up reads it (one atomic load) and a changed
 * value empties the front (an epoch bump: O(1)). Data inserted or replaced
 * by another process is seen here only when this front's copy expires or is
 * evicted (at most its remaining TTL late).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plugins/cache/cache-impl.h"

#define GEN_FILE "cache.gen"

/** Slot header; key, then the entry at an 8-byte offset. */
struct front_slot {
	uint32_t epoch;    /**< valid only when equal to the front's epoch (0: never) */
	uint32_t hash;
	uint32_t expire;   /**< the entry's expiry (wall clock, seconds) */
	uint16_t klen;
	uint16_t vlen;
};
#define SLOT_HDR sizeof(struct front_slot)
#define VAL_OFF(klen) ((SLOT_HDR + (klen) + 7u) & ~7u)

static struct front_slot *slot_at(const struct cache_front *f, uint32_t i)
{
	return (struct front_slot *)(f->slots + (size_t)i * CACHE_FRONT_SLOT);
}

/** A hash of the key, eight bytes at a time. */
static uint32_t key_hash(const uint8_t *key, size_t klen)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ klen;
	size_t i = 0;
	for (; i + 8 <= klen; i += 8) {
		uint64_t w;
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, key + i, klen - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

int cache_front_init(struct cache_front *f, size_t bytes)
{
	free(f->slots);
	f->slots = NULL;
	f->size = bytes;
	uint32_t n = 0;
	if (bytes >= (size_t)CACHE_FRONT_SLOT * CACHE_FRONT_WAYS) {
		/* The largest power of two of slots that fits. */
		size_t want = bytes / CACHE_FRONT_SLOT;
		n = CACHE_FRONT_WAYS;
		while ((size_t)n * 2 <= want && n < (1u << 24))
			n *= 2;
	}
	f->nslots = n;
	f->epoch = 1;
	return 0;
}

void cache_front_flush(struct cache_front *f)
{
	++f->flush;
	if (++f->epoch == 0) {
		/* Wrapped: slots of epoch 1 may be old. */
		if (f->slots)
			memset(f->slots, 0, (size_t)f->nslots * CACHE_FRONT_SLOT);
		f->epoch = 1;
	}
}

void cache_front_detach(struct cache_front *f)
{
	if (f->gen) {
		kr_answer_cache_watch(f, NULL);
		munmap((void *)f->gen, sizeof(*f->gen));
	}
	f->gen = NULL;
	f->gen_dev = 0;
	f->gen_ino = 0;
}

int cache_front_attach(struct cache_front *f, const char *dir)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/%s", dir, GEN_FILE);
	struct stat st;
	if (f->gen && stat(path, &st) == 0 && st.st_dev == f->gen_dev && st.st_ino == f->gen_ino)
		return 0;
	cache_front_detach(f);
	cache_front_flush(f);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	int ret = 0;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if (st.st_size < (off_t)sizeof(uint64_t) && ftruncate(fd, sizeof(uint64_t)) != 0) {
		ret = -errno;
		goto out;
	}
	void *m = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	f->gen = m;
	kr_answer_cache_watch(f, f->gen);   /* cache.clear() in another process reaches its answers */
	f->gen_dev = st.st_dev;
	f->gen_ino = st.st_ino;
	f->gen_seen = __atomic_load_n(f->gen, __ATOMIC_ACQUIRE);
out:
	close(fd);
	return ret;
}

void cache_front_sync(struct cache_front *f)
{
	if (!f->gen)
		return;
	uint64_t g = __atomic_load_n(f->gen, __ATOMIC_ACQUIRE);
	if (g != f->gen_seen) {
		f->gen_seen = g;
		cache_front_flush(f);
	}
}

void cache_front_bump(struct cache_front *f)
{
	if (f->gen)
		f->gen_seen = __atomic_add_fetch(f->gen, 1, __ATOMIC_ACQ_REL);
	cache_front_flush(f);
}

bool cache_front_usable(const struct cache_front *f)
{
	return f->nslots && f->gen;
}

int cache_front_get(struct cache_front *f, const uint8_t *key, size_t klen, uint32_t now,
		    kr_mm_t *mm, uint8_t **val, size_t *len)
{
	if (!f->slots || !f->gen)
		return -ENOENT;
	uint32_t h = key_hash(key, klen);
	uint32_t base = h & (f->nslots - CACHE_FRONT_WAYS);
	for (uint32_t i = 0; i < CACHE_FRONT_WAYS; ++i) {
		struct front_slot *s = slot_at(f, base + i);
		if (s->epoch != f->epoch || s->hash != h || s->klen != klen ||
		    memcmp((uint8_t *)s + SLOT_HDR, key, klen) != 0)
			continue;
		if (s->expire <= now || (s->vlen == 0 && s->expire - now > CACHE_FRONT_ABSENT_TTL)) {
			/* Expired (or a marker from before the clock went back): free
			 * the slot, the database may know newer data. */
			s->epoch = 0;
			break;
		}
		if (s->vlen == 0) {
			++f->hit;
			return -ENODATA;   /* an absence marker */
		}
		uint8_t *out = kr_mm_alloc(mm, s->vlen);
		if (!out)
			return -ENOMEM;
		memcpy(out, (uint8_t *)s + VAL_OFF(klen), s->vlen);
		*val = out;
		*len = s->vlen;
		++f->hit;
		return 0;
	}
	++f->miss;
	return -ENOENT;
}

/** The slot of key (its copy), or NULL and in *victim the slot a new copy takes. */
static struct front_slot *slot_find(struct cache_front *f, const uint8_t *key, size_t klen, uint32_t h,
				    uint32_t now, struct front_slot **victim)
{
	uint32_t base = h & (f->nslots - CACHE_FRONT_WAYS);
	/* Else a free (empty or expired) slot; else the one that expires soonest. */
	uint32_t best = UINT32_MAX;
	*victim = NULL;
	for (uint32_t i = 0; i < CACHE_FRONT_WAYS; ++i) {
		struct front_slot *s = slot_at(f, base + i);
		bool live = s->epoch == f->epoch && s->expire > now;
		if (s->epoch == f->epoch && s->hash == h && s->klen == klen &&
		    memcmp((uint8_t *)s + SLOT_HDR, key, klen) == 0)
			return s;
		uint32_t score = live ? s->expire : 0;
		if (!*victim || score < best) {
			*victim = s;
			best = score;
		}
	}
	return NULL;
}

/** Fill slot s with key and val (vlen 0: an absence marker) until expire. */
static void slot_fill(struct cache_front *f, struct front_slot *s, bool same, const uint8_t *key,
		      size_t klen, uint32_t h, const uint8_t *val, size_t vlen, uint32_t expire,
		      uint32_t now)
{
	if (!same && s->epoch == f->epoch && s->expire > now)
		++f->replace;   /* a live entry of another key goes */
	s->epoch = f->epoch;
	s->hash = h;
	s->expire = expire;
	s->klen = (uint16_t)klen;
	s->vlen = (uint16_t)vlen;
	memcpy((uint8_t *)s + SLOT_HDR, key, klen);
	if (vlen)
		memcpy((uint8_t *)s + VAL_OFF(klen), val, vlen);
	++f->insert;
}

static bool slots_ready(struct cache_front *f)
{
	if (!f->nslots || !f->gen)
		return false;
	if (!f->slots)
		f->slots = calloc(f->nslots, CACHE_FRONT_SLOT);   /* pages become resident as used */
	return f->slots != NULL;
}

void cache_front_put(struct cache_front *f, const uint8_t *key, size_t klen, const uint8_t *val,
		     size_t vlen, uint32_t now)
{
	struct cache_entry_hdr hdr;
	if (vlen == 0 || cache_entry_header(val, vlen, &hdr) != 0 || !slots_ready(f))
		return;
	uint32_t h = key_hash(key, klen);
	struct front_slot *victim, *same = slot_find(f, key, klen, h, now, &victim);
	if ((hdr.rank & KR_RANK_BOGUS) || hdr.expire <= now || VAL_OFF(klen) + vlen > CACHE_FRONT_SLOT) {
		if (same)
			same->epoch = 0;   /* never keep an older copy of what is now bogus */
		return;
	}
	slot_fill(f, same ? same : victim, same != NULL, key, klen, h, val, vlen, hdr.expire, now);
}

void cache_front_put_absent(struct cache_front *f, const uint8_t *key, size_t klen, uint32_t now)
{
	if (VAL_OFF(klen) > CACHE_FRONT_SLOT || !slots_ready(f))
		return;
	uint32_t h = key_hash(key, klen);
	struct front_slot *victim, *same = slot_find(f, key, klen, h, now, &victim);
	slot_fill(f, same ? same : victim, same != NULL, key, klen, h, NULL, 0,
		  now + CACHE_FRONT_ABSENT_TTL, now);
}

void cache_front_drop(struct cache_front *f, const uint8_t *key, size_t klen)
{
	if (!f->slots)
		return;
	uint32_t h = key_hash(key, klen);
	struct front_slot *victim, *same = slot_find(f, key, klen, h, 0, &victim);
	if (same)
		same->epoch = 0;
}

bool cache_front_holds(struct cache_front *f, const uint8_t *key, size_t klen, const uint8_t *val,
		       size_t vlen, uint32_t now)
{
	struct cache_entry_hdr hdr, old;
	if (!f->slots || !f->gen || cache_entry_header(val, vlen, &hdr) != 0)
		return false;
	uint32_t h = key_hash(key, klen);
	struct front_slot *victim, *s = slot_find(f, key, klen, h, now, &victim);
	if (!s || s->vlen != vlen || s->expire <= now)
		return false;
	const uint8_t *copy = (const uint8_t *)s + VAL_OFF(klen);
	if (cache_entry_header(copy, s->vlen, &old) != 0)
		return false;
	/* Bytes 0-7 are the expiry and the TTL; the rest (rank, kind, sets) must be equal. */
	return cache_ttl_remaining(&old, now) * 2 >= hdr.ttl && memcmp(copy + 8, val + 8, vlen - 8) == 0;
}

void cache_front_deinit(struct cache_front *f)
{
	cache_front_detach(f);
	free(f->slots);
	f->slots = NULL;
	f->nslots = 0;
}
