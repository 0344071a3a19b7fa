/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crypto.h over OpenSSL 3 libcrypto: RSA (5, 7, 8, 10), ECDSA (13, 14), EdDSA (15, 16). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
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

/** RFC 3110 key: exponent length (1 or 3 bytes), exponent, modulus. */
static EVP_PKEY *rsa_key(const uint8_t *key, size_t len)
{
	if (len < 3)
		return NULL;
	size_t elen = key[0], off = 1;
	if (elen == 0) {
		elen = (size_t)key[1] << 8 | key[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= len)
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = BN_bin2bn(key + off, (int)elen, NULL);
	BIGNUM *n = BN_bin2bn(key + off + elen, (int)(len - off - elen), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!e || !n || !bld || !ctx ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	BN_free(n);
	return pkey;
}

/** RFC 6605 key: X | Y. */
static EVP_PKEY *ec_key(const char *group, const uint8_t *key, size_t len, size_t want)
{
	if (len != want)
		return NULL;
	uint8_t pt[1 + 96];
	pt[0] = 0x04;
	memcpy(pt + 1, key, len);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/** r | s (RFC 6605) to DER. @return DER length or -1; *der is OPENSSL_malloc()ed. */
static int ec_sig_der(const uint8_t *sig, size_t len, uint8_t **der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *ss = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	int ret = -1;
	if (s && r && ss && ECDSA_SIG_set0(s, r, ss)) {
		r = ss = NULL;
		*der = NULL;
		ret = i2d_ECDSA_SIG(s, der);
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return ret;
}

/** The DNSKEY public key field as an OpenSSL key, or NULL when malformed. */
static EVP_PKEY *key_parse(uint8_t alg, const uint8_t *key, size_t keylen)
{
	switch (alg) {
	case 5: case 7: case 8: case 10: return rsa_key(key, keylen);
	case 13: return ec_key("prime256v1", key, keylen, 64);
	case 14: return ec_key("secp384r1", key, keylen, 96);
	case 15: return keylen == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, keylen) : NULL;
	case 16: return keylen == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, key, keylen) : NULL;
	default: return NULL;
	}
}

/*
 * Parsed keys, kept: one DNSKEY verifies the signatures of every RR set of its
 * zone, and building the OpenSSL key costs about a fifth of a verification.
 * A small direct-mapped table by algorithm and key bytes (the validator runs in
 * one thread per process).
 */
#define KEY_SLOTS 64
static struct key_slot {
	uint8_t alg;
	uint16_t len;
	uint8_t *key;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *verify;   /**< RSA and ECDSA: set up once to verify digests, or NULL */
} key_slots[KEY_SLOTS];

/** The slot of (alg, key). */
static struct key_slot *key_slot_of(uint8_t alg, const uint8_t *key, size_t keylen)
{
	uint32_t h = 2166136261u ^ alg;   /* FNV-1a */
	for (size_t i = 0; i < keylen; ++i)
		h = (h ^ key[i]) * 16777619u;
	return &key_slots[h % KEY_SLOTS];
}

/** The parsed key, from the table or parsed now (and kept). *owned: the caller frees it. */
static EVP_PKEY *key_get(uint8_t alg, const uint8_t *key, size_t keylen, bool *owned)
{
	struct key_slot *s = key_slot_of(alg, key, keylen);
	*owned = false;
	if (s->pkey && s->alg == alg && s->len == keylen && memcmp(s->key, key, keylen) == 0)
		return s->pkey;
	EVP_PKEY *pkey = key_parse(alg, key, keylen);
	uint8_t *copy = pkey && keylen <= UINT16_MAX ? malloc(keylen) : NULL;
	if (!copy) {
		*owned = pkey != NULL;
		return pkey;
	}
	memcpy(copy, key, keylen);
	EVP_PKEY_CTX_free(s->verify);
	EVP_PKEY_free(s->pkey);
	free(s->key);
	*s = (struct key_slot){ .alg = alg, .len = (uint16_t)keylen, .key = copy, .pkey = pkey };
	return pkey;
}

/* Digests fetched once (an implicit fetch at each use costs more than the hashing). */
static EVP_MD *fetched_md[4];

/** The digest of the RSA and ECDSA algorithms, or NULL. */
static const EVP_MD *alg_md(uint8_t alg)
{
	static const char *const names[4] = { "SHA1", "SHA256", "SHA384", "SHA512" };
	int i;
	switch (alg) {
	case 5: case 7: i = 0; break;
	case 8: case 13: i = 1; break;
	case 14: i = 2; break;
	case 10: i = 3; break;
	default: return NULL;
	}
	if (!fetched_md[i])
		fetched_md[i] = EVP_MD_fetch(NULL, names[i], NULL);
	return fetched_md[i];
}

/**
 * Verify a signature over data with a kept key: the digest computed here and
 * checked with the key's verification context, set up once (EVP_PKEY_verify()
 * may be called repeatedly on one context). @return 0, -EBADMSG, or -EAGAIN
 * when the kept context cannot be used (then verify the general way).
 */
static int verify_kept(struct key_slot *s, uint8_t alg, const uint8_t *data, size_t datalen,
		       const uint8_t *sig, size_t siglen)
{
	const EVP_MD *md = alg_md(alg);
	if (!md)
		return -EAGAIN;
	if (!s->verify) {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(s->pkey, NULL);
		bool rsa = alg != 13 && alg != 14;
		if (!c || EVP_PKEY_verify_init(c) <= 0 ||
		    (rsa && (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) <= 0 ||
			     EVP_PKEY_CTX_set_signature_md(c, md) <= 0))) {
			EVP_PKEY_CTX_free(c);
			return -EAGAIN;
		}
		s->verify = c;
	}
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	if (EVP_Digest(data, datalen, digest, &dlen, md, NULL) != 1)
		return -EAGAIN;
	return EVP_PKEY_verify(s->verify, sig, siglen, digest, dlen) == 1 ? 0 : -EBADMSG;
}

void validate_crypto_deinit(void)
{
	for (size_t i = 0; i < 4; ++i) {
		EVP_MD_free(fetched_md[i]);
		fetched_md[i] = NULL;
	}
	for (size_t i = 0; i < KEY_SLOTS; ++i) {
		EVP_PKEY_CTX_free(key_slots[i].verify);
		EVP_PKEY_free(key_slots[i].pkey);
		free(key_slots[i].key);
		key_slots[i] = (struct key_slot){ 0 };
	}
}

int validate_crypto_verify(uint8_t alg, const uint8_t *key, size_t keylen,
			   const uint8_t *data, size_t datalen, const uint8_t *sig, size_t siglen)
{
	const EVP_MD *md = NULL;
	uint8_t *der = NULL;
	switch (alg) {
	case 5: case 7: md = EVP_sha1(); break;
	case 8: md = EVP_sha256(); break;
	case 10: md = EVP_sha512(); break;
	case 13:
		md = EVP_sha256();
		if (siglen != 64)
			return -EBADMSG;
		break;
	case 14:
		md = EVP_sha384();
		if (siglen != 96)
			return -EBADMSG;
		break;
	case 15:
		if (keylen != 32 || siglen != 64)
			return -EBADMSG;
		break;
	case 16:
		if (keylen != 57 || siglen != 114)
			return -EBADMSG;
		break;
	default:
		return -ENOTSUP;
	}
	bool owned;
	EVP_PKEY *pkey = key_get(alg, key, keylen, &owned);
	if (!pkey)
		return -EBADMSG;
	if (alg == 13 || alg == 14) {
		int dlen = ec_sig_der(sig, siglen, &der);
		if (dlen < 0) {
			if (owned)
				EVP_PKEY_free(pkey);
			return -ENOMEM;
		}
		sig = der;
		siglen = (size_t)dlen;
	}
	int ret = -EAGAIN;
	if (!owned)
		ret = verify_kept(key_slot_of(alg, key, keylen), alg, data, datalen, sig, siglen);
	if (ret != -EAGAIN) {
		OPENSSL_free(der);
		return ret;
	}
	ret = -EBADMSG;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		ret = -ENOMEM;
	else if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, siglen, data, datalen) == 1)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	if (owned)
		EVP_PKEY_free(pkey);
	OPENSSL_free(der);
	return ret;
}

int validate_crypto_digest(uint8_t type, const uint8_t *data, size_t len, uint8_t *out, size_t outmax)
{
	const EVP_MD *md;
	switch (type) {
	case 1: md = EVP_sha1(); break;
	case 2: md = EVP_sha256(); break;
	case 4: md = EVP_sha384(); break;
	default: return -ENOTSUP;
	}
	if ((size_t)EVP_MD_get_size(md) > outmax)
		return -ENOMEM;
	unsigned int olen = 0;
	if (EVP_Digest(data, len, out, &olen, md, NULL) != 1)
		return -ENOMEM;
	return (int)olen;
}

int validate_crypto_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, a, alen) == 1 && EVP_DigestUpdate(ctx, b, blen) == 1 &&
		 EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}
