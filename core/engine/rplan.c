/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resolution plan: pending and resolved sub-queries of a request. */
#include <string.h>
#include "core/engine/engine.h"

/** Append q to a growable array allocated from the request pool. */
static int array_push(kr_mm_t *pool, struct kr_query ***arr, uint32_t *len, uint32_t *cap,
		      struct kr_query *q)
{
	if (*len == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		void *n = kr_mm_realloc(pool, *arr, ncap * sizeof(**arr), *cap * sizeof(**arr));
		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = ncap;
	}
	(*arr)[(*len)++] = q;
	return 0;
}

struct kr_query *kr_rplan_push(struct kr_rplan *rplan, struct kr_query *parent,
			       const uint8_t *name, uint16_t cls, uint16_t type)
{
	struct kr_request *req = rplan->request;
	unsigned limit = req->ctx ? req->ctx->max_subqueries : KR_DEFAULT_MAX_SUBQUERIES;
	if (rplan->next_uid >= limit) {
		kr_log_req(req, KR_LOG_DEBUG, "plan", "sub-query limit %u reached", limit);
		return NULL;
	}
	struct kr_query *q = kr_mm_calloc(req->pool, sizeof(*q));
	if (!q)
		return NULL;
	q->sname = kr_dname_copy(name, req->pool);
	if (!q->sname)
		return NULL;
	q->parent = parent;
	q->sclass = cls;
	q->stype = type;
	q->uid = rplan->next_uid++;
	q->flags = req->options;
	q->started_ms = kr_now_ms();
	q->secret = kr_rand32();
	if (parent) {
		q->cname_depth = parent->cname_depth;
		q->flags = parent->flags & ~(uint64_t)(KR_QF_RESOLVED | KR_QF_CNAME | KR_QF_CACHED |
						       KR_QF_CNAME_LOOP);
	}
	if (array_push(req->pool, &rplan->pending, &rplan->pending_len, &rplan->pending_cap, q) != 0)
		return NULL;
	if (!rplan->initial)
		rplan->initial = q;
	req->current_query = q;
	return q;
}

/** The resolved sub-query with this uid, or NULL. */
static const struct kr_query *resolved_by_uid(const struct kr_rplan *rplan, uint32_t uid)
{
	for (uint32_t i = rplan->resolved_len; i-- > 0;)
		if (rplan->resolved[i]->uid == uid)
			return rplan->resolved[i];
	return NULL;
}

/** Was target asked already by qry or the links of the chain that led to it? */
static bool chain_has(const struct kr_rplan *rplan, const struct kr_query *qry, const uint8_t *target)
{
	/* cname_depth links at most: a bound even if uids were reused. */
	for (unsigned left = qry->cname_depth + 1u; qry && left > 0; --left) {
		if (kr_dname_eq(qry->sname, target))
			return true;
		if (!(qry->flags & KR_QF_CNAME))
			return false;
		qry = resolved_by_uid(rplan, qry->cname_from);
	}
	return false;
}

struct kr_query *kr_rplan_push_cname(struct kr_rplan *rplan, struct kr_query *qry, const uint8_t *target)
{
	struct kr_request *req = rplan->request;
	if (chain_has(rplan, qry, target)) {
		char name[KR_DNAME_MAXTEXT];
		kr_dname_to_str(name, sizeof(name), target);
		kr_log_req(req, KR_LOG_DEBUG, "plan", "CNAME/DNAME loop: %s is in the chain already", name);
		qry->flags |= KR_QF_CNAME_LOOP;
		return NULL;
	}
	unsigned limit = req->ctx ? req->ctx->max_cname : KR_DEFAULT_MAX_CNAME;
	if (qry->cname_depth >= limit) {
		kr_log_req(req, KR_LOG_DEBUG, "plan", "CNAME chain longer than %u", limit);
		return NULL;
	}
	qry->flags |= KR_QF_RESOLVED;
	if (kr_rplan_pop(rplan, qry) != 0)
		return NULL;
	struct kr_query *next = kr_rplan_push(rplan, qry->parent, target, qry->sclass, qry->stype);
	if (!next)
		return NULL;
	next->cname_depth = qry->cname_depth + 1;
	next->cname_from = qry->uid;
	/* The link's verdict is its own: the target is judged afresh. */
	next->flags = (qry->flags & ~(uint64_t)(KR_QF_RESOLVED | KR_QF_CACHED | KR_QF_DNSSEC_VALIDATED |
						KR_QF_DNSSEC_INSECURE | KR_QF_DNSSEC_BOGUS | KR_QF_CNAME_LOOP)) |
		      KR_QF_CNAME;
	return next;
}

int kr_rplan_pop(struct kr_rplan *rplan, struct kr_query *qry)
{
	for (uint32_t i = rplan->pending_len; i-- > 0;) {
		if (rplan->pending[i] != qry)
			continue;
		memmove(&rplan->pending[i], &rplan->pending[i + 1],
			(rplan->pending_len - i - 1) * sizeof(qry));
		--rplan->pending_len;
		struct kr_request *req = rplan->request;
		return array_push(req->pool, &rplan->resolved, &rplan->resolved_len,
				  &rplan->resolved_cap, qry);
	}
	return -ENOENT;
}

struct kr_query *kr_rplan_current(const struct kr_rplan *rplan)
{
	return rplan->pending_len ? rplan->pending[rplan->pending_len - 1] : NULL;
}

bool kr_rplan_satisfies(const struct kr_query *qry, const uint8_t *name, uint16_t cls, uint16_t type)
{
	for (; qry; qry = qry->parent)
		if (qry->stype == type && qry->sclass == cls && kr_dname_eq(qry->sname, name))
			return true;
	return false;
}
