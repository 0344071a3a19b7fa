/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the storage (bdb.c): the rank rule and TTLs on real writes,
 * NS sets that do not outlive their delegation,
 * range scans, eviction within the bound, recreation of a corrupted cache,
 * two processes sharing one environment, and a writer killed with SIGKILL.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "tests/unit/plugins/cache/store_fixture.h"

START_TEST(test_put_get)
{
	uint32_t now = cache_now(), ttl = 0;
	ck_assert_int_eq(get_a("www.example.com", now, NULL), -1);
	ck_assert_int_eq(put_a("www.example.com", 1, 300, KR_RANK_AUTH_ANSWER, now), 1);
	ck_assert_int_eq(get_a("WWW.Example.COM", now, &ttl), 1);
	ck_assert_uint_eq(ttl, 300);
	ck_assert_int_eq(get_a("www.example.com", now + 100, &ttl), 1);
	ck_assert_uint_eq(ttl, 200);   /* the remaining TTL */
	ck_assert_int_eq(get_a("www.example.com", now + 300, NULL), -1);   /* expired */
	ck_assert_int_eq(cache_count(c), 1);
	ck_assert_uint_eq(c->stats.insert, 1);
}
END_TEST

START_TEST(test_ttl_bounds)
{
	uint32_t now = cache_now(), ttl = 0;
	c->max_ttl = 100;
	c->min_ttl = 10;
	put_a("long.example", 1, 100000, KR_RANK_ANSWER, now);
	put_a("short.example", 2, 1, KR_RANK_ANSWER, now);
	put_a("zero.example", 3, 0, KR_RANK_ANSWER, now);
	ck_assert_int_eq(get_a("long.example", now, &ttl), 1);
	ck_assert_uint_eq(ttl, 100);
	ck_assert_int_eq(get_a("short.example", now + 9, &ttl), 2);
	ck_assert_uint_eq(ttl, 1);
	ck_assert_int_eq(get_a("short.example", now + 10, NULL), -1);
	ck_assert_int_eq(get_a("zero.example", now, &ttl), 3);
	ck_assert_uint_eq(ttl, 10);
	c->min_ttl = 0;
	put_a("zero2.example", 4, 0, KR_RANK_ANSWER, now);
	ck_assert_int_eq(get_a("zero2.example", now, NULL), -1);   /* TTL 0: never served */
}
END_TEST

START_TEST(test_rank_storage)
{
	uint32_t now = cache_now();
	ck_assert_int_eq(put_a("ns.example", 1, 300, KR_RANK_AUTH_ANSWER, now), 1);
	/* Authority and glue data never overwrite fresh answer data. */
	ck_assert_int_eq(put_a("ns.example", 2, 300, KR_RANK_AUTH, now), 0);
	ck_assert_int_eq(put_a("ns.example", 3, 300, KR_RANK_GLUE, now), 0);
	ck_assert_int_eq(get_a("ns.example", now, NULL), 1);
	/* Glue never overwrites authoritative authority data either. */
	ck_assert_int_eq(put_a("ns2.example", 1, 300, KR_RANK_AUTH, now), 1);
	ck_assert_int_eq(put_a("ns2.example", 2, 300, KR_RANK_GLUE, now), 0);
	ck_assert_int_eq(get_a("ns2.example", now, NULL), 1);
	/* Higher or equal rank replaces; glue is replaced by answers. */
	ck_assert_int_eq(put_a("ns3.example", 1, 300, KR_RANK_GLUE, now), 1);
	ck_assert_int_eq(put_a("ns3.example", 2, 300, KR_RANK_ANSWER, now), 1);
	ck_assert_int_eq(get_a("ns3.example", now, NULL), 2);
	ck_assert_int_eq(put_a("ns3.example", 3, 300, KR_RANK_ANSWER, now), 1);
	ck_assert_int_eq(get_a("ns3.example", now, NULL), 3);
	/* Expired data of any rank gives way. */
	ck_assert_int_eq(put_a("ns.example", 4, 300, KR_RANK_GLUE, now + 301), 1);
	ck_assert_int_eq(get_a("ns.example", now + 301, NULL), 4);
	/* Validated beats unvalidated; bogus is stored but never served. */
	ck_assert_int_eq(put_a("sec.example", 1, 300, KR_RANK_GLUE | KR_RANK_SECURE, now), 1);
	ck_assert_int_eq(put_a("sec.example", 2, 300, KR_RANK_AUTH_ANSWER, now), 0);
	ck_assert_int_eq(put_a("sec.example", 3, 300, KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS, now), 0);
	ck_assert_int_eq(get_a("sec.example", now, NULL), 1);
	ck_assert_int_eq(put_a("bog.example", 1, 300, KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS, now), 1);
	ck_assert_int_eq(get_a("bog.example", now, NULL), -1);
	ck_assert_int_eq(put_a("bog.example", 2, 300, KR_RANK_GLUE, now), 1);
	ck_assert_int_eq(get_a("bog.example", now, NULL), 2);
	/* Replacing keeps one entry per key and one expiry record per entry. */
	ck_assert_int_eq(cache_count(c), 5);
	ck_assert_int_eq(cache_prune(c, 1000, now + 100000), 5);
	ck_assert_int_eq(cache_count(c), 0);
	ck_assert_int_eq(cache_usage(c), 0);
}
END_TEST

/** Store owner NS target with ttl at rank. @return entries stored (0 or 1). */
static int put_ns(const char *owner, const char *target, uint32_t ttl, uint8_t rank, uint32_t now)
{
	uint8_t o[KR_DNAME_MAXLEN], t[KR_DNAME_MAXLEN];
	kr_rrset_t rr;
	kr_rrset_init(&rr, test_name(o, owner), KR_TYPE_NS, KR_CLASS_IN, ttl);
	test_name(t, target);
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, t, (uint16_t)kr_dname_size(t), mm), 0);
	struct cache_write *w = kr_mm_alloc(mm, sizeof(*w));
	ck_assert_int_eq(cache_write_rrset(c, w, &rr, NULL, rank, now, mm), 0);
	int ret = cache_put(c, w, 1, now);
	ck_assert_int_ge(ret, 0);
	return ret;
}

/** The first NS target of owner in the store at now (text into buf), ttl out; NULL when none. */
static const char *get_ns(const char *owner, uint32_t now, uint32_t *ttl, char *buf, size_t len)
{
	uint8_t o[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	int n = cache_peek(c, NULL, mm, test_name(o, owner), KR_TYPE_NS, CACHE_KIND_RR, 0, now,
			   CACHE_PEEK_STORE, sets, 4, NULL);
	if (n <= 0)
		return NULL;
	*ttl = sets[0].rr.ttl;
	kr_dname_to_str(buf, len, kr_rdataset_first(&sets[0].rr.rrs)->data);
	return buf;
}

START_TEST(test_ns_keeps_expiry)
{
	/* Ghost domain names (CVE-2012-1033): the child's answers, which carry its NS
	 * set, must not keep a delegation alive past the TTL it was stored with. */
	uint32_t now = cache_now(), ttl = 0;
	char buf[KR_DNAME_MAXTEXT];
	ck_assert_int_eq(put_ns("example.com", "ns.example.com", 3600, KR_RANK_AUTH, now), 1);
	/* The same set again, later, at the same rank: stored, the expiry kept. */
	ck_assert_int_eq(put_ns("example.com", "ns.example.com", 3600, KR_RANK_AUTH, now + 2000), 1);
	ck_assert_str_eq(get_ns("example.com", now + 2000, &ttl, buf, sizeof(buf)), "ns.example.com.");
	ck_assert_uint_eq(ttl, 1600);
	/* Other names from the same standing (the old owner changes its NS set): the new
	 * names are taken, the expiry still kept. */
	ck_assert_int_eq(put_ns("example.com", "nsb.example.com", 3600, KR_RANK_AUTH, now + 2000), 1);
	ck_assert_str_eq(get_ns("example.com", now + 2000, &ttl, buf, sizeof(buf)), "nsb.example.com.");
	ck_assert_uint_eq(ttl, 1600);
	ck_assert_ptr_null(get_ns("example.com", now + 3600, &ttl, buf, sizeof(buf)));
	/* Once expired, the parent's referral stores it afresh. */
	ck_assert_int_eq(put_ns("example.com", "ns.new.net", 3600, KR_RANK_NONAUTH, now + 3600), 1);
	ck_assert_str_eq(get_ns("example.com", now + 3600, &ttl, buf, sizeof(buf)), "ns.new.net.");
	ck_assert_uint_eq(ttl, 3600);
	/* A higher rank (the child's authoritative NS over the referral) sets its own TTL. */
	ck_assert_int_eq(put_ns("example.com", "ns.new.net", 3600, KR_RANK_AUTH, now + 4000), 1);
	ck_assert_int_eq(get_ns("example.com", now + 4000, &ttl, buf, sizeof(buf)) != NULL, 1);
	ck_assert_uint_eq(ttl, 3600);
	/* Other types of the same rank are refreshed as before. */
	ck_assert_int_eq(put_a("www.example.com", 1, 3600, KR_RANK_AUTH_ANSWER, now), 1);
	ck_assert_int_eq(put_a("www.example.com", 1, 3600, KR_RANK_AUTH_ANSWER, now + 2000), 1);
	ck_assert_int_eq(get_a("www.example.com", now + 2000, &ttl), 1);
	ck_assert_uint_eq(ttl, 3600);
}
END_TEST

static int scan_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *arg)
{
	(void)val;
	(void)vlen;
	uint8_t name[KR_DNAME_MAXLEN];
	uint16_t type;
	uint8_t kind;
	ck_assert_int_eq(cache_key_parse(key, klen, name, &type, &kind), 0);
	char text[KR_DNAME_MAXTEXT];
	kr_dname_to_str(text, sizeof(text), name);
	strcat(arg, text);
	strcat(arg, " ");
	return 0;
}

START_TEST(test_range)
{
	uint32_t now = cache_now();
	const char *names[] = { "example.com", "www.example.com", "a.b.example.com", "example.net",
				"xexample.com", "com", "examplf.com" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
		put_a(names[i], (uint8_t)i, 300, KR_RANK_ANSWER, now);
	uint8_t prefix[CACHE_KEY_MAX], n[KR_DNAME_MAXLEN];
	int plen = cache_key_name(prefix, test_name(n, "Example.COM"));
	char seen[1024] = "";
	ck_assert_int_eq(cache_scan(c, prefix, (size_t)plen, scan_cb, seen), 0);
	ck_assert_str_eq(seen, "example.com. a.b.example.com. www.example.com. ");
	ck_assert_int_eq(cache_delete_range(c, prefix, (size_t)plen, NULL, NULL), 3);
	seen[0] = '\0';
	ck_assert_int_eq(cache_scan(c, NULL, 0, scan_cb, seen), 0);
	ck_assert_str_eq(seen, "com. examplf.com. xexample.com. example.net. ");
	ck_assert_int_eq(cache_delete_range(c, NULL, 0, NULL, NULL), 4);
	ck_assert_int_eq(cache_count(c), 0);
	ck_assert_int_eq(cache_usage(c), 0);
}
END_TEST

static off_t dir_bytes(const char *path)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "du -sb '%s'", path);
	FILE *f = popen(cmd, "r");
	long long n = 0;
	ck_assert_int_eq(fscanf(f, "%lld", &n), 1);
	pclose(f);
	return (off_t)n;
}

START_TEST(test_evict_bound)
{
	/* 4 MiB, far more data than fits: usage and files stay within the bound,
	 * the soonest-to-expire (here the oldest) names go first, recent ones hit. */
	uint32_t now = cache_now();
	enum { N = 60000, BATCHN = 100 };
	struct cache_write *w = malloc(sizeof(*w) * BATCHN);
	for (int i = 0; i < N; i += BATCHN) {
		kr_arena_reset(arena);
		for (int j = 0; j < BATCHN; ++j) {
			char name[64];
			snprintf(name, sizeof(name), "name-%06d.bench", i + j);
			uint8_t owner[KR_DNAME_MAXLEN];
			kr_rrset_t rr;
			kr_rrset_init(&rr, test_name(owner, name), KR_TYPE_A, KR_CLASS_IN, 3600);
			kr_rrset_add_rdata(&rr, (const uint8_t *)"\xc6\x12\x00\x01", 4, mm);
			ck_assert_int_eq(cache_write_rrset(c, &w[j], &rr, NULL, KR_RANK_ANSWER, now + (uint32_t)i / 1000, mm), 0);
		}
		ck_assert_int_ge(cache_put(c, w, BATCHN, now), 0);
		ck_assert_int_le(cache_usage(c), (int64_t)cache_budget(c));
	}
	free(w);
	kr_arena_reset(arena);
	ck_assert_uint_gt(c->stats.evict, 0);
	int64_t count = cache_count(c);
	ck_assert_int_gt(count, 1000);
	ck_assert_int_lt(count, N);
	ck_assert_int_eq(get_a("name-000000.bench", now, NULL), -1);
	ck_assert_int_eq(get_a("name-059999.bench", now, NULL), 1);
	ck_assert_int_eq(get_a("name-059000.bench", now, NULL), 1);
	char file[300];
	snprintf(file, sizeof(file), "%s/cache.db", dir);
	struct stat st;
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_le(st.st_size, (off_t)c->max_size);
	off_t total = dir_bytes(dir);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "ls -l '%s' >&2", dir);
	ck_assert_int_eq(system(cmd), 0);
	fprintf(stderr, "evict: %lld entries, cache.db %lld bytes, directory %lld bytes for a bound of %zu\n",
		(long long)count, (long long)st.st_size, (long long)total, c->max_size);
	ck_assert_int_le(total, (off_t)c->max_size + (6 << 20));
}
END_TEST

START_TEST(test_corrupt_recreate)
{
	uint32_t now = cache_now();
	put_a("www.example.com", 1, 300, KR_RANK_ANSWER, now);
	cache_close(c);
	char file[300];
	snprintf(file, sizeof(file), "%s/cache.db", dir);
	FILE *f = fopen(file, "r+");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 64 * 1024; ++i)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	ck_assert_int_eq(cache_open(c, 4 << 20, NULL), 0);   /* recreated, with one log line */
	ck_assert_uint_eq(c->stats.recreate, 1);
	ck_assert_int_eq(get_a("www.example.com", now, NULL), -1);
	ck_assert_int_eq(put_a("www.example.com", 2, 300, KR_RANK_ANSWER, now), 1);
	ck_assert_int_eq(get_a("www.example.com", now, NULL), 2);
	/* Garbage in the region files too. */
	cache_close(c);
	snprintf(file, sizeof(file), "%s/__db.001", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("garbage", f);
	fclose(f);
	ck_assert_int_eq(cache_open(c, 4 << 20, NULL), 0);
	ck_assert_int_eq(put_a("www.example.com", 3, 300, KR_RANK_ANSWER, now), 1);
	ck_assert_int_eq(get_a("www.example.com", now, NULL), 3);
}
END_TEST

/** The last address byte of name's A read by cache_peek_stale(), or -1; ttl and expired out. */
static int stale_a(const char *name, uint32_t now, uint32_t max_stale, uint32_t *ttl,
		   uint32_t *expired)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	int n = cache_peek_stale(c, mm, test_name(owner, name), KR_TYPE_A, now, max_stale, sets, 4,
				 &h, expired);
	if (n <= 0)
		return -1;
	ck_assert_int_eq(h.kind, CACHE_KIND_RR);
	if (ttl)
		*ttl = sets[0].rr.ttl;
	return kr_rdataset_first(&sets[0].rr.rrs)->data[3];
}

START_TEST(test_peek_stale)
{
	uint32_t now = cache_now(), ttl = 99, late = 99;
	ck_assert_int_eq(put_a("old.example", 7, 10, KR_RANK_AUTH_ANSWER, now), 1);
	/* Fresh: served with the remaining TTL, not stale. */
	ck_assert_int_eq(stale_a("old.example", now + 4, 3600, &ttl, &late), 7);
	ck_assert_uint_eq(ttl, 6);
	ck_assert_uint_eq(late, 0);
	/* Expired: the fresh look-up misses, the stale one finds it with TTL 0. */
	ck_assert_int_eq(get_a("old.example", now + 100, NULL), -1);
	ck_assert_int_eq(stale_a("old.example", now + 100, 3600, &ttl, &late), 7);
	ck_assert_uint_eq(ttl, 0);
	ck_assert_uint_eq(late, 90);
	/* Exactly max_stale late still counts; longer does not. */
	ck_assert_int_eq(stale_a("old.example", now + 10 + 3600, 3600, NULL, &late), 7);
	ck_assert_uint_eq(late, 3600);
	ck_assert_int_eq(stale_a("old.example", now + 10 + 3601, 3600, NULL, NULL), -1);
	/* Never cached. */
	ck_assert_int_eq(stale_a("none.example", now, 3600, NULL, NULL), -1);
	/* Bogus data is never served, fresh or stale. */
	ck_assert_int_eq(put_a("bog.example", 1, 10, KR_RANK_AUTH_ANSWER | KR_RANK_BOGUS, now), 1);
	ck_assert_int_eq(stale_a("bog.example", now, 3600, NULL, NULL), -1);
	ck_assert_int_eq(stale_a("bog.example", now + 20, 3600, NULL, NULL), -1);
	/* The rank is kept: validated data says so. */
	ck_assert_int_eq(put_a("sec.example", 2, 10, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE, now), 1);
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	struct cache_entry_hdr h;
	ck_assert_int_eq(cache_peek_stale(c, mm, test_name(owner, "sec.example"), KR_TYPE_A,
					  now + 20, 3600, sets, 4, &h, NULL), 1);
	ck_assert_uint_eq(h.rank, KR_RANK_AUTH_ANSWER | KR_RANK_SECURE);
	/* Expired entries stay until pruned; pruning removes them for good. */
	ck_assert_int_gt(cache_prune(c, 100, now + 20), 0);
	ck_assert_int_eq(stale_a("old.example", now + 20, 3600, NULL, NULL), -1);
}
END_TEST

START_TEST(test_two_processes)
{
	uint32_t now = cache_now();
	put_a("before.fork", 9, 300, KR_RANK_ANSWER, now);   /* the parent's handles exist before fork */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		child_writes("child", 500);
		if (get_a("before.fork", now, NULL) != 9)
			_exit(3);
		_exit(0);
	}
	pid_t pid2 = fork();
	ck_assert_int_ge(pid2, 0);
	if (pid2 == 0) {
		child_writes("other", 500);
		_exit(0);
	}
	child_writes("parent", 500);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(waitpid(pid2, &status, 0), pid2);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(get_a("child-499.test", now, NULL), (uint8_t)499);
	ck_assert_int_eq(get_a("other-7.test", now, NULL), 7);
	ck_assert_int_eq(cache_count(c), 1501);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 120 };
	if (getenv("TEST_VERBOSE"))
		kr_log_set_verbose(true);
	Suite *s = suite_create("bdb");
	unit_tcase(s, "cache_bdb", &fx, test_put_get, test_ttl_bounds, test_rank_storage, test_ns_keeps_expiry,
		   test_range,
		   test_evict_bound, test_corrupt_recreate);
	unit_tcase(s, "cache_peek_stale", &fx, test_peek_stale);
	unit_tcase(s, "cache_bdb_procs", &fx, test_two_processes);
	return unit_run(s);
}
