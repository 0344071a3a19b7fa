/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hints name table: lower-cased wire name → A, AAAA and PTR data. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/hints/hints-impl.h"

#define TABLE_MIN_CAP 16

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * Length bytes of a wire name are below 64, so lower-casing every byte of
 * the name only touches letters inside labels.
 */
static uint32_t name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < len; ++i) {
		h ^= lower(name[i]);
		h *= 16777619u;
	}
	return h;
}

/** Compare a wire name of any case with a lower-cased one of the same length. */
static bool name_eq_lower(const uint8_t *name, const uint8_t *lowered, size_t len)
{
	for (size_t i = 0; i < len; ++i)
		if (lower(name[i]) != lowered[i])
			return false;
	return true;
}

int hints_addr_parse(const char *text, struct hints_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

uint16_t hints_addr_len(const struct hints_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int hints_addr_reverse(const struct hints_addr *a, uint8_t *dst)
{
	static const char hex[] = "0123456789abcdef";
	static const uint8_t v4_tail[] = "\7in-addr\4arpa";
	static const uint8_t v6_tail[] = "\3ip6\4arpa";
	int pos = 0;
	if (a->family == AF_INET) {
		for (int i = 3; i >= 0; --i) {
			int n = snprintf((char *)dst + pos + 1, 4, "%u", a->bytes[i]);
			dst[pos] = (uint8_t)n;
			pos += n + 1;
		}
		memcpy(dst + pos, v4_tail, sizeof(v4_tail));   /* with the root label */
		return pos + (int)sizeof(v4_tail);
	}
	for (int i = 15; i >= 0; --i) {
		dst[pos++] = 1;
		dst[pos++] = (uint8_t)hex[a->bytes[i] & 0x0f];
		dst[pos++] = 1;
		dst[pos++] = (uint8_t)hex[a->bytes[i] >> 4];
	}
	memcpy(dst + pos, v6_tail, sizeof(v6_tail));
	return pos + (int)sizeof(v6_tail);
}

/* --- RDATA lists --- */

static bool item_eq(const struct hints_item *it, const uint8_t *data, uint16_t len)
{
	return it->len == len && name_eq_lower(data, it->data, len);
}

static int rdlist_find(const struct hints_rdlist *l, const uint8_t *data, uint16_t len)
{
	for (int i = 0; i < l->count; ++i)
		if (item_eq(l->items[i], data, len))
			return i;
	return -1;
}

/* Items are stored lower-cased: only PTR targets have letters, addresses are compared raw. */
static int rdlist_add(struct hints_rdlist *l, enum hints_kind kind,
		      const uint8_t *data, uint16_t len)
{
	for (int i = 0; i < l->count; ++i) {
		const struct hints_item *it = l->items[i];
		bool same = kind == HINTS_PTR ? item_eq(it, data, len)
					      : (it->len == len && memcmp(it->data, data, len) == 0);
		if (same)
			return 0;
	}
	if (l->count == UINT16_MAX)
		return -ENOMEM;
	if (l->count == l->cap) {
		uint16_t cap = l->cap ? (l->cap > UINT16_MAX / 2 ? UINT16_MAX : l->cap * 2) : 2;
		struct hints_item **items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	struct hints_item *it = malloc(sizeof(*it) + len);
	if (!it)
		return -ENOMEM;
	it->len = len;
	for (uint16_t i = 0; i < len; ++i)
		it->data[i] = kind == HINTS_PTR ? lower(data[i]) : data[i];
	l->items[l->count++] = it;
	return 0;
}

static void rdlist_remove_at(struct hints_rdlist *l, int i)
{
	free(l->items[i]);
	memmove(&l->items[i], &l->items[i + 1], (l->count - i - 1) * sizeof(l->items[0]));
	--l->count;
}

static void rdlist_clear(struct hints_rdlist *l)
{
	for (int i = 0; i < l->count; ++i)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void entry_clear(struct hints_entry *e)
{
	for (int k = 0; k < HINTS_KINDS; ++k)
		rdlist_clear(&e->rd[k]);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

static bool entry_empty(const struct hints_entry *e)
{
	for (int k = 0; k < HINTS_KINDS; ++k)
		if (e->rd[k].count)
			return false;
	return true;
}

/* --- the hash table --- */

void hints_table_init(struct hints_table *t)
{
	memset(t, 0, sizeof(*t));
}

void hints_table_clear(struct hints_table *t)
{
	for (uint32_t i = 0; i < t->cap; ++i)
		if (t->slots[i].name)
			entry_clear(&t->slots[i]);
	free(t->slots);
	hints_table_init(t);
}

/** Slot holding name, or the free slot where it would go; -1 when the table has no slots. */
static int64_t slot_of(const struct hints_table *t, const uint8_t *name, size_t len, uint32_t hash)
{
	if (!t->cap)
		return -1;
	uint32_t mask = t->cap - 1;
	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		const struct hints_entry *e = &t->slots[i];
		if (!e->name)
			return i;
		if (e->hash == hash && kr_dname_size(e->name) == len && name_eq_lower(name, e->name, len))
			return i;
	}
}

const struct hints_entry *hints_table_find(const struct hints_table *t, const uint8_t *name)
{
	size_t len = kr_dname_size(name);
	if (len > KR_DNAME_MAXLEN || !(t->lengths[len / 64] >> (len % 64) & 1))
		return NULL;   /* no name of this length: not here, without hashing */
	int64_t i = slot_of(t, name, len, name_hash(name, len));
	if (i < 0 || !t->slots[i].name)
		return NULL;
	return &t->slots[i];
}

/** Double the slots (or make the first ones) and re-insert every entry. */
static int table_grow(struct hints_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : TABLE_MIN_CAP;
	if (cap < t->cap)
		return -ENOMEM;
	struct hints_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; ++i) {
		struct hints_entry *e = &t->slots[i];
		if (!e->name)
			continue;
		uint32_t j = e->hash & (cap - 1);
		while (slots[j].name)
			j = (j + 1) & (cap - 1);
		slots[j] = *e;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/** The entry of name, created empty when missing. @return it or NULL (no memory). */
static struct hints_entry *entry_get(struct hints_table *t, const uint8_t *name)
{
	size_t len = kr_dname_size(name);
	uint32_t hash = name_hash(name, len);
	/* Keep the load factor at most 3/4 so probes stay short. */
	if ((t->count + 1) * 4 > t->cap * 3 && table_grow(t) != 0)
		return NULL;
	struct hints_entry *e = &t->slots[slot_of(t, name, len, hash)];
	if (e->name)
		return e;
	e->name = malloc(len);
	if (!e->name)
		return NULL;
	for (size_t i = 0; i < len; ++i)
		e->name[i] = lower(name[i]);
	e->hash = hash;
	t->lengths[len / 64] |= UINT64_C(1) << (len % 64);
	++t->count;
	return e;
}

/** Empty slot i and shift later entries of its probe run back (no tombstones). */
static void slot_remove(struct hints_table *t, uint32_t i)
{
	uint32_t mask = t->cap - 1;
	entry_clear(&t->slots[i]);
	--t->count;
	for (uint32_t j = (i + 1) & mask; t->slots[j].name; j = (j + 1) & mask) {
		uint32_t home = t->slots[j].hash & mask;
		/* The entry at j may move to i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		t->slots[i] = t->slots[j];
		memset(&t->slots[j], 0, sizeof(t->slots[j]));
		i = j;
	}
}

int hints_table_add(struct hints_table *t, const uint8_t *name, enum hints_kind kind,
		    const uint8_t *data, uint16_t len)
{
	if (kind >= HINTS_KINDS)
		return -EINVAL;
	struct hints_entry *e = entry_get(t, name);
	if (!e)
		return -ENOMEM;
	int ret = rdlist_add(&e->rd[kind], kind, data, len);
	if (ret != 0 && entry_empty(e))
		slot_remove(t, (uint32_t)(e - t->slots));
	return ret;
}

int hints_table_del(struct hints_table *t, const uint8_t *name, enum hints_kind kind,
		    const uint8_t *data, uint16_t len)
{
	const struct hints_entry *found = hints_table_find(t, name);
	if (!found || kind >= HINTS_KINDS)
		return -ENOENT;
	struct hints_entry *e = &t->slots[found - t->slots];
	int i = rdlist_find(&e->rd[kind], data, len);
	if (i < 0)
		return -ENOENT;
	rdlist_remove_at(&e->rd[kind], i);
	if (entry_empty(e))
		slot_remove(t, (uint32_t)(e - t->slots));
	return 0;
}

int hints_table_del_name(struct hints_table *t, const uint8_t *name)
{
	const struct hints_entry *e = hints_table_find(t, name);
	if (!e)
		return -ENOENT;
	slot_remove(t, (uint32_t)(e - t->slots));
	return 0;
}

/* --- names with their reverse records --- */

static enum hints_kind addr_kind(const struct hints_addr *addr)
{
	return addr->family == AF_INET ? HINTS_A : HINTS_AAAA;
}

int hints_pair_add(struct hints_table *t, const uint8_t *name, const struct hints_addr *addr)
{
	uint8_t rev[KR_DNAME_MAXLEN];
	hints_addr_reverse(addr, rev);
	int ret = hints_table_add(t, name, addr_kind(addr), addr->bytes, hints_addr_len(addr));
	if (ret == 0)
		ret = hints_table_add(t, rev, HINTS_PTR, name, (uint16_t)kr_dname_size(name));
	return ret;
}

int hints_pair_del(struct hints_table *t, const uint8_t *name, const struct hints_addr *addr)
{
	uint8_t rev[KR_DNAME_MAXLEN];
	hints_addr_reverse(addr, rev);
	int ret = hints_table_del(t, name, addr_kind(addr), addr->bytes, hints_addr_len(addr));
	if (ret == 0)
		hints_table_del(t, rev, HINTS_PTR, name, (uint16_t)kr_dname_size(name));
	return ret;
}

int hints_name_del(struct hints_table *t, const uint8_t *name)
{
	const struct hints_entry *e = hints_table_find(t, name);
	if (!e)
		return -ENOENT;
	static const int families[] = { [HINTS_A] = AF_INET, [HINTS_AAAA] = AF_INET6 };
	for (int k = HINTS_A; k <= HINTS_AAAA; ++k) {
		/* Each deletion may move entries: look the name up again every time. */
		while ((e = hints_table_find(t, name)) && e->rd[k].count) {
			struct hints_addr addr = { .family = families[k] };
			memcpy(addr.bytes, e->rd[k].items[0]->data, e->rd[k].items[0]->len);
			hints_pair_del(t, name, &addr);
		}
	}
	hints_table_del_name(t, name);   /* PTR data of a reverse name, if any */
	return 0;
}

int hints_table_defaults(struct hints_table *t)
{
	static const uint8_t localhost[] = "\x09localhost";
	static const char *addrs[] = { "127.0.0.1", "::1" };
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); ++i) {
		struct hints_addr a;
		hints_addr_parse(addrs[i], &a);
		int ret = hints_pair_add(t, localhost, &a);
		if (ret != 0)
			return ret;
	}
	return 0;
}
