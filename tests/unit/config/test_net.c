/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/net.c: the `net` table (listen, close, list,
 * interfaces, bufsize, tcp_pipeline, tcp_limits, tls, tls_padding, net.IFACE) and the declarative
 * `net = {...}` of the prelude.
 * Only 127.0.0.1 and ::1 are bound, on free high ports; nothing is sent.
 */
#include <arpa/inet.h>
#include <check.h>
#include <lauxlib.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "tests/unit/config/daemon_check.h"
#include "tests/unit/config/lua_check.h"
#include "core/net/tls.h"
#include "tests/unit/core/net/tls_fixture.h"
#include "tests/unit/check_main.h"

static uv_loop_t loop;

static void setup(void)
{
	daemon_up(&loop, NULL, 0, 0);
}

static void teardown(void)
{
	daemon_down(&loop);
}

/** A socket of ours bound to addr:port (0: any); no SO_REUSEADDR. @return fd; *port set. */
static int bind_own(int family, int type, uint16_t *port)
{
	int fd = socket(family, type, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 4), 0);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
				  ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/** A port free for UDP and TCP on 127.0.0.1 and ::1 (for now). */
static uint16_t free_port(void)
{
	for (int attempt = 0; attempt < 100; ++attempt) {
		uint16_t port = 0;
		int fds[4];
		fds[0] = bind_own(AF_INET, SOCK_STREAM, &port);
		fds[1] = bind_own(AF_INET, SOCK_DGRAM, &port);
		fds[2] = bind_own(AF_INET6, SOCK_STREAM, &port);
		fds[3] = bind_own(AF_INET6, SOCK_DGRAM, &port);
		bool ok = true;
		for (int i = 0; i < 4; ++i) {
			if (fds[i] < 0)
				ok = false;
			else
				close(fds[i]);
		}
		if (ok)
			return port;
	}
	ck_abort_msg("no free port");
	return 0;
}

/** Assert a Lua condition (printf-style). */
#define ck_lua(...) do { \
		char cond_[1024]; \
		snprintf(cond_, sizeof(cond_), __VA_ARGS__); \
		char code_[1100]; \
		snprintf(code_, sizeof(code_), "assert(%s)", cond_); \
		const char *err_ = lua_run("%s", code_); \
		ck_assert_msg(err_ == NULL, "false: %s (%s)", cond_, err_); \
	} while (0)

/** Lua: find(list, proto, ip, port) is the entry of net.list() matching. */
static const char find_lua[] =
	"function find(proto, ip, port)\n"
	"  local found\n"
	"  for _, e in ipairs(net.list()) do\n"
	"    local t = e.transport\n"
	"    if t.protocol == proto and t.ip == ip and t.port == port then\n"
	"      assert(not found, 'listed twice')\n"
	"      found = e\n"
	"    end\n"
	"  end\n"
	"  return found\n"
	"end\n";

/** Can a TCP client connect to 127.0.0.1:port (the kernel completes it from the backlog)? */
static bool tcp_connects(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* --- net.listen --- */

START_TEST(listen_v4)
{
	uint16_t port = free_port();
	ck_ok("%s", find_lua);
	ck_ok("assert(net.listen('127.0.0.1', %u) == true)", port);
	ck_assert_uint_eq(the_daemon.net.ep_count, 2);
	ck_lua("#net.list() == 2");
	ck_lua("find('udp', '127.0.0.1', %u) and find('tcp', '127.0.0.1', %u)", port, port);
	ck_lua("find('udp', '127.0.0.1', %u).kind == 'dns' and find('tcp', '127.0.0.1', %u).kind == 'dns'", port, port);
	ck_lua("find('udp', '127.0.0.1', %u).transport.family == 'inet4'", port);
	ck_assert(tcp_connects(port));
	/* the port is really taken */
	uint16_t p = port;
	ck_assert_int_lt(bind_own(AF_INET, SOCK_DGRAM, &p), 0);
}
END_TEST

START_TEST(listen_v6_and_table)
{
	uint16_t port = free_port();
	ck_ok("%s", find_lua);
	ck_ok("net.listen('::1', %u)", port);
	ck_lua("#net.list() == 2");
	ck_lua("find('udp', '::1', %u).transport.family == 'inet6'", port);
	ck_lua("find('tcp', '::1', %u).transport.family == 'inet6'", port);
	/* a table of addresses, one of them listened on already */
	ck_ok("net.listen({ '127.0.0.1', '::1' }, %u)", port);
	ck_lua("#net.list() == 4");
	ck_lua("find('udp', '127.0.0.1', %u) and find('tcp', '127.0.0.1', %u)", port, port);
}
END_TEST

START_TEST(listen_twice)
{
	uint16_t port = free_port();
	ck_ok("net.listen('127.0.0.1', %u)", port);
	ck_ok("assert(net.listen('127.0.0.1', %u) == true)", port);
	ck_lua("#net.list() == 2");
	ck_assert_uint_eq(the_daemon.net.ep_count, 2);
	/* another port is another pair of endpoints */
	uint16_t port2 = free_port();
	ck_ok("net.listen('127.0.0.1', %u)", port2);
	ck_lua("#net.list() == 4");
}
END_TEST

START_TEST(listen_in_use)
{
	uint16_t port = free_port();
	uint16_t p = port;
	int fd = bind_own(AF_INET, SOCK_DGRAM, &p);
	ck_assert_int_ge(fd, 0);
	char part[128];
	snprintf(part, sizeof(part), "net.listen: cannot listen on 127.0.0.1@%u: address already in use", port);
	ck_fails(part, "net.listen('127.0.0.1', %u)", port);
	ck_lua("#net.list() == 0");
	close(fd);
	/* TCP taken: the UDP endpoint opened first is closed again */
	port = free_port();
	p = port;
	fd = bind_own(AF_INET, SOCK_STREAM, &p);
	ck_assert_int_ge(fd, 0);
	snprintf(part, sizeof(part), "127.0.0.1@%u: address already in use", port);
	ck_fails(part, "net.listen('127.0.0.1', %u)", port);
	ck_lua("#net.list() == 0");
	ck_assert_uint_eq(the_daemon.net.ep_count, 0);
	close(fd);
	/* and it works once the port is free */
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_ok("net.listen('127.0.0.1', %u)", port);
	ck_lua("#net.list() == 2");
}
END_TEST

START_TEST(listen_bad)
{
	uint16_t port = free_port();
	ck_fails("net.listen: cannot listen on not-an-ip@53: not an IP address", "net.listen('not-an-ip')");
	ck_fails("not-an-ip@1234: not an IP address", "net.listen('not-an-ip', 1234)");
	ck_fails("net.listen: port 0 out of range 1-65535", "net.listen('127.0.0.1', 0)");
	ck_fails("port 65536 out of range", "net.listen('127.0.0.1', 65536)");
	ck_fails("port -1 out of range", "net.listen('127.0.0.1', -1)");
	ck_fails("bad argument #1 to 'listen'", "net.listen()");
	ck_fails("bad argument #2 to 'listen'", "net.listen('127.0.0.1', 'x')");
	ck_fails("net.listen: kind 'doh2' is not supported", "net.listen('127.0.0.1', %u, { kind = 'doh2' })", port);
	ck_fails("bad argument #3 to 'listen'", "net.listen('127.0.0.1', %u, 'tls')", port);
	ck_lua("#net.list() == 0");
	/* kind 'dns' is what there is */
	ck_ok("net.listen('127.0.0.1', %u, { kind = 'dns' })", port);
	ck_lua("#net.list() == 2");
	/* nil for the port means 53 */
	ck_fails("not-an-ip@53", "net.listen('not-an-ip', nil, { kind = 'dns' })");
}
END_TEST

/* --- net.close --- */

START_TEST(close_endpoints)
{
	uint16_t port = free_port(), port2 = free_port();
	ck_ok("net.listen({ '127.0.0.1', '::1' }, %u)", port);
	ck_ok("net.listen('127.0.0.1', %u)", port2);
	ck_lua("#net.list() == 6");
	ck_lua("net.close('127.0.0.1', %u) == true", port);
	ck_lua("#net.list() == 4");
	ck_lua("net.close('127.0.0.1', %u) == false", port);
	ck_ok("%s", find_lua);
	ck_lua("find('udp', '::1', %u) and find('tcp', '127.0.0.1', %u)", port, port2);
	/* nothing at the default port, or at garbage */
	ck_lua("net.close('127.0.0.1') == false");
	ck_lua("net.close('garbage', 1) == false");
	ck_fails("bad argument #1 to 'close'", "net.close()");
	/* once the loop ran the close, the port is free for anyone */
	uv_run(&loop, UV_RUN_NOWAIT);
	uint16_t p = port;
	int fd = bind_own(AF_INET, SOCK_DGRAM, &p);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(!tcp_connects(port));
	ck_assert(tcp_connects(port2));
}
END_TEST

/* --- net.list --- */

START_TEST(list_entries)
{
	ck_lua("type(net.list()) == 'table' and #net.list() == 0");
	uint16_t port = free_port();
	ck_ok("net.listen('127.0.0.1', %u)", port);
	/* every entry has the same shape */
	ck_ok("for _, e in ipairs(net.list()) do\n"
	      "  assert(e.kind == 'dns')\n"
	      "  local t = e.transport\n"
	      "  assert(t.ip == '127.0.0.1' and t.port == %u and t.family == 'inet4')\n"
	      "  assert(t.protocol == 'udp' or t.protocol == 'tcp')\n"
	      "end", port);
	ck_lua("net.list()[1].transport.protocol ~= net.list()[2].transport.protocol");
}
END_TEST

/* --- net.interfaces --- */

START_TEST(interfaces_lo)
{
	ck_ok("ifs = net.interfaces()");
	ck_lua("type(ifs.lo) == 'table' and type(ifs.lo.addr) == 'table'");
	ck_ok("has4 = false; for _, a in ipairs(ifs.lo.addr) do if a == '127.0.0.1' then has4 = true end end");
	ck_lua("has4");
	ck_lua("ifs.lo.mac == '00:00:00:00:00:00'");
	ck_ok("for name, i in pairs(ifs) do\n"
	      "  assert(type(name) == 'string' and type(i.addr) == 'table' and #i.addr >= 1)\n"
	      "  assert(i.mac:match('^%%x%%x:%%x%%x:%%x%%x:%%x%%x:%%x%%x:%%x%%x$'))\n"
	      "end");
}
END_TEST

/* --- net.IFACE --- */

START_TEST(iface_shortcut)
{
	ck_lua("type(net.lo) == 'table'");
	ck_ok("has4 = false; for _, a in ipairs(net.lo) do if a == '127.0.0.1' then has4 = true end end");
	ck_lua("has4");
	ck_lua("#net.lo == #net.interfaces().lo.addr");
	ck_lua("net.nosuchinterface0 == nil");
	/* net.lo.addr[1] and net.lo.mac as in `net = { net.eth1.addr[1] }` */
	ck_lua("net.lo.addr[1] == net.lo[1] and #net.lo.addr == #net.lo");
	ck_lua("net.lo.mac == '00:00:00:00:00:00'");
	/* the functions are not shadowed */
	ck_lua("type(net.listen) == 'function' and type(net.list) == 'function'");
}
END_TEST

START_TEST(listen_nested)
{
	uint16_t port = free_port();
	/* lists nest; an interface entry of net.interfaces() stands for its addresses */
	ck_ok("net.listen({ { '127.0.0.1' }, { { '::1' } } }, %u)", port);
	ck_lua("#net.list() == 4");
	ck_ok("net.listen(net.lo, %u)", port);   /* bound already: skipped */
	ck_lua("#net.list() == 4");
	uint16_t port2 = free_port();
	ck_ok("net.listen(net.interfaces().lo, %u)", port2);
	ck_lua("#net.list() >= 6");
	ck_ok("net.listen({ net.lo.addr[1] }, %u)", port2);
	ck_fails("bad argument #1 to 'listen' (an address, a list of addresses or an interface expected, got number)",
		 "net.listen({ '127.0.0.1', 5 }, %u)", free_port());
	ck_fails("tables nested too deep", "local t = {'127.0.0.1'} for i = 1, 12 do t = { t } end net.listen(t, %u)",
		 free_port());
}
END_TEST

START_TEST(listen_tls)
{
	uint16_t port = free_port(), port2 = free_port();
	ck_ok("%s", find_lua);
	/* no certificate yet: an ephemeral one, and net.tls() still says none was set */
	ck_ok("assert(net.listen('127.0.0.1', %u, { tls = true }) == true)", port);
	ck_lua("#net.list() == 1");
	ck_lua("find('tcp', '127.0.0.1', %u).kind == 'tls'", port);
	ck_lua("find('udp', '127.0.0.1', %u) == nil", port);
	ck_lua("net.tls() == nil");
	ck_assert_ptr_nonnull(the_daemon.net.tls);
	ck_assert(tcp_connects(port));
	/* kind = 'tls' says the same; tls = false wins over the port */
	ck_ok("net.listen('127.0.0.1', %u, { kind = 'tls' })", port2);
	ck_lua("find('tcp', '127.0.0.1', %u).kind == 'tls'", port2);
	ck_ok("net.listen('127.0.0.1', %u, { tls = true })", port2);   /* again: nothing to do */
	ck_lua("#net.list() == 2");
	/* plain DNS cannot share the TCP port with TLS, nor the reverse */
	ck_fails("address already in use", "net.listen('127.0.0.1', %u)", port2);
	ck_lua("#net.list() == 2");
	ck_ok("net.close('127.0.0.1', %u)", port2);
	ck_ok("net.listen('127.0.0.1', %u, { tls = false })", port2);
	ck_lua("find('udp', '127.0.0.1', %u).kind == 'dns'", port2);
	ck_lua("find('tcp', '127.0.0.1', %u).kind == 'dns'", port2);
	ck_fails("address already in use", "net.listen('127.0.0.1', %u, { tls = true })", port2);
	ck_lua("find('tcp', '127.0.0.1', %u).kind == 'dns'", port2);
}
END_TEST

START_TEST(tls_files)
{
	char dir[] = "/tmp/kresd-test-net.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *cert = fixture_file(dir, "cert.pem", fixture_cert_pem, 0);
	const char *key = fixture_file(dir, "key.pem", fixture_key_pem, 1);
	ck_lua("net.tls() == nil");
	ck_ok("assert(net.tls('%s', '%s') == true)", cert, key);
	ck_lua("select('#', net.tls()) == 2");
	ck_ok("local c, k = net.tls(); assert(c == '%s' and k == '%s')", cert, key);
	ck_assert_str_eq(the_daemon.net.tls->pin, fixture_pin);
	/* errors name the file, and the working pair stays */
	ck_fails("net.tls: cannot read the certificate file '/nonexistent/c.pem': No such file",
		 "net.tls('/nonexistent/c.pem', '%s')", key);
	ck_fails("net.tls: cannot read the key file '/nonexistent/k.pem'", "net.tls('%s', '/nonexistent/k.pem')", cert);
	ck_fails("holds no valid private key", "net.tls('%s', '%s')", cert, cert);
	ck_fails("bad argument #2 to 'tls'", "net.tls('%s')", cert);
	ck_ok("assert(net.tls() == '%s')", cert);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(tls_padding)
{
	ck_lua("net.tls_padding() == 468");
	ck_lua("net.tls_padding(false) == false");
	ck_assert_uint_eq(the_daemon.net.tls_padding, 0);
	ck_lua("net.tls_padding(64) == 64");
	ck_lua("net.tls_padding(true) == 468");
	ck_lua("net.tls_padding(1) == false");
	ck_lua("net.tls_padding(2) == 2");
	ck_fails("net.tls_padding: block 5000 is over 4096 bytes", "net.tls_padding(5000)");
	ck_fails("true, false or a block size expected", "net.tls_padding('x')");
	ck_lua("net.tls_padding() == 2");
}
END_TEST

START_TEST(tcp_limits)
{
	ck_lua("net.tcp_limits().idle_ms == 10000");
	ck_lua("net.tcp_limits().max == 4096");
	ck_lua("net.tcp_limits().per_client == 64");
	ck_lua("net.tcp_limits({per_client = 3, idle_ms = 500}).per_client == 3");
	ck_assert_uint_eq(the_daemon.net.tcp_idle_ms, 500);
	ck_assert_uint_eq(the_daemon.net.tcp_max_per_client, 3);
	ck_fails("net.tcp_limits: unknown field 'idle' (idle_ms, max, per_client)", "net.tcp_limits({idle = 1})");
	ck_fails("net.tcp_limits: idle_ms 5 is outside 100-3600000", "net.tcp_limits({idle_ms = 5})");
	ck_fails("bad argument #1 to 'tcp_limits'", "net.tcp_limits(5)");
	ck_lua("net.tcp_limits().max == 4096");
}
END_TEST

/* --- net.bufsize --- */

START_TEST(bufsize)
{
	ck_lua("net.bufsize() == 1232");
	ck_lua("net.bufsize(4096) == 4096");
	ck_assert_uint_eq(the_daemon.ctx.bufsize, 4096);
	ck_lua("net.bufsize() == 4096");
	ck_lua("net.bufsize(512) == 512 and net.bufsize(65535) == 65535");
	ck_fails("net.bufsize: 511 is outside 512-65535", "net.bufsize(511)");
	ck_fails("net.bufsize: 65536 is outside 512-65535", "net.bufsize(65536)");
	ck_fails("is outside 512-65535", "net.bufsize(0)");
	ck_fails("is outside 512-65535", "net.bufsize(-4096)");
	ck_fails("bad argument #1 to 'bufsize'", "net.bufsize('big')");
	ck_assert_uint_eq(the_daemon.ctx.bufsize, 65535);
}
END_TEST

/* --- net.tcp_pipeline --- */

START_TEST(tcp_pipeline)
{
	ck_lua("net.tcp_pipeline() == 100");
	ck_lua("net.tcp_pipeline(50) == 50");
	ck_assert_uint_eq(the_daemon.net.tcp_pipeline, 50);
	ck_lua("net.tcp_pipeline(1) == 1 and net.tcp_pipeline(65535) == 65535");
	ck_fails("net.tcp_pipeline: 0 is outside 1-65535", "net.tcp_pipeline(0)");
	ck_fails("net.tcp_pipeline: 65536 is outside 1-65535", "net.tcp_pipeline(65536)");
	ck_fails("bad argument #1 to 'tcp_pipeline'", "net.tcp_pipeline({})");
	ck_assert_uint_eq(the_daemon.net.tcp_pipeline, 65535);
}
END_TEST

/* --- the declarative form (prelude) --- */

START_TEST(declare_net)
{
	ck_fails("net must be a table of addresses", "net = '127.0.0.1'");
	ck_fails("not-an-ip@53: not an IP address", "net = { 'not-an-ip' }");
	ck_ok("net = {}");
	ck_lua("type(net.listen) == 'function' and rawget(_G, 'net') == nil");
	ck_lua("#net.list() == 0");
	/* real addresses go to port 53: bound when allowed and free, else a clear error */
	const char *err = lua_run("net = { '127.0.0.1' }");
	if (err) {
		ck_assert_msg(strstr(err, "net.listen: cannot listen on 127.0.0.1@53: ") != NULL, "%s", err);
		ck_lua("#net.list() == 0");
	} else {
		ck_ok("%s", find_lua);
		ck_lua("find('udp', '127.0.0.1', 53) and find('tcp', '127.0.0.1', 53)");
	}
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("net");
	unit_tcase(s, "net.listen", &fx, listen_v4, listen_v6_and_table, listen_twice, listen_in_use,
		   listen_bad, listen_nested, listen_tls);
	unit_tcase(s, "net.tls", &fx, tls_files);
	unit_tcase(s, "net.tls_padding", &fx, tls_padding);
	unit_tcase(s, "net.tcp_limits", &fx, tcp_limits);
	unit_tcase(s, "net.close", &fx, close_endpoints);
	unit_tcase(s, "net.list", &fx, list_entries);
	unit_tcase(s, "net.interfaces", &fx, interfaces_lo);
	unit_tcase(s, "net.IFACE", &fx, iface_shortcut);
	unit_tcase(s, "net.bufsize", &fx, bufsize);
	unit_tcase(s, "net.tcp_pipeline", &fx, tcp_pipeline);
	unit_tcase(s, "declarative net", &fx, declare_net);
	return unit_run(s);
}
