/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The workarounds plugin: per-domain fixes for upstream servers that break
 * common resolver behaviour. Today one: 0x20 letter case randomisation is
 * turned off (KR_QF_NO_0X20) for sub-queries whose name is at or below a
 * domain of the built-in list (domains.c) or of workarounds.config().
 *
 * How it runs in the engine: the engine randomises the letter case of an
 * outgoing query after the produce layers wrote it, reading the sub-query's
 * flags; so the flag is set in produce, before iterate writes the query:
 * load the plugin as 'workarounds < iterate'. The name asked is lower-cased
 * too (the client's letter case must not leak upstream either: such servers
 * answer in lower case). Sub-queries pushed later inherit the flag.
 */
#include <stdlib.h>
#include "plugins/workarounds/workarounds-impl.h"

static int workarounds_init_cb(struct kr_plugin *self)
{
	struct workarounds *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	kr_plugin_set_data(self, c);
	return 0;
}

static void workarounds_deinit_cb(struct kr_plugin *self)
{
	struct workarounds *c = kr_plugin_data(self);
	if (c)
		workarounds_list_free(&c->no_0x20);
	free(c);
	kr_plugin_set_data(self, NULL);
}

static int workarounds_config_cb(struct kr_plugin *self, const char *json)
{
	if (!json)
		return 0;
	char err[WORKAROUNDS_ERRLEN] = "";
	int ret = workarounds_configure(kr_plugin_data(self), json, err, sizeof(err));
	if (ret != 0)
		kr_log_error(workarounds, "workarounds.config(): %s", err);
	return ret;
}

static enum kr_layer_state workarounds_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	(void)pkt;
	struct kr_request *req = ctx->req;
	struct kr_query *qry = kr_rplan_current(&req->rplan);
	if (ctx->state != KR_STATE_PRODUCE || !qry || !qry->sname)
		return ctx->state;
	if (!(qry->flags & KR_QF_NO_0X20)) {
		if (!workarounds_no_0x20(kr_plugin_data(ctx->plugin), qry->sname))
			return ctx->state;
		qry->flags |= KR_QF_NO_0X20;
		kr_log_req(req, KR_LOG_DEBUG, "workarounds", "no 0x20 letter case randomisation for this domain");
	}
	kr_dname_lower(qry->sname);
	return ctx->state;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.produce = workarounds_produce_cb,
};

KR_PLUGIN_DECLARE(
	.name = "workarounds",
	.init = workarounds_init_cb,
	.deinit = workarounds_deinit_cb,
	.config = workarounds_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
