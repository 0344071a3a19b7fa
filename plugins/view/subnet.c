/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Views by subnet (longest prefix first) and by TSIG key name. */
#include <stdlib.h>
#include <string.h>
#include "plugins/view/view-impl.h"

struct view *view_new(void)
{
	return calloc(1, sizeof(struct view));
}

static void entry_free(struct view_entry *e)
{
	policy_ruleset_clear(&e->rules);
	free(e->key);
	free(e);
}

void view_free(struct view *v)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < v->addr_count; ++i)
		entry_free(v->addrs[i]);
	for (uint32_t i = 0; i < v->key_count; ++i)
		entry_free(v->keys[i]);
	free(v->addrs);
	free(v->keys);
	free(v);
}

static int entry_push(struct view_entry ***arr, uint32_t *count, uint32_t *cap, struct view_entry *e)
{
	if (*count == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		void *n = realloc(*arr, ncap * sizeof(**arr));
		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = ncap;
	}
	(*arr)[(*count)++] = e;
	return 0;
}

static int by_prefix(const void *a, const void *b)
{
	const struct view_entry *x = *(struct view_entry *const *)a, *y = *(struct view_entry *const *)b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/** Add rule to e; a new e is put in the array (or freed when the rule is bad). */
static int add_rule(struct view *v, struct view_entry *e, bool created, struct view_entry ***arr,
		    uint32_t *count, uint32_t *cap, const char *rule, char *err, size_t errlen)
{
	int id = policy_ruleset_add(&e->rules, rule, err, errlen);
	if (id < 0) {
		if (created)
			entry_free(e);
		return id;
	}
	if (created) {
		e->seq = ++v->seq;
		if (entry_push(arr, count, cap, e) != 0) {
			entry_free(e);
			return -ENOMEM;
		}
	}
	return id;
}

int view_addr_add(struct view *v, const char *subnet, const char *rule, char *err, size_t errlen)
{
	int family;
	uint8_t addr[16], len;
	if (policy_subnet_parse(subnet, &family, addr, &len) != 0) {
		policy_error(err, errlen, "invalid subnet '%s' (expected 'addr/len' or 'addr')",
			     subnet ? subnet : "?");
		return -EINVAL;
	}
	struct view_entry *e = NULL;
	for (uint32_t i = 0; i < v->addr_count && !e; ++i) {
		struct view_entry *x = v->addrs[i];
		if (x->family == family && x->len == len && memcmp(x->addr, addr, 16) == 0)
			e = x;
	}
	bool created = !e;
	if (created) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->family = family;
		e->len = len;
		memcpy(e->addr, addr, 16);
		policy_ruleset_init(&e->rules);
	}
	int id = add_rule(v, e, created, &v->addrs, &v->addr_count, &v->addr_cap, rule, err, errlen);
	if (id > 0 && created)
		qsort(v->addrs, v->addr_count, sizeof(v->addrs[0]), by_prefix);
	return id;
}

struct view_entry *view_tsig_find(const struct view *v, const uint8_t *key)
{
	for (uint32_t i = 0; i < v->key_count; ++i)
		if (kr_dname_eq(v->keys[i]->key, key))
			return v->keys[i];
	return NULL;
}

int view_tsig_add(struct view *v, const char *key, const char *rule, char *err, size_t errlen)
{
	uint8_t wire[KR_DNAME_MAXLEN];
	if (!key || kr_dname_from_str(wire, sizeof(wire), key) < 0) {
		policy_error(err, errlen, "invalid TSIG key name '%s'", key ? key : "?");
		return -EINVAL;
	}
	struct view_entry *e = view_tsig_find(v, wire);
	bool created = !e;
	if (created) {
		e = calloc(1, sizeof(*e));
		uint8_t *k = malloc(KR_DNAME_MAXLEN);
		if (!e || !k) {
			free(e);
			free(k);
			return -ENOMEM;
		}
		policy_name_lower(k, wire);
		e->key = k;
		policy_ruleset_init(&e->rules);
	}
	return add_rule(v, e, created, &v->keys, &v->key_count, &v->key_cap, rule, err, errlen);
}

static bool prefix_match(const struct view_entry *e, const uint8_t *addr)
{
	int full = e->len / 8, rest = e->len % 8;
	if (memcmp(e->addr, addr, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == e->addr[full];
}

unsigned view_addr_match(const struct view *v, const struct sockaddr *sa, struct view_entry **out,
			 unsigned max)
{
	if (!sa)
		return 0;
	int family = sa->sa_family;
	const uint8_t *addr;
	if (family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		addr = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			addr += 12;
		}
	} else {
		return 0;
	}
	unsigned n = 0;
	for (uint32_t i = 0; i < v->addr_count && n < max; ++i) {
		const struct view_entry *e = v->addrs[i];
		if (e->family == family && prefix_match(e, addr))
			out[n++] = v->addrs[i];
	}
	return n;
}

const uint8_t *view_tsig_key(const kr_pkt_t *q)
{
	uint16_t n = q ? kr_pkt_count(q, KR_SECTION_ADDITIONAL) : 0;
	for (uint16_t i = n; i-- > 0;) {
		const kr_rrset_t *rr = kr_pkt_rr(q, KR_SECTION_ADDITIONAL, i);
		if (rr->type == KR_TYPE_TSIG)
			return rr->owner;
		if (rr->type != KR_TYPE_OPT)
			break;
	}
	return NULL;
}
