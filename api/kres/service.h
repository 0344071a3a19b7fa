/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Services between plugins: a plugin offers an interface under a name and
 * others look it up, without reaching into each other's private structs.
 *
 * Usage:
 *   // provider, in init:
 *   static const struct kr_root_hints_api api = { .size = sizeof(api), .get = ... };
 *   kr_service_register(KR_SERVICE_ROOT_HINTS, &api);
 *   // consumer, per use (cheap):
 *   const struct kr_root_hints_api *h = kr_service_get(KR_SERVICE_ROOT_HINTS);
 *   if (h && h->size >= offsetof(...)) ...
 */
#pragma once

#include <kres/defines.h>
#include <kres/request.h>

/**
 * Offer iface under name. Every interface struct starts with its size_t size.
 * @return 0, -EEXIST (another provider holds the name), -ENOMEM.
 * @note iface is borrowed: it must stay valid until kr_service_unregister().
 */
KR_EXPORT int kr_service_register(const char *name, const void *iface);
/** Withdraw iface (only its provider's pointer is removed). @return 0 or -ENOENT. */
KR_EXPORT int kr_service_unregister(const char *name, const void *iface);
/** The interface offered under name, or NULL. */
KR_EXPORT const void *kr_service_get(const char *name);

/** Name of the root hints service (offered by the hints plugin). */
#define KR_SERVICE_ROOT_HINTS "root_hints"

/** Root server addresses, for iteration to start from. */
struct kr_root_hints_api {
	size_t size;
	/**
	 * Fill out with up to max addresses of root servers (port 53), in a
	 * random order each call.
	 * @return the number written.
	 */
	int (*get)(union kr_sockaddr *out, int max);
};
