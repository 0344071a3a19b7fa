/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hello: an example plugin built out of tree against the installed API:
 *
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags libkres) hello.c -o hello.so
 *
 * It counts the requests it sees, and greets: a TXT query for the name set by
 * hello.name('...') (hello.example. by default) is answered with "hello".
 * Lua: hello.count() -> { requests = N, greeted = N }, hello.name([name]) -> name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/kres.h>

struct hello {
	uint64_t requests;
	uint64_t greeted;
	uint8_t name[KR_DNAME_MAXLEN];
};

static enum kr_layer_state hello_begin(struct kr_layer_ctx *ctx)
{
	struct hello *h = kr_plugin_data(ctx->plugin);
	++h->requests;
	return ctx->state;
}

/** Answer TXT "hello" for the configured name. */
static enum kr_layer_state hello_produce(struct kr_layer_ctx *ctx, struct kr_pkt *pkt)
{
	struct hello *h = kr_plugin_data(ctx->plugin);
	struct kr_query *qry = ctx->req->current_query;
	if (ctx->state != KR_STATE_PRODUCE || qry->stype != KR_TYPE_TXT || !kr_dname_eq(qry->sname, h->name))
		return ctx->state;
	static const uint8_t txt[] = { 5, 'h', 'e', 'l', 'l', 'o' };
	kr_rrset_t rr;
	kr_rrset_init(&rr, qry->sname, KR_TYPE_TXT, KR_CLASS_IN, 60);
	if (kr_rrset_add_rdata(&rr, txt, sizeof(txt), ctx->req->pool) != 0)
		return KR_STATE_FAIL;
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_pkt_set_flag(pkt, KR_PKT_AA, true);
	if (kr_pkt_begin(pkt, KR_SECTION_ANSWER) != 0 || kr_pkt_put(pkt, &rr) != 0)
		return KR_STATE_FAIL;
	++h->greeted;
	return KR_STATE_DONE;
}

static int hello_init(struct kr_plugin *self)
{
	struct hello *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	kr_dname_from_str(h->name, sizeof(h->name), "hello.example.");
	kr_plugin_set_data(self, h);
	return 0;
}

static void hello_deinit(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
}

static char *hello_count(struct kr_plugin *self, const char *args)
{
	struct hello *h = kr_plugin_data(self);
	char *out = malloc(96);
	if (out)
		snprintf(out, 96, "{\"requests\":%llu,\"greeted\":%llu}",
			 (unsigned long long)h->requests, (unsigned long long)h->greeted);
	return out;
}

/** hello.name('example.net.') sets the name; the argument arrives as a JSON string. */
static char *hello_name(struct kr_plugin *self, const char *args)
{
	struct hello *h = kr_plugin_data(self);
	char buf[KR_DNAME_MAXTEXT];
	size_t len = args ? strlen(args) : 0;
	if (len >= 2 && args[0] == '"' && args[len - 1] == '"' && len - 2 < sizeof(buf) &&
	    !memchr(args + 1, '\\', len - 2)) {
		memcpy(buf, args + 1, len - 2);
		buf[len - 2] = '\0';
		uint8_t name[KR_DNAME_MAXLEN];
		if (kr_dname_from_str(name, sizeof(name), buf) < 0)
			return strdup("{\"error\":\"invalid name\"}");
		memcpy(h->name, name, kr_dname_size(name));
	}
	kr_dname_to_str(buf, sizeof(buf), h->name);
	char *out = malloc(strlen(buf) + 3);
	if (out)
		sprintf(out, "\"%s\"", buf);
	return out;
}

static const struct kr_layer_api hello_layer = {
	.size = sizeof(hello_layer),
	.begin = hello_begin,
	.produce = hello_produce,
};

static const struct kr_plugin_prop hello_props[] = {
	{ "count", hello_count, "requests seen and greetings given" },
	{ "name", hello_name, "get or set the name answered with TXT \"hello\"" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(.name = "hello", .init = hello_init, .deinit = hello_deinit,
		  .layer = &hello_layer, .props = hello_props);
