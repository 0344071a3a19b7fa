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
	tcase_add_test(t, test_ds_digest);
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
