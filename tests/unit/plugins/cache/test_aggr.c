/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the NSEC/NSEC3 namespaces (key.c) and of the search for the
 * covering record (cache_floor() in bdb.c, as aggr.c uses it): canonical
 * order, the zone apex, the last record wrapping to the apex, upper case and
 * escaped bytes, NSEC3 hash order with wrap-around, and clearing.
 */
#include "tests/unit/plugins/cache/store_fixture.h"

/** Store a proof entry (one TXT-like set owned by owner) at key. */
static void put_at(const uint8_t *key, int klen, const char *owner)
{
	uint8_t o[KR_DNAME_MAXLEN];
	kr_rrset_t rr;
	kr_rrset_init(&rr, test_name(o, owner), KR_TYPE_NSEC, KR_CLASS_IN, 300);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, (const uint8_t *)"\0", 1, mm), 0);
	struct cache_set set = { .rr = rr, .section = KR_SECTION_AUTHORITY };
	struct cache_write *w = kr_mm_alloc(mm, sizeof(*w));
	memcpy(w->key, key, (size_t)klen);
	w->klen = (uint16_t)klen;
	uint32_t now = cache_now();
	w->hdr = (struct cache_entry_hdr){ .expire = now + 300, .ttl = 300,
					   .rank = KR_RANK_AUTH | KR_RANK_SECURE, .kind = CACHE_KIND_AGGR };
	w->val = cache_entry_encode(&w->hdr, &set, 1, mm, &w->vlen);
	ck_assert_int_eq(cache_put(c, w, 1, now), 1);
}

static void put_nsec(const char *zone, const char *owner)
{
	uint8_t z[KR_DNAME_MAXLEN], o[KR_DNAME_MAXLEN], key[CACHE_KEY_MAX];
	int klen = cache_key_nsec(key, test_name(z, zone), test_name(o, owner));
	ck_assert_int_gt(klen, 0);
	put_at(key, klen, owner);
}

/** The owner stored at or before key in prefix ("" when none); exact says which. */
static const char *owner_at(const uint8_t *prefix, size_t plen, const uint8_t *key, size_t klen, bool *exact)
{
	static char text[KR_DNAME_MAXTEXT];
	uint8_t found[CACHE_KEY_MAX], *val;
	size_t flen, len;
	int ret = cache_floor(c, prefix, plen, key, klen, mm, found, &flen, &val, &len);
	ck_assert_int_ge(ret, 0);
	if (ret == 0)
		return "";
	*exact = ret == 1;
	struct cache_set set;
	ck_assert_int_eq(cache_entry_decode(val, len, 1, &set, 1), 1);
	kr_dname_to_str(text, sizeof(text), set.rr.owner);
	return text;
}

/** The owner of the NSEC at or before name in zone ("" when none); exact says which. */
static const char *floor_nsec(const char *zone, const char *name, bool *exact)
{
	uint8_t z[KR_DNAME_MAXLEN], n[KR_DNAME_MAXLEN], prefix[CACHE_KEY_MAX], key[CACHE_KEY_MAX];
	int plen = cache_key_aggr_zone(prefix, CACHE_TAG_NSEC, test_name(z, zone));
	int klen = cache_key_nsec(key, z, test_name(n, name));
	ck_assert_int_gt(klen, 0);
	return owner_at(prefix, (size_t)plen, key, (size_t)klen, exact);
}

START_TEST(test_nsec_key_order)
{
	/* Keys within a zone sort as RFC 4034 6.1 orders names: the apex first,
	 * a name before its children, labels compared as lower-case octets. */
	const char *sorted[] = { "example.", "\\000.example.", "\\001.example.", "\\001\\002.example.",
				 "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.",
				 "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example.",
				 "\\255.example." };
	uint8_t zone[KR_DNAME_MAXLEN], n[KR_DNAME_MAXLEN], prev[CACHE_KEY_MAX], key[CACHE_KEY_MAX];
	uint8_t pn[KR_DNAME_MAXLEN];
	test_name(zone, "example.");
	int plen = 0;
	for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); ++i) {
		int klen = cache_key_nsec(key, zone, test_name(n, sorted[i]));
		ck_assert_int_gt(klen, 0);
		ck_assert(cache_key_aggr(key, (size_t)klen));
		if (i) {
			int r = memcmp(prev, key, (size_t)(plen < klen ? plen : klen));
			ck_assert_msg(r < 0 || (r == 0 && plen < klen), "%s sorts before %s", sorted[i],
				      sorted[i - 1]);
			ck_assert_int_lt(kr_dname_cmp(pn, n), 0);
		}
		memcpy(prev, key, (size_t)klen);
		memcpy(pn, n, kr_dname_size(n));
		plen = klen;
	}
	/* Names of another zone have no key in this one; case does not matter. */
	ck_assert_int_lt(cache_key_nsec(key, zone, test_name(n, "example.org.")), 0);
	uint8_t k2[CACHE_KEY_MAX];
	int l1 = cache_key_nsec(key, zone, test_name(n, "WwW.Example."));
	int l2 = cache_key_nsec(k2, test_name(pn, "EXAMPLE."), test_name(n, "www.example."));
	ck_assert_int_eq(l1, l2);
	ck_assert_mem_eq(key, k2, (size_t)l1);
}
END_TEST

START_TEST(test_nsec_floor)
{
	/* The zone example. with records at the apex, b, \000.c, c, x (the last, wrapping to
	 * the apex), and the records of a child zone and of a sibling that must not be found. */
	const char *owners[] = { "example.", "b.example.", "c.example.", "\\000.c.example.", "x.example." };
	for (size_t i = 0; i < 5; ++i)
		put_nsec("example.", owners[i]);
	put_nsec("sub.example.", "sub.example.");
	put_nsec("sub.example.", "zz.sub.example.");
	put_nsec("example.com.", "a.example.com.");
	bool exact = false;
	ck_assert_str_eq(floor_nsec("example.", "example.", &exact), "example.");
	ck_assert(exact);
	ck_assert_str_eq(floor_nsec("example.", "a.example.", &exact), "example.");
	ck_assert(!exact);
	ck_assert_str_eq(floor_nsec("example.", "B.EXAMPLE.", &exact), "b.example.");
	ck_assert(exact);
	ck_assert_str_eq(floor_nsec("example.", "deep.b.example.", &exact), "b.example.");
	ck_assert(!exact);
	ck_assert_str_eq(floor_nsec("example.", "\\000.c.example.", &exact), "\\000.c.example.");
	ck_assert(exact);
	ck_assert_str_eq(floor_nsec("example.", "\\001.c.example.", &exact), "\\000.c.example.");
	ck_assert_str_eq(floor_nsec("example.", "*.c.example.", &exact), "\\000.c.example.");
	ck_assert_str_eq(floor_nsec("example.", "sub.example.", &exact), "\\000.c.example.");
	ck_assert_str_eq(floor_nsec("example.", "zz.sub.example.", &exact), "\\000.c.example.");
	/* After the last record: the last one (its next name is the apex). */
	ck_assert_str_eq(floor_nsec("example.", "y.example.", &exact), "x.example.");
	ck_assert_str_eq(floor_nsec("example.", "\\255\\255.example.", &exact), "x.example.");
	ck_assert(!exact);
	/* The child zone and the unrelated one keep to themselves. */
	ck_assert_str_eq(floor_nsec("sub.example.", "a.sub.example.", &exact), "sub.example.");
	ck_assert_str_eq(floor_nsec("sub.example.", "zzz.sub.example.", &exact), "zz.sub.example.");
	ck_assert_str_eq(floor_nsec("example.com.", "b.example.com.", &exact), "a.example.com.");
	ck_assert_str_eq(floor_nsec("example.net.", "b.example.net.", &exact), "");
	/* Clearing a name drops the namespaces of the zones above and below it. */
	ck_assert_int_eq(cache_aggr_clear(c, test_name((uint8_t[KR_DNAME_MAXLEN]){ 0 }, "www.sub.example.")), 0);
	ck_assert_str_eq(floor_nsec("example.", "b.example.", &exact), "");
	ck_assert_str_eq(floor_nsec("sub.example.", "a.sub.example.", &exact), "");
	ck_assert_str_eq(floor_nsec("example.com.", "b.example.com.", &exact), "a.example.com.");
}
END_TEST

START_TEST(test_base32hex)
{
	uint8_t h[20], out[CACHE_NSEC3_LABEL + 1] = { 0 };
	memset(h, 0, 20);
	cache_base32hex(h, out);
	ck_assert_str_eq((char *)out, "00000000000000000000000000000000");
	memset(h, 0xff, 20);
	cache_base32hex(h, out);
	ck_assert_str_eq((char *)out, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
	memset(h, 0, 20);
	h[0] = 0x80;
	h[19] = 0x01;
	cache_base32hex(h, out);
	ck_assert_str_eq((char *)out, "g0000000000000000000000000000001");
	/* Text order is hash order (what the NSEC3 namespace relies on). */
	uint8_t a[20], b[20], ta[CACHE_NSEC3_LABEL], tb[CACHE_NSEC3_LABEL];
	srand(7);
	for (int i = 0; i < 2000; ++i) {
		for (int k = 0; k < 20; ++k) {
			a[k] = (uint8_t)rand();
			b[k] = k < i % 20 ? a[k] : (uint8_t)rand();
		}
		cache_base32hex(a, ta);
		cache_base32hex(b, tb);
		int hr = memcmp(a, b, 20), tr = memcmp(ta, tb, CACHE_NSEC3_LABEL);
		ck_assert((hr < 0) == (tr < 0) && (hr == 0) == (tr == 0));
	}
}
END_TEST

#define ZONE_LABEL "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"   /* 63 bytes */

/** The key of the NSEC3 hash (base32hex text) with salt ab, iterations it. */
static int nsec3_key(uint8_t *key, const char *hash, uint8_t it, int *plen)
{
	static const uint8_t rdata[] = { 1, 0, 0, 5, 1, 0xab };
	uint8_t z[KR_DNAME_MAXLEN], params[sizeof(rdata)];
	memcpy(params, rdata, sizeof(rdata));
	params[3] = it;
	return cache_key_nsec3(key, test_name(z, "example."), params, sizeof(params),
			       (const uint8_t *)hash, plen);
}

static const char *floor_nsec3(const char *hash, uint8_t it, bool *exact)
{
	uint8_t key[CACHE_KEY_MAX];
	int plen, klen = nsec3_key(key, hash, it, &plen);
	ck_assert_int_gt(klen, 0);
	return owner_at(key, (size_t)plen, key, (size_t)klen, exact);
}

START_TEST(test_nsec3_floor)
{
	const char *hashes[] = { "2vptu5timamqttgl4luu9kg21e0aor3s", "35mthgpgcu1qg68fab165klnsnk3dpvl",
				 "K8UDEMVP1J2F7EG6JEBPS17VP3N8I58H" };   /* upper case: the same order */
	for (int i = 0; i < 3; ++i) {
		uint8_t key[CACHE_KEY_MAX];
		int klen = nsec3_key(key, hashes[i], 5, NULL);
		ck_assert_int_gt(klen, 0);
		char owner[64];
		snprintf(owner, sizeof(owner), "h%d.example.", i);
		put_at(key, klen, owner);
	}
	/* Another parameter set: never mixed in. */
	uint8_t key[CACHE_KEY_MAX];
	put_at(key, nsec3_key(key, "00000000000000000000000000000000", 6, NULL), "other.example.");
	bool exact = false;
	ck_assert_str_eq(floor_nsec3("35mthgpgcu1qg68fab165klnsnk3dpvl", 5, &exact), "h1.example.");
	ck_assert(exact);
	ck_assert_str_eq(floor_nsec3("36000000000000000000000000000000", 5, &exact), "h1.example.");
	ck_assert(!exact);
	ck_assert_str_eq(floor_nsec3("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", 5, &exact), "h2.example.");
	/* Below the smallest hash: the greatest one, which wraps around. */
	ck_assert_str_eq(floor_nsec3("00000000000000000000000000000001", 5, &exact), "h2.example.");
	ck_assert(!exact);
	ck_assert_str_eq(floor_nsec3("00000000000000000000000000000001", 6, &exact), "other.example.");
	ck_assert_str_eq(floor_nsec3("00000000000000000000000000000001", 7, &exact), "");
	/* Not base32hex, or a salt too long for a key. */
	ck_assert_int_eq(nsec3_key(key, "w0000000000000000000000000000000", 5, NULL), -EINVAL);
	uint8_t rdata[5 + 255] = { 1, 0, 0, 1, 255 };
	uint8_t z[KR_DNAME_MAXLEN];
	char zt[300];
	snprintf(zt, sizeof(zt), "%s.%s.%s.%.50s.example.", ZONE_LABEL, ZONE_LABEL, ZONE_LABEL, ZONE_LABEL);
	test_name(z, zt);
	ck_assert_int_eq(cache_key_nsec3(key, z, rdata, sizeof(rdata), (const uint8_t *)hashes[0], NULL),
			 -ENOSPC);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 60 };
	Suite *s = suite_create("aggr");
	unit_tcase(s, "cache_key_nsec", &fx, test_nsec_key_order, test_base32hex);
	unit_tcase(s, "cache_floor", &fx, test_nsec_floor, test_nsec3_floor);
	return unit_run(s);
}
