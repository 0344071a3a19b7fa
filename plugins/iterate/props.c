/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iterate props: a look at the server table. */
#include <jansson.h>
#include "plugins/iterate/iterate-impl.h"

char *iterate_prop_servers(struct iterate *it, const char *args)
{
	(void)args;
	json_t *out = json_object();
	if (!out || !it)
		return NULL;
	uint64_t now = kr_now_ms();
	for (uint32_t i = 0; i < ITER_SRV_SLOTS; ++i) {
		const struct iter_srv *s = &it->servers.slot[i];
		if (!s->addr.ip.sa_family)
			continue;
		char addr[64];
		iter_addr_str(&s->addr, addr, sizeof(addr));
		json_t *e = json_pack("{s:i, s:i, s:I, s:b}", "srtt", (int)s->srtt, "timeouts", (int)s->timeouts,
				      "backoff_ms", (json_int_t)(s->backoff_until > now ? s->backoff_until - now : 0),
				      "lame", s->lame_until > now);
		if (e)
			json_object_set_new(out, addr, e);
	}
	char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return text;
}
