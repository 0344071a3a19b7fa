/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * crypto.h over mbed TLS 2.28: RSA (5, 7, 8, 10), ECDSA (13, 14) and the SHA
 * digests; and over nettle's hogweed for EdDSA (15, 16), which mbed TLS 2.28
 * lacks. Accepts and refuses what crypto_openssl.c does, except RSA keys
 * that mbed TLS's key check refuses: moduli above 8192 bits
 * (MBEDTLS_MPI_MAX_BITS; RFC 3110 keys stop at 4096) or below 128, even
 * moduli, even exponents or exponents below 3 give -EBADMSG here whatever
 * the signature.
 */
#include <errno.h>
#include <string.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <nettle/eddsa.h>
#include "plugins/validate/crypto.h"

int validate_crypto_alg_supported(uint8_t alg)
{
	switch (alg) {
	case 5: case 7: case 8: case 10: case 13: case 14: case 15: case 16:
		return 1;
	default:
		return 0;
	}
}

/**
 * An mbed TLS result as ours. Its codes may be a high-level one (bits 7-14)
 * plus the low-level cause (bits 0-6): an allocation failure at either level
 * is -ENOMEM, anything else a bad key or signature.
 */
static int from_mbedtls(int r)
{
	if (r == 0)
		return 0;
	int low = -(-r & 0x7f), high = -(-r & ~0x7f);
	if (low == MBEDTLS_ERR_MPI_ALLOC_FAILED || high == MBEDTLS_ERR_ECP_ALLOC_FAILED)
		return -ENOMEM;
	return -EBADMSG;
}

/** SHA-1 (bits 1), SHA-256, SHA-384 or SHA-512 of data into out (64 bytes). @return its length or -ENOMEM. */
static int sha(int bits, const uint8_t *data, size_t len, uint8_t out[64])
{
	switch (bits) {
	case 1:
		return mbedtls_sha1_ret(data, len, out) ? -ENOMEM : 20;
	case 256:
		return mbedtls_sha256_ret(data, len, out, 0) ? -ENOMEM : 32;
	case 384:
		return mbedtls_sha512_ret(data, len, out, 1) ? -ENOMEM : 48;
	default:
		return mbedtls_sha512_ret(data, len, out, 0) ? -ENOMEM : 64;
	}
}

/** PKCS#1 v1.5 with an RFC 3110 key: exponent length (1 or 3 bytes), exponent, modulus. */
static int rsa_verify(mbedtls_md_type_t md, const uint8_t *hash, size_t hlen,
		      const uint8_t *key, size_t keylen, const uint8_t *sig, size_t siglen)
{
	if (keylen < 3)
		return -EBADMSG;
	size_t elen = key[0], off = 1;
	if (elen == 0) {
		elen = (size_t)key[1] << 8 | key[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= keylen)
		return -EBADMSG;
	mbedtls_rsa_context rsa;
	mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
	int r = mbedtls_rsa_import_raw(&rsa, key + off + elen, keylen - off - elen,
				       NULL, 0, NULL, 0, NULL, 0, key + off, elen);
	if (r == 0)
		r = mbedtls_rsa_complete(&rsa);
	if (r == 0)
		r = mbedtls_rsa_check_pubkey(&rsa);
	/* As OpenSSL: the signature is exactly as long as the modulus. */
	if (r == 0 && siglen != mbedtls_rsa_get_len(&rsa))
		r = MBEDTLS_ERR_RSA_VERIFY_FAILED;
	if (r == 0)
		r = mbedtls_rsa_pkcs1_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, md,
					     (unsigned int)hlen, hash, sig);
	mbedtls_rsa_free(&rsa);
	return from_mbedtls(r);
}

/** RFC 6605: key X | Y, signature r | s, each n bytes. */
static int ec_verify(mbedtls_ecp_group_id id, size_t n, const uint8_t *hash, size_t hlen,
		     const uint8_t *key, size_t keylen, const uint8_t *sig, size_t siglen)
{
	if (siglen != 2 * n || keylen != 2 * n)
		return -EBADMSG;
	uint8_t pt[1 + 96];
	pt[0] = 0x04;   /* uncompressed point */
	memcpy(pt + 1, key, keylen);
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	int ret = mbedtls_ecp_group_load(&grp, id);
	if (ret == 0)
		ret = mbedtls_ecp_point_read_binary(&grp, &q, pt, 1 + keylen);
	if (ret == 0)
		ret = mbedtls_ecp_check_pubkey(&grp, &q);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&r, sig, n);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&s, sig + n, n);
	if (ret == 0)
		ret = mbedtls_ecdsa_verify(&grp, hash, hlen, &q, &r, &s);
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return from_mbedtls(ret);
}

int validate_crypto_verify(uint8_t alg, const uint8_t *key, size_t keylen,
			   const uint8_t *data, size_t datalen, const uint8_t *sig, size_t siglen)
{
	mbedtls_md_type_t md = MBEDTLS_MD_NONE;
	int bits;
	switch (alg) {
	case 5: case 7: md = MBEDTLS_MD_SHA1; bits = 1; break;
	case 8: md = MBEDTLS_MD_SHA256; bits = 256; break;
	case 10: md = MBEDTLS_MD_SHA512; bits = 512; break;
	case 13:
		if (siglen != 64)
			return -EBADMSG;
		bits = 256;
		break;
	case 14:
		if (siglen != 96)
			return -EBADMSG;
		bits = 384;
		break;
	case 15:
		if (keylen != ED25519_KEY_SIZE || siglen != ED25519_SIGNATURE_SIZE)
			return -EBADMSG;
		return ed25519_sha512_verify(key, datalen, data, sig) ? 0 : -EBADMSG;
	case 16:
		if (keylen != ED448_KEY_SIZE || siglen != ED448_SIGNATURE_SIZE)
			return -EBADMSG;
		return ed448_shake256_verify(key, datalen, data, sig) ? 0 : -EBADMSG;
	default:
		return -ENOTSUP;
	}
	uint8_t hash[64];
	int hlen = sha(bits, data, datalen, hash);
	if (hlen < 0)
		return hlen;
	if (alg == 13)
		return ec_verify(MBEDTLS_ECP_DP_SECP256R1, 32, hash, (size_t)hlen, key, keylen, sig, siglen);
	if (alg == 14)
		return ec_verify(MBEDTLS_ECP_DP_SECP384R1, 48, hash, (size_t)hlen, key, keylen, sig, siglen);
	return rsa_verify(md, hash, (size_t)hlen, key, keylen, sig, siglen);
}

int validate_crypto_digest(uint8_t type, const uint8_t *data, size_t len, uint8_t *out, size_t outmax)
{
	static const struct { int bits; size_t len; } t[] = {
		[1] = { 1, 20 }, [2] = { 256, 32 }, [4] = { 384, 48 },
	};
	if (type >= sizeof(t) / sizeof(t[0]) || t[type].len == 0)
		return -ENOTSUP;
	if (t[type].len > outmax)
		return -ENOMEM;
	uint8_t buf[64];
	int r = sha(t[type].bits, data, len, buf);
	if (r > 0)
		memcpy(out, buf, (size_t)r);
	return r;
}

int validate_crypto_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[20])
{
	mbedtls_sha1_context ctx;
	mbedtls_sha1_init(&ctx);
	int r = mbedtls_sha1_starts_ret(&ctx);
	if (r == 0)
		r = mbedtls_sha1_update_ret(&ctx, a, alen);
	if (r == 0)
		r = mbedtls_sha1_update_ret(&ctx, b, blen);
	if (r == 0)
		r = mbedtls_sha1_finish_ret(&ctx, out);
	mbedtls_sha1_free(&ctx);
	return r ? -ENOMEM : 0;
}

void validate_crypto_deinit(void)
{
	/* Nothing is kept between calls. */
}
