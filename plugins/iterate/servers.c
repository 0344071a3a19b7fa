/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The server table: smoothed RTT, back-off after timeouts and lameness per
 * zone, by address. A fixed-size open-addressing table: a lookup probes a few
 * slots; when all are taken, the least recently updated one is reused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "plugins/iterate/iterate-impl.h"

bool iter_addr_eq(const union kr_sockaddr *a, const union kr_sockaddr *b)
{
	if (a->ip.sa_family != b->ip.sa_family)
		return false;
	if (a->ip.sa_family == AF_INET)
		return a->ip4.sin_port == b->ip4.sin_port && a->ip4.sin_addr.s_addr == b->ip4.sin_addr.s_addr;
	if (a->ip.sa_family == AF_INET6)
		return a->ip6.sin6_port == b->ip6.sin6_port &&
		       memcmp(&a->ip6.sin6_addr, &b->ip6.sin6_addr, 16) == 0;
	return false;
}

bool iter_addr_is_local(const union kr_sockaddr *a)
{
	if (a->ip.sa_family == AF_INET) {
		uint8_t first = ((const uint8_t *)&a->ip4.sin_addr)[0];
		return first == 127 || first == 0;
	}
	if (a->ip.sa_family != AF_INET6)
		return true;
	const uint8_t *b = a->ip6.sin6_addr.s6_addr;
	static const uint8_t zero[15];
	if (memcmp(b, zero, 15) == 0)
		return b[15] == 0 || b[15] == 1;   /* :: and ::1 */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(b, mapped, 12) == 0 && (b[12] == 127 || b[12] == 0);
}

void iter_addr_str(const union kr_sockaddr *a, char *dst, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (a->ip.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->ip4.sin_addr, ip, sizeof(ip));
		port = ntohs(a->ip4.sin_port);
	} else if (a->ip.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->ip6.sin6_addr, ip, sizeof(ip));
		port = ntohs(a->ip6.sin6_port);
	}
	snprintf(dst, len, "%s#%u", ip, port);
}

/** FNV-1a over the address bytes and port. */
static uint32_t addr_hash(const union kr_sockaddr *a)
{
	const uint8_t *p;
	size_t n;
	uint16_t port;
	if (a->ip.sa_family == AF_INET) {
		p = (const uint8_t *)&a->ip4.sin_addr;
		n = 4;
		port = a->ip4.sin_port;
	} else {
		p = a->ip6.sin6_addr.s6_addr;
		n = 16;
		port = a->ip6.sin6_port;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; ++i)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

/** Case-insensitive FNV-1a of a wire name (0 is never returned). */
static uint32_t zone_hash(const uint8_t *name)
{
	uint32_t h = 2166136261u;
	size_t len = kr_dname_size(name);
	for (size_t i = 0; i < len; ++i) {
		uint8_t c = name[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		h = (h ^ c) * 16777619u;
	}
	return h ? h : 1;
}

void iter_servers_init(struct iter_servers *t)
{
	memset(t, 0, sizeof(*t));
}

static struct iter_srv *find(const struct iter_servers *t, const union kr_sockaddr *addr)
{
	uint32_t h = addr_hash(addr);
	for (uint32_t i = 0; i < ITER_SRV_PROBE; ++i) {
		const struct iter_srv *s = &t->slot[(h + i) & (ITER_SRV_SLOTS - 1)];
		if (s->addr.ip.sa_family && iter_addr_eq(&s->addr, addr))
			return (struct iter_srv *)s;
	}
	return NULL;
}

const struct iter_srv *iter_servers_get(const struct iter_servers *t, const union kr_sockaddr *addr)
{
	return find(t, addr);
}

/** The entry of addr, made if needed (evicting the least recently updated of the probed slots). */
static struct iter_srv *get_or_add(struct iter_servers *t, const union kr_sockaddr *addr, uint64_t now)
{
	struct iter_srv *s = find(t, addr);
	if (s)
		return s;
	uint32_t h = addr_hash(addr);
	struct iter_srv *victim = NULL;
	for (uint32_t i = 0; i < ITER_SRV_PROBE; ++i) {
		struct iter_srv *c = &t->slot[(h + i) & (ITER_SRV_SLOTS - 1)];
		if (!c->addr.ip.sa_family) {
			victim = c;
			++t->count;
			break;
		}
		if (!victim || c->last_ms < victim->last_ms)
			victim = c;
	}
	memset(victim, 0, sizeof(*victim));
	victim->addr = *addr;
	victim->srtt = ITER_SRTT_UNKNOWN;
	victim->last_ms = now;
	return victim;
}

void iter_servers_rtt(struct iter_servers *t, const union kr_sockaddr *addr, uint32_t rtt_ms, uint64_t now)
{
	struct iter_srv *s = find(t, addr);
	bool fresh = !s;
	if (!s)
		s = get_or_add(t, addr, now);
	if (rtt_ms == 0)
		rtt_ms = 1;
	/* A first measurement, or the first after timeouts, replaces the estimate. */
	if (fresh || s->timeouts)
		s->srtt = rtt_ms;
	else
		s->srtt = (s->srtt * 7 + rtt_ms + 4) / 8;
	s->timeouts = 0;
	s->backoff_until = 0;
	s->last_ms = now;
}

void iter_servers_timeout(struct iter_servers *t, const union kr_sockaddr *addr, uint64_t now)
{
	struct iter_srv *s = get_or_add(t, addr, now);
	if (s->timeouts < 16)
		++s->timeouts;
	uint64_t backoff = (uint64_t)ITER_BACKOFF_BASE << (s->timeouts - 1);
	if (backoff > ITER_BACKOFF_MAX)
		backoff = ITER_BACKOFF_MAX;
	s->backoff_until = now + backoff;
	if (s->srtt < ITER_SRTT_TIMEOUT)
		s->srtt = ITER_SRTT_TIMEOUT;
	s->last_ms = now;
}

void iter_servers_lame(struct iter_servers *t, const union kr_sockaddr *addr, const uint8_t *zone, uint64_t now)
{
	struct iter_srv *s = get_or_add(t, addr, now);
	s->lame_zone = zone_hash(zone);
	s->lame_until = now + ITER_LAME_TIME;
	s->last_ms = now;
}

/** A candidate being ordered. */
struct scored {
	uint64_t score;
	uint32_t tie;
	int idx;
};

/** Score classes: live < lame for this zone < backed off. */
#define SCORE_LAME (1ull << 40)
#define SCORE_BACKOFF (1ull << 41)

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int iter_servers_order(const struct iter_servers *t, const union kr_sockaddr *cand, int n,
		       const uint8_t *zone, uint64_t now, uint64_t rnd,
		       union kr_sockaddr *out, int max)
{
	if (n <= 0 || max <= 0)
		return 0;
	struct scored sc[n];
	uint32_t zh = zone_hash(zone);
	uint64_t r = rnd;
	int live = 0;
	for (int i = 0; i < n; ++i) {
		const struct iter_srv *s = find(t, &cand[i]);
		uint64_t score = s ? s->srtt : ITER_SRTT_UNKNOWN;
		if (s && s->backoff_until > now)
			score += SCORE_BACKOFF + (s->backoff_until - now);
		else if (s && s->lame_until > now && s->lame_zone == zh)
			score += SCORE_LAME;
		else
			++live;
		sc[i] = (struct scored){ .score = score, .tie = (uint32_t)xorshift(&r), .idx = i };
	}
	/* Insertion sort: n is small (a few dozen addresses at most). */
	for (int i = 1; i < n; ++i) {
		struct scored x = sc[i];
		int j = i - 1;
		while (j >= 0 && (sc[j].score > x.score || (sc[j].score == x.score && sc[j].tie > x.tie))) {
			sc[j + 1] = sc[j];
			--j;
		}
		sc[j + 1] = x;
	}
	/* Exploration: now and then, put another live server first to learn its RTT. */
	if (live > 1 && xorshift(&r) % ITER_EXPLORE_ONE_IN == 0) {
		int pick = 1 + (int)(xorshift(&r) % (uint64_t)(live - 1));
		struct scored x = sc[pick];
		memmove(&sc[1], &sc[0], (size_t)pick * sizeof(sc[0]));
		sc[0] = x;
	}
	int count = n < max ? n : max;
	for (int i = 0; i < count; ++i)
		out[i] = cand[sc[i].idx];
	return count;
}
