/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the cache props (props.c): the Lua `cache` table's functions. */
#include "tests/unit/plugins/cache/testutil.h"

static char *dir;
static struct cache *c;
static struct kr_arena *arena;
static kr_mm_t *mm;

static void setup(void)
{
	dir = test_dir();
	c = cache_new();
	arena = kr_arena_new(0);
	mm = kr_arena_mm(arena);
	char args[300];
	snprintf(args, sizeof(args), "[%d, \"bdb://%s\"]", 2 << 20, dir);
	ck_prop_eq(cache_prop_open(c, args), "true");
}

static void teardown(void)
{
	cache_free(c);
	kr_arena_delete(arena);
	test_dir_drop(dir);
}

static void put(const char *line, uint8_t rank)
{
	kr_rrset_t rr;
	ck_assert_int_eq(kr_rrset_from_str(&rr, line, NULL, 300, mm), 0);
	struct cache_write w;
	uint32_t now = cache_now();
	ck_assert_int_eq(cache_write_rrset(c, &w, &rr, NULL, rank, now, mm), 0);
	ck_assert_int_eq(cache_put(c, &w, 1, now), 1);
}

static void put_negative(const char *name, uint16_t type, uint8_t kind)
{
	kr_rrset_t soa;
	ck_assert_int_eq(kr_rrset_from_str(&soa, "lab. 60 SOA ns.lab. admin.lab. 1 2 3 4 60", NULL, 60, mm), 0);
	struct cache_set set = { .rr = soa, .section = KR_SECTION_AUTHORITY };
	struct cache_write w;
	uint8_t n[KR_DNAME_MAXLEN];
	uint32_t now = cache_now();
	w.klen = (uint16_t)cache_key_make(w.key, test_name(n, name), type, kind);
	w.hdr = (struct cache_entry_hdr){ .expire = now + 60, .ttl = 60, .rank = KR_RANK_AUTH, .kind = kind };
	w.val = cache_entry_encode(&w.hdr, &set, 1, mm, &w.vlen);
	ck_assert_int_eq(cache_put(c, &w, 1, now), 1);
}

START_TEST(test_open_size_storage)
{
	ck_prop_eq(cache_prop_current_size(c, NULL), "2097152");
	char expect[300];
	snprintf(expect, sizeof(expect), "\"bdb://%s\"", dir);
	ck_prop_eq(cache_prop_current_storage(c, NULL), expect);
	/* The size only grows. */
	ck_prop_eq(cache_prop_open(c, "1048576"), "true");
	ck_prop_eq(cache_prop_current_size(c, NULL), "2097152");
	ck_prop_eq(cache_prop_open(c, "4194304"), "true");
	ck_prop_eq(cache_prop_current_size(c, NULL), "4194304");
	ck_prop_eq(cache_prop_current_storage(c, NULL), expect);
	/* An old Knot Resolver URI maps to the same backend. */
	char args[300];
	snprintf(args, sizeof(args), "\"lmdb://%s\"", dir);
	ck_prop_eq(cache_prop_storage(c, args), "true");
	json_t *v = test_json(cache_prop_storage(c, "\"redis://127.0.0.1\""));
	ck_assert(test_is_error(v, "unsupported storage"));
	json_decref(v);
	v = test_json(cache_prop_open(c, "\"big\""));
	ck_assert(test_is_error(v, "max_size"));
	json_decref(v);
	v = test_json(cache_prop_open(c, "-5"));
	ck_assert(test_is_error(v, "max_size"));
	json_decref(v);
	ck_prop_eq(cache_prop_backends(c, NULL), "{\"bdb://\":true,\"lmdb://\":true}");
	ck_prop_eq(cache_prop_close(c, NULL), "true");
	ck_prop_eq(cache_prop_close(c, NULL), "false");
	ck_prop_eq(cache_prop_count(c, NULL), "0");   /* reopened on use */
}
END_TEST

START_TEST(test_ttl_props)
{
	ck_prop_eq(cache_prop_max_ttl(c, NULL), "518400");
	ck_prop_eq(cache_prop_min_ttl(c, NULL), "0");
	ck_prop_eq(cache_prop_max_ttl(c, "172800"), "172800");
	ck_prop_eq(cache_prop_min_ttl(c, "5"), "5");
	json_t *v = test_json(cache_prop_max_ttl(c, "5"));   /* must be above min_ttl */
	ck_assert(test_is_error(v, "max_ttl"));
	json_decref(v);
	v = test_json(cache_prop_min_ttl(c, "172800"));   /* must be below max_ttl */
	ck_assert(test_is_error(v, "min_ttl"));
	json_decref(v);
	v = test_json(cache_prop_min_ttl(c, "-1"));
	ck_assert(test_is_error(v, "min_ttl"));
	json_decref(v);
	v = test_json(cache_prop_max_ttl(c, "4294967296"));
	ck_assert(test_is_error(v, "max_ttl"));
	json_decref(v);
	v = test_json(cache_prop_max_ttl(c, "1.5"));
	ck_assert(test_is_error(v, "max_ttl"));
	json_decref(v);
	ck_prop_eq(cache_prop_max_ttl(c, "4294967295"), "4294967295");
	ck_prop_eq(cache_prop_min_ttl(c, NULL), "5");
}
END_TEST

START_TEST(test_get_clear)
{
	put("www.example.com. 300 A 192.0.2.1", KR_RANK_AUTH_ANSWER);
	put("www.example.com. 300 AAAA 2001:db8::1", KR_RANK_ANSWER);
	put("a.b.example.com. 300 A 192.0.2.2", KR_RANK_GLUE);
	put("example.com. 300 NS ns.example.com.", KR_RANK_AUTH);
	put("example.net. 300 A 192.0.2.3", KR_RANK_ANSWER);
	put_negative("nx.example.com", 0, CACHE_KIND_NXDOMAIN);
	put_negative("www.example.com", KR_TYPE_MX, CACHE_KIND_NODATA);
	ck_prop_eq(cache_prop_count(c, NULL), "7");
	json_t *v = test_json(cache_prop_get(c, "\"WWW.example.com\""));
	ck_assert(json_is_object(v));
	json_t *www = json_object_get(v, "www.example.com.");
	ck_assert_int_eq(json_object_size(v), 1);
	ck_assert_int_eq(json_object_size(www), 2);   /* A, AAAA (not the NODATA without P) */
	json_t *a = json_object_get(www, "A");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(a, "rdata"), 0)), "192.0.2.1");
	ck_assert_str_eq(json_string_value(json_object_get(a, "rank")), "auth_answer");
	ck_assert_int_le(json_integer_value(json_object_get(a, "ttl")), 300);
	json_decref(v);
	v = test_json(cache_prop_get(c, "\"*.example.com\""));
	ck_assert_int_eq(json_object_size(v), 3);   /* example.com., www, a.b */
	json_decref(v);
	v = test_json(cache_prop_get(c, "\"*.example.com P\""));
	ck_assert_int_eq(json_object_size(v), 2);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(v, "nx.example.com."), "NXDOMAIN"));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(v, "www.example.com."), "NODATA MX"));
	json_decref(v);
	ck_prop_eq(cache_prop_get(c, "\"nothing.example.org\""), NULL);
	/* Errors for bad arguments. */
	v = test_json(cache_prop_get(c, "42"));
	ck_assert(test_is_error(v, "expected a name"));
	json_decref(v);
	v = test_json(cache_prop_get(c, "\"example.com Q\""));
	ck_assert(test_is_error(v, "namespace"));
	json_decref(v);
	v = test_json(cache_prop_clear(c, "\"bad..name\""));
	ck_assert(test_is_error(v, "invalid name"));
	json_decref(v);
	v = test_json(cache_prop_clear(c, "{}"));
	ck_assert(test_is_error(v, "expected a name"));
	json_decref(v);
	/* clear: the P namespace only, then a subtree, then everything. */
	ck_prop_eq(cache_prop_clear(c, "\"*. P\""), "true");
	ck_prop_eq(cache_prop_count(c, NULL), "5");
	ck_prop_eq(cache_prop_clear(c, "\"www.example.com\""), "true");
	ck_prop_eq(cache_prop_count(c, NULL), "3");
	ck_prop_eq(cache_prop_clear(c, "\"*.example.com\""), "true");
	ck_prop_eq(cache_prop_count(c, NULL), "1");
	ck_prop_eq(cache_prop_clear(c, NULL), "true");
	ck_prop_eq(cache_prop_count(c, NULL), "0");
	v = test_json(cache_prop_stats(c, NULL));
	ck_assert_int_eq(json_integer_value(json_object_get(v, "insert")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "delete")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "usage")), 0);
	ck_assert_ptr_nonnull(json_object_get(v, "hit"));
	ck_assert_ptr_nonnull(json_object_get(v, "miss"));
	json_decref(v);
}
END_TEST

START_TEST(test_prune)
{
	c->max_ttl = 1;
	put("short.example. 300 A 192.0.2.1", KR_RANK_ANSWER);
	put("short2.example. 300 A 192.0.2.1", KR_RANK_ANSWER);
	c->max_ttl = 3600;
	put("long.example. 300 A 192.0.2.1", KR_RANK_ANSWER);
	sleep(2);
	ck_prop_eq(cache_prop_prune(c, "1"), "{\"pruned\":1}");
	ck_prop_eq(cache_prop_prune(c, NULL), "{\"pruned\":1}");
	ck_prop_eq(cache_prop_prune(c, NULL), "{\"pruned\":0}");
	ck_prop_eq(cache_prop_count(c, NULL), "1");
	json_t *v = test_json(cache_prop_prune(c, "0"));
	ck_assert(test_is_error(v, "max_count"));
	json_decref(v);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 60 };
	Suite *s = suite_create("props");
	unit_tcase(s, "cache_props", &fx, test_open_size_storage, test_ttl_props, test_get_clear,
		   test_prune);
	return unit_run(s);
}
