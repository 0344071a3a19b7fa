/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Server credentials for DNS over TLS: a certificate and key from files, or
 * an ephemeral self-signed one; the server TLS configuration over them
 * (TLS 1.2 and later, ECDHE with AEAD suites, session tickets).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>
#include "core/net/tls.h"

#define TICKET_LIFETIME_S 3600

static struct kr_tls_creds *creds_new(void)
{
	struct kr_tls_creds *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->crt);
	mbedtls_pk_init(&c->key);
	mbedtls_ssl_ticket_init(&c->tickets);
	return c;
}

struct kr_tls_creds *kr__tls_creds_ref(struct kr_tls_creds *c)
{
	++c->refs;
	return c;
}

void kr__tls_creds_unref(struct kr_tls_creds *c)
{
	if (!c || --c->refs > 0)
		return;
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_ssl_ticket_free(&c->tickets);
	mbedtls_x509_crt_free(&c->crt);
	mbedtls_pk_free(&c->key);
	free(c->cert_path);
	free(c->key_path);
	free(c);
}

/** The server configuration over c's certificate and key. */
static int creds_setup(struct kr_tls_creds *c, char *err, size_t errlen)
{
	char e[128];
	mbedtls_ctr_drbg_context *rng = kr__tls_rng();
	if (!rng) {
		snprintf(err, errlen, "cannot seed the random generator");
		return -EIO;
	}
	int ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret == 0)
		ret = mbedtls_ssl_conf_own_cert(&c->conf, &c->crt, &c->key);
	if (ret == 0)
		ret = mbedtls_ssl_ticket_setup(&c->tickets, mbedtls_ctr_drbg_random, rng,
					       MBEDTLS_CIPHER_AES_256_GCM, TICKET_LIFETIME_S);
	if (ret != 0) {
		snprintf(err, errlen, "cannot set up the TLS server: %s", kr__tls_strerror(ret, e, sizeof(e)));
		return -EINVAL;
	}
	kr__tls_conf_common(&c->conf, rng);
	mbedtls_ssl_conf_session_tickets_cb(&c->conf, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
					    &c->tickets);
	ret = kr__tls_spki_pin(&c->crt, c->pin);
	if (ret != 0) {
		snprintf(err, errlen, "cannot compute the certificate's pin: %s", kr__tls_strerror(ret, e, sizeof(e)));
		return -EINVAL;
	}
	return 0;
}

/** Can path be opened for reading? Else say why in err. */
static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "cannot read the %s file '%s': %s", what, path, strerror(e));
		return -e;
	}
	fclose(f);
	return 0;
}

int kr__tls_creds_load(const char *cert_path, const char *key_path, struct kr_tls_creds **out,
		       char *err, size_t errlen)
{
	char e[128];
	int ret = check_readable("certificate", cert_path, err, errlen);
	if (ret == 0)
		ret = check_readable("key", key_path, err, errlen);
	if (ret != 0)
		return ret;
	struct kr_tls_creds *c = creds_new();
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = mbedtls_x509_crt_parse_file(&c->crt, cert_path);
	if (ret != 0) {
		snprintf(err, errlen, "the certificate file '%s' holds no valid certificate: %s", cert_path,
			 kr__tls_strerror(ret, e, sizeof(e)));
		goto fail;
	}
	ret = mbedtls_pk_parse_keyfile(&c->key, key_path, NULL);
	if (ret != 0) {
		snprintf(err, errlen, "the key file '%s' holds no valid private key (or it is encrypted): %s",
			 key_path, kr__tls_strerror(ret, e, sizeof(e)));
		goto fail;
	}
	if (mbedtls_pk_check_pair(&c->crt.pk, &c->key) != 0) {
		snprintf(err, errlen, "the key in '%s' does not belong to the certificate in '%s'", key_path, cert_path);
		goto fail;
	}
	c->cert_path = strdup(cert_path);
	c->key_path = strdup(key_path);
	if (!c->cert_path || !c->key_path) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (creds_setup(c, err, errlen) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	kr__tls_creds_unref(c);
	return -EINVAL;
}

int kr__tls_creds_ephemeral(struct kr_tls_creds **out, char *err, size_t errlen)
{
	char e[128];
	mbedtls_ctr_drbg_context *rng = kr__tls_rng();
	struct kr_tls_creds *c = creds_new();
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	int ret = -ENOMEM;
	if (!c || !rng) {
		snprintf(err, errlen, "out of memory or no random generator");
		goto fail;
	}
	ret = mbedtls_pk_setup(&c->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(c->key),
					  mbedtls_ctr_drbg_random, rng);
	/* Valid from a day ago (clock skew) for a year. */
	char name[300], from[16], until[16];
	time_t now = time(NULL), t0 = now - 86400, t1 = now + 365 * 86400;
	struct tm tm;
	strftime(from, sizeof(from), "%Y%m%d%H%M%S", gmtime_r(&t0, &tm));
	strftime(until, sizeof(until), "%Y%m%d%H%M%S", gmtime_r(&t1, &tm));
	char host[256] = "kresd";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	/* A name with characters special to X.500 text is replaced. */
	if (strpbrk(host, ",=+<>#;\\\"") || !host[0])
		strcpy(host, "kresd");
	snprintf(name, sizeof(name), "CN=%s", host);
	uint8_t sbytes[16];
	if (ret == 0)
		ret = mbedtls_ctr_drbg_random(rng, sbytes, sizeof(sbytes));
	sbytes[0] &= 0x7f;   /* a positive serial */
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&serial, sbytes, sizeof(sbytes));
	if (ret == 0) {
		mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
		mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
		mbedtls_x509write_crt_set_subject_key(&w, &c->key);
		mbedtls_x509write_crt_set_issuer_key(&w, &c->key);
		ret = mbedtls_x509write_crt_set_subject_name(&w, name);
	}
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(&w, name);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(&w, &serial);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(&w, from, until);
	unsigned char der[2048];
	int len = ret == 0 ? mbedtls_x509write_crt_der(&w, der, sizeof(der), mbedtls_ctr_drbg_random, rng) : ret;
	ret = len < 0 ? len : mbedtls_x509_crt_parse_der(&c->crt, der + sizeof(der) - len, (size_t)len);
	if (ret != 0) {
		snprintf(err, errlen, "cannot make a self-signed certificate: %s", kr__tls_strerror(ret, e, sizeof(e)));
		ret = -EINVAL;
		goto fail;
	}
	ret = creds_setup(c, err, errlen);
	if (ret != 0)
		goto fail;
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	*out = c;
	return 0;
fail:
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	kr__tls_creds_unref(c);
	return ret;
}
