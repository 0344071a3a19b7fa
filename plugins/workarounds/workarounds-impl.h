/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The workarounds plugin's parts shared between its files and the unit tests. */
#pragma once

#include <kres/kres.h>

#define WORKAROUNDS_ERRLEN 256

/** A list of domains (wire names, lower case). @note the names are malloc()ed, owned by the list. */
struct workarounds_list {
	uint8_t **name;
	unsigned count;
};

/** The configuration. */
struct workarounds {
	struct workarounds_list no_0x20;   /**< configured domains whose servers mishandle 0x20 */
};

/**
 * Domains known to mishandle 0x20 letter case randomisation (answering with
 * the name in another case, or not at all), as Knot Resolver 5 lists them.
 * NULL-terminated, presentation format.
 */
extern const char *const workarounds_no_0x20_builtin[];

/** Is name at or below one of the built-in domains or one of c's no_0x20 domains? */
bool workarounds_no_0x20(const struct workarounds *c, const uint8_t *name);
/** Release the names of the list. */
void workarounds_list_free(struct workarounds_list *l);
/**
 * Configure from JSON text: {"no_0x20": ["example.com", ...]} (the list
 * replaces the configured one; the built-in list always applies).
 * On error c is unchanged. @return 0, -EINVAL (err says why) or -ENOMEM.
 */
int workarounds_configure(struct workarounds *c, const char *json, char *err, size_t errlen);
