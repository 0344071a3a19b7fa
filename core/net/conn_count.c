/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Open client connections per client, for the per-client connection cap.
 * A client is an IPv4 address or an IPv6 /64 (what one host usually gets).
 * Touched on accept and close only, never per query.
 */
#include <stdlib.h>
#include <string.h>
#include "core/net/worker-impl.h"

#define BUCKETS 1024

struct entry {
	uint8_t key[9];   /* family byte, then 4 or 8 address bytes */
	unsigned count;
	struct entry *next;
};

static struct entry *table[BUCKETS];

static void make_key(const union kr_sockaddr *sa, uint8_t key[9])
{
	memset(key, 0, 9);
	key[0] = (uint8_t)sa->ip.sa_family;
	if (sa->ip.sa_family == AF_INET)
		memcpy(key + 1, &sa->ip4.sin_addr, 4);
	else if (sa->ip.sa_family == AF_INET6)
		memcpy(key + 1, &sa->ip6.sin6_addr, 8);
}

static unsigned bucket(const uint8_t key[9])
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (int i = 0; i < 9; ++i)
		h = (h ^ key[i]) * 16777619u;
	return h % BUCKETS;
}

unsigned kr__conn_count_add(const union kr_sockaddr *sa)
{
	uint8_t key[9];
	make_key(sa, key);
	struct entry **pe = &table[bucket(key)];
	for (struct entry *e = *pe; e; e = e->next)
		if (memcmp(e->key, key, sizeof(key)) == 0)
			return ++e->count;
	struct entry *e = malloc(sizeof(*e));
	if (!e)
		return 0;
	memcpy(e->key, key, sizeof(key));
	e->count = 1;
	e->next = *pe;
	*pe = e;
	return 1;
}

void kr__conn_count_del(const union kr_sockaddr *sa)
{
	uint8_t key[9];
	make_key(sa, key);
	for (struct entry **pe = &table[bucket(key)]; *pe; pe = &(*pe)->next) {
		struct entry *e = *pe;
		if (memcmp(e->key, key, sizeof(key)) != 0)
			continue;
		if (--e->count == 0) {
			*pe = e->next;
			free(e);
		}
		return;
	}
}
