/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The bogus_log plugin: one log line per request that failed DNSSEC
 * validation (what failed, in which zone, why, for which client), and a
 * bounded table of the most frequent bogus names for bogus_log.frequent().
 * The outcome comes from the validate plugin's service (<kres/validate.h>).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/bogus_log/bogus_log-impl.h"

static void client_str(const struct kr_request *req, char *out, size_t len)
{
	const struct sockaddr *sa = req->qsource.addr;
	char ip[INET6_ADDRSTRLEN] = "";
	if (!sa) {
		snprintf(out, len, "%s", "an internal request");
		return;
	}
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
						  : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	inet_ntop(sa->sa_family, a, ip, sizeof(ip));
	snprintf(out, len, "client %s", ip);
}

static enum kr_layer_state bogus_log_finish(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	struct bogus_log_table *t = kr_plugin_data(ctx->plugin);
	if (ctx->state != KR_STATE_FAIL || !t)
		return ctx->state;
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	struct kr_validate_bogus b;
	if (!v || v->size < KR_VALIDATE_API_HAS(bogus) || v->bogus(req, &b) != 0)
		return ctx->state;
	bogus_log_table_add(t, b.name, b.type);
	char name[KR_DNAME_MAXTEXT], zone[KR_DNAME_MAXTEXT] = "?", type[16], client[INET6_ADDRSTRLEN + 32];
	char qname[KR_DNAME_MAXTEXT] = "?", qtype[16] = "?";
	kr_dname_to_str(name, sizeof(name), b.name);
	if (b.zone)
		kr_dname_to_str(zone, sizeof(zone), b.zone);
	kr_rrtype_to_str(b.type, type, sizeof(type));
	const kr_pkt_t *q = req->qsource.packet;
	if (q && q->qname_size) {
		kr_dname_to_str(qname, sizeof(qname), q->qname);
		kr_rrtype_to_str(q->qtype, qtype, sizeof(qtype));
	}
	client_str(req, client, sizeof(client));
	kr_log_req(req, KR_LOG_NOTICE, "bogus_log",
		   "DNSSEC validation failure: %s %s (zone %s, EDE %u): %s; while answering %s %s for %s",
		   name, type, zone, (unsigned)b.ede, b.reason ? b.reason : "?", qname, qtype, client);
	return ctx->state;
}

static int bogus_log_init_cb(struct kr_plugin *self)
{
	struct bogus_log_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	int ret = bogus_log_table_init(t, BOGUS_LOG_DEFAULT_SIZE);
	if (ret != 0) {
		free(t);
		return ret;
	}
	kr_plugin_set_data(self, t);
	return 0;
}

static void bogus_log_deinit_cb(struct kr_plugin *self)
{
	struct bogus_log_table *t = kr_plugin_data(self);
	if (t) {
		bogus_log_table_free(t);
		free(t);
	}
	kr_plugin_set_data(self, NULL);
}

/** bogus_log.config({ size = N }): keep N entries (the table starts empty). */
static int bogus_log_config_cb(struct kr_plugin *self, const char *json)
{
	struct bogus_log_table *t = kr_plugin_data(self);
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	json_t *size = json_is_object(v) ? json_object_get(v, "size") : NULL;
	int ret = 0;
	if (!v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0))
		ret = 0;
	else if (!json_is_integer(size) || json_integer_value(size) < 1 || json_integer_value(size) > 1000000)
		ret = -EINVAL;
	else {
		struct bogus_log_table n;
		ret = bogus_log_table_init(&n, (unsigned)json_integer_value(size));
		if (ret == 0) {
			bogus_log_table_free(t);
			*t = n;
		}
	}
	json_decref(v);
	return ret;
}

/** bogus_log.frequent([n]): the n (default all) most frequent {name=, type=, count=}. */
static char *prop_frequent(struct kr_plugin *self, const char *args)
{
	const struct bogus_log_table *t = kr_plugin_data(self);
	unsigned max = t->len;
	if (args) {
		json_t *v = json_loads(args, JSON_DECODE_ANY, NULL);
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			json_decref(v);
			return error_out("bogus_log.frequent([n]) expects a number of entries");
		}
		if ((json_int_t)max > json_integer_value(v))
			max = (unsigned)json_integer_value(v);
		json_decref(v);
	}
	const struct bogus_log_entry **top = max ? malloc(max * sizeof(*top)) : NULL;
	unsigned n = top ? bogus_log_table_top(t, top, max) : 0;
	json_t *out = json_array();
	for (unsigned i = 0; i < n; ++i) {
		char name[KR_DNAME_MAXTEXT], type[16];
		kr_dname_to_str(name, sizeof(name), top[i]->name);
		kr_rrtype_to_str(top[i]->type, type, sizeof(type));
		json_array_append_new(out, json_pack("{s:s,s:s,s:I}", "name", name, "type", type,
						     "count", (json_int_t)top[i]->count));
	}
	free(top);
	return json_out(out);
}

static char *prop_clear(struct kr_plugin *self, const char *args)
{
	(void)args;
	bogus_log_table_clear(kr_plugin_data(self));
	return json_out(json_true());
}

static const struct kr_layer_api bogus_log_layer = {
	.size = sizeof(bogus_log_layer),
	.finish = bogus_log_finish,
};

static const struct kr_plugin_prop bogus_log_props[] = {
	{ "frequent", prop_frequent, "the most frequent bogus names: [{name, type, count}], [n] at most" },
	{ "clear", prop_clear, "forget the counted bogus names" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = "bogus_log",
	.init = bogus_log_init_cb,
	.deinit = bogus_log_deinit_cb,
	.config = bogus_log_config_cb,
	.layer = &bogus_log_layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = bogus_log_props,
);
