/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The dns64 plugin (RFC 6147): AAAA records synthesised from A records for
 * names that have no AAAA, and reverse names of the prefix answered by a
 * CNAME to the IPv4 reverse name.
 *
 * How it runs in the engine:
 *  - consume, state DONE (an accepted final answer), the client's AAAA query,
 *    NOERROR with no AAAA outside the excluded subnets: push a marked A
 *    sub-query for the end of the chain (the AAAA query is then resolved
 *    with its NODATA answer copied to the client's answer as usual);
 *  - consume of the marked A sub-query: keep its A records (request pool);
 *  - answer_finalize: rebuild the answer with the synthesised AAAA records
 *    instead of the NODATA proof, clearing AD (synthesised data is not
 *    validated data).
 * The consume callback must run after iterate (which turns an upstream reply
 * into DONE): modules.load('dns64') appends the plugin, which is after it.
 */
#include <stdlib.h>
#include <string.h>
#include "plugins/dns64/dns64-impl.h"

#define DNS64_SETS_MAX 16

/** Per-request state. @note allocated from the request pool. */
struct dns64_req {
	uint8_t *name;                     /**< end of the AAAA chain, asked as A */
	bool excluded;                     /**< AAAA records in excluded subnets are to go */
	kr_rrset_t *a[DNS64_SETS_MAX];     /**< A records of the marked sub-query (copies) */
	unsigned a_count;
};

static int dns64_init_cb(struct kr_plugin *self)
{
	struct dns64 *d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	dns64_defaults(d);
	kr_plugin_set_data(self, d);
	return 0;
}

static void dns64_deinit_cb(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

static int dns64_config_cb(struct kr_plugin *self, const char *json)
{
	if (!json)
		return 0;
	char err[DNS64_ERRLEN];
	int ret = dns64_configure(kr_plugin_data(self), json, err, sizeof(err));
	if (ret != 0)
		kr_log_error(dns64, "dns64.config(): %s", err);
	return ret;
}

/** The client set CD: RFC 6147 5.5 (and Knot Resolver) leave such answers alone. */
static bool client_cd(const struct kr_request *req)
{
	return req->qsource.packet && kr_pkt_flag(req->qsource.packet, KR_PKT_CD);
}

/** Follow CNAMEs of the answer section from name. @return the end of the chain. */
static const uint8_t *chain_end(const kr_pkt_t *pkt, const uint8_t *name)
{
	for (int hops = 0; hops < 16; ++hops) {
		bool moved = false;
		for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER) && !moved; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
			const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
			if (rr->type == KR_TYPE_CNAME && rd && kr_dname_eq(rr->owner, name) &&
			    kr_dname_check(rd->data, rd->len) == (int)rd->len) {
				name = rd->data;
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	return name;
}

/** A final answer to the client's AAAA query: start the A sub-query when it has no usable AAAA. */
static void consume_aaaa(struct kr_layer_ctx *ctx, struct kr_query *qry, const kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct dns64 *d = kr_plugin_data(ctx->plugin);
	if (kr_pkt_rcode(pkt) != KR_RCODE_NOERROR)
		return;
	const uint8_t *end = chain_end(pkt, qry->sname);
	unsigned usable = 0, excluded = 0;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		if (rr->type != KR_TYPE_AAAA || !kr_dname_eq(rr->owner, end))
			continue;
		for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
			if (rd->len == 16 && dns64_excluded(d, rd->data))
				++excluded;
			else
				++usable;
		}
	}
	if (usable)
		return;
	struct dns64_req *r = kr_mm_calloc(req->pool, sizeof(*r));
	if (!r || !(r->name = kr_dname_copy(end, req->pool)) || kr_request_set_data(req, ctx->plugin, r) != 0)
		return;
	r->excluded = excluded > 0;
	struct kr_query *a = kr_rplan_push(&req->rplan, qry, end, KR_CLASS_IN, KR_TYPE_A);
	/* Later layers of this step still work on the AAAA query. */
	req->current_query = qry;
	if (!a) {
		kr_request_set_data(req, ctx->plugin, NULL);
		return;
	}
	a->flags |= KR_QF_DNS64_MARK;
	kr_log_req(req, KR_LOG_DEBUG, "dns64", "no AAAA%s, asking A for synthesis",
		   excluded ? " outside the excluded subnets" : "");
}

/** The answer to the marked A sub-query: keep its A records for synthesis. */
static void consume_a(struct kr_layer_ctx *ctx, struct kr_query *qry, const kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct dns64_req *r = kr_request_data(req, ctx->plugin);
	if (!r || kr_pkt_rcode(pkt) != KR_RCODE_NOERROR || !kr_dname_eq(qry->sname, r->name))
		return;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER) && r->a_count < DNS64_SETS_MAX; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		if (rr->type != KR_TYPE_A || rr->rclass != KR_CLASS_IN || !kr_dname_eq(rr->owner, r->name))
			continue;
		kr_rrset_t *copy = kr_rrset_copy(rr, req->pool);
		if (copy)
			r->a[r->a_count++] = copy;
	}
}

static enum kr_layer_state dns64_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	if (ctx->state != KR_STATE_DONE || !pkt || !qry || qry->sclass != KR_CLASS_IN || client_cd(req))
		return ctx->state;
	if (qry->flags & KR_QF_DNS64_MARK) {
		if (qry->stype == KR_TYPE_A)
			consume_a(ctx, qry, pkt);
	} else if (!qry->parent && qry->stype == KR_TYPE_AAAA && !(qry->flags & KR_QF_DNS64_DISABLE) &&
		   !kr_request_data(req, ctx->plugin)) {
		consume_aaaa(ctx, qry, pkt);
	}
	return ctx->state;
}

/** Reverse names of the prefix: a CNAME to the IPv4 reverse name, which is then resolved. */
static enum kr_layer_state dns64_begin_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct dns64 *d = kr_plugin_data(ctx->plugin);
	struct kr_query *qry = req->rplan.initial;
	uint8_t target[KR_DNAME_MAXLEN];
	if (ctx->state != KR_STATE_PRODUCE || !qry || qry->stype != KR_TYPE_PTR || qry->sclass != KR_CLASS_IN ||
	    (qry->flags & KR_QF_DNS64_DISABLE) || dns64_reverse_target(d, qry->sname, target) != 0)
		return ctx->state;
	kr_rrset_t *cname = kr_mm_alloc(req->pool, sizeof(*cname));
	uint8_t *owner = kr_dname_copy(req->qsource.packet->qname, req->pool);
	if (!cname || !owner)
		return KR_STATE_FAIL;
	kr_rrset_init(cname, owner, KR_TYPE_CNAME, KR_CLASS_IN, d->rev_ttl);
	if (kr_rrset_add_rdata(cname, target, (uint16_t)kr_dname_size(target), req->pool) != 0 ||
	    kr_pkt_put(req->answer, cname) != 0 || !kr_rplan_push_cname(&req->rplan, qry, target))
		return KR_STATE_FAIL;
	kr_log_req(req, KR_LOG_DEBUG, "dns64", "reverse name of the prefix: CNAME to the IPv4 name");
	return ctx->state;
}

/** Negative TTL of a NODATA answer: min(SOA TTL, SOA minimum), or UINT32_MAX without SOA. */
static uint32_t negative_ttl(const kr_pkt_t *a)
{
	uint32_t ttl = UINT32_MAX;
	for (uint16_t i = 0; i < kr_pkt_count(a, KR_SECTION_AUTHORITY); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(a, KR_SECTION_AUTHORITY, i);
		const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
		if (rr->type != KR_TYPE_SOA || !rd || rd->len < 20)
			continue;
		const uint8_t *m = rd->data + rd->len - 4;
		uint32_t minimum = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		uint32_t t = rr->ttl < minimum ? rr->ttl : minimum;
		ttl = t < ttl ? t : ttl;
	}
	return ttl;
}

/** AAAA records of the A records in r, owned by r->name. @return the set or NULL. */
static kr_rrset_t *synthesise(const struct dns64 *d, const struct dns64_req *r, uint32_t max_ttl, kr_mm_t *pool)
{
	kr_rrset_t *aaaa = kr_mm_alloc(pool, sizeof(*aaaa));
	if (!aaaa)
		return NULL;
	kr_rrset_init(aaaa, r->name, KR_TYPE_AAAA, KR_CLASS_IN, max_ttl);
	for (unsigned i = 0; i < r->a_count; ++i) {
		const kr_rrset_t *a = r->a[i];
		if (a->ttl < aaaa->ttl)
			aaaa->ttl = a->ttl;
		for (struct kr_rdata *rd = kr_rdataset_first(&a->rrs); rd; rd = kr_rdataset_next(&a->rrs, rd)) {
			uint8_t v6[16];
			if (rd->len != 4)
				continue;
			dns64_synth(d, rd->data, v6);
			if (kr_rrset_add_rdata(aaaa, v6, sizeof(v6), pool) != 0)
				return NULL;
		}
	}
	return aaaa->rrs.count ? aaaa : NULL;
}

/** Rewrite the answer: its chain, then the synthesised AAAA; no authority section. */
static enum kr_layer_state dns64_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct dns64 *d = kr_plugin_data(ctx->plugin);
	struct dns64_req *r = kr_request_data(req, ctx->plugin);
	kr_pkt_t *a = req->answer;
	if (!r || ctx->state != KR_STATE_DONE || kr_pkt_rcode(a) != KR_RCODE_NOERROR)
		return ctx->state;
	uint32_t neg = negative_ttl(a);
	kr_rrset_t *aaaa = synthesise(d, r, neg, req->pool);
	if (!aaaa && !r->excluded)
		return ctx->state;   /* no A either: the NODATA answer stands */
	/* Keep the chain (deep copies: the answer's own records go with kr_pkt_clear()). */
	uint16_t n = kr_pkt_count(a, KR_SECTION_ANSWER);
	kr_rrset_t **keep = kr_mm_alloc(req->pool, (n + 1) * sizeof(*keep));
	if (!keep)
		return ctx->state;
	uint16_t kept = 0;
	for (uint16_t i = 0; i < n; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(a, KR_SECTION_ANSWER, i);
		if (rr->type == KR_TYPE_AAAA && kr_dname_eq(rr->owner, r->name))
			continue;   /* only excluded addresses are here */
		if (!(keep[kept] = kr_rrset_copy(rr, req->pool)))
			return ctx->state;
		++kept;
	}
	const kr_pkt_t *q = req->qsource.packet;
	uint16_t id = kr_pkt_id(a);
	uint8_t opcode = kr_pkt_opcode(a);
	bool rd = kr_pkt_flag(a, KR_PKT_RD), ra = kr_pkt_flag(a, KR_PKT_RA), cd = kr_pkt_flag(a, KR_PKT_CD);
	kr_rrset_t *opt = a->opt;
	kr_pkt_clear(a);
	kr_pkt_set_id(a, id);
	kr_pkt_set_opcode(a, opcode);
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_RD, rd);
	kr_pkt_set_flag(a, KR_PKT_RA, ra);
	kr_pkt_set_flag(a, KR_PKT_CD, cd);
	a->opt = opt;
	int ret = kr_pkt_put_question(a, q->qname, q->qclass, q->qtype);
	ret = ret ? ret : kr_pkt_begin(a, KR_SECTION_ANSWER);
	for (uint16_t i = 0; i < kept && !ret; ++i)
		ret = kr_pkt_put(a, keep[i]);
	if (!ret && aaaa)
		ret = kr_pkt_put(a, aaaa);
	if (ret != 0) {
		kr_log_req(req, KR_LOG_DEBUG, "dns64", "cannot write the synthesised answer: %s", kr_strerror(ret));
		kr_pkt_set_rcode(a, KR_RCODE_SERVFAIL);
		return KR_STATE_FAIL;
	}
	kr_log_req(req, KR_LOG_DEBUG, "dns64", "synthesised %u AAAA", aaaa ? aaaa->rrs.count : 0);
	return ctx->state;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.begin = dns64_begin_cb,
	.consume = dns64_consume_cb,
	.answer_finalize = dns64_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "dns64",
	.init = dns64_init_cb,
	.deinit = dns64_deinit_cb,
	.config = dns64_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
