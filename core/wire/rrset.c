/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RR sets and their RDATA storage (items back to back, each of even size). */
#include <stdlib.h>
#include <string.h>
#include "core/wire/wire-impl.h"

void kr_rrset_init(kr_rrset_t *rr, uint8_t *owner, uint16_t type, uint16_t rclass, uint32_t ttl)
{
	rr->owner = owner;
	rr->type = type;
	rr->rclass = rclass;
	rr->ttl = ttl;
	rr->rrs.count = 0;
	rr->rrs.size = 0;
	rr->rrs.data = NULL;
}

int kr_rrset_add_rdata(kr_rrset_t *rr, const uint8_t *data, uint16_t len, kr_mm_t *mm)
{
	/* len is a uint16_t so it can never exceed 65535; -EINVAL is then unreachable. */
	kr_rdataset_t *rrs = &rr->rrs;
	if (rrs->count == UINT16_MAX)
		return -EINVAL;
	size_t item = kr__rdata_item_size(len);
	size_t new_size = rrs->size + item;
	if (new_size > UINT32_MAX)
		return -EINVAL;
	uint8_t *p = kr_mm_realloc(mm, rrs->data, new_size, rrs->size);
	if (!p)
		return -ENOMEM;
	struct kr_rdata *rd = (struct kr_rdata *)(p + rrs->size);
	rd->len = len;
	if (len)
		memcpy(rd->data, data, len);
	if (len & 1)
		rd->data[len] = 0;
	rrs->data = p;
	rrs->size = (uint32_t)new_size;
	++rrs->count;
	return 0;
}

void kr_rrset_clear(kr_rrset_t *rr, kr_mm_t *mm)
{
	kr_mm_free(mm, rr->rrs.data);
	rr->rrs.data = NULL;
	rr->rrs.count = 0;
	rr->rrs.size = 0;
}

kr_rrset_t *kr_rrset_copy(const kr_rrset_t *src, kr_mm_t *mm)
{
	kr_rrset_t *rr = kr_mm_alloc(mm, sizeof(*rr));
	if (!rr)
		return NULL;
	*rr = *src;
	rr->owner = NULL;
	rr->rrs.data = NULL;
	if (src->owner) {
		rr->owner = kr_dname_copy(src->owner, mm);
		if (!rr->owner)
			goto fail;
	}
	if (src->rrs.size) {
		rr->rrs.data = kr_mm_memdup(mm, src->rrs.data, src->rrs.size);
		if (!rr->rrs.data)
			goto fail;
	}
	return rr;
fail:
	kr_mm_free(mm, rr->owner);
	kr_mm_free(mm, rr);
	return NULL;
}

struct kr_rdata *kr_rdataset_first(const kr_rdataset_t *rrs)
{
	return rrs->count ? (struct kr_rdata *)rrs->data : NULL;
}

struct kr_rdata *kr_rdataset_next(const kr_rdataset_t *rrs, const struct kr_rdata *rd)
{
	const uint8_t *next = (const uint8_t *)rd + kr__rdata_item_size(rd->len);
	if (next >= rrs->data + rrs->size)
		return NULL;
	return (struct kr_rdata *)next;
}

struct kr_rdata *kr_rdataset_at(const kr_rdataset_t *rrs, uint16_t i)
{
	if (i >= rrs->count)
		return NULL;
	struct kr_rdata *rd = kr_rdataset_first(rrs);
	for (uint16_t n = 0; n < i && rd; ++n)
		rd = kr_rdataset_next(rrs, rd);
	return rd;
}

/** qsort() comparator of two items by their RDATA as octet strings (RFC 4034 6.3). */
static int rdata_ptr_cmp(const void *pa, const void *pb)
{
	const struct kr_rdata *a = *(const struct kr_rdata *const *)pa;
	const struct kr_rdata *b = *(const struct kr_rdata *const *)pb;
	size_t min = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, min);
	if (c)
		return c;
	return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

#define SORT_STACK_ITEMS 32
#define SORT_STACK_BYTES 2048

void kr_rdataset_sort(kr_rdataset_t *rrs)
{
	if (rrs->count < 2)
		return;
	struct kr_rdata *idx_stack[SORT_STACK_ITEMS];
	uint8_t data_stack[SORT_STACK_BYTES] __attribute__((aligned(8)));
	struct kr_rdata **idx = idx_stack;
	uint8_t *copy = data_stack;
	if (rrs->count > SORT_STACK_ITEMS)
		idx = malloc(rrs->count * sizeof(*idx));
	if (rrs->size > SORT_STACK_BYTES)
		copy = malloc(rrs->size);
	if (!idx || !copy)
		goto out;   /* out of memory: leave the set as it is */

	/* Sort pointers into a copy of the data, then write the items back in order. */
	memcpy(copy, rrs->data, rrs->size);
	struct kr_rdata *rd = (struct kr_rdata *)copy;
	for (uint16_t i = 0; i < rrs->count; ++i) {
		idx[i] = rd;
		rd = (struct kr_rdata *)((uint8_t *)rd + kr__rdata_item_size(rd->len));
	}
	qsort(idx, rrs->count, sizeof(*idx), rdata_ptr_cmp);

	size_t out = 0;
	uint16_t count = 0;
	for (uint16_t i = 0; i < rrs->count; ++i) {
		if (i > 0 && rdata_ptr_cmp(&idx[i - 1], &idx[i]) == 0)
			continue;   /* duplicate */
		size_t item = kr__rdata_item_size(idx[i]->len);
		memcpy(rrs->data + out, idx[i], item);
		out += item;
		++count;
	}
	rrs->count = count;
	rrs->size = (uint32_t)out;
out:
	if (idx != idx_stack)
		free(idx);
	if (copy != data_stack)
		free(copy);
}
