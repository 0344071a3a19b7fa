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
#include "tests/unit/plugins/cache/store_fixture.h"

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
	static const struct unit_fixture fx = { setup, teardown, 120 };
	Suite *s = suite_create("crash");
	unit_tcase(s, "cache_crash", &fx, test_killed_writer);
	int ret = unit_run(s);
	if (getenv("KR_CACHE_CRASH_LSAN"))
		unlink(getenv("KR_CACHE_CRASH_LSAN"));
	return ret;
}
