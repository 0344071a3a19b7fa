/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Queries from UDP, TCP and TLS clients through the engine, answers back. */
#include <stdlib.h>
#include <string.h>
#include "core/daemon/daemon.h"
#include "core/net/answer_cache.h"
#include "core/net/tls.h"
#include "core/net/worker-impl.h"

#define ARENA_POOL_MAX 64
#define TCP_WRITE_QUEUE_MAX (1024 * 1024)  /* bytes a client may leave unread */
#define TLS_BATCH_MAX 16384                /* answers gathered into one TLS record at most */

/** A TCP client connection, possibly carrying TLS. */
struct kr_tcp_session {
	uv_tcp_t handle;
	uv_timer_t timer;
	struct kr_net *net;
	struct kr_tls_stream *tls;  /* NULL for plain TCP; malloc()ed */
	struct kr_tls_creds *creds; /* the credentials tls was set up with; one reference */
	uint8_t *tls_out;           /* framed answers not yet encrypted (see session_send()); malloc()ed */
	size_t tls_out_len;
	uint8_t *buf;            /* unprocessed stream bytes; malloc()ed */
	size_t len;
	size_t cap;
	unsigned in_flight;      /* tasks of this session not answered yet */
	struct kr_task *tasks;   /* those tasks */
	int open_handles;        /* freed when this drops to 0 */
	bool closing;
	bool eof;
	bool reading;
	bool processing;         /* inside session_process() */
	bool counted;            /* in the per-client count (kr__conn_count_add()) */
	union kr_sockaddr peer;
	union kr_sockaddr local;
};

static struct kr_arena *arena_pool[ARENA_POOL_MAX];
static int arena_pool_len;

/** A new task with its own (reused when possible) arena. */
static struct kr_task *task_new(void)
{
	struct kr_arena *a = arena_pool_len ? arena_pool[--arena_pool_len] : kr_arena_new(0);
	if (!a)
		return NULL;
	struct kr_task *t = kr_mm_calloc(kr_arena_mm(a), sizeof(*t));
	if (!t) {
		kr_arena_delete(a);
		return NULL;
	}
	t->arena = a;
	t->req.pool = kr_arena_mm(a);
	t->req.daemon_data = t;
	++the_daemon.stats.concurrent;
	return t;
}

static void task_free(struct kr_task *t)
{
	--the_daemon.stats.concurrent;
	struct kr_arena *a = t->arena;
	if (arena_pool_len < ARENA_POOL_MAX) {
		kr_arena_reset(a);
		arena_pool[arena_pool_len++] = a;
	} else {
		kr_arena_delete(a);
	}
}

void kr__worker_deinit(void)
{
	while (arena_pool_len)
		kr_arena_delete(arena_pool[--arena_pool_len]);
	kr__answer_cache_deinit();
}

static void session_send(struct kr_tcp_session *s, const uint8_t *wire, size_t size);
static void session_task_done(struct kr_tcp_session *s, struct kr_task *t);

/** Deliver the finished request's answer and release the task. */
static void task_finish(struct kr_task *t, enum kr_layer_state state)
{
	kr__transport_cancel(t);
	kr_resolve_finish(&t->req, state);
	kr_pkt_t *a = t->req.answer;
	if (a && kr_pkt_rcode(a) == KR_RCODE_SERVFAIL)
		++the_daemon.stats.servfail;
	if (a && !t->done_cb && t->req.rplan.initial)
		kr__answer_cache_offer(&t->req, t->ac_gen);
	if (t->done_cb) {
		t->done_cb(&t->req, t->done_baton);
	} else if (a && t->udp) {
		kr__udp_answer(t->udp, a->wire, a->size, &t->src);
	} else if (t->tcp) {
		struct kr_tcp_session *s = t->tcp;
		if (a && s->tls && a->opt && s->net->tls_padding >= 2)
			kr__tls_pad(a->wire, &a->size, a->max_size, kr_edns_wire_size(a->opt), s->net->tls_padding);
		if (a)
			session_send(s, a->wire, a->size);
		session_task_done(s, t);
	}
	task_free(t);
}

void kr__worker_step(struct kr_task *t)
{
	if (!t->out) {
		t->out = kr_pkt_new(NULL, KR_PKT_MAXSIZE, t->req.pool);
		if (!t->out) {
			task_finish(t, KR_STATE_FAIL);
			return;
		}
	}
	enum kr_layer_state st = kr_resolve_produce(&t->req, t->out);
	if (st == KR_STATE_CONSUME)
		kr__transport_send(t);
	else
		task_finish(t, st);
}

/** A FORMERR reply to a query that could not be parsed (question echoed if it was sound). */
static void reply_formerr(struct kr_task *t, kr_pkt_t *q)
{
	kr_pkt_t *a = kr_pkt_new(NULL, KR_EDNS_MIN_BUFSIZE, t->req.pool);
	if (!a)
		return;
	kr_pkt_set_id(a, kr_pkt_id(q));
	kr_pkt_set_opcode(a, kr_pkt_opcode(q));
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_RD, kr_pkt_flag(q, KR_PKT_RD));
	if (kr_pkt_parse_question(q) == 0 && q->qname_size)
		kr_pkt_put_question(a, q->qname, q->qclass, q->qtype);
	kr_pkt_set_rcode(a, KR_RCODE_FORMERR);
	t->req.answer = a;
	++the_daemon.stats.formerr;
}

/** Start resolving a query of len bytes at data (copied into the task). */
static void handle_query(struct kr_task *t, const uint8_t *data, size_t len, bool tcp)
{
	++the_daemon.stats.queries;
	uint8_t *wire = kr_mm_memdup(t->req.pool, data, len);
	kr_pkt_t *q = wire ? kr_pkt_new(wire, len, t->req.pool) : NULL;
	/* Too short for a header, or a response: never answer (no reflection loops). */
	if (len < KR_PKT_HDRSIZE || !q || (wire[2] & 0x80)) {
		++the_daemon.stats.dropped;
		if (t->tcp)
			session_task_done(t->tcp, t);
		task_free(t);
		return;
	}
	q->size = len;
	t->query = q;
	t->ac_gen = kr__answer_cache_gen();
	if (kr_pkt_parse(q) != 0) {
		reply_formerr(t, q);
		t->req.rplan.initial = NULL;
		task_finish(t, KR_STATE_DONE);
		return;
	}
	t->req.qsource.packet = q;
	t->req.qsource.addr = &t->src.ip;
	t->req.qsource.dst_addr = &t->dst.ip;
	t->req.qsource.flags = tcp ? KR_REQ_TCP : 0;
	if (tcp && t->tcp && t->tcp->tls)
		t->req.qsource.flags |= KR_REQ_TLS;
	uint16_t size = KR_EDNS_MIN_BUFSIZE;
	if (tcp) {
		size = KR_PKT_MAXSIZE;
	} else if (q->opt) {
		size = kr_edns_bufsize(q->opt);
		if (size > the_daemon.ctx.bufsize)
			size = the_daemon.ctx.bufsize;
		if (size < KR_EDNS_MIN_BUFSIZE)
			size = KR_EDNS_MIN_BUFSIZE;
	}
	t->req.qsource.size = size;
	enum kr_layer_state st = kr_resolve_begin(&t->req, &the_daemon.ctx);
	if (st == KR_STATE_PRODUCE)
		kr__worker_step(t);
	else
		task_finish(t, st);
}

/* --- UDP --- */

#define UDP_RECV_BATCH 20   /* datagrams one recvmmsg reads at most (libuv's limit) */

static void udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	/* One receive buffer, 64 KiB per datagram of a batch (libuv's recvmmsg slices
	 * it so); each query is copied into its task before the next read. Only the
	 * pages datagrams touch become resident. */
	static uint8_t rxbuf[UDP_RECV_BATCH * KR_PKT_MAXSIZE];
	buf->base = (char *)rxbuf;
	buf->len = sizeof(rxbuf);
}

static void udp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
			const struct sockaddr *addr, unsigned flags)
{
	if (nread > 0 && addr && !(flags & UV_UDP_PARTIAL)) {
		const struct kr_ac_query aq = { .wire = (const uint8_t *)buf->base, .len = (size_t)nread,
						.addr = addr };
		const uint8_t *answer;
		size_t alen = kr__answer_cache_find(&aq, &answer);
		struct kr_task *t = alen ? NULL : task_new();
		if (alen) {
			++the_daemon.stats.queries;
			++the_daemon.stats.udp;
			kr__udp_batch_begin(h);
			kr__udp_answer(h, answer, alen, (const union kr_sockaddr *)addr);
		} else if (t) {
			++the_daemon.stats.udp;
			t->udp = h;
			memcpy(&t->src, addr, addr->sa_family == AF_INET6 ? sizeof(t->src.ip6) : sizeof(t->src.ip4));
			t->dst = *(const union kr_sockaddr *)h->data;   /* the endpoint's address, see net.c */
			kr__udp_batch_begin(h);
			handle_query(t, (const uint8_t *)buf->base, (size_t)nread, false);
		}
	}
	/* A datagram of a recvmmsg batch: more follow, then a call with UV_UDP_MMSG_FREE. */
	if (!(flags & UV_UDP_MMSG_CHUNK))
		kr__udp_batch_end();
}

int kr__worker_udp_start(uv_udp_t *handle)
{
	return uv_udp_recv_start(handle, udp_alloc_cb, udp_recv_cb);
}

/* --- TCP --- */

static void session_handle_closed_cb(uv_handle_t *h)
{
	struct kr_tcp_session *s = h->data;
	if (--s->open_handles == 0) {
		if (s->tls) {
			kr__tls_stream_deinit(s->tls);
			free(s->tls);
		}
		kr__tls_creds_unref(s->creds);
		free(s->tls_out);
		free(s->buf);
		free(s);
	}
}

static void session_close(struct kr_tcp_session *s)
{
	if (s->closing)
		return;
	s->closing = true;
	--s->net->tcp_conns;
	if (s->counted)
		kr__conn_count_del(&s->peer);
	if (s->tls)
		kr__tls_stream_close_notify(s->tls);
	/* Tasks still in flight finish, but their answers go nowhere. */
	for (struct kr_task *t = s->tasks; t; t = t->next_in_session)
		t->tcp = NULL;
	s->tasks = NULL;
	uv_close((uv_handle_t *)&s->timer, session_handle_closed_cb);
	uv_close((uv_handle_t *)&s->handle, session_handle_closed_cb);
}

static void session_timer_cb(uv_timer_t *timer)
{
	struct kr_tcp_session *s = timer->data;
	if (s->in_flight > 0 && !s->eof) {
		/* The client waits for us: give the answers time. */
		uv_timer_start(&s->timer, session_timer_cb, s->net->tcp_idle_ms, 0);
		return;
	}
	session_close(s);
}

static void session_touch(struct kr_tcp_session *s)
{
	if (!s->closing)
		uv_timer_start(&s->timer, session_timer_cb, s->net->tcp_idle_ms, 0);
}

static void session_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf);

/** Grow the plaintext buffer when less than 1 KiB is free (up to one whole message). */
static void session_buf_grow(struct kr_tcp_session *s)
{
	const size_t max = 2 + KR_PKT_MAXSIZE;
	if (s->cap - s->len < 1024 && s->cap < max) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		if (ncap > max)
			ncap = max;
		uint8_t *n = realloc(s->buf, ncap);
		if (n) {
			s->buf = n;
			s->cap = ncap;
		}
	}
}

static void session_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct kr_tcp_session *s = h->data;
	if (s->tls) {
		kr__tls_stream_rxbuf(s->tls, buf);
		return;
	}
	session_buf_grow(s);
	buf->base = (char *)s->buf + s->len;
	buf->len = s->cap - s->len;
}

/**
 * TLS: advance the handshake and decrypt what was received into the message
 * buffer, as far as it has room. @return false when the session was closed.
 */
static bool session_tls_pump(struct kr_tcp_session *s)
{
	int ret = kr__tls_stream_handshake(s->tls);
	if (ret == KR_TLS_AGAIN)
		return true;
	if (ret != 0) {
		if (kr_log_verbose()) {
			char ip[INET6_ADDRSTRLEN + 1], e[128];
			kr_log_debug(tls, "handshake with %s failed: %s", kr_net_addr_str(&s->peer, ip, sizeof(ip)),
				     kr__tls_strerror(ret, e, sizeof(e)));
		}
		session_close(s);
		return false;
	}
	for (;;) {
		session_buf_grow(s);
		if (s->cap == s->len)
			return true;
		int n = kr__tls_stream_read(s->tls, s->buf + s->len, s->cap - s->len);
		if (n == 0)
			return true;
		if (n == -ECONNRESET) {
			s->eof = true;   /* close_notify: answer what was asked, then close */
			return true;
		}
		if (n < 0) {
			session_close(s);
			return false;
		}
		s->len += (size_t)n;
	}
}

/** Encrypt and send the answers gathered in tls_out. */
static void session_tls_flush(struct kr_tcp_session *s)
{
	if (!s->tls_out_len)
		return;
	int ret = kr__tls_stream_write(s->tls, s->tls_out, s->tls_out_len);
	s->tls_out_len = 0;
	if (ret != 0)
		session_close(s);
}

/** Answer the query of len bytes at msg from the answer cache. @return false: not there. */
static bool session_answer_cached(struct kr_tcp_session *s, const uint8_t *msg, size_t len)
{
	const struct kr_ac_query aq = { .wire = msg, .len = len, .addr = &s->peer.ip,
					.flags = KR_REQ_TCP | (s->tls ? KR_REQ_TLS : 0) };
	const uint8_t *answer;
	size_t alen = kr__answer_cache_find(&aq, &answer);
	if (!alen)
		return false;
	++the_daemon.stats.queries;
	++the_daemon.stats.tcp;
	session_touch(s);
	if (s->tls && s->net->tls_padding >= 2 && msg[11]) {
		/* The query had an OPT (its only record), so the kept answer ends with
		 * one without options: padded as task_finish() does. */
		static uint8_t padded[KR_PKT_MAXSIZE];
		size_t size = alen;
		memcpy(padded, answer, alen);
		kr__tls_pad(padded, &size, sizeof(padded), 11, s->net->tls_padding);
		session_send(s, padded, size);
	} else {
		session_send(s, answer, alen);
	}
	return true;
}

/** Start tasks for the complete messages in the buffer, as the pipeline limit allows. */
static void session_process(struct kr_tcp_session *s)
{
	size_t off = 0;
	if (s->tls && !s->closing && !session_tls_pump(s))
		return;
	s->processing = true;
	while (!s->closing && s->len - off >= 2 && s->in_flight < s->net->tcp_pipeline) {
		size_t mlen = ((size_t)s->buf[off] << 8) | s->buf[off + 1];
		if (mlen < KR_PKT_HDRSIZE) {
			session_close(s);   /* not DNS: stop talking */
			return;
		}
		if (s->len - off < 2 + mlen)
			break;
		if (session_answer_cached(s, s->buf + off + 2, mlen)) {
			off += 2 + mlen;
			continue;
		}
		struct kr_task *t = task_new();
		if (!t)
			break;
		++the_daemon.stats.tcp;
		t->tcp = s;
		t->src = s->peer;
		t->dst = s->local;
		t->next_in_session = s->tasks;
		s->tasks = t;
		++s->in_flight;
		session_touch(s);
		const uint8_t *msg = s->buf + off + 2;
		off += 2 + mlen;
		handle_query(t, msg, mlen, true);
	}
	s->processing = false;
	if (s->tls && !s->closing)
		session_tls_flush(s);
	if (s->closing)
		return;
	if (off) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
	}
	bool want_read = !s->eof && s->in_flight < s->net->tcp_pipeline &&
			 (!s->tls || kr__tls_stream_rxspace(s->tls) > 0);
	if (want_read && !s->reading) {
		uv_read_start((uv_stream_t *)&s->handle, session_alloc_cb, session_read_cb);
		s->reading = true;
	} else if (!want_read && s->reading) {
		uv_read_stop((uv_stream_t *)&s->handle);
		s->reading = false;
	}
	if (s->eof && s->in_flight == 0)
		session_close(s);
}

static void session_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	struct kr_tcp_session *s = h->data;
	if (nread == UV_EOF) {
		s->eof = true;
	} else if (nread < 0) {
		session_close(s);
		return;
	} else if (s->tls) {
		kr__tls_stream_received(s->tls, (size_t)nread);
	} else {
		s->len += (size_t)nread;
	}
	session_process(s);
}

static void session_task_done(struct kr_tcp_session *s, struct kr_task *t)
{
	for (struct kr_task **pt = &s->tasks; *pt; pt = &(*pt)->next_in_session) {
		if (*pt == t) {
			*pt = t->next_in_session;
			break;
		}
	}
	t->tcp = NULL;
	--s->in_flight;
	session_touch(s);
	/* Resume reading and start queries already buffered, unless session_process()
	 * is on the stack (a task that finished synchronously): it goes on by itself. */
	if (!s->closing && !s->processing)
		session_process(s);
}

struct write_req {
	uv_write_t req;
	uint8_t data[];
};

static void session_write_cb(uv_write_t *req, int status)
{
	free(req);
}

static void session_send(struct kr_tcp_session *s, const uint8_t *wire, size_t size)
{
	if (s->closing)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&s->handle) > TCP_WRITE_QUEUE_MAX) {
		session_close(s);   /* the client does not read its answers */
		return;
	}
	if (s->tls) {
		/* Answers made while session_process() runs (from cache, hints...) are
		 * gathered and leave together in one record from session_tls_flush();
		 * others go at once. One buffer per frame: as few records as possible. */
		size_t flen = 2 + size;
		if (s->tls_out_len + flen > TLS_BATCH_MAX)
			session_tls_flush(s);
		if (s->closing)
			return;
		bool batch = s->processing && flen <= TLS_BATCH_MAX;
		if (batch && !s->tls_out)
			s->tls_out = malloc(TLS_BATCH_MAX);   /* once per session; without it: one by one */
		if (batch && s->tls_out) {
			uint8_t *o = s->tls_out + s->tls_out_len;
			o[0] = (uint8_t)(size >> 8);
			o[1] = (uint8_t)size;
			memcpy(o + 2, wire, size);
			s->tls_out_len += flen;
			++the_daemon.stats.answered;
			return;
		}
		static uint8_t frame[2 + KR_PKT_MAXSIZE];
		frame[0] = (uint8_t)(size >> 8);
		frame[1] = (uint8_t)size;
		memcpy(frame + 2, wire, size);
		if (kr__tls_stream_write(s->tls, frame, flen) != 0) {
			session_close(s);
			return;
		}
		++the_daemon.stats.answered;
		return;
	}
	struct write_req *w = malloc(sizeof(*w) + 2 + size);
	if (!w)
		return;
	w->data[0] = (uint8_t)(size >> 8);
	w->data[1] = (uint8_t)size;
	memcpy(w->data + 2, wire, size);
	uv_buf_t buf = uv_buf_init((char *)w->data, 2 + size);
	if (uv_write(&w->req, (uv_stream_t *)&s->handle, &buf, 1, session_write_cb) != 0) {
		free(w);
		session_close(s);
		return;
	}
	++the_daemon.stats.answered;
}

static void accept_conn(uv_stream_t *server, int status, bool tls)
{
	struct kr_net *net = server->data;
	if (status != 0)
		return;
	struct kr_tcp_session *s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->net = net;
	uv_tcp_init(server->loop, &s->handle);
	uv_timer_init(server->loop, &s->timer);
	s->handle.data = s;
	s->timer.data = s;
	s->open_handles = 2;
	++net->tcp_conns;
	if (uv_accept(server, (uv_stream_t *)&s->handle) != 0) {
		session_close(s);
		return;
	}
	int alen = sizeof(s->peer);
	uv_tcp_getpeername(&s->handle, &s->peer.ip, &alen);
	alen = sizeof(s->local);
	uv_tcp_getsockname(&s->handle, &s->local.ip, &alen);
	/* Counted now, so that session_close() can uncount it whatever follows. */
	unsigned from_peer = kr__conn_count_add(&s->peer);
	s->counted = from_peer > 0;
	if (net->tcp_conns > net->tcp_max_conns || from_peer > net->tcp_max_per_client) {
		session_close(s);
		return;
	}
	if (tls) {
		s->tls = malloc(sizeof(*s->tls));
		s->creds = net->tls ? kr__tls_creds_ref(net->tls) : NULL;
		if (!s->tls || !s->creds ||
		    kr__tls_stream_init(s->tls, &s->creds->conf, (uv_stream_t *)&s->handle) != 0) {
			free(s->tls);
			s->tls = NULL;
			session_close(s);
			return;
		}
	}
	uv_tcp_nodelay(&s->handle, 1);
	session_touch(s);
	s->reading = true;
	uv_read_start((uv_stream_t *)&s->handle, session_alloc_cb, session_read_cb);
}

static void tcp_accept_cb(uv_stream_t *server, int status)
{
	accept_conn(server, status, false);
}

static void tls_accept_cb(uv_stream_t *server, int status)
{
	accept_conn(server, status, true);
}

int kr__worker_tcp_start(uv_tcp_t *handle, struct kr_net *net)
{
	handle->data = net;
	return uv_listen((uv_stream_t *)handle, 256, tcp_accept_cb);
}

int kr__worker_tls_start(uv_tcp_t *handle, struct kr_net *net)
{
	handle->data = net;
	return uv_listen((uv_stream_t *)handle, 256, tls_accept_cb);
}

/* --- internal requests --- */

int kr__worker_resolve(const uint8_t *qname, uint16_t qtype, uint16_t qclass, uint64_t options,
		       kr_task_done_cb cb, void *baton)
{
	struct kr_task *t = task_new();
	if (!t)
		return -ENOMEM;
	kr_pkt_t *q = kr_pkt_new(NULL, KR_PKT_MAXSIZE, t->req.pool);
	if (!q || kr_pkt_put_question(q, qname, qclass, qtype) != 0) {
		task_free(t);
		return -EINVAL;
	}
	kr_pkt_set_flag(q, KR_PKT_RD, true);
	/* AD in the query (RFC 6840 5.7): a validated answer says so to the caller. */
	kr_pkt_set_flag(q, KR_PKT_AD, true);
	kr_pkt_set_id(q, (uint16_t)kr_rand32());
	t->query = q;
	t->done_cb = cb;
	t->done_baton = baton;
	t->req.qsource.packet = q;
	t->req.qsource.flags = KR_REQ_INTERNAL;
	t->req.qsource.size = KR_PKT_MAXSIZE;
	t->req.options = options;
	enum kr_layer_state st = kr_resolve_begin(&t->req, &the_daemon.ctx);
	if (st == KR_STATE_PRODUCE)
		kr__worker_step(t);
	else
		task_finish(t, st);
	return 0;
}
