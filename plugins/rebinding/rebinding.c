/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The rebinding plugin: DNS rebinding protection. An upstream answer holding
 * a private or special-use address (classify.c) fails the request, and the
 * client gets REFUSED with an explanation in the additional section.
 * It works on upstream answers in consume, so it must run before iterate:
 * load it as 'rebinding < iterate'. Answers from the cache are checked too;
 * local data (hints) and queries with the ALLOW_LOCAL flag are not.
 */
#include <string.h>
#include "plugins/rebinding/rebinding-impl.h"

#define EXPLANATION "blocked by DNS rebinding protection"

/** Marker stored as request data: the request was blocked. */
static char blocked_mark;

static enum kr_layer_state rebinding_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	/*
	 * Upstream answers come with state CONSUME; answers made inside kresd are
	 * DONE already, and of those only the cache's came from upstream (the
	 * cache layer, before us, may have stored an answer we refused). Local
	 * data (hints) is marked CACHED and NO_CACHE.
	 */
	bool upstream = ctx->state == KR_STATE_CONSUME ||
			(ctx->state == KR_STATE_DONE && qry &&
			 (qry->flags & (KR_QF_CACHED | KR_QF_NO_CACHE)) == KR_QF_CACHED);
	if (!upstream || !pkt || (qry->flags & KR_QF_ALLOW_LOCAL))
		return ctx->state;
	const kr_rrset_t *bad = rebinding_pkt_check(pkt);
	if (!bad)
		return ctx->state;
	if (kr_log_verbose() || (qry->flags & KR_QF_TRACE)) {
		char name[KR_DNAME_MAXTEXT];
		kr_dname_to_str(name, sizeof(name), bad->owner);
		kr_log_req(req, KR_LOG_INFO, "rebinding", "blocked an answer with a private address for %s", name);
	}
	kr_request_set_data(req, ctx->plugin, &blocked_mark);
	return KR_STATE_FAIL;
}

/** The request failed because of us: REFUSED with an explanation, as Knot Resolver says it. */
static enum kr_layer_state rebinding_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	if (kr_request_data(req, ctx->plugin) != &blocked_mark)
		return ctx->state;
	kr_pkt_t *a = req->answer;
	kr_pkt_set_rcode(a, KR_RCODE_REFUSED);
	kr_pkt_set_flag(a, KR_PKT_AA, false);
	kr_rrset_t *txt = kr_mm_alloc(req->pool, sizeof(*txt));
	uint8_t *owner = kr_dname_copy((const uint8_t *)"\x0b" "explanation" "\x07" "invalid", req->pool);
	uint8_t rdata[sizeof(EXPLANATION)];
	rdata[0] = (uint8_t)(sizeof(EXPLANATION) - 1);
	memcpy(rdata + 1, EXPLANATION, sizeof(EXPLANATION) - 1);
	if (!txt || !owner)
		return ctx->state;
	kr_rrset_init(txt, owner, KR_TYPE_TXT, KR_CLASS_IN, 10800);
	if (kr_rrset_add_rdata(txt, rdata, sizeof(rdata), req->pool) == 0 &&
	    kr_pkt_begin(a, KR_SECTION_ADDITIONAL) == 0)
		kr_pkt_put(a, txt);
	return ctx->state;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.consume = rebinding_consume_cb,
	.answer_finalize = rebinding_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "rebinding",
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
