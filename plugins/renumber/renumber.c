/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The renumber plugin: A and AAAA records of the client's answer whose
 * address falls in a configured source prefix get the prefix bits of the
 * rule's target (the host bits stay), e.g. {'1.2.3.0/24', '4.5.6.0'} turns
 * 1.2.3.4 into 4.5.6.4. The prefix math is in rules.c.
 *
 * How it runs in the engine: answer_finalize rebuilds the answer (question,
 * then every section with the rewritten records) when a record matched.
 * Signatures of rewritten sets are dropped and AD is cleared (rewritten data
 * is not validated data). The cache keeps the original records, so every
 * answer, also one from the cache, is rewritten by the current rules.
 */
#include <stdlib.h>
#include <string.h>
#include "plugins/renumber/renumber-impl.h"

static int renumber_init_cb(struct kr_plugin *self)
{
	struct renumber *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	kr_plugin_set_data(self, c);
	return 0;
}

static void renumber_deinit_cb(struct kr_plugin *self)
{
	free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

static int renumber_config_cb(struct kr_plugin *self, const char *json)
{
	if (!json)
		return 0;
	char err[RENUMBER_ERRLEN] = "";
	int ret = renumber_configure(kr_plugin_data(self), json, err, sizeof(err));
	if (ret != 0)
		kr_log_error(renumber, "renumber.config(): %s", err);
	return ret;
}

/** Address length of a record type whose addresses we rewrite, or 0. */
static size_t addr_len(const kr_rrset_t *rr)
{
	if (rr->rclass != KR_CLASS_IN)
		return 0;
	return rr->type == KR_TYPE_A ? 4 : rr->type == KR_TYPE_AAAA ? 16 : 0;
}

/** Does a rule match an address of the RR set? */
static bool rrset_matches(const struct renumber *c, const kr_rrset_t *rr)
{
	size_t alen = addr_len(rr);
	if (!alen)
		return false;
	for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd)) {
		for (unsigned i = 0; rd->len == alen && i < c->count; ++i)
			if (renumber_rule_match(&c->rule[i], rd->data, alen))
				return true;
	}
	return false;
}

/** Type covered by an RRSIG record set (its first record), or 0. */
static uint16_t rrsig_covered(const kr_rrset_t *rr)
{
	const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs);
	if (rr->type != KR_TYPE_RRSIG || !rd || rd->len < 2)
		return 0;
	return (uint16_t)(rd->data[0] << 8 | rd->data[1]);
}

/** Is rr an RRSIG of one of the rewritten sets? */
static bool covers_rewritten(const kr_rrset_t *rr, kr_rrset_t *const *keep, const bool *changed, unsigned n)
{
	uint16_t covered = rrsig_covered(rr);
	if (covered != KR_TYPE_A && covered != KR_TYPE_AAAA)
		return false;
	for (unsigned i = 0; i < n; ++i)
		if (changed[i] && keep[i]->type == covered && kr_dname_eq(keep[i]->owner, rr->owner))
			return true;
	return false;
}

static const enum kr_section sections[] = { KR_SECTION_ANSWER, KR_SECTION_AUTHORITY, KR_SECTION_ADDITIONAL };

static enum kr_layer_state renumber_answer_finalize_cb(struct kr_layer_ctx *ctx)
{
	struct kr_request *req = ctx->req;
	const struct renumber *c = kr_plugin_data(ctx->plugin);
	kr_pkt_t *a = req->answer;
	const kr_pkt_t *q = req->qsource.packet;
	if (!c || !c->count || !a || !q || !q->qname_size || ctx->state == KR_STATE_FAIL)
		return ctx->state;
	unsigned total = 0;
	bool any = false;
	for (unsigned s = 0; s < 3; ++s) {
		uint16_t n = kr_pkt_count(a, sections[s]);
		total += n;
		for (uint16_t i = 0; i < n && !any && sections[s] != KR_SECTION_AUTHORITY; ++i)
			any = rrset_matches(c, kr_pkt_rr(a, sections[s], i));
	}
	if (!any)
		return ctx->state;

	/* Deep copies (the answer's own records go with kr_pkt_clear()), rewritten. */
	kr_rrset_t **keep = kr_mm_alloc(req->pool, (total + 1) * sizeof(*keep));
	bool *changed = kr_mm_calloc(req->pool, (total + 1) * sizeof(*changed));
	enum kr_section *where = kr_mm_alloc(req->pool, (total + 1) * sizeof(*where));
	if (!keep || !changed || !where)
		return ctx->state;
	unsigned kept = 0, rewritten = 0;
	for (unsigned s = 0; s < 3; ++s) {
		for (uint16_t i = 0; i < kr_pkt_count(a, sections[s]); ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(a, sections[s], i);
			if (rr->type == KR_TYPE_OPT)
				continue;
			if (!(keep[kept] = kr_rrset_copy(rr, req->pool)))
				return ctx->state;
			where[kept] = sections[s];
			size_t alen = addr_len(rr);
			if (alen && sections[s] != KR_SECTION_AUTHORITY) {
				kr_rdataset_t *rrs = &keep[kept]->rrs;
				for (struct kr_rdata *rd = kr_rdataset_first(rrs); rd; rd = kr_rdataset_next(rrs, rd)) {
					if (rd->len == alen && renumber_rewrite(c, rd->data, alen)) {
						changed[kept] = true;
						++rewritten;
					}
				}
			}
			++kept;
		}
	}

	uint16_t id = kr_pkt_id(a);
	uint8_t opcode = kr_pkt_opcode(a);
	bool rd = kr_pkt_flag(a, KR_PKT_RD), ra = kr_pkt_flag(a, KR_PKT_RA), cd = kr_pkt_flag(a, KR_PKT_CD);
	bool aa = kr_pkt_flag(a, KR_PKT_AA);
	uint16_t rcode = kr_pkt_rcode(a);
	kr_rrset_t *opt = a->opt;
	kr_pkt_clear(a);
	kr_pkt_set_id(a, id);
	kr_pkt_set_opcode(a, opcode);
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_AA, aa);
	kr_pkt_set_flag(a, KR_PKT_RD, rd);
	kr_pkt_set_flag(a, KR_PKT_RA, ra);
	kr_pkt_set_flag(a, KR_PKT_CD, cd);
	a->opt = opt;
	kr_pkt_set_rcode(a, rcode);
	int ret = kr_pkt_put_question(a, q->qname, q->qclass, q->qtype);
	for (unsigned s = 0; s < 3 && !ret; ++s) {
		ret = kr_pkt_begin(a, sections[s]);
		for (unsigned i = 0; i < kept && !ret; ++i) {
			if (where[i] == sections[s] && !covers_rewritten(keep[i], keep, changed, kept))
				ret = kr_pkt_put(a, keep[i]);
		}
	}
	if (ret != 0) {
		kr_log_req(req, KR_LOG_DEBUG, "renumber", "cannot write the rewritten answer: %s", kr_strerror(ret));
		kr_pkt_set_rcode(a, KR_RCODE_SERVFAIL);
		return KR_STATE_FAIL;
	}
	kr_log_req(req, KR_LOG_DEBUG, "renumber", "rewrote %u addresses", rewritten);
	return ctx->state;
}

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.answer_finalize = renumber_answer_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "renumber",
	.init = renumber_init_cb,
	.deinit = renumber_deinit_cb,
	.config = renumber_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
);
