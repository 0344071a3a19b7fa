/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The edns_keepalive plugin's logic (RFC 7828), apart from its ABI glue so
 * that the unit tests link it directly.
 */
#pragma once

#include <kres/kres.h>

/** The TIMEOUT field for an idle timeout: units of 100 ms, at most 65535. */
uint16_t edns_keepalive_units(uint32_t idle_ms);
/**
 * Add the edns-tcp-keepalive option to answer when the query asked for it
 * over TCP (tcp true) and both carry OPT. Over UDP the option is ignored
 * (RFC 7828 3.2.1).
 * @return 1 when added, 0 when not applicable (or present already),
 *         or the error of kr_edns_add_option().
 * @note the option's data is allocated from mm.
 */
int edns_keepalive_answer(const kr_pkt_t *query, kr_pkt_t *answer, bool tcp, uint32_t idle_ms,
			  kr_mm_t *mm);
