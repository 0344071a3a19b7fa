/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The predict plugin's query table: per-window counts, expiry, prefetch queue. */
#include <stdlib.h>
#include <string.h>
#include "plugins/predict/predict-impl.h"

int predict_table_init(struct predict_table *t, uint32_t cap, unsigned period)
{
	memset(t, 0, sizeof(*t));
	uint32_t c = 16;
	while (c < cap && c < (1u << 24))
		c <<= 1;
	t->cap = c;
	t->period = period < 1 ? 1 : period > PREDICT_PERIOD_MAX ? PREDICT_PERIOD_MAX : period;
	t->e = calloc(c, sizeof(*t->e));
	t->spare = calloc(c, sizeof(*t->spare));
	t->pending = calloc(PREDICT_PENDING_MAX, sizeof(*t->pending));
	if (!t->e || !t->spare || !t->pending) {
		predict_table_deinit(t);
		return -ENOMEM;
	}
	return 0;
}

void predict_table_deinit(struct predict_table *t)
{
	free(t->e);
	free(t->spare);
	free(t->pending);
	memset(t, 0, sizeof(*t));
}

static uint32_t key_hash(const uint8_t *name, size_t len, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;   /* FNV-1a */
	for (size_t i = 0; i < len; ++i)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

/** The entry of (name, type) in e[cap], added when missing. @return it, or NULL when no slot is free nearby. */
static struct predict_entry *slot(struct predict_entry *e, uint32_t cap, const uint8_t *name, size_t len,
				  uint16_t type, uint32_t *used)
{
	uint32_t h = key_hash(name, len, type);
	for (uint32_t i = 0; i < PREDICT_PROBES; ++i) {
		struct predict_entry *s = &e[(h + i) & (cap - 1)];
		if (!s->used) {
			memset(s, 0, sizeof(*s));
			memcpy(s->key.name, name, len);
			s->key.type = type;
			s->used = true;
			++*used;
			return s;
		}
		if (s->key.type == type && memcmp(s->key.name, name, len) == 0)
			return s;
	}
	return NULL;
}

bool predict_observe(struct predict_table *t, const uint8_t *name, uint16_t type, bool client,
		     bool cached, uint32_t ttl, int64_t now, bool reused)
{
	uint8_t lower[KR_DNAME_MAXLEN];
	size_t len = kr_dname_size(name);
	if (!t->e || len == 0 || len > sizeof(lower))
		return false;
	memcpy(lower, name, len);
	kr_dname_lower(lower);
	struct predict_entry *s = slot(t->e, t->cap, lower, len, type, &t->used);
	if (!s) {
		++t->dropped;
		return false;
	}
	if (client) {
		s->seen |= 1;
		++s->count;
	}
	if (!cached) {
		s->ttl = ttl;
		s->expires = now + ttl;
		s->queued = false;
		s->refreshed = !client;
		return false;
	}
	/* In the last 10% of the TTL the upstream answer had: refresh it now. */
	if (s->queued)
		return true;
	if (!client || s->ttl == 0 || (uint64_t)ttl * 10 > s->ttl)
		return false;
	if (reused && s->refreshed)
		return true;
	if (t->pending_len == PREDICT_PENDING_MAX) {
		++t->dropped;
		return true;
	}
	t->pending[t->pending_len++] = s->key;
	s->queued = true;
	s->refreshed = false;
	++t->prefetched;
	return true;
}

int predict_take_pending(struct predict_table *t, struct predict_key *out, int max)
{
	int n = 0;
	while (n < max && (uint32_t)n < t->pending_len) {
		out[n] = t->pending[n];
		++n;
	}
	memmove(t->pending, t->pending + n, (t->pending_len - (uint32_t)n) * sizeof(*t->pending));
	t->pending_len -= (uint32_t)n;
	return n;
}

static unsigned popcount64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

int predict_rotate(struct predict_table *t, int64_t now, int64_t window_s, struct predict_key *out, int max)
{
	if (!t->e)
		return 0;
	uint64_t mask = t->period >= 64 ? UINT64_MAX : ((uint64_t)1 << t->period) - 1;
	int n = 0;
	memset(t->spare, 0, t->cap * sizeof(*t->spare));
	t->used = 0;
	for (uint32_t i = 0; i < t->cap; ++i) {
		struct predict_entry *s = &t->e[i];
		if (!s->used)
			continue;
		if (n < max && !s->queued && s->ttl && popcount64(s->seen & mask) >= 2 &&
		    s->expires <= now + window_s) {
			out[n++] = s->key;
			s->queued = true;
			++t->predicted;
		}
		s->seen = (s->seen << 1) & mask;
		s->count = 0;
		if (!s->seen && !s->queued)
			continue;   /* not asked within the period: forgotten */
		struct predict_entry *d = slot(t->spare, t->cap, s->key.name, kr_dname_size(s->key.name),
					       s->key.type, &t->used);
		if (!d) {
			++t->dropped;
			continue;
		}
		*d = *s;
	}
	struct predict_entry *tmp = t->e;
	t->e = t->spare;
	t->spare = tmp;
	return n;
}
