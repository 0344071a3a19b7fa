/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stats props: list, get, set, frequent, clear_frequent, upstreams. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/stats/stats-impl.h"

static json_t *args_load(const char *args)
{
	json_error_t jerr;
	return args ? json_loads(args, JSON_DECODE_ANY, &jerr) : NULL;
}

static int builtin_find(const char *key)
{
	for (int i = 0; i < STATS_COUNT; ++i)
		if (strcmp(stats_names[i], key) == 0)
			return i;
	return -1;
}

static struct stats_user *user_find(struct stats *s, const char *key)
{
	for (uint32_t i = 0; i < s->user_count; ++i)
		if (strcmp(s->user[i].key, key) == 0)
			return &s->user[i];
	return NULL;
}

char *stats_prop_list(struct stats *s, const char *args)
{
	json_t *a = args_load(args);
	const char *prefix = json_is_string(a) ? json_string_value(a) : "";
	size_t plen = strlen(prefix);
	json_t *o = json_object();
	for (int i = 0; o && i < STATS_COUNT; ++i)
		if (strncmp(stats_names[i], prefix, plen) == 0)
			json_object_set_new(o, stats_names[i], json_integer((json_int_t)s->c[i]));
	for (uint32_t i = 0; o && i < s->user_count; ++i)
		if (strncmp(s->user[i].key, prefix, plen) == 0)
			json_object_set_new(o, s->user[i].key, json_real(s->user[i].value));
	json_decref(a);
	return json_out(o);
}

char *stats_prop_get(struct stats *s, const char *args)
{
	json_t *a = args_load(args);
	const char *key = json_string_value(a);
	char *out = NULL;
	if (!key) {
		out = error_out("stats.get(key): expected a key such as 'answer.total'");
	} else {
		int i = builtin_find(key);
		struct stats_user *u = i < 0 ? user_find(s, key) : NULL;
		if (i >= 0)
			out = json_out(json_integer((json_int_t)s->c[i]));
		else if (u)
			out = json_out(json_real(u->value));
	}
	json_decref(a);
	return out;
}

char *stats_prop_set(struct stats *s, const char *args)
{
	json_t *a = args_load(args);
	const char *key = json_string_value(json_array_get(a, 0));
	json_t *val = json_array_get(a, 1);
	char *out = NULL;
	if (!key || !*key || !json_is_number(val)) {
		out = error_out("stats.set(key, value): expected a key and a number");
		goto done;
	}
	double v = json_number_value(val);
	int i = builtin_find(key);
	if (i >= 0) {
		if (v < 0) {
			out = error_out("stats.set: built-in counters cannot be negative");
			goto done;
		}
		s->c[i] = (uint64_t)v;
		goto done;
	}
	struct stats_user *u = user_find(s, key);
	if (!u) {
		if (s->user_count == s->user_cap) {
			uint32_t ncap = s->user_cap ? s->user_cap * 2 : 8;
			void *n = realloc(s->user, ncap * sizeof(*s->user));
			if (!n) {
				out = error_out("out of memory");
				goto done;
			}
			s->user = n;
			s->user_cap = ncap;
		}
		char *k = strdup(key);
		if (!k) {
			out = error_out("out of memory");
			goto done;
		}
		u = &s->user[s->user_count++];
		u->key = k;
	}
	u->value = v;
done:
	json_decref(a);
	return out;
}

static int by_count(const void *a, const void *b)
{
	const struct stats_freq_slot *x = *(const struct stats_freq_slot *const *)a;
	const struct stats_freq_slot *y = *(const struct stats_freq_slot *const *)b;
	return x->count > y->count ? -1 : x->count < y->count;
}

char *stats_prop_frequent(struct stats *s, const char *args)
{
	(void)args;
	const struct stats_freq_slot *list[STATS_FREQ_SETS * STATS_FREQ_WAYS];
	size_t n = 0;
	for (int i = 0; i < STATS_FREQ_SETS; ++i)
		for (int w = 0; w < STATS_FREQ_WAYS; ++w)
			if (s->freq.slots[i][w].count)
				list[n++] = &s->freq.slots[i][w];
	qsort(list, n, sizeof(list[0]), by_count);
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; ++i) {
		char name[KR_DNAME_MAXTEXT], type[16];
		kr_dname_to_str(name, sizeof(name), list[i]->name);
		kr_rrtype_to_str(list[i]->type, type, sizeof(type));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "name", name, "type", type,
						     "count", (json_int_t)list[i]->count));
	}
	return json_out(arr);
}

char *stats_prop_clear_frequent(struct stats *s, const char *args)
{
	(void)args;
	stats_freq_clear(&s->freq);
	return json_out(json_true());
}

char *stats_prop_upstreams(struct stats *s, const char *args)
{
	(void)args;
	json_t *o = json_object();
	for (int i = 0; o && i < STATS_UP_ADDRS; ++i) {
		const struct stats_upstream *u = &s->up[i];
		int fam = u->addr.ip.sa_family;
		if (!fam)
			continue;
		char a[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 8];
		const void *bytes = fam == AF_INET ? (const void *)&u->addr.ip4.sin_addr
			: (const void *)&u->addr.ip6.sin6_addr;
		uint16_t port = ntohs(fam == AF_INET ? u->addr.ip4.sin_port : u->addr.ip6.sin6_port);
		inet_ntop(fam, bytes, a, sizeof(a));
		if (port == 53)
			snprintf(key, sizeof(key), "%s", a);
		else
			snprintf(key, sizeof(key), "%s#%u", a, port);
		/* Oldest sample first. */
		json_t *rtts = json_array();
		uint32_t n = u->count < STATS_UP_SAMPLES ? u->count : STATS_UP_SAMPLES;
		for (uint32_t k = u->count - n; k < u->count; ++k)
			json_array_append_new(rtts, json_integer(u->rtt[k % STATS_UP_SAMPLES]));
		json_object_set_new(o, key, rtts);
	}
	return json_out(o);
}
