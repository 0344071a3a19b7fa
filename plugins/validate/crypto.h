/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The validate plugin's crypto backend: signature verification and digests
 * for DNSSEC. One implementation is linked in, chosen at configure time
 * (--with-crypto): crypto_openssl.c (OpenSSL 3 libcrypto, the default) or
 * crypto_mbedtls.c (mbed TLS 2.28, with nettle's hogweed for EdDSA). Both
 * support the same algorithms (5, 7, 8, 10, 13-16) and DS digests (1, 2, 4)
 * and give the same results; tests/unit/plugins/validate/test_dnssec.c runs
 * against each (scripts/test.sh), tests/bench/verify.c times them.
 *
 * Usage:
 *   int r = validate_crypto_verify(13, key, keylen, data, datalen, sig, siglen);
 *   if (r == -ENOTSUP) ... treat the zone as insecure (RFC 6840 5.2) ...
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/**
 * Verify sig over data with the DNSKEY public key field key (RFC 3110, 6605, 8080 formats).
 * @return 0 (valid), -EBADMSG (invalid signature or malformed key/signature),
 *         -ENOTSUP (unknown or unsupported algorithm), -ENOMEM.
 */
int validate_crypto_verify(uint8_t alg, const uint8_t *key, size_t keylen,
			   const uint8_t *data, size_t datalen, const uint8_t *sig, size_t siglen);

/** Is the algorithm supported by this backend? */
int validate_crypto_alg_supported(uint8_t alg);

/**
 * Digest for DS (1 SHA-1, 2 SHA-256, 4 SHA-384) of data into out.
 * @return the digest length, -ENOTSUP, or -ENOMEM.
 */
int validate_crypto_digest(uint8_t type, const uint8_t *data, size_t len, uint8_t *out, size_t outmax);

/** Release what the backend keeps between calls (parsed keys); at plugin unload. */
void validate_crypto_deinit(void);

/** SHA-1 (for NSEC3 hashing). @return 0 or -ENOMEM. */
int validate_crypto_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[20]);
