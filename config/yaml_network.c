/* SPDX-License-Identifier: GPL-3.0-or-later */
/* network: listen, do-ipv4/6, out-interface-v4/6, tcp-pipeline, edns-buffer-size, tls. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

static const char *const kinds[] = { "dns", "dot", "doh2", "doh-legacy", "xdp", NULL };
/** net.listen()'s kind for each of kinds[], and its default port. */
static const char *const lua_kinds[] = { "dns", "tls", "doh2", "doh_legacy", "xdp" };
static const int default_ports[] = { 53, 853, 443, 443, 53 };

/** An interface name as Linux allows it (net.NAME in Lua). */
static bool is_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || !isalpha((unsigned char)s[0]))
		return false;
	for (const char *c = s; *c; ++c)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return false;
	return true;
}

/** One interface of a listen entry: "addr", "addr@port" or an interface name. */
static void listen_on(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *iface, const char *path,
		      const struct kr_yaml_node *port_node, long long port, int kind)
{
	const char *text;
	if (!kr__yaml_string(ctx, iface, path, &text))
		return;
	char addr[128];
	snprintf(addr, sizeof(addr), "%s", text);
	char *at = strrchr(addr, '@');
	if (at) {
		*at = '\0';
		char *end;
		long p = strtol(at + 1, &end, 10);
		if (port_node) {
			kr__yaml_error(ctx, iface, path, "the port is given twice: here after '@' and in 'port'");
			return;
		}
		if (*end || at[1] == '\0' || p < 1 || p > 65535) {
			kr__yaml_error(ctx, iface, path, "the port after '@' must be 1..65535");
			return;
		}
		port = p;
	}
	uint8_t buf[16];
	bool ip = inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1;
	/* Hex digits with dots or colons mean an address was meant: say it is a bad one. */
	bool addr_like = strpbrk(addr, "0123456789.:") && strspn(addr, "0123456789.:abcdefABCDEF") == strlen(addr);
	if (!ip && (!is_ifname(addr) || addr_like)) {
		kr__yaml_error(ctx, iface, path, "'%s' is not an IP address or an interface name", addr);
		return;
	}
	char flags[64] = "";
	if (kind != 0 || port == 853)
		snprintf(flags, sizeof(flags), ", { kind = '%s' }", lua_kinds[kind]);
	if (ip) {
		kr__yaml_emit(ctx, iface, path, "net.listen(%s, %lld%s)\n", kr__yaml_quote(ctx, addr, strlen(addr)),
			      port, flags);
		return;
	}
	char missing[96];
	int mlen = snprintf(missing, sizeof(missing), "no network interface '%s'", addr);
	kr__yaml_emit(ctx, iface, path, "net.listen(net[%s] or error(%s), %lld%s)\n",
		      kr__yaml_quote(ctx, addr, strlen(addr)), kr__yaml_quote(ctx, missing, (size_t)mlen), port, flags);
}

static void listen_entry(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *e, const char *path)
{
	static const char *const keys[] = { "interface", "port", "kind", NULL };
	if (!kr__yaml_want_map(ctx, e, path))
		return;
	kr__yaml_check_keys(ctx, e, path, keys);
	const struct kr_yaml_node *iface = kr__yaml_get(e, "interface");
	const struct kr_yaml_node *port_node = kr__yaml_get(e, "port");
	const struct kr_yaml_node *kind_node = kr__yaml_get(e, "kind");
	int kind = 0;
	if (kind_node && (kind = kr__yaml_enum(ctx, kind_node, kr__yaml_path_key(ctx, path, "kind"), kinds)) < 0)
		return;
	long long port = default_ports[kind];
	if (port_node && !kr__yaml_int(ctx, port_node, kr__yaml_path_key(ctx, path, "port"), 1, 65535, &port))
		return;
	if (!iface) {
		kr__yaml_error(ctx, e, path, "missing key 'interface' (an address such as 127.0.0.1)");
		return;
	}
	const char *ipath = kr__yaml_path_key(ctx, path, "interface");
	const struct kr_yaml_node **items;
	int n = kr__yaml_scalar_list(ctx, iface, ipath, &items);
	for (int i = 0; i < n; ++i)
		listen_on(ctx, items[i], iface->kind == KR_YAML_SEQ ? kr__yaml_path_index(ctx, ipath, (size_t)i) : ipath,
			  port_node, port, kind);
}

static void listen_section(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	if (!kr__yaml_want_seq(ctx, n, "network.listen"))
		return;
	for (size_t i = 0; i < n->count; ++i)
		listen_entry(ctx, n->items[i], kr__yaml_path_index(ctx, "network.listen", i));
}

static void tls_section(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "cert-file", "key-file", "padding", NULL };
	if (!kr__yaml_want_map(ctx, n, "network.tls") || !kr__yaml_check_keys(ctx, n, "network.tls", keys))
		return;
	const struct kr_yaml_node *cert = kr__yaml_get(n, "cert-file"), *key = kr__yaml_get(n, "key-file");
	const struct kr_yaml_node *padding = kr__yaml_get(n, "padding");
	if (!cert != !key) {
		kr__yaml_error(ctx, n, "network.tls", "cert-file and key-file go together: give both");
		return;
	}
	const char *c, *k;
	if (cert && kr__yaml_string(ctx, cert, "network.tls.cert-file", &c) &&
	    kr__yaml_string(ctx, key, "network.tls.key-file", &k))
		kr__yaml_emit(ctx, cert, "network.tls.cert-file", "net.tls(%s, %s)\n",
			      kr__yaml_quote(ctx, c, cert->len), kr__yaml_quote(ctx, k, key->len));
	if (!padding)
		return;
	bool on;
	long long size;
	if (padding->kind == KR_YAML_SCALAR && padding->plain && padding->len && isdigit((unsigned char)padding->text[0])) {
		if (kr__yaml_int(ctx, padding, "network.tls.padding", 2, 512, &size))
			kr__yaml_emit(ctx, padding, "network.tls.padding", "net.tls_padding(%lld)\n", size);
	} else if (kr__yaml_bool(ctx, padding, "network.tls.padding", &on)) {
		kr__yaml_emit(ctx, padding, "network.tls.padding", "net.tls_padding(%s)\n", on ? "true" : "false");
	}
}

void kr__yaml_network(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = {
		"listen", "do-ipv4", "do-ipv6", "out-interface-v4", "out-interface-v6",
		"tcp-pipeline", "edns-buffer-size", "tls", NULL,
	};
	if (!kr__yaml_want_map(ctx, n, "network"))
		return;
	kr__yaml_check_keys(ctx, n, "network", keys);
	const struct kr_yaml_node *v;
	bool on;
	long long num;
	const char *s;
	if ((v = kr__yaml_get(n, "tls")))
		tls_section(ctx, v);
	if ((v = kr__yaml_get(n, "do-ipv4")) && kr__yaml_bool(ctx, v, "network.do-ipv4", &on))
		kr__yaml_emit(ctx, v, "network.do-ipv4", "net.ipv4 = %s\n", on ? "true" : "false");
	if ((v = kr__yaml_get(n, "do-ipv6")) && kr__yaml_bool(ctx, v, "network.do-ipv6", &on))
		kr__yaml_emit(ctx, v, "network.do-ipv6", "net.ipv6 = %s\n", on ? "true" : "false");
	if ((v = kr__yaml_get(n, "out-interface-v4")) && kr__yaml_ip(ctx, v, "network.out-interface-v4", AF_INET, &s))
		kr__yaml_emit(ctx, v, "network.out-interface-v4", "net.outgoing_v4(%s)\n", kr__yaml_quote(ctx, s, v->len));
	if ((v = kr__yaml_get(n, "out-interface-v6")) && kr__yaml_ip(ctx, v, "network.out-interface-v6", AF_INET6, &s))
		kr__yaml_emit(ctx, v, "network.out-interface-v6", "net.outgoing_v6(%s)\n", kr__yaml_quote(ctx, s, v->len));
	if ((v = kr__yaml_get(n, "tcp-pipeline")) && kr__yaml_int(ctx, v, "network.tcp-pipeline", 1, 65535, &num))
		kr__yaml_emit(ctx, v, "network.tcp-pipeline", "net.tcp_pipeline(%lld)\n", num);
	if ((v = kr__yaml_get(n, "edns-buffer-size"))) {
		static const char *const ekeys[] = { "upstream", NULL };
		const struct kr_yaml_node *up;
		if (kr__yaml_want_map(ctx, v, "network.edns-buffer-size") &&
		    kr__yaml_check_keys(ctx, v, "network.edns-buffer-size", ekeys) &&
		    (up = kr__yaml_get(v, "upstream")) &&
		    kr__yaml_size(ctx, up, "network.edns-buffer-size.upstream", 512, 65535, &num))
			kr__yaml_emit(ctx, up, "network.edns-buffer-size.upstream", "net.bufsize(%lld)\n", num);
	}
	if ((v = kr__yaml_get(n, "listen")))
		listen_section(ctx, v);
}
