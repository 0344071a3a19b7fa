/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The edns-tcp-keepalive option of answers (RFC 7828). */
#include "plugins/edns_keepalive/edns_keepalive-impl.h"

uint16_t edns_keepalive_units(uint32_t idle_ms)
{
	uint32_t units = idle_ms / 100;
	return units > UINT16_MAX ? UINT16_MAX : (uint16_t)units;
}

int edns_keepalive_answer(const kr_pkt_t *query, kr_pkt_t *answer, bool tcp, uint32_t idle_ms,
			  kr_mm_t *mm)
{
	uint16_t len = 0;
	if (!tcp || !query || !query->opt || !answer || !answer->opt ||
	    !kr_edns_get_option(query->opt, KR_EDNS_OPT_KEEPALIVE, &len) ||
	    kr_edns_get_option(answer->opt, KR_EDNS_OPT_KEEPALIVE, &len))
		return 0;
	uint16_t units = edns_keepalive_units(idle_ms);
	const uint8_t data[2] = { (uint8_t)(units >> 8), (uint8_t)units };
	int ret = kr_edns_add_option(answer->opt, KR_EDNS_OPT_KEEPALIVE, sizeof(data), data, mm);
	return ret == 0 ? 1 : ret;
}
