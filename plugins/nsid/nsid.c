/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The nsid plugin (RFC 5001): answers a client's NSID option with this
 * server's identifier, set by nsid.name('id'). Until a name is set, no NSID
 * is sent.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include <kres/kres.h>

/** Longest identifier accepted (an EDNS option carries at most 65535 bytes; keep it small). */
#define NSID_MAXLEN 512

struct nsid {
	char *name;     /**< malloc()ed, or NULL: no NSID */
	uint16_t len;
};

static int nsid_init_cb(struct kr_plugin *self)
{
	struct nsid *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	kr_plugin_set_data(self, n);
	return 0;
}

static void nsid_deinit_cb(struct kr_plugin *self)
{
	struct nsid *n = kr_plugin_data(self);
	if (n)
		free(n->name);
	free(n);
	kr_plugin_set_data(self, NULL);
}

/** Set the identifier from JSON: a string sets it, false or null clears it. @return 0 or -EINVAL. */
static int nsid_set(struct nsid *n, const char *json)
{
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
	if (!v)
		return -EINVAL;
	int ret = 0;
	if (json_is_string(v) && json_string_length(v) <= NSID_MAXLEN) {
		char *copy = malloc(json_string_length(v) + 1);
		if (!copy) {
			ret = -ENOMEM;
		} else {
			memcpy(copy, json_string_value(v), json_string_length(v) + 1);
			free(n->name);
			n->name = copy;
			n->len = (uint16_t)json_string_length(v);
		}
	} else if (json_is_false(v) || json_is_null(v)) {
		free(n->name);
		n->name = NULL;
		n->len = 0;
	} else {
		ret = -EINVAL;
	}
	json_decref(v);
	return ret;
}

static int nsid_config_cb(struct kr_plugin *self, const char *json)
{
	if (!json)
		return 0;
	int ret = nsid_set(kr_plugin_data(self), json);
	if (ret == -EINVAL)
		kr_log_error(nsid, "nsid.config() expects a string of at most %d bytes, or false", NSID_MAXLEN);
	return ret;
}

/** nsid.name([id]): set the identifier (string, or false to stop sending one); return it. */
static char *nsid_prop_name(struct kr_plugin *self, const char *args)
{
	struct nsid *n = kr_plugin_data(self);
	if (args) {
		int ret = nsid_set(n, args);
		if (ret != 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "nsid.name() expects a string of at most %d bytes, or false",
				 NSID_MAXLEN);
			return error_out(ret == -EINVAL ? msg : kr_strerror(ret));
		}
	}
	return json_out(n->name ? json_stringn(n->name, n->len) : json_false());
}

static enum kr_layer_state nsid_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct nsid *n = kr_plugin_data(ctx->plugin);
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	uint16_t len = 0;
	if (!n || !n->name || !q || !q->opt || !req->answer->opt ||
	    !kr_edns_get_option(q->opt, KR_EDNS_OPT_NSID, &len))
		return ctx->state;
	/* RFC 5001 2.1: the request's option is empty; answer whatever it holds. */
	if (kr_edns_get_option(req->answer->opt, KR_EDNS_OPT_NSID, &len))
		return ctx->state;   /* someone answered it already */
	int ret = kr_edns_add_option(req->answer->opt, KR_EDNS_OPT_NSID, n->len,
				     (const uint8_t *)n->name, req->pool);
	if (ret != 0)
		kr_log_req(req, KR_LOG_DEBUG, "nsid", "cannot add NSID: %s", kr_strerror(ret));
	return ctx->state;
}

static const struct kr_plugin_prop props[] = {
	{ "name", nsid_prop_name, "name([id | false]): set the NSID sent to clients that ask; return it" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.answer_finalize = nsid_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "nsid",
	.init = nsid_init_cb,
	.deinit = nsid_deinit_cb,
	.config = nsid_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = props,
);
