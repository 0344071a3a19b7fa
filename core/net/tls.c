/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A TLS layer over a libuv stream. mbed TLS reads ciphertext from a buffer the
 * uv read callback filled (never from the socket), and writes records through
 * uv_try_write(), queueing with uv_write() what the socket does not take at
 * once: nothing here ever blocks the loop. Also EDNS(0) padding and SPKI pins.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <kres/defines.h>
#include <kres/log.h>
#include <kres/pkt.h>
#include "core/net/tls.h"

/* One TLS record at most (16 KiB of content plus the largest overhead). */
#define TLS_IN_CAP (16384 + 2048)

const mbedtls_ecp_group_id kr__tls_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE
};

/** ECDHE key exchange with AEAD ciphers only (RFC 7525 section 4.2). */
static const int suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0
};

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static bool rng_ready;

mbedtls_ctr_drbg_context *kr__tls_rng(void)
{
	if (rng_ready)
		return &drbg;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	static const unsigned char pers[] = "kresd tls";
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof(pers) - 1) != 0) {
		mbedtls_ctr_drbg_free(&drbg);
		mbedtls_entropy_free(&entropy);
		return NULL;
	}
	rng_ready = true;
	return &drbg;
}

void kr__tls_conf_common(mbedtls_ssl_config *conf, mbedtls_ctr_drbg_context *rng)
{
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, rng);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(conf, suites);
	mbedtls_ssl_conf_curves(conf, kr__tls_curves);
	mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
}

void kr__tls_after_fork(int fork_id)
{
	if (!rng_ready)
		return;
	unsigned char extra[sizeof(fork_id) + sizeof(pid_t)];
	pid_t pid = getpid();
	memcpy(extra, &fork_id, sizeof(fork_id));
	memcpy(extra + sizeof(fork_id), &pid, sizeof(pid));
	if (mbedtls_ctr_drbg_reseed(&drbg, extra, sizeof(extra)) != 0) {
		/* Never go on with the parent's stream. */
		kr_log_crit(tls, "cannot reseed the random generator after fork");
		abort();
	}
}

const char *kr__tls_strerror(int err, char *buf, size_t len)
{
	mbedtls_strerror(err, buf, len);
	return buf;
}

/* --- the stream --- */

struct tls_write {
	uv_write_t req;
	uint8_t data[];
};

static void write_cb(uv_write_t *req, int status)
{
	free(req);
}

/** mbed TLS's send: whole records go to the socket now or to libuv's queue. */
static int bio_send(void *ctx, const unsigned char *data, size_t len)
{
	struct kr_tls_stream *ts = ctx;
	if (uv_is_closing((uv_handle_t *)ts->stream))
		return MBEDTLS_ERR_NET_SEND_FAILED;
	uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
	int done = uv_try_write(ts->stream, &buf, 1);
	if (done == (int)len)
		return (int)len;
	if (done < 0) {
		if (done != UV_EAGAIN && done != UV_ENOSYS)
			return MBEDTLS_ERR_NET_SEND_FAILED;
		done = 0;
	}
	size_t rest = len - (size_t)done;
	struct tls_write *w = malloc(sizeof(*w) + rest);
	if (!w)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	memcpy(w->data, data + done, rest);
	buf = uv_buf_init((char *)w->data, (unsigned)rest);
	if (uv_write(&w->req, ts->stream, &buf, 1, write_cb) != 0) {
		free(w);
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
	return (int)len;
}

/** mbed TLS's receive: from what the read callback stored. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct kr_tls_stream *ts = ctx;
	size_t avail = ts->in_len - ts->in_off;
	if (avail == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > avail)
		len = avail;
	memcpy(buf, ts->in + ts->in_off, len);
	ts->in_off += len;
	if (ts->in_off == ts->in_len)
		ts->in_off = ts->in_len = 0;
	return (int)len;
}

int kr__tls_stream_init(struct kr_tls_stream *ts, const mbedtls_ssl_config *conf, uv_stream_t *stream)
{
	memset(ts, 0, sizeof(*ts));
	ts->stream = stream;
	mbedtls_ssl_init(&ts->ssl);
	ts->in = malloc(TLS_IN_CAP);
	if (!ts->in)
		return -ENOMEM;
	if (mbedtls_ssl_setup(&ts->ssl, conf) != 0) {
		kr__tls_stream_deinit(ts);
		return -EINVAL;
	}
	/* On failure the caller frees ts only: nothing of it is left allocated. */
	mbedtls_ssl_set_bio(&ts->ssl, ts, bio_send, bio_recv, NULL);
	return 0;
}

void kr__tls_stream_deinit(struct kr_tls_stream *ts)
{
	mbedtls_ssl_free(&ts->ssl);
	free(ts->in);
	ts->in = NULL;
	ts->in_off = ts->in_len = 0;
}

size_t kr__tls_stream_rxspace(const struct kr_tls_stream *ts)
{
	return ts->in ? TLS_IN_CAP - ts->in_len + ts->in_off : 0;
}

void kr__tls_stream_rxbuf(struct kr_tls_stream *ts, uv_buf_t *buf)
{
	if (ts->in_off) {
		memmove(ts->in, ts->in + ts->in_off, ts->in_len - ts->in_off);
		ts->in_len -= ts->in_off;
		ts->in_off = 0;
	}
	buf->base = ts->in ? (char *)ts->in + ts->in_len : NULL;
	buf->len = ts->in ? TLS_IN_CAP - ts->in_len : 0;
}

void kr__tls_stream_received(struct kr_tls_stream *ts, size_t n)
{
	ts->in_len += n;
}

int kr__tls_stream_handshake(struct kr_tls_stream *ts)
{
	if (ts->handshake_done)
		return 0;
	if (ts->failed)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	int ret = mbedtls_ssl_handshake(&ts->ssl);
	if (ret == 0) {
		ts->handshake_done = true;
		return 0;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return KR_TLS_AGAIN;
	ts->failed = true;
	return ret;
}

int kr__tls_stream_read(struct kr_tls_stream *ts, uint8_t *buf, size_t len)
{
	if (ts->failed)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	int ret = mbedtls_ssl_read(&ts->ssl, buf, len);
	if (ret > 0)
		return ret;
	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	/* A client asking to renegotiate, or a ticket or a late record: nothing to hand up. */
	if (ret == MBEDTLS_ERR_SSL_CLIENT_RECONNECT)
		return 0;
	ts->failed = ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY && ret != 0;
	if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return -ECONNRESET;
	return ret;
}

int kr__tls_stream_write(struct kr_tls_stream *ts, const uint8_t *data, size_t len)
{
	if (ts->failed || !ts->handshake_done)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	while (len > 0) {
		int ret = mbedtls_ssl_write(&ts->ssl, data, len);
		if (ret < 0) {
			/* bio_send never asks to wait, so this is fatal */
			ts->failed = true;
			return ret;
		}
		data += ret;
		len -= (size_t)ret;
	}
	return 0;
}

void kr__tls_stream_close_notify(struct kr_tls_stream *ts)
{
	if (ts->handshake_done && !ts->failed)
		mbedtls_ssl_close_notify(&ts->ssl);
	ts->failed = true;
}

/* --- EDNS(0) padding (RFC 7830, block padding of RFC 8467) --- */

size_t kr__tls_padding_len(size_t msg_len, unsigned block)
{
	if (block < 2)
		return 0;
	size_t with_header = msg_len + 4;
	return (block - with_header % block) % block;
}

int kr__tls_pad(uint8_t *wire, size_t *size, size_t max, size_t opt_size, unsigned block)
{
	/* OPT at the end: root owner, type 41, class, TTL, RDLENGTH, options. */
	if (block < 2)
		return 0;
	if (opt_size < 11 || *size < KR_PKT_HDRSIZE + opt_size)
		return -ENOENT;
	uint8_t *opt = wire + *size - opt_size;
	if (opt[0] != 0 || opt[1] != 0 || opt[2] != 41)
		return -ENOENT;
	size_t rdlen = ((size_t)opt[9] << 8) | opt[10];
	if (rdlen != opt_size - 11)
		return -ENOENT;
	for (size_t off = 11; off + 4 <= opt_size;) {
		uint16_t code = (uint16_t)((opt[off] << 8) | opt[off + 1]);
		size_t olen = ((size_t)opt[off + 2] << 8) | opt[off + 3];
		if (code == 12)
			return -ENOENT;
		off += 4 + olen;
	}
	size_t pad = kr__tls_padding_len(*size, block);
	if (*size + 4 + pad > max || rdlen + 4 + pad > 0xffff)
		return KR_ESPACE;
	uint8_t *o = wire + *size;
	o[0] = 0;
	o[1] = 12;
	o[2] = (uint8_t)(pad >> 8);
	o[3] = (uint8_t)pad;
	memset(o + 4, 0, pad);
	rdlen += 4 + pad;
	opt[9] = (uint8_t)(rdlen >> 8);
	opt[10] = (uint8_t)rdlen;
	*size += 4 + pad;
	return 0;
}

/* --- SPKI pins (RFC 7858 section 4.2) --- */

int kr__tls_spki_pin_raw(const mbedtls_x509_crt *crt, uint8_t out[KR_TLS_PIN_LEN])
{
	unsigned char der[2048];
	/* mbed TLS writes at the end of the buffer */
	int len = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&crt->pk, der, sizeof(der));
	if (len < 0)
		return len;
	return mbedtls_sha256_ret(der + sizeof(der) - len, (size_t)len, out, 0);
}

int kr__tls_spki_pin(const mbedtls_x509_crt *crt, char out[KR_TLS_PIN_B64])
{
	uint8_t raw[KR_TLS_PIN_LEN];
	int ret = kr__tls_spki_pin_raw(crt, raw);
	if (ret != 0)
		return ret;
	size_t olen = 0;
	return mbedtls_base64_encode((unsigned char *)out, KR_TLS_PIN_B64, &olen, raw, sizeof(raw));
}

int kr__tls_pin_decode(const char *text, uint8_t out[KR_TLS_PIN_LEN])
{
	unsigned char buf[64];
	size_t olen = 0;
	if (!text || mbedtls_base64_decode(buf, sizeof(buf), &olen, (const unsigned char *)text,
					   strlen(text)) != 0 || olen != KR_TLS_PIN_LEN)
		return -EINVAL;
	memcpy(out, buf, KR_TLS_PIN_LEN);
	return 0;
}
