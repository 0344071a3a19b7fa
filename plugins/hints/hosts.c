/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hosts files (/etc/hosts format) into the hints table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/hints/hints-impl.h"

#define HOSTS_SEP " \t\r\n"

void hints_error(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[HINTS_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kr_log_error(hints, "%s", msg);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/**
 * Add one line "address name [name...]" (comment already cut off).
 * @return pairs added (0 for a blank line), or -1 with why set for a bad line.
 */
static int hosts_line(struct hints_table *t, char *line, const char **why, const char **what)
{
	char *save = NULL;
	char *addr_text = strtok_r(line, HOSTS_SEP, &save);
	if (!addr_text)
		return 0;
	struct hints_addr addr;
	if (hints_addr_parse(addr_text, &addr) != 0) {
		*why = "invalid address";
		*what = addr_text;
		return -1;
	}
	int added = 0;
	char *name_text;
	while ((name_text = strtok_r(NULL, HOSTS_SEP, &save))) {
		uint8_t name[KR_DNAME_MAXLEN];
		if (kr_dname_from_str(name, sizeof(name), name_text) < 0) {
			*why = "invalid name";
			*what = name_text;
			return -1;
		}
		if (hints_pair_add(t, name, &addr) != 0) {
			*why = "out of memory at";
			*what = name_text;
			return -1;
		}
		++added;
	}
	if (!added) {
		*why = "no name for address";
		*what = addr_text;
		return -1;
	}
	return added;
}

int hints_hosts_load(struct hints_table *t, const char *path, unsigned *added,
		     char *err, size_t errlen)
{
	unsigned pairs = 0, bad = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		int ret = -errno;
		hints_error(err, errlen, "%s: cannot read hosts file: %s", path, kr_strerror(ret));
		return ret;
	}
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	while (getline(&line, &cap, f) >= 0) {
		++lineno;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		const char *why = NULL, *what = NULL;
		int n = hosts_line(t, line, &why, &what);
		if (n >= 0) {
			pairs += (unsigned)n;
			continue;
		}
		/* Keep the first problem for the caller; log every one. */
		if (bad++ == 0)
			hints_error(err, errlen, "%s:%u: %s '%s'", path, lineno, why, what);
		else
			hints_error(NULL, 0, "%s:%u: %s '%s'", path, lineno, why, what);
	}
	free(line);
	fclose(f);
	if (added)
		*added = pairs;
	kr_log_info(hints, "loaded %u name/address pairs from %s", pairs, path);
	if (bad > 1 && err && errlen) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, " (and %u more bad lines)", bad - 1);
	}
	return bad ? KR_EMALF : 0;
}
