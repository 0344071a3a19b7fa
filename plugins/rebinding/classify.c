/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private and special-use addresses (RFC 6890 registries, the parts that point inside a network). */
#include <string.h>
#include "plugins/rebinding/rebinding-impl.h"

struct net { uint8_t addr[16]; uint8_t len; };

static const struct net nets4[] = {
	{ { 0 }, 8 },                 /* 0.0.0.0/8 this network */
	{ { 10 }, 8 },                /* 10.0.0.0/8 */
	{ { 100, 64 }, 10 },          /* 100.64.0.0/10 shared address space */
	{ { 127 }, 8 },               /* loopback */
	{ { 169, 254 }, 16 },         /* link-local */
	{ { 172, 16 }, 12 },          /* 172.16.0.0/12 */
	{ { 192, 168 }, 16 },         /* 192.168.0.0/16 */
	{ { 255, 255, 255, 255 }, 32 }, /* limited broadcast */
};

static const struct net nets6[] = {
	{ { 0 }, 128 },               /* :: unspecified */
	{ { [15] = 1 }, 128 },        /* ::1 loopback */
	{ { 0xfe, 0x80 }, 10 },       /* link-local */
	{ { 0xfc }, 7 },              /* unique local */
};

static bool in_net(const uint8_t *addr, const struct net *n)
{
	unsigned full = n->len / 8, rest = n->len % 8;
	if (memcmp(addr, n->addr, full) != 0)
		return false;
	return !rest || (addr[full] & (uint8_t)(0xff << (8 - rest))) == n->addr[full];
}

bool rebinding_addr_private(const uint8_t *addr, uint16_t len)
{
	if (len == 4) {
		for (size_t i = 0; i < sizeof(nets4) / sizeof(nets4[0]); ++i)
			if (in_net(addr, &nets4[i]))
				return true;
		return false;
	}
	if (len != 16)
		return false;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (memcmp(addr, mapped, 12) == 0)
		return rebinding_addr_private(addr + 12, 4);
	for (size_t i = 0; i < sizeof(nets6) / sizeof(nets6[0]); ++i)
		if (in_net(addr, &nets6[i]))
			return true;
	return false;
}

const kr_rrset_t *rebinding_pkt_check(const kr_pkt_t *pkt)
{
	const enum kr_section secs[] = { KR_SECTION_ANSWER, KR_SECTION_ADDITIONAL };
	for (size_t s = 0; s < 2; ++s) {
		for (uint16_t i = 0; i < kr_pkt_count(pkt, secs[s]); ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, secs[s], i);
			if ((rr->type != KR_TYPE_A && rr->type != KR_TYPE_AAAA) || rr->rclass != KR_CLASS_IN)
				continue;
			for (struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd; rd = kr_rdataset_next(&rr->rrs, rd))
				if (rebinding_addr_private(rd->data, rd->len))
					return rr;
		}
	}
	return NULL;
}
