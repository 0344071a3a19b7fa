/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * delay: a test plugin that sends queries for names under "slow." upstream to
 * 127.0.0.1 at the port given by its config (`modules = { delay = PORT }`), so
 * that a fake server in the test decides when (and whether) they are answered.
 * Built by tests/integration/conftest.py: cc -shared -fPIC -I$srcdir/api.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <kres/kres.h>

static const uint8_t slow_zone[] = "\x04slow";   /* "slow." in wire format */

struct delay {
	uint16_t port;
};

static bool delay_wants(const struct kr_query *qry)
{
	return qry && kr_dname_in(qry->sname, slow_zone);
}

static enum kr_layer_state delay_produce(struct kr_layer_ctx *ctx, struct kr_pkt *pkt)
{
	struct delay *d = kr_plugin_data(ctx->plugin);
	struct kr_query *qry = ctx->req->current_query;
	if (ctx->state != KR_STATE_PRODUCE || !delay_wants(qry) || d->port == 0)
		return ctx->state;
	/* The engine wrote the question into pkt already; just say where it goes. */
	memset(&qry->ns_addr[0], 0, sizeof(qry->ns_addr[0]));
	qry->ns_addr[0].ip4.sin_family = AF_INET;
	qry->ns_addr[0].ip4.sin_port = htons(d->port);
	qry->ns_addr[0].ip4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	qry->ns_count = 1;
	return KR_STATE_CONSUME;
}

static enum kr_layer_state delay_consume(struct kr_layer_ctx *ctx, struct kr_pkt *pkt)
{
	if (ctx->state != KR_STATE_CONSUME || !delay_wants(ctx->req->current_query))
		return ctx->state;
	return pkt ? KR_STATE_DONE : KR_STATE_FAIL;
}

static int delay_init(struct kr_plugin *self)
{
	struct delay *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	kr_plugin_set_data(self, d);
	return 0;
}

static void delay_deinit(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
}

/** The config is the port number (JSON number). */
static int delay_config(struct kr_plugin *self, const char *json)
{
	struct delay *d = kr_plugin_data(self);
	if (!json)
		return 0;
	char *end;
	long port = strtol(json, &end, 10);
	if (end == json || port < 1 || port > 65535)
		return -EINVAL;
	d->port = (uint16_t)port;
	return 0;
}

static const struct kr_layer_api delay_layer = {
	.size = sizeof(delay_layer),
	.produce = delay_produce,
	.consume = delay_consume,
};

KR_PLUGIN_DECLARE(.name = "delay", .init = delay_init, .deinit = delay_deinit,
		  .config = delay_config, .layer = &delay_layer);
