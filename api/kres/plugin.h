/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The plugin ABI: the descriptor a plugin exports, its layer callbacks and
 * the states they return, and its Lua-callable properties.
 *
 * Usage (a minimal plugin, built with `cc -shared -fPIC $(pkg-config --cflags libkres)`):
 *   static enum kr_layer_state count_begin(struct kr_layer_ctx *ctx)
 *   {
 *           ++*(uint64_t *)kr_plugin_data(ctx->plugin);
 *           return ctx->state;
 *   }
 *   static const struct kr_layer_api layer = { .size = sizeof(layer), .begin = count_begin };
 *   KR_PLUGIN_DECLARE(.name = "count", .layer = &layer, .init = ..., .props = ...);
 */
#pragma once

#include <kres/defines.h>

/**
 * The ABI version. Bumped on any incompatible change to a public struct's
 * layout or a public function's meaning; the loader refuses plugins built for
 * another value.
 */
#define KR_PLUGIN_ABI 1
/** Name of the symbol every plugin exports. */
#define KR_PLUGIN_SYMBOL "kr_plugin_descriptor"

struct kr_request;
struct kr_plugin;
struct kr_pkt;
struct kr_reused_answer;

/** State a layer callback returns; the engine decides the next step from it. */
enum kr_layer_state {
	KR_STATE_CONSUME = 1 << 0, /**< expects an answer: an outgoing query was written */
	KR_STATE_PRODUCE = 1 << 1, /**< nothing decided yet: produce (next step) */
	KR_STATE_DONE = 1 << 2,    /**< the current sub-query is answered */
	KR_STATE_FAIL = 1 << 3,    /**< the request fails: SERVFAIL (REFUSED for class CH) */
	KR_STATE_YIELD = 1 << 4,   /**< sub-queries were pushed: stop this step, resume with them
	                                (in consume, later layers still see the answer with this
	                                state and may only return YIELD or FAIL) */
};

/** What a layer callback receives. @note owned by the engine, valid during the call. */
struct kr_layer_ctx {
	enum kr_layer_state state;  /**< state left by the previous layers in this step */
	struct kr_request *req;     /**< the request */
	struct kr_plugin *plugin;   /**< the plugin whose layer is called */
};

/**
 * Layer callbacks, called in precedence order. Any may be NULL (skipped).
 * A layer that is not interested returns ctx->state unchanged. Callbacks
 * return a state, never an error code.
 */
struct kr_layer_api {
	size_t size;   /**< sizeof(struct kr_layer_api) as the plugin was built */
	/** A new request, with the client's query parsed. */
	enum kr_layer_state (*begin)(struct kr_layer_ctx *ctx);
	/** The current sub-query starts over (e.g. after a failed upstream attempt). */
	enum kr_layer_state (*reset)(struct kr_layer_ctx *ctx);
	/** An upstream answer arrived for the current sub-query; pkt is NULL after a timeout or error. */
	enum kr_layer_state (*consume)(struct kr_layer_ctx *ctx, struct kr_pkt *pkt);
	/**
	 * Work on the current sub-query: answer it (write into req->answer, return
	 * DONE), or write an outgoing query into pkt, set the query's ns_addr and
	 * return CONSUME.
	 */
	enum kr_layer_state (*produce)(struct kr_layer_ctx *ctx, struct kr_pkt *pkt);
	/** An outgoing query is about to be sent to dst; FAIL vetoes that server. */
	enum kr_layer_state (*checkout)(struct kr_layer_ctx *ctx, struct kr_pkt *pkt,
					const void *dst_sockaddr, bool tcp);
	/** The request's resolution ended (ctx->state is DONE or FAIL). */
	enum kr_layer_state (*finish)(struct kr_layer_ctx *ctx);
	/** Last chance to change the answer before it is sent. */
	enum kr_layer_state (*answer_finalize)(struct kr_layer_ctx *ctx);
};

/**
 * A property callable from Lua as NAME.PROP(args).
 * @param args JSON text of the Lua arguments (one argument: its JSON; several: a
 *             JSON array; none: NULL)
 * @return JSON text malloc()ed by the plugin and freed by the caller, or NULL for nil.
 */
typedef char *(*kr_plugin_prop_cb)(struct kr_plugin *self, const char *args);

/** A named property. Arrays of them end with an entry whose name is NULL. */
struct kr_plugin_prop {
	const char *name;
	kr_plugin_prop_cb cb;
	const char *help;   /**< one line shown by help() */
};

/** The descriptor a plugin exports as KR_PLUGIN_SYMBOL; fill it with KR_PLUGIN_DECLARE(). */
struct kr_plugin_api {
	size_t size;           /**< sizeof(struct kr_plugin_api) as the plugin was built */
	uint32_t abi;          /**< KR_PLUGIN_ABI as the plugin was built */
	const char *name;      /**< must equal the file name without ".so" */
	/** Set up private data (kr_plugin_set_data()). @return 0 or a negative error: the load fails. */
	int (*init)(struct kr_plugin *self);
	/** Release what init made. Called on unload and at exit. */
	void (*deinit)(struct kr_plugin *self);
	/** Configure from JSON text (NAME.config(...) or the modules table). @return 0 or an error. */
	int (*config)(struct kr_plugin *self, const char *json);
	const struct kr_layer_api *layer;      /**< may be NULL */
	const struct kr_plugin_prop *props;    /**< may be NULL */
	/* Members appended within ABI 1: a plugin built before them has a smaller
	 * size, and reads as NULL here. */
	/**
	 * May the core repeat an answer made with this plugin loaded to a later
	 * query with the same question and flags, without calling the layer (the
	 * answer cache, <kres/answer_cache.h>)? Asked again after each flush of the
	 * answer cache (NAME.config(), module loads, kr_answer_cache_flush(): a prop
	 * that changes this answer must flush); return false while the layer's work
	 * depends on more than the question, the query's flags and data the plugin's
	 * props set (the client's address, the time, each query being seen). NULL
	 * with a layer: never, and the answer cache stays off while the plugin is
	 * loaded.
	 */
	bool (*answers_reusable)(struct kr_plugin *self);
	/** Sees each answer the answer cache repeated (counters, sketches); may be NULL. */
	void (*answer_reused)(struct kr_plugin *self, struct kr_reused_answer *answer);
};

/** Size of the descriptor of the first ABI 1 plugins (the loader accepts it). */
#define KR_PLUGIN_API_MIN_SIZE offsetof(struct kr_plugin_api, answers_reusable)
/** Does the descriptor api (of api->size bytes) have the member? */
#define KR_PLUGIN_API_HAS(api, member) \
	((api)->size >= offsetof(struct kr_plugin_api, member) + sizeof((api)->member))

/** Declare the plugin's descriptor; arguments are designated initialisers of kr_plugin_api. */
#define KR_PLUGIN_DECLARE(...) \
	KR_EXPORT const struct kr_plugin_api kr_plugin_descriptor = { \
		.size = sizeof(struct kr_plugin_api), .abi = KR_PLUGIN_ABI, __VA_ARGS__ }

/** The plugin's private data set by kr_plugin_set_data(). */
KR_EXPORT void *kr_plugin_data(const struct kr_plugin *plugin);
/** Set the plugin's private data. @note owned by the plugin; release it in deinit. */
KR_EXPORT void kr_plugin_set_data(struct kr_plugin *plugin, void *data);
/** The plugin's name. @note owned by the loader. */
KR_EXPORT const char *kr_plugin_name(const struct kr_plugin *plugin);
