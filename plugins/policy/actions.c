/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What matched rules do to a request: local answers, forwarding, address rewriting. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "plugins/policy/policy-impl.h"

#define GROUP "policy"

static struct policy_req *req_state(struct kr_layer_ctx *ctx, bool create)
{
	struct policy_req *pr = kr_request_data(ctx->req, ctx->plugin);
	if (pr || !create)
		return pr;
	pr = kr_mm_calloc(ctx->req->pool, sizeof(*pr));
	if (pr && kr_request_set_data(ctx->req, ctx->plugin, pr) != 0)
		return NULL;
	return pr;
}

/** Empty the answer back to header and question, keeping id, flags and the pending OPT. */
static int answer_reset(struct kr_request *req)
{
	kr_pkt_t *a = req->answer;
	const kr_pkt_t *q = req->qsource.packet;
	kr_rrset_t *opt = a->opt;
	/* QR, RD, RA and CD stay; AA, TC, AD and the rcode are for the action to set. */
	bool rd = kr_pkt_flag(a, KR_PKT_RD), cd = kr_pkt_flag(a, KR_PKT_CD);
	uint16_t id = kr_pkt_id(a);
	kr_pkt_clear(a);
	kr_pkt_set_id(a, id);
	kr_pkt_set_opcode(a, kr_pkt_opcode(q));
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_RA, true);
	kr_pkt_set_flag(a, KR_PKT_RD, rd);
	kr_pkt_set_flag(a, KR_PKT_CD, cd);
	a->opt = opt;
	int ret = q->qname_size ? kr_pkt_put_question(a, q->qname, q->qclass, q->qtype) : 0;
	return ret ? ret : kr_pkt_begin(a, KR_SECTION_ANSWER);
}

/** A synthetic SOA of zone into the authority section. */
static int put_soa(struct kr_request *req, const uint8_t *zone)
{
	char ztext[KR_DNAME_MAXTEXT], rdtext[KR_DNAME_MAXTEXT + 80];
	if (kr_dname_to_str(ztext, sizeof(ztext), zone) < 0)
		return KR_EMALF;
	snprintf(rdtext, sizeof(rdtext), "%s nobody.invalid. 1 3600 1200 604800 %u", ztext, POLICY_SOA_TTL);
	uint8_t rd[2 * KR_DNAME_MAXLEN + 20];
	int len = kr_rdata_from_str(KR_TYPE_SOA, rdtext, NULL, rd, sizeof(rd));
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	uint8_t *owner = kr_dname_copy(zone, req->pool);
	if (len < 0 || !rr || !owner)
		return len < 0 ? len : -ENOMEM;
	kr_rrset_init(rr, owner, KR_TYPE_SOA, KR_CLASS_IN, POLICY_SOA_TTL);
	int ret = kr_rrset_add_rdata(rr, rd, (uint16_t)len, req->pool);
	if (ret == 0)
		ret = kr_pkt_begin(req->answer, KR_SECTION_AUTHORITY);
	return ret ? ret : kr_pkt_put(req->answer, rr);
}

/** The message as a TXT record of the query name in the additional section. */
static int put_txt(struct kr_request *req, const char *msg)
{
	size_t len = strlen(msg);
	uint8_t rd[1024];
	size_t off = 0;
	for (size_t i = 0; i < len || off == 0;) {
		size_t chunk = len - i > 255 ? 255 : len - i;
		if (off + 1 + chunk > sizeof(rd))
			break;
		rd[off++] = (uint8_t)chunk;
		memcpy(rd + off, msg + i, chunk);
		off += chunk;
		i += chunk;
		if (chunk == 0)
			break;
	}
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	kr_rrset_init(rr, req->qsource.packet->qname, KR_TYPE_TXT, KR_CLASS_IN, POLICY_SOA_TTL);
	int ret = kr_rrset_add_rdata(rr, rd, (uint16_t)off, req->pool);
	if (ret == 0)
		ret = kr_pkt_begin(req->answer, KR_SECTION_ADDITIONAL);
	return ret ? ret : kr_pkt_put(req->answer, rr);
}

/** Records of rrs (owner = the query name) into the answer section. */
static int put_rrs(struct kr_request *req, const kr_rrset_t *rrs)
{
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	*rr = *rrs;
	rr->owner = req->qsource.packet->qname;   /* the client's spelling */
	/* The RDATA stays with the rule: copy it, a rule may go away before the answer is sent. */
	rr->rrs.data = kr_mm_memdup(req->pool, rrs->rrs.data, rrs->rrs.size);
	if (!rr->rrs.data && rrs->rrs.size)
		return -ENOMEM;
	return kr_pkt_put(req->answer, rr);
}

/** The query is answered here: not for the cache, not for the validator. */
static void mark_local(struct kr_request *req)
{
	struct kr_query *qry = req->rplan.initial;
	if (qry)
		qry->flags = (qry->flags | KR_QF_CACHED | KR_QF_NO_CACHE) & ~(uint64_t)KR_QF_DNSSEC_WANT;
}

/** Records for qtype from a list of RR sets, or a CNAME; NULL when none fits. */
static const kr_rrset_t *pick_rrs(const kr_rrset_t *list, uint16_t n, uint16_t qtype)
{
	const kr_rrset_t *cname = NULL;
	for (uint16_t i = 0; i < n; ++i) {
		if (list[i].type == qtype || qtype == KR_TYPE_ANY)
			return &list[i];
		if (list[i].type == KR_TYPE_CNAME)
			cname = &list[i];
	}
	return cname;
}

struct run {
	struct kr_layer_ctx *ctx;
	bool post;
	bool stop;       /* a terminal action was taken */
	bool answered;   /* ... and it wrote the answer (or suppressed it) */
	int error;
};

/** "[policy] name: rule 3 matched, action deny" (or "[view] ..." for a view's rule). */
static void log_match(struct kr_layer_ctx *ctx, const struct policy_match *m)
{
	struct kr_request *req = ctx->req;
	if (!kr_log_verbose() && !(req->options & KR_QF_TRACE))
		return;
	char name[KR_DNAME_MAXTEXT];
	kr_dname_to_str(name, sizeof(name), req->qsource.packet->qname);
	kr_log_req(req, KR_LOG_DEBUG, kr_plugin_name(ctx->plugin), "%s: rule %u matched, action %s", name,
		   m->rule->id, policy_act_name(m->act->type));
}

/** Write a complete local answer for action m. @return 0 or an error. */
static int answer_for(struct run *r, const struct policy_match *m, const struct policy_action *act)
{
	struct kr_request *req = r->ctx->req;
	kr_pkt_t *a = req->answer;
	int ret = answer_reset(req);
	if (ret != 0)
		return ret;
	switch (act->type) {
	case POLICY_DENY:
		kr_pkt_set_flag(a, KR_PKT_AA, true);
		ret = kr_pkt_set_rcode(a, KR_RCODE_NXDOMAIN);
		if (ret == 0)
			ret = put_soa(req, m->zone);
		if (ret == 0 && act->msg)
			ret = put_txt(req, act->msg);
		kr_request_add_ede(req, POLICY_EDE_BLOCKED, act->msg);
		break;
	case POLICY_NODATA:
		kr_pkt_set_flag(a, KR_PKT_AA, true);
		ret = put_soa(req, m->zone);
		break;
	case POLICY_DROP:
		ret = kr_pkt_set_rcode(a, KR_RCODE_SERVFAIL);
		kr_request_add_ede(req, POLICY_EDE_PROHIBITED, NULL);
		break;
	case POLICY_REFUSE:
		ret = kr_pkt_set_rcode(a, KR_RCODE_REFUSED);
		kr_request_add_ede(req, POLICY_EDE_PROHIBITED, NULL);
		break;
	case POLICY_TC:
		kr_pkt_set_flag(a, KR_PKT_TC, true);
		break;
	case POLICY_ANSWER: {
		const kr_rrset_t *rr = pick_rrs(act->rrs, act->rrs_count, req->qsource.packet->qtype);
		kr_pkt_set_flag(a, KR_PKT_AA, true);
		ret = rr ? put_rrs(req, rr) : put_soa(req, m->zone);
		break;
	}
	case POLICY_LOCAL: {
		const kr_rrset_t *rr = pick_rrs(m->entry->rrs, m->entry->rrs_count, req->qsource.packet->qtype);
		kr_pkt_set_flag(a, KR_PKT_AA, true);
		ret = rr ? put_rrs(req, rr) : put_soa(req, m->zone);
		break;
	}
	default:
		ret = -EINVAL;
	}
	if (ret == KR_ESPACE) {
		kr_pkt_truncate(a);
		ret = 0;
	}
	mark_local(req);
	return ret;
}

/** Does ANSWER have records for this query (or say NODATA)? */
static bool answer_applies(const struct kr_request *req, const struct policy_action *act)
{
	if (act->nodata)
		return true;
	for (uint16_t i = 0; i < act->rrs_count; ++i) {
		uint16_t t = act->rrs[i].type;
		if (t == req->qsource.packet->qtype || t == KR_TYPE_CNAME)
			return true;
	}
	return false;
}

static bool apply_cb(const struct policy_match *m, void *baton)
{
	struct run *r = baton;
	struct kr_request *req = r->ctx->req;
	struct kr_query *qry = req->rplan.initial;
	const struct policy_action *act = m->act;
	log_match(r->ctx, m);
	/* Only an answer that a routing rule (PASS, FORWARD, STUB) led to may be
	 * repeated from the answer cache: policy_count_reused() counts its hit then.
	 * Others are for this query alone (local answers count hits, traces log). */
	if (r->post || (act->type != POLICY_PASS && act->type != POLICY_FORWARD &&
			act->type != POLICY_TLS_FORWARD && act->type != POLICY_STUB))
		req->no_answer_reuse = true;
	switch (act->type) {
	case POLICY_PASS:
		r->stop = true;
		return true;
	case POLICY_TRACE:
		req->options |= KR_QF_TRACE;
		if (qry)
			qry->flags |= KR_QF_TRACE;
		log_match(r->ctx, m);   /* the first line of the trace */
		return false;
	case POLICY_FLAGS:
		req->options = (req->options | act->flags_set) & ~act->flags_clear;
		for (uint32_t i = 0; i < req->rplan.pending_len; ++i)
			req->rplan.pending[i]->flags = (req->rplan.pending[i]->flags | act->flags_set) & ~act->flags_clear;
		return false;
	case POLICY_REROUTE: {
		struct policy_req *pr = req_state(r->ctx, true);
		uint16_t n = pr ? pr->reroute_count : 0;
		struct policy_reroute *map = pr ? kr_mm_alloc(req->pool, (n + act->reroute_count) * sizeof(*map)) : NULL;
		if (!map) {
			r->error = -ENOMEM;
			return true;
		}
		if (n)
			memcpy(map, pr->reroute, n * sizeof(*map));
		memcpy(map + n, act->reroute, act->reroute_count * sizeof(*map));
		pr->reroute = map;
		pr->reroute_count = (uint16_t)(n + act->reroute_count);
		return false;
	}
	case POLICY_FORWARD:
	case POLICY_TLS_FORWARD:
	case POLICY_STUB: {
		if (r->post)
			return false;   /* too late to forward */
		struct policy_req *pr = req_state(r->ctx, true);
		if (!pr) {
			r->error = -ENOMEM;
			return true;
		}
		memcpy(pr->fwd, act->addrs, sizeof(pr->fwd));
		pr->fwd_count = act->addr_count;
		uint64_t set = act->type == POLICY_FORWARD ? KR_QF_FORWARD
			: act->type == POLICY_TLS_FORWARD ? (uint64_t)(KR_QF_FORWARD | KR_QF_TLS) : KR_QF_STUB;
		uint64_t clear = act->type == POLICY_FORWARD ? (uint64_t)(KR_QF_STUB | KR_QF_TLS)
			: act->type == POLICY_TLS_FORWARD ? KR_QF_STUB
			: (uint64_t)(KR_QF_FORWARD | KR_QF_DNSSEC_WANT | KR_QF_TLS);
		req->options = (req->options | set) & ~clear;
		for (uint32_t i = 0; i < req->rplan.pending_len; ++i)
			req->rplan.pending[i]->flags = (req->rplan.pending[i]->flags | set) & ~clear;
		r->stop = true;
		return true;
	}
	case POLICY_TC:
		if (req->qsource.flags & KR_REQ_TCP) {
			r->stop = true;   /* over TCP the normal answer */
			return true;
		}
		break;
	case POLICY_ANSWER:
		if (!answer_applies(req, act))
			return false;
		break;
	case POLICY_NO_ANSWER:
		r->stop = r->answered = true;
		if (req->qsource.flags & KR_REQ_INTERNAL) {
			answer_reset(req);
			kr_pkt_set_rcode(req->answer, KR_RCODE_SERVFAIL);
		} else {
			req->answer = NULL;   /* the worker sends nothing */
		}
		mark_local(req);
		return true;
	default:
		break;
	}
	r->stop = r->answered = true;
	r->error = answer_for(r, m, act);
	return true;
}

bool policy_run(struct kr_layer_ctx *ctx, struct policy_ruleset *rs, bool post, enum kr_layer_state *state)
{
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	if (!rs || !q || !q->qname_size || !req->answer)
		return false;
	struct run r = { .ctx = ctx, .post = post };
	policy_ruleset_eval(rs, q->qname, post, apply_cb, &r);
	if (r.error) {
		kr_log_req(req, KR_LOG_ERR, GROUP, "cannot apply the rule: %s", kr_strerror(r.error));
		*state = KR_STATE_FAIL;
		return true;
	}
	if (!r.stop)
		return false;
	*state = r.answered ? KR_STATE_DONE : ctx->state;
	return true;
}

static bool first_match_cb(const struct policy_match *m, void *baton)
{
	(void)m;
	(void)baton;
	return true;
}

void policy_count_reused(struct policy_ruleset *rs, const uint8_t *qname)
{
	/* A repeated answer's query met no rule, or first a routing rule (see
	 * apply_cb()): the evaluation counts that rule's hit and stops. */
	if (rs && rs->count > rs->post_count)
		policy_ruleset_eval(rs, qname, false, first_match_cb, NULL);
}

/* --- FORWARD and STUB --- */

enum kr_layer_state policy_fwd_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct policy_req *pr = req_state(ctx, false);
	if (ctx->state != KR_STATE_PRODUCE || !qry || !pr || !pr->fwd_count ||
	    !(qry->flags & (KR_QF_FORWARD | KR_QF_STUB)))
		return ctx->state;
	kr_pkt_set_flag(pkt, KR_PKT_RD, true);
	/* Validating here: the upstream must hand over what it could not validate (RFC 4035 4.9.2). */
	bool cd = (qry->flags & KR_QF_DNSSEC_CD) ||
		  ((qry->flags & KR_QF_FORWARD) && (qry->flags & KR_QF_DNSSEC_WANT));
	kr_pkt_set_flag(pkt, KR_PKT_CD, cd);
	memcpy(qry->ns_addr, pr->fwd, sizeof(qry->ns_addr));
	qry->ns_count = pr->fwd_count;
	if (kr_log_verbose() || (qry->flags & KR_QF_TRACE)) {
		char name[KR_DNAME_MAXTEXT], addr[INET6_ADDRSTRLEN] = "?";
		kr_dname_to_str(name, sizeof(name), qry->sname);
		const union kr_sockaddr *sa = &pr->fwd[0];
		inet_ntop(sa->ip.sa_family, sa->ip.sa_family == AF_INET ? (const void *)&sa->ip4.sin_addr
			  : (const void *)&sa->ip6.sin6_addr, addr, sizeof(addr));
		kr_log_req(req, KR_LOG_DEBUG, GROUP, "%s %s to %s%s (and %u more)",
			   (qry->flags & KR_QF_STUB) ? "stub" : "forwarding", name, addr,
			   (qry->flags & KR_QF_TLS) ? " over TLS" : "", pr->fwd_count - 1u);
	}
	return KR_STATE_CONSUME;
}

enum kr_layer_state policy_fwd_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct policy_req *pr = req_state(ctx, false);
	if (ctx->state != KR_STATE_CONSUME || !qry || !pr || !pr->fwd_count ||
	    !(qry->flags & (KR_QF_FORWARD | KR_QF_STUB)))
		return ctx->state;
	if (!pkt) {
		kr_log_req(req, KR_LOG_DEBUG, GROUP, "no forwarder answered");
		return KR_STATE_FAIL;
	}
	uint16_t rcode = kr_pkt_rcode(pkt) & 0xf;
	if (rcode != KR_RCODE_NOERROR && rcode != KR_RCODE_NXDOMAIN) {
		kr_log_req(req, KR_LOG_DEBUG, GROUP, "forwarder answered with rcode %u", rcode);
		return KR_STATE_FAIL;
	}
	return KR_STATE_DONE;
}

/* --- REROUTE --- */

bool policy_reroute_addr(const struct policy_reroute *map, uint16_t n, int family, uint8_t *addr)
{
	for (uint16_t i = 0; i < n; ++i) {
		const struct policy_reroute *r = &map[i];
		if (r->family != family)
			continue;
		bool match = true;
		for (int b = 0; b < r->len && match; b += 8) {
			int bits = r->len - b >= 8 ? 8 : r->len - b;
			uint8_t mask = (uint8_t)(0xff << (8 - bits));
			match = (addr[b / 8] & mask) == (r->from[b / 8] & mask);
		}
		if (!match)
			continue;
		for (int b = 0; b < r->len; b += 8) {
			int bits = r->len - b >= 8 ? 8 : r->len - b;
			uint8_t mask = (uint8_t)(0xff << (8 - bits));
			addr[b / 8] = (uint8_t)((addr[b / 8] & ~mask) | (r->to[b / 8] & mask));
		}
		return true;
	}
	return false;
}

void policy_reroute_apply(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct policy_req *pr = req_state(ctx, false);
	kr_pkt_t *a = req->answer;
	if (!pr || !pr->reroute_count || !a)
		return;
	/* Copy the records (rewritten where needed), then write the answer again. */
	uint16_t counts[3], total = 0;
	for (int s = 0; s < 3; ++s)
		total += counts[s] = kr_pkt_count(a, (enum kr_section)s);
	if (!total)
		return;
	kr_rrset_t **rrs = kr_mm_alloc(req->pool, total * sizeof(*rrs));
	if (!rrs)
		return;
	bool changed = false;
	uint16_t k = 0;
	for (int s = 0; s < 3; ++s) {
		for (uint16_t i = 0; i < counts[s]; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(a, (enum kr_section)s, i);
			kr_rrset_t *c = kr_rrset_copy(rr, req->pool);
			if (!c)
				return;
			if (rr->type == KR_TYPE_A || rr->type == KR_TYPE_AAAA) {
				int fam = rr->type == KR_TYPE_A ? AF_INET : AF_INET6;
				uint16_t alen = rr->type == KR_TYPE_A ? 4 : 16;
				for (struct kr_rdata *rd = kr_rdataset_first(&c->rrs); rd; rd = kr_rdataset_next(&c->rrs, rd))
					if (rd->len == alen)
						changed |= policy_reroute_addr(pr->reroute, pr->reroute_count, fam, rd->data);
			}
			rrs[k++] = c;
		}
	}
	if (!changed)
		return;
	uint8_t hdr2 = a->wire[2], hdr3 = a->wire[3];
	if (answer_reset(req) != 0)
		return;
	a->wire[2] = hdr2;
	a->wire[3] = hdr3;
	k = 0;
	for (int s = 0; s < 3; ++s) {
		if (counts[s] && kr_pkt_begin(a, (enum kr_section)s) != 0)
			return;
		for (uint16_t i = 0; i < counts[s]; ++i)
			if (kr_pkt_put(a, rrs[k++]) != 0)
				return;
	}
}
