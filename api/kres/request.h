/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The request a layer works on, its resolution plan and the sub-queries in it.
 *
 * Usage (in a layer):
 *   struct kr_query *qry = ctx->req->current_query;
 *   if (qry->stype != KR_TYPE_A) return ctx->state;
 *   kr_pkt_put(ctx->req->answer, rr);            // rr allocated from ctx->req->pool
 *   return KR_STATE_DONE;
 */
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <kres/pkt.h>
#include <kres/log.h>
#include <kres/plugin.h>

/**
 * Query flags: per sub-query (kr_query.flags) and request-wide defaults
 * (kr_request.options), named as in the configuration's option('NAME', bool).
 */
enum kr_qflag {
	KR_QF_NO_MINIMIZE     = 1ull << 0,  /**< no QNAME minimisation */
	KR_QF_NO_IPV6         = 1ull << 1,  /**< do not contact servers over IPv6 */
	KR_QF_NO_IPV4         = 1ull << 2,  /**< do not contact servers over IPv4 */
	KR_QF_TCP             = 1ull << 3,  /**< use TCP upstream */
	KR_QF_RESOLVED        = 1ull << 4,  /**< the sub-query has its answer */
	KR_QF_AWAIT_IPV4      = 1ull << 5,
	KR_QF_AWAIT_IPV6      = 1ull << 6,
	KR_QF_AWAIT_CUT       = 1ull << 7,
	KR_QF_NO_EDNS         = 1ull << 8,  /**< send upstream queries without EDNS */
	KR_QF_CACHED          = 1ull << 9,  /**< answered from cache */
	KR_QF_NO_CACHE        = 1ull << 10, /**< do not read or write the cache */
	KR_QF_EXPIRING        = 1ull << 11,
	KR_QF_ALLOW_LOCAL     = 1ull << 12, /**< allow upstream servers on loopback and local addresses */
	KR_QF_DNSSEC_WANT     = 1ull << 13, /**< the answer is to be validated */
	KR_QF_DNSSEC_BOGUS    = 1ull << 14,
	KR_QF_DNSSEC_INSECURE = 1ull << 15,
	KR_QF_DNSSEC_CD       = 1ull << 16, /**< the client set CD */
	KR_QF_STUB            = 1ull << 17, /**< forward without recursion and validation */
	KR_QF_ALWAYS_CUT      = 1ull << 18,
	KR_QF_DNSSEC_WEXPAND  = 1ull << 19,
	KR_QF_PERMISSIVE      = 1ull << 20, /**< mode('permissive') */
	KR_QF_STRICT          = 1ull << 21, /**< mode('strict') */
	KR_QF_BADCOOKIE_AGAIN = 1ull << 22,
	KR_QF_CNAME           = 1ull << 23, /**< the sub-query follows a CNAME */
	KR_QF_REORDER_RR      = 1ull << 24, /**< rotate records in answers */
	KR_QF_TRACE           = 1ull << 25, /**< log this request verbosely */
	KR_QF_NO_0X20         = 1ull << 26, /**< no random letter case in upstream names */
	KR_QF_DNSSEC_NODS     = 1ull << 27,
	KR_QF_DNSSEC_OPTOUT   = 1ull << 28,
	KR_QF_NONAUTH         = 1ull << 29,
	KR_QF_FORWARD         = 1ull << 30, /**< forward with validation */
	KR_QF_DNS64_MARK      = 1ull << 31,
	KR_QF_CACHE_TRIED     = 1ull << 32,
	KR_QF_NO_NS_FOUND     = 1ull << 33,
	KR_QF_PKT_IS_SANE     = 1ull << 34,
	KR_QF_DNS64_DISABLE   = 1ull << 35,
	KR_QF_TLS             = 1ull << 36, /**< send upstream queries over TLS, see <kres/tls.h> */
	KR_QF_DNSSEC_VALIDATED = 1ull << 37, /**< (cache) served data was stored validated; (validate) proven secure */
	KR_QF_CNAME_LOOP      = 1ull << 38, /**< the sub-query's CNAME/DNAME chain loops (RFC 1034 3.6.2): SERVFAIL */
};

/**
 * Flag by its configuration name ("NO_MINIMIZE").
 * @return the flag bit, or 0 for an unknown name.
 */
KR_EXPORT uint64_t kr_qflag_from_str(const char *name);
/**
 * Name of a single flag bit. @return static string or NULL.
 */
KR_EXPORT const char *kr_qflag_to_str(uint64_t flag);

/** A socket address of either family. */
union kr_sockaddr {
	struct sockaddr ip;
	struct sockaddr_in ip4;
	struct sockaddr_in6 ip6;
};

#define KR_NS_MAX 4   /**< upstream addresses a layer may propose per outgoing query */

/**
 * A sub-query of the resolution plan. Public for speed; layout guarded by tests/abi.
 * @note allocated from the request's pool and owned by the plan.
 */
struct kr_query {
	struct kr_query *parent;   /**< the sub-query that needs this one, or NULL */
	uint8_t *sname;            /**< the name asked; @note owned by the request pool */
	uint16_t stype;
	uint16_t sclass;
	uint16_t id;               /**< message ID of the last outgoing query */
	uint8_t cname_depth;       /**< CNAME/DNAME links followed to reach this sub-query */
	uint8_t ns_count;          /**< entries set in ns_addr */
	uint32_t uid;              /**< unique within the request */
	uint64_t flags;            /**< enum kr_qflag bits */
	uint64_t started_ms;       /**< monotonic time of creation, milliseconds */
	uint32_t secret;           /**< per-query random bits (0x20 case randomisation) */
	uint32_t cname_from;       /**< with KR_QF_CNAME: uid of the sub-query whose CNAME/DNAME led here */
	/** Where the outgoing query written by a producing layer goes, in order of preference. */
	union kr_sockaddr ns_addr[KR_NS_MAX];
	const uint8_t *zone_cut;   /**< closest known zone cut; @note owned by the request pool */
	void *plugin_vars;         /**< per-plugin data, see kr_query_data(); private to the engine */
};

/**
 * The resolution plan: a stack of pending sub-queries (the last is current)
 * and the list of resolved ones.
 */
struct kr_rplan {
	struct kr_query **pending;   /**< @note owned by the request pool */
	uint32_t pending_len;
	uint32_t pending_cap;
	struct kr_query **resolved;  /**< @note owned by the request pool */
	uint32_t resolved_len;
	uint32_t resolved_cap;
	struct kr_query *initial;    /**< the client's own query */
	struct kr_request *request;
	uint32_t next_uid;
};

/** Transport flags of a request's source. */
enum kr_req_flag {
	KR_REQ_TCP = 1 << 0,   /**< the query came over a stream */
	KR_REQ_TLS = 1 << 1,   /**< ... protected by TLS */
	KR_REQ_INTERNAL = 1 << 2, /**< made inside kresd (resolve() from Lua, a plugin), no client */
};

/**
 * One client request. Public for speed; layout guarded by tests/abi.
 * @note Allocated and owned by the daemon; everything it points to lives in
 *       its pool unless said otherwise.
 */
struct kr_request {
	struct kr_context *ctx;        /**< the engine; opaque to plugins */
	kr_pkt_t *answer;              /**< the answer being built */
	struct kr_query *current_query;/**< the sub-query being worked on */
	struct {
		const kr_pkt_t *packet;    /**< client's query, parsed; NULL for internal requests */
		const struct sockaddr *addr;   /**< client address; NULL for internal requests */
		const struct sockaddr *dst_addr; /**< our address the query came to */
		uint32_t flags;            /**< enum kr_req_flag */
		uint16_t size;             /**< client's maximum answer size */
	} qsource;
	enum kr_layer_state state;     /**< state of the request as a whole */
	uint64_t options;              /**< enum kr_qflag bits copied to each new sub-query */
	struct kr_rplan rplan;
	kr_mm_t *pool;                 /**< per-request arena; freed when the request ends */
	uint32_t uid;                  /**< request id shown in log lines */
	uint32_t queries_sent;         /**< upstream queries sent for this request */
	uint64_t started_ms;           /**< monotonic start time, milliseconds */
	void *daemon_data;             /**< private to the daemon's worker */
	void *plugin_vars;             /**< per-plugin data, see kr_request_data(); private to the engine */
	/** Set by a layer: this answer is for this query alone (stale data, a per-query
	 *  trace, a rule's hit count) and never goes to the answer cache. */
	bool no_answer_reuse;
};

/**
 * Push a new sub-query on the plan; it becomes the current one.
 * Inherits the request options; a child of parent inherits its cname_depth.
 * @return the query or NULL (out of memory, or the sub-query limit reached:
 *         then the request fails with SERVFAIL).
 * @note owned by the plan.
 */
KR_EXPORT struct kr_query *kr_rplan_push(struct kr_rplan *rplan, struct kr_query *parent,
					 const uint8_t *name, uint16_t cls, uint16_t type);
/**
 * Replace the current work with a query for target, a CNAME/DNAME link from qry.
 * A target already asked in the chain that led to qry (qry included, same type
 * and class) is a loop: qry gets KR_QF_CNAME_LOOP and NULL is returned; the
 * caller fails the sub-query, and when it is the client's chain the request
 * ends in SERVFAIL keeping the chain already put in the answer section.
 * @return the query, or NULL when the chain loops, the chain limit is reached
 *         or memory runs out.
 */
KR_EXPORT struct kr_query *kr_rplan_push_cname(struct kr_rplan *rplan, struct kr_query *qry,
					       const uint8_t *target);
/** Move qry from pending to resolved. @return 0 or -ENOENT. */
KR_EXPORT int kr_rplan_pop(struct kr_rplan *rplan, struct kr_query *qry);
/** The current (last pending) sub-query, or NULL. */
KR_EXPORT struct kr_query *kr_rplan_current(const struct kr_rplan *rplan);
/** Is a sub-query for (name, type, cls) already pending in qry's ancestry? (loop detection) */
KR_EXPORT bool kr_rplan_satisfies(const struct kr_query *qry, const uint8_t *name, uint16_t cls, uint16_t type);
/**
 * A plugin's own data attached to a request (set with kr_request_set_data()).
 * @return the pointer, or NULL when nothing was set.
 */
KR_EXPORT void *kr_request_data(const struct kr_request *req, const struct kr_plugin *plugin);
/**
 * Attach data to the request for plugin (replacing what was set).
 * @return 0 or -ENOMEM. @note data is owned by the plugin; allocate it from req->pool
 *         so that it goes with the request.
 */
KR_EXPORT int kr_request_set_data(struct kr_request *req, const struct kr_plugin *plugin, void *data);
/** A plugin's own data attached to a sub-query, or NULL. */
KR_EXPORT void *kr_query_data(const struct kr_query *qry, const struct kr_plugin *plugin);
/** Attach data to a sub-query for plugin. @return 0 or -ENOMEM. @note as kr_request_set_data(). */
KR_EXPORT int kr_query_set_data(struct kr_request *req, struct kr_query *qry,
				const struct kr_plugin *plugin, void *data);
/**
 * Add an Extended DNS Error (RFC 8914) with an optional text (cut to 255 bytes)
 * to the answer; only a client that used EDNS gets it.
 * Call it from answer_finalize (or earlier: a failed request keeps the option).
 * @return 0, -ENOENT (no EDNS in the answer), -ENOMEM.
 */
KR_EXPORT int kr_request_add_ede(struct kr_request *req, uint16_t code, const char *text);
/** Log a line tagged with the request id, e.g. "[iterate][12345.01] ...". */
KR_EXPORT void kr_log_req(const struct kr_request *req, enum kr_log_level level, const char *group,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Monotonic clock in milliseconds (for timeouts; TTLs use the wall clock). */
KR_EXPORT uint64_t kr_now_ms(void);
/**
 * The idle timeout of client TCP connections, in milliseconds: a connection
 * with no query in flight is closed after this long (RFC 7828 keepalive).
 */
KR_EXPORT uint32_t kr_net_tcp_idle_ms(void);
