/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * DNS over TLS (RFC 7858) with mbed TLS, internal to core/net: a TLS layer
 * over a libuv stream (tls.c), server credentials (tls_cert.c), upstream
 * authentication (tls_client.c), EDNS(0) padding and SPKI pins.
 *
 * Usage (a stream that received ciphertext):
 *   kr__tls_stream_rxbuf(ts, &buf);           // in the uv alloc callback
 *   kr__tls_stream_received(ts, nread);        // in the uv read callback
 *   if (kr__tls_stream_handshake(ts) == 0)
 *           n = kr__tls_stream_read(ts, plain, sizeof(plain));
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl_ticket.h>
#include <kres/request.h>

#define KR_TLS_PIN_LEN 32             /**< SHA-256 of the SubjectPublicKeyInfo */
#define KR_TLS_PIN_B64 45             /**< its base64 text with the NUL */
#define KR_TLS_PINS_MAX 8             /**< pins per upstream */
#define KR_TLS_PADDING_DEFAULT 468    /**< RFC 8467 block for answers */
#define KR_TLS_AGAIN 1                /**< handshake: needs more data from the peer */

/** Key exchange groups offered and accepted, fastest first (P-521 is left out: slow to compute). */
extern const mbedtls_ecp_group_id kr__tls_curves[];

/** A TLS layer over a libuv stream. */
struct kr_tls_stream {
	mbedtls_ssl_context ssl;
	uv_stream_t *stream;   /**< where ciphertext goes; borrowed from the owner */
	uint8_t *in;           /**< ciphertext received, not yet taken by mbed TLS; malloc()ed */
	size_t in_off;         /**< taken up to here */
	size_t in_len;         /**< received up to here */
	bool handshake_done;
	bool failed;           /**< a fatal error happened: nothing more may be written */
};

/** The process-wide random generator (seeded on first use). @return it or NULL. */
mbedtls_ctr_drbg_context *kr__tls_rng(void);
/**
 * What servers and clients share in their configuration (after mbedtls_ssl_config_defaults()):
 * TLS 1.2 and later, ECDHE with AEAD ciphers only (RFC 7525 section 4.2) over kr__tls_curves,
 * no renegotiation, random numbers from rng.
 */
void kr__tls_conf_common(mbedtls_ssl_config *conf, mbedtls_ctr_drbg_context *rng);
/**
 * Reseed the generator in a new fork from fresh entropy, so that no two
 * processes draw the same TLS randoms and keys. No-op when never seeded.
 */
void kr__tls_after_fork(int fork_id);
/**
 * Set up ts for conf (server or client) over stream.
 * @return 0, -ENOMEM, or -EINVAL (mbed TLS refused the setup).
 */
int kr__tls_stream_init(struct kr_tls_stream *ts, const mbedtls_ssl_config *conf, uv_stream_t *stream);
/** Release what ts holds (not ts itself). */
void kr__tls_stream_deinit(struct kr_tls_stream *ts);
/** Room for the next read of ciphertext (buf->len 0 when full: stop reading). */
void kr__tls_stream_rxbuf(struct kr_tls_stream *ts, uv_buf_t *buf);
/** Bytes free for ciphertext (0: stop reading until plaintext is consumed). */
size_t kr__tls_stream_rxspace(const struct kr_tls_stream *ts);
/** n bytes were read into the buffer given by kr__tls_stream_rxbuf(). */
void kr__tls_stream_received(struct kr_tls_stream *ts, size_t n);
/**
 * Advance the handshake with what was received.
 * @return 0 (done), KR_TLS_AGAIN (wait for more data), or a negative mbed TLS error.
 */
int kr__tls_stream_handshake(struct kr_tls_stream *ts);
/**
 * Decrypted application data, at most len bytes.
 * @return bytes (> 0), 0 when no more data is available now, -ECONNRESET when
 *         the peer closed the session, or a negative mbed TLS error.
 */
int kr__tls_stream_read(struct kr_tls_stream *ts, uint8_t *buf, size_t len);
/** Encrypt and queue len bytes for the peer. @return 0 or a negative mbed TLS error. */
int kr__tls_stream_write(struct kr_tls_stream *ts, const uint8_t *data, size_t len);
/** Send close_notify (best effort) before the stream is closed. */
void kr__tls_stream_close_notify(struct kr_tls_stream *ts);
/** Text of an mbed TLS error code into buf. @return buf. */
const char *kr__tls_strerror(int err, char *buf, size_t len);

/**
 * Option data bytes that make a message of msg_len bytes, after adding a
 * padding option (4 bytes of header), a multiple of block.
 * @return the option data length (0..block-1), or 0 when block < 2.
 */
size_t kr__tls_padding_len(size_t msg_len, unsigned block);
/**
 * Add an EDNS(0) padding option to a message whose last record is its OPT
 * (kr_resolve_finish() writes it so), growing *size up to max.
 * @return 0, -ENOENT (no OPT at the end, or a padding option is already
 *         there), or KR_ESPACE (no room: the message is left as it was).
 */
int kr__tls_pad(uint8_t *wire, size_t *size, size_t max, size_t opt_size, unsigned block);

/** Base64 text of the SHA-256 of a certificate's SubjectPublicKeyInfo. @return 0 or an mbed TLS error. */
int kr__tls_spki_pin(const mbedtls_x509_crt *crt, char out[KR_TLS_PIN_B64]);
/** The binary pin of a certificate. @return 0 or an mbed TLS error. */
int kr__tls_spki_pin_raw(const mbedtls_x509_crt *crt, uint8_t out[KR_TLS_PIN_LEN]);
/** Decode a base64 pin text. @return 0 or -EINVAL (not base64 of 32 bytes). */
int kr__tls_pin_decode(const char *text, uint8_t out[KR_TLS_PIN_LEN]);

/** Server credentials: a certificate, its key, and the TLS configuration using them. Refcounted. */
struct kr_tls_creds {
	unsigned refs;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	mbedtls_ssl_ticket_context tickets;
	char *cert_path;       /**< NULL for an ephemeral certificate; @note malloc()ed */
	char *key_path;        /**< @note malloc()ed */
	char pin[KR_TLS_PIN_B64];
};

/**
 * Load a PEM or DER certificate (chain) and its private key.
 * @return 0 with *out (refs 1), or -errno/-EINVAL with a message naming the file in err.
 */
int kr__tls_creds_load(const char *cert_path, const char *key_path, struct kr_tls_creds **out,
		       char *err, size_t errlen);
/** A self-signed certificate with a new P-256 key, valid for a year. @return 0 or an error (err). */
int kr__tls_creds_ephemeral(struct kr_tls_creds **out, char *err, size_t errlen);
/** Take a reference. @return c. */
struct kr_tls_creds *kr__tls_creds_ref(struct kr_tls_creds *c);
/** Drop a reference; the last frees c. NULL is a no-op. */
void kr__tls_creds_unref(struct kr_tls_creds *c);

/** How an upstream is authenticated, and the client TLS configuration for it. Refcounted. */
struct kr_tls_upstream {
	unsigned refs;
	union kr_sockaddr addr;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	char *hostname;        /**< name checked in its certificate and sent as SNI, or NULL; @note malloc()ed */
	bool check_ca;         /**< the chain must verify against ca and hostname */
	uint8_t pins[KR_TLS_PINS_MAX][KR_TLS_PIN_LEN];
	unsigned pin_count;
	uint64_t refused_until;  /**< kr_now_ms() before which the server is not tried again (it failed its check) */
	struct kr_tls_upstream *next;
};

/** The configuration of the upstream at addr (port included), or NULL. @note borrowed */
struct kr_tls_upstream *kr__tls_upstream_find(const struct sockaddr *addr);
/** Take a reference. @return u. */
struct kr_tls_upstream *kr__tls_upstream_ref(struct kr_tls_upstream *u);
/** Drop a reference. NULL is a no-op. */
void kr__tls_upstream_unref(struct kr_tls_upstream *u);
/**
 * Check a finished client handshake against u (pins; the chain was checked by mbed TLS).
 * @return 0 or -EPERM with the reason in err.
 */
int kr__tls_upstream_verify(const struct kr_tls_upstream *u, const mbedtls_ssl_context *ssl,
			    char *err, size_t errlen);
/** Forget every upstream configuration (at exit). */
void kr__tls_upstream_clear(void);
