/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How upstream servers reached over TLS are authenticated: per address, a CA
 * bundle with a host name (checked by mbed TLS during the handshake) and/or
 * SPKI pins (checked right after it, before any query is written).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/tls.h>
#include "core/net/net.h"
#include "core/net/tls.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static struct kr_tls_upstream *upstreams;

struct kr_tls_upstream *kr__tls_upstream_find(const struct sockaddr *addr)
{
	for (struct kr_tls_upstream *u = upstreams; u; u = u->next)
		if (kr__net_addr_eq(&u->addr, addr))
			return u;
	return NULL;
}

struct kr_tls_upstream *kr__tls_upstream_ref(struct kr_tls_upstream *u)
{
	++u->refs;
	return u;
}

void kr__tls_upstream_unref(struct kr_tls_upstream *u)
{
	if (!u || --u->refs > 0)
		return;
	mbedtls_ssl_config_free(&u->conf);
	mbedtls_x509_crt_free(&u->ca);
	free(u->hostname);
	free(u);
}

void kr__tls_upstream_clear(void)
{
	while (upstreams) {
		struct kr_tls_upstream *u = upstreams;
		upstreams = u->next;
		kr__tls_upstream_unref(u);
	}
}

int kr_tls_upstream_set(const struct sockaddr *addr, const char *hostname, const char *ca_file,
			const char *const *pins, size_t pin_count, char *err, size_t errlen)
{
	char e[128];
	if (!addr || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
		snprintf(err, errlen, "not an IP address");
		return -EINVAL;
	}
	if (!hostname && !ca_file && pin_count == 0) {
		snprintf(err, errlen, "give hostname (and ca_file) or pin_sha256 to authenticate the server by");
		return -EINVAL;
	}
	if (ca_file && !hostname) {
		snprintf(err, errlen, "ca_file '%s' needs a hostname to check the certificate against", ca_file);
		return -EINVAL;
	}
	if (pin_count > KR_TLS_PINS_MAX) {
		snprintf(err, errlen, "at most %d pins per server", KR_TLS_PINS_MAX);
		return -EINVAL;
	}
	mbedtls_ctr_drbg_context *rng = kr__tls_rng();
	struct kr_tls_upstream *u = calloc(1, sizeof(*u));
	if (!u || !rng) {
		free(u);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	u->refs = 1;
	memcpy(&u->addr, addr, addr->sa_family == AF_INET ? sizeof(u->addr.ip4) : sizeof(u->addr.ip6));
	mbedtls_ssl_config_init(&u->conf);
	mbedtls_x509_crt_init(&u->ca);
	int ret = 0;
	for (size_t i = 0; i < pin_count; ++i) {
		if (kr__tls_pin_decode(pins[i], u->pins[i]) != 0) {
			snprintf(err, errlen, "pin_sha256 '%s' is not the base64 of a SHA-256 digest",
				 pins[i] ? pins[i] : "?");
			ret = -EINVAL;
			goto fail;
		}
	}
	u->pin_count = (unsigned)pin_count;
	/* With pins only, the name is just sent as SNI: the pins decide. */
	u->check_ca = ca_file || (hostname && pin_count == 0);
	if (u->check_ca) {
		const char *file = ca_file ? ca_file : SYSTEM_CA_BUNDLE;
		int r = mbedtls_x509_crt_parse_file(&u->ca, file);
		if (r != 0) {   /* > 0: some certificates of the bundle were skipped, the rest loaded */
			if (r < 0 || u->ca.version == 0) {
				snprintf(err, errlen, "cannot load CA certificates from '%s': %s", file,
					 r < 0 ? kr__tls_strerror(r, e, sizeof(e)) : "none usable");
				ret = -EINVAL;
				goto fail;
			}
		}
	}
	if (hostname && !(u->hostname = strdup(hostname))) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = mbedtls_ssl_config_defaults(&u->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		snprintf(err, errlen, "cannot set up TLS: %s", kr__tls_strerror(ret, e, sizeof(e)));
		ret = -EINVAL;
		goto fail;
	}
	kr__tls_conf_common(&u->conf, rng);
	if (u->check_ca) {
		mbedtls_ssl_conf_authmode(&u->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_ca_chain(&u->conf, &u->ca, NULL);
	} else {
		/* The chain is not what is trusted here: the pins are, checked after the handshake. */
		mbedtls_ssl_conf_authmode(&u->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	}
	/* Replace an earlier setting for the address; its users keep their reference. */
	for (struct kr_tls_upstream **pu = &upstreams; *pu; pu = &(*pu)->next) {
		if (kr__net_addr_eq(&(*pu)->addr, addr)) {
			struct kr_tls_upstream *old = *pu;
			*pu = old->next;
			kr__tls_upstream_unref(old);
			break;
		}
	}
	u->next = upstreams;
	upstreams = u;
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	kr__tls_upstream_unref(u);
	return ret;
}

int kr__tls_upstream_verify(const struct kr_tls_upstream *u, const mbedtls_ssl_context *ssl,
			    char *err, size_t errlen)
{
	if (u->pin_count == 0)
		return 0;   /* the chain and the name were checked in the handshake */
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);
	uint8_t pin[KR_TLS_PIN_LEN];
	if (!peer || kr__tls_spki_pin_raw(peer, pin) != 0) {
		snprintf(err, errlen, "no usable certificate from the server");
		return -EPERM;
	}
	for (unsigned i = 0; i < u->pin_count; ++i)
		if (memcmp(pin, u->pins[i], KR_TLS_PIN_LEN) == 0)
			return 0;
	char b64[KR_TLS_PIN_B64] = "?";
	kr__tls_spki_pin(peer, b64);
	snprintf(err, errlen, "the server's public key (pin_sha256 %s) matches none of the %u pins configured",
		 b64, u->pin_count);
	return -EPERM;
}
