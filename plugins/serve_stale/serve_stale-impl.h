/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Private part of the serve_stale plugin: the configuration parser and the
 * stale answer builder, shared with its unit tests.
 *
 * Usage (in answer_finalize of a failed request):
 *   uint32_t late;
 *   if (serve_stale_answer(req, kr_service_get(KR_SERVICE_CACHE), 86400, &late) == 1)
 *           return KR_STATE_DONE;
 */
#pragma once

#include <kres/kres.h>

#define SERVE_STALE_TTL 30                    /**< RFC 8767 section 4: TTL of stale records */
#define SERVE_STALE_DEFAULT (24 * 3600)       /**< max_stale default; RFC 8767: 1 to 3 days */
#define SERVE_STALE_LIMIT (7 * 24 * 3600)     /**< the largest max_stale accepted */
#define SERVE_STALE_MIN 1                     /**< the smallest max_stale accepted */
#define SERVE_STALE_CHAIN 8                   /**< CNAME links followed in cached data */
#define SERVE_STALE_EDE 3                     /**< RFC 8914 Extended DNS Error "Stale Answer" */

/**
 * Parse the configuration: {"max_stale": ms} (milliseconds, as the Lua
 * constants sec and day give them), or null (no change).
 * @param max_stale  in: the current value; out: the new one in seconds
 * @return 0 or -EINVAL (then max_stale is unchanged).
 */
int serve_stale_parse(const char *json, uint32_t *max_stale);

/**
 * Rewrite req->answer (the SERVFAIL of a failed request, positioned at the
 * answer section) into a stale answer to the client's question: the RR set of
 * its type, following cached CNAMEs, from c->peek_stale(); expired sets get
 * TTL SERVE_STALE_TTL, RRSIGs go in when the client set DO, rcode NOERROR, no
 * AD, EDE SERVE_STALE_EDE when the answer has OPT.
 * @param c     the cache service (must have peek_stale)
 * @param late  out: seconds since the oldest set expired
 * @return 1 (answered), 0 (no complete chain within max_stale: the answer is
 *         unchanged), or -EINVAL, -ENOMEM, KR_ESPACE (answer unchanged).
 */
int serve_stale_answer(struct kr_request *req, const struct kr_cache_api *c, uint32_t max_stale,
		       uint32_t *late);
