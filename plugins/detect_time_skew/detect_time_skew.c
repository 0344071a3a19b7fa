/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The detect_time_skew plugin: when the root's DNSKEY set arrives from
 * upstream, compare the system clock with the validity windows of its RRSIGs
 * and warn when it is outside all of them (DNSSEC validation then fails for
 * everything). The companion detect_time_skew.lua asks for the root DNSKEY
 * (bypassing the cache) once at start when the root has a trust anchor; later
 * refreshes of the set are checked as they happen.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/detect_time_skew/detect_time_skew-impl.h"
#include <kres/kres.h>

#define GROUP "detect_time_skew"
#define MAX_SIGS 16

/** The outcome of the last check. */
struct skew_state {
	unsigned checks;            /**< root DNSKEY sets checked */
	enum skew_verdict verdict;  /**< of the last one */
	uint32_t by;                /**< seconds off, for BEHIND and AHEAD */
};

static const char *verdict_str(enum skew_verdict v)
{
	return v == SKEW_BEHIND ? "behind" : v == SKEW_AHEAD ? "ahead" : "ok";
}

static enum kr_layer_state skew_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	struct kr_request *req = ctx->req;
	struct kr_query *qry = req->current_query;
	struct skew_state *s = kr_plugin_data(ctx->plugin);
	if (!pkt || !qry || !s || qry->stype != KR_TYPE_DNSKEY || qry->sname[0] != 0 ||
	    (qry->flags & KR_QF_CACHED))
		return ctx->state;
	uint32_t inception[MAX_SIGS], expiration[MAX_SIGS];
	int n = 0;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, KR_SECTION_ANSWER); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, KR_SECTION_ANSWER, i);
		if (rr->type != KR_TYPE_RRSIG || rr->owner[0] != 0)
			continue;
		for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd && n < MAX_SIGS;
		     rd = kr_rdataset_next(&rr->rrs, rd)) {
			/* type covered(2) alg(1) labels(1) TTL(4) expiration(4) inception(4) */
			if (rd->len < 16 || (rd->data[0] << 8 | rd->data[1]) != KR_TYPE_DNSKEY)
				continue;
			const uint8_t *p = rd->data + 8;
			expiration[n] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			p += 4;
			inception[n] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			++n;
		}
	}
	if (n == 0)
		return ctx->state;
	uint32_t by = 0;
	enum skew_verdict verdict = skew_judge((uint32_t)time(NULL), inception, expiration, n, &by);
	/* Said once per change: every root DNSKEY fetched (several at start) is checked. */
	bool news = s->checks == 0 || verdict != s->verdict;
	s->verdict = verdict;
	s->by = by;
	++s->checks;
	if (!news)
		return ctx->state;
	if (verdict == SKEW_BEHIND)
		kr_log_warning(detect_time_skew, "the system clock is %u s behind: it is before the inception of "
			       "every signature of the root DNSKEY set; DNSSEC validation will fail, "
			       "correct the clock (e.g. with NTP)", (unsigned)by);
	else if (verdict == SKEW_AHEAD)
		kr_log_warning(detect_time_skew, "the system clock is %u s ahead: it is after the expiration of "
			       "every signature of the root DNSKEY set; DNSSEC validation will fail, "
			       "correct the clock (e.g. with NTP)", (unsigned)by);
	else
		kr_log_req(req, KR_LOG_DEBUG, GROUP, "the clock is within the validity of the root DNSKEY signatures");
	return ctx->state;
}

static int skew_init_cb(struct kr_plugin *self)
{
	struct skew_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	kr_plugin_set_data(self, s);
	return 0;
}

static void skew_deinit_cb(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

/** detect_time_skew.root_anchored(): does the root have a trust anchor (worth checking)? */
static char *prop_root_anchored(struct kr_plugin *self, const char *args)
{
	(void)self; (void)args;
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	uint16_t tags[KR_VALIDATE_MAX_KEYTAGS];
	bool anchored = v && v->size >= KR_VALIDATE_API_HAS(ta_keytags) &&
			v->ta_keytags((const uint8_t *)"", tags, KR_VALIDATE_MAX_KEYTAGS) > 0;
	return json_out(json_boolean(anchored));
}

/** detect_time_skew.status(): {checks=N, clock='ok'|'behind'|'ahead', by=seconds}. */
static char *prop_status(struct kr_plugin *self, const char *args)
{
	(void)args;
	const struct skew_state *s = kr_plugin_data(self);
	return json_out(json_pack("{s:i,s:s,s:I}", "checks", (int)s->checks, "clock", verdict_str(s->verdict),
				  "by", (json_int_t)s->by));
}

static const struct kr_layer_api skew_layer = {
	.size = sizeof(skew_layer),
	.consume = skew_consume,
};

static const struct kr_plugin_prop skew_props[] = {
	{ "root_anchored", prop_root_anchored, "does the root have a trust anchor (then the clock is checked at start)" },
	{ "status", prop_status, "the last check: {checks, clock = 'ok'|'behind'|'ahead', by = seconds}" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = "detect_time_skew",
	.init = skew_init_cb,
	.deinit = skew_deinit_cb,
	.layer = &skew_layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = skew_props,
);
