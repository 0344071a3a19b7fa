/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/validate/dnssec.c and the crypto backend, with published vectors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/plugins/validate/arena_fixture.h"

static void rr_add(kr_rrset_t *dst, const char *line)
{
	kr_rrset_t *one = rr_parse(line);
	const struct kr_rdata *rd = kr_rdataset_first(&one->rrs);
	ck_assert_int_eq(kr_rrset_add_rdata(dst, rd->data, rd->len, mm), 0);
}

/*
 * Signatures made with independent code (dnspython + pyca/cryptography) for
 * ECDSA P-256 (13), P-384 (14), Ed25519 (15) and RSA/SHA-256 (8): key, RRSIG
 * over www.example.net. A {192.0.2.1, 192.0.2.2}, DS SHA-256 of the key.
 */
static const struct { const char *key, *sig, *ds; } vec[] = {
	{ "example.net. 3600 IN DNSKEY 257 3 13 QaLFk1xujozp0wc2zlPLjyzdNJKReJm20fUzJl3m43BCeczIy2n137lQBlktrPXdEbp/EsdS2gp22WfvXkLoGw==",
	  "www.example.net. 3600 IN RRSIG A 13 3 3600 20101117132000 20100724193320 24399 example.net. cwXJx9weAxmb9ym/H1WtgcaVh2L+JjSs6zrT87w0NZV92Ys5NFa1c3ZxShU5LWje45UqbNYzySDXZVolyH8t5Q==",
	  "example.net. 3600 IN DS 24399 13 2 fe0625c095444df2111b6f17b61c4cf317d6a7a56b08c38282331c0924f3ef16" },
	{ "example.net. 3600 IN DNSKEY 257 3 14 F2WGRLP7FbuuPtHJ/Jv8C2osvCFx9/hEf+na6XDyBGq5uOBj5TC6gPwP0S9MHaAp6WFVKPYU0/uJmmV12OiFcNGohYHQHCodBqNT8JlHcKtzpoiHAAJwZ7ST+UenOnHm",
	  "www.example.net. 3600 IN RRSIG A 14 3 3600 20101117132000 20100724193320 30642 example.net. wahztrlsh4RPYDqAL6PcxgyVauxzNetY8vr2GmV0HYI1wmOBRe0zelUSNXp0dquZLKmpuT5OAWp3Ht6DGKcV92N/B5zl4S4CHgmlh1S4McK2uFv73LcT4AJHSj932EAo",
	  "example.net. 3600 IN DS 30642 14 2 1e202fad78fb7c68975aa952a264eada21b87bfff8f482e25695cbd214098c80" },
	{ "example.net. 3600 IN DNSKEY 257 3 15 HKK9RtFXfcFb+2qZDv8ot/pUb8AbB/FbYIU8ZJrk1pM=",
	  "www.example.net. 3600 IN RRSIG A 15 3 3600 20101117132000 20100724193320 45111 example.net. Zul3jM3PvAI4dzhVeswICmD9FbvJdK6Y10srMKMjhbjvUNYBUM5WIltgRGOPxAs4/0G1llzvleYWGM5NaCwdBA==",
	  "example.net. 3600 IN DS 45111 15 2 5a7d6817b0e0ade34a12fe3d5ef7b86324d5c22cde8f8210826f5e1d86b88c8c" },
	{ "example.net. 3600 IN DNSKEY 257 3 8 AwEAAcN0u/DyHcFvej+ca6sKZnqlofQGSFi0m6CpmlCn6/8c+/rY6Sw11s2rNymH6ZWjLS2jmpsY79Nv5WCEnBjav/J658p5dE75tFvTduIU9KcfZBJKvOIjQ2SWgWNrwV5P2bC4MeboWNwVP3m8TsXLvxNsPVnvjxzfPeyFtiLj3q3R",
	  "www.example.net. 3600 IN RRSIG A 8 3 3600 20101117132000 20100724193320 48607 example.net. GMcyMWp1ObBX7GwTYYA1WYCF6VDZ0PVIcC+RG8U90bCuBVkFUAJiZq+DVQBgzjAzk2RUr39yoI1kcZDwgVIjfmr/9HjPfUKfE9sT+K+RTDVcBYXGGV0ZQInOVq7oIk+cyoA5/EbS6ptZxdT3nR58RXAYwlFgADciYN0ScjaDTXY=",
	  "example.net. 3600 IN DS 48607 8 2 fe7bdcd2312acb500cfec2b9435e3b15f11b15472baac0f72a8d1bd9ec46dfe3" },
};
#define VEC_NOW 1283000000u   /* inside 20100724193320 .. 20101117132000 */

START_TEST(test_anchor_lines)
{
	struct validate v = { 0 };
	/* Numbers or mnemonics, DS or DNSKEY; both anchors end up under their owner. */
	ck_assert_int_eq(validate_ta_add(&v, "example.com. 3600 IN DS 30899 RSASHA1 1 f7ed618f24d5e5202927e1d27bc2e84a141cb4b3"), 0);
	ck_assert_int_eq(validate_ta_add(&v, "example.com. DS 30899 5 1 f7ed618f24d5e5202927e1d27bc2e84a141cb4b3"), 0);
	ck_assert_int_eq(validate_ta_add(&v, "example.net. DNSKEY 257 3 ECDSAP256SHA256 QaLFk1xujozp0wc2zlPLjyzdNJKReJm20fUzJl3m43BCeczIy2n137lQBlktrPXdEbp/EsdS2gp22WfvXkLoGw=="), 0);
	uint8_t name[KR_DNAME_MAXLEN];
	kr_dname_from_str(name, sizeof(name), "www.example.com.");
	const struct validate_ta *t = validate_ta_find(&v, name);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->ds.rrs.count, 2);
	const struct kr_rdata *rd = kr_rdataset_first(&t->ds.rrs);
	ck_assert_uint_eq(rd->data[2], 5);   /* RSASHA1 written as its number */
	kr_dname_from_str(name, sizeof(name), "example.net.");
	t = validate_ta_find(&v, name);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(kr_rdataset_first(&t->keys.rrs)->data[3], 13);
	/* Not an anchor, or an unknown mnemonic. */
	ck_assert_int_eq(validate_ta_add(&v, "example.org. A 192.0.2.1"), -EINVAL);
	ck_assert_int_eq(validate_ta_add(&v, "example.org. DS 1 NOSUCHALG 1 f7ed618f24d5e5202927e1d27bc2e84a141cb4b3"), -EINVAL);
	validate_ta_free(&v);
}
END_TEST

START_TEST(test_verify)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); ++i) {
		kr_rrset_t *key = rr_parse(vec[i].key), *sig = rr_parse(vec[i].sig);
		kr_rrset_t *a = rr_parse("www.example.net. 3600 IN A 192.0.2.2");
		rr_add(a, "WWW.example.net. 3600 IN A 192.0.2.1");   /* order and case do not matter */
		ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), 0);
		/* outside the validity window */
		ck_assert_int_eq(validate_rrset(a, sig, key, 1300000000u, mm), -EBADMSG);
		ck_assert_int_eq(validate_rrset(a, sig, key, 1270000000u, mm), -EBADMSG);
		/* a tampered record */
		a->rrs.data[sizeof(uint16_t) + 3] ^= 1;
		ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), -EBADMSG);
	}
}
END_TEST

START_TEST(test_key_reuse)
{
	/* The backend may keep parsed keys: a kept key verifies again and a tampered record
	 * still fails with it, also after the kept keys were released. */
	for (int round = 0; round < 2; ++round) {
		for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); ++i) {
			kr_rrset_t *key = rr_parse(vec[i].key), *sig = rr_parse(vec[i].sig);
			kr_rrset_t *a = rr_parse("www.example.net. 3600 IN A 192.0.2.2");
			rr_add(a, "www.example.net. 3600 IN A 192.0.2.1");
			ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), 0);
			ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), 0);
			a->rrs.data[sizeof(uint16_t) + 3] ^= 1;
			ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), -EBADMSG);
		}
		validate_crypto_deinit();   /* and again from nothing kept */
	}
}
END_TEST

START_TEST(test_ds_digest)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); ++i) {
		kr_rrset_t *key = rr_parse(vec[i].key), *ds = rr_parse(vec[i].ds);
		ck_assert_int_eq(validate_ds_match(key->owner, kr_rdataset_first(&key->rrs), kr_rdataset_first(&ds->rrs)), 0);
		ds->rrs.data[sizeof(uint16_t) + 10] ^= 1;
		ck_assert_int_eq(validate_ds_match(key->owner, kr_rdataset_first(&key->rrs), kr_rdataset_first(&ds->rrs)), -EBADMSG);
	}
}
END_TEST

/*
 * Published vectors, typed from the RFCs; each is checked at a time inside its
 * own signature window.
 * - RFC 5702 section 6.1 (RSA/SHA-256, a 512-bit key) and 6.2 (RSA/SHA-512):
 *   www.example.net. A, no DS published.
 * - RFC 6605 section 6.1 (ECDSA P-256, DS SHA-256) and 6.2 (P-384, DS SHA-384).
 * - RFC 8080 section 6.1 (Ed25519) and 6.2 (Ed448), all four keys, with the
 *   RRSIGs as corrected by erratum 4935 (Labels 2 and new signatures; the
 *   keys and DS records are those of the RFC). The signatures printed in the
 *   RFC itself are checked by test_rfc8080_printed.
 */
static const struct { const char *what, *key, *rr, *sig, *ds; uint32_t now; } rfc[] = {
	{ "RFC 5702 6.1",
	  "example.net. 3600 IN DNSKEY 256 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=",
	  "www.example.net. 3600 IN A 192.0.2.91",
	  "www.example.net. 3600 IN RRSIG A 8 3 3600 20300101000000 20000101000000 9033 example.net. kRCOH6u7l0QGy9qpC9l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEacFYK/lPtPiVYP4bwg==",
	  NULL, 1700000000u },
	{ "RFC 5702 6.2",
	  "example.net. 3600 IN DNSKEY 256 3 10 AwEAAdHoNTOW+et86KuJOWRDp1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFDxj13tOnD9u/1kTg7cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8gpMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL",
	  "www.example.net. 3600 IN A 192.0.2.91",
	  "www.example.net. 3600 IN RRSIG A 10 3 3600 20300101000000 20000101000000 3740 example.net. tsb4wnjRUDnB1BUi+t6TMTXThjVnG+eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRaeUw1ep94PzEWzr0iGYgZBWm/zpq+9fOuagYJRfDqfReKBzMweOLDiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw=",
	  NULL, 1700000000u },
	{ "RFC 6605 6.1",
	  "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
	  "www.example.net. 3600 IN A 192.0.2.1",
	  "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
	  "example.net. 3600 IN DS 55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17",
	  VEC_NOW },
	{ "RFC 6605 6.2",
	  "example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
	  "www.example.net. 3600 IN A 192.0.2.1",
	  "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
	  "example.net. 3600 IN DS 10771 14 4 72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6",
	  VEC_NOW },
	{ "RFC 8080 6.1 (erratum 4935), key 3613",
	  "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
	  "example.com. 3600 IN MX 10 mail.example.com.",
	  "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
	  "example.com. 3600 IN DS 3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b",
	  1439000000u },
	{ "RFC 8080 6.1 (erratum 4935), key 35217",
	  "example.com. 3600 IN DNSKEY 257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=",
	  "example.com. 3600 IN MX 10 mail.example.com.",
	  "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 35217 example.com. zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg==",
	  "example.com. 3600 IN DS 35217 15 2 401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c6614c",
	  1439000000u },
	{ "RFC 8080 6.2 (erratum 4935), key 9713",
	  "example.com. 3600 IN DNSKEY 257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA",
	  "example.com. 3600 IN MX 10 mail.example.com.",
	  "example.com. 3600 IN RRSIG MX 16 2 3600 1440021600 1438207200 9713 example.com. 3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0amxWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA",
	  "example.com. 3600 IN DS 9713 16 2 6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2b19c7",
	  1439000000u },
	{ "RFC 8080 6.2 (erratum 4935), key 38353",
	  "example.com. 3600 IN DNSKEY 257 3 16 kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcNLp5HlHAMy12VoISsA",
	  "example.com. 3600 IN MX 10 mail.example.com.",
	  "example.com. 3600 IN RRSIG MX 16 2 3600 1440021600 1438207200 38353 example.com. E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57CSnZqjJP41O/9l4m0AsQ4f7qI1gVnML8vWWiyW2KXhT9kuAICUSxv5OWbf81Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA",
	  "example.com. 3600 IN DS 38353 16 2 645ff078b3568f5852b70cb60e8e696cc77b75bfaaffc118cf79cbda1ba28af4",
	  1439000000u },
};

START_TEST(test_rfc_vectors)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); ++i) {
		kr_rrset_t *key = rr_parse(rfc[i].key), *rr = rr_parse(rfc[i].rr), *sig = rr_parse(rfc[i].sig);
		ck_assert_msg(validate_rrset(rr, sig, key, rfc[i].now, mm) == 0, "%s", rfc[i].what);
		ck_assert_msg(validate_rrset(rr, sig, key, 0x7fffffffu, mm) == -EBADMSG, "%s: expired", rfc[i].what);
		if (rfc[i].ds) {
			kr_rrset_t *ds = rr_parse(rfc[i].ds);
			ck_assert_msg(validate_ds_match(key->owner, kr_rdataset_first(&key->rrs),
							kr_rdataset_first(&ds->rrs)) == 0, "%s: DS", rfc[i].what);
		}
		/* a flipped bit in the signature */
		struct kr_rdata *rd = (struct kr_rdata *)kr_rdataset_first(&sig->rrs);
		rd->data[rd->len - 2] ^= 0x10;
		ck_assert_msg(validate_rrset(rr, sig, key, rfc[i].now, mm) == -EBADMSG, "%s: tampered", rfc[i].what);
	}
}
END_TEST

/*
 * RFC 8080 section 6 as printed: the RRSIG lines lack the algorithm (added
 * here), and erratum 4935 says the generating script counted the root as a
 * label, so each signature covers Labels 3 for the two-label example.com.
 * The signatures do verify over exactly those octets, and validation refuses
 * them: more labels than the owner has.
 */
static const struct { const char *key, *sig; } rfc8080_printed[] = {
	{ "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
	  "example.com. 3600 IN RRSIG MX 15 3 3600 1440021600 1438207200 3613 example.com. Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkjH5GaMWeG96GUVZu6ECKOQmemHDg==" },
	{ "example.com. 3600 IN DNSKEY 257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=",
	  "example.com. 3600 IN RRSIG MX 15 3 3600 1440021600 1438207200 35217 example.com. 5LL2obmzdqjWI+Xto5eP5adXt/T5tMhasWvwcyW4L3SzfcRawOle9bodhC+oip9ayUGjY9T/rL4rN3bOuESGDA==" },
	{ "example.com. 3600 IN DNSKEY 257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA",
	  "example.com. 3600 IN RRSIG MX 16 3 3600 1440021600 1438207200 9713 example.com. Nmc0rgGKpr3GKYXcB1JmqqS4NYwhmechvJTqVzt3jR+Qy/lSLFoIk1L+9e39GPL+5tVzDPN3f9kAwiu8KCuPPjtl227ayaCZtRKZuJax7n9NuYlZJIusX0SOIOKBGzG+yWYtz1/jjbzl5GGkWvREUCUA" },
	{ "example.com. 3600 IN DNSKEY 257 3 16 kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcNLp5HlHAMy12VoISsA",
	  "example.com. 3600 IN RRSIG MX 16 3 3600 1440021600 1438207200 38353 example.com. +JjANio/LIzp7osmMYE5XD3H/YES8kXs5Vb9H8MjPS8OAGZMD37+LsCIcjg5ivt0d4Om/UaqETEAsJjaYe56CEQP5lhRWuD2ivBqE0zfwJTyp4WqvpULbpvaukswvv/WNEFxzEYQEIm9+xDlXj4pMAMA" },
};

START_TEST(test_rfc8080_printed)
{
	for (size_t i = 0; i < sizeof(rfc8080_printed) / sizeof(rfc8080_printed[0]); ++i) {
		kr_rrset_t *key = rr_parse(rfc8080_printed[i].key), *sig = rr_parse(rfc8080_printed[i].sig);
		kr_rrset_t *mx = rr_parse("example.com. 3600 IN MX 10 mail.example.com.");
		ck_assert_int_eq(validate_rrset(mx, sig, key, 1439000000u, mm), -EBADMSG);
		/* The octets the script signed: the RRSIG head says 3, the owner is example.com. */
		const struct kr_rdata *rd = kr_rdataset_first(&sig->rrs), *k = kr_rdataset_first(&key->rrs);
		struct validate_rrsig s;
		ck_assert_int_eq(validate_rrsig_parse(rd, &s), 0);
		ck_assert_uint_eq(s.labels, 3);
		s.labels = 2;
		uint8_t *data;
		size_t len;
		ck_assert_int_eq(validate_signed_data(mx, rd, &s, mm, &data, &len), 0);
		ck_assert_uint_eq(data[3], 3);
		ck_assert_int_eq(validate_crypto_verify(s.alg, k->data + 4, k->len - 4u, data, len, s.sig, s.siglen), 0);
	}
}
END_TEST

/*
 * RSA/SHA-1 (5) and RSASHA1-NSEC3-SHA1 (7), 1024-bit keys: signatures made
 * with independent code (dnspython + pyca/cryptography) like vec[] above.
 * RFC 4034 section 5.4: the DS (SHA-1) of dskey.example.com.
 */
static const struct { const char *key, *sig, *ds; } vec_sha1[] = {
	{ "example.net. 3600 IN DNSKEY 257 3 5 AwEAAb7/ocEMdEZStiw1kv31zZiVm6aou8+RCSzDTEufCysqGHihkr+zegBspvqEnTty8kZz/ozDUhgZJp/dISH5nrHQcnX7s8bxQmawx31fzoMkyToOLxgE8F5yIfmoylX1fepppJSM4fiQC/nOn40+osmhjyCVMtCB6tSRcQsZIOxN",
	  "www.example.net. 3600 IN RRSIG A 5 3 3600 20101117132000 20100724193320 30512 example.net. hNkqjq8mI1mVRFEdCPqIV0lW+UdnU9l99yXMqOSfxQjY1aj9CCeq7aO4M6HmZTjR+mAWfCoOdolZLLp3NaDt7QxfuELLYSif3JrQFi/jFjm5bf3Q9RACxsg0JGDCOLrQaFQGn5eWwcYgWSw+MGn3RY0Sn0pbrMH8v03Jalmudus=",
	  "example.net. 3600 IN DS 30512 5 2 e44d9456e26b058b31f8e458810b55bb0b8d6b4f8bb81ca8f55db329e52912b7" },
	{ "example.net. 3600 IN DNSKEY 257 3 7 AwEAAdkGBB2cGru6L2AmW6pDjKzoh7uHQnVOLtSSUpDCNmWUZ1i3iZ0cGdHrTn8qYa+fBloxEZtDvrxWeJRg3IpMCb5JXLwy8IzNw4R8XJQcLv754LJovjt63S9/XBhWZXv4EM9GiEoHKkzTj06s5p1UE19a5LzHeiLnqK/cPyhkdWKz",
	  "www.example.net. 3600 IN RRSIG A 7 3 3600 20101117132000 20100724193320 17980 example.net. c/RK9w7Wvjk1e+PqCyIjESm+Mb0s1WMxH8GGnUPXtYJ6+0wLkSijCsU/jwFmnS4Mtk1UEdTci/kXwsCReAW6FkfQ9Xi8yq/t1WFz1x3GWfGXJUkkA0igSRRPOKBWJIe8vEuTYQ46EUFux4uNLNR/Um4ZZHdjuXpg07BylzrBDuc=",
	  "example.net. 3600 IN DS 17980 7 2 2b727096ec3308a35e6cd76c90460cda4421054d5355fcf9614101fb8bea6f45" },
	{ "dskey.example.com. 86400 IN DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
	  NULL,
	  "dskey.example.com. 86400 IN DS 60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118" },
};

START_TEST(test_rsa_sha1)
{
	for (size_t i = 0; i < sizeof(vec_sha1) / sizeof(vec_sha1[0]); ++i) {
		kr_rrset_t *key = rr_parse(vec_sha1[i].key), *ds = rr_parse(vec_sha1[i].ds);
		ck_assert_int_eq(validate_ds_match(key->owner, kr_rdataset_first(&key->rrs), kr_rdataset_first(&ds->rrs)), 0);
		if (!vec_sha1[i].sig)
			continue;
		kr_rrset_t *sig = rr_parse(vec_sha1[i].sig);
		kr_rrset_t *a = rr_parse("www.example.net. 3600 IN A 192.0.2.1");
		rr_add(a, "www.example.net. 3600 IN A 192.0.2.2");
		ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), 0);
		a->rrs.data[sizeof(uint16_t) + 3] ^= 1;
		ck_assert_int_eq(validate_rrset(a, sig, key, VEC_NOW, mm), -EBADMSG);
	}
}
END_TEST

/* Malformed keys and signatures: -EBADMSG from every backend, never a crash or -ENOTSUP. */
START_TEST(test_malformed)
{
	uint8_t data[] = "signed data", buf[200];
	memset(buf, 0x5a, sizeof(buf));
	static const struct { uint8_t alg; size_t keylen, siglen; } bad[] = {
		{ 8, 0, 64 }, { 8, 2, 64 }, { 8, 3, 1 }, { 10, 5, 4 },
		{ 13, 64, 63 }, { 13, 63, 64 }, { 13, 65, 64 }, { 14, 96, 95 }, { 14, 95, 96 },
		{ 15, 31, 64 }, { 15, 32, 63 }, { 15, 33, 64 }, { 16, 57, 113 }, { 16, 56, 114 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		ck_assert_msg(validate_crypto_verify(bad[i].alg, buf, bad[i].keylen, data, sizeof(data),
						     buf, bad[i].siglen) == -EBADMSG, "case %zu", i);
	/* RFC 3110 key: the exponent length runs past the key; a 3-byte length of 0. */
	static const uint8_t k1[] = { 200, 1, 1, 1 }, k2[] = { 0, 0, 0, 3, 1 };
	ck_assert_int_eq(validate_crypto_verify(8, k1, sizeof(k1), data, sizeof(data), buf, 1), -EBADMSG);
	ck_assert_int_eq(validate_crypto_verify(8, k2, sizeof(k2), data, sizeof(data), buf, 1), -EBADMSG);

	/* The RFC 6605 6.1 key and signature: off the curve, a zero r, a short RSA signature. */
	kr_rrset_t *key = rr_parse(rfc[2].key), *sig = rr_parse(rfc[2].sig), *a = rr_parse(rfc[2].rr);
	const struct kr_rdata *k = kr_rdataset_first(&key->rrs), *rd = kr_rdataset_first(&sig->rrs);
	struct validate_rrsig s;
	ck_assert_int_eq(validate_rrsig_parse(rd, &s), 0);
	uint8_t *signed_data;
	size_t len;
	ck_assert_int_eq(validate_signed_data(a, rd, &s, mm, &signed_data, &len), 0);
	uint8_t kb[64], sb[64];
	memcpy(kb, k->data + 4, 64);
	memcpy(sb, s.sig, 64);
	ck_assert_int_eq(validate_crypto_verify(13, kb, 64, signed_data, len, sb, 64), 0);
	kb[63] ^= 1;
	ck_assert_int_eq(validate_crypto_verify(13, kb, 64, signed_data, len, sb, 64), -EBADMSG);
	kb[63] ^= 1;
	memset(sb, 0, 32);
	ck_assert_int_eq(validate_crypto_verify(13, kb, 64, signed_data, len, sb, 64), -EBADMSG);

	key = rr_parse(rfc[0].key), sig = rr_parse(rfc[0].sig), a = rr_parse(rfc[0].rr);
	k = kr_rdataset_first(&key->rrs), rd = kr_rdataset_first(&sig->rrs);
	ck_assert_int_eq(validate_rrsig_parse(rd, &s), 0);
	ck_assert_int_eq(validate_signed_data(a, rd, &s, mm, &signed_data, &len), 0);
	ck_assert_int_eq(validate_crypto_verify(8, k->data + 4, k->len - 4u, signed_data, len, s.sig, s.siglen), 0);
	ck_assert_int_eq(validate_crypto_verify(8, k->data + 4, k->len - 4u, signed_data, len, s.sig, s.siglen - 1), -EBADMSG);
	ck_assert_int_eq(validate_crypto_verify(5, k->data + 4, k->len - 4u, signed_data, len, s.sig, s.siglen), -EBADMSG);

	/* Digests: too little room is -ENOMEM, as the contract says. */
	uint8_t out[64];
	ck_assert_int_eq(validate_crypto_digest(1, data, sizeof(data), out, sizeof(out)), 20);
	ck_assert_int_eq(validate_crypto_digest(2, data, sizeof(data), out, sizeof(out)), 32);
	ck_assert_int_eq(validate_crypto_digest(4, data, sizeof(data), out, sizeof(out)), 48);
	ck_assert_int_eq(validate_crypto_digest(4, data, sizeof(data), out, 47), -ENOMEM);
	for (int alg = 0; alg < 256; ++alg)
		ck_assert_int_eq(validate_crypto_alg_supported((uint8_t)alg),
				 alg == 5 || alg == 7 || alg == 8 || alg == 10 || (alg >= 13 && alg <= 16));
}
END_TEST

START_TEST(test_window)
{
	ck_assert(validate_time_ok(100, 50, 200));
	ck_assert(!validate_time_ok(40, 50, 200));
	ck_assert(!validate_time_ok(201, 50, 200));
	/* across the 32-bit wrap: inception 0xfffffff0, expiration 0x10 */
	ck_assert(validate_time_ok(0xfffffff8u, 0xfffffff0u, 0x10));
	ck_assert(validate_time_ok(0x5, 0xfffffff0u, 0x10));
	ck_assert(!validate_time_ok(0x20, 0xfffffff0u, 0x10));
}
END_TEST

START_TEST(test_unsupported)
{
	ck_assert_int_eq(validate_crypto_verify(3, (const uint8_t *)"x", 1, NULL, 0, (const uint8_t *)"y", 1), -ENOTSUP);
	ck_assert_int_eq(validate_crypto_verify(253, (const uint8_t *)"x", 1, NULL, 0, (const uint8_t *)"y", 1), -ENOTSUP);
	uint8_t out[64];
	ck_assert_int_eq(validate_crypto_digest(3, (const uint8_t *)"x", 1, out, sizeof(out)), -ENOTSUP);
}
END_TEST

/* RFC 5155 appendix A: H(example) = 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom, salt aabbccdd, 12 iterations. */
START_TEST(test_nsec3_hash)
{
	uint8_t name[KR_DNAME_MAXLEN], h[20];
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
	struct { const char *name, *hash; } v[] = {
		{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); ++i) {
		ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), v[i].name), 0);
		ck_assert_int_eq(validate_nsec3_hash(name, salt, 4, 12, h), 0);
		char enc[33];
		for (int b = 0; b < 32; ++b) {
			int bit = b * 5, x = 0;
			for (int q = 0; q < 5; ++q)
				x = (x << 1) | ((h[(bit + q) / 8] >> (7 - (bit + q) % 8)) & 1);
			enc[b] = b32[x];
		}
		enc[32] = 0;
		ck_assert_str_eq(enc, v[i].hash);
	}
}
END_TEST

START_TEST(test_bitmap)
{
	/* window 0: A (1), NS (2), RRSIG (46) */
	uint8_t bm[2 + 6] = { 0, 6, 0x60, 0, 0, 0, 0, 0x02 };
	ck_assert(validate_bitmap_has(bm, sizeof(bm), KR_TYPE_A));
	ck_assert(validate_bitmap_has(bm, sizeof(bm), KR_TYPE_NS));
	ck_assert(validate_bitmap_has(bm, sizeof(bm), KR_TYPE_RRSIG));
	ck_assert(!validate_bitmap_has(bm, sizeof(bm), KR_TYPE_DS));
	ck_assert(!validate_bitmap_has(bm, sizeof(bm), KR_TYPE_CAA));
}
END_TEST

/* Canonical order: RDATA sorted as octet strings, duplicates dropped, signer lower-cased. */
START_TEST(test_canonical)
{
	kr_rrset_t *a = rr_parse("WWW.Example.NET. 3600 IN A 192.0.2.2");
	rr_add(a, "WWW.Example.NET. 3600 IN A 192.0.2.1");
	rr_add(a, "WWW.Example.NET. 3600 IN A 192.0.2.2");
	kr_rrset_t *sig = rr_parse("www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 1 EXAMPLE.net. AAAA");
	const struct kr_rdata *rd = kr_rdataset_first(&sig->rrs);
	struct validate_rrsig s;
	ck_assert_int_eq(validate_rrsig_parse(rd, &s), 0);
	uint8_t *data;
	size_t len;
	ck_assert_int_eq(validate_signed_data(a, rd, &s, mm, &data, &len), 0);
	size_t rec = 17 + 10 + 4;   /* www.example.net. + header + A */
	ck_assert_uint_eq(len, s.head_len + 2 * rec);
	ck_assert_mem_eq(data + 18, "\x07" "example" "\x03" "net", 12);
	ck_assert_mem_eq(data + s.head_len, "\x03" "www" "\x07" "example", 12);
	ck_assert_uint_eq(data[s.head_len + rec - 1], 1);
	ck_assert_uint_eq(data[s.head_len + 2 * rec - 1], 2);
	/* wildcard: labels 2 gives *.example.net. */
	s.labels = 2;
	ck_assert_int_eq(validate_signed_data(a, rd, &s, mm, &data, &len), 0);
	ck_assert_mem_eq(data + s.head_len, "\x01*\x07" "example", 10);
}
END_TEST

/* The parsed test records are left to the process exit. */
int main(void)
{
	Suite *s = suite_create("validate_dnssec");
	TCase *t = tcase_create("dnssec");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_anchor_lines);
	tcase_add_test(t, test_verify);
	tcase_add_test(t, test_key_reuse);
	tcase_add_test(t, test_ds_digest);
	tcase_add_test(t, test_rfc_vectors);
	tcase_add_test(t, test_rfc8080_printed);
	tcase_add_test(t, test_rsa_sha1);
	tcase_add_test(t, test_malformed);
	tcase_add_test(t, test_window);
	tcase_add_test(t, test_unsupported);
	tcase_add_test(t, test_nsec3_hash);
	tcase_add_test(t, test_bitmap);
	tcase_add_test(t, test_canonical);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
