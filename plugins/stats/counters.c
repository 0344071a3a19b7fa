/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Counters from requests and answers, the frequent-names sketch and upstream RTTs. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/stats/stats-impl.h"

const char *const stats_names[STATS_COUNT] = {
	[STATS_REQ_TOTAL] = "request.total", [STATS_REQ_UDP] = "request.udp",
	[STATS_REQ_TCP] = "request.tcp", [STATS_REQ_DOT] = "request.dot",
	[STATS_REQ_INTERNAL] = "request.internal",
	[STATS_QUERY_EDNS] = "query.edns", [STATS_QUERY_DNSSEC] = "query.dnssec",
	[STATS_ANS_TOTAL] = "answer.total", [STATS_ANS_NOERROR] = "answer.noerror",
	[STATS_ANS_NODATA] = "answer.nodata", [STATS_ANS_NXDOMAIN] = "answer.nxdomain",
	[STATS_ANS_SERVFAIL] = "answer.servfail", [STATS_ANS_REFUSED] = "answer.refused",
	[STATS_ANS_FORMERR] = "answer.formerr", [STATS_ANS_NOTIMPL] = "answer.notimpl",
	[STATS_ANS_CACHED] = "answer.cached",
	[STATS_ANS_1MS] = "answer.1ms", [STATS_ANS_10MS] = "answer.10ms", [STATS_ANS_50MS] = "answer.50ms",
	[STATS_ANS_100MS] = "answer.100ms", [STATS_ANS_250MS] = "answer.250ms",
	[STATS_ANS_500MS] = "answer.500ms", [STATS_ANS_1000MS] = "answer.1000ms",
	[STATS_ANS_1500MS] = "answer.1500ms", [STATS_ANS_SLOW] = "answer.slow",
	[STATS_ANS_SUM_MS] = "answer.sum_ms",
	[STATS_ANS_AA] = "answer.aa", [STATS_ANS_TC] = "answer.tc", [STATS_ANS_RD] = "answer.rd",
	[STATS_ANS_RA] = "answer.ra", [STATS_ANS_AD] = "answer.ad", [STATS_ANS_CD] = "answer.cd",
	[STATS_ANS_EDNS0] = "answer.edns0", [STATS_ANS_DO] = "answer.do",
	[STATS_UP_UDP] = "upstream.udp", [STATS_UP_TCP] = "upstream.tcp",
	[STATS_UP_IPV4] = "upstream.ipv4", [STATS_UP_IPV6] = "upstream.ipv6",
	[STATS_UP_TIMEOUT] = "upstream.timeout",
};

struct stats *stats_new(void)
{
	return calloc(1, sizeof(struct stats));
}

void stats_free(struct stats *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->user_count; ++i)
		free(s->user[i].key);
	free(s->user);
	free(s);
}

void stats_count_request(struct stats *s, const struct kr_request *req)
{
	++s->c[STATS_REQ_TOTAL];
	uint32_t f = req->qsource.flags;
	if (f & KR_REQ_INTERNAL)
		++s->c[STATS_REQ_INTERNAL];
	else if (f & KR_REQ_TLS)
		++s->c[STATS_REQ_DOT];
	else if (f & KR_REQ_TCP)
		++s->c[STATS_REQ_TCP];
	else
		++s->c[STATS_REQ_UDP];
	const kr_pkt_t *q = req->qsource.packet;
	if (q && q->opt) {
		++s->c[STATS_QUERY_EDNS];
		if (kr_edns_do(q->opt))
			++s->c[STATS_QUERY_DNSSEC];
	}
	if (q && q->qname_size && !(f & KR_REQ_INTERNAL))
		stats_freq_add(&s->freq, q->qname, q->qtype);
}

void stats_count_answer(struct stats *s, const struct kr_request *req, uint64_t now_ms)
{
	const kr_pkt_t *a = req->answer;
	if (!a)
		return;   /* no answer will be sent */
	++s->c[STATS_ANS_TOTAL];
	uint16_t rcode = kr_pkt_rcode(a);
	switch (rcode) {
	case KR_RCODE_NOERROR:
		++s->c[kr_pkt_count(a, KR_SECTION_ANSWER) ? STATS_ANS_NOERROR : STATS_ANS_NODATA];
		break;
	case KR_RCODE_NXDOMAIN: ++s->c[STATS_ANS_NXDOMAIN]; break;
	case KR_RCODE_SERVFAIL: ++s->c[STATS_ANS_SERVFAIL]; break;
	case KR_RCODE_REFUSED: ++s->c[STATS_ANS_REFUSED]; break;
	case KR_RCODE_FORMERR: ++s->c[STATS_ANS_FORMERR]; break;
	case KR_RCODE_NOTIMPL: ++s->c[STATS_ANS_NOTIMPL]; break;
	default: break;
	}
	/* The answer of the last sub-query resolved: from the cache (or local data)? */
	const struct kr_rplan *plan = &req->rplan;
	const struct kr_query *last = plan->resolved_len ? plan->resolved[plan->resolved_len - 1] : plan->initial;
	if (last && (last->flags & KR_QF_CACHED))
		++s->c[STATS_ANS_CACHED];
	uint64_t ms = now_ms >= req->started_ms ? now_ms - req->started_ms : 0;
	s->c[STATS_ANS_SUM_MS] += ms;
	static const struct { uint64_t max; enum stats_counter c; } buckets[] = {
		{ 1, STATS_ANS_1MS }, { 10, STATS_ANS_10MS }, { 50, STATS_ANS_50MS },
		{ 100, STATS_ANS_100MS }, { 250, STATS_ANS_250MS }, { 500, STATS_ANS_500MS },
		{ 1000, STATS_ANS_1000MS }, { 1500, STATS_ANS_1500MS },
	};
	enum stats_counter b = STATS_ANS_SLOW;
	for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); ++i) {
		if (ms <= buckets[i].max) {
			b = buckets[i].c;
			break;
		}
	}
	++s->c[b];
	/* The engine cuts a UDP answer larger than the client takes to TC after this. */
	bool tc = kr_pkt_flag(a, KR_PKT_TC);
	if (!(req->qsource.flags & KR_REQ_TCP)) {
		size_t size = a->size + (a->opt ? kr_edns_wire_size(a->opt) : 0);
		tc = tc || size > req->qsource.size;
	}
	s->c[STATS_ANS_AA] += kr_pkt_flag(a, KR_PKT_AA) && !tc;
	s->c[STATS_ANS_TC] += tc;
	s->c[STATS_ANS_RD] += kr_pkt_flag(a, KR_PKT_RD);
	s->c[STATS_ANS_RA] += kr_pkt_flag(a, KR_PKT_RA);
	s->c[STATS_ANS_AD] += kr_pkt_flag(a, KR_PKT_AD);
	s->c[STATS_ANS_CD] += kr_pkt_flag(a, KR_PKT_CD);
	if (a->opt) {
		++s->c[STATS_ANS_EDNS0];
		s->c[STATS_ANS_DO] += kr_edns_do(a->opt);
	}
}

void stats_count_reused(struct stats *s, const struct kr_reused_answer *ans)
{
	++s->c[STATS_REQ_TOTAL];
	if (ans->flags & KR_REQ_TLS)
		++s->c[STATS_REQ_DOT];
	else if (ans->flags & KR_REQ_TCP)
		++s->c[STATS_REQ_TCP];
	else
		++s->c[STATS_REQ_UDP];
	s->c[STATS_QUERY_EDNS] += ans->query_edns;
	s->c[STATS_QUERY_DNSSEC] += ans->query_do;
	stats_freq_add(&s->freq, ans->qname, ans->qtype);
	/* The answer cache keeps NOERROR and NXDOMAIN answers, never truncated,
	 * made within the millisecond: header bits and counts tell the rest. */
	const uint8_t *w = ans->answer;
	++s->c[STATS_ANS_TOTAL];
	if ((w[3] & 0x0F) == KR_RCODE_NXDOMAIN)
		++s->c[STATS_ANS_NXDOMAIN];
	else
		++s->c[(w[6] | w[7]) ? STATS_ANS_NOERROR : STATS_ANS_NODATA];
	++s->c[STATS_ANS_CACHED];
	++s->c[STATS_ANS_1MS];
	s->c[STATS_ANS_AA] += (w[2] & 0x04) != 0;
	s->c[STATS_ANS_RD] += (w[2] & 0x01) != 0;
	s->c[STATS_ANS_RA] += (w[3] & 0x80) != 0;
	s->c[STATS_ANS_AD] += (w[3] & 0x20) != 0;
	s->c[STATS_ANS_CD] += (w[3] & 0x10) != 0;
	s->c[STATS_ANS_EDNS0] += ans->query_edns;
	s->c[STATS_ANS_DO] += ans->query_do;
}

/* --- frequent names --- */

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

void stats_freq_add(struct stats_freq *f, const uint8_t *name, uint16_t type)
{
	uint8_t lname[KR_DNAME_MAXLEN];
	size_t len = kr_dname_size(name);
	uint32_t h = 2166136261u ^ type;
	for (size_t i = 0; i < len; ++i) {
		lname[i] = lower(name[i]);
		h = (h ^ lname[i]) * 16777619u;
	}
	struct stats_freq_slot *set = f->slots[(h ^ (h >> 16)) % STATS_FREQ_SETS];
	struct stats_freq_slot *victim = &set[0];
	for (int w = 0; w < STATS_FREQ_WAYS; ++w) {
		struct stats_freq_slot *sl = &set[w];
		if (sl->count && sl->type == type && memcmp(sl->name, lname, len) == 0) {
			++sl->count;
			goto counted;
		}
		if (sl->count < victim->count)
			victim = sl;
	}
	/* A new name takes the least counted way of its set. */
	memcpy(victim->name, lname, len);
	victim->type = type;
	victim->count = 1;
counted:
	if (++f->since_decay >= STATS_FREQ_DECAY) {
		f->since_decay = 0;
		for (int i = 0; i < STATS_FREQ_SETS; ++i)
			for (int w = 0; w < STATS_FREQ_WAYS; ++w)
				f->slots[i][w].count /= 2;
	}
}

void stats_freq_clear(struct stats_freq *f)
{
	memset(f, 0, sizeof(*f));
}

/* --- upstreams --- */

static bool same_addr(const union kr_sockaddr *a, const union kr_sockaddr *b)
{
	if (a->ip.sa_family != b->ip.sa_family)
		return false;
	if (a->ip.sa_family == AF_INET)
		return a->ip4.sin_port == b->ip4.sin_port &&
		       a->ip4.sin_addr.s_addr == b->ip4.sin_addr.s_addr;
	return a->ip6.sin6_port == b->ip6.sin6_port &&
	       memcmp(&a->ip6.sin6_addr, &b->ip6.sin6_addr, 16) == 0;
}

void stats_upstream_add(struct stats_upstream *ups, const union kr_sockaddr *addr, uint32_t rtt,
			uint64_t now)
{
	struct stats_upstream *u = NULL, *spare = NULL;
	for (int i = 0; i < STATS_UP_ADDRS && !u; ++i) {
		struct stats_upstream *x = &ups[i];
		if (x->addr.ip.sa_family && same_addr(&x->addr, addr))
			u = x;
		else if (!spare || (spare->addr.ip.sa_family &&
				    (!x->addr.ip.sa_family || x->last_ms < spare->last_ms)))
			spare = x;   /* a free slot, else the one updated longest ago */
	}
	if (!u) {
		u = spare;
		memset(u, 0, sizeof(*u));
		u->addr = *addr;
	}
	u->rtt[u->count % STATS_UP_SAMPLES] = rtt;
	++u->count;
	u->last_ms = now;
}
