/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of core/net/tls.c, tls_cert.c, tls_client.c and conn_count.c:
 * EDNS(0) padding (the length and a real answer padded and parsed back),
 * SPKI pins against openssl's, server credentials from files (and each error
 * naming its file), the ephemeral certificate, upstream authentication
 * settings, and the per-client connection count.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kres/pkt.h>
#include <kres/tls.h>
#include "core/net/tls.h"
#include "core/net/worker-impl.h"
#include "tests/unit/core/net/tls_fixture.h"
#include "tests/unit/check_main.h"

static char dir[] = "/tmp/kresd-test-tls.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/kresd-test-tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	kr__tls_upstream_clear();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* --- padding --- */

START_TEST(padding_len)
{
	ck_assert_uint_eq(kr__tls_padding_len(0, 468), 464);
	ck_assert_uint_eq(kr__tls_padding_len(464, 468), 0);
	ck_assert_uint_eq(kr__tls_padding_len(465, 468), 467);
	ck_assert_uint_eq(kr__tls_padding_len(100, 468), 364);
	ck_assert_uint_eq(kr__tls_padding_len(100, 64), 24);
	ck_assert_uint_eq(kr__tls_padding_len(1000, 468), 400);
	ck_assert_uint_eq(kr__tls_padding_len(100, 1), 0);
	ck_assert_uint_eq(kr__tls_padding_len(100, 0), 0);
	ck_assert_uint_eq(kr__tls_padding_len(101, 2), 1);
}
END_TEST

static kr_rrset_t opt;

/** Free a packet of answer_with_opt() and its OPT's data. */
static void answer_free(kr_pkt_t *p)
{
	kr_pkt_free(p);
	kr_rrset_clear(&opt, NULL);
}

/** An answer for www.unit.lab A with an OPT as its last record (as kr_resolve_finish writes it). */
static kr_pkt_t *answer_with_opt(size_t max, bool with_opt)
{
	kr_pkt_t *p = kr_pkt_new(NULL, max, NULL);
	ck_assert_ptr_nonnull(p);
	static const uint8_t name[] = "\3www\4unit\3lab";
	ck_assert_int_eq(kr_pkt_put_question(p, name, KR_CLASS_IN, KR_TYPE_A), 0);
	kr_pkt_set_flag(p, KR_PKT_QR, true);
	if (!with_opt)
		return p;
	ck_assert_int_eq(kr_edns_init(&opt, 1232, 0, NULL), 0);
	ck_assert_int_eq(kr_pkt_begin(p, KR_SECTION_ADDITIONAL), 0);
	ck_assert_int_eq(kr_pkt_put_opt(p, &opt), 0);
	return p;
}

/** Parse wire[0..size) and return the padding option's length (-1: none). */
static int parsed_padding(const uint8_t *wire, size_t size)
{
	uint8_t *copy = malloc(size);
	memcpy(copy, wire, size);
	kr_pkt_t *p = kr_pkt_new(copy, size, NULL);
	p->size = size;
	ck_assert_int_eq(kr_pkt_parse(p), 0);
	ck_assert_ptr_nonnull(p->opt);
	uint16_t len = 0;
	const uint8_t *data = kr_edns_get_option(p->opt, KR_EDNS_OPT_PADDING, &len);
	int ret = data ? len : -1;
	if (data)
		for (uint16_t i = 0; i < len; ++i)
			ck_assert_uint_eq(data[i], 0);
	kr_pkt_free(p);
	free(copy);
	return ret;
}

START_TEST(pad_answer)
{
	kr_pkt_t *p = answer_with_opt(KR_PKT_MAXSIZE, true);
	size_t before = p->size, opt_size = kr_edns_wire_size(p->opt);
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, opt_size, 468), 0);
	ck_assert_uint_eq(p->size, 468);
	ck_assert_int_eq(parsed_padding(p->wire, p->size), (int)(468 - before - 4));
	/* padded once only */
	size_t padded = p->size;
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, opt_size + 4 + (468 - before - 4), 468), -ENOENT);
	ck_assert_uint_eq(p->size, padded);
	answer_free(p);

	p = answer_with_opt(KR_PKT_MAXSIZE, true);
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, kr_edns_wire_size(p->opt), 64), 0);
	ck_assert_uint_eq(p->size % 64, 0);
	ck_assert_int_ge(parsed_padding(p->wire, p->size), 0);
	answer_free(p);

	/* block < 2: nothing changes */
	p = answer_with_opt(KR_PKT_MAXSIZE, true);
	before = p->size;
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, kr_edns_wire_size(p->opt), 0), 0);
	ck_assert_uint_eq(p->size, before);
	ck_assert_int_eq(parsed_padding(p->wire, p->size), -1);
	answer_free(p);
}
END_TEST

START_TEST(pad_refused)
{
	/* no OPT at the end */
	kr_pkt_t *p = answer_with_opt(KR_PKT_MAXSIZE, false);
	size_t before = p->size;
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, 11, 468), -ENOENT);
	ck_assert_uint_eq(p->size, before);
	answer_free(p);
	/* no room up to the next block: left as it was */
	p = answer_with_opt(200, true);
	before = p->size;
	uint8_t saved[200];
	memcpy(saved, p->wire, before);
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, kr_edns_wire_size(p->opt), 468), KR_ESPACE);
	ck_assert_uint_eq(p->size, before);
	ck_assert_mem_eq(p->wire, saved, before);
	answer_free(p);
	/* a wrong OPT size is not trusted */
	p = answer_with_opt(KR_PKT_MAXSIZE, true);
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, kr_edns_wire_size(p->opt) + 1, 468), -ENOENT);
	ck_assert_int_eq(kr__tls_pad(p->wire, &p->size, p->max_size, 5, 468), -ENOENT);
	answer_free(p);
}
END_TEST

/* --- pins and credentials --- */

START_TEST(pin_of_loaded_cert)
{
	const char *cert = fixture_file(dir, "cert.pem", fixture_cert_pem, 0);
	const char *key = fixture_file(dir, "key.pem", fixture_key_pem, 1);
	char err[512] = "";
	struct kr_tls_creds *c = NULL;
	ck_assert_int_eq(kr__tls_creds_load(cert, key, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c->pin, fixture_pin);
	ck_assert_str_eq(c->cert_path, cert);
	ck_assert_str_eq(c->key_path, key);
	char pin[KR_TLS_PIN_B64];
	ck_assert_int_eq(kr__tls_spki_pin(&c->crt, pin), 0);
	ck_assert_str_eq(pin, fixture_pin);
	uint8_t raw[KR_TLS_PIN_LEN], decoded[KR_TLS_PIN_LEN];
	ck_assert_int_eq(kr__tls_spki_pin_raw(&c->crt, raw), 0);
	ck_assert_int_eq(kr__tls_pin_decode(fixture_pin, decoded), 0);
	ck_assert_mem_eq(raw, decoded, KR_TLS_PIN_LEN);
	ck_assert_ptr_eq(kr__tls_creds_ref(c), c);
	ck_assert_uint_eq(c->refs, 2);
	kr__tls_creds_unref(c);
	kr__tls_creds_unref(c);
	kr__tls_creds_unref(NULL);
}
END_TEST

START_TEST(pin_decode_bad)
{
	uint8_t out[KR_TLS_PIN_LEN];
	ck_assert_int_eq(kr__tls_pin_decode("abc", out), -EINVAL);
	ck_assert_int_eq(kr__tls_pin_decode("not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!!", out), -EINVAL);
	ck_assert_int_eq(kr__tls_pin_decode("AAAA", out), -EINVAL);   /* 3 bytes */
	ck_assert_int_eq(kr__tls_pin_decode(NULL, out), -EINVAL);
	ck_assert_int_eq(kr__tls_pin_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", out), 0);
}
END_TEST

START_TEST(creds_errors_name_the_file)
{
	const char *cert = fixture_file(dir, "cert.pem", fixture_cert_pem, 0);
	const char *key = fixture_file(dir, "key.pem", fixture_key_pem, 1);
	const char *other = fixture_file(dir, "other.pem", fixture_other_key_pem, 2);
	const char *junk = fixture_file(dir, "junk.pem", "not PEM\n", 3);
	char err[512], missing[600];
	struct kr_tls_creds *c = NULL;
	snprintf(missing, sizeof(missing), "%s/none.pem", dir);

	ck_assert_int_eq(kr__tls_creds_load(missing, key, &c, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, missing));
	ck_assert_ptr_nonnull(strstr(err, "certificate file"));
	ck_assert_int_eq(kr__tls_creds_load(cert, missing, &c, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, missing));
	ck_assert_ptr_nonnull(strstr(err, "key file"));
	ck_assert_int_eq(kr__tls_creds_load(junk, key, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, junk));
	ck_assert_ptr_nonnull(strstr(err, "no valid certificate"));
	ck_assert_int_eq(kr__tls_creds_load(cert, junk, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, junk));
	ck_assert_ptr_nonnull(strstr(err, "no valid private key"));
	ck_assert_int_eq(kr__tls_creds_load(cert, other, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "does not belong"));
	ck_assert_ptr_nonnull(strstr(err, other));
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(ephemeral)
{
	char err[256];
	struct kr_tls_creds *c = NULL;
	ck_assert_int_eq(kr__tls_creds_ephemeral(&c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c->cert_path);
	ck_assert_uint_eq(strlen(c->pin), 44);
	/* self-signed: it verifies against itself */
	uint32_t flags = 0;
	ck_assert_int_eq(mbedtls_x509_crt_verify(&c->crt, &c->crt, NULL, NULL, &flags, NULL, NULL), 0);
	ck_assert_int_eq(mbedtls_pk_get_type(&c->crt.pk), MBEDTLS_PK_ECKEY);
	char pin[KR_TLS_PIN_B64];
	ck_assert_int_eq(kr__tls_spki_pin(&c->crt, pin), 0);
	ck_assert_str_eq(pin, c->pin);
	/* a new key each time */
	struct kr_tls_creds *c2 = NULL;
	ck_assert_int_eq(kr__tls_creds_ephemeral(&c2, err, sizeof(err)), 0);
	ck_assert_str_ne(c->pin, c2->pin);
	kr__tls_creds_unref(c);
	kr__tls_creds_unref(c2);
}
END_TEST

/* --- upstream authentication --- */

static union kr_sockaddr sa4(const char *ip, uint16_t port)
{
	union kr_sockaddr sa = { 0 };
	sa.ip4.sin_family = AF_INET;
	sa.ip4.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sa.ip4.sin_addr);
	return sa;
}

START_TEST(upstream_set)
{
	char err[512];
	union kr_sockaddr a = sa4("192.0.2.1", 853), b = sa4("192.0.2.1", 8853);
	const char *pins[] = { fixture_pin, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, NULL, NULL, pins, 2, err, sizeof(err)), 0);
	struct kr_tls_upstream *u = kr__tls_upstream_find(&a.ip);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(u->pin_count, 2);
	ck_assert(!u->check_ca);
	ck_assert_ptr_null(kr__tls_upstream_find(&b.ip));   /* another port */
	/* CA + name */
	const char *ca = fixture_file(dir, "ca.pem", fixture_cert_pem, 0);
	ck_assert_int_eq(kr_tls_upstream_set(&b.ip, "unit.lab", ca, NULL, 0, err, sizeof(err)), 0);
	u = kr__tls_upstream_find(&b.ip);
	ck_assert(u && u->check_ca && u->pin_count == 0);
	ck_assert_str_eq(u->hostname, "unit.lab");
	/* replaced; a holder keeps the old one */
	struct kr_tls_upstream *old = kr__tls_upstream_ref(kr__tls_upstream_find(&a.ip));
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, "unit.lab", NULL, pins, 1, err, sizeof(err)), 0);
	u = kr__tls_upstream_find(&a.ip);
	ck_assert_ptr_ne(u, old);
	ck_assert_uint_eq(u->pin_count, 1);
	ck_assert(!u->check_ca);   /* with pins the name is only SNI */
	ck_assert_uint_eq(old->pin_count, 2);
	kr__tls_upstream_unref(old);
}
END_TEST

START_TEST(upstream_set_errors)
{
	char err[512];
	union kr_sockaddr a = sa4("192.0.2.1", 853);
	const char *bad[] = { "abc" };
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, NULL, NULL, NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "hostname"));
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, NULL, "/x.pem", NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a hostname"));
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, NULL, NULL, bad, 1, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'abc'"));
	const char *many[KR_TLS_PINS_MAX + 1];
	for (int i = 0; i <= KR_TLS_PINS_MAX; ++i)
		many[i] = fixture_pin;
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, NULL, NULL, many, KR_TLS_PINS_MAX + 1, err, sizeof(err)), -EINVAL);
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/no-ca.pem", dir);
	ck_assert_int_eq(kr_tls_upstream_set(&a.ip, "x.lab", missing, NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, missing));
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };
	ck_assert_int_eq(kr_tls_upstream_set(&unix_sa, "x", NULL, NULL, 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(kr__tls_upstream_find(&a.ip));   /* nothing half-set */
}
END_TEST

/* --- per-client connection count --- */

START_TEST(conn_count)
{
	union kr_sockaddr a = sa4("192.0.2.1", 1000), a2 = sa4("192.0.2.1", 2000), b = sa4("192.0.2.2", 1000);
	ck_assert_uint_eq(kr__conn_count_add(&a), 1);
	ck_assert_uint_eq(kr__conn_count_add(&a2), 2);   /* the port does not matter */
	ck_assert_uint_eq(kr__conn_count_add(&b), 1);
	kr__conn_count_del(&a);
	ck_assert_uint_eq(kr__conn_count_add(&a), 2);
	kr__conn_count_del(&a);
	kr__conn_count_del(&a2);
	ck_assert_uint_eq(kr__conn_count_add(&a), 1);
	kr__conn_count_del(&a);
	kr__conn_count_del(&b);
	/* IPv6: one /64 is one client */
	union kr_sockaddr v6a = { 0 }, v6b = { 0 }, v6c = { 0 };
	v6a.ip6.sin6_family = v6b.ip6.sin6_family = v6c.ip6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1:2::1", &v6a.ip6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2::ffff", &v6b.ip6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:3::1", &v6c.ip6.sin6_addr);
	ck_assert_uint_eq(kr__conn_count_add(&v6a), 1);
	ck_assert_uint_eq(kr__conn_count_add(&v6b), 2);
	ck_assert_uint_eq(kr__conn_count_add(&v6c), 1);
	kr__conn_count_del(&v6a);
	kr__conn_count_del(&v6b);
	kr__conn_count_del(&v6c);
	ck_assert_uint_eq(kr__conn_count_add(&v6b), 1);
	kr__conn_count_del(&v6b);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("tls");
	unit_tcase(s, "kr__tls_padding_len", &fx, padding_len);
	unit_tcase(s, "kr__tls_pad", &fx, pad_answer);
	unit_tcase(s, "kr__tls_pad refusals", &fx, pad_refused);
	unit_tcase(s, "kr__tls_spki_pin", &fx, pin_of_loaded_cert);
	unit_tcase(s, "kr__tls_pin_decode", &fx, pin_decode_bad);
	unit_tcase(s, "kr__tls_creds_load", &fx, creds_errors_name_the_file);
	unit_tcase(s, "kr__tls_creds_ephemeral", &fx, ephemeral);
	unit_tcase(s, "kr_tls_upstream_set", &fx, upstream_set);
	unit_tcase(s, "kr_tls_upstream_set errors", &fx, upstream_set_errors);
	unit_tcase(s, "kr__conn_count_add", &fx, conn_count);
	return unit_run(s);
}
