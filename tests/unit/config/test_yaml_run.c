/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/yaml_run.c: YAML files run in the daemon's Lua state,
 * Lua errors located in the YAML file, `workers` against -f, --print-lua.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "tests/unit/config/lua_check.h"

static uv_loop_t loop;
static char dir[64];
static char stderr_path[300];

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void setup(void)
{
	memset(&the_daemon, 0, sizeof(the_daemon));
	the_daemon.fork_count = 1;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	the_daemon.loop = &loop;
	ck_assert_int_eq(kr_context_init(&the_daemon.ctx, NULL), 0);
	kr_net_init(&the_daemon.net, the_daemon.loop);
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
	snprintf(dir, sizeof(dir), "/tmp/kresd-test-yaml-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	snprintf(stderr_path, sizeof(stderr_path), "%s/stderr", dir);
}

static void teardown(void)
{
	kr_net_deinit(&the_daemon.net);
	kr_config_deinit(&the_daemon);
	kr_context_deinit(&the_daemon.ctx);
	kr__worker_deinit();
	uv_walk(&loop, close_walk_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	/* the files the test wrote, then the directory */
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	ck_assert_int_eq(chdir("/"), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/** Run the YAML file name with stderr captured; @return what it printed. */
static const char *run(const char *name, int cli_forks, int *forks, int *ret)
{
	static char out[4096];
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	*ret = kr_config_run_yaml(name, cli_forks, forks);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	FILE *f = fopen(stderr_path, "r");
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

START_TEST(extension)
{
	ck_assert(kr_config_is_yaml("config.yaml"));
	ck_assert(kr_config_is_yaml("/etc/kresd/kresd.YML"));
	ck_assert(!kr_config_is_yaml("config"));
	ck_assert(!kr_config_is_yaml("yaml"));
	ck_assert(!kr_config_is_yaml("config.yaml.lua"));
}
END_TEST

START_TEST(runs_the_lua)
{
	write_file("c.yaml", "hostname: unit-host\nnetwork:\n  tcp-pipeline: 7\nlua:\n  script: |\n    from_yaml = 42\n");
	int forks = 0, ret;
	const char *err = run("c.yaml", 0, &forks, &ret);
	ck_assert_msg(ret == 0, "%s", err);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(forks, 1);
	ck_ok("assert(hostname() == 'unit-host' and net.tcp_pipeline() == 7 and from_yaml == 42)");
}
END_TEST

START_TEST(errors_located)
{
	int forks, ret;
	/* an error in a section's Lua: the key's place */
	write_file("a.yaml", "# tls\nnetwork:\n  tls:\n    cert-file: /nonexistent/cert.pem\n    key-file: /nonexistent/key.pem\n");
	const char *err = run("a.yaml", 0, &forks, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_msg(strncmp(err, "a.yaml:4:16: network.tls.cert-file: ", 36) == 0, "%s", err);
	ck_assert_msg(strstr(err, "net.tls") != NULL, "%s", err);
	/* an error in lua.script: its own line in the YAML file */
	write_file("b.yaml", "lua:\n  script: |\n    x = 1\n\n    error('deliberate')\n");
	err = run("b.yaml", 0, &forks, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(err, "b.yaml:5:1: lua.script: deliberate\n");
	/* a schema error: nothing runs */
	write_file("c.yaml", "lua:\n  script: ran = true\nnetwork:\n  listen: 53\n");
	err = run("c.yaml", 0, &forks, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(err, "c.yaml:4:11: network.listen: expected a list (lines starting with '- '), got a scalar\n");
	ck_ok("assert(ran == nil)");
	err = run("missing.yaml", 0, &forks, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(err, "missing.yaml: cannot open the configuration: No such file or directory\n");
}
END_TEST

START_TEST(workers)
{
	int forks = 0, ret;
	write_file("w.yaml", "workers: 3\n");
	const char *err = run("w.yaml", 0, &forks, &ret);
	ck_assert_msg(ret == 0, "%s", err);
	ck_assert_int_eq(forks, 3);
	ck_assert_int_eq(the_daemon.fork_count, 3);
	ck_ok("assert(worker.count == 3)");
	err = run("w.yaml", 3, &forks, &ret);
	ck_assert_int_eq(ret, 0);
	err = run("w.yaml", 2, &forks, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(err, "w.yaml:1:10: workers: 3 processes, but -f 2 on the command line: give one of them\n");
	write_file("n.yaml", "hostname: h\n");
	run("n.yaml", 4, &forks, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(forks, 4);
}
END_TEST

START_TEST(print_lua)
{
	write_file("p.yaml", "cache:\n  size-max: 10M\n");
	FILE *f = tmpfile();
	ck_assert_int_eq(kr_config_print_lua("p.yaml", f), 0);
	rewind(f);
	char buf[512];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "-- Lua generated by kresd from 'p.yaml'\ncache.size = 10485760\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml_run");
	const struct { const char *name; const TTest *test; } cases[] = {
		{ "kr_config_is_yaml", extension }, { "kr_config_run_yaml", runs_the_lua },
		{ "errors located", errors_located }, { "workers", workers }, { "kr_config_print_lua", print_lua },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
