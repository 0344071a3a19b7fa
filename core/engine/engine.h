/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The engine context and the resolution driver (internal to kresd: plugins
 * see only struct kr_request and the layer API).
 *
 * Usage (the worker, for one client query):
 *   kr_resolve_begin(req, ctx, query);
 *   while ((st = kr_resolve_produce(req, out)) == KR_STATE_CONSUME) {
 *           ... send out to req->current_query->ns_addr[], wait ...
 *           kr_resolve_consume(req, from, answer_or_NULL);
 *   }
 *   kr_resolve_finish(req, st);   // req->answer is ready to send
 */
#pragma once

#include <kres/kres.h>

/** Default limits. */
#define KR_DEFAULT_MAX_SUBQUERIES 100   /**< sub-queries (and plan steps / 4) per request */
#define KR_DEFAULT_MAX_CNAME 13         /**< CNAME/DNAME links per request */
#define KR_DEFAULT_MAX_TIME_MS 10000    /**< wall time per request */
#define KR_DEFAULT_BUFSIZE 1232         /**< our EDNS UDP payload size (DNS flag day 2020) */

/** A loaded plugin (the handle the loader keeps). */
struct kr_plugin {
	const struct kr_plugin_api *api;   /**< the plugin's descriptor, inside the dlopen()ed object */
	void *dl;                          /**< dlopen() handle, NULL for a plugin linked in */
	char *name;                        /**< malloc()ed */
	char *path;                        /**< malloc()ed file path, or NULL */
	void *data;                        /**< the plugin's private data */
};

/** The engine: loaded plugins in call order, defaults and limits. */
struct kr_context {
	struct kr_plugin **plugins;   /**< call order; @note owned by the context */
	size_t plugin_count;
	size_t plugin_cap;
	char *moduledir;              /**< where plugins are looked up; malloc()ed */
	uint64_t options;             /**< default enum kr_qflag bits (option(), mode()) */
	unsigned max_subqueries;
	unsigned max_cname;
	unsigned max_time_ms;
	uint16_t bufsize;             /**< EDNS payload size we advertise */
	uint32_t next_uid;
	uint64_t plugins_gen;         /**< bumped whenever the plugin order changes */
	/** Per layer step, the plugins with that callback (resolve.c; malloc()ed),
	 *  made for plugins_gen, the array and count in steps_made_*. */
	struct kr_plugin **steps;
	uint16_t step_start[8];
	uint64_t steps_made_gen;
	struct kr_plugin **steps_made_of;
	size_t steps_made_count;
};

/** Initialise ctx with defaults (no plugins). @return 0 or -ENOMEM. */
int kr_context_init(struct kr_context *ctx, const char *moduledir);
/** Unload every plugin (in reverse order) and release the context's memory. */
void kr_context_deinit(struct kr_context *ctx);

/**
 * Start a request for a client's query. The caller has set req->pool and
 * req->qsource (packet already parsed with kr_pkt_parse(); addr/flags/size).
 * Malformed or unsupported queries are answered here without any layer:
 * FORMERR, NOTIMP (opcode, zone transfers), BADVERS, REFUSED (class);
 * then the returned state is DONE.
 * @return KR_STATE_PRODUCE to go on, KR_STATE_DONE or KR_STATE_FAIL.
 */
enum kr_layer_state kr_resolve_begin(struct kr_request *req, struct kr_context *ctx);
/**
 * Drive the layers until an outgoing query is needed or the request ends.
 * @param pkt  buffer for the outgoing query (allocated by the caller with 64 KiB)
 * @return KR_STATE_CONSUME (pkt is to be sent to req->current_query->ns_addr[]),
 *         KR_STATE_DONE or KR_STATE_FAIL.
 */
enum kr_layer_state kr_resolve_produce(struct kr_request *req, kr_pkt_t *pkt);
/**
 * Ask the layers whether the outgoing query may go to dst.
 * @return 0, or -EPERM when a layer vetoed it.
 */
int kr_resolve_checkout(struct kr_request *req, kr_pkt_t *pkt, const struct sockaddr *dst, bool tcp);
/**
 * Hand an upstream answer (parsed, records in req->pool) to the layers;
 * pkt NULL means the attempt failed (timeout, network error).
 * @return the request's state: KR_STATE_PRODUCE to go on, DONE or FAIL.
 */
enum kr_layer_state kr_resolve_consume(struct kr_request *req, const struct sockaddr *src, kr_pkt_t *pkt);
/**
 * End the request: run finish and answer_finalize, set SERVFAIL on failure
 * (an empty answer, except for a client's CNAME/DNAME chain that loops,
 * KR_QF_CNAME_LOOP: its records stay), add the OPT record, truncate to the
 * client's size. req->answer is then ready to send.
 */
void kr_resolve_finish(struct kr_request *req, enum kr_layer_state state);
/** Random 32 bits (for IDs and 0x20). */
uint32_t kr_rand32(void);
