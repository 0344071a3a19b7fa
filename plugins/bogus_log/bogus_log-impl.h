/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bogus_log plugin's internals: the bounded table of frequent bogus names. */
#pragma once
#include <stdint.h>
#include <kres/kres.h>

/** Entries kept by default: the most frequent (name, type) pairs. */
#define BOGUS_LOG_DEFAULT_SIZE 1000

struct bogus_log_entry {
	uint8_t name[KR_DNAME_MAXLEN];   /**< lower case */
	uint16_t type;
	uint64_t count;
};

/**
 * A fixed-size frequency table (the "space saving" scheme): when full, a new
 * pair takes the place of the least counted one and inherits its count, so
 * a pair seen often is never lost to a stream of rare ones.
 */
struct bogus_log_table {
	struct bogus_log_entry *e;   /**< malloc()ed, cap entries */
	unsigned len, cap;
};

/** @return 0 or -ENOMEM. */
int bogus_log_table_init(struct bogus_log_table *t, unsigned cap);
void bogus_log_table_free(struct bogus_log_table *t);
void bogus_log_table_clear(struct bogus_log_table *t);
/** Count one failure of (name, type). */
void bogus_log_table_add(struct bogus_log_table *t, const uint8_t *name, uint16_t type);
/**
 * The max most counted entries, most counted first (ties: by name, type).
 * @param out at least max pointers into the table (valid until it changes)
 * @return the number written.
 */
unsigned bogus_log_table_top(const struct bogus_log_table *t, const struct bogus_log_entry **out,
			     unsigned max);
