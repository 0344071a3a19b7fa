/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The serve_stale plugin's configuration parser and stale answer builder. */
#include <string.h>
#include <jansson.h>
#include "plugins/serve_stale/serve_stale-impl.h"

int serve_stale_parse(const char *json, uint32_t *max_stale)
{
	json_error_t jerr;
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
	if (!v)
		return -EINVAL;
	int ret = 0;
	uint32_t value = *max_stale;
	if (json_is_object(v)) {
		const char *key;
		json_t *val;
		json_object_foreach(v, key, val) {
			double ms = json_number_value(val);
			if (strcmp(key, "max_stale") == 0 && json_is_number(val) &&
			    ms >= SERVE_STALE_MIN * 1000.0 && ms <= SERVE_STALE_LIMIT * 1000.0)
				value = (uint32_t)(ms / 1000);
			else
				ret = -EINVAL;
		}
	} else if (!json_is_null(v)) {
		ret = -EINVAL;
	}
	json_decref(v);
	if (ret == 0)
		*max_stale = value;
	return ret;
}

/** One link of the answer being assembled. */
struct link {
	kr_rrset_t rr, sigs;
	bool stale;
};

int serve_stale_answer(struct kr_request *req, const struct kr_cache_api *c, uint32_t max_stale,
		       uint32_t *late)
{
	const kr_pkt_t *q = req ? req->qsource.packet : NULL;
	kr_pkt_t *a = req ? req->answer : NULL;
	if (!q || !a || !q->qname_size || !c || c->size < KR_CACHE_API_HAS(peek_stale))
		return -EINVAL;
	struct link f[SERVE_STALE_CHAIN + 1];
	unsigned n = 0;
	bool done = false;
	uint32_t oldest = 0;
	const uint8_t *name = q->qname;
	uint16_t type = q->qtype;
	while (n <= SERVE_STALE_CHAIN) {
		struct link *x = &f[n];
		uint32_t ago = 0;
		int ret = c->peek_stale(req, name, type, max_stale, &x->rr, &x->sigs, NULL, &ago);
		if (ret == -ENOENT && type != KR_TYPE_CNAME)
			ret = c->peek_stale(req, name, KR_TYPE_CNAME, max_stale, &x->rr, &x->sigs,
					    NULL, &ago);
		if (ret == -ENOENT)
			break;
		if (ret != 0)
			return ret;
		x->stale = x->rr.ttl == 0;
		if (ago > oldest)
			oldest = ago;
		++n;
		if (x->rr.type == type) {
			done = true;
			break;
		}
		const struct kr_rdata *rd = kr_rdataset_first(&x->rr.rrs);
		if (!rd || rd->len == 0)
			break;
		name = rd->data;   /* the CNAME's target (from the request's pool) */
	}
	if (!done)
		return 0;

	bool dnssec = q->opt && kr_edns_do(q->opt);
	kr_rrset_t *opt = a->opt;
	int ret = 0;
	for (unsigned i = 0; i < n && ret == 0; ++i) {
		if (f[i].stale) {
			f[i].rr.ttl = SERVE_STALE_TTL;
			f[i].sigs.ttl = SERVE_STALE_TTL;
		}
		ret = kr_pkt_put(a, &f[i].rr);
		if (ret == 0 && dnssec && f[i].sigs.rrs.count)
			ret = kr_pkt_put(a, &f[i].sigs);
	}
	if (ret != 0) {   /* no room (or no memory): back to the plain SERVFAIL */
		kr_pkt_truncate(a);
		kr_pkt_set_flag(a, KR_PKT_TC, false);
		kr_pkt_begin(a, KR_SECTION_ANSWER);
		a->opt = opt;
		return ret;
	}
	kr_pkt_set_rcode(a, KR_RCODE_NOERROR);
	kr_pkt_set_flag(a, KR_PKT_AD, false);   /* stale data is never reported validated */
	if (a->opt)
		kr_request_add_ede(req, SERVE_STALE_EDE, NULL);
	if (late)
		*late = oldest;
	return 1;
}
