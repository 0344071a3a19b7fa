/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The predict plugin: refreshes popular answers before they expire.
 * - prefetch: a cached answer handed to a client in the last 10% of its TTL
 *   is asked upstream again at once (within a quarter of a second);
 * - prediction: at the end of each window, queries asked in at least two of
 *   the last `period` windows whose answer expires before the next window
 *   ends are refreshed.
 * The layer records each client answer in a preallocated table (no Lua, no
 * allocation per request); the companion predict.lua runs the refreshes with
 * resolve(..., kres.query.EXPIRING) on its timers.
 *
 * A refresh must bypass the cache when looking up but store what it gets:
 * the layer, placed before cache ('predict < cache'), sets NO_CACHE on the
 * refresh's own query in produce and clears it again in consume.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/predict/predict-impl.h"

/** The plugin's state. */
struct predict {
	struct predict_table table;
	double window_min;   /**< window length in minutes */
	uint64_t window_start_ms;   /**< monotonic start of the current window */
};

#define WINDOW_DEFAULT 15.0   /* minutes */
#define PERIOD_DEFAULT 24     /* windows: 6 hours */
#define TAKE_MAX 256

static int predict_init_cb(struct kr_plugin *self)
{
	struct predict *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->window_min = WINDOW_DEFAULT;
	p->window_start_ms = kr_now_ms();
	if (predict_table_init(&p->table, PREDICT_CAP_DEFAULT, PERIOD_DEFAULT) != 0) {
		free(p);
		return -ENOMEM;
	}
	kr_plugin_set_data(self, p);
	return 0;
}

static void predict_deinit_cb(struct kr_plugin *self)
{
	struct predict *p = kr_plugin_data(self);
	if (p)
		predict_table_deinit(&p->table);
	free(p);
	kr_plugin_set_data(self, NULL);
}

/** Configure from {"window": minutes, "period": windows}. */
static int predict_config_cb(struct kr_plugin *self, const char *json)
{
	struct predict *p = kr_plugin_data(self);
	if (!json)
		return 0;
	json_error_t jerr;
	json_t *conf = json_loads(json, JSON_DECODE_ANY, &jerr);
	int ret = conf && json_is_object(conf) ? 0 : -EINVAL;
	double window = p->window_min;
	unsigned period = p->table.period;
	const char *key;
	json_t *val;
	if (ret == 0) {
		json_object_foreach(conf, key, val) {
			double d = json_number_value(val);
			if (strcmp(key, "window") == 0 && json_is_number(val) && d >= 0.01 && d <= 1440)
				window = d;
			else if (strcmp(key, "period") == 0 && json_is_number(val) && d >= 1 &&
				 d <= PREDICT_PERIOD_MAX && d == (double)(int)d)
				period = (unsigned)d;
			else
				ret = -EINVAL;
			if (ret != 0)
				break;
		}
	}
	json_decref(conf);
	if (ret != 0) {
		kr_log_error(predict, "config expects {window = minutes (0.01-1440), period = windows (1-%d)}",
			     PREDICT_PERIOD_MAX);
		return ret;
	}
	p->window_min = window;
	p->table.period = period;
	return 0;
}

/** JSON [[name, type], ...] of keys. */
static char *keys_out(const struct predict_key *keys, int n)
{
	json_t *arr = json_array();
	char text[KR_DNAME_MAXTEXT];
	for (int i = 0; arr && i < n; ++i) {
		if (kr_dname_to_str(text, sizeof(text), keys[i].name) < 0)
			continue;
		json_array_append_new(arr, json_pack("[s, i]", text, (int)keys[i].type));
	}
	return json_out(arr);
}

/** pending(): take the prefetches queued by the layer. */
static char *predict_prop_pending(struct kr_plugin *self, const char *args)
{
	struct predict *p = kr_plugin_data(self);
	static struct predict_key keys[TAKE_MAX];
	int n = predict_take_pending(&p->table, keys, TAKE_MAX);
	return keys_out(keys, n);
}

static uint64_t window_ms(const struct predict *p)
{
	return (uint64_t)(p->window_min * 60000 + 0.5);
}

/** End the window: write the predicted refreshes to keys. @return how many. */
static int rotate(struct predict *p, struct predict_key *keys, int max)
{
	p->window_start_ms = kr_now_ms();
	int64_t window_s = (int64_t)(window_ms(p) + 999) / 1000;
	int n = predict_rotate(&p->table, (int64_t)time(NULL), window_s, keys, max);
	if (n > 0)
		kr_log_info(predict, "refreshing %d popular answers that expire within the next window", n);
	return n;
}

/** rotate(): end the window now; the predicted refreshes. */
static char *predict_prop_rotate(struct kr_plugin *self, const char *args)
{
	static struct predict_key keys[TAKE_MAX];
	return keys_out(keys, rotate(kr_plugin_data(self), keys, TAKE_MAX));
}

/** tick(): the queued prefetches, and the predicted refreshes when the window ended (the timer). */
static char *predict_prop_tick(struct kr_plugin *self, const char *args)
{
	struct predict *p = kr_plugin_data(self);
	static struct predict_key keys[2 * TAKE_MAX];
	int n = predict_take_pending(&p->table, keys, TAKE_MAX);
	if (kr_now_ms() - p->window_start_ms >= window_ms(p))
		n += rotate(p, keys + n, TAKE_MAX);
	return keys_out(keys, n);
}

/** settings(): {"window": minutes, "period": windows, "window_ms": ms}. */
static char *predict_prop_settings(struct kr_plugin *self, const char *args)
{
	struct predict *p = kr_plugin_data(self);
	return json_out(json_pack("{s:f, s:i, s:I}", "window", p->window_min, "period", (int)p->table.period,
				  "window_ms", (json_int_t)window_ms(p)));
}

/** stats(): counters and the table's fill. */
static char *predict_prop_stats(struct kr_plugin *self, const char *args)
{
	struct predict *p = kr_plugin_data(self);
	const struct predict_table *t = &p->table;
	return json_out(json_pack("{s:I, s:I, s:I, s:I, s:I}", "prefetched", (json_int_t)t->prefetched,
				  "predicted", (json_int_t)t->predicted, "dropped", (json_int_t)t->dropped,
				  "tracked", (json_int_t)t->used, "capacity", (json_int_t)t->cap));
}

/** Is qry predict's own refresh of a client's query (not a sub-query of it)? */
static bool is_refresh(const struct kr_request *req, const struct kr_query *qry)
{
	return qry && !qry->parent && (qry->flags & KR_QF_EXPIRING) &&
	       (req->qsource.flags & KR_REQ_INTERNAL);
}

static enum kr_layer_state predict_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_query *qry = ctx->req->current_query;
	if (is_refresh(ctx->req, qry))
		qry->flags |= KR_QF_NO_CACHE;   /* do not answer it from the cache ... */
	return ctx->state;
}

static enum kr_layer_state predict_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_query *qry = ctx->req->current_query;
	if (is_refresh(ctx->req, qry))
		qry->flags &= ~(uint64_t)KR_QF_NO_CACHE;   /* ... but store the fresh answer */
	return ctx->state;
}

static enum kr_layer_state predict_finish_cb(struct kr_layer_ctx *ctx)
{
	struct predict *p = kr_plugin_data(ctx->plugin);
	struct kr_request *req = ctx->req;
	const kr_pkt_t *q = req->qsource.packet;
	const struct kr_query *initial = req->rplan.initial;
	kr_pkt_t *a = req->answer;
	if (!p || !q || !initial || !a || ctx->state != KR_STATE_DONE || q->qclass != KR_CLASS_IN ||
	    kr_pkt_rcode(a) != KR_RCODE_NOERROR)
		return ctx->state;
	bool client = !(req->qsource.flags & KR_REQ_INTERNAL);
	if (!client && !(initial->flags & KR_QF_EXPIRING))
		return ctx->state;   /* other internal queries (priming, tools) are not tracked */
	bool cached = (initial->flags & KR_QF_CACHED) != 0;
	if (cached && (initial->flags & KR_QF_NO_CACHE))
		return ctx->state;   /* local data (hints, policy): nothing to refresh */
	uint16_t count = kr_pkt_count(a, KR_SECTION_ANSWER);
	uint32_t ttl = UINT32_MAX;
	for (uint16_t i = 0; i < count; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(a, KR_SECTION_ANSWER, i);
		if (rr && rr->ttl < ttl)
			ttl = rr->ttl;
	}
	if (count == 0 || ttl == UINT32_MAX)
		return ctx->state;
	if (predict_observe(&p->table, q->qname, q->qtype, client, cached, ttl, (int64_t)time(NULL), false))
		req->no_answer_reuse = true;   /* a refresh is coming: do not repeat this answer */
	return ctx->state;
}

/**
 * The smallest TTL in the answer section of a wire answer (names may be
 * compressed), or UINT32_MAX when it has none or cannot be read.
 */
static uint32_t answer_min_ttl(const uint8_t *w, size_t len, size_t qname_size)
{
	size_t i = 12 + qname_size + 4;
	uint16_t count = (uint16_t)((w[6] << 8) | w[7]);
	uint32_t min = UINT32_MAX;
	for (uint16_t r = 0; r < count; ++r) {
		if (kr_dname_unpack(NULL, w, len, &i) < 0 || i + 10 > len)
			return UINT32_MAX;
		uint32_t ttl = ((uint32_t)w[i + 4] << 24) | ((uint32_t)w[i + 5] << 16) |
			       ((uint32_t)w[i + 6] << 8) | w[i + 7];
		if (ttl < min)
			min = ttl;
		i += 10 + (size_t)((w[i + 8] << 8) | w[i + 9]);
	}
	return min;
}

/** A client's query answered from the core's answer cache: observed as a cached answer. */
static void predict_reused_cb(struct kr_plugin *self, struct kr_reused_answer *ans)
{
	struct predict *p = kr_plugin_data(self);
	if (!p || ans->local || (ans->answer[3] & 0x0F) != KR_RCODE_NOERROR)
		return;   /* local data (hints), as predict_finish_cb() skips it; only NOERROR */
	uint32_t ttl = answer_min_ttl(ans->answer, ans->answer_size, kr_dname_size(ans->qname));
	/* Near expiry (a refresh queued, or back already): the next query is to see the refreshed data. */
	if (ttl != UINT32_MAX &&
	    predict_observe(&p->table, ans->qname, ans->qtype, true, true, ttl, (int64_t)time(NULL), true))
		ans->forget = true;
}

static const struct kr_plugin_prop props[] = {
	{ "pending", predict_prop_pending, "pending(): take the prefetches queued for answers near expiry ([[name, type], ...])" },
	{ "rotate", predict_prop_rotate, "rotate(): end the window now; the popular queries to refresh ([[name, type], ...])" },
	{ "tick", predict_prop_tick, "tick(): pending() plus rotate() when the window has ended (the timer calls it)" },
	{ "settings", predict_prop_settings, "settings(): {window = minutes, period = windows, window_ms = ms}" },
	{ "stats", predict_prop_stats, "stats(): {prefetched, predicted, dropped, tracked, capacity}" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.produce = predict_produce_cb,
	.consume = predict_consume_cb,
	.finish = predict_finish_cb,
};

KR_PLUGIN_DECLARE(
	.name = "predict",
	.init = predict_init_cb,
	.deinit = predict_deinit_cb,
	.config = predict_config_cb,
	.layer = &layer,
	.props = props,
	.answers_reusable = kr_answer_cache_allow,
	.answer_reused = predict_reused_cb,
);
