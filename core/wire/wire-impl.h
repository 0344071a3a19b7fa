/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * Internal helpers of the wire-format core (for the C files of core/wire only; not installed).
 *
 * The centre piece is the RDATA layout descriptor: for every RR type whose
 * RDATA structure the core knows, the sequence of fields it is made of. It is
 * used when parsing (names inside RDATA are decompressed, the layout is
 * validated: an A record must be exactly 4 bytes...), when writing (names are
 * compressed only in the fields marked KR__RDF_CNAME, i.e. for the RFC 1035
 * types; never for others, per RFC 3597 section 4), and for the DNSSEC
 * canonical form (names lower-cased only in the fields RFC 4034 section 6.2
 * as amended by RFC 6840 section 5.1 lists).
 *
 * A type without a descriptor (kr__rdesc_get() returns NULL) is opaque:
 * RDATA is copied verbatim and never validated, compressed or lower-cased.
 *
 * RDATA handled by these helpers is always uncompressed (as stored in a
 * kr_rrset_t); only kr__rdata_unpack() reads compressed packet data.
 *
 * Walking the fields of one uncompressed RDATA item (e.g. to print it):
 *
 *   const struct kr__rdesc *d = kr__rdesc_get(type);
 *   size_t pos = 0;
 *   for (const struct kr__rdf *f = d->fields; f->kind != KR__RDF_END; ++f) {
 *           int flen = kr__rdf_len(f, rdata + pos, len - pos);
 *           if (flen < 0)
 *                   return KR_EMALF;
 *           ... the field is rdata[pos .. pos + flen) ...
 *           pos += flen;
 *   }
 *   if (pos != len)
 *           return KR_EMALF;       // trailing bytes
 *
 * (kr__rdata_check() does exactly this validation.)
 */
#pragma once

#include <kres/pkt.h>

/** Kinds of RDATA fields. */
enum kr__rdf_kind {
	/** End of the descriptor; no RDATA bytes may follow. */
	KR__RDF_END = 0,
	/** Exactly kr__rdf.len bytes (integers, addresses, the SOA timers...). */
	KR__RDF_FIXED,
	/**
	 * Domain name that IS compressed when written (only the RFC 1035 types
	 * NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX), decompressed when
	 * read, lower-cased in the canonical form.
	 */
	KR__RDF_CNAME,
	/**
	 * Domain name never compressed when written, decompressed when read
	 * (RFC 3597 asks to accept old compressing senders), lower-cased in the
	 * canonical form (RFC 4034 6.2: RP, AFSDB, RT, SIG, PX, NXT, NAPTR, KX,
	 * SRV, DNAME, RRSIG).
	 */
	KR__RDF_NAME,
	/**
	 * Domain name never compressed, decompressed when read, and kept with
	 * its case in the canonical form (NSEC next name since RFC 6840 5.1,
	 * SVCB/HTTPS target, TSIG algorithm).
	 */
	KR__RDF_NAME_CS,
	/** One <character-string>: a length byte and that many bytes. */
	KR__RDF_STR,
	/**
	 * Zero or more <character-string>s filling the rest of the RDATA (TXT).
	 * RFC 1035 asks for at least one; empty TXT RDATA is tolerated on input.
	 */
	KR__RDF_STRS,
	/** All remaining bytes, possibly none (keys, signatures, bitmaps, SvcParams, EDNS options). */
	KR__RDF_REST,
};

/** One field of an RDATA layout. */
struct kr__rdf {
	uint8_t kind;   /**< enum kr__rdf_kind */
	uint8_t len;    /**< byte count for KR__RDF_FIXED, 0 otherwise */
};

#define KR__RDESC_MAXFIELDS 7

/** RDATA layout of one type: fields in order, terminated by KR__RDF_END. */
struct kr__rdesc {
	uint16_t type;
	/** Does some field have kind KR__RDF_CNAME? (quick test for writing) */
	bool compress;
	/** Does some field have kind KR__RDF_CNAME or KR__RDF_NAME? (canonical lower-casing needed) */
	bool lower;
	struct kr__rdf fields[KR__RDESC_MAXFIELDS];
};

/**
 * Layout descriptor of a type.
 * @return a static descriptor, or NULL for types handled as opaque data
 *         (RFC 3597), including OPT's options which edns.c checks itself:
 *         OPT has a descriptor with a single KR__RDF_REST field.
 */
const struct kr__rdesc *kr__rdesc_get(uint16_t type);

/**
 * Length of the field f at the start of p in uncompressed RDATA.
 * @param avail bytes left in the RDATA from p
 * @return the field's length (KR__RDF_STRS and KR__RDF_REST take all of
 *         avail; KR__RDF_END gives 0), or KR_EMALF when it does not fit
 *         or is malformed (names must be uncompressed and valid).
 */
int kr__rdf_len(const struct kr__rdf *f, const uint8_t *p, size_t avail);

/**
 * Validate one uncompressed RDATA item against the layout of its type.
 * @return 0, or KR_EMALF (bad field, too short, trailing bytes).
 *         Types without a descriptor are always valid.
 */
int kr__rdata_check(uint16_t type, const uint8_t *rdata, size_t len);

/**
 * Turn one uncompressed RDATA item into its DNSSEC canonical form in place:
 * lower-case the names of KR__RDF_CNAME and KR__RDF_NAME fields
 * (RFC 4034 6.2, RFC 6840 5.1). Other bytes are never touched.
 * @return 0, or KR_EMALF when the RDATA does not match the layout
 *         (then nothing was changed).
 */
int kr__rdata_lower(uint16_t type, uint8_t *rdata, size_t len);

/**
 * Read the RDATA of a record from a packet, decompressing names of known types.
 * @param pkt, pkt_len  the whole message (compression pointers are resolved in it)
 * @param pos    offset of the RDATA (just past RDLENGTH)
 * @param rdlen  RDLENGTH; the RDATA must lie within pkt_len
 * @param dst    output with room for the length a call with dst NULL returns
 *               (65535 bytes are always enough), or NULL to only validate and measure
 * @return the uncompressed RDATA length (the result must also fit in 65535
 *         bytes), or KR_EMALF.
 */
int kr__rdata_unpack(uint16_t type, const uint8_t *pkt, size_t pkt_len, size_t pos,
		     uint16_t rdlen, uint8_t *dst);

/**
 * Compare two RDATA items of the same type in canonical order (RFC 4034 6.3):
 * as left-justified octet strings of their canonical forms (names lower-cased
 * per kr__rdata_lower()), without modifying them.
 * @return <0, 0, >0 like memcmp().
 */
int kr__rdata_cmp(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/**
 * Check that OPT RDATA is a well-formed list of EDNS options
 * (code, length, data), nothing left over.
 * @return 0 or KR_EMALF.
 */
int kr__edns_opts_check(const uint8_t *rdata, size_t len);

/** ASCII lower-casing of one byte (label length bytes, <= 63, stay unchanged). */
static inline uint8_t kr__lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/** Bytes taken in kr_rdataset_t.data by an item with len bytes of RDATA (even size). */
static inline size_t kr__rdata_item_size(size_t len)
{
	return sizeof(struct kr_rdata) + len + (len & 1);
}

/** Read a big-endian 16-bit value. */
static inline uint16_t kr__get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/** Read a big-endian 32-bit value. */
static inline uint32_t kr__get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/** Write a big-endian 16-bit value. */
static inline void kr__put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Write a big-endian 32-bit value. */
static inline void kr__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
