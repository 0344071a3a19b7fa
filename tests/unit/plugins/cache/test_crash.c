/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit test of the storage (bdb.c) under a writer killed with SIGKILL again
 * and again: the survivor goes on (recovering when the dead process left a
 * latch held), and a fresh open keeps the data.
 *
 * When the dead writer held a Berkeley DB latch, the survivor's wedged call is
 * abandoned by design (bdb.c, "the wedge guard"): what the library had
 * allocated for it cannot be freed, so LeakSanitizer is told (main() re-runs
 * the program with a suppression file) to ignore allocations of libdb in this
 * program only.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "tests/unit/plugins/cache/testutil.h"

static char *dir;
static struct cache *c;
static struct kr_arena *arena;
static kr_mm_t *mm;

static void setup(void)
{
	dir = test_dir();
	c = cache_new();
	ck_assert_ptr_nonnull(c);
	char uri[256];
	snprintf(uri, sizeof(uri), "bdb://%s", dir);
	ck_assert_int_eq(cache_open(c, 4 << 20, uri), 0);
	arena = kr_arena_new(0);
	mm = kr_arena_mm(arena);
}

static void teardown(void)
{
	cache_free(c);
	kr_arena_delete(arena);
	test_dir_drop(dir);
}

/** Store name A addr (last byte) with ttl at rank. @return entries stored (0 or 1) or an error. */
static int put_a_raw(const char *name, uint8_t last, uint32_t ttl, uint8_t rank, uint32_t now)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	kr_rrset_t rr;
	kr_rrset_init(&rr, test_name(owner, name), KR_TYPE_A, KR_CLASS_IN, ttl);
	uint8_t addr[4] = { 192, 0, 2, last };
	ck_assert_int_eq(kr_rrset_add_rdata(&rr, addr, 4, mm), 0);
	struct cache_write *w = kr_mm_alloc(mm, sizeof(*w));
	ck_assert_int_eq(cache_write_rrset(c, w, &rr, NULL, rank, now, mm), 0);
	return cache_put(c, w, 1, now);
}

/** Store name A addr (last byte) with ttl at rank. @return entries stored (0 or 1). */
static int put_a(const char *name, uint8_t last, uint32_t ttl, uint8_t rank, uint32_t now)
{
	int ret = put_a_raw(name, last, ttl, rank, now);
	ck_assert_int_ge(ret, 0);
	return ret;
}

/** The last address byte of name's cached A at now, or -1 when none is served; ttl out. */
static int get_a(const char *name, uint32_t now, uint32_t *ttl)
{
	uint8_t owner[KR_DNAME_MAXLEN];
	struct cache_set sets[4];
	int n = cache_peek(c, mm, test_name(owner, name), KR_TYPE_A, CACHE_KIND_RR, 0, now, sets, 4, NULL);
	if (n <= 0)
		return -1;
	if (ttl)
		*ttl = sets[0].rr.ttl;
	return kr_rdataset_first(&sets[0].rr.rrs)->data[3];
}

/** In a child: write names prefix-0..n-1 and check that each reads back. */
static void child_writes(const char *prefix, int n)
{
	uint32_t now = cache_now();
	for (int i = 0; i < n; ++i) {
		char name[64];
		snprintf(name, sizeof(name), "%s-%d.test", prefix, i);
		kr_arena_reset(arena);
		if (put_a(name, (uint8_t)i, 300, KR_RANK_ANSWER, now) != 1 || get_a(name, now, NULL) != (uint8_t)i)
			_exit(2);
	}
}

START_TEST(test_killed_writer)
{
	uint32_t now = cache_now();
	for (int round = 0; round < 5; ++round) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			for (;;)
				child_writes("victim", 1000);
		}
		usleep(150000 + 37000 * round);
		kill(pid, SIGKILL);
		/* Not reaped yet on purpose for a while: a zombie must count as dead.
		 * A write that met the dead process's latch fails (-EIO) after the
		 * watchdog's delay; the next ones work on the recovered cache. */
		int failed = 0;
		for (int i = 0; i < 50; ++i) {
			char name[64];
			snprintf(name, sizeof(name), "survivor-%d-%d.test", round, i);
			kr_arena_reset(arena);
			int ret = put_a_raw(name, (uint8_t)i, 300, KR_RANK_ANSWER, now);
			if (ret != 1) {
				ck_assert_int_eq(ret, -EIO);
				++failed;
				ck_assert_int_eq(put_a_raw(name, (uint8_t)i, 300, KR_RANK_ANSWER, now), 1);
			}
		}
		ck_assert_int_le(failed, 2);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		sleep(1);   /* the once-a-second failchk runs on the next use */
		kr_arena_reset(arena);
		ck_assert_int_ge(put_a("after.kill", (uint8_t)round, 300, KR_RANK_ANSWER, now), 0);
	}
	char name[64];
	snprintf(name, sizeof(name), "survivor-4-49.test");
	ck_assert_int_eq(get_a(name, now, NULL), 49);
	int64_t count = cache_count(c);
	ck_assert_int_gt(count, 0);
	cache_close(c);
	/* A fresh open (as a restarted kresd) works and keeps the data. */
	ck_assert_int_eq(cache_open(c, 4 << 20, NULL), 0);
	ck_assert_uint_eq(c->stats.recreate, 0);
	ck_assert_int_eq(get_a("survivor-4-49.test", now, NULL), 49);
	ck_assert_int_eq(get_a("after.kill", now, NULL), 4);
	ck_assert_int_ge(cache_count(c), count);
}
END_TEST

int main(int argc, char **argv)
{
	(void)argc;
	if (!getenv("KR_CACHE_CRASH_LSAN")) {
		char supp[] = "/tmp/kresd-cache-lsan-XXXXXX";
		int fd = mkstemp(supp);
		if (fd >= 0) {
			static const char rule[] = "leak:libdb-5.3.so\n";
			if (write(fd, rule, sizeof(rule) - 1) == (ssize_t)sizeof(rule) - 1) {
				char opts[256];
				const char *old = getenv("LSAN_OPTIONS");
				snprintf(opts, sizeof(opts), "%s%ssuppressions=%s", old ? old : "", old ? ":" : "", supp);
				setenv("LSAN_OPTIONS", opts, 1);
				setenv("KR_CACHE_CRASH_LSAN", supp, 1);
				close(fd);
				execv("/proc/self/exe", argv);
			}
			close(fd);
		}
	}
	if (getenv("TEST_VERBOSE"))
		kr_log_set_verbose(true);
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("cache_crash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_killed_writer);
	suite_add_tcase(s, tc);
	int ret = test_run(s);
	if (getenv("KR_CACHE_CRASH_LSAN"))
		unlink(getenv("KR_CACHE_CRASH_LSAN"));
	return ret;
}
