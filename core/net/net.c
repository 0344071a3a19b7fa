/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Listening endpoints: bind, adopt handed-over sockets, close; TLS credentials. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kres/log.h>
#include "core/net/net.h"
#include "core/net/tls.h"
#include "core/net/worker.h"

void kr_net_init(struct kr_net *net, uv_loop_t *loop)
{
	memset(net, 0, sizeof(*net));
	net->loop = loop;
	net->tcp_pipeline = 100;
	net->tcp_idle_ms = 10000;
	net->tcp_max_conns = 4096;
	net->tcp_max_per_client = 64;
	net->tls_padding = KR_TLS_PADDING_DEFAULT;
	net->ipv4 = true;
	net->ipv6 = true;
}

int kr_net_parse_addr(const char *addr, uint16_t port, union kr_sockaddr *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, addr, &sa->ip4.sin_addr) == 1) {
		sa->ip4.sin_family = AF_INET;
		sa->ip4.sin_port = htons(port);
		return 0;
	}
	/* IPv6, optionally with a %scope suffix. */
	char buf[INET6_ADDRSTRLEN + 20];
	const char *pct = strchr(addr, '%');
	size_t len = pct ? (size_t)(pct - addr) : strlen(addr);
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, addr, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, &sa->ip6.sin6_addr) != 1)
		return -EINVAL;
	sa->ip6.sin6_family = AF_INET6;
	sa->ip6.sin6_port = htons(port);
	if (pct) {
		unsigned idx = if_nametoindex(pct + 1);
		sa->ip6.sin6_scope_id = idx ? idx : (unsigned)atoi(pct + 1);
	}
	return 0;
}

bool kr__net_addr_eq(const union kr_sockaddr *a, const struct sockaddr *b)
{
	if (a->ip.sa_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET) {
		const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;
		return a->ip4.sin_port == b4->sin_port && a->ip4.sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;
	return a->ip6.sin6_port == b6->sin6_port && memcmp(&a->ip6.sin6_addr, &b6->sin6_addr, 16) == 0;
}

const char *kr_net_addr_str(const union kr_sockaddr *sa, char *dst, size_t len)
{
	if (sa->ip.sa_family == AF_INET)
		inet_ntop(AF_INET, &sa->ip4.sin_addr, dst, len);
	else if (sa->ip.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &sa->ip6.sin6_addr, dst, len);
	else
		snprintf(dst, len, "?");
	return dst;
}

static bool sa_equal(const union kr_sockaddr *a, const union kr_sockaddr *b)
{
	if (a->ip.sa_family != b->ip.sa_family)
		return false;
	if (a->ip.sa_family == AF_INET)
		return a->ip4.sin_port == b->ip4.sin_port &&
		       a->ip4.sin_addr.s_addr == b->ip4.sin_addr.s_addr;
	return a->ip6.sin6_port == b->ip6.sin6_port &&
	       memcmp(&a->ip6.sin6_addr, &b->ip6.sin6_addr, 16) == 0;
}

static struct kr_endpoint *ep_add(struct kr_net *net)
{
	if (net->ep_count == net->ep_cap) {
		size_t ncap = net->ep_cap ? net->ep_cap * 2 : 8;
		void *n = realloc(net->eps, ncap * sizeof(net->eps[0]));
		if (!n)
			return NULL;
		net->eps = n;
		net->ep_cap = ncap;
	}
	struct kr_endpoint *ep = &net->eps[net->ep_count];
	memset(ep, 0, sizeof(*ep));
	return ep;
}

static void handle_free_cb(uv_handle_t *h)
{
	free(h);
}

/** Create a bound socket with the options we want, so libuv only adopts it. */
static int bind_socket(const union kr_sockaddr *sa, int type, bool reuseport)
{
	int fd = socket(sa->ip.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (sa->ip.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (type == SOCK_STREAM) {
		/* Hand a connection to us only once data arrived (cheap defence against idle connects). */
		int defer = 3;
		setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	}
	socklen_t len = sa->ip.sa_family == AF_INET ? sizeof(sa->ip4) : sizeof(sa->ip6);
	if (bind(fd, &sa->ip, len) != 0 || (type == SOCK_STREAM && listen(fd, 256) != 0)) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/** Start serving a bound socket fd of the given kind. */
static int ep_open(struct kr_net *net, const union kr_sockaddr *sa, enum kr_ep_kind kind, int fd,
		   bool from_supervisor)
{
	struct kr_endpoint *ep = ep_add(net);
	if (!ep)
		return -ENOMEM;
	ep->addr = *sa;
	ep->kind = kind;
	ep->from_supervisor = from_supervisor;
	int ret;
	if (kind == KR_EP_UDP) {
		/* The handle is followed by its address, which the worker reads through h->data. */
		uv_udp_t *h = malloc(sizeof(*h) + sizeof(*sa));
		if (!h)
			return -ENOMEM;
		uv_udp_init_ex(net->loop, h, AF_UNSPEC | UV_UDP_RECVMMSG);   /* queries read in batches */
		h->data = memcpy(h + 1, sa, sizeof(*sa));
		ep->handle = (uv_handle_t *)h;
		ret = uv_udp_open(h, fd);
		if (ret == 0)
			ret = kr__worker_udp_start(h);
	} else {
		uv_tcp_t *h = malloc(sizeof(*h));
		if (!h)
			return -ENOMEM;
		uv_tcp_init(net->loop, h);
		ep->handle = (uv_handle_t *)h;
		ret = uv_tcp_open(h, fd);
		if (ret == 0)
			ret = kind == KR_EP_TLS ? kr__worker_tls_start(h, net) : kr__worker_tcp_start(h, net);
	}
	if (ret != 0) {
		uv_close(ep->handle, handle_free_cb);
		return ret;
	}
	++net->ep_count;
	return 0;
}

int kr_net_listen(struct kr_net *net, const char *addr, uint16_t port, unsigned kinds)
{
	union kr_sockaddr sa;
	if (kr_net_parse_addr(addr, port, &sa) != 0)
		return -EINVAL;
	/* One stream socket per address: plain TCP and TLS cannot share it (with
	 * SO_REUSEPORT the kernel would split connections between them). */
	const unsigned stream = KR_EP_TCP | KR_EP_TLS;
	for (size_t i = 0; i < net->ep_count; ++i)
		if (sa_equal(&net->eps[i].addr, &sa) && (net->eps[i].kind & stream) && (kinds & stream) &&
		    !(net->eps[i].kind & kinds & stream))
			return -EADDRINUSE;
	for (size_t i = 0; i < net->ep_count; ++i)
		if (sa_equal(&net->eps[i].addr, &sa) && (net->eps[i].kind & kinds))
			return -EEXIST;
	static const struct { enum kr_ep_kind kind; int type; } kinds_tab[] = {
		{ KR_EP_UDP, SOCK_DGRAM }, { KR_EP_TCP, SOCK_STREAM }, { KR_EP_TLS, SOCK_STREAM },
	};
	if ((kinds & KR_EP_TCP) && (kinds & KR_EP_TLS))
		return -EINVAL;   /* one TCP socket per address */
	if (kinds & KR_EP_TLS) {
		int r = kr_net_tls_ensure(net);
		if (r != 0)
			return r;
	}
	/* On failure close only what this call opened (appended from here on),
	 * not the other kinds listening at the address before. */
	size_t first = net->ep_count;
	int ret = 0;
	for (size_t k = 0; k < 3 && ret == 0; ++k) {
		if (!(kinds & kinds_tab[k].kind))
			continue;
		int fd = bind_socket(&sa, kinds_tab[k].type, net->reuseport);
		if (fd < 0) {
			ret = fd;
			break;
		}
		ret = ep_open(net, &sa, kinds_tab[k].kind, fd, false);
		if (ret != 0)
			close(fd);
	}
	if (ret != 0) {
		while (net->ep_count > first)
			uv_close(net->eps[--net->ep_count].handle, handle_free_cb);
	}
	return ret;
}

int kr_net_tls_ensure(struct kr_net *net)
{
	if (net->tls)
		return 0;
	char err[256];
	int r = kr__tls_creds_ephemeral(&net->tls, err, sizeof(err));
	if (r != 0) {
		kr_log_error(tls, "no certificate for DNS over TLS: %s", err);
		return r;
	}
	kr_log_warning(tls, "no certificate set with net.tls(): serving a self-signed ephemeral one; "
		       "clients may pin it with pin_sha256 %s", net->tls->pin);
	return 0;
}

/** The address and socket type of a handed-over fd. @return 0 or -errno. */
static int fd_inspect(int fd, union kr_sockaddr *sa, int *type)
{
	socklen_t len = sizeof(*sa);
	socklen_t tlen = sizeof(*type);
	if (getsockname(fd, &sa->ip, &len) != 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &tlen) != 0)
		return -errno;
	if (sa->ip.sa_family != AF_INET && sa->ip.sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (*type != SOCK_DGRAM && *type != SOCK_STREAM)
		return -EPROTOTYPE;
	return 0;
}

int kr_net_listen_fd_tls(struct kr_net *net, int fd)
{
	union kr_sockaddr sa;
	int type = 0;
	int ret = fd_inspect(fd, &sa, &type);
	if (ret != 0)
		return ret;
	if (type != SOCK_STREAM)
		return -EPROTOTYPE;
	return ep_open(net, &sa, KR_EP_TLS, fd, true);
}

int kr_net_listen_fd(struct kr_net *net, int fd)
{
	union kr_sockaddr sa;
	int type = 0;
	int ret = fd_inspect(fd, &sa, &type);
	if (ret != 0)
		return ret;
	return ep_open(net, &sa, type == SOCK_DGRAM ? KR_EP_UDP : KR_EP_TCP, fd, true);
}

int kr_net_tls_set(struct kr_net *net, const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct kr_tls_creds *c = NULL;
	int ret = kr__tls_creds_load(cert_path, key_path, &c, err, errlen);
	if (ret != 0)
		return ret;
	kr__tls_creds_unref(net->tls);
	net->tls = c;
	kr_log_info(tls, "certificate '%s' loaded, pin_sha256 %s", cert_path, c->pin);
	return 0;
}

int kr_net_close(struct kr_net *net, const char *addr, uint16_t port)
{
	union kr_sockaddr sa;
	if (kr_net_parse_addr(addr, port, &sa) != 0)
		return -EINVAL;
	int found = -ENOENT;
	for (size_t i = 0; i < net->ep_count;) {
		if (!sa_equal(&net->eps[i].addr, &sa)) {
			++i;
			continue;
		}
		uv_close(net->eps[i].handle, handle_free_cb);
		net->eps[i] = net->eps[--net->ep_count];
		found = 0;
	}
	return found;
}

void kr_net_deinit(struct kr_net *net)
{
	for (size_t i = 0; i < net->ep_count; ++i)
		if (!uv_is_closing(net->eps[i].handle))
			uv_close(net->eps[i].handle, handle_free_cb);
	free(net->eps);
	net->eps = NULL;
	kr__tls_creds_unref(net->tls);
	net->tls = NULL;
	kr__tls_upstream_clear();
	net->ep_count = net->ep_cap = 0;
}
