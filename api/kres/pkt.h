/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * DNS messages: parsing with strict bounds, building with name compression,
 * header flags and EDNS(0).
 *
 * Usage (build a query):
 *   kr_pkt_t *q = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
 *   kr_pkt_put_question(q, name, KR_CLASS_IN, KR_TYPE_A);
 *   kr_pkt_set_flag(q, KR_PKT_RD, true);
 * Usage (parse):
 *   kr_pkt_t *p = kr_pkt_new(buf, len, mm); p->size = len;
 *   if (kr_pkt_parse(p) != 0) ... FORMERR ...
 *   for (i = 0; i < kr_pkt_count(p, KR_SECTION_ANSWER); ++i) kr_pkt_rr(p, KR_SECTION_ANSWER, i)...
 */
#pragma once

#include <kres/rrset.h>

#define KR_PKT_HDRSIZE 12
#define KR_PKT_MAXSIZE 65535
#define KR_EDNS_MIN_BUFSIZE 512

/** Message sections that hold records (the question is separate). */
enum kr_section {
	KR_SECTION_ANSWER = 0,
	KR_SECTION_AUTHORITY = 1,
	KR_SECTION_ADDITIONAL = 2,
};

/** Header flag bits, as they sit in the second 16-bit word of the header. */
enum kr_pkt_flag {
	KR_PKT_QR = 1 << 15, KR_PKT_AA = 1 << 10, KR_PKT_TC = 1 << 9, KR_PKT_RD = 1 << 8,
	KR_PKT_RA = 1 << 7, KR_PKT_Z = 1 << 6, KR_PKT_AD = 1 << 5, KR_PKT_CD = 1 << 4,
};

enum kr_opcode { KR_OPCODE_QUERY = 0, KR_OPCODE_IQUERY = 1, KR_OPCODE_STATUS = 2,
		 KR_OPCODE_NOTIFY = 4, KR_OPCODE_UPDATE = 5 };

enum kr_rcode {
	KR_RCODE_NOERROR = 0, KR_RCODE_FORMERR = 1, KR_RCODE_SERVFAIL = 2, KR_RCODE_NXDOMAIN = 3,
	KR_RCODE_NOTIMPL = 4, KR_RCODE_REFUSED = 5, KR_RCODE_YXDOMAIN = 6, KR_RCODE_NOTAUTH = 9,
	KR_RCODE_BADVERS = 16, /**< extended: needs an OPT record to be expressed */
};

/** EDNS option codes the core knows. */
enum kr_edns_option { KR_EDNS_OPT_NSID = 3, KR_EDNS_OPT_ECS = 8, KR_EDNS_OPT_COOKIE = 10,
		      KR_EDNS_OPT_KEEPALIVE = 11, KR_EDNS_OPT_PADDING = 12, KR_EDNS_OPT_EDE = 15 };

/** Range of records of one section inside kr_pkt.rr. */
struct kr_pkt_section {
	uint16_t pos;     /**< index of the first record in kr_pkt.rr */
	uint16_t count;   /**< number of entries */
};

/** A compression-table entry: a name already written, by offset. */
struct kr_pkt_comp {
	uint16_t off;
};

#define KR_PKT_COMP_MAX 64

/**
 * A DNS message. Public for speed; its layout is part of the ABI (tests/abi).
 * Parsed records are one-item RR sets with names decompressed; their owners
 * and RDATA are owned by the packet (allocated from mm, released by
 * kr_pkt_parse(), kr_pkt_clear(), kr_pkt_truncate() and kr_pkt_free()).
 * Written records keep whole RR sets as given to kr_pkt_put() (shallow copies).
 */
typedef struct kr_pkt {
	uint8_t *wire;             /**< message bytes; @note owned by the packet if kr_pkt_new() got NULL */
	size_t size;               /**< bytes in use */
	size_t max_size;           /**< capacity of wire */
	size_t reserved;           /**< bytes at the end kept free (for OPT) while writing sections */
	kr_mm_t *mm;               /**< memory for records and parsed data; NULL = malloc */
	/* question */
	uint16_t qname_size;       /**< 0 when there is no question */
	uint16_t qtype;
	uint16_t qclass;
	uint8_t *qname;            /**< points into wire (a question name is never compressed) */
	/* records */
	kr_rrset_t *rr;            /**< all records in section order */
	uint16_t rrcount;
	uint16_t rrmax;            /**< capacity of rr */
	struct kr_pkt_section sections[3];
	enum kr_section current;   /**< section being written */
	kr_rrset_t *opt;           /**< the OPT record, if any (parsed, or written by kr_pkt_put_opt) */
	bool owns_wire;
	uint16_t comp_count;
	struct kr_pkt_comp comp[KR_PKT_COMP_MAX];
} kr_pkt_t;

/**
 * Create a packet over wire (or a new buffer of max_size when wire is NULL);
 * max_size is capped at KR_PKT_MAXSIZE.
 * The packet starts empty: a zeroed 12-byte header (when wire is NULL) or
 * size 0 (when wire is given; set size then call kr_pkt_parse()).
 * @return the packet or NULL. @note owned by the caller; kr_pkt_free() releases it.
 */
KR_EXPORT kr_pkt_t *kr_pkt_new(uint8_t *wire, size_t max_size, kr_mm_t *mm);
/** Release the packet, its records and its buffer if it owns it. */
KR_EXPORT void kr_pkt_free(kr_pkt_t *pkt);
/** Empty the packet: zeroed header, no question, no records, size 12. */
KR_EXPORT void kr_pkt_clear(kr_pkt_t *pkt);
/**
 * Parse wire[0..size). On success the question and records are available.
 * Rejects: counts beyond the data, trailing garbage, bad names (see kr_dname_unpack()),
 * RDATA overrunning its record or malformed for known types holding names, an OPT
 * outside the additional section, a second OPT, an OPT not owned by the root,
 * malformed EDNS options, more than one question.
 * @return 0, KR_EMALF, or -ENOMEM. On error the packet is left with no records
 *         (the question stays available if it was valid).
 */
KR_EXPORT int kr_pkt_parse(kr_pkt_t *pkt);
/**
 * Parse only the header and the question (the cheap check done for every
 * incoming query before anything else).
 * @return 0 or KR_EMALF.
 */
KR_EXPORT int kr_pkt_parse_question(kr_pkt_t *pkt);

/* --- header --- */
/** Message ID. */
KR_EXPORT uint16_t kr_pkt_id(const kr_pkt_t *pkt);
/** Set the message ID. */
KR_EXPORT void kr_pkt_set_id(kr_pkt_t *pkt, uint16_t id);
/** Is the header flag set? */
KR_EXPORT bool kr_pkt_flag(const kr_pkt_t *pkt, enum kr_pkt_flag flag);
/** Set or clear a header flag. */
KR_EXPORT void kr_pkt_set_flag(kr_pkt_t *pkt, enum kr_pkt_flag flag, bool on);
/** Opcode from the header. */
KR_EXPORT uint8_t kr_pkt_opcode(const kr_pkt_t *pkt);
/** Set the opcode. */
KR_EXPORT void kr_pkt_set_opcode(kr_pkt_t *pkt, uint8_t opcode);
/** Full rcode: the header's 4 bits extended by the OPT record's upper 8 bits. */
KR_EXPORT uint16_t kr_pkt_rcode(const kr_pkt_t *pkt);
/**
 * Set the rcode; the upper bits go to the packet's OPT record, which must
 * exist (kr_pkt_t.opt) for rcodes above 15. With an OPT already written
 * (kr_pkt_put_opt() or parsed), both pkt->opt and the wire bytes are updated,
 * so this may be called before or after kr_pkt_put_opt().
 * @return 0 or -EINVAL.
 */
KR_EXPORT int kr_pkt_set_rcode(kr_pkt_t *pkt, uint16_t rcode);
/**
 * Number of entries of a section for kr_pkt_rr(): records when parsed,
 * RR sets as given to kr_pkt_put() when written (the header counts records).
 */
KR_EXPORT uint16_t kr_pkt_count(const kr_pkt_t *pkt, enum kr_section section);
/** The i-th record of a section, or NULL. @note owned by the packet. */
KR_EXPORT const kr_rrset_t *kr_pkt_rr(const kr_pkt_t *pkt, enum kr_section section, uint16_t i);
/**
 * Does the section hold every record of rr already (the same owner in any
 * case, type, class and RDATA, in one entry or several)? For not writing
 * records twice; a set is never split by it.
 */
KR_EXPORT bool kr_pkt_has_rrset(const kr_pkt_t *pkt, enum kr_section section, const kr_rrset_t *rr);

/* --- writing --- */
/**
 * Write the question (must come before any record; replaces an existing one).
 * @return 0, KR_ESPACE, or KR_ESECTION when records were already written.
 */
KR_EXPORT int kr_pkt_put_question(kr_pkt_t *pkt, const uint8_t *qname, uint16_t qclass, uint16_t qtype);
/**
 * Move writing to a later section (sections are written in order).
 * @return 0 or KR_ESECTION when section is before the current one.
 */
KR_EXPORT int kr_pkt_begin(kr_pkt_t *pkt, enum kr_section section);
/**
 * Append every record of rr to the current section, compressing owner names
 * and the names inside RDATA of the RFC 1035 types only (NS, CNAME, SOA, PTR,
 * MX, MB, MD, MF, MG, MINFO, MR; never DNAME, SRV, RRSIG... per RFC 3597).
 * On KR_ESPACE nothing of rr is left in the packet. An empty rr is a no-op.
 * @return 0, KR_ESPACE, -ENOMEM, KR_EMALF (invalid RDATA), or -EINVAL for an
 *         OPT record (use kr_pkt_put_opt()).
 * @note the packet keeps a shallow copy of rr: its owner and RDATA must stay
 *       valid as long as the packet's records are read.
 */
KR_EXPORT int kr_pkt_put(kr_pkt_t *pkt, const kr_rrset_t *rr);
/**
 * Keep size bytes at the end of the buffer free while writing sections
 * (room for the OPT record written last).
 * @return 0 or KR_ESPACE.
 */
KR_EXPORT int kr_pkt_reserve(kr_pkt_t *pkt, uint16_t size);
/** Give back bytes reserved by kr_pkt_reserve(). */
KR_EXPORT void kr_pkt_unreserve(kr_pkt_t *pkt, uint16_t size);
/**
 * Write opt as the last record of the additional section and remember it in pkt->opt.
 * It may use the reserved bytes; the whole reservation is released afterwards.
 * Later changes to opt do not reach the wire, except through kr_pkt_set_rcode().
 * @return 0, KR_ESPACE or -EINVAL (not a well-formed OPT record, or the packet
 *         already has one).
 */
KR_EXPORT int kr_pkt_put_opt(kr_pkt_t *pkt, kr_rrset_t *opt);
/**
 * Cut the message back to header and question (counts zeroed) and set TC;
 * records written so far are forgotten, the OPT too (pkt->opt becomes NULL:
 * call kr_pkt_put_opt() again).
 */
KR_EXPORT void kr_pkt_truncate(kr_pkt_t *pkt);
/** Wire size that kr_pkt_put_opt() would use for opt. */
KR_EXPORT size_t kr_edns_wire_size(const kr_rrset_t *opt);

/* --- EDNS(0) ---
 * An OPT record: owner ".", rclass = UDP payload size,
 * ttl = extended rcode (8 bits) | version (8 bits) | DO + Z flags (16 bits). */
/**
 * Initialise opt as an empty OPT record.
 * @return 0 or -ENOMEM. @note the RDATA is allocated from mm.
 */
KR_EXPORT int kr_edns_init(kr_rrset_t *opt, uint16_t bufsize, uint8_t version, kr_mm_t *mm);
/** Advertised UDP payload size (values below 512 read as 512). */
KR_EXPORT uint16_t kr_edns_bufsize(const kr_rrset_t *opt);
/** EDNS version. */
KR_EXPORT uint8_t kr_edns_version(const kr_rrset_t *opt);
/** Is the DO (DNSSEC OK) bit set? */
KR_EXPORT bool kr_edns_do(const kr_rrset_t *opt);
/** Set or clear DO. */
KR_EXPORT void kr_edns_set_do(kr_rrset_t *opt, bool on);
/** Upper 8 bits of the extended rcode. */
KR_EXPORT uint8_t kr_edns_ext_rcode(const kr_rrset_t *opt);
/** Set the upper 8 bits of the extended rcode. */
KR_EXPORT void kr_edns_set_ext_rcode(kr_rrset_t *opt, uint8_t ext_rcode);
/**
 * Append an option.
 * @return 0, -ENOMEM, or -EINVAL when the RDATA would exceed 65535 bytes.
 */
KR_EXPORT int kr_edns_add_option(kr_rrset_t *opt, uint16_t code, uint16_t len, const uint8_t *data, kr_mm_t *mm);
/**
 * Find the first option with the given code.
 * @param len out: its length
 * @return pointer to its data (into the OPT RDATA) or NULL.
 */
KR_EXPORT const uint8_t *kr_edns_get_option(const kr_rrset_t *opt, uint16_t code, uint16_t *len);
/** Check that the OPT RDATA is a well-formed list of options. @return 0 or KR_EMALF. */
KR_EXPORT int kr_edns_check(const kr_rrset_t *opt);
