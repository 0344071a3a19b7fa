/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The stats plugin: counters of requests, answers (rcode, flags, latency,
 * cache), upstream queries by transport and their RTTs, and the most asked
 * names. This file is the ABI glue and the layer; counters.c and props.c do
 * the work.
 */
#include <string.h>
#include "plugins/stats/stats-impl.h"

/** What checkout remembers of the upstream query in flight, for its RTT. */
struct stats_sent {
	union kr_sockaddr addr;
	uint64_t at_ms;
};

static int stats_init_cb(struct kr_plugin *self)
{
	struct stats *s = stats_new();
	if (!s)
		return -ENOMEM;
	kr_plugin_set_data(self, s);
	return 0;
}

static void stats_deinit_cb(struct kr_plugin *self)
{
	stats_free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

static enum kr_layer_state stats_begin_cb(struct kr_layer_ctx *ctx)
{
	struct stats *s = kr_plugin_data(ctx->plugin);
	if (s)
		stats_count_request(s, ctx->req);
	return ctx->state;
}

static enum kr_layer_state stats_checkout_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					     const void *dst, bool tcp)
{
	struct stats *s = kr_plugin_data(ctx->plugin);
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	const struct sockaddr *sa = dst;
	if (!s || !qry || !sa)
		return ctx->state;
	++s->c[tcp ? STATS_UP_TCP : STATS_UP_UDP];
	++s->c[sa->sa_family == AF_INET6 ? STATS_UP_IPV6 : STATS_UP_IPV4];
	struct stats_sent *sent = kr_query_data(qry, ctx->plugin);
	if (!sent) {
		sent = kr_mm_calloc(req->pool, sizeof(*sent));
		if (!sent || kr_query_set_data(req, qry, ctx->plugin, sent) != 0)
			return ctx->state;
	} else if (sent->at_ms) {
		++s->c[STATS_UP_TIMEOUT];   /* the transport moved on to the next server */
	}
	memset(&sent->addr, 0, sizeof(sent->addr));
	memcpy(&sent->addr, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							 : sizeof(struct sockaddr_in));
	sent->at_ms = kr_now_ms();
	return ctx->state;
}

static enum kr_layer_state stats_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct stats *s = kr_plugin_data(ctx->plugin);
	struct kr_query *qry = ctx->req->current_query;
	struct stats_sent *sent = s && qry ? kr_query_data(qry, ctx->plugin) : NULL;
	if (!sent || !sent->at_ms)
		return ctx->state;
	uint64_t now = kr_now_ms();
	if (pkt)
		stats_upstream_add(s->up, &sent->addr, (uint32_t)(now - sent->at_ms), now);
	else
		++s->c[STATS_UP_TIMEOUT];
	sent->at_ms = 0;
	return ctx->state;
}

static enum kr_layer_state stats_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct stats *s = kr_plugin_data(ctx->plugin);
	if (s)
		stats_count_answer(s, ctx->req, kr_now_ms());
	return ctx->state;
}

#define STATS_PROP(name) \
	static char *prop_##name(struct kr_plugin *self, const char *args) \
	{ \
		return stats_prop_##name(kr_plugin_data(self), args); \
	}
STATS_PROP(list)
STATS_PROP(get)
STATS_PROP(set)
STATS_PROP(frequent)
STATS_PROP(clear_frequent)
STATS_PROP(upstreams)

static const struct kr_plugin_prop props[] = {
	{ "list", prop_list, "list([prefix]): counters whose name starts with prefix {name = value}" },
	{ "get", prop_get, "get(key): one counter ('answer.total'), nil if unknown" },
	{ "set", prop_set, "set(key, value): set a counter; a new key makes a user counter" },
	{ "frequent", prop_frequent, "frequent(): most asked names {name, type, count}, most first" },
	{ "clear_frequent", prop_clear_frequent, "clear_frequent(): forget the most asked names" },
	{ "upstreams", prop_upstreams, "upstreams(): recent RTTs in ms by upstream address {addr = {rtt, ...}}" },
	{ NULL, NULL, NULL },
};

static void stats_reused_cb(struct kr_plugin *self, struct kr_reused_answer *ans)
{
	struct stats *s = kr_plugin_data(self);
	if (s)
		stats_count_reused(s, ans);
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.begin = stats_begin_cb,
	.consume = stats_consume_cb,
	.checkout = stats_checkout_cb,
	.answer_finalize = stats_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "stats",
	.init = stats_init_cb,
	.deinit = stats_deinit_cb,
	.layer = &layer,
	.props = props,
	.answers_reusable = kr_answer_cache_allow,
	.answer_reused = stats_reused_cb,
);
