/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The answer cache (internal side; plugins see <kres/answer_cache.h>): whole
 * answers by question and query flags, repeated before a request exists.
 *
 * Usage (the worker):
 *   uint32_t gen = kr__answer_cache_gen();      // when a request starts
 *   ... the request is resolved ...
 *   kr__answer_cache_offer(req, gen);           // its final answer, before sending
 *   ... a later query:
 *   const uint8_t *a; size_t alen = kr__answer_cache_find(&q, &a);
 *   if (alen) send(a, alen);                    // valid until the next call here
 */
#pragma once

#include <kres/kres.h>

/** A client's query as the answer cache looks at it. */
struct kr_ac_query {
	const uint8_t *wire;
	size_t len;
	uint32_t flags;                   /**< enum kr_req_flag of the transport */
	const struct sockaddr *addr;      /**< the client */
};

/** What worker.answer_cache() shows. */
struct kr_ac_stats {
	size_t size;          /**< the memory limit, bytes (0: off) */
	size_t used;          /**< bytes held by entries */
	size_t entries;
	uint64_t hits, misses, stored, evicted, flushes;
	bool active;          /**< every loaded plugin allows it, no option forbids it */
};

/**
 * The answer to q if one is kept for its question and flags: its ID and name
 * case set from q, TTLs aged by the wall clock (as the cache's; local data's
 * are fixed); plugins' answer_reused hooks have seen it.
 * Over UDP (flags without KR_REQ_TCP) only an answer that fits the client's size.
 * @return the answer's size and *answer, or 0 (go the normal way).
 * @note *answer is owned by the answer cache, valid until its next call.
 */
size_t kr__answer_cache_find(const struct kr_ac_query *q, const uint8_t **answer);
/** The current generation; a request records it when it starts (see offer). */
uint32_t kr__answer_cache_gen(void);
/**
 * Keep req's final answer (after kr_resolve_finish()) when it may be repeated:
 * NOERROR or NXDOMAIN, not truncated, no EDNS options, TTLs above zero, made
 * from the cache or from local data alone (every resolved query KR_QF_CACHED;
 * all, or none, with KR_QF_NO_CACHE too), no layer set no_answer_reuse, and
 * nothing changed since generation gen.
 */
void kr__answer_cache_offer(const struct kr_request *req, uint32_t gen);
/** Set the memory limit in bytes (0 turns the cache off); forgets every answer. @return 0 or -ENOMEM. */
int kr__answer_cache_set_size(size_t bytes);
/** Counters and sizes. */
void kr__answer_cache_stats(struct kr_ac_stats *out);
/** Free everything (at exit). */
void kr__answer_cache_deinit(void);
