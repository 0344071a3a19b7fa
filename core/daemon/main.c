/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kresd: command line, start-up, the event loop, the interactive CLI, shutdown. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "config/config.h"
#include "core/daemon/control.h"
#include "core/daemon/daemon.h"
#include "core/net/tls.h"
#include "core/net/worker.h"
#include "loader/loader.h"

/**
 * Plugins loaded before the config runs (the config may unload them), as
 * Knot Resolver 5 does. ta_signal_query and detect_time_skew send their queries
 * from a timer that fires after the config, and only while the root has a
 * trust anchor.
 */
static const char *default_plugins[] = { "hints", "cache", "iterate", "validate", "ta_update", "policy",
					 "edns_keepalive", "detect_time_jump", "ta_sentinel",
					 "ta_signal_query", "detect_time_skew", NULL };

struct options {
	const char *addrs[64];
	int addr_count;
	const char *config;
	const char *keyfile;
	const char *rundir;
	const char *print_lua;   /**< --print-lua FILE */
	int forks;
	bool forks_given;        /**< -f on the command line */
	bool interactive;
	bool quiet;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kresd [options] [rundir]\n"
		"\n"
		"Options:\n"
		"  -a, --addr=ADDR[@PORT]   listen on address (port 53 by default); repeatable\n"
		"  -c, --config=FILE        configuration file (default: 'config' in rundir if present);\n"
		"                           FILE.yaml or FILE.yml is a YAML configuration\n"
		"      --print-lua=FILE     print the Lua a YAML configuration stands for and exit\n"
		"  -k, --keyfile=FILE       DNSSEC trust anchor file (RFC 5011 managed)\n"
		"  -f, --forks=N            start N processes serving the same addresses\n"
		"  -n, --noninteractive     no interactive CLI on stdin\n"
		"  -q, --quiet              no command prompt\n"
		"  -v, --verbose            verbose logging\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               print this help and exit\n"
		"\n"
		"Without options kresd works in the current directory and listens on 127.0.0.1 and ::1 port 53.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' }, { "config", required_argument, NULL, 'c' },
		{ "keyfile", required_argument, NULL, 'k' }, { "forks", required_argument, NULL, 'f' },
		{ "noninteractive", no_argument, NULL, 'n' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' }, { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { "print-lua", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "a:c:k:f:nqvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (o->addr_count == (int)(sizeof(o->addrs) / sizeof(o->addrs[0]))) {
				fprintf(stderr, "kresd: too many -a options\n");
				return 1;
			}
			o->addrs[o->addr_count++] = optarg;
			break;
		case 'c': o->config = optarg; break;
		case 'k': o->keyfile = optarg; break;
		case 'f': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256) {
				fprintf(stderr, "kresd: -f needs a number of processes from 1 to 256\n");
				return 1;
			}
			o->forks = (int)n;
			o->forks_given = true;
			o->interactive = false;
			break;
		}
		case 'n': o->interactive = false; break;
		case 'q': o->quiet = true; break;
		case 'v': kr_log_set_verbose(true); break;
		case 'V': printf("kresd, version %s\n", PACKAGE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		case 'P': o->print_lua = optarg; break;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc)
		o->rundir = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "kresd: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	return 0;
}

/** Listen on "ADDR" or "ADDR@PORT" (also "ADDR#PORT"). */
static int listen_spec(const char *spec)
{
	char addr[INET6_ADDRSTRLEN + 32];
	snprintf(addr, sizeof(addr), "%s", spec);
	uint16_t port = 53;
	char *at = strpbrk(addr, "@#");
	if (at) {
		*at = '\0';
		char *end;
		long p = strtol(at + 1, &end, 10);
		if (*end || p < 1 || p > 65535) {
			fprintf(stderr, "kresd: bad port in '%s'\n", spec);
			return -EINVAL;
		}
		port = (uint16_t)p;
	}
	int ret = kr_net_listen(&the_daemon.net, addr, port, KR_EP_UDP | KR_EP_TCP);
	if (ret != 0 && ret != -EEXIST) {
		fprintf(stderr, "kresd: cannot listen on %s@%u: %s\n", addr, port,
			ret == -EINVAL ? "not an IP address" : uv_strerror(ret));
		return ret;
	}
	return 0;
}

/** Is the fd-th name of LISTEN_FDNAMES (colon-separated) one for DNS over TLS ("dns-tls", "tls")? */
static bool fd_name_is_tls(const char *names, int index)
{
	for (int i = 0; names && i < index; ++i) {
		names = strchr(names, ':');
		if (names)
			++names;
	}
	if (!names)
		return false;
	size_t len = strcspn(names, ":");
	return (len == 7 && strncmp(names, "dns-tls", 7) == 0) || (len == 3 && strncmp(names, "tls", 3) == 0);
}

/**
 * Adopt sockets passed by systemd socket activation (LISTEN_FDS, LISTEN_PID);
 * those named "dns-tls" (or "tls") in LISTEN_FDNAMES serve DNS over TLS.
 */
static int adopt_supervisor_fds(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	if (!fds || !pid || atol(pid) != (long)getpid())
		return 0;
	int n = atoi(fds);
	for (int fd = 3; fd < 3 + n; ++fd) {
		int ret = fd_name_is_tls(names, fd - 3) ? kr_net_listen_fd_tls(&the_daemon.net, fd)
							: kr_net_listen_fd(&the_daemon.net, fd);
		if (ret != 0) {
			kr_log_error(system, "cannot use socket %d passed by the supervisor: %s", fd, kr_strerror(ret));
			return ret;
		}
	}
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

static void signal_cb(uv_signal_t *h, int signum)
{
	kr__daemon_quit();
}

/* --- interactive CLI on stdin --- */

static uv_pipe_t cli_stdin;
static char cli_line[64 * 1024];
static size_t cli_len;
static bool cli_prompt;

static void cli_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = cli_line + cli_len;
	buf->len = sizeof(cli_line) - 1 - cli_len;
}

static void cli_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	if (nread < 0) {
		uv_read_stop(s);   /* stdin closed: keep serving */
		return;
	}
	cli_len += (size_t)nread;
	char *nl;
	while ((nl = memchr(cli_line, '\n', cli_len)) != NULL) {
		*nl = '\0';
		if (nl > cli_line) {
			char *out = kr_config_eval(cli_line);
			if (out) {
				fputs(out, stdout);
				free(out);
			}
		}
		size_t used = (size_t)(nl - cli_line) + 1;
		memmove(cli_line, nl + 1, cli_len - used);
		cli_len -= used;
		if (the_daemon.quitting)
			return;
		if (cli_prompt)
			fputs("> ", stdout);
		fflush(stdout);
	}
	if (cli_len == sizeof(cli_line) - 1)
		cli_len = 0;   /* an overlong line is dropped */
}

static void cli_start(bool quiet)
{
	if (uv_pipe_init(the_daemon.loop, &cli_stdin, 0) != 0 || uv_pipe_open(&cli_stdin, STDIN_FILENO) != 0)
		return;
	cli_prompt = !quiet && isatty(STDIN_FILENO);
	if (cli_prompt) {
		fputs("> ", stdout);
		fflush(stdout);
	}
	uv_read_start((uv_stream_t *)&cli_stdin, cli_alloc_cb, cli_read_cb);
}

/* --- forks --- */

static pid_t children[256];
static int child_count;

/** Start forks-1 more processes sharing the sockets; returns in every process. */
static void start_forks(int forks)
{
	for (int i = 1; i < forks; ++i) {
		pid_t pid = fork();
		if (pid < 0) {
			kr_log_error(system, "fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			child_count = 0;
			the_daemon.fork_id = i;
			uv_loop_fork(the_daemon.loop);
			kr__tls_after_fork(i);
			kr__config_update_worker();
			return;
		}
		children[child_count++] = pid;
	}
}

static void stop_forks(void)
{
	for (int i = 0; i < child_count; ++i)
		kill(children[i], SIGTERM);
	for (int i = 0; i < child_count; ++i)
		waitpid(children[i], NULL, 0);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int main(int argc, char **argv)
{
	struct options o = { .interactive = true, .forks = 1 };
	if (parse_args(argc, argv, &o) != 0)
		return 1;
	if (o.print_lua)
		return kr_config_print_lua(o.print_lua, stdout) == 0 ? 0 : 1;
	if (o.rundir && chdir(o.rundir) != 0) {
		fprintf(stderr, "kresd: cannot enter rundir '%s': %s\n", o.rundir, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	char cwd[PATH_MAX];
	the_daemon.rundir = strdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	the_daemon.loop = uv_default_loop();
	the_daemon.fork_count = o.forks;
	the_daemon.net.reuseport = true;   /* another kresd group may serve the same addresses */
	const char *moduledir = getenv("KRESD_MODULE_DIR");
	if (kr_context_init(&the_daemon.ctx, moduledir && *moduledir ? moduledir : NULL) != 0)
		return 1;
	kr_net_init(&the_daemon.net, the_daemon.loop);
	if (kr_config_init(&the_daemon) != 0)
		return 1;
	int ret = 1;
	if (adopt_supervisor_fds() < 0)
		goto out;
	for (int i = 0; i < o.addr_count; ++i)
		if (listen_spec(o.addrs[i]) != 0)
			goto out;
	for (const char **p = default_plugins; *p; ++p) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "modules.load('%s')", *p);
		char *res = kr_config_eval(cmd);
		bool failed = !res || strncmp(res, "error:", 6) == 0;
		if (failed)
			fprintf(stderr, "kresd: default plugin %s: %s", *p, res ? res + 7 : "out of memory\n");
		free(res);
		if (failed)
			goto out;
	}
	const char *config = o.config;
	if (!config && access("config", R_OK) == 0)
		config = "config";
	if (config && kr_config_is_yaml(config)) {
		/* `workers` may set the process count (unless -f says otherwise) */
		if (kr_config_run_yaml(config, o.forks_given ? o.forks : 0, &o.forks) != 0)
			goto out;
		if (o.forks > 1)
			o.interactive = false;
	} else if (config && kr_config_run_file(config) != 0) {
		goto out;
	}
	/* TLS sockets handed over before the config had its chance to call net.tls() */
	for (size_t i = 0; i < the_daemon.net.ep_count; ++i)
		if (the_daemon.net.eps[i].kind == KR_EP_TLS && kr_net_tls_ensure(&the_daemon.net) != 0)
			goto out;
	if (o.keyfile) {
		char cmd[PATH_MAX + 64];
		snprintf(cmd, sizeof(cmd), "trust_anchors.add_file('%s')", o.keyfile);
		lua_State *L = the_daemon.L;
		lua_getglobal(L, "trust_anchors");
		bool have_ta = lua_istable(L, -1);
		lua_pop(L, 1);
		if (!have_ta) {
			fprintf(stderr, "kresd: -k %s: DNSSEC validation is not available (the validate plugin is not loaded)\n", o.keyfile);
			goto out;
		}
		char *res = kr_config_eval(cmd);
		bool failed = res && strncmp(res, "error:", 6) == 0;
		if (failed)
			fprintf(stderr, "kresd: -k %s: %s", o.keyfile, res);
		free(res);
		if (failed)
			goto out;
	}
	lua_getglobal(the_daemon.L, "__kr_net_declared");
	bool net_declared = lua_toboolean(the_daemon.L, -1);   /* `net = {}` in the config */
	lua_pop(the_daemon.L, 1);
	if (the_daemon.net.ep_count == 0 && !net_declared) {
		int ok = (listen_spec("127.0.0.1") == 0) + (listen_spec("::1") == 0);
		if (ok == 0) {
			fprintf(stderr, "kresd: no address to listen on\n");
			goto out;
		}
	}
	uv_signal_t sigterm, sigint;
	uv_signal_init(the_daemon.loop, &sigterm);
	uv_signal_init(the_daemon.loop, &sigint);
	start_forks(o.forks);
	uv_signal_start(&sigterm, signal_cb, SIGTERM);
	uv_signal_start(&sigint, signal_cb, SIGINT);
	if (o.interactive)
		cli_start(o.quiet);
	kr__control_start();
	uv_run(the_daemon.loop, UV_RUN_DEFAULT);
	kr__control_stop();
	stop_forks();
	ret = the_daemon.exit_status;
out:
	kr_net_deinit(&the_daemon.net);
	kr_config_deinit(&the_daemon);
	kr_context_deinit(&the_daemon.ctx);
	kr__worker_deinit();
	uv_walk(the_daemon.loop, close_walk_cb, NULL);
	uv_run(the_daemon.loop, UV_RUN_DEFAULT);
	uv_loop_close(the_daemon.loop);
	free(the_daemon.rundir);
	return ret;
}
