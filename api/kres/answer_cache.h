/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The core's answer cache: whole answers to client queries, kept per process
 * and repeated to a later query with the same question and flags before any
 * request is made (its message ID and name case taken from the new query, its
 * TTLs aged). It runs only while every loaded plugin with a layer says that
 * answers made with it loaded may be repeated so (kr_plugin_api.answers_reusable);
 * plugins that count answers see the repeated ones through answer_reused.
 *
 * Usage (a plugin whose answers depend on the client only for some rules):
 *   static bool mine_reusable_cb(struct kr_plugin *self)
 *   {
 *           return !mine_has_client_rules(kr_plugin_data(self));
 *   }
 *   ... in a layer, for one request only:
 *   ctx->req->no_answer_reuse = true;
 *   ... after changing what answers look like outside a props call:
 *   kr_answer_cache_flush();
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <kres/defines.h>

/** An answer the core repeated from its answer cache, as answer_reused sees it. */
struct kr_reused_answer {
	const uint8_t *qname;          /**< the query's name as the client wrote it (wire format) */
	uint16_t qtype;
	uint32_t flags;                /**< enum kr_req_flag: the transport the query came on */
	const struct sockaddr *addr;   /**< the client */
	const uint8_t *answer;         /**< the answer as sent (wire format, OPT included) */
	uint16_t answer_size;
	bool query_edns;               /**< the query had an OPT record ... */
	bool query_do;                 /**< ... with the DO bit */
	/** Set by a hook: this answer goes out, then the entry is dropped, so that the
	 *  next query is resolved anew (predict: near expiry, a refresh of the name
	 *  was queued or has come back). */
	bool forget;
	/** The answer is local data (hints), not the cache's: its TTLs are fixed and
	 *  there is nothing to refresh (the normal path marks its queries CACHED and
	 *  NO_CACHE). Appended: a plugin built before it does not read it. */
	bool local;
};

struct kr_plugin;

/**
 * An answers_reusable for a plugin whose layer's work depends on nothing but
 * the question, the query's flags, data its props set and what upstream
 * servers said (set `.answers_reusable = kr_answer_cache_allow`). @return true
 */
KR_EXPORT bool kr_answer_cache_allow(struct kr_plugin *self);

/**
 * Forget every answer in this process's answer cache (O(1)). NAME.config()
 * calls from Lua, module loads and unloads and changes of option()/mode()/
 * net.bufsize() do it already; any other prop that changes answers must call
 * it (KR_ANSWER_CACHE_FLUSHING_PROP), as must anything else that changes them
 * (a timer reloading data).
 */
KR_EXPORT void kr_answer_cache_flush(void);

/**
 * Define NAME_flushing, a prop that calls the prop NAME (a kr_plugin_prop_cb)
 * and then kr_answer_cache_flush(): for props that change answers.
 */
#define KR_ANSWER_CACHE_FLUSHING_PROP(name) \
	static char *name##_flushing(struct kr_plugin *self, const char *args) \
	{ \
		char *ret = name(self, args); \
		kr_answer_cache_flush(); \
		return ret; \
	}

/**
 * Watch a counter another process may bump (in shared memory): the answer
 * cache forgets its answers when the value differs from the one seen before.
 * The cache plugin watches its cross-process generation so that cache.clear()
 * in one fork reaches every fork's answers. One read per query.
 * @param counter the word to watch, or NULL to stop watching what owner watched
 * @param owner   who watches (one counter per owner, e.g. the plugin)
 * @return 0, or -ENOSPC when too many owners watch
 * @note counter stays owned by the caller and must stay mapped until unwatched.
 */
KR_EXPORT int kr_answer_cache_watch(const void *owner, const volatile uint64_t *counter);
