/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The predict plugin's table of client queries: how often each (name, type)
 * was asked per time window, and when its last upstream answer expires. The
 * request path only updates fixed, preallocated memory; the timers of the
 * companion (predict.lua) take the refreshes to do.
 */
#pragma once

#include <kres/kres.h>

#define PREDICT_CAP_DEFAULT 4096      /**< entries of the table */
#define PREDICT_PENDING_MAX 256       /**< prefetches waiting for the next timer tick */
#define PREDICT_PERIOD_MAX 64         /**< windows remembered at most (bits of predict_entry.seen) */
#define PREDICT_PROBES 16             /**< slots tried per lookup */

/** A query to refresh. */
struct predict_key {
	uint8_t name[KR_DNAME_MAXLEN];   /**< lower-case wire format */
	uint16_t type;
};

/** One (name, type) asked by clients. */
struct predict_entry {
	struct predict_key key;
	bool used;
	bool queued;        /**< a refresh was handed out and has not come back yet */
	bool refreshed;     /**< predict's own refresh came back since the last one was queued */
	uint32_t ttl;       /**< TTL of the last upstream answer; 0: not seen by this process */
	int64_t expires;    /**< wall-clock second that answer expires */
	uint64_t seen;      /**< bit i: asked in the window i windows ago (bit 0: the current one) */
	uint32_t count;     /**< asks in the current window */
};

/** The table. @note every array is malloc()ed once, by predict_table_init(). */
struct predict_table {
	struct predict_entry *e;      /**< cap slots, open addressing */
	struct predict_entry *spare;  /**< cap slots: the next table while rotating */
	uint32_t cap;                 /**< a power of two */
	uint32_t used;
	struct predict_key *pending;  /**< PREDICT_PENDING_MAX prefetches */
	uint32_t pending_len;
	unsigned period;              /**< windows remembered (1..PREDICT_PERIOD_MAX) */
	/* counters */
	uint64_t prefetched;          /**< refreshes handed out near expiry */
	uint64_t predicted;           /**< refreshes handed out by window rotation */
	uint64_t dropped;             /**< observations lost to a full table or pending list */
};

/** Allocate a table of cap entries (rounded up to a power of two). @return 0 or -ENOMEM. */
int predict_table_init(struct predict_table *t, uint32_t cap, unsigned period);
/** Release the table's memory. */
void predict_table_deinit(struct predict_table *t);
/**
 * Record an answer given for (name, type).
 * @param client  asked by a client (counts for prediction); false for predict's own refresh
 * @param cached  the answer came from the cache (ttl is what remained), else from upstream
 * @param ttl     smallest TTL of the answer's records
 * @param now     wall clock, seconds
 * @param reused  repeated by the core's answer cache (kept maybe before a refresh came back)
 * A cached answer handed to a client in the last 10% of the TTL its upstream
 * answer had queues a prefetch (once until the refresh comes back). A repeated
 * answer that near its expiry after predict's refresh came back was kept before
 * it (the cache holds the refreshed data): nothing is queued, only forgotten.
 * @return true when the answer is that near its expiry (a refresh is queued or
 *         on its way, or came back): it is not to be repeated from the answer cache.
 */
bool predict_observe(struct predict_table *t, const uint8_t *name, uint16_t type, bool client,
		     bool cached, uint32_t ttl, int64_t now, bool reused);
/** Take up to max queued prefetches into out. @return how many. */
int predict_take_pending(struct predict_table *t, struct predict_key *out, int max);
/**
 * End the current window: every query asked in at least two of the last
 * `period` windows whose upstream answer expires before the next window
 * ends (now + window_s) goes to out (up to max); then the windows shift and
 * entries not asked within the period are forgotten.
 * @return how many were written to out.
 */
int predict_rotate(struct predict_table *t, int64_t now, int64_t window_s, struct predict_key *out, int max);
