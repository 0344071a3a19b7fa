/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Listening endpoints (UDP, TCP, and DNS over TLS) and the worker that turns
 * their queries into requests.
 *
 * Usage:
 *   kr_net_init(&net, loop);
 *   kr_net_listen(&net, "127.0.0.1", 53, KR_EP_UDP | KR_EP_TCP);
 *   kr_net_listen(&net, "127.0.0.1", 853, KR_EP_TLS);
 */
#pragma once

#include <uv.h>
#include <kres/request.h>

/** Kinds of endpoint. */
enum kr_ep_kind {
	KR_EP_UDP = 1 << 0,
	KR_EP_TCP = 1 << 1,
	KR_EP_TLS = 1 << 2,   /**< TCP carrying TLS (RFC 7858) */
};

struct kr_tls_creds;

/** One listening socket. */
struct kr_endpoint {
	union kr_sockaddr addr;    /**< bound address (port included) */
	enum kr_ep_kind kind;      /**< exactly one bit */
	uv_handle_t *handle;       /**< uv_udp_t or uv_tcp_t (TCP and TLS); freed in its close callback */
	bool from_supervisor;      /**< socket was handed over (LISTEN_FDS), not bound by us */
};

/** The set of endpoints and the network settings. */
struct kr_net {
	uv_loop_t *loop;
	struct kr_endpoint *eps;   /**< malloc()ed array */
	size_t ep_count;
	size_t ep_cap;
	unsigned tcp_pipeline;     /**< queries in flight per TCP connection */
	unsigned tcp_idle_ms;      /**< idle (and slow-client) timeout of TCP connections */
	unsigned tcp_max_conns;    /**< open client TCP connections at most */
	unsigned tcp_conns;        /**< open client TCP connections now */
	unsigned tcp_max_per_client; /**< open TCP connections from one client address at most */
	struct kr_tls_creds *tls;  /**< server certificate and key (net.tls()); NULL until set or made
	                                by the first TLS listener; @note one reference owned here */
	unsigned tls_padding;      /**< EDNS(0) padding block of answers over TLS; < 2: none */
	bool reuseport;            /**< bind with SO_REUSEPORT (forks) */
	bool ipv4;                 /**< contact upstream servers over IPv4 (net.ipv4) */
	bool ipv6;                 /**< ... over IPv6 (net.ipv6) */
	union kr_sockaddr outgoing_v4; /**< source address of upstream queries; family 0 = any */
	union kr_sockaddr outgoing_v6;
};

/** Initialise with defaults. */
void kr_net_init(struct kr_net *net, uv_loop_t *loop);
/** Close every endpoint. */
void kr_net_deinit(struct kr_net *net);
/**
 * Listen on addr:port for the kinds given (UDP and/or TCP, or TLS). The first
 * TLS listener without credentials set makes an ephemeral self-signed
 * certificate and logs its pin.
 * @return 0, -EINVAL (bad address), -EADDRINUSE (also: TCP asked where TLS listens, or the
 *         reverse), -EEXIST (already listening), or another -errno.
 */
int kr_net_listen(struct kr_net *net, const char *addr, uint16_t port, unsigned kinds);
/** Adopt a socket handed over by a supervisor (type and address detected). @return 0 or -errno. */
int kr_net_listen_fd(struct kr_net *net, int fd);
/**
 * Adopt a stream socket handed over by a supervisor for DNS over TLS
 * (systemd's FileDescriptorName=dns-tls). Credentials come later: net.tls()
 * in the config, else kr_net_tls_ensure().
 * @return 0, -EPROTOTYPE (not a stream socket), or -errno.
 */
int kr_net_listen_fd_tls(struct kr_net *net, int fd);
/**
 * Make sure TLS endpoints have credentials: with none set, make an ephemeral
 * self-signed certificate and log its pin. @return 0 or an error (logged).
 */
int kr_net_tls_ensure(struct kr_net *net);
/**
 * Serve TLS with the certificate (chain) and key from these files, from now on
 * (open connections keep the old ones).
 * @return 0, or a negative error with a message naming the file in err.
 */
int kr_net_tls_set(struct kr_net *net, const char *cert_path, const char *key_path, char *err, size_t errlen);
/** Stop listening on addr:port (every kind). @return 0 or -ENOENT. */
int kr_net_close(struct kr_net *net, const char *addr, uint16_t port);
/** Parse "1.2.3.4" or "::1" with a port into sa. @return 0 or -EINVAL. */
int kr_net_parse_addr(const char *addr, uint16_t port, union kr_sockaddr *sa);
/** Print sa as text without the port. @return dst. */
const char *kr_net_addr_str(const union kr_sockaddr *sa, char *dst, size_t len);
/** Are a and b (IPv4 or IPv6) the same address and port? Other families never are. */
bool kr__net_addr_eq(const union kr_sockaddr *a, const struct sockaddr *b);
