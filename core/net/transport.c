/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Outgoing queries. UDP: one socket per attempt, so each query leaves from a
 * fresh random port of the kernel's ephemeral range. TCP (after TC=1, or when
 * the query asks for it): one connection per server, reused and pipelined by
 * all tasks. TLS (KR_QF_TLS): as TCP, on its own connection per server, which
 * carries queries only once the server passed the authentication configured
 * for its address (tls_client.c); one that fails it is closed and logged, and
 * its queries go to the next server. Every attempt has a timeout, then the
 * next server is tried.
 * A reply is accepted only from the server's address and port, with our ID and
 * our question byte for byte (letter case included, see 0x20 in the engine).
 */
#include <stdlib.h>
#include <string.h>
#include <mbedtls/x509.h>
#include "core/daemon/daemon.h"
#include "core/net/net.h"
#include "core/net/tls.h"
#include "core/net/worker-impl.h"

#define UPSTREAM_TIMEOUT_MS 1500
#define UP_CONN_IDLE_MS 10000
#define UP_CONN_SETUP_MS 5000   /* connect (and TLS handshake) within this, or give up */
#define TLS_REFUSED_MS 10000    /* a TLS server that failed its check is left alone this long */

/** A TCP connection to an upstream server, shared by the tasks that query it. */
struct kr_up_conn {
	uv_tcp_t handle;
	uv_connect_t connect;
	uv_timer_t idle;
	union kr_sockaddr addr;
	struct kr_tls_stream *tls;          /* NULL for plain TCP; malloc()ed */
	struct kr_tls_upstream *auth;       /* how the server is authenticated; one reference */
	bool connected;                     /* queries may be written (TLS: authenticated) */
	bool closing;
	int open_handles;
	uint8_t *buf;               /* unprocessed stream bytes; malloc()ed */
	size_t len;
	size_t cap;
	struct kr_task *waiting;    /* tasks whose replies are expected here */
	struct kr_up_conn *next;
};

static struct kr_up_conn *up_conns;

static void handle_free_cb(uv_handle_t *h)
{
	free(h);
}

static void conn_close(struct kr_up_conn *c);

static void conn_idle_cb(uv_timer_t *timer)
{
	struct kr_up_conn *c = timer->data;
	if (!c->waiting || !c->connected)
		conn_close(c);
}

static void conn_detach(struct kr_task *t)
{
	struct kr_up_conn *c = t->up_conn;
	if (!c)
		return;
	for (struct kr_task **pt = &c->waiting; *pt; pt = &(*pt)->next_up) {
		if (*pt == t) {
			*pt = t->next_up;
			break;
		}
	}
	t->up_conn = NULL;
	t->next_up = NULL;
	if (!c->waiting && !c->closing && c->connected)
		uv_timer_start(&c->idle, conn_idle_cb, UP_CONN_IDLE_MS, 0);
}

void kr__transport_cancel(struct kr_task *t)
{
	if (t->up_udp) {
		uv_close((uv_handle_t *)t->up_udp, handle_free_cb);
		t->up_udp = NULL;
	}
	if (t->up_timer) {
		uv_close((uv_handle_t *)t->up_timer, handle_free_cb);
		t->up_timer = NULL;
	}
	conn_detach(t);
}

static void try_next(struct kr_task *t);

/** Give up on the current attempt and move to the next server. */
static void attempt_failed(struct kr_task *t)
{
	kr__transport_cancel(t);
	t->up_tcp = false;
	++t->ns_index;
	try_next(t);
}

static void up_timeout_cb(uv_timer_t *timer)
{
	struct kr_task *t = timer->data;
	++the_daemon.stats.timeouts;
	attempt_failed(t);
}

/**
 * Does the reply answer our query: same ID and question? The name must match
 * byte for byte, letter case included (0x20), unless the query has NO_0X20.
 */
static bool reply_matches(const struct kr_query *qry, const kr_pkt_t *sent, kr_pkt_t *reply)
{
	if (kr_pkt_parse_question(reply) != 0 || kr_pkt_id(reply) != kr_pkt_id(sent) ||
	    !kr_pkt_flag(reply, KR_PKT_QR))
		return false;
	if (!reply->qname_size || reply->qtype != sent->qtype || reply->qclass != sent->qclass ||
	    reply->qname_size != sent->qname_size)
		return false;
	if (qry->flags & KR_QF_NO_0X20)
		return kr_dname_eq(reply->qname, sent->qname);
	return memcmp(reply->qname, sent->qname, sent->qname_size) == 0;
}

/** Copy a candidate reply into the task's pool; NULL if it does not answer our query. */
static kr_pkt_t *reply_take(struct kr_task *t, const uint8_t *data, size_t len)
{
	if (len < KR_PKT_HDRSIZE)
		return NULL;
	uint8_t *wire = kr_mm_memdup(t->req.pool, data, len);
	kr_pkt_t *reply = wire ? kr_pkt_new(wire, len, t->req.pool) : NULL;
	if (!reply)
		return NULL;
	reply->size = len;
	return reply_matches(t->req.current_query, t->out, reply) ? reply : NULL;
}

static void tcp_send(struct kr_task *t, const union kr_sockaddr *sa);

/** A matching reply arrived: hand it to the layers and go on. */
static void reply_deliver(struct kr_task *t, const struct sockaddr *src, kr_pkt_t *reply)
{
	kr__transport_cancel(t);
	if (kr_pkt_flag(reply, KR_PKT_TC) && !t->up_tcp) {
		/* Truncated: ask the same server again over TCP. */
		t->up_tcp = true;
		tcp_send(t, &t->req.current_query->ns_addr[t->ns_index]);
		return;
	}
	if (kr_pkt_parse(reply) != 0) {
		kr_log_req(&t->req, KR_LOG_DEBUG, "transport", "malformed answer, trying another server");
		attempt_failed(t);
		return;
	}
	t->up_tcp = false;
	kr_resolve_consume(&t->req, src, reply);
	kr__worker_step(t);
}

/* --- UDP --- */

static void up_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static uint8_t rxbuf[KR_PKT_MAXSIZE];
	buf->base = (char *)rxbuf;
	buf->len = sizeof(rxbuf);
}

static void up_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
		       const struct sockaddr *addr, unsigned flags)
{
	struct kr_task *t = h->data;
	if (nread == 0 && !addr)
		return;
	if (nread < 0) {
		attempt_failed(t);   /* e.g. ICMP port unreachable */
		return;
	}
	const union kr_sockaddr *server = &t->req.current_query->ns_addr[t->ns_index];
	kr_pkt_t *reply = NULL;
	if (addr && kr__net_addr_eq(server, addr) && !(flags & UV_UDP_PARTIAL))
		reply = reply_take(t, (const uint8_t *)buf->base, (size_t)nread);
	if (!reply) {
		++the_daemon.stats.dropped;   /* spoofed or stale: keep waiting */
		return;
	}
	reply_deliver(t, addr, reply);
}

/** The local address outgoing queries of this family leave from. */
static void outgoing_addr(int family, union kr_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	const union kr_sockaddr *cfg = family == AF_INET ? &the_daemon.net.outgoing_v4 : &the_daemon.net.outgoing_v6;
	if (cfg->ip.sa_family == family)
		*out = *cfg;
	out->ip.sa_family = (sa_family_t)family;
	if (family == AF_INET)
		out->ip4.sin_port = 0;
	else
		out->ip6.sin6_port = 0;
}

static int udp_send(struct kr_task *t, const union kr_sockaddr *sa)
{
	uv_udp_t *udp = malloc(sizeof(*udp));
	if (!udp)
		return -ENOMEM;
	uv_udp_init(the_daemon.loop, udp);
	udp->data = t;
	t->up_udp = udp;
	/* Port 0: the kernel picks a random port of the ephemeral range. */
	union kr_sockaddr local;
	outgoing_addr(sa->ip.sa_family, &local);
	uv_buf_t buf = uv_buf_init((char *)t->out->wire, t->out->size);
	int ret = uv_udp_bind(udp, &local.ip, 0);
	if (ret == 0)
		ret = uv_udp_recv_start(udp, up_alloc_cb, up_recv_cb);
	if (ret == 0)
		ret = uv_udp_try_send(udp, &buf, 1, &sa->ip);
	return ret < 0 ? ret : 0;
}

/* --- TCP --- */

static void conn_closed_cb(uv_handle_t *h)
{
	struct kr_up_conn *c = h->data;
	if (--c->open_handles == 0) {
		if (c->tls) {
			kr__tls_stream_deinit(c->tls);
			free(c->tls);
		}
		kr__tls_upstream_unref(c->auth);
		free(c->buf);
		free(c);
	}
}

/** Close the connection; its waiting tasks move on to their next server. */
static void conn_close(struct kr_up_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	for (struct kr_up_conn **pc = &up_conns; *pc; pc = &(*pc)->next) {
		if (*pc == c) {
			*pc = c->next;
			break;
		}
	}
	if (c->tls)
		kr__tls_stream_close_notify(c->tls);
	uv_close((uv_handle_t *)&c->idle, conn_closed_cb);
	uv_close((uv_handle_t *)&c->handle, conn_closed_cb);
	while (c->waiting) {
		struct kr_task *t = c->waiting;
		conn_detach(t);
		attempt_failed(t);
	}
}

static void conn_write_cb(uv_write_t *req, int status)
{
	free(req);
}

/** Write the task's query on the connection. */
static int conn_write(struct kr_up_conn *c, struct kr_task *t)
{
	const kr_pkt_t *q = t->out;
	if (c->tls) {
		static uint8_t frame[2 + KR_PKT_MAXSIZE];
		frame[0] = (uint8_t)(q->size >> 8);
		frame[1] = (uint8_t)q->size;
		memcpy(frame + 2, q->wire, q->size);
		int ret = kr__tls_stream_write(c->tls, frame, 2 + q->size);
		if (ret == 0)
			t->up_written = true;
		return ret == 0 ? 0 : -EIO;
	}
	uv_write_t *w = malloc(sizeof(*w) + 2 + q->size);
	if (!w)
		return -ENOMEM;
	uint8_t *data = (uint8_t *)(w + 1);
	data[0] = (uint8_t)(q->size >> 8);
	data[1] = (uint8_t)q->size;
	memcpy(data + 2, q->wire, q->size);
	uv_buf_t buf = uv_buf_init((char *)data, 2 + q->size);
	int ret = uv_write(w, (uv_stream_t *)&c->handle, &buf, 1, conn_write_cb);
	if (ret != 0)
		free(w);
	else
		t->up_written = true;
	return ret;
}

/** Grow the message buffer when less than 1 KiB is free (up to one whole message). */
static void conn_buf_grow(struct kr_up_conn *c)
{
	const size_t max = 2 + KR_PKT_MAXSIZE;
	if (c->cap - c->len < 1024 && c->cap < max) {
		size_t ncap = c->cap ? c->cap * 2 : 4096;
		if (ncap > max)
			ncap = max;
		uint8_t *n = realloc(c->buf, ncap);
		if (n) {
			c->buf = n;
			c->cap = ncap;
		}
	}
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct kr_up_conn *c = h->data;
	if (c->tls) {
		kr__tls_stream_rxbuf(c->tls, buf);
		return;
	}
	conn_buf_grow(c);
	buf->base = (char *)c->buf + c->len;
	buf->len = c->cap - c->len;
}

/** Hand one complete message to the task it answers. */
static void conn_dispatch(struct kr_up_conn *c, const uint8_t *msg, size_t len)
{
	for (struct kr_task *t = c->waiting; t; t = t->next_up) {
		kr_pkt_t *reply = reply_take(t, msg, len);
		if (reply) {
			reply_deliver(t, &c->addr.ip, reply);
			return;
		}
	}
	++the_daemon.stats.dropped;
}

/** Hand the complete messages in the buffer to their tasks. @return false when c closed. */
static bool conn_dispatch_all(struct kr_up_conn *c)
{
	size_t off = 0;
	while (c->len - off >= 2) {
		size_t mlen = ((size_t)c->buf[off] << 8) | c->buf[off + 1];
		if (c->len - off < 2 + mlen)
			break;
		/* Copied out: delivering may start new writes but never reads into buf. */
		conn_dispatch(c, c->buf + off + 2, mlen);
		off += 2 + mlen;
		if (c->closing)
			return false;
	}
	if (off) {
		memmove(c->buf, c->buf + off, c->len - off);
		c->len -= off;
	}
	return true;
}

static void conn_write_waiting(struct kr_up_conn *c);

/** Log why the TLS server at c was not used. */
static void conn_tls_refused(struct kr_up_conn *c, const char *why)
{
	char ip[INET6_ADDRSTRLEN + 1];
	kr_net_addr_str(&c->addr, ip, sizeof(ip));
	int port = ntohs(c->addr.ip.sa_family == AF_INET ? c->addr.ip4.sin_port : c->addr.ip6.sin6_port);
	kr_log_error(tls, "upstream %s@%d%s%s not used: %s", ip, port, c->auth->hostname ? " as " : "",
		     c->auth->hostname ? c->auth->hostname : "", why);
	c->auth->refused_until = kr_now_ms() + TLS_REFUSED_MS;
}

/** TLS: finish the handshake and authentication, then decrypt and dispatch. @return false when c closed. */
static bool conn_tls_pump(struct kr_up_conn *c)
{
	char err[256], e[128];
	if (!c->connected) {
		int ret = kr__tls_stream_handshake(c->tls);
		if (ret == KR_TLS_AGAIN)
			return true;
		if (ret != 0) {
			uint32_t flags = mbedtls_ssl_get_verify_result(&c->tls->ssl);
			if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags) {
				char info[160];
				mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
				info[strcspn(info, "\n")] = '\0';
				snprintf(err, sizeof(err), "certificate verification failed: %s", info);
			} else {
				snprintf(err, sizeof(err), "TLS handshake failed: %s", kr__tls_strerror(ret, e, sizeof(e)));
			}
			conn_tls_refused(c, err);
			conn_close(c);
			return false;
		}
		if (kr__tls_upstream_verify(c->auth, &c->tls->ssl, err, sizeof(err)) != 0) {
			conn_tls_refused(c, err);
			conn_close(c);
			return false;
		}
		c->connected = true;
		conn_write_waiting(c);
		if (c->closing)
			return false;
	}
	for (;;) {
		conn_buf_grow(c);
		if (c->cap == c->len) {
			/* A full buffer holds a whole message at least: hand it over, then go on. */
			if (!conn_dispatch_all(c))
				return false;
			if (c->cap == c->len) {
				conn_close(c);
				return false;
			}
			continue;
		}
		int n = kr__tls_stream_read(c->tls, c->buf + c->len, c->cap - c->len);
		if (n == 0)
			return true;
		if (n < 0) {
			conn_close(c);   /* closed by the server, or broken */
			return false;
		}
		c->len += (size_t)n;
		if (!conn_dispatch_all(c))
			return false;
	}
}

static void conn_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	struct kr_up_conn *c = h->data;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (c->tls) {
		kr__tls_stream_received(c->tls, (size_t)nread);
		if (!conn_tls_pump(c))
			return;
	} else {
		c->len += (size_t)nread;
		if (!conn_dispatch_all(c))
			return;
	}
	if (!c->waiting)
		uv_timer_start(&c->idle, conn_idle_cb, UP_CONN_IDLE_MS, 0);
}

static void conn_connect_cb(uv_connect_t *req, int status)
{
	struct kr_up_conn *c = req->data;
	if (c->closing)
		return;
	if (status != 0 || uv_read_start((uv_stream_t *)&c->handle, conn_alloc_cb, conn_read_cb) != 0) {
		conn_close(c);
		return;
	}
	if (c->tls) {
		conn_tls_pump(c);   /* sends the ClientHello */
		return;
	}
	c->connected = true;
	conn_write_waiting(c);
}

/** Write the queries that waited for the connection. */
static void conn_write_waiting(struct kr_up_conn *c)
{
	for (struct kr_task *t = c->waiting; t; t = t->next_up)
		if (!t->up_written && conn_write(c, t) != 0) {
			conn_close(c);
			return;
		}
}

/** The TLS layer of a new connection to sa. @return 0 or -1 (logged). */
static int conn_tls_init(struct kr_up_conn *c, const union kr_sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN + 1];
	struct kr_tls_upstream *auth = kr__tls_upstream_find(&sa->ip);
	if (!auth) {
		kr_log_error(tls, "upstream %s: no TLS authentication configured for it, not used",
			     kr_net_addr_str(sa, ip, sizeof(ip)));
		return -1;
	}
	if (auth->refused_until > kr_now_ms()) {
		kr_log_debug(tls, "upstream %s failed its check recently, not tried", kr_net_addr_str(sa, ip, sizeof(ip)));
		return -1;
	}
	c->tls = malloc(sizeof(*c->tls));
	if (!c->tls || kr__tls_stream_init(c->tls, &auth->conf, (uv_stream_t *)&c->handle) != 0) {
		free(c->tls);
		c->tls = NULL;
		return -1;
	}
	c->auth = kr__tls_upstream_ref(auth);
	if (auth->hostname && mbedtls_ssl_set_hostname(&c->tls->ssl, auth->hostname) != 0)
		return -1;
	return 0;
}

static struct kr_up_conn *conn_get(const union kr_sockaddr *sa, bool tls)
{
	for (struct kr_up_conn *c = up_conns; c; c = c->next)
		if (kr__net_addr_eq(&c->addr, &sa->ip) && (c->tls != NULL) == tls)
			return c;
	struct kr_up_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->addr = *sa;
	uv_tcp_init(the_daemon.loop, &c->handle);
	uv_timer_init(the_daemon.loop, &c->idle);
	c->handle.data = c->idle.data = c->connect.data = c;
	c->open_handles = 2;
	union kr_sockaddr local;
	outgoing_addr(sa->ip.sa_family, &local);
	if ((tls && conn_tls_init(c, sa) != 0) || uv_tcp_bind(&c->handle, &local.ip, 0) != 0 ||
	    uv_tcp_connect(&c->connect, &c->handle, &sa->ip, conn_connect_cb) != 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->idle, conn_closed_cb);
		uv_close((uv_handle_t *)&c->handle, conn_closed_cb);
		return NULL;
	}
	uv_timer_start(&c->idle, conn_idle_cb, UP_CONN_SETUP_MS, 0);
	c->next = up_conns;
	up_conns = c;
	return c;
}

static void tcp_send(struct kr_task *t, const union kr_sockaddr *sa)
{
	struct kr_up_conn *c = conn_get(sa, (t->req.current_query->flags & KR_QF_TLS) != 0);
	uv_timer_t *timer = malloc(sizeof(*timer));
	if (!c || !timer) {
		free(timer);
		attempt_failed(t);
		return;
	}
	uv_timer_init(the_daemon.loop, timer);
	timer->data = t;
	t->up_timer = timer;
	t->up_conn = c;
	t->up_written = false;
	t->next_up = c->waiting;
	c->waiting = t;
	if (c->connected)
		uv_timer_stop(&c->idle);   /* before that it times the setup */
	if (c->connected && conn_write(c, t) != 0) {
		conn_close(c);   /* fails t over to its next server */
		return;
	}
	uv_timer_start(timer, up_timeout_cb, UPSTREAM_TIMEOUT_MS, 0);
}

/* --- server choice --- */

static bool family_allowed(const struct kr_query *qry, int family)
{
	if (family == AF_INET)
		return the_daemon.net.ipv4 && !(qry->flags & KR_QF_NO_IPV4);
	return the_daemon.net.ipv6 && !(qry->flags & KR_QF_NO_IPV6);
}

/** Count an outgoing query for worker.stats(). */
static void count_out(const union kr_sockaddr *sa, bool tcp)
{
	++*(tcp ? &the_daemon.stats.out_tcp : &the_daemon.stats.out_udp);
	++*(sa->ip.sa_family == AF_INET ? &the_daemon.stats.out_ipv4 : &the_daemon.stats.out_ipv6);
}

/** Send the outgoing query to ns_addr[ns_index] or a later address. */
static void try_next(struct kr_task *t)
{
	struct kr_query *qry = t->req.current_query;
	for (; t->ns_index < qry->ns_count; ++t->ns_index) {
		union kr_sockaddr *sa = &qry->ns_addr[t->ns_index];
		if (!family_allowed(qry, sa->ip.sa_family))
			continue;
		bool tcp = t->up_tcp || (qry->flags & (KR_QF_TCP | KR_QF_TLS));
		if (kr_resolve_checkout(&t->req, t->out, &sa->ip, tcp) != 0)
			continue;
		if (tcp) {
			count_out(sa, true);
			t->up_tcp = true;
			tcp_send(t, sa);
			return;
		}
		uv_timer_t *timer = malloc(sizeof(*timer));
		if (!timer)
			break;
		uv_timer_init(the_daemon.loop, timer);
		timer->data = t;
		t->up_timer = timer;
		if (udp_send(t, sa) != 0) {
			kr__transport_cancel(t);
			continue;
		}
		count_out(sa, false);
		uv_timer_start(timer, up_timeout_cb, UPSTREAM_TIMEOUT_MS, 0);
		return;
	}
	/* No server left: the layers learn the attempt failed. */
	t->up_tcp = false;
	kr_resolve_consume(&t->req, NULL, NULL);
	kr__worker_step(t);
}

void kr__transport_send(struct kr_task *t)
{
	t->ns_index = 0;
	t->up_tcp = false;
	try_next(t);
}
