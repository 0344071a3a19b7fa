/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rebinding plugin's address classification, shared with its unit tests. */
#pragma once

#include <kres/kres.h>

/**
 * Is the address (4 or 16 bytes) private or special-use: RFC 1918, loopback,
 * "this network", shared (RFC 6598), link-local, limited broadcast, the
 * unspecified address, ULA (fc00::/7), IPv4-mapped forms of those?
 */
bool rebinding_addr_private(const uint8_t *addr, uint16_t len);
/** The first A/AAAA record with a private address in the answer or additional section, or NULL. */
const kr_rrset_t *rebinding_pkt_check(const kr_pkt_t *pkt);
