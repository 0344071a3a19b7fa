/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the stats plugin: counters with Knot Resolver's names, a
 * bounded sketch of the most asked names and per-upstream RTT samples.
 *
 * Usage:
 *   struct stats *s = stats_new();
 *   stats_count_answer(s, req);            // in answer_finalize
 *   char *json = stats_prop_list(s, "\"answer.\"");
 *   stats_free(s);
 */
#pragma once

#include <kres/kres.h>

/** Built-in counters; their names are in stats_names[]. */
enum stats_counter {
	STATS_REQ_TOTAL, STATS_REQ_UDP, STATS_REQ_TCP, STATS_REQ_DOT, STATS_REQ_INTERNAL,
	STATS_QUERY_EDNS, STATS_QUERY_DNSSEC,
	STATS_ANS_TOTAL, STATS_ANS_NOERROR, STATS_ANS_NODATA, STATS_ANS_NXDOMAIN, STATS_ANS_SERVFAIL,
	STATS_ANS_REFUSED, STATS_ANS_FORMERR, STATS_ANS_NOTIMPL, STATS_ANS_CACHED,
	STATS_ANS_1MS, STATS_ANS_10MS, STATS_ANS_50MS, STATS_ANS_100MS, STATS_ANS_250MS,
	STATS_ANS_500MS, STATS_ANS_1000MS, STATS_ANS_1500MS, STATS_ANS_SLOW, STATS_ANS_SUM_MS,
	STATS_ANS_AA, STATS_ANS_TC, STATS_ANS_RD, STATS_ANS_RA, STATS_ANS_AD, STATS_ANS_CD,
	STATS_ANS_EDNS0, STATS_ANS_DO,
	STATS_UP_UDP, STATS_UP_TCP, STATS_UP_IPV4, STATS_UP_IPV6, STATS_UP_TIMEOUT,
	STATS_COUNT
};

extern const char *const stats_names[STATS_COUNT];

/* --- most asked names: a set-associative table of counters, halved now and then --- */
#define STATS_FREQ_SETS 256
#define STATS_FREQ_WAYS 4
#define STATS_FREQ_DECAY 10000   /**< insertions between two halvings of every count */

struct stats_freq_slot {
	uint8_t name[KR_DNAME_MAXLEN];   /**< lower-cased wire name; name[0] == 0 and count 0: free */
	uint16_t type;
	uint32_t count;
};

struct stats_freq {
	struct stats_freq_slot slots[STATS_FREQ_SETS][STATS_FREQ_WAYS];
	uint32_t since_decay;
};

/** Count one (name, type). O(name length). */
void stats_freq_add(struct stats_freq *f, const uint8_t *name, uint16_t type);
void stats_freq_clear(struct stats_freq *f);

/* --- upstream RTT samples --- */
#define STATS_UP_ADDRS 128
#define STATS_UP_SAMPLES 16

struct stats_upstream {
	union kr_sockaddr addr;   /**< family 0: free */
	uint64_t last_ms;         /**< when last updated (for eviction) */
	uint32_t rtt[STATS_UP_SAMPLES];   /**< ring of RTTs in ms */
	uint32_t count;           /**< samples ever taken */
};

/** Record one RTT sample for addr. */
void stats_upstream_add(struct stats_upstream *ups, const union kr_sockaddr *addr, uint32_t rtt,
			uint64_t now);

/** A user-defined counter (stats.set with a new key). */
struct stats_user {
	char *key;     /**< @note malloc()ed */
	double value;
};

struct stats {
	uint64_t c[STATS_COUNT];
	struct stats_user *user;   /**< @note malloc()ed */
	uint32_t user_count, user_cap;
	struct stats_freq freq;
	struct stats_upstream up[STATS_UP_ADDRS];
};

struct stats *stats_new(void);
void stats_free(struct stats *s);

/** Count a request as it starts (begin). */
void stats_count_request(struct stats *s, const struct kr_request *req);
/** Count the answer about to be sent (answer_finalize). */
void stats_count_answer(struct stats *s, const struct kr_request *req, uint64_t now_ms);
/** Count a query the core answered from its answer cache, as a request and its answer. */
void stats_count_reused(struct stats *s, const struct kr_reused_answer *ans);

/* --- props: JSON text in (NULL = none), malloc()ed JSON text out --- */
char *stats_prop_list(struct stats *s, const char *args);
char *stats_prop_get(struct stats *s, const char *args);
char *stats_prop_set(struct stats *s, const char *args);
char *stats_prop_frequent(struct stats *s, const char *args);
char *stats_prop_clear_frequent(struct stats *s, const char *args);
char *stats_prop_upstreams(struct stats *s, const char *args);
