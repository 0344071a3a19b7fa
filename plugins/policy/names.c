/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Name-keyed hash (open addressing, linear probing) for suffix sets and RPZ triggers. */
#include <stdlib.h>
#include <string.h>
#include "plugins/policy/policy-impl.h"

#define NAMES_MIN_CAP 16

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

size_t policy_name_lower(uint8_t *dst, const uint8_t *name)
{
	/* Length bytes are below 64: lower-casing every byte only touches letters. */
	size_t len = kr_dname_size(name);
	for (size_t i = 0; i < len; ++i)
		dst[i] = lower(name[i]);
	return len;
}

uint32_t policy_names_hash(const uint8_t *lname, size_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < len; ++i) {
		h ^= lname[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

void policy_names_init(struct policy_names *t)
{
	memset(t, 0, sizeof(*t));
}

void policy_names_clear(struct policy_names *t, void (*free_val)(void *))
{
	for (uint32_t i = 0; i < t->cap; ++i) {
		if (!t->slots[i].name)
			continue;
		free(t->slots[i].name);
		if (free_val)
			free_val(t->slots[i].val);
	}
	free(t->slots);
	policy_names_init(t);
}

void **policy_names_find(const struct policy_names *t, const uint8_t *lname, size_t len, uint32_t hash)
{
	if (!t->cap)
		return NULL;
	uint32_t mask = t->cap - 1;
	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		struct policy_names_slot *s = &t->slots[i];
		if (!s->name)
			return NULL;
		if (s->hash == hash && kr_dname_size(s->name) == len && memcmp(s->name, lname, len) == 0)
			return &s->val;
	}
}

static int grow(struct policy_names *t)
{
	uint32_t ncap = t->cap ? t->cap * 2 : NAMES_MIN_CAP;
	struct policy_names_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; ++i) {
		struct policy_names_slot *s = &t->slots[i];
		if (!s->name)
			continue;
		uint32_t j = s->hash & (ncap - 1);
		while (ns[j].name)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

void **policy_names_put(struct policy_names *t, const uint8_t *name, bool *created)
{
	uint8_t lname[KR_DNAME_MAXLEN];
	size_t len = policy_name_lower(lname, name);
	uint32_t hash = policy_names_hash(lname, len);
	if (created)
		*created = false;
	void **v = policy_names_find(t, lname, len, hash);
	if (v)
		return v;
	/* Keep the load at most 1/2: short probe chains. */
	if ((t->count + 1) * 2 > t->cap && grow(t) != 0)
		return NULL;
	uint8_t *copy = malloc(len);
	if (!copy)
		return NULL;
	memcpy(copy, lname, len);
	uint32_t mask = t->cap - 1;
	uint32_t i = hash & mask;
	while (t->slots[i].name)
		i = (i + 1) & mask;
	t->slots[i].name = copy;
	t->slots[i].hash = hash;
	t->slots[i].val = NULL;
	++t->count;
	if (created)
		*created = true;
	return &t->slots[i].val;
}
