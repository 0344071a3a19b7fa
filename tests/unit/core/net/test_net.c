/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of core/net/net.c: addresses, listening endpoints (bound by us
 * or handed over), closing; and end to end, real DNS queries over UDP and
 * TCP to an endpoint answered by the worker (no plugins: SERVFAIL).
 * Only 127.0.0.1 and ::1 are bound, on free high ports; queries go to them only.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <kres/pkt.h>
#include "core/daemon/daemon.h"
#include "core/net/net.h"
#include "core/net/worker.h"
#include "tests/unit/check_main.h"

static uv_loop_t loop;
static struct kr_net *net = &the_daemon.net;

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void setup(void)
{
	memset(&the_daemon, 0, sizeof(the_daemon));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	the_daemon.loop = &loop;
	ck_assert_int_eq(kr_context_init(&the_daemon.ctx, NULL), 0);
	kr_net_init(net, the_daemon.loop);
}

static void teardown(void)
{
	kr_net_deinit(net);
	kr_context_deinit(&the_daemon.ctx);
	kr__worker_deinit();
	uv_walk(&loop, close_walk_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/** Fill a loopback address of the family with the port. @return its length. */
static socklen_t loopback(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_addr = in6addr_loopback;
	return sizeof(*s6);
}

/** A socket of ours bound to loopback:port (0: any), no SO_REUSEADDR. @return fd or -1; *port set. */
static int bind_own(int family, int type, uint16_t *port, bool do_listen)
{
	int fd = socket(family, type, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, *port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	if (do_listen)
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
		int fds[4] = {
			bind_own(AF_INET, SOCK_STREAM, &port, true),
			bind_own(AF_INET, SOCK_DGRAM, &port, false),
			bind_own(AF_INET6, SOCK_STREAM, &port, true),
			bind_own(AF_INET6, SOCK_DGRAM, &port, false),
		};
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

/** Can we bind loopback:port ourselves now (after the loop ran pending closes)? */
static bool port_free(int family, int type, uint16_t port)
{
	uv_run(&loop, UV_RUN_NOWAIT);
	int fd = bind_own(family, type, &port, type == SOCK_STREAM);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* --- DNS over the sockets --- */

/** A query for qname/qtype IN with RD, id given. @note kr_pkt_free() it. */
static kr_pkt_t *make_query(const char *qname, uint16_t qtype, uint16_t id)
{
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), qname), 0);
	kr_pkt_t *q = kr_pkt_new(NULL, 512, NULL);
	ck_assert_ptr_nonnull(q);
	kr_pkt_set_id(q, id);
	kr_pkt_set_flag(q, KR_PKT_RD, true);
	ck_assert_int_eq(kr_pkt_put_question(q, name, 1 /* IN */, qtype), 0);
	return q;
}

/** Check wire[0..len) is the SERVFAIL answer to a query (qname, qtype IN, id): header and question. */
static void check_servfail(const uint8_t *wire, size_t len, const char *qname, uint16_t qtype, uint16_t id)
{
	ck_assert_uint_ge(len, KR_PKT_HDRSIZE);
	uint8_t *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wire, len);
	kr_pkt_t *a = kr_pkt_new(copy, len, NULL);
	ck_assert_ptr_nonnull(a);
	a->size = len;
	ck_assert_int_eq(kr_pkt_parse(a), 0);
	ck_assert_uint_eq(kr_pkt_id(a), id);
	ck_assert(kr_pkt_flag(a, KR_PKT_QR));
	ck_assert(kr_pkt_flag(a, KR_PKT_RD));
	ck_assert_uint_eq(kr_pkt_opcode(a), 0);
	ck_assert_uint_eq(kr_pkt_rcode(a), KR_RCODE_SERVFAIL);
	/* the question echoed */
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), qname), 0);
	ck_assert_uint_gt(a->qname_size, 0);
	ck_assert(kr_dname_eq(a->qname, name));
	ck_assert_uint_eq(a->qtype, qtype);
	ck_assert_uint_eq(a->qclass, 1);
	ck_assert_uint_eq(kr_pkt_count(a, KR_SECTION_ANSWER), 0);
	kr_pkt_free(a);
	free(copy);
}

/** Run the loop until a datagram arrives on fd or ms pass. @return its length, or -1. */
static ssize_t udp_wait(int fd, uint8_t *buf, size_t len, unsigned ms)
{
	uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;
	do {
		uv_run(&loop, UV_RUN_NOWAIT);
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		ck_assert_int_eq(errno, EAGAIN);
		usleep(200);
	} while (uv_hrtime() < end);
	return -1;
}

/** A UDP client socket connected to loopback:port. */
static int udp_client(int family, uint16_t port)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, port, &ss);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

/** Send a UDP query to loopback:port and check the SERVFAIL answer. */
static void udp_roundtrip(int family, uint16_t port, const char *qname, uint16_t id)
{
	int fd = udp_client(family, port);
	kr_pkt_t *q = make_query(qname, 1, id);
	ck_assert_int_eq(send(fd, q->wire, q->size, 0), (ssize_t)q->size);
	kr_pkt_free(q);
	uint8_t buf[4096];
	ssize_t n = udp_wait(fd, buf, sizeof(buf), 5000);
	ck_assert_msg(n > 0, "no answer over UDP");
	check_servfail(buf, (size_t)n, qname, 1, id);
	close(fd);
}

/** Run the loop until every TCP session closed (so that none is left at teardown). */
static void tcp_sessions_settle(void)
{
	uint64_t end = uv_hrtime() + 5000ull * 1000000;
	while (net->tcp_conns > 0 && uv_hrtime() < end) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(200);
	}
	ck_assert_uint_eq(net->tcp_conns, 0);
	uv_run(&loop, UV_RUN_NOWAIT);
}

/* --- kr_net_init --- */

START_TEST(init_defaults)
{
	ck_assert_ptr_eq(net->loop, &loop);
	ck_assert_uint_eq(net->ep_count, 0);
	ck_assert_ptr_null(net->eps);
	ck_assert_uint_eq(net->tcp_pipeline, 100);
	ck_assert_uint_gt(net->tcp_idle_ms, 0);
	ck_assert_uint_gt(net->tcp_max_conns, 0);
	ck_assert_uint_eq(net->tcp_conns, 0);
	ck_assert(!net->reuseport);
}
END_TEST

/* --- kr_net_parse_addr --- */

START_TEST(parse_v4)
{
	union kr_sockaddr sa;
	memset(&sa, 0xff, sizeof(sa));
	ck_assert_int_eq(kr_net_parse_addr("127.0.0.1", 53, &sa), 0);
	ck_assert_int_eq(sa.ip4.sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sa.ip4.sin_port), 53);
	ck_assert_uint_eq(ntohl(sa.ip4.sin_addr.s_addr), 0x7f000001);
	ck_assert_int_eq(kr_net_parse_addr("192.0.2.254", 65535, &sa), 0);
	ck_assert_uint_eq(ntohs(sa.ip4.sin_port), 65535);
	ck_assert_uint_eq(ntohl(sa.ip4.sin_addr.s_addr), 0xc00002fe);
	ck_assert_int_eq(kr_net_parse_addr("0.0.0.0", 0, &sa), 0);
	ck_assert_uint_eq(sa.ip4.sin_addr.s_addr, 0);
	ck_assert_uint_eq(sa.ip4.sin_port, 0);
}
END_TEST

START_TEST(parse_v6)
{
	union kr_sockaddr sa;
	ck_assert_int_eq(kr_net_parse_addr("::1", 5353, &sa), 0);
	ck_assert_int_eq(sa.ip6.sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sa.ip6.sin6_port), 5353);
	ck_assert(memcmp(&sa.ip6.sin6_addr, &in6addr_loopback, 16) == 0);
	ck_assert_uint_eq(sa.ip6.sin6_scope_id, 0);
	ck_assert_int_eq(kr_net_parse_addr("2001:db8::a:b", 53, &sa), 0);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[0], 0x20);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[1], 0x01);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[13], 0x0a);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[15], 0x0b);
	/* mapped IPv4 stays IPv6 */
	ck_assert_int_eq(kr_net_parse_addr("::ffff:192.0.2.1", 53, &sa), 0);
	ck_assert_int_eq(sa.ip.sa_family, AF_INET6);
}
END_TEST

START_TEST(parse_v6_scope)
{
	union kr_sockaddr sa;
	unsigned lo = if_nametoindex("lo");
	ck_assert_uint_gt(lo, 0);
	ck_assert_int_eq(kr_net_parse_addr("fe80::1%lo", 53, &sa), 0);
	ck_assert_int_eq(sa.ip6.sin6_family, AF_INET6);
	ck_assert_uint_eq(sa.ip6.sin6_scope_id, lo);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[0], 0xfe);
	ck_assert_uint_eq(sa.ip6.sin6_addr.s6_addr[15], 0x01);
	/* a numeric scope */
	ck_assert_int_eq(kr_net_parse_addr("fe80::2%7", 53, &sa), 0);
	ck_assert_uint_eq(sa.ip6.sin6_scope_id, 7);
	ck_assert_uint_eq(ntohs(sa.ip6.sin6_port), 53);
}
END_TEST

START_TEST(parse_garbage)
{
	union kr_sockaddr sa;
	static const char *bad[] = {
		"", "garbage", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "127.0.0.1 ", " 127.0.0.1",
		"1.2.3.4%lo", "::1::2", "2001:db8::g", "[::1]", "127.0.0.1:53", "%lo", ":::",
		"0000000000000000000000000000000000000000000000000000000000000000000000::1", NULL,
	};
	for (const char **b = bad; *b; ++b)
		ck_assert_msg(kr_net_parse_addr(*b, 53, &sa) == -EINVAL, "'%s' accepted", *b);
}
END_TEST

/* --- kr_net_addr_str --- */

START_TEST(addr_str)
{
	union kr_sockaddr sa;
	char buf[INET6_ADDRSTRLEN + 1];
	ck_assert_int_eq(kr_net_parse_addr("192.0.2.1", 53, &sa), 0);
	ck_assert_ptr_eq(kr_net_addr_str(&sa, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, "192.0.2.1");   /* no port */
	ck_assert_int_eq(kr_net_parse_addr("2001:0db8:0000::0001", 53, &sa), 0);
	ck_assert_str_eq(kr_net_addr_str(&sa, buf, sizeof(buf)), "2001:db8::1");
	ck_assert_int_eq(kr_net_parse_addr("::1", 53, &sa), 0);
	ck_assert_str_eq(kr_net_addr_str(&sa, buf, sizeof(buf)), "::1");
	ck_assert_int_eq(kr_net_parse_addr("fe80::1%lo", 53, &sa), 0);
	ck_assert_str_eq(kr_net_addr_str(&sa, buf, sizeof(buf)), "fe80::1");
	memset(&sa, 0, sizeof(sa));
	sa.ip.sa_family = AF_UNIX;
	ck_assert_str_eq(kr_net_addr_str(&sa, buf, sizeof(buf)), "?");
	/* the longest IPv6 text fits INET6_ADDRSTRLEN */
	ck_assert_int_eq(kr_net_parse_addr("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 53, &sa), 0);
	ck_assert_str_eq(kr_net_addr_str(&sa, buf, INET6_ADDRSTRLEN), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

/* --- kr_net_listen --- */

START_TEST(listen_udp_tcp)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_uint_eq(net->ep_count, 2);
	unsigned kinds = 0;
	for (size_t i = 0; i < net->ep_count; ++i) {
		const struct kr_endpoint *ep = &net->eps[i];
		ck_assert_int_eq(ep->addr.ip.sa_family, AF_INET);
		ck_assert_uint_eq(ntohs(ep->addr.ip4.sin_port), port);
		ck_assert_uint_eq(ntohl(ep->addr.ip4.sin_addr.s_addr), 0x7f000001);
		ck_assert(ep->kind == KR_EP_UDP || ep->kind == KR_EP_TCP);
		ck_assert_int_eq(ep->handle->type, ep->kind == KR_EP_UDP ? UV_UDP : UV_TCP);
		ck_assert(!ep->from_supervisor);
		kinds |= ep->kind;
	}
	ck_assert_uint_eq(kinds, KR_EP_UDP | KR_EP_TCP);
	ck_assert(!port_free(AF_INET, SOCK_DGRAM, port));
	ck_assert(!port_free(AF_INET, SOCK_STREAM, port));
	/* the same again: -EEXIST, nothing added */
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), -EEXIST);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP), -EEXIST);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_TCP), -EEXIST);
	ck_assert_uint_eq(net->ep_count, 2);
	/* IPv6 on the same port is another endpoint */
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_uint_eq(net->ep_count, 4);
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_TCP), -EEXIST);
}
END_TEST

START_TEST(listen_kinds)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP), 0);
	ck_assert_uint_eq(net->ep_count, 1);
	ck_assert_int_eq(net->eps[0].kind, KR_EP_UDP);
	ck_assert(port_free(AF_INET, SOCK_STREAM, port));
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_TCP), 0);
	ck_assert_uint_eq(net->ep_count, 2);
	ck_assert_int_eq(net->eps[1].kind, KR_EP_TCP);
	/* no kinds, nothing done */
	uint16_t port2 = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port2, 0), 0);
	ck_assert_uint_eq(net->ep_count, 2);
}
END_TEST

START_TEST(listen_errors)
{
	ck_assert_int_eq(kr_net_listen(net, "not-an-ip", 5353, KR_EP_UDP | KR_EP_TCP), -EINVAL);
	ck_assert_int_eq(kr_net_listen(net, "", 5353, KR_EP_UDP), -EINVAL);
	/* an address that is not ours */
	ck_assert_int_eq(kr_net_listen(net, "192.0.2.123", free_port(), KR_EP_UDP), -EADDRNOTAVAIL);
	ck_assert_uint_eq(net->ep_count, 0);
}
END_TEST

START_TEST(listen_in_use)
{
	/* UDP taken by someone else */
	uint16_t port = free_port(), p = port;
	int fd = bind_own(AF_INET, SOCK_DGRAM, &p, false);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), -EADDRINUSE);
	ck_assert_uint_eq(net->ep_count, 0);
	ck_assert(port_free(AF_INET, SOCK_STREAM, port));
	close(fd);
	/* TCP taken: the UDP endpoint just opened is closed again */
	port = free_port();
	p = port;
	fd = bind_own(AF_INET, SOCK_STREAM, &p, true);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), -EADDRINUSE);
	ck_assert_uint_eq(net->ep_count, 0);
	ck_assert(port_free(AF_INET, SOCK_DGRAM, port));
	close(fd);
}
END_TEST

START_TEST(listen_failure_keeps_others)
{
	/* UDP first; a later TCP listen on the same address fails: UDP stays */
	uint16_t port = free_port(), p = port;
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP), 0);
	int fd = bind_own(AF_INET, SOCK_STREAM, &p, true);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_TCP), -EADDRINUSE);
	ck_assert_uint_eq(net->ep_count, 1);
	ck_assert_int_eq(net->eps[0].kind, KR_EP_UDP);
	close(fd);
	udp_roundtrip(AF_INET, port, "still.served.", 0x5151);
}
END_TEST

/* --- kr_net_listen_fd --- */

START_TEST(listen_fd_udp)
{
	uint16_t port = 0;
	int fd = bind_own(AF_INET, SOCK_DGRAM, &port, false);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen_fd(net, fd), 0);
	ck_assert_uint_eq(net->ep_count, 1);
	const struct kr_endpoint *ep = &net->eps[0];
	ck_assert_int_eq(ep->kind, KR_EP_UDP);
	ck_assert(ep->from_supervisor);
	ck_assert_int_eq(ep->addr.ip.sa_family, AF_INET);
	ck_assert_uint_eq(ntohs(ep->addr.ip4.sin_port), port);
	ck_assert_uint_eq(ntohl(ep->addr.ip4.sin_addr.s_addr), 0x7f000001);
	/* it serves */
	udp_roundtrip(AF_INET, port, "adopted.example.", 0x0a0b);
	/* and closing it by address works as for our own (the fd is released) */
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", port), 0);
	ck_assert(port_free(AF_INET, SOCK_DGRAM, port));
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

START_TEST(listen_fd_tcp)
{
	/* listening already, as systemd hands it over */
	uint16_t port = 0;
	int fd = bind_own(AF_INET6, SOCK_STREAM, &port, true);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen_fd(net, fd), 0);
	ck_assert_uint_eq(net->ep_count, 1);
	ck_assert_int_eq(net->eps[0].kind, KR_EP_TCP);
	ck_assert(net->eps[0].from_supervisor);
	ck_assert_int_eq(net->eps[0].addr.ip.sa_family, AF_INET6);
	ck_assert_uint_eq(ntohs(net->eps[0].addr.ip6.sin6_port), port);
	ck_assert(memcmp(&net->eps[0].addr.ip6.sin6_addr, &in6addr_loopback, 16) == 0);
	/* only bound: listening starts on adoption */
	uint16_t port2 = 0;
	int fd2 = bind_own(AF_INET, SOCK_STREAM, &port2, false);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(kr_net_listen_fd(net, fd2), 0);
	ck_assert_uint_eq(net->ep_count, 2);
	ck_assert_int_eq(net->eps[1].kind, KR_EP_TCP);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET, port2, &ss);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&ss, len), 0);
	close(c);
}
END_TEST

START_TEST(listen_fd_tls)
{
	uint16_t port = 0;
	int fd = bind_own(AF_INET, SOCK_STREAM, &port, true);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kr_net_listen_fd_tls(net, fd), 0);
	ck_assert_uint_eq(net->ep_count, 1);
	ck_assert_int_eq(net->eps[0].kind, KR_EP_TLS);
	ck_assert(net->eps[0].from_supervisor);
	/* no credentials until asked for; then an ephemeral certificate, made once */
	ck_assert_ptr_null(net->tls);
	ck_assert_int_eq(kr_net_tls_ensure(net), 0);
	struct kr_tls_creds *c = net->tls;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(kr_net_tls_ensure(net), 0);
	ck_assert_ptr_eq(net->tls, c);
	/* a datagram socket cannot carry TLS */
	uint16_t uport = 0;
	int u = bind_own(AF_INET, SOCK_DGRAM, &uport, false);
	ck_assert_int_eq(kr_net_listen_fd_tls(net, u), -EPROTOTYPE);
	close(u);
	ck_assert_int_eq(kr_net_listen_fd_tls(net, -1), -EBADF);
	ck_assert_uint_eq(net->ep_count, 1);
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", port), 0);
}
END_TEST

START_TEST(listen_fd_errors)
{
	/* not a socket, or closed */
	ck_assert_int_eq(kr_net_listen_fd(net, -1), -EBADF);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(kr_net_listen_fd(net, p[0]), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(kr_net_listen_fd(net, p[0]), -EBADF);
	/* a UNIX socket */
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(u, 0);
	ck_assert_int_eq(kr_net_listen_fd(net, u), -EAFNOSUPPORT);
	close(u);
	/* a raw socket (needs CAP_NET_RAW) */
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	if (r >= 0) {
		ck_assert_int_eq(kr_net_listen_fd(net, r), -EPROTOTYPE);
		close(r);
	}
	ck_assert_uint_eq(net->ep_count, 0);
}
END_TEST

/* --- kr_net_close --- */

START_TEST(close_endpoints)
{
	uint16_t port = free_port(), port2 = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port2, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_uint_eq(net->ep_count, 6);
	/* every kind at that address and port, nothing else */
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", port), 0);
	ck_assert_uint_eq(net->ep_count, 4);
	for (size_t i = 0; i < net->ep_count; ++i) {
		const union kr_sockaddr *a = &net->eps[i].addr;
		ck_assert(a->ip.sa_family == AF_INET6 || ntohs(a->ip4.sin_port) == port2);
	}
	ck_assert(port_free(AF_INET, SOCK_DGRAM, port));
	ck_assert(port_free(AF_INET, SOCK_STREAM, port));
	ck_assert(!port_free(AF_INET6, SOCK_DGRAM, port));
	/* gone already, never there, garbage */
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", port), -ENOENT);
	ck_assert_int_eq(kr_net_close(net, "127.0.0.2", port2), -ENOENT);
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", (uint16_t)(port2 + 1)), -ENOENT);
	ck_assert_int_eq(kr_net_close(net, "garbage", port2), -EINVAL);
	ck_assert_uint_eq(net->ep_count, 4);
	ck_assert_int_eq(kr_net_close(net, "::1", port), 0);
	ck_assert_int_eq(kr_net_close(net, "127.0.0.1", port2), 0);
	ck_assert_uint_eq(net->ep_count, 0);
	/* listening again after close */
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_uint_eq(net->ep_count, 2);
}
END_TEST

/* --- kr_net_deinit --- */

START_TEST(deinit)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_UDP), 0);
	kr_net_deinit(net);
	ck_assert_uint_eq(net->ep_count, 0);
	ck_assert_ptr_null(net->eps);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
	ck_assert(port_free(AF_INET, SOCK_DGRAM, port));
	ck_assert(port_free(AF_INET, SOCK_STREAM, port));
	ck_assert(port_free(AF_INET6, SOCK_DGRAM, port));
	kr_net_deinit(net);   /* twice: harmless */
	ck_assert_uint_eq(net->ep_count, 0);
}
END_TEST

/* --- serving: queries end to end --- */

START_TEST(serve_udp)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_UDP), 0);
	udp_roundtrip(AF_INET, port, "example.com.", 0x1234);
	udp_roundtrip(AF_INET6, port, "www.example.org.", 0xbeef);
	ck_assert_uint_eq(the_daemon.stats.udp, 2);
	ck_assert_uint_eq(the_daemon.stats.queries, 2);
	ck_assert_uint_eq(the_daemon.stats.servfail, 2);
	ck_assert_uint_eq(the_daemon.stats.answered, 2);
	ck_assert_uint_eq(the_daemon.stats.concurrent, 0);
}
END_TEST

START_TEST(serve_udp_not_queries)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP), 0);
	int fd = udp_client(AF_INET, port);
	uint8_t buf[512];
	/* too short for a header: no answer */
	ck_assert_int_eq(send(fd, "\x12\x34\x01", 3, 0), 3);
	ck_assert_int_lt(udp_wait(fd, buf, sizeof(buf), 100), 0);
	/* a response (QR set): no answer, no reflection */
	kr_pkt_t *q = make_query("example.com.", 1, 0x4242);
	kr_pkt_set_flag(q, KR_PKT_QR, true);
	ck_assert_int_eq(send(fd, q->wire, q->size, 0), (ssize_t)q->size);
	kr_pkt_free(q);
	ck_assert_int_lt(udp_wait(fd, buf, sizeof(buf), 100), 0);
	ck_assert_uint_eq(the_daemon.stats.dropped, 2);
	ck_assert_uint_eq(the_daemon.stats.answered, 0);
	/* still serving */
	close(fd);
	udp_roundtrip(AF_INET, port, "after.junk.", 7);
}
END_TEST

START_TEST(serve_tcp_pipelined)
{
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "127.0.0.1", port, KR_EP_UDP | KR_EP_TCP), 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET, port, &ss);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	/* two queries in one write */
	kr_pkt_t *q1 = make_query("one.example.", 1, 0x1111);
	kr_pkt_t *q2 = make_query("two.example.", 28, 0x2222);
	uint8_t out[1024];
	size_t off = 0;
	kr_pkt_t *qs[] = { q1, q2 };
	for (int i = 0; i < 2; ++i) {
		out[off++] = (uint8_t)(qs[i]->size >> 8);
		out[off++] = (uint8_t)qs[i]->size;
		memcpy(out + off, qs[i]->wire, qs[i]->size);
		off += qs[i]->size;
	}
	kr_pkt_free(q1);
	kr_pkt_free(q2);
	ck_assert_int_eq(send(fd, out, off, 0), (ssize_t)off);
	/* read until both framed answers are in */
	uint8_t in[8192];
	size_t got = 0;
	int answers = 0;
	uint64_t end = uv_hrtime() + 5000ull * 1000000;
	while (answers < 2 && uv_hrtime() < end) {
		uv_run(&loop, UV_RUN_NOWAIT);
		ssize_t n = recv(fd, in + got, sizeof(in) - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else
			usleep(200);
		/* count complete messages */
		answers = 0;
		for (size_t o = 0; o + 2 <= got;) {
			size_t mlen = ((size_t)in[o] << 8) | in[o + 1];
			if (o + 2 + mlen > got)
				break;
			++answers;
			o += 2 + mlen;
		}
	}
	ck_assert_int_eq(answers, 2);
	bool seen1 = false, seen2 = false;
	for (size_t o = 0; o < got;) {
		size_t mlen = ((size_t)in[o] << 8) | in[o + 1];
		const uint8_t *m = in + o + 2;
		uint16_t id = (uint16_t)((m[0] << 8) | m[1]);
		if (id == 0x1111) {
			check_servfail(m, mlen, "one.example.", 1, 0x1111);
			seen1 = true;
		} else {
			check_servfail(m, mlen, "two.example.", 28, 0x2222);
			seen2 = true;
		}
		o += 2 + mlen;
	}
	ck_assert(seen1 && seen2);
	ck_assert_uint_eq(got, (size_t)(in[0] << 8 | in[1]) + 2 +
			  (size_t)(in[2 + (in[0] << 8 | in[1])] << 8 | in[3 + (in[0] << 8 | in[1])]) + 2);
	ck_assert_uint_eq(the_daemon.stats.tcp, 2);
	ck_assert_uint_eq(the_daemon.stats.udp, 0);
	ck_assert_uint_eq(net->tcp_conns, 1);
	/* the client leaves: the session ends */
	close(fd);
	tcp_sessions_settle();
}
END_TEST

START_TEST(serve_tcp_split)
{
	/* a query arriving byte by byte is answered once complete */
	uint16_t port = free_port();
	ck_assert_int_eq(kr_net_listen(net, "::1", port, KR_EP_TCP), 0);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET6, port, &ss);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	kr_pkt_t *q = make_query("split.example.", 1, 0x3333);
	uint8_t out[512];
	out[0] = (uint8_t)(q->size >> 8);
	out[1] = (uint8_t)q->size;
	memcpy(out + 2, q->wire, q->size);
	size_t total = q->size + 2;
	kr_pkt_free(q);
	for (size_t i = 0; i < total; ++i) {
		ck_assert_int_eq(send(fd, out + i, 1, 0), 1);
		for (int k = 0; k < 3; ++k)
			uv_run(&loop, UV_RUN_NOWAIT);
	}
	uint8_t in[1024];
	size_t got = 0;
	uint64_t end = uv_hrtime() + 5000ull * 1000000;
	while (uv_hrtime() < end && (got < 2 || got < 2 + (((size_t)in[0] << 8) | in[1]))) {
		uv_run(&loop, UV_RUN_NOWAIT);
		ssize_t n = recv(fd, in + got, sizeof(in) - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else
			usleep(200);
	}
	ck_assert_uint_ge(got, 2);
	ck_assert_uint_eq(got, 2 + (((size_t)in[0] << 8) | in[1]));
	check_servfail(in + 2, got - 2, "split.example.", 1, 0x3333);
	close(fd);
	tcp_sessions_settle();
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 30 };
	Suite *s = suite_create("net");
	unit_tcase(s, "kr_net_init", &fx, init_defaults);
	unit_tcase(s, "kr_net_parse_addr", &fx, parse_v4, parse_v6, parse_v6_scope, parse_garbage);
	unit_tcase(s, "kr_net_addr_str", &fx, addr_str);
	unit_tcase(s, "kr_net_listen", &fx, listen_udp_tcp, listen_kinds, listen_errors, listen_in_use,
		   listen_failure_keeps_others);
	unit_tcase(s, "kr_net_listen_fd", &fx, listen_fd_udp, listen_fd_tcp, listen_fd_errors,
		   listen_fd_tls);
	unit_tcase(s, "kr_net_close", &fx, close_endpoints);
	unit_tcase(s, "kr_net_deinit", &fx, deinit);
	unit_tcase(s, "serving", &fx, serve_udp, serve_udp_not_queries, serve_tcp_pipelined,
		   serve_tcp_split);
	return unit_run(s);
}
