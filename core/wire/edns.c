/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EDNS(0): the OPT pseudo-record (RFC 6891). */
#include <string.h>
#include "core/wire/wire-impl.h"

/* The owner of every OPT record built here; never written to. */
static uint8_t root_name[1] = { 0 };

#define EDNS_DO_BIT 0x8000u

int kr__edns_opts_check(const uint8_t *rdata, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		if (len - pos < 4)
			return KR_EMALF;
		size_t olen = kr__get16(rdata + pos + 2);
		if (len - pos - 4 < olen)
			return KR_EMALF;
		pos += 4 + olen;
	}
	return 0;
}

int kr_edns_init(kr_rrset_t *opt, uint16_t bufsize, uint8_t version, kr_mm_t *mm)
{
	kr_rrset_init(opt, root_name, KR_TYPE_OPT, bufsize, (uint32_t)version << 16);
	return kr_rrset_add_rdata(opt, NULL, 0, mm);
}

uint16_t kr_edns_bufsize(const kr_rrset_t *opt)
{
	return opt->rclass < KR_EDNS_MIN_BUFSIZE ? KR_EDNS_MIN_BUFSIZE : opt->rclass;
}

uint8_t kr_edns_version(const kr_rrset_t *opt)
{
	return (uint8_t)(opt->ttl >> 16);
}

bool kr_edns_do(const kr_rrset_t *opt)
{
	return opt->ttl & EDNS_DO_BIT;
}

void kr_edns_set_do(kr_rrset_t *opt, bool on)
{
	if (on)
		opt->ttl |= EDNS_DO_BIT;
	else
		opt->ttl &= ~EDNS_DO_BIT;
}

uint8_t kr_edns_ext_rcode(const kr_rrset_t *opt)
{
	return (uint8_t)(opt->ttl >> 24);
}

void kr_edns_set_ext_rcode(kr_rrset_t *opt, uint8_t ext_rcode)
{
	opt->ttl = (opt->ttl & 0x00FFFFFFu) | ((uint32_t)ext_rcode << 24);
}

int kr_edns_add_option(kr_rrset_t *opt, uint16_t code, uint16_t len, const uint8_t *data, kr_mm_t *mm)
{
	if (opt->rrs.count > 1)
		return -EINVAL;
	struct kr_rdata *rd = kr_rdataset_first(&opt->rrs);
	size_t old_len = rd ? rd->len : 0;
	size_t new_len = old_len + 4 + len;
	if (new_len > UINT16_MAX)
		return -EINVAL;
	size_t new_size = kr__rdata_item_size(new_len);
	uint8_t *p = kr_mm_realloc(mm, opt->rrs.data, new_size, opt->rrs.size);
	if (!p)
		return -ENOMEM;
	rd = (struct kr_rdata *)p;
	rd->len = (uint16_t)new_len;
	kr__put16(rd->data + old_len, code);
	kr__put16(rd->data + old_len + 2, len);
	if (len)
		memcpy(rd->data + old_len + 4, data, len);
	if (new_len & 1)
		rd->data[new_len] = 0;
	opt->rrs.data = p;
	opt->rrs.size = (uint32_t)new_size;
	opt->rrs.count = 1;
	return 0;
}

const uint8_t *kr_edns_get_option(const kr_rrset_t *opt, uint16_t code, uint16_t *len)
{
	const struct kr_rdata *rd = kr_rdataset_first(&opt->rrs);
	if (!rd)
		return NULL;
	size_t pos = 0;
	while (rd->len - pos >= 4) {
		uint16_t ocode = kr__get16(rd->data + pos);
		uint16_t olen = kr__get16(rd->data + pos + 2);
		if (rd->len - pos - 4 < olen)
			return NULL;   /* malformed tail */
		if (ocode == code) {
			if (len)
				*len = olen;
			return rd->data + pos + 4;
		}
		pos += 4 + (size_t)olen;
	}
	return NULL;
}

int kr_edns_check(const kr_rrset_t *opt)
{
	if (opt->type != KR_TYPE_OPT || opt->rrs.count > 1)
		return KR_EMALF;
	const struct kr_rdata *rd = kr_rdataset_first(&opt->rrs);
	return rd ? kr__edns_opts_check(rd->data, rd->len) : 0;
}

size_t kr_edns_wire_size(const kr_rrset_t *opt)
{
	const struct kr_rdata *rd = kr_rdataset_first(&opt->rrs);
	return 1 + 10 + (rd ? rd->len : 0);
}
