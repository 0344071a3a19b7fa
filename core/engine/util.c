/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clock, randomness, query-flag names and request-tagged logging. */
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <sys/random.h>
#include "core/engine/engine.h"

uint64_t kr_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Random numbers come from the kernel's CSPRNG (getrandom), read in blocks:
 * message IDs and source ports must be unpredictable to off-path attackers. */
static uint32_t rand_pool[64];
static unsigned rand_left;

/* A forked child (kresd --forks) must not replay what is left of the parent's
 * pool: one process's IDs would predict the other's. */
static void rand_forget(void)
{
	rand_left = 0;
}

uint32_t kr_rand32(void)
{
	static bool atfork_set;
	if (!atfork_set)
		atfork_set = pthread_atfork(NULL, NULL, rand_forget) == 0;
	if (rand_left == 0) {
		ssize_t got = getrandom(rand_pool, sizeof(rand_pool), 0);
		if (got != (ssize_t)sizeof(rand_pool)) {
			/* Only interrupted by a signal before the pool is initialised at boot. */
			for (unsigned i = 0; i < 64; ++i)
				rand_pool[i] ^= (uint32_t)kr_now_ms() * 2654435761u + i;
		}
		rand_left = 64;
	}
	return rand_pool[--rand_left];
}

static const struct {
	const char *name;
	uint64_t flag;
} qflag_names[] = {
	{ "NO_MINIMIZE", KR_QF_NO_MINIMIZE }, { "NO_IPV6", KR_QF_NO_IPV6 },
	{ "NO_IPV4", KR_QF_NO_IPV4 }, { "TCP", KR_QF_TCP }, { "RESOLVED", KR_QF_RESOLVED },
	{ "AWAIT_IPV4", KR_QF_AWAIT_IPV4 }, { "AWAIT_IPV6", KR_QF_AWAIT_IPV6 },
	{ "AWAIT_CUT", KR_QF_AWAIT_CUT }, { "NO_EDNS", KR_QF_NO_EDNS }, { "CACHED", KR_QF_CACHED },
	{ "NO_CACHE", KR_QF_NO_CACHE }, { "EXPIRING", KR_QF_EXPIRING },
	{ "ALLOW_LOCAL", KR_QF_ALLOW_LOCAL }, { "DNSSEC_WANT", KR_QF_DNSSEC_WANT },
	{ "DNSSEC_BOGUS", KR_QF_DNSSEC_BOGUS }, { "DNSSEC_INSECURE", KR_QF_DNSSEC_INSECURE },
	{ "DNSSEC_CD", KR_QF_DNSSEC_CD }, { "STUB", KR_QF_STUB }, { "ALWAYS_CUT", KR_QF_ALWAYS_CUT },
	{ "DNSSEC_WEXPAND", KR_QF_DNSSEC_WEXPAND }, { "PERMISSIVE", KR_QF_PERMISSIVE },
	{ "STRICT", KR_QF_STRICT }, { "BADCOOKIE_AGAIN", KR_QF_BADCOOKIE_AGAIN },
	{ "CNAME", KR_QF_CNAME }, { "REORDER_RR", KR_QF_REORDER_RR }, { "TRACE", KR_QF_TRACE },
	{ "NO_0X20", KR_QF_NO_0X20 }, { "DNSSEC_NODS", KR_QF_DNSSEC_NODS },
	{ "DNSSEC_OPTOUT", KR_QF_DNSSEC_OPTOUT }, { "NONAUTH", KR_QF_NONAUTH },
	{ "FORWARD", KR_QF_FORWARD }, { "DNS64_MARK", KR_QF_DNS64_MARK },
	{ "CACHE_TRIED", KR_QF_CACHE_TRIED }, { "NO_NS_FOUND", KR_QF_NO_NS_FOUND },
	{ "PKT_IS_SANE", KR_QF_PKT_IS_SANE }, { "DNS64_DISABLE", KR_QF_DNS64_DISABLE },
	{ "TLS", KR_QF_TLS }, { "DNSSEC_VALIDATED", KR_QF_DNSSEC_VALIDATED },
	{ "CNAME_LOOP", KR_QF_CNAME_LOOP },
};

uint64_t kr_qflag_from_str(const char *name)
{
	for (size_t i = 0; i < sizeof(qflag_names) / sizeof(qflag_names[0]); ++i)
		if (strcasecmp(qflag_names[i].name, name) == 0)
			return qflag_names[i].flag;
	return 0;
}

const char *kr_qflag_to_str(uint64_t flag)
{
	for (size_t i = 0; i < sizeof(qflag_names) / sizeof(qflag_names[0]); ++i)
		if (qflag_names[i].flag == flag)
			return qflag_names[i].name;
	return NULL;
}

void kr_log_req(const struct kr_request *req, enum kr_log_level level, const char *group,
		const char *fmt, ...)
{
	if (level >= KR_LOG_DEBUG && !kr_log_verbose() && !(req && (req->options & KR_QF_TRACE)))
		return;
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct kr_query *q = req ? req->current_query : NULL;
	enum kr_log_level shown = level >= KR_LOG_DEBUG ? KR_LOG_INFO : level;
	kr_log_fmt(shown, group, "[%05u.%02u] %s", req ? req->uid % 100000 : 0, q ? q->uid : 0, msg);
}
