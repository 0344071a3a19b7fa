/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ta_signal_query plugin (RFC 8145 section 5): tell the root's operators
 * which root keys this resolver trusts, with a query for
 * "_ta-xxxx[-yyyy...]." type NULL, the key tags of the root's trust anchors in
 * hex. The companion ta_signal_query.lua sends it through the normal
 * resolution at start and then every ta_signal_query.interval; this file gives
 * the name from the validate plugin's service (<kres/validate.h>).
 */
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/ta_signal_query/ta_signal_query-impl.h"
#include <kres/kres.h>

/** ta_signal_query.qname(): the signalling name for the root, or nil (no root anchor). */
static char *prop_qname(struct kr_plugin *self, const char *args)
{
	(void)self; (void)args;
	const struct kr_validate_api *v = kr_service_get(KR_SERVICE_VALIDATE);
	uint16_t tags[KR_VALIDATE_MAX_KEYTAGS];
	char name[KR_DNAME_MAXTEXT];
	if (!v || v->size < KR_VALIDATE_API_HAS(ta_keytags))
		return NULL;
	int n = v->ta_keytags((const uint8_t *)"", tags, KR_VALIDATE_MAX_KEYTAGS);
	if (ta_signal_query_name(tags, n, ".", name, sizeof(name)) != 0)
		return NULL;
	return json_out(json_string(name));
}

static const struct kr_plugin_prop ta_signal_query_props[] = {
	{ "qname", prop_qname, "the key tag query name for the root's anchors (nil without one)" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = "ta_signal_query",
	.props = ta_signal_query_props,
);
