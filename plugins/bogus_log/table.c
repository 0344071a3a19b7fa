/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bounded frequency table of bogus (name, type) pairs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/bogus_log/bogus_log-impl.h"

int bogus_log_table_init(struct bogus_log_table *t, unsigned cap)
{
	memset(t, 0, sizeof(*t));
	if (cap == 0)
		return 0;
	t->e = calloc(cap, sizeof(*t->e));
	if (!t->e)
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

void bogus_log_table_free(struct bogus_log_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

void bogus_log_table_clear(struct bogus_log_table *t)
{
	t->len = 0;
}

void bogus_log_table_add(struct bogus_log_table *t, const uint8_t *name, uint16_t type)
{
	if (!t->cap || !name)
		return;
	uint8_t lower[KR_DNAME_MAXLEN];
	size_t size = kr_dname_size(name);
	if (size == 0 || size > sizeof(lower))
		return;
	memcpy(lower, name, size);
	kr_dname_lower(lower);
	unsigned least = 0;
	for (unsigned i = 0; i < t->len; ++i) {
		if (t->e[i].type == type && kr_dname_eq(t->e[i].name, lower)) {
			++t->e[i].count;
			return;
		}
		if (t->e[i].count < t->e[least].count)
			least = i;
	}
	struct bogus_log_entry *e;
	uint64_t base = 0;
	if (t->len < t->cap) {
		e = &t->e[t->len++];
	} else {
		e = &t->e[least];
		base = e->count;
	}
	memcpy(e->name, lower, size);
	e->type = type;
	e->count = base + 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct bogus_log_entry *x = *(const struct bogus_log_entry *const *)a;
	const struct bogus_log_entry *y = *(const struct bogus_log_entry *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t lx = kr_dname_size(x->name), ly = kr_dname_size(y->name);
	int c = memcmp(x->name, y->name, lx < ly ? lx : ly);
	if (c || lx != ly)
		return c ? c : (lx < ly ? -1 : 1);
	return (int)x->type - (int)y->type;
}

unsigned bogus_log_table_top(const struct bogus_log_table *t, const struct bogus_log_entry **out,
			     unsigned max)
{
	if (!t->len || !max)
		return 0;
	const struct bogus_log_entry **all = malloc(t->len * sizeof(*all));
	if (!all)
		return 0;
	for (unsigned i = 0; i < t->len; ++i)
		all[i] = &t->e[i];
	qsort(all, t->len, sizeof(*all), entry_cmp);
	unsigned n = t->len < max ? t->len : max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}
