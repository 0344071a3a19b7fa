/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The edns_keepalive plugin (RFC 7828): a client that sends the
 * edns-tcp-keepalive option over TCP learns in the answer how long kresd
 * keeps an idle connection open.
 */
#include "plugins/edns_keepalive/edns_keepalive-impl.h"

static enum kr_layer_state keepalive_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	bool tcp = (req->qsource.flags & KR_REQ_TCP) != 0;
	int ret = edns_keepalive_answer(req->qsource.packet, req->answer, tcp, kr_net_tcp_idle_ms(), req->pool);
	if (ret < 0)
		kr_log_req(req, KR_LOG_DEBUG, "keepalive", "cannot add the keepalive option: %s",
			   kr_strerror(ret));
	return ctx->state;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.answer_finalize = keepalive_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "edns_keepalive",
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
