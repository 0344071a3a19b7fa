/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolution driver: runs the layers of the loaded plugins over a request. */
#include <stdlib.h>
#include <string.h>
#include "core/engine/engine.h"

/** Which layer callback to run in run_layers(). */
enum layer_step { STEP_BEGIN, STEP_RESET, STEP_CONSUME, STEP_PRODUCE, STEP_CHECKOUT, STEP_FINISH,
		  STEP_FINALIZE, STEP_COUNT };

static bool layer_has(const struct kr_layer_api *l, enum layer_step step)
{
	switch (step) {
	case STEP_BEGIN: return l->begin;
	case STEP_RESET: return l->reset;
	case STEP_CONSUME: return l->consume;
	case STEP_PRODUCE: return l->produce;
	case STEP_CHECKOUT: return l->checkout;
	case STEP_FINISH: return l->finish;
	case STEP_FINALIZE: return l->answer_finalize;
	default: return false;
	}
}

/**
 * The plugins whose layer has step's callback, in order: made once per change
 * of the plugin order, so that a request walks only the layers that act.
 * @return the first, with *count; NULL when out of memory (walk them all then).
 */
static struct kr_plugin *const *step_plugins(struct kr_context *ctx, enum layer_step step, size_t *count)
{
	if (!ctx->steps || ctx->steps_made_gen != ctx->plugins_gen || ctx->steps_made_of != ctx->plugins ||
	    ctx->steps_made_count != ctx->plugin_count) {
		struct kr_plugin **steps = realloc(ctx->steps, (ctx->plugin_count * STEP_COUNT + 1) * sizeof(*steps));
		if (!steps) {
			*count = ctx->plugin_count;
			return ctx->plugins;
		}
		size_t n = 0;
		for (int st = 0; st < STEP_COUNT; ++st) {
			ctx->step_start[st] = (uint16_t)n;
			for (size_t i = 0; i < ctx->plugin_count; ++i) {
				const struct kr_layer_api *l = ctx->plugins[i]->api->layer;
				if (l && layer_has(l, (enum layer_step)st))
					steps[n++] = ctx->plugins[i];
			}
		}
		ctx->step_start[STEP_COUNT] = (uint16_t)n;
		ctx->steps = steps;
		ctx->steps_made_gen = ctx->plugins_gen;
		ctx->steps_made_of = ctx->plugins;
		ctx->steps_made_count = ctx->plugin_count;
	}
	*count = ctx->step_start[step + 1] - ctx->step_start[step];
	return ctx->steps + ctx->step_start[step];
}

/**
 * Call one callback of every plugin's layer in order, threading the state
 * through; YIELD stops the walk, except in consume (see below).
 */
static enum kr_layer_state run_layers(struct kr_request *req, enum layer_step step,
				      enum kr_layer_state state, kr_pkt_t *pkt)
{
	struct kr_context *ctx = req->ctx;
	size_t count;
	struct kr_plugin *const *list = step_plugins(ctx, step, &count);
	for (size_t i = 0; i < count; ++i) {
		struct kr_plugin *p = list[i];
		const struct kr_layer_api *l = p->api->layer;
		if (!l)
			continue;
		struct kr_layer_ctx lctx = { .state = state, .req = req, .plugin = p };
		switch (step) {
		case STEP_BEGIN: if (l->begin) state = l->begin(&lctx); break;
		case STEP_RESET: if (l->reset) state = l->reset(&lctx); break;
		case STEP_FINISH: if (l->finish) state = l->finish(&lctx); break;
		case STEP_FINALIZE: if (l->answer_finalize) state = l->answer_finalize(&lctx); break;
		case STEP_CONSUME: if (l->consume) state = l->consume(&lctx, pkt); break;
		case STEP_PRODUCE: if (l->produce) state = l->produce(&lctx, pkt); break;
		default: break;
		}
		if (state == KR_STATE_YIELD && step != STEP_CONSUME)
			break;
		/* In consume the later layers still see the answer a YIELD came from
		 * (validate checks the CNAME link iterate leaves behind); they may
		 * push more sub-queries or fail the request, nothing else. */
		if (lctx.state == KR_STATE_YIELD && state != KR_STATE_FAIL)
			state = KR_STATE_YIELD;
	}
	return state;
}

/** Make req->answer a reply skeleton for the client's question. */
static int answer_init(struct kr_request *req)
{
	const kr_pkt_t *q = req->qsource.packet;
	kr_pkt_t *a = req->answer;
	kr_pkt_clear(a);
	kr_pkt_set_id(a, kr_pkt_id(q));
	kr_pkt_set_opcode(a, kr_pkt_opcode(q));
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_RA, true);
	kr_pkt_set_flag(a, KR_PKT_RD, kr_pkt_flag(q, KR_PKT_RD));
	kr_pkt_set_flag(a, KR_PKT_CD, kr_pkt_flag(q, KR_PKT_CD));
	if (q->qname_size) {
		int ret = kr_pkt_put_question(a, q->qname, q->qclass, q->qtype);
		if (ret != 0)
			return ret;
	}
	return kr_pkt_begin(a, KR_SECTION_ANSWER);
}

/** Prepare the OPT record of the answer when the client used EDNS. */
static int answer_edns(struct kr_request *req)
{
	const kr_pkt_t *q = req->qsource.packet;
	if (!q->opt)
		return 0;
	kr_rrset_t *opt = kr_mm_alloc(req->pool, sizeof(*opt));
	if (!opt || kr_edns_init(opt, req->ctx->bufsize, 0, req->pool) != 0)
		return -ENOMEM;
	kr_edns_set_do(opt, kr_edns_do(q->opt));
	req->answer->opt = opt;
	return 0;
}

/** Answer without running any layer. */
static enum kr_layer_state answer_now(struct kr_request *req, uint16_t rcode)
{
	kr_pkt_set_rcode(req->answer, rcode);
	return req->state = KR_STATE_DONE;
}

enum kr_layer_state kr_resolve_begin(struct kr_request *req, struct kr_context *ctx)
{
	req->ctx = ctx;
	req->rplan.request = req;
	req->uid = ++ctx->next_uid;
	req->options |= ctx->options;
	req->started_ms = kr_now_ms();
	req->state = KR_STATE_PRODUCE;
	req->answer = kr_pkt_new(NULL, KR_PKT_MAXSIZE, req->pool);
	const kr_pkt_t *q = req->qsource.packet;
	if (!req->answer || answer_init(req) != 0 || answer_edns(req) != 0)
		return req->state = KR_STATE_FAIL;
	if (q->opt && kr_edns_version(q->opt) > 0)
		return answer_now(req, KR_RCODE_BADVERS);
	if (kr_pkt_opcode(q) != KR_OPCODE_QUERY)
		return answer_now(req, KR_RCODE_NOTIMPL);
	if (q->qname_size == 0 || kr_pkt_flag(q, KR_PKT_QR))
		return answer_now(req, KR_RCODE_FORMERR);
	if (q->qclass != KR_CLASS_IN && q->qclass != KR_CLASS_CH)
		return answer_now(req, KR_RCODE_REFUSED);
	switch (q->qtype) {
	case KR_TYPE_AXFR: case KR_TYPE_IXFR:
		return answer_now(req, KR_RCODE_NOTIMPL);
	case KR_TYPE_OPT: case KR_TYPE_TSIG:
		return answer_now(req, KR_RCODE_FORMERR);
	}
	if (kr_pkt_flag(q, KR_PKT_CD))
		req->options |= KR_QF_DNSSEC_CD;
	if (!kr_rplan_push(&req->rplan, NULL, q->qname, q->qclass, q->qtype))
		return req->state = KR_STATE_FAIL;
	enum kr_layer_state st = run_layers(req, STEP_BEGIN, KR_STATE_PRODUCE, NULL);
	if (st == KR_STATE_FAIL || st == KR_STATE_DONE)
		req->state = st;
	return req->state;
}

/** Does the answer section hold a record of the asked type (the end of any CNAME chain)? */
static bool answer_has_type(const kr_pkt_t *resp, uint16_t qtype)
{
	for (uint16_t i = 0; i < kr_pkt_count(resp, KR_SECTION_ANSWER); ++i) {
		uint16_t t = kr_pkt_rr(resp, KR_SECTION_ANSWER, i)->type;
		if (t == qtype || qtype == KR_TYPE_ANY)
			return true;
	}
	return false;
}

/**
 * Copy the final response into the client's answer: its answer section, and
 * for a negative answer (an error rcode, or no record of the asked type, as
 * when a CNAME chain ends in NODATA) its authority section (SOA and proofs).
 * AA stays only on answers made inside kresd (local data).
 */
/**
 * reorder_RR(true): the RR set with its records rotated by a random count, a
 * copy from the request's arena (only when the user asked for it).
 */
static const kr_rrset_t *rotated(struct kr_request *req, const kr_rrset_t *rr)
{
	uint16_t n = rr->rrs.count;
	uint16_t k = n > 1 ? (uint16_t)(kr_rand32() % n) : 0;
	const struct kr_rdata *at = k ? kr_rdataset_at(&rr->rrs, k) : NULL;
	kr_rrset_t *c = at ? kr_mm_alloc(req->pool, sizeof(*c)) : NULL;
	uint8_t *d = c ? kr_mm_alloc(req->pool, rr->rrs.size) : NULL;
	if (!d)
		return rr;
	size_t off = (size_t)((const uint8_t *)at - rr->rrs.data);
	*c = *rr;
	memcpy(d, rr->rrs.data + off, rr->rrs.size - off);
	memcpy(d + rr->rrs.size - off, rr->rrs.data, off);
	c->rrs.data = d;
	return c;
}

/** NSEC, NSEC3, or an RRSIG over one of them. */
static bool is_denial(const kr_rrset_t *rr)
{
	uint16_t type = rr->type;
	if (type == KR_TYPE_RRSIG) {
		const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
		type = rd && rd->len >= 2 ? (uint16_t)(rd->data[0] << 8 | rd->data[1]) : 0;
	}
	return type == KR_TYPE_NSEC || type == KR_TYPE_NSEC3;
}

/*
 * The authority records of a chain's positive links (the proofs of wildcard
 * expansions) go after the answer records of every link: gathered here, in
 * the request under the engine's own key, and written when it finishes.
 */
struct later_authority {
	const kr_rrset_t **rr;
	uint32_t count, cap;
};
static const char later_authority_key;
#define LATER_KEY ((const struct kr_plugin *)&later_authority_key)

static int authority_later(struct kr_request *req, const kr_rrset_t *rr)
{
	struct later_authority *l = kr_request_data(req, LATER_KEY);
	if (!l && (!(l = kr_mm_calloc(req->pool, sizeof(*l))) || kr_request_set_data(req, LATER_KEY, l) != 0))
		return -ENOMEM;
	if (l->count == l->cap) {
		if (l->cap >= UINT16_MAX)
			return KR_ESPACE;   /* more than any answer holds */
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		const kr_rrset_t **n = kr_mm_realloc(req->pool, l->rr, cap * sizeof(*n), l->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->rr = n;
		l->cap = cap;
	}
	kr_rrset_t *c = kr_rrset_copy(rr, req->pool);   /* the response packet is reused */
	if (!c)
		return -ENOMEM;
	l->rr[l->count++] = c;
	return 0;
}

/** Write the gathered authority records (once each). @return 0 or an error of kr_pkt_put(). */
static int authority_flush(struct kr_request *req)
{
	struct later_authority *l = kr_request_data(req, LATER_KEY);
	kr_pkt_t *a = req->answer;
	if (!l || !l->count)
		return 0;
	int ret = a->current < KR_SECTION_AUTHORITY ? kr_pkt_begin(a, KR_SECTION_AUTHORITY) : 0;
	for (uint32_t i = 0; ret == 0 && i < l->count; ++i)
		if (!kr_pkt_has_rrset(a, KR_SECTION_AUTHORITY, l->rr[i]))
			ret = kr_pkt_put(a, l->rr[i]);
	l->count = 0;
	return ret;
}

static int answer_copy(struct kr_request *req, const kr_pkt_t *resp, uint16_t qtype, bool local)
{
	kr_pkt_t *a = req->answer;
	uint16_t rcode = kr_pkt_rcode(resp) & 0xf;
	kr_pkt_set_rcode(a, rcode);
	kr_pkt_set_flag(a, KR_PKT_AA, local && kr_pkt_flag(resp, KR_PKT_AA));
	bool negative = rcode != KR_RCODE_NOERROR || !answer_has_type(resp, qtype);
	/* RFC 4035 3.2.1: DNSSEC records only for clients that set DO (or asked for them);
	 * for them a positive answer keeps its proofs (a wildcard expansion's NSEC/NSEC3). */
	const kr_pkt_t *q = req->qsource.packet;
	bool dnssec = q && q->opt && kr_edns_do(q->opt);
	int last = negative || dnssec ? KR_SECTION_AUTHORITY : KR_SECTION_ANSWER;
	/* A fresh positive answer that needs proofs (a wildcard expansion) keeps its
	 * whole authority section, the zone's NS set too, as the server sent it;
	 * from the cache it comes with the proofs only (as Knot Resolver does). */
	bool whole_authority = false;
	for (uint16_t i = 0; dnssec && !negative && !local && i < kr_pkt_count(resp, KR_SECTION_AUTHORITY); ++i)
		whole_authority = whole_authority || is_denial(kr_pkt_rr(resp, KR_SECTION_AUTHORITY, i));
	for (int s = KR_SECTION_ANSWER; s <= last; ++s) {
		uint16_t n = kr_pkt_count(resp, s);
		bool later = s == KR_SECTION_AUTHORITY && !negative;
		if (n && !later && a->current < (enum kr_section)s) {
			int ret = kr_pkt_begin(a, s);
			if (ret != 0)
				return ret;
		}
		for (uint16_t i = 0; i < n; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(resp, s, i);
			if (rr->type == KR_TYPE_OPT)
				continue;
			if (s == KR_SECTION_AUTHORITY && ((!negative && !whole_authority && !is_denial(rr)) ||
							  kr_pkt_has_rrset(a, KR_SECTION_AUTHORITY, rr)))
				continue;   /* (the proofs of two links of a chain may be the same) */
			if (!dnssec && rr->type != qtype && (rr->type == KR_TYPE_RRSIG || rr->type == KR_TYPE_NSEC ||
							     rr->type == KR_TYPE_NSEC3))
				continue;
			if (local && s == KR_SECTION_ANSWER && (req->options & KR_QF_REORDER_RR))
				rr = rotated(req, rr);   /* answered from the cache: vary the order */
			int ret = later ? authority_later(req, rr) : kr_pkt_put(a, rr);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

/** The current sub-query is answered by resp: move it to resolved. */
static enum kr_layer_state query_done(struct kr_request *req, struct kr_query *qry,
				      const kr_pkt_t *resp, bool local)
{
	qry->flags |= KR_QF_RESOLVED;
	kr_rplan_pop(&req->rplan, qry);
	if (!qry->parent && resp && answer_copy(req, resp, qry->stype, local) != 0) {
		kr_log_req(req, KR_LOG_DEBUG, "resolve", "answer does not fit");
		return req->state = KR_STATE_FAIL;
	}
	req->current_query = kr_rplan_current(&req->rplan);
	if (!req->current_query)
		return req->state = KR_STATE_DONE;
	return req->state = KR_STATE_PRODUCE;
}

/** Reset pkt to a query for qry's question. */
static int query_prepare(struct kr_request *req, struct kr_query *qry, kr_pkt_t *pkt)
{
	kr_pkt_clear(pkt);
	qry->id = (uint16_t)kr_rand32();
	kr_pkt_set_id(pkt, qry->id);
	qry->ns_count = 0;
	return kr_pkt_put_question(pkt, qry->sname, qry->sclass, qry->stype);
}

/** Flip the letter case of the name by the query's secret bits (0x20, draft-vixie-dnsext-dns0x20). */
static void randomize_case(uint8_t *name, uint32_t secret)
{
	unsigned bit = 0;
	for (uint8_t len = *name; len; len = *name) {
		for (uint8_t i = 1; i <= len; ++i) {
			uint8_t c = name[i] | 0x20;
			if (c >= 'a' && c <= 'z') {
				name[i] = (secret >> (bit % 32)) & 1 ? (uint8_t)(c ^ 0x20) : c;
				++bit;
			}
		}
		name += len + 1;
	}
}

/**
 * Complete an outgoing query: random letter case in the question (unless
 * NO_0X20) and EDNS with our buffer size, DO when the answer is to be validated
 * (unless NO_EDNS or a layer wrote its own OPT).
 */
static int outgoing_finalize(struct kr_request *req, struct kr_query *qry, kr_pkt_t *pkt)
{
	if (!(qry->flags & KR_QF_NO_0X20) && pkt->qname_size)
		randomize_case(pkt->qname, qry->secret);
	if ((qry->flags & KR_QF_NO_EDNS) || pkt->opt)
		return 0;
	kr_rrset_t *opt = kr_mm_alloc(req->pool, sizeof(*opt));
	if (!opt || kr_edns_init(opt, req->ctx->bufsize, 0, req->pool) != 0)
		return -ENOMEM;
	kr_edns_set_do(opt, (qry->flags & KR_QF_DNSSEC_WANT) != 0);
	int ret = kr_pkt_begin(pkt, KR_SECTION_ADDITIONAL);
	return ret ? ret : kr_pkt_put_opt(pkt, opt);
}

enum kr_layer_state kr_resolve_produce(struct kr_request *req, kr_pkt_t *pkt)
{
	unsigned steps = 0;
	while (req->state == KR_STATE_PRODUCE) {
		struct kr_query *qry = kr_rplan_current(&req->rplan);
		if (!qry)
			return req->state = KR_STATE_DONE;
		req->current_query = qry;
		if (kr_now_ms() - req->started_ms > req->ctx->max_time_ms) {
			kr_log_req(req, KR_LOG_DEBUG, "resolve", "time limit of %u ms reached",
				   req->ctx->max_time_ms);
			return req->state = KR_STATE_FAIL;
		}
		if (++steps > 4 * req->ctx->max_subqueries)
			return req->state = KR_STATE_FAIL;
		if (query_prepare(req, qry, pkt) != 0)
			return req->state = KR_STATE_FAIL;
		enum kr_layer_state st = run_layers(req, STEP_PRODUCE, KR_STATE_PRODUCE, pkt);
		switch (st) {
		case KR_STATE_YIELD:
			continue;   /* sub-queries were pushed */
		case KR_STATE_CONSUME:
			if (qry->ns_count == 0) {
				kr_log_req(req, KR_LOG_DEBUG, "resolve", "no server address for the outgoing query");
				return req->state = KR_STATE_FAIL;
			}
			if (outgoing_finalize(req, qry, pkt) != 0)
				return req->state = KR_STATE_FAIL;
			++req->queries_sent;
			return KR_STATE_CONSUME;
		case KR_STATE_DONE:
			/* Answered locally: the other layers see the answer as if it came from upstream. */
			st = run_layers(req, STEP_CONSUME, KR_STATE_DONE, pkt);
			if (st == KR_STATE_FAIL)
				return req->state = KR_STATE_FAIL;
			if (st != KR_STATE_YIELD)
				query_done(req, qry, pkt, true);
			continue;
		default:
			/* FAIL, or nobody could do anything for this sub-query. */
			return req->state = KR_STATE_FAIL;
		}
	}
	return req->state;
}

int kr_resolve_checkout(struct kr_request *req, kr_pkt_t *pkt, const struct sockaddr *dst, bool tcp)
{
	struct kr_context *ctx = req->ctx;
	size_t count;
	struct kr_plugin *const *list = step_plugins(ctx, STEP_CHECKOUT, &count);
	for (size_t i = 0; i < count; ++i) {
		const struct kr_layer_api *l = list[i]->api->layer;
		if (!l || !l->checkout)
			continue;
		struct kr_layer_ctx lctx = { .state = KR_STATE_CONSUME, .req = req, .plugin = list[i] };
		if (l->checkout(&lctx, pkt, dst, tcp) == KR_STATE_FAIL)
			return -EPERM;
	}
	return 0;
}

enum kr_layer_state kr_resolve_consume(struct kr_request *req, const struct sockaddr *src, kr_pkt_t *pkt)
{
	struct kr_query *qry = kr_rplan_current(&req->rplan);
	if (!qry || req->state != KR_STATE_PRODUCE)
		return req->state;
	req->current_query = qry;
	enum kr_layer_state st = run_layers(req, STEP_CONSUME, KR_STATE_CONSUME, pkt);
	switch (st) {
	case KR_STATE_DONE:
		return query_done(req, qry, pkt, false);
	case KR_STATE_FAIL:
		return req->state = KR_STATE_FAIL;
	case KR_STATE_CONSUME:
		/* Nobody took the answer (or there was none): start the sub-query over. */
		st = run_layers(req, STEP_RESET, KR_STATE_PRODUCE, NULL);
		if (st == KR_STATE_FAIL)
			return req->state = KR_STATE_FAIL;
		return req->state;
	default:
		return req->state;
	}
}

int kr_request_add_ede(struct kr_request *req, uint16_t code, const char *text)
{
	kr_rrset_t *opt = req->answer ? req->answer->opt : NULL;
	if (!opt)
		return -ENOENT;
	uint8_t buf[2 + 255];
	size_t len = text ? strlen(text) : 0;
	if (len > 255)
		len = 255;
	buf[0] = (uint8_t)(code >> 8);
	buf[1] = (uint8_t)code;
	if (len)
		memcpy(buf + 2, text, len);
	return kr_edns_add_option(opt, KR_EDNS_OPT_EDE, (uint16_t)(2 + len), buf, req->pool);
}

/** Rewrite the answer as an empty reply with rcode (records dropped). */
static void answer_fail(struct kr_request *req, uint16_t rcode)
{
	answer_init(req);
	kr_pkt_set_rcode(req->answer, rcode);
}

/** Did the client's own CNAME/DNAME chain end in a loop (KR_QF_CNAME_LOOP)? */
static bool client_chain_looped(const struct kr_request *req)
{
	const struct kr_rplan *rp = &req->rplan;
	for (uint32_t i = 0; i < rp->pending_len; ++i)
		if (!rp->pending[i]->parent && (rp->pending[i]->flags & KR_QF_CNAME_LOOP))
			return true;
	return false;
}

void kr_resolve_finish(struct kr_request *req, enum kr_layer_state state)
{
	kr_pkt_t *a = req->answer;
	if (!a)
		return;
	bool ran_layers = req->rplan.initial != NULL;
	if (state == KR_STATE_DONE && authority_flush(req) != 0)
		state = KR_STATE_FAIL;
	if (ran_layers) {
		req->state = run_layers(req, STEP_FINISH, state, NULL);
		if (req->state != KR_STATE_FAIL)
			req->state = state;
	}
	if (req->state == KR_STATE_FAIL && client_chain_looped(req) && !(req->options & KR_QF_DNSSEC_WANT)) {
		/* RFC 1034 3.6.2: the loop is an error, shown with the chain that loops
		 * (what the layers put in the answer section on the way). Not when the
		 * answer was to be validated: the looping link was never judged. */
		kr_pkt_set_rcode(a, KR_RCODE_SERVFAIL);
		kr_pkt_set_flag(a, KR_PKT_AA, false);
	} else if (req->state == KR_STATE_FAIL) {
		const kr_pkt_t *q = req->qsource.packet;
		kr_rrset_t *opt = a->opt;   /* answer_fail() clears the packet, OPT included */
		answer_fail(req, q && q->qclass == KR_CLASS_CH ? KR_RCODE_REFUSED : KR_RCODE_SERVFAIL);
		a->opt = opt;
	}
	if (ran_layers)
		run_layers(req, STEP_FINALIZE, req->state, NULL);

	kr_rrset_t *opt = a->opt;
	uint16_t rcode = kr_pkt_rcode(a);
	if (opt) {
		kr_edns_set_ext_rcode(opt, (uint8_t)(rcode >> 4));
		a->opt = NULL;
		if (kr_pkt_begin(a, KR_SECTION_ADDITIONAL) != 0 || kr_pkt_put_opt(a, opt) != 0) {
			kr_pkt_truncate(a);
			kr_pkt_begin(a, KR_SECTION_ADDITIONAL);
			kr_pkt_put_opt(a, opt);
		}
	}
	/* UDP: an answer larger than the client can take is cut to the question, with TC. */
	if (!(req->qsource.flags & KR_REQ_TCP) && a->size > req->qsource.size) {
		kr_pkt_truncate(a);
		if (opt) {
			kr_pkt_begin(a, KR_SECTION_ADDITIONAL);
			kr_pkt_put_opt(a, opt);
		}
	}
}
