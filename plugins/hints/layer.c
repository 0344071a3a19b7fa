/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hints layer: answers A, AAAA and PTR from the table in produce. */
#include "plugins/hints/hints-impl.h"

/** Which table data answers qtype; HINTS_KINDS for NODATA. */
static enum hints_kind kind_of(uint16_t qtype)
{
	switch (qtype) {
	case KR_TYPE_A: return HINTS_A;
	case KR_TYPE_AAAA: return HINTS_AAAA;
	case KR_TYPE_PTR: return HINTS_PTR;
	default: return HINTS_KINDS;
	}
}

/** Write the RR set of list into pkt's answer section, built in the request pool. */
static int put_answer(struct hints *h, struct kr_request *req, kr_pkt_t *pkt,
		      const struct hints_rdlist *list, uint16_t qtype)
{
	uint8_t *owner = kr_dname_copy(req->current_query->sname, req->pool);
	if (!owner)
		return -ENOMEM;
	kr_rrset_t *rr = kr_mm_alloc(req->pool, sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	kr_rrset_init(rr, owner, qtype, KR_CLASS_IN, h->ttl);
	for (uint16_t i = 0; i < list->count; ++i) {
		int ret = kr_rrset_add_rdata(rr, list->items[i]->data, list->items[i]->len, req->pool);
		if (ret != 0)
			return ret;
	}
	return kr_pkt_put(pkt, rr);
}

enum kr_layer_state hints_produce(struct hints *h, struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req ? req->current_query : NULL;
	if (ctx->state != KR_STATE_PRODUCE || !h || !qry || qry->sclass != KR_CLASS_IN)
		return ctx->state;
	const struct hints_entry *e = hints_table_find(&h->table, qry->sname);
	if (!e)
		return ctx->state;
	/* No AA: hints are the resolver's local data, not an authoritative zone
	 * (as Knot Resolver answers them, and scenario module_hint_static expects). */
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	int ret = kr_pkt_begin(pkt, KR_SECTION_ANSWER);
	enum hints_kind kind = kind_of(qry->stype);
	if (ret == 0 && kind != HINTS_KINDS && e->rd[kind].count)
		ret = put_answer(h, req, pkt, &e->rd[kind], qry->stype);
	if (ret == KR_ESPACE) {
		kr_pkt_truncate(pkt);   /* sets TC: the client retries over TCP */
		ret = 0;
	}
	if (ret == 0)
		ret = kr_pkt_set_rcode(pkt, KR_RCODE_NOERROR);
	if (ret != 0) {
		kr_log_req(req, KR_LOG_ERR, "hints", "cannot write the answer: %s", kr_strerror(ret));
		return KR_STATE_FAIL;
	}
	/*
	 * Local data: not for the cache to store, nor for the validator to
	 * check (CACHED is the signal Knot Resolver's layers know for that).
	 */
	qry->flags |= KR_QF_CACHED | KR_QF_NO_CACHE;
	qry->flags &= ~(uint64_t)KR_QF_DNSSEC_WANT;
	if (kr_log_verbose()) {
		char name[KR_DNAME_MAXTEXT];
		kr_dname_to_str(name, sizeof(name), qry->sname);
		kr_log_req(req, KR_LOG_DEBUG, "hints", "answered %s type %u from hints (%u records)",
			   name, qry->stype, kr_pkt_count(pkt, KR_SECTION_ANSWER));
	}
	return KR_STATE_DONE;
}
