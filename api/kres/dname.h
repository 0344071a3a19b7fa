/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Domain names in uncompressed wire format (length-prefixed labels ending
 * with the zero-length root label), at most KR_DNAME_MAXLEN bytes.
 *
 * Usage:
 *   uint8_t name[KR_DNAME_MAXLEN];
 *   int len = kr_dname_from_str(name, sizeof(name), "www.Example.com");
 *   char text[KR_DNAME_MAXTEXT];
 *   kr_dname_to_str(text, sizeof(text), name);   // "www.Example.com."
 */
#pragma once

#include <kres/defines.h>

#define KR_DNAME_MAXLEN 255     /**< wire length including the root label */
#define KR_DNAME_MAXLABELS 127
#define KR_DNAME_MAXLABELLEN 63
#define KR_DNAME_MAXTEXT 1024   /**< enough for any name in escaped text form */

/**
 * Length of a valid uncompressed wire name including the root label.
 * @note The name must be well formed (as everything the core hands out is).
 */
KR_EXPORT size_t kr_dname_size(const uint8_t *name);
/** Number of labels, not counting the root label ("." has 0). */
KR_EXPORT int kr_dname_labels(const uint8_t *name);
/**
 * Check that buf holds a well-formed uncompressed name within len bytes.
 * @return its length, or KR_EMALF.
 */
KR_EXPORT int kr_dname_check(const uint8_t *buf, size_t len);
/**
 * Read a possibly compressed name at *pos of a packet and write it uncompressed.
 * Rejects pointer loops, pointers that do not point strictly backwards (before
 * the start of the labels that led to them, so loops are impossible), pointers
 * into the header or beyond pkt_len, labels over 63 and names over 255 bytes.
 * @param dst  output buffer, at least KR_DNAME_MAXLEN bytes (NULL = only validate)
 * @param pos  in: offset of the name; out: offset just past it in the packet
 * @return length of the uncompressed name, or KR_EMALF.
 */
KR_EXPORT int kr_dname_unpack(uint8_t *dst, const uint8_t *pkt, size_t pkt_len, size_t *pos);
/**
 * Parse presentation form (with \X and \DDD escapes; relative names are taken
 * as absolute) into wire form.
 * @return the wire length, KR_EMALF for bad text, KR_ESPACE if maxlen is too small.
 */
KR_EXPORT int kr_dname_from_str(uint8_t *dst, size_t maxlen, const char *str);
/**
 * Write the presentation form, always ending with '.', escaping special and
 * non-printable bytes.
 * @return the string length, or KR_ESPACE.
 */
KR_EXPORT int kr_dname_to_str(char *dst, size_t maxlen, const uint8_t *name);
/** Case-insensitive equality of two wire names. */
KR_EXPORT bool kr_dname_eq(const uint8_t *a, const uint8_t *b);
/**
 * Canonical DNSSEC ordering (RFC 4034 section 6.1): by labels from the right,
 * each compared as lower-cased octet strings.
 * @return <0, 0, >0 like strcmp().
 */
KR_EXPORT int kr_dname_cmp(const uint8_t *a, const uint8_t *b);
/** Is name equal to zone or below it? (case-insensitive) */
KR_EXPORT bool kr_dname_in(const uint8_t *name, const uint8_t *zone);
/** Lower-case ASCII letters of the name in place. */
KR_EXPORT void kr_dname_lower(uint8_t *name);
/** The parent name (a pointer into name), or NULL for the root. */
KR_EXPORT const uint8_t *kr_dname_parent(const uint8_t *name);
/**
 * The wildcard at name ("*." + name) into dst (KR_DNAME_MAXLEN bytes).
 * @return its length, or KR_ESPACE when it would be longer than KR_DNAME_MAXLEN.
 */
KR_EXPORT int kr_dname_wildcard(uint8_t *dst, const uint8_t *name);
/**
 * DNAME substitution (RFC 6672 2.2): name, at or below owner, with the suffix
 * owner replaced by target, into dst (KR_DNAME_MAXLEN bytes; may be name).
 * Letter case is kept as given.
 * @return its length, KR_ESPACE when it would be longer than KR_DNAME_MAXLEN
 *         (a server answers YXDOMAIN), or -EINVAL when name is not at or
 *         below owner.
 */
KR_EXPORT int kr_dname_subst(uint8_t *dst, const uint8_t *name, const uint8_t *owner, const uint8_t *target);
/** Copy the name into mm. @return the copy or NULL. @note owned by mm. */
KR_EXPORT uint8_t *kr_dname_copy(const uint8_t *name, kr_mm_t *mm);
