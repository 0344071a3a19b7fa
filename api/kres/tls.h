/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Upstream servers reached over DNS over TLS (RFC 7858): how each is
 * authenticated. A layer that sets KR_QF_TLS on a sub-query has its outgoing
 * query sent over TLS to ns_addr[], each address authenticated as configured
 * here; an address with no configuration is never contacted over TLS.
 *
 * Usage (policy.TLS_FORWARD does this for each of its targets):
 *   const char *pins[] = { "base64 of SHA-256 of the SPKI" };
 *   char err[256];
 *   if (kr_tls_upstream_set(&sa.ip, NULL, NULL, pins, 1, err, sizeof(err)) != 0)
 *           kr_log(KR_LOG_ERR, "my", "%s", err);
 */
#pragma once

#include <stddef.h>
#include <kres/defines.h>
#include <kres/request.h>

/**
 * Authenticate the upstream at addr (port included) by a CA bundle and host
 * name, by SPKI pins, or both (both must then pass). A host name alone is
 * checked against the system's CA bundle. Replaces an earlier setting for the
 * address; connections already open keep the one they were made with.
 * @param hostname  name the certificate must hold (also sent as SNI), or NULL
 * @param ca_file   PEM bundle of trusted CAs, or NULL
 * @param pins      base64 SHA-256 digests of acceptable public keys (SubjectPublicKeyInfo)
 * @return 0, -EINVAL (nothing to authenticate by, a CA file without a host
 *         name, a bad pin, too many pins, an unreadable CA file: err says which),
 *         or -ENOMEM.
 * @note strings are copied.
 */
KR_EXPORT int kr_tls_upstream_set(const struct sockaddr *addr, const char *hostname, const char *ca_file,
				  const char *const *pins, size_t pin_count, char *err, size_t errlen);
