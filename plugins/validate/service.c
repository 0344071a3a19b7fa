/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KR_SERVICE_VALIDATE (<kres/validate.h>): the trust anchors' key tags and a
 * request's DNSSEC outcome for other plugins. The service API has no context:
 * the one validate plugin loaded is kept here.
 */
#include "plugins/validate/validate-impl.h"

static struct kr_plugin *instance;

static void tags_insert(uint16_t *out, int *n, int max, uint16_t tag)
{
	int i = 0;
	while (i < *n && out[i] < tag)
		++i;
	if ((i < *n && out[i] == tag) || i == max)
		return;
	if (*n == max)
		--*n;   /* full: the largest goes */
	for (int j = *n; j > i; --j)
		out[j] = out[j - 1];
	out[i] = tag;
	++*n;
}

int validate_ta_keytags(const struct validate *v, const uint8_t *name, uint16_t *out, int max)
{
	int n = 0;
	if (!v || !name || !out || max <= 0)
		return 0;
	for (unsigned i = 0; i < v->ta_count; ++i) {
		const struct validate_ta *t = &v->ta[i];
		if (!kr_dname_eq(t->name, name))
			continue;
		for (const struct kr_rdata *rd = kr_rdataset_first(&t->ds.rrs); rd; rd = kr_rdataset_next(&t->ds.rrs, rd))
			if (rd->len >= 4)
				tags_insert(out, &n, max, (uint16_t)(rd->data[0] << 8 | rd->data[1]));
		for (const struct kr_rdata *rd = kr_rdataset_first(&t->keys.rrs); rd; rd = kr_rdataset_next(&t->keys.rrs, rd)) {
			if (rd->len < 4)
				continue;
			uint16_t flags = (uint16_t)(rd->data[0] << 8 | rd->data[1]);
			if ((flags & VALIDATE_DNSKEY_REVOKE) || !(flags & VALIDATE_DNSKEY_ZONE))
				continue;
			tags_insert(out, &n, max, validate_keytag(rd->data, rd->len));
		}
	}
	return n;
}

static int svc_ta_keytags(const uint8_t *name, uint16_t *out, int max)
{
	return instance ? validate_ta_keytags(kr_plugin_data(instance), name, out, max) : 0;
}

static bool svc_answer_secure(const struct kr_request *req)
{
	return instance && req && validate_chain_secure(req, instance);
}

static int svc_bogus(const struct kr_request *req, struct kr_validate_bogus *out)
{
	if (!instance || !req || !out)
		return -ENOENT;
	return validate_first_bogus(req, instance, out);
}

static const struct kr_validate_api api = {
	.size = sizeof(api),
	.ta_keytags = svc_ta_keytags,
	.answer_secure = svc_answer_secure,
	.bogus = svc_bogus,
	.nsec3_hash = validate_nsec3_hash_rdata,
	.denial = validate_denial_check,
};

int validate_service_start(struct kr_plugin *self)
{
	int ret = kr_service_register(KR_SERVICE_VALIDATE, &api);
	if (ret == 0)
		instance = self;
	return ret;
}

void validate_service_stop(struct kr_plugin *self)
{
	if (instance != self)
		return;
	kr_service_unregister(KR_SERVICE_VALIDATE, &api);
	instance = NULL;
}
