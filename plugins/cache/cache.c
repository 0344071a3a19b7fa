/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cache plugin: records and negative answers in Berkeley DB, shared by all
 * forks and kept across restarts; the `cache` Lua table; the cache provider
 * service. This file is the ABI glue; the work is in the other files
 * (cache-impl.h).
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/cache/cache-impl.h"

static int cache_init_cb(struct kr_plugin *self)
{
	struct cache *c = cache_new();
	if (!c)
		return -ENOMEM;
	int ret = cache_service_start(c);
	if (ret != 0) {
		kr_log_error(cache, "cannot offer the cache service: %s", kr_strerror(ret));
		cache_free(c);
		return ret;
	}
	c->plugin = self;
	kr_plugin_set_data(self, c);
	return 0;
}

static void cache_deinit_cb(struct kr_plugin *self)
{
	cache_free(kr_plugin_data(self));   /* also withdraws the service */
	kr_plugin_set_data(self, NULL);
}

/** config({size = n, storage = uri, max_ttl = n, min_ttl = n, front = n, aggressive = b}) or null. */
static int cache_config_cb(struct kr_plugin *self, const char *json)
{
	struct cache *c = kr_plugin_data(self);
	if (!json)
		return 0;
	json_error_t jerr;
	json_t *conf = json_loads(json, JSON_DECODE_ANY, &jerr);
	if (!conf)
		return -EINVAL;
	int ret = 0;
	if (json_is_object(conf)) {
		const char *key;
		json_t *val;
		json_object_foreach(conf, key, val) {
			char *arg = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT), *out = NULL;
			if (!arg) {
				ret = -ENOMEM;
				break;
			}
			if (!strcmp(key, "size"))
				out = cache_prop_open(c, arg);
			else if (!strcmp(key, "storage"))
				out = cache_prop_storage(c, arg);
			else if (!strcmp(key, "max_ttl"))
				out = cache_prop_max_ttl(c, arg);
			else if (!strcmp(key, "min_ttl"))
				out = cache_prop_min_ttl(c, arg);
			else if (!strcmp(key, "front"))
				out = cache_prop_front(c, arg);
			else if (!strcmp(key, "aggressive"))
				out = cache_prop_aggressive(c, arg);
			else
				ret = -EINVAL;
			json_free_t jfree = NULL;
			json_get_alloc_funcs(NULL, &jfree);
			(jfree ? jfree : free)(arg);
			if (out && strstr(out, "\"error\""))
				ret = -EINVAL;
			if (out && ret)
				kr_log_error(cache, "config: %s", out);
			free(out);
			if (ret)
				break;
		}
	} else if (!json_is_null(conf)) {
		ret = -EINVAL;
	}
	json_decref(conf);
	return ret;
}

static enum kr_layer_state cache_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return cache_produce(kr_plugin_data(ctx->plugin), ctx, pkt);
}

static enum kr_layer_state cache_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return cache_consume(kr_plugin_data(ctx->plugin), ctx, pkt);
}

static enum kr_layer_state cache_finish_cb(struct kr_layer_ctx *ctx)
{
	return cache_finish(kr_plugin_data(ctx->plugin), ctx);
}

static enum kr_layer_state cache_finalize_cb(struct kr_layer_ctx *ctx)
{
	return cache_finalize(kr_plugin_data(ctx->plugin), ctx);
}

#define CACHE_PROP(name) \
	static char *prop_##name(struct kr_plugin *self, const char *args) \
	{ \
		return cache_prop_##name(kr_plugin_data(self), args); \
	}
CACHE_PROP(open)
CACHE_PROP(close)
CACHE_PROP(count)
CACHE_PROP(stats)
CACHE_PROP(backends)
CACHE_PROP(current_size)
CACHE_PROP(current_storage)
CACHE_PROP(storage)
CACHE_PROP(max_ttl)
CACHE_PROP(min_ttl)
CACHE_PROP(prune)
CACHE_PROP(front)
CACHE_PROP(aggressive)
CACHE_PROP(get)
CACHE_PROP(clear)
/* Props that may change answers: the core's answer cache forgets what it kept. */
KR_ANSWER_CACHE_FLUSHING_PROP(prop_open)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_close)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_storage)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_max_ttl)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_min_ttl)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_prune)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_aggressive)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_clear)

static const struct kr_plugin_prop props[] = {
	{ "open", prop_open_flushing, "open(max_size[, uri]): (re)open the cache; the size only grows" },
	{ "close", prop_close_flushing, "close(): close the cache (its data stays on disk)" },
	{ "count", prop_count, "count(): number of entries, nil on error" },
	{ "stats", prop_stats, "stats(): counters (hit, miss, insert, delete, evict, ...) of this process" },
	{ "backends", prop_backends, "backends(): the storage URI schemes known" },
	{ "current_size", prop_current_size, "current_size: the size bound in bytes" },
	{ "current_storage", prop_current_storage, "current_storage: the storage URI" },
	{ "set_storage", prop_storage_flushing, "set_storage(uri): reopen at another place (cache.storage = uri)" },
	{ "max_ttl", prop_max_ttl_flushing, "max_ttl([ttl]): set or get the largest TTL stored" },
	{ "min_ttl", prop_min_ttl_flushing, "min_ttl([ttl]): set or get the smallest TTL stored" },
	{ "front", prop_front, "front([bytes]): set or get the size of this process's in-memory front (0: off)" },
	{ "aggressive", prop_aggressive_flushing, "aggressive([on]): set or get the use of cached NSEC/NSEC3 for names not cached (RFC 8198, default true)" },
	{ "prune", prop_prune_flushing, "prune([max_count]): remove expired entries, return {pruned = n}" },
	{ "get", prop_get, "get('name' | '*.name' | 'name P'): cached records at or below a name" },
	{ "clear", prop_clear_flushing, "clear(['name' | '*.name' | 'name P']): remove entries; all without argument" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.produce = cache_produce_cb,
	.consume = cache_consume_cb,
	.finish = cache_finish_cb,
	.answer_finalize = cache_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "cache",
	.init = cache_init_cb,
	.deinit = cache_deinit_cb,
	.config = cache_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = props,
);
