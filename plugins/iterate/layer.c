/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iterate layer: produce picks the zone cut's servers and writes the
 * (minimised) question; consume classifies the reply and follows referrals,
 * CNAME/DNAME chains, resolves NS addresses without glue, and steers away from
 * lame and dead servers. checkout tells which server each attempt goes to, so
 * that RTTs and timeouts are charged to the right address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "plugins/iterate/iterate-impl.h"

#define GROUP "iterate"

/** Per sub-query state. @note request pool. */
struct iter_qry {
	struct iter_cut *cut;          /**< the zone cut being asked */
	struct iter_ns *ns_target;     /**< NS-address sub-query: the parent's NS entry to fill */
	const uint8_t *asked;          /**< name of the last question (a suffix of sname) */
	uint16_t asked_type;
	bool asked_min;                /**< the last question was minimised */
	bool sent;                     /**< sent_to holds the attempt in flight */
	struct iter_min min;
	uint8_t failed_count;
	uint8_t glueless;              /**< NS names resolved for this cut */
	uint8_t referrals;
	bool refetched;                /**< the cut was asked of its parent again (once) */
	union kr_sockaddr sent_to;
	uint64_t sent_ms;
	union kr_sockaddr failed[ITER_MAX_FAILED];  /**< servers that failed this sub-query in this cut */
};

/** Per request state: the zone cuts learned so far. @note request pool. */
struct iter_req {
	struct iter_cut *cuts[ITER_REQ_CUTS];
	uint8_t count;
	uint8_t next;                  /**< slot reused when full */
	struct iter_cut *root;
	bool parent_side_done;         /**< one look-up past the cache per request at most */
};

/* --- the instance --- */

struct iterate *iterate_new(void)
{
	struct iterate *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	iter_servers_init(&it->servers);
	if (getrandom(&it->rng, sizeof(it->rng), 0) != sizeof(it->rng))
		it->rng = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	it->rng |= 1;
	return it;
}

void iterate_free(struct iterate *it)
{
	free(it);
}

uint64_t iterate_rand(struct iterate *it)
{
	uint64_t x = it->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return it->rng = x;
}

/* --- helpers --- */

static void log_q(const struct kr_request *req, const struct kr_query *qry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** A verbose line about qry: "[iterate][req.qry] NAME TYPE: message". */
static void log_q(const struct kr_request *req, const struct kr_query *qry, const char *fmt, ...)
{
	if (!kr_log_verbose() && !(qry->flags & KR_QF_TRACE))
		return;
	char name[KR_DNAME_MAXTEXT], type[16], msg[512];
	kr_dname_to_str(name, sizeof(name), qry->sname);
	kr_rrtype_to_str(qry->stype, type, sizeof(type));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kr_log_req(req, KR_LOG_DEBUG, GROUP, "[%u] %s %s: %s", qry->uid, name, type, msg);
}

static struct iter_qry *qry_state(struct kr_request *req, struct kr_query *qry,
				  const struct kr_plugin *plugin, bool create)
{
	struct iter_qry *st = kr_query_data(qry, plugin);
	if (st || !create)
		return st;
	st = kr_mm_calloc(req->pool, sizeof(*st));
	if (!st || kr_query_set_data(req, qry, plugin, st) != 0)
		return NULL;
	return st;
}

static void failed_add(struct iter_qry *st, const union kr_sockaddr *sa)
{
	for (uint8_t i = 0; i < st->failed_count; ++i)
		if (iter_addr_eq(&st->failed[i], sa))
			return;
	if (st->failed_count < ITER_MAX_FAILED)
		st->failed[st->failed_count++] = *sa;
}

static bool failed_has(const struct iter_qry *st, const union kr_sockaddr *sa)
{
	for (uint8_t i = 0; i < st->failed_count; ++i)
		if (iter_addr_eq(&st->failed[i], sa))
			return true;
	return false;
}

static bool family_ok(const struct kr_query *qry, const union kr_sockaddr *sa)
{
	if (sa->ip.sa_family == AF_INET)
		return !(qry->flags & KR_QF_NO_IPV4);
	if (sa->ip.sa_family == AF_INET6)
		return !(qry->flags & KR_QF_NO_IPV6);
	return false;
}

/**
 * Could an address of cut be asked at all? Its family must be allowed, and it
 * must not be local unless ALLOW_LOCAL is set or the operator configured it.
 */
static bool addr_usable(const struct kr_query *qry, const struct iter_cut *cut, const union kr_sockaddr *sa)
{
	return family_ok(qry, sa) &&
	       ((qry->flags & KR_QF_ALLOW_LOCAL) || cut->configured || !iter_addr_is_local(sa));
}

static uint64_t now_ms(void)
{
	return kr_now_ms();
}

/* --- zone cuts of the request --- */

static struct iter_req *req_state(struct kr_request *req, const struct kr_plugin *plugin)
{
	struct iter_req *rs = kr_request_data(req, plugin);
	if (rs)
		return rs;
	rs = kr_mm_calloc(req->pool, sizeof(*rs));
	if (!rs || kr_request_set_data(req, plugin, rs) != 0)
		return NULL;
	return rs;
}

struct iter_cut *iterate_cut_find(struct kr_request *req, const struct kr_plugin *plugin,
				  const uint8_t *name)
{
	struct iter_req *rs = req_state(req, plugin);
	if (!rs)
		return NULL;
	struct iter_cut *best = NULL;
	for (uint8_t i = 0; i < rs->count; ++i) {
		struct iter_cut *c = rs->cuts[i];
		if (kr_dname_in(name, c->zone) && iter_cut_addr_count(c) > 0 &&
		    (!best || kr_dname_labels(c->zone) > kr_dname_labels(best->zone)))
			best = c;
	}
	/* The cache may know a deeper cut than this request learned so far. */
	struct iter_cut *cached = (req->current_query && (req->current_query->flags & KR_QF_NO_CACHE))
				  ? NULL : iter_cut_from_cache(req, name);
	if (best && (!cached || kr_dname_labels(best->zone) >= kr_dname_labels(cached->zone)))
		return best;
	if (cached)
		return cached;
	if (!rs->root)
		rs->root = iter_cut_root(req->pool);
	return rs->root;
}

/** Was cut learned from a referral in this request (rather than taken from the cache)? */
static bool cut_learned(struct kr_request *req, const struct kr_plugin *plugin, const struct iter_cut *cut)
{
	struct iter_req *rs = req_state(req, plugin);
	for (uint8_t i = 0; rs && i < rs->count; ++i)
		if (rs->cuts[i] == cut)
			return true;
	return false;
}

/** Add the addresses of src that dst lacks (within the limit). */
static void ns_merge_addrs(struct iter_ns *dst, const struct iter_ns *src)
{
	for (uint8_t k = 0; k < src->addr_count && dst->addr_count < ITER_NS_ADDRS; ++k) {
		bool dup = false;
		for (uint8_t m = 0; m < dst->addr_count && !dup; ++m)
			dup = iter_addr_eq(&dst->addr[m], &src->addr[k]);
		if (!dup)
			dst->addr[dst->addr_count++] = src->addr[k];
	}
}

/** Add the names and addresses of src that dst lacks (within the limits). */
static void cut_merge(struct iter_cut *dst, const struct iter_cut *src)
{
	for (uint8_t i = 0; i < src->ns_count; ++i) {
		const struct iter_ns *s = &src->ns[i];
		struct iter_ns *d = NULL;
		for (uint8_t j = 0; j < dst->ns_count && !d; ++j)
			if (dst->ns[j].name && kr_dname_eq(dst->ns[j].name, s->name))
				d = &dst->ns[j];
		if (!d) {
			if (dst->ns_count >= ITER_MAX_NS)
				continue;
			d = &dst->ns[dst->ns_count++];
			memset(d, 0, sizeof(*d));
			d->name = s->name;
		}
		ns_merge_addrs(d, s);
	}
}

/**
 * Remember a cut learned from a referral for the rest of the request. A zone
 * seen before keeps its cut object (what was learned about its NS names, and
 * which were already resolved, is shared by every sub-query), merged with the
 * new referral's data. @return the cut to use.
 */
static struct iter_cut *cut_remember(struct kr_request *req, const struct kr_plugin *plugin,
				     struct iter_cut *cut)
{
	struct iter_req *rs = req_state(req, plugin);
	if (!rs)
		return cut;
	for (uint8_t i = 0; i < rs->count; ++i) {
		if (kr_dname_eq(rs->cuts[i]->zone, cut->zone)) {
			cut_merge(rs->cuts[i], cut);
			return rs->cuts[i];
		}
	}
	if (rs->count < ITER_REQ_CUTS) {
		rs->cuts[rs->count++] = cut;
	} else {
		rs->cuts[rs->next] = cut;
		rs->next = (uint8_t)((rs->next + 1) % ITER_REQ_CUTS);
	}
	return cut;
}

/* --- produce --- */

/** Addresses of the cut this sub-query may still try. @return how many (deduplicated). */
static int collect(const struct kr_query *qry, const struct iter_qry *st, union kr_sockaddr *out, int max)
{
	int n = 0;
	for (uint8_t i = 0; i < st->cut->ns_count; ++i) {
		const struct iter_ns *ns = &st->cut->ns[i];
		for (uint8_t j = 0; j < ns->addr_count && n < max; ++j) {
			const union kr_sockaddr *sa = &ns->addr[j];
			if (!addr_usable(qry, st->cut, sa) || failed_has(st, sa))
				continue;
			bool dup = false;
			for (int k = 0; k < n && !dup; ++k)
				dup = iter_addr_eq(&out[k], sa);
			if (!dup)
				out[n++] = *sa;
		}
	}
	return n;
}

/** Does the NS entry have an address this sub-query may use (failed or not)? */
static bool ns_has_usable(const struct kr_query *qry, const struct iter_cut *cut, const struct iter_ns *ns)
{
	for (uint8_t j = 0; j < ns->addr_count; ++j)
		if (addr_usable(qry, cut, &ns->addr[j]))
			return true;
	return false;
}

static int query_depth(const struct kr_query *qry)
{
	int d = 0;
	for (; qry->parent; qry = qry->parent)
		++d;
	return d;
}

/** Push a sub-query for the address (A or AAAA) of ns. @return YIELD, or FAIL on a plan error. */
static enum kr_layer_state push_ns_query(struct kr_layer_ctx *ctx, struct kr_query *qry, struct iter_ns *ns,
					 uint16_t type, uint64_t flags, const char *how)
{
	struct kr_request *req = ctx->req;
	struct kr_query *sub = kr_rplan_push(&req->rplan, qry, ns->name, KR_CLASS_IN, type);
	if (!sub)
		return KR_STATE_FAIL;
	sub->flags |= flags;
	struct iter_qry *sst = qry_state(req, sub, ctx->plugin, true);
	if (!sst)
		return KR_STATE_FAIL;
	sst->ns_target = ns;
	char name[KR_DNAME_MAXTEXT];
	kr_dname_to_str(name, sizeof(name), ns->name);
	log_q(req, qry, "resolving the address of NS %s (%s)%s", name, type == KR_TYPE_AAAA ? "AAAA" : "A", how);
	return KR_STATE_YIELD;
}

/**
 * Every address found for the cut's names failed, but the child's own data
 * for a name may be what is broken while its parent's glue works: resolve a
 * name once more past the cache, following the referrals, whose glue for the
 * name goes to it too (harvest_glue()). Names within the limits only.
 * @return YIELD when pushed, FAIL on a plan error, PRODUCE when there is nothing to do.
 */
static enum kr_layer_state resolve_ns_parent_side(struct kr_layer_ctx *ctx, struct kr_query *qry,
						  struct iter_qry *st)
{
	if (qry->flags & KR_QF_NO_CACHE)
		return KR_STATE_PRODUCE;   /* the first resolution followed the referrals already */
	/* It starts at the root and learns nothing for later: once per client request,
	 * so that a zone with broken NS names cannot make every query cost a walk. */
	struct iter_req *rs = req_state(ctx->req, ctx->plugin);
	if (!rs || rs->parent_side_done)
		return KR_STATE_PRODUCE;
	uint16_t type = (qry->flags & KR_QF_NO_IPV4) ? KR_TYPE_AAAA : KR_TYPE_A;
	for (uint8_t i = 0; i < st->cut->ns_count && st->glueless < ITER_MAX_GLUELESS; ++i) {
		struct iter_ns *ns = &st->cut->ns[i];
		if (!ns->name || !ns->flags || (ns->flags & ITER_NS_PARENT_SIDE) ||
		    kr_dname_in(ns->name, st->cut->zone) ||
		    kr_rplan_satisfies(qry, ns->name, KR_CLASS_IN, KR_TYPE_A) ||
		    kr_rplan_satisfies(qry, ns->name, KR_CLASS_IN, KR_TYPE_AAAA))
			continue;
		ns->flags |= ITER_NS_PARENT_SIDE;
		++st->glueless;
		rs->parent_side_done = true;
		return push_ns_query(ctx, qry, ns, type, KR_QF_NO_CACHE, ", past the cache");
	}
	return KR_STATE_PRODUCE;
}

/**
 * Push an A or AAAA sub-query for an NS name of the cut that has no usable
 * address, within the limits; when every name was resolved and nothing works,
 * resolve_ns_parent_side().
 * @return YIELD when pushed, FAIL on a plan error, PRODUCE when there is nothing to resolve.
 */
static enum kr_layer_state resolve_ns(struct kr_layer_ctx *ctx, struct kr_query *qry, struct iter_qry *st)
{
	if (query_depth(qry) >= ITER_MAX_DEPTH)
		return KR_STATE_PRODUCE;
	static const uint16_t types[2] = { KR_TYPE_A, KR_TYPE_AAAA };
	static const uint8_t flags[2] = { ITER_NS_ASKED_A, ITER_NS_ASKED_AAAA };
	for (int t = 0; t < 2; ++t) {
		if ((t == 0 && (qry->flags & KR_QF_NO_IPV4)) || (t == 1 && (qry->flags & KR_QF_NO_IPV6)))
			continue;
		for (uint8_t i = 0; i < st->cut->ns_count; ++i) {
			struct iter_ns *ns = &st->cut->ns[i];
			if (!ns->name || (ns->flags & flags[t]) || ns_has_usable(qry, st->cut, ns))
				continue;
			/* Below the cut itself: only glue could help, and it was missing or refused. */
			if (kr_dname_in(ns->name, st->cut->zone))
				continue;
			if (kr_rplan_satisfies(qry, ns->name, KR_CLASS_IN, types[t]) ||
			    kr_rplan_satisfies(qry, ns->name, KR_CLASS_IN, types[!t])) {
				ns->flags |= flags[t];   /* resolving it needs this very query: a loop */
				continue;
			}
			if (!ns->flags) {
				if (st->glueless >= ITER_MAX_GLUELESS)
					continue;
				++st->glueless;
			}
			ns->flags |= flags[t];
			return push_ns_query(ctx, qry, ns, types[t], 0, "");
		}
	}
	return resolve_ns_parent_side(ctx, qry, st);
}

enum kr_layer_state iterate_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (ctx->state != KR_STATE_PRODUCE || !qry || qry->sclass != KR_CLASS_IN ||
	    (qry->flags & (KR_QF_STUB | KR_QF_FORWARD))) {
		/* Another layer handles this round: its reply is not ours to judge. */
		struct iter_qry *other = qry ? qry_state(req, qry, ctx->plugin, false) : NULL;
		if (other)
			other->asked = NULL;
		return ctx->state;
	}
	struct iterate *it = kr_plugin_data(ctx->plugin);
	struct iter_qry *st = qry_state(req, qry, ctx->plugin, true);
	if (!it || !st)
		return KR_STATE_FAIL;
	if (!st->cut) {
		const uint8_t *from = qry->sname;
		if (qry->stype == KR_TYPE_DS && *from)
			from = kr_dname_parent(from);   /* DS is answered by the parent */
		st->cut = iterate_cut_find(req, ctx->plugin, from);
		if (!st->cut) {
			kr_log_req(req, KR_LOG_ERR, GROUP, "no root hints: load the hints plugin or set hints.root()");
			return KR_STATE_FAIL;
		}
		st->min.known_labels = (uint8_t)kr_dname_labels(st->cut->zone);
	}
	if (req->queries_sent >= ITER_MAX_QUERIES) {
		log_q(req, qry, "upstream query limit (%u) reached", ITER_MAX_QUERIES);
		return KR_STATE_FAIL;
	}
	uint64_t now = now_ms();
	union kr_sockaddr cand[ITER_MAX_NS * ITER_NS_ADDRS];
	int n = collect(qry, st, cand, (int)(sizeof(cand) / sizeof(cand[0])));
	int live = 0;
	for (int i = 0; i < n; ++i) {
		const struct iter_srv *s = iter_servers_get(&it->servers, &cand[i]);
		live += !s || s->backoff_until <= now;
	}
	if (live == 0) {
		/* Only dead servers (or none): rather resolve another NS name first. */
		enum kr_layer_state r = resolve_ns(ctx, qry, st);
		if (r != KR_STATE_PRODUCE)
			return r;
	}
	if (n == 0 && !st->refetched && *st->cut->zone && !cut_learned(req, ctx->plugin, st->cut)) {
		/* The cut's servers all failed; their addresses may be stale or wrong (a child
		 * that publishes other addresses than its parent's glue): ask the parent
		 * for the delegation again, once, and go on from its referral. */
		struct iter_cut *parent = iterate_cut_find(req, ctx->plugin, kr_dname_parent(st->cut->zone));
		if (parent && !kr_dname_eq(parent->zone, st->cut->zone)) {
			char zone[KR_DNAME_MAXTEXT];
			kr_dname_to_str(zone, sizeof(zone), st->cut->zone);
			log_q(req, qry, "no usable server left for zone %s: asking its parent again", zone);
			st->refetched = true;
			st->cut = parent;
			st->min.known_labels = (uint8_t)kr_dname_labels(parent->zone);
			n = collect(qry, st, cand, (int)(sizeof(cand) / sizeof(cand[0])));
		}
	}
	if (n == 0) {
		char zone[KR_DNAME_MAXTEXT];
		kr_dname_to_str(zone, sizeof(zone), st->cut->zone);
		log_q(req, qry, "no usable server left for zone %s", zone);
		/* An NS address that cannot be found: the parent tries its other names. */
		return st->ns_target ? KR_STATE_DONE : KR_STATE_FAIL;
	}
	qry->ns_count = (uint8_t)iter_servers_order(&it->servers, cand, n, st->cut->zone, now,
						    iterate_rand(it), qry->ns_addr, KR_NS_MAX);
	if (qry->flags & KR_QF_NO_MINIMIZE)
		st->min.off = true;
	uint16_t qtype;
	const uint8_t *name = iter_minimise_next(&st->min, qry->sname, qry->stype, st->cut->zone, &qtype);
	st->asked_min = name != qry->sname || qtype != qry->stype;
	if (st->asked_min) {
		if (kr_pkt_put_question(pkt, name, qry->sclass, qtype) != 0)
			return KR_STATE_FAIL;
		++st->min.steps;
	}
	st->asked = name;
	st->asked_type = qtype;
	st->sent = false;
	kr_pkt_set_flag(pkt, KR_PKT_RD, false);
	qry->zone_cut = st->cut->zone;
	if (kr_log_verbose() || (qry->flags & KR_QF_TRACE)) {
		char asked[KR_DNAME_MAXTEXT], zone[KR_DNAME_MAXTEXT], type[16], addr[64];
		kr_dname_to_str(asked, sizeof(asked), name);
		kr_dname_to_str(zone, sizeof(zone), st->cut->zone);
		kr_rrtype_to_str(qtype, type, sizeof(type));
		iter_addr_str(&qry->ns_addr[0], addr, sizeof(addr));
		log_q(req, qry, "asking %s %s in zone %s, first %s of %u", asked, type, zone, addr, qry->ns_count);
	}
	return KR_STATE_CONSUME;
}

/* --- checkout: which server each attempt goes to --- */

enum kr_layer_state iterate_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt, const void *dst, bool tcp)
{
	(void)pkt;
	(void)tcp;
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct iterate *it = kr_plugin_data(ctx->plugin);
	struct iter_qry *st = qry ? qry_state(req, qry, ctx->plugin, false) : NULL;
	if (!st || !st->asked || !it || !dst)
		return ctx->state;
	union kr_sockaddr sa;
	memset(&sa, 0, sizeof(sa));
	const struct sockaddr *d = dst;
	if (d->sa_family == AF_INET)
		memcpy(&sa, d, sizeof(struct sockaddr_in));
	else if (d->sa_family == AF_INET6)
		memcpy(&sa, d, sizeof(struct sockaddr_in6));
	else
		return ctx->state;
	if (!addr_usable(qry, st->cut, &sa))
		return KR_STATE_FAIL;   /* never query loopback unless allowed or configured */
	uint64_t now = now_ms();
	if (st->sent) {
		/* The transport moved on: the previous attempt failed (timeout or error). */
		iter_servers_timeout(&it->servers, &st->sent_to, now);
		failed_add(st, &st->sent_to);
		char a[64];
		iter_addr_str(&st->sent_to, a, sizeof(a));
		log_q(req, qry, "no answer from %s", a);
	}
	st->sent_to = sa;
	st->sent_ms = now;
	st->sent = true;
	return ctx->state;
}

/* --- consume --- */

/** Add the A/AAAA records of an answer to an NS entry. */
static void harvest(struct iter_ns *ns, const kr_pkt_t *pkt)
{
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		if ((rr->type != KR_TYPE_A && rr->type != KR_TYPE_AAAA) || rr->rclass != KR_CLASS_IN)
			continue;
		for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
			if (rd->len == (rr->type == KR_TYPE_A ? 4 : 16))
				iter_ns_add_addr(ns, rd->data, rd->len);
	}
}

/**
 * An NS-address sub-query met a referral that carries glue for the very name
 * it resolves: the parent-side addresses go to the NS entry too, beside what
 * the child will answer (the child's own data may be the broken one).
 */
static void harvest_glue(struct iter_ns *target, const struct iter_cut *cut)
{
	for (uint8_t i = 0; i < cut->ns_count; ++i) {
		const struct iter_ns *ns = &cut->ns[i];
		if (!ns->name || !kr_dname_eq(ns->name, target->name))
			continue;
		ns_merge_addrs(target, ns);
	}
}

/** The server that answered is lame for the zone: avoid it, try another. */
static enum kr_layer_state lame(struct kr_layer_ctx *ctx, struct kr_query *qry, struct iter_qry *st,
				const char *why)
{
	struct iterate *it = kr_plugin_data(ctx->plugin);
	char a[64] = "?";
	if (st->sent) {
		iter_servers_lame(&it->servers, &st->sent_to, st->cut->zone, now_ms());
		failed_add(st, &st->sent_to);
		iter_addr_str(&st->sent_to, a, sizeof(a));
	}
	log_q(ctx->req, qry, "lame answer from %s: %s", a, why);
	st->sent = false;
	return KR_STATE_PRODUCE;
}

static enum kr_layer_state follow_referral(struct kr_layer_ctx *ctx, struct kr_query *qry,
					   struct iter_qry *st, const kr_pkt_t *pkt, const struct iter_result *res)
{
	struct kr_request *req = ctx->req;
	if (++st->referrals > ITER_MAX_REFERRALS) {
		log_q(req, qry, "too many referrals");
		return KR_STATE_FAIL;
	}
	struct iter_cut *cut = iter_cut_from_referral(pkt, res->zone, st->cut->zone,
						      iter_mode_of(qry->flags), req->pool);
	if (!cut)
		return lame(ctx, qry, st, "referral without usable NS records");
	if (kr_log_verbose() || (qry->flags & KR_QF_TRACE)) {
		char zone[KR_DNAME_MAXTEXT];
		kr_dname_to_str(zone, sizeof(zone), cut->zone);
		log_q(req, qry, "referral to %s: %u NS, %d addresses", zone, cut->ns_count,
		      iter_cut_addr_count(cut));
	}
	st->cut = cut_remember(req, ctx->plugin, cut);
	if (st->ns_target)
		harvest_glue(st->ns_target, st->cut);
	st->failed_count = 0;
	st->glueless = 0;
	st->sent = false;
	st->min.known_labels = (uint8_t)kr_dname_labels(cut->zone);
	return KR_STATE_PRODUCE;
}

/**
 * The client's chain: its links go to the answer now, the target's answer
 * follows (signatures only for a client that set DO, RFC 4035 3.2.1).
 * @return 0 or -ENOMEM (the answer is full).
 */
static int chain_to_answer(struct kr_request *req, const struct kr_query *qry, const struct iter_result *res)
{
	if (qry->parent)
		return 0;
	const kr_pkt_t *q = req->qsource.packet;
	bool dnssec = q && q->opt && kr_edns_do(q->opt);
	for (uint16_t i = 0; i < res->chain_len; ++i) {
		if (!dnssec && res->chain[i]->type == KR_TYPE_RRSIG && qry->stype != KR_TYPE_RRSIG)
			continue;
		kr_rrset_t *rr = kr_rrset_copy(res->chain[i], req->pool);
		if (!rr || kr_pkt_put(req->answer, rr) != 0)
			return -ENOMEM;
	}
	return 0;
}

/**
 * The chain loops (RFC 1034 3.6.2: an error). The client's query fails with
 * SERVFAIL showing the chain (KR_QF_CNAME_LOOP keeps the answer section); an
 * NS address has none from here, and the parent tries its other names.
 */
static enum kr_layer_state chain_loops(struct kr_layer_ctx *ctx, struct kr_query *qry, struct iter_qry *st,
				       const uint8_t *name)
{
	char target[KR_DNAME_MAXTEXT];
	kr_dname_to_str(target, sizeof(target), name);
	log_q(ctx->req, qry, "CNAME/DNAME loop back to %s", target);
	if (st->ns_target)
		return KR_STATE_DONE;
	qry->flags |= KR_QF_CNAME_LOOP;
	return KR_STATE_FAIL;
}

static enum kr_layer_state follow_cname(struct kr_layer_ctx *ctx, struct kr_query *qry,
					struct iter_qry *st, const struct iter_result *res)
{
	struct kr_request *req = ctx->req;
	if (chain_to_answer(req, qry, res) != 0)
		return KR_STATE_FAIL;
	if (res->verdict == ITER_LOOP)
		return chain_loops(ctx, qry, st, res->target);
	char target[KR_DNAME_MAXTEXT];
	kr_dname_to_str(target, sizeof(target), res->target);
	struct kr_query *next = kr_rplan_push_cname(&req->rplan, qry, res->target);
	if (!next && (qry->flags & KR_QF_CNAME_LOOP))
		return chain_loops(ctx, qry, st, res->target);
	if (!next) {
		log_q(req, qry, "cannot follow the chain to %s (limit reached)", target);
		return KR_STATE_FAIL;
	}
	log_q(req, qry, "following CNAME/DNAME to %s", target);
	if (st->ns_target) {
		struct iter_qry *nst = qry_state(req, next, ctx->plugin, true);
		if (!nst)
			return KR_STATE_FAIL;
		nst->ns_target = st->ns_target;
	}
	return KR_STATE_YIELD;
}

/** A reply to a minimised question: go deeper, or fall back to the full name. */
static enum kr_layer_state consume_minimised(struct kr_layer_ctx *ctx, struct kr_query *qry, struct iter_qry *st,
					     const kr_pkt_t *pkt, const struct iter_result *res)
{
	switch (res->verdict) {
	case ITER_REFERRAL:
		return follow_referral(ctx, qry, st, pkt, res);
	case ITER_ANSWER:
		if (res->links == 0) {
			/* NS at the name: a zone the same server serves too. One label deeper. */
			st->min.known_labels = (uint8_t)kr_dname_labels(st->asked);
			st->sent = false;
			return KR_STATE_PRODUCE;
		}
		/* An alias on the way: ask the full name. */
		__attribute__((fallthrough));
	case ITER_CNAME:
	case ITER_LOOP:
		st->min.off = true;
		st->sent = false;
		log_q(ctx->req, qry, "alias on the way, asking the full name");
		return KR_STATE_PRODUCE;
	case ITER_NODATA:
		/*
		 * No zone cut at the name: this server holds the rest of the name, or
		 * refers to a cut deeper down when asked. Ask it the full name now (as
		 * Knot Resolver does) rather than one label at a time (RFC 9156 step 6):
		 * empty non-terminals and DNAMEs cost no query per label; the price is
		 * that a server of a cut below an empty non-terminal sees the labels
		 * under it.
		 */
		st->min.off = true;
		st->sent = false;
		log_q(ctx->req, qry, "NODATA for a minimised name, asking the full name");
		return KR_STATE_PRODUCE;
	case ITER_NXDOMAIN:
		/*
		 * RFC 8020 says nothing exists below, but some servers answer
		 * NXDOMAIN for empty non-terminals: confirm with the full name.
		 */
		st->min.off = true;
		st->sent = false;
		log_q(ctx->req, qry, "NXDOMAIN for a minimised name, asking the full name");
		return KR_STATE_PRODUCE;
	case ITER_LAME:
	default:
		switch (res->rcode) {
		case KR_RCODE_REFUSED: case KR_RCODE_SERVFAIL: case KR_RCODE_FORMERR: case KR_RCODE_NOTIMPL:
		case KR_RCODE_NOERROR:   /* e.g. a referral back up for a name it does not know */
			/* Possibly a server that mishandles minimised queries: retry with the full name. */
			st->min.off = true;
			st->sent = false;
			log_q(ctx->req, qry, "%s for a minimised name, asking the full name", res->why);
			return KR_STATE_PRODUCE;
		default:
			return lame(ctx, qry, st, res->why);
		}
	}
}

/**
 * The sub-query starts over after a layer refused the answer. When validate
 * found it bogus (KR_QF_DNSSEC_BOGUS), that server is not asked again for it.
 */
enum kr_layer_state iterate_reset(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct iter_qry *st = qry ? qry_state(req, qry, ctx->plugin, false) : NULL;
	if (!st || !(qry->flags & KR_QF_DNSSEC_BOGUS))
		return ctx->state;
	qry->flags &= ~(uint64_t)KR_QF_DNSSEC_BOGUS;
	if (st->sent) {
		char a[64];
		failed_add(st, &st->sent_to);
		iter_addr_str(&st->sent_to, a, sizeof(a));
		log_q(req, qry, "bogus answer from %s, trying another server", a);
	}
	st->sent = false;
	return ctx->state;
}

enum kr_layer_state iterate_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct iterate *it = kr_plugin_data(ctx->plugin);
	struct iter_qry *st = qry ? qry_state(req, qry, ctx->plugin, false) : NULL;
	if (!st || !it)
		return ctx->state;
	if (ctx->state == KR_STATE_DONE) {
		/* Answered by another layer (hints, cache): an NS address is an NS address. */
		if (st->ns_target && pkt)
			harvest(st->ns_target, pkt);
		return ctx->state;
	}
	if (ctx->state != KR_STATE_CONSUME || !st->asked)
		return ctx->state;
	uint64_t now = now_ms();
	if (!pkt) {
		/* Every server of this attempt failed. */
		if (st->sent) {
			iter_servers_timeout(&it->servers, &st->sent_to, now);
			char a[64];
			iter_addr_str(&st->sent_to, a, sizeof(a));
			log_q(req, qry, "no answer from %s", a);
		}
		for (uint8_t i = 0; i < qry->ns_count; ++i)
			failed_add(st, &qry->ns_addr[i]);
		st->sent = false;
		return KR_STATE_PRODUCE;
	}
	if (st->sent)
		iter_servers_rtt(&it->servers, &st->sent_to, (uint32_t)(now - st->sent_ms), now);
	if (kr_pkt_flag(pkt, KR_PKT_TC))
		return lame(ctx, qry, st, "truncated answer");
	struct iter_result res;
	if (iter_classify(pkt, st->cut->zone, st->asked, st->asked_type,
			  iter_mode_of(qry->flags) == ITER_STRICT, req->pool, &res) != 0)
		return KR_STATE_FAIL;
	if (st->asked_min)
		return consume_minimised(ctx, qry, st, pkt, &res);
	switch (res.verdict) {
	case ITER_ANSWER:
	case ITER_NODATA:
	case ITER_NXDOMAIN:
		if (st->ns_target) {
			harvest(st->ns_target, pkt);
			if (res.verdict == ITER_NXDOMAIN)   /* no other type to try either */
				st->ns_target->flags |= ITER_NS_ASKED_A | ITER_NS_ASKED_AAAA;
		}
		log_q(req, qry, "%s, %u records", res.verdict == ITER_NXDOMAIN ? "NXDOMAIN" :
		      res.verdict == ITER_NODATA ? "NODATA" : "answer", kr_pkt_count(pkt, KR_SECTION_ANSWER));
		return KR_STATE_DONE;
	case ITER_LOOP:
		/* To be validated: one reply (perhaps spoofed) is not the last word,
		 * another server is asked as for any unusable answer. */
		if (qry->flags & KR_QF_DNSSEC_WANT)
			return lame(ctx, qry, st, "CNAME/DNAME loop in one reply");
		return follow_cname(ctx, qry, st, &res);
	case ITER_CNAME:
		return follow_cname(ctx, qry, st, &res);
	case ITER_REFERRAL:
		if (qry->stype == KR_TYPE_DS && kr_dname_eq(res.zone, qry->sname))
			return lame(ctx, qry, st, "referral to the child when asking DS");
		return follow_referral(ctx, qry, st, pkt, &res);
	case ITER_LAME:
	default:
		return lame(ctx, qry, st, res.why);
	}
}
