/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The serve_stale plugin (RFC 8767): when resolving the client's question
 * fails (SERVFAIL without a bogus DNSSEC verdict), answer from cached data
 * that expired at most max_stale ago, with TTL 30 s and the Extended DNS
 * Error 3 "Stale Answer" (RFC 8914). The answer is rebuilt in
 * answer_finalize, after the engine reset the failed answer to SERVFAIL.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/serve_stale/serve_stale-impl.h"

#define GROUP "serve_stale"

struct serve_stale {
	uint32_t max_stale;   /**< seconds past expiry that data may still be served */
	uint64_t served;      /**< stale answers given */
};

static int serve_stale_init_cb(struct kr_plugin *self)
{
	struct serve_stale *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->max_stale = SERVE_STALE_DEFAULT;
	kr_plugin_set_data(self, s);
	return 0;
}

static void serve_stale_deinit_cb(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

static int serve_stale_config_cb(struct kr_plugin *self, const char *json)
{
	if (!json)
		return 0;
	struct serve_stale *s = kr_plugin_data(self);
	int ret = serve_stale_parse(json, &s->max_stale);
	if (ret == -EINVAL)
		kr_log_error(serve_stale, "config expects {max_stale = 1*sec .. 7*day} (milliseconds)");
	return ret;
}

/** settings(): {"max_stale": ms, "stale_ttl": seconds, "served": count}. */
static char *serve_stale_prop_settings(struct kr_plugin *self, const char *args)
{
	(void)args;
	struct serve_stale *s = kr_plugin_data(self);
	return json_out(json_pack("{s:I, s:i, s:I}", "max_stale", (json_int_t)s->max_stale * 1000,
				  "stale_ttl", SERVE_STALE_TTL, "served", (json_int_t)s->served));
}

/** Did the request fail validation (then stale data is not a way out)? */
static bool request_bogus(const struct kr_request *req)
{
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	struct kr_validate_bogus b;
	return v && v->size >= KR_VALIDATE_API_HAS(bogus) && v->bogus(req, &b) == 0;
}

static enum kr_layer_state serve_stale_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct serve_stale *s = kr_plugin_data(ctx->plugin);
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	kr_pkt_t *a = req->answer;
	if (!s || ctx->state != KR_STATE_FAIL || !q || !a || !q->qname_size ||
	    q->qclass != KR_CLASS_IN || kr_pkt_rcode(a) != KR_RCODE_SERVFAIL ||
	    kr_pkt_count(a, KR_SECTION_ANSWER) != 0 || (req->options & KR_QF_NO_CACHE))
		return ctx->state;
	uint16_t len;
	if (a->opt && kr_edns_get_option(a->opt, KR_EDNS_OPT_EDE, &len))
		return ctx->state;   /* a layer said why it failed (policy, validation): keep that */
	const struct kr_cache_api *c = kr_service_get(KR_SERVICE_CACHE);
	if (!c || c->size < KR_CACHE_API_HAS(peek_stale) || request_bogus(req))
		return ctx->state;

	uint32_t late = 0;
	int ret = serve_stale_answer(req, c, s->max_stale, &late);
	if (ret <= 0) {
		if (ret < 0)
			kr_log_req(req, KR_LOG_DEBUG, GROUP, "no stale answer: %s", kr_strerror(ret));
		return ctx->state;
	}
	++s->served;
	req->no_answer_reuse = true;   /* each stale answer is given by this layer, and counted */
	char qn[KR_DNAME_MAXTEXT], qt[16];
	kr_dname_to_str(qn, sizeof(qn), q->qname);
	kr_rrtype_to_str(q->qtype, qt, sizeof(qt));
	kr_log_req(req, KR_LOG_INFO, GROUP, "resolving %s %s failed: answering from cache expired %us ago",
		   qn, qt, late);
	return KR_STATE_DONE;
}

static const struct kr_plugin_prop props[] = {
	{ "settings", serve_stale_prop_settings,
	  "settings(): {max_stale = ms, stale_ttl = seconds, served = stale answers given}" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.answer_finalize = serve_stale_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "serve_stale",
	.init = serve_stale_init_cb,
	.deinit = serve_stale_deinit_cb,
	.config = serve_stale_config_cb,
	.layer = &layer,
	.props = props,
	.answers_reusable = kr_answer_cache_allow,
);
