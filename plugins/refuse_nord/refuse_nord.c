/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The refuse_nord plugin: REFUSED for queries without the RD (recursion
 * desired) bit, so that nobody can snoop on what the cache holds.
 */
#include <kres/kres.h>

static enum kr_layer_state refuse_nord_begin_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	/* Internal requests (resolve() from Lua) have no client packet. */
	if (!q || kr_pkt_flag(q, KR_PKT_RD) || ctx->state == KR_STATE_FAIL)
		return ctx->state;
	kr_pkt_set_rcode(req->answer, KR_RCODE_REFUSED);
	kr_log_req(req, KR_LOG_DEBUG, "refuse_nord", "query without RD: REFUSED");
	return KR_STATE_DONE;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.begin = refuse_nord_begin_cb,
};

KR_PLUGIN_DECLARE(
	.name = "refuse_nord",
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
