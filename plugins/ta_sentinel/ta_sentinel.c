/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ta_sentinel plugin (RFC 8509): a client learns which root keys this
 * resolver trusts by asking for root-key-sentinel-is-ta-<key tag>.<domain> or
 * root-key-sentinel-not-ta-<key tag>.<domain>, A or AAAA. When the answer was
 * validated secure, is-ta with a tag that is not a root trust anchor's, and
 * not-ta with one that is, end in SERVFAIL; anything else is answered as usual.
 *
 * It works in the finish layer: the request's outcome and the root's key tags
 * come from the validate plugin's service (<kres/validate.h>), so the plugin's
 * place in the order does not matter.
 */
#include <kres/kres.h>
#include "plugins/ta_sentinel/ta_sentinel-impl.h"

static enum kr_layer_state ta_sentinel_finish(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	uint16_t tag;
	if (ctx->state != KR_STATE_DONE || !q || !q->qname_size ||
	    (q->qtype != KR_TYPE_A && q->qtype != KR_TYPE_AAAA) || q->qclass != KR_CLASS_IN)
		return ctx->state;
	enum ta_sentinel_kind kind = ta_sentinel_parse(q->qname, &tag);
	if (kind == TA_SENTINEL_NONE)
		return ctx->state;
	req->no_answer_reuse = true;   /* rare: always asked anew */
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	if (!v || v->size < KR_VALIDATE_API_HAS(answer_secure) || !v->answer_secure(req))
		return ctx->state;   /* not validated (no anchor, CD, insecure): the answer as it is */
	uint16_t tags[KR_VALIDATE_MAX_KEYTAGS];
	int n = v->ta_keytags((const uint8_t *)"", tags, KR_VALIDATE_MAX_KEYTAGS);
	if (!ta_sentinel_fails(kind, tag, tags, n))
		return ctx->state;
	if (kr_log_verbose() || (req->options & KR_QF_TRACE))
		kr_log_req(req, KR_LOG_DEBUG, "ta_sentinel", "key tag %05u %s a root trust anchor: SERVFAIL",
			   (unsigned)tag, kind == TA_SENTINEL_IS_TA ? "is not" : "is");
	return KR_STATE_FAIL;
}

static const struct kr_layer_api ta_sentinel_layer = {
	.size = sizeof(ta_sentinel_layer),
	.finish = ta_sentinel_finish,
};

KR_PLUGIN_DECLARE(
	.name = "ta_sentinel",
	.layer = &ta_sentinel_layer,
	.answers_reusable = kr_answer_cache_allow,
);
